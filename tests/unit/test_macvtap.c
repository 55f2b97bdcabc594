/* macvtap's pure parts: mode names, MACs, device names, the rtnetlink
 * requests (built, then read back as the kernel would), the plan for a
 * device found under a wanted name, sysfs device numbers; and the /dev/tapN
 * node made in a scratch directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "host/macvtap.h"
#include "host/macvtap_dev.h"
#include "host/macvtap_host_access.h"

static void test_mode_names(void **state)
{
    static const struct { const char *name; uint32_t mode; } cases[] = {
        { "bridge", MACVLAN_MODE_BRIDGE }, { "vepa", MACVLAN_MODE_VEPA },
        { "private", MACVLAN_MODE_PRIVATE }, { "passthru", MACVLAN_MODE_PASSTHRU },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t mode = 0;
        assert_int_equal(macvtap_mode_from_name(cases[i].name, &mode), 0);
        assert_int_equal(mode, cases[i].mode);
        assert_string_equal(macvtap_mode_name(cases[i].mode), cases[i].name);
    }
    uint32_t mode = 77;
    assert_int_equal(macvtap_mode_from_name("Bridge", &mode), -EINVAL);
    assert_int_equal(macvtap_mode_from_name("source", &mode), -EINVAL);
    assert_int_equal(macvtap_mode_from_name("", &mode), -EINVAL);
    assert_int_equal(mode, 77);
    assert_string_equal(macvtap_mode_name(MACVLAN_MODE_SOURCE), "?");
}

static void test_mac_parsing(void **state)
{
    uint8_t mac[6];
    char text[18];
    assert_int_equal(macvtap_parse_mac("52:54:00:AB:cd:0f", mac), 0);
    macvtap_format_mac(mac, text);
    assert_string_equal(text, "52:54:00:ab:cd:0f");
    static const char *const bad[] = {
        "01:00:5e:00:00:01",    /* multicast */
        "ff:ff:ff:ff:ff:ff",    /* broadcast */
        "00:00:00:00:00:00",    /* zero */
        "52:54:00:ab:cd",       /* short */
        "52:54:00:ab:cd:0f:00", /* long */
        "52-54-00-ab-cd-0f",    /* separators */
        "5:54:00:ab:cd:0f",     /* one digit */
        "52:54:00:ab:cd:0g",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(mac, 0xaa, sizeof mac);
        if (macvtap_parse_mac(bad[i], mac) != -EINVAL)
            fail_msg("\"%s\" was taken as a MAC", bad[i]);
        assert_int_equal(mac[0], 0xaa);
    }
}

static void test_names(void **state)
{
    assert_true(macvtap_name_is_valid("macvtap0"));
    assert_true(macvtap_name_is_valid("a23456789012345"));   /* 15 */
    assert_false(macvtap_name_is_valid("a234567890123456")); /* 16 */
    assert_false(macvtap_name_is_valid(""));
    assert_false(macvtap_name_is_valid("."));
    assert_false(macvtap_name_is_valid(".."));
    assert_false(macvtap_name_is_valid("a/b"));
    assert_false(macvtap_name_is_valid("a b"));
    assert_false(macvtap_name_is_valid("a:0"));
}

static struct macvtap_spec spec_bridge(void)
{
    struct macvtap_spec spec = { .kind = "macvtap", .lower_ifindex = 7,
                                 .mode = MACVLAN_MODE_BRIDGE, .has_mac = true,
                                 .mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
    strcpy(spec.name, "mvtap0");
    strcpy(spec.alias, "pontoon:1234");
    return spec;
}

/* The request carries what `ip link add link LOWER name NAME address MAC
 * type macvtap mode MODE` sends; read back, it says the same. */
static void test_create_request(void **state)
{
    char buf[1024] = { 0 };
    struct macvtap_spec spec = spec_bridge();
    size_t len = macvtap_build_create(buf, sizeof buf, &spec, 42);
    assert_true(len > 0);
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
    assert_int_equal(nlh->nlmsg_len, len);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(nlh->nlmsg_flags,
                     NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
    assert_int_equal(nlh->nlmsg_seq, 42);
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(ifi->ifi_index, 0);
    assert_int_equal(ifi->ifi_family, AF_UNSPEC);

    struct macvtap_link link;
    assert_int_equal(macvtap_parse_link(nlh, &link), 0);
    assert_string_equal(link.name, "mvtap0");
    assert_string_equal(link.kind, "macvtap");
    assert_int_equal(link.lower_ifindex, 7);
    assert_int_equal(link.mode, MACVLAN_MODE_BRIDGE);
    assert_true(link.has_mac);
    assert_memory_equal(link.mac, spec.mac, 6);
    assert_string_equal(link.alias, "");   /* the alias goes with set_up */
    /* As the kernel reports it, the same device plans to "keep" once up. */
    strcpy(link.alias, spec.alias);
    link.up = true;
    assert_int_equal(macvtap_plan(&spec, &link), MACVTAP_KEEP);

    /* The host's side: a macvlan, no MAC given, vepa. */
    spec.kind = "macvlan";
    spec.has_mac = false;
    spec.mode = MACVLAN_MODE_VEPA;
    len = macvtap_build_create(buf, sizeof buf, &spec, 43);
    assert_int_equal(macvtap_parse_link(nlh, &link), 0);
    assert_string_equal(link.kind, "macvlan");
    assert_int_equal(link.mode, MACVLAN_MODE_VEPA);
    assert_false(link.has_mac);

    /* Too small a buffer: nothing, not a truncated message. */
    assert_int_equal(macvtap_build_create(buf, 40, &spec, 44), 0);
    assert_int_equal(macvtap_build_create(buf, 8, &spec, 44), 0);
}

static void test_other_requests(void **state)
{
    char buf[512] = { 0 };
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    assert_true(macvtap_build_set_up(buf, sizeof buf, 12, "pontoon:x", 5) > 0);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);   /* no CREATE */
    assert_int_equal(ifi->ifi_index, 12);
    assert_int_equal(ifi->ifi_flags, IFF_UP);
    assert_int_equal(ifi->ifi_change, IFF_UP);
    struct macvtap_link link;
    assert_int_equal(macvtap_parse_link(nlh, &link), 0);
    assert_string_equal(link.alias, "pontoon:x");
    assert_true(link.up);

    assert_true(macvtap_build_delete(buf, sizeof buf, 12, 6) > 0);
    assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
    assert_int_equal(ifi->ifi_index, 12);
    assert_int_equal(macvtap_parse_link(nlh, &link), -EINVAL);   /* not a NEWLINK */

    assert_true(macvtap_build_get(buf, sizeof buf, "mvtap0", 7) > 0);
    assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
    assert_true(macvtap_build_get(buf, sizeof buf, NULL, 8) > 0);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
}

static void test_plan(void **state)
{
    struct macvtap_spec want = spec_bridge();
    struct macvtap_link have = { .ifindex = 9, .lower_ifindex = 7,
                                 .mode = MACVLAN_MODE_BRIDGE, .has_mac = true, .up = true };
    strcpy(have.name, "mvtap0");
    strcpy(have.kind, "macvtap");
    strcpy(have.alias, "pontoon:1234");
    memcpy(have.mac, want.mac, 6);

    assert_int_equal(macvtap_plan(&want, NULL), MACVTAP_CREATE);
    assert_int_equal(macvtap_plan(&want, &have), MACVTAP_KEEP);
    have.up = false;
    assert_int_equal(macvtap_plan(&want, &have), MACVTAP_SET_UP);
    have.up = true;

    struct macvtap_link other = have;
    other.lower_ifindex = 8;          /* the lower device came back as another */
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_RECREATE);
    other = have;
    other.mode = MACVLAN_MODE_VEPA;
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_RECREATE);
    other = have;
    other.mac[5] ^= 1;
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_RECREATE);
    other = have;
    strcpy(other.kind, "macvlan");
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_RECREATE);
    other = have;
    strcpy(other.alias, "");          /* someone else's device of that name */
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_FOREIGN);
    strcpy(other.alias, "pontoon:other-database");
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_FOREIGN);

    /* No MAC asked for: whatever the kernel chose is fine. */
    want.has_mac = false;
    other = have;
    other.mac[5] ^= 1;
    assert_int_equal(macvtap_plan(&want, &other), MACVTAP_KEEP);

    assert_string_equal(macvtap_action_name(MACVTAP_RECREATE), "re-create");
}

static void test_devnum(void **state)
{
    unsigned major = 0, minor = 0;
    assert_int_equal(macvtap_parse_devnum("246:1\n", &major, &minor), 0);
    assert_int_equal(major, 246);
    assert_int_equal(minor, 1);
    assert_int_equal(macvtap_parse_devnum("246:65535", &major, &minor), 0);
    assert_int_equal(minor, 65535);
    assert_int_equal(macvtap_parse_devnum("246", &major, &minor), -EINVAL);
    assert_int_equal(macvtap_parse_devnum("246:1x", &major, &minor), -EINVAL);
    assert_int_equal(macvtap_parse_devnum("", &major, &minor), -EINVAL);
}

/* The node in a scratch directory (as in a /dev no udev fills): made,
 * kept, a stale one replaced, removed only while it is still ours. */
static void test_dev_node(void **state)
{
    char dir[] = "/tmp/pontoon-macvtap-dev-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], expect[160];
    bool made = false;
    snprintf(expect, sizeof expect, "%s/tap31", dir);

    assert_int_equal(macvtap_dev_ensure(dir, 31, 246, 3, path, sizeof path, &made), 0);
    assert_string_equal(path, expect);
    assert_true(made);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(246, 3));
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(macvtap_dev_ensure(dir, 31, 246, 3, path, sizeof path, &made), 0);
    assert_false(made);                           /* already right */
    assert_int_equal(macvtap_dev_ensure(dir, 31, 246, 4, path, sizeof path, &made), 0);
    assert_true(made);                            /* stale: replaced */
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_rdev, makedev(246, 4));

    macvtap_dev_remove(dir, 31, 246, 3);          /* not ours any more: stays */
    assert_int_equal(lstat(path, &st), 0);
    macvtap_dev_remove(dir, 31, 246, 4);
    assert_int_equal(lstat(path, &st), -1);

    unsigned major, minor;
    assert_int_equal(macvtap_dev_number(dir, "nosuch", 31, &major, &minor), -ENOENT);
    assert_int_equal(rmdir(dir), 0);
}

/* host-access's plan: every address onto the macvlan before any leaves
 * the lower device, then the default route. */
static void test_host_access_plan(void **state)
{
    struct host_address addrs[] = { { "198.18.5.10/24" }, { "2001:db8::10/64" } };
    struct host_access_state st = { addrs, 2, "198.18.5.254" };
    struct strbuf out = STRBUF_INIT;
    host_access_plan("eth1", "eth1-host", &st, &out);
    assert_string_equal(strbuf_cstr(&out),
        "Move the host's addresses from eth1 to eth1-host, each added before it is deleted:\n"
        "  ip address add 198.18.5.10/24 dev eth1-host\n"
        "  ip address add 2001:db8::10/64 dev eth1-host\n"
        "  ip address del 198.18.5.10/24 dev eth1\n"
        "  ip address del 2001:db8::10/64 dev eth1\n"
        "  ip route replace default via 198.18.5.254 dev eth1-host\n");
    strbuf_clear(&out);
    struct host_access_state none = { NULL, 0, "" };
    host_access_plan("eth1", "h0", &none, &out);
    assert_string_equal(strbuf_cstr(&out), "eth1 has no address to move: give the host's "
                        "address to h0 (ip address add ADDR/LEN dev h0)\n");
    strbuf_free(&out);
}

/* The reader on a captured /proc/net/route: the default route's gateway. */
static void test_host_access_gateway(void **state)
{
    char dir[] = "/tmp/pontoon-host-access-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/net", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/net/route", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
          "pthx0\t00000000\tFE0512C6\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
          "pthx0\t000512C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", f);
    fclose(f);
    struct host_access_state st;
    assert_int_equal(host_access_read("pthx0", dir, &st), 0);
    assert_string_equal(st.gateway, "198.18.5.254");
    assert_int_equal(st.n_addresses, 0);    /* no such device here */
    host_access_state_free(&st);
    assert_int_equal(host_access_read("other0", dir, &st), 0);
    assert_string_equal(st.gateway, "");
    host_access_state_free(&st);
    unlink(path);
    snprintf(path, sizeof path, "%s/net", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_mac_parsing),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_create_request),
        cmocka_unit_test(test_other_requests),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_devnum),
        cmocka_unit_test(test_dev_node),
        cmocka_unit_test(test_host_access_plan),
        cmocka_unit_test(test_host_access_gateway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
