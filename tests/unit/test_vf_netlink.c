/* VF settings over rtnetlink (host/vf_config.c, host/vf_netlink.c): every
 * request Pontoon builds is compared byte for byte, attribute by attribute,
 * with the one iproute2 6.1 sent for the same setting (captured with strace:
 * tests/data/sriov/iproute2-vf-requests.txt); RTM_NEWLINK answers carrying
 * IFLA_VFINFO_LIST, built from the uapi structs in the order the kernel's
 * rtnl_fill_vfinfo() puts them, are parsed; the words of sriov/vf are
 * checked with their exact messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "host/vf_config.h"
#include "host/vf_netlink.h"
#include "util/strbuf.h"

/* ---- the stored captures ---- */

struct capture {
    char name[64];
    unsigned vf;
    char pontoon[512];            /* the settings in sriov/vf's words */
    char ip[512];
    uint8_t bytes[1024];
    size_t len;
};

static struct capture captures[64];
static size_t n_captures;

static void load_captures(void)
{
    const char *slash = strrchr(__FILE__, '/');
    char path[512];
    snprintf(path, sizeof path, "%.*s/../data/sriov/iproute2-vf-requests.txt",
             (int)(slash ? slash - __FILE__ : 0), __FILE__);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[1024];
    struct capture *c = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "== ", 3)) {
            assert_true(n_captures < 64);
            c = &captures[n_captures++];
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%.63s", line + 3);
        } else if (!c || !line[0] || line[0] == '#') {
            continue;
        } else if (!strncmp(line, "vf: ", 4)) {
            c->vf = (unsigned)atoi(line + 4);
        } else if (!strncmp(line, "pontoon: ", 9)) {
            snprintf(c->pontoon, sizeof c->pontoon, "%.511s", line + 9);
        } else if (!strncmp(line, "ip: ", 4)) {
            snprintf(c->ip, sizeof c->ip, "%.511s", line + 4);
        } else if (strchr("0123456789abcdef", line[0]) && line[2] == ' ') {
            for (char *p = line; *p; p += strspn(p, " ")) {
                assert_true(c->len < sizeof c->bytes);
                c->bytes[c->len++] = (uint8_t)strtoul(p, &p, 16);
            }
        }
    }
    fclose(f);
    assert_true(n_captures >= 15);
}

static const char *attr_name(int depth, uint16_t type)
{
    static char buf[16];
    if (depth == 0 && type == IFLA_VFINFO_LIST)
        return "IFLA_VFINFO_LIST";
    if (depth == 1 && type == IFLA_VF_INFO)
        return "IFLA_VF_INFO";
    if (depth == 3 && type == IFLA_VF_VLAN_INFO)
        return "IFLA_VF_VLAN_INFO";
    if (depth == 2) {
        static const char *const names[] = {
            [IFLA_VF_MAC] = "IFLA_VF_MAC", [IFLA_VF_VLAN] = "IFLA_VF_VLAN",
            [IFLA_VF_TX_RATE] = "IFLA_VF_TX_RATE", [IFLA_VF_SPOOFCHK] = "IFLA_VF_SPOOFCHK",
            [IFLA_VF_LINK_STATE] = "IFLA_VF_LINK_STATE", [IFLA_VF_RATE] = "IFLA_VF_RATE",
            [IFLA_VF_TRUST] = "IFLA_VF_TRUST", [IFLA_VF_VLAN_LIST] = "IFLA_VF_VLAN_LIST",
        };
        if (type < sizeof names / sizeof names[0] && names[type])
            return names[type];
    }
    snprintf(buf, sizeof buf, "type %u", type);
    return buf;
}

static bool is_nest(int depth, uint16_t type)
{
    return (depth == 0 && type == IFLA_VFINFO_LIST) || (depth == 1 && type == IFLA_VF_INFO)
           || (depth == 2 && type == IFLA_VF_VLAN_LIST);
}

/* Walks two attribute streams side by side; the first difference, named by
 * its path ("IFLA_VFINFO_LIST/IFLA_VF_INFO/IFLA_VF_VLAN: payload byte 4:
 * 0a, iproute2 0b"), goes into `why`. */
static bool same_attrs(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                       int depth, struct strbuf *path, struct strbuf *why)
{
    size_t ia = 0, ib = 0;
    while (ia + 4 <= a_len && ib + 4 <= b_len) {
        uint16_t la, ta, lb, tb;
        memcpy(&la, a + ia, 2);
        memcpy(&ta, a + ia + 2, 2);
        memcpy(&lb, b + ib, 2);
        memcpy(&tb, b + ib + 2, 2);
        size_t mark = path->len;
        strbuf_printf(path, "%s%s", depth ? "/" : "", attr_name(depth, tb));
        if (ta != tb || la != lb) {
            strbuf_printf(why, "%s: Pontoon has %s (type %u) of length %u, iproute2 type %u "
                          "of length %u", strbuf_cstr(path), attr_name(depth, ta), ta, la, tb,
                          lb);
            return false;
        }
        if (la < 4 || ia + la > a_len) {
            strbuf_printf(why, "%s: bad length %u", strbuf_cstr(path), la);
            return false;
        }
        if (is_nest(depth, ta)) {
            if (!same_attrs(a + ia + 4, la - 4u, b + ib + 4, lb - 4u, depth + 1, path, why))
                return false;
        } else {
            for (size_t k = 4; k < la; k++)
                if (a[ia + k] != b[ib + k]) {
                    strbuf_printf(why, "%s: payload byte %zu: Pontoon %02x, iproute2 %02x",
                                  strbuf_cstr(path), k - 4, a[ia + k], b[ib + k]);
                    return false;
                }
        }
        path->len = mark;
        path->data[mark] = '\0';
        ia += MNL_ALIGN(la);
        ib += MNL_ALIGN(lb);
    }
    if (ia < a_len || ib < b_len) {
        strbuf_printf(why, "%s: Pontoon has %zu bytes more, iproute2 %zu", strbuf_cstr(path),
                      a_len - ia, b_len - ib);
        return false;
    }
    return true;
}

/* The settings of a capture, parsed as sriov/vf parses them. */
static void config_of(const struct capture *c, struct vf_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->vf = c->vf;
    char words[512];
    snprintf(words, sizeof words, "%s", c->pontoon);
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        assert_non_null(eq);
        *eq = '\0';
        char *error = NULL;
        if (vf_config_add(cfg, w, eq + 1, &error))
            fail_msg("%s: %s", c->name, error);
    }
    char *error = NULL;
    if (vf_config_check(cfg, cfg->set & VF_SET_VLAN, &error))
        fail_msg("%s: %s", c->name, error);
}

static void test_requests_match_iproute2_byte_for_byte(void **state)
{
    load_captures();
    for (size_t i = 0; i < n_captures; i++) {
        const struct capture *c = &captures[i];
        struct vf_config cfg;
        config_of(c, &cfg);
        uint32_t seq, ifindex;
        memcpy(&seq, c->bytes + 8, 4);
        memcpy(&ifindex, c->bytes + 20, 4);
        uint8_t buf[1024];
        size_t len = vf_build_set(buf, sizeof buf, (int)ifindex, &cfg, cfg.set, seq);
        assert_true(len > 0);
        /* The headers (nlmsghdr, ifinfomsg), then the attributes. */
        const size_t head = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg));
        if (len < head || memcmp(buf, c->bytes, head) != 0)
            fail_msg("%s (%s): headers differ from iproute2's", c->name, c->ip);
        struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
        if (!same_attrs(buf + head, len - head, c->bytes + head, c->len - head, 0, &path, &why))
            fail_msg("%s (%s): %s", c->name, c->ip, strbuf_cstr(&why));
        strbuf_free(&path);
        strbuf_free(&why);
        /* And as a whole. */
        assert_int_equal(len, c->len);
        assert_memory_equal(buf, c->bytes, len);
    }
}

static void test_request_per_setting_and_limits(void **state)
{
    /* One request per setting (what pontoond sends, to name a failing one)
     * is the single-setting capture. */
    struct vf_config cfg = { .vf = 3 };
    char *error = NULL;
    assert_int_equal(vf_config_add(&cfg, "trust", "on", &error), 0);
    assert_int_equal(vf_config_add(&cfg, "mac", "02:00:00:00:00:01", &error), 0);
    uint8_t buf[256];
    size_t len = vf_build_set(buf, sizeof buf, 7, &cfg, VF_SET_TRUST, 1);
    assert_int_equal(len, 52);
    const struct nlmsghdr *nlh = (const void *)buf;
    assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    /* Nothing asked: no request.  Too small a buffer: none either. */
    assert_int_equal(vf_build_set(buf, sizeof buf, 7, &cfg, 0, 1), 0);
    assert_int_equal(vf_build_set(buf, 60, 7, &cfg, VF_SET_MAC, 1), 0);
    assert_int_equal(vf_build_set(buf, 16, 7, &cfg, VF_SET_TRUST, 1), 0);
}

static void test_get_request_asks_for_vfs(void **state)
{
    uint8_t buf[128];
    size_t len = vf_build_get(buf, sizeof buf, "eth1", 9);
    /* As `ip link show eth1` asks: RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS, then the name. */
    static const uint8_t want[] = {
        0x34, 0, 0, 0, RTM_GETLINK, 0, NLM_F_REQUEST, 0, 9, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        8, 0, IFLA_EXT_MASK, 0, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS, 0, 0, 0,
        9, 0, IFLA_IFNAME, 0, 'e', 't', 'h', '1', 0, 0, 0, 0,
    };
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
}

/* ---- answers ---- */

struct vf_fill {
    uint32_t vf;
    uint8_t mac[6];
    uint32_t vlan, qos;
    uint16_t proto;               /* host order */
    uint32_t min_rate, max_rate;
    uint32_t spoofchk, trust, link_state;
};

/* One IFLA_VF_INFO as rtnl_fill_vfinfo() writes it. */
static void put_vf(struct nlmsghdr *nlh, const struct vf_fill *f, bool stats)
{
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
    struct ifla_vf_mac mac = { .vf = f->vf };
    memcpy(mac.mac, f->mac, 6);
    struct ifla_vf_broadcast brd;
    memset(&brd, 0, sizeof brd);
    memset(brd.broadcast, 0xff, 6);
    struct ifla_vf_vlan vlan = { .vf = f->vf, .vlan = f->vlan, .qos = f->qos };
    struct ifla_vf_rate rate = { .vf = f->vf, .min_tx_rate = f->min_rate,
                                 .max_tx_rate = f->max_rate };
    struct ifla_vf_tx_rate tx_rate = { .vf = f->vf, .rate = f->max_rate };
    struct ifla_vf_spoofchk spoofchk = { .vf = f->vf, .setting = f->spoofchk };
    struct ifla_vf_link_state link_state = { .vf = f->vf, .link_state = f->link_state };
    struct ifla_vf_rss_query_en rss = { .vf = f->vf, .setting = (uint32_t)-1 };
    struct ifla_vf_trust trust = { .vf = f->vf, .setting = f->trust };
    struct ifla_vf_vlan_info vlan_info;
    memset(&vlan_info, 0, sizeof vlan_info);
    vlan_info.vf = f->vf;
    vlan_info.vlan = f->vlan;
    vlan_info.qos = f->qos;
    vlan_info.vlan_proto = htons(f->proto);
    mnl_attr_put(nlh, IFLA_VF_MAC, sizeof mac, &mac);
    mnl_attr_put(nlh, IFLA_VF_BROADCAST, sizeof brd, &brd);
    mnl_attr_put(nlh, IFLA_VF_VLAN, sizeof vlan, &vlan);
    mnl_attr_put(nlh, IFLA_VF_RATE, sizeof rate, &rate);
    mnl_attr_put(nlh, IFLA_VF_TX_RATE, sizeof tx_rate, &tx_rate);
    mnl_attr_put(nlh, IFLA_VF_SPOOFCHK, sizeof spoofchk, &spoofchk);
    mnl_attr_put(nlh, IFLA_VF_LINK_STATE, sizeof link_state, &link_state);
    mnl_attr_put(nlh, IFLA_VF_RSS_QUERY_EN, sizeof rss, &rss);
    mnl_attr_put(nlh, IFLA_VF_TRUST, sizeof trust, &trust);
    struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_VF_VLAN_LIST);
    mnl_attr_put(nlh, IFLA_VF_VLAN_INFO, sizeof vlan_info, &vlan_info);
    mnl_attr_nest_end(nlh, list);
    if (stats) {
        struct nlattr *s = mnl_attr_nest_start(nlh, IFLA_VF_STATS);
        mnl_attr_put_u64(nlh, IFLA_VF_STATS_RX_PACKETS, 12);
        mnl_attr_nest_end(nlh, s);
    }
    mnl_attr_nest_end(nlh, info);
}

/* An answer for PF eth1 with the given VFs. */
static size_t build_answer(uint8_t *buf, const struct vf_fill *vfs, size_t n, bool stats)
{
    memset(buf, 0, 4096);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = 4;
    ifi->ifi_type = ARPHRD_ETHER;
    ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth1");
    mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
    mnl_attr_put_u32(nlh, IFLA_NUM_VF, (uint32_t)n);
    struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
    for (size_t i = 0; i < n; i++)
        put_vf(nlh, &vfs[i], stats);
    mnl_attr_nest_end(nlh, list);
    return nlh->nlmsg_len;
}

static const struct vf_fill seven[] = {
    { 0, { 0x02, 0, 0, 0, 0, 0x01 }, 10, 0, ETH_P_8021Q, 0, 0, 1, 0, IFLA_VF_LINK_STATE_AUTO },
    { 1, { 0 }, 0, 0, ETH_P_8021Q, 0, 0, 1, 0, IFLA_VF_LINK_STATE_AUTO },
    { 2, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 100, 5, ETH_P_8021AD, 10, 500, 0, 1,
      IFLA_VF_LINK_STATE_ENABLE },
    { 3, { 0 }, 0, 0, ETH_P_8021Q, 0, 0, (uint32_t)-1, (uint32_t)-1,
      IFLA_VF_LINK_STATE_DISABLE },
};

static void test_answer_with_vfinfo_list_is_parsed(void **state)
{
    uint8_t buf[4096];
    for (int stats = 0; stats < 2; stats++) {
        size_t len = build_answer(buf, seven, 4, stats);
        struct vf_link link;
        assert_int_equal(vf_parse_link((const void *)buf, &link), 0);
        assert_string_equal(link.name, "eth1");
        assert_int_equal(link.ifindex, 4);
        assert_int_equal(link.type, ARPHRD_ETHER);
        assert_true(link.has_num_vf);
        assert_int_equal(link.num_vf, 4);
        assert_int_equal(link.n_vfs, 4);
        const struct vf_state *v0 = vf_link_find(&link, 0);
        assert_non_null(v0);
        assert_memory_equal(v0->mac, ((uint8_t[]){ 2, 0, 0, 0, 0, 1 }), 6);
        assert_true(v0->has_broadcast);
        assert_memory_equal(v0->broadcast, ((uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }),
                            6);
        assert_int_equal(v0->vlan, 10);
        assert_int_equal(v0->vlan_proto, ETH_P_8021Q);
        assert_int_equal(v0->spoofchk, 1);
        assert_int_equal(v0->trust, 0);
        assert_int_equal(v0->query_rss, -1);
        assert_true(v0->has_link_state);
        assert_int_equal(v0->link_state, IFLA_VF_LINK_STATE_AUTO);
        const struct vf_state *v2 = vf_link_find(&link, 2);
        assert_int_equal(v2->vlan, 100);
        assert_int_equal(v2->qos, 5);
        assert_int_equal(v2->vlan_proto, ETH_P_8021AD);
        assert_true(v2->has_rate);
        assert_int_equal(v2->min_tx_rate, 10);
        assert_int_equal(v2->max_tx_rate, 500);
        assert_int_equal(v2->tx_rate, 500);
        assert_int_equal(v2->trust, 1);
        /* A driver that reports neither spoof checking nor trust: -1. */
        const struct vf_state *v3 = vf_link_find(&link, 3);
        assert_int_equal(v3->spoofchk, -1);
        assert_int_equal(v3->trust, -1);
        assert_int_equal(v3->link_state, IFLA_VF_LINK_STATE_DISABLE);
        assert_null(vf_link_find(&link, 4));
        vf_link_free(&link);
        (void)len;
    }
}

static void test_answer_without_vfs_and_broken_answers(void **state)
{
    uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    /* A veth: no IFLA_NUM_VF, no list. */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth0");
    struct vf_link link;
    assert_int_equal(vf_parse_link(nlh, &link), 0);
    assert_false(link.has_num_vf);
    assert_int_equal(link.n_vfs, 0);
    vf_link_free(&link);
    /* Not an RTM_NEWLINK. */
    nlh->nlmsg_type = RTM_NEWADDR;
    assert_int_equal(vf_parse_link(nlh, &link), -EINVAL);
    /* Every truncation of a real answer parses without reading past it. */
    size_t len = build_answer(buf, seven, 4, true);
    for (size_t cut = sizeof(struct nlmsghdr); cut < len; cut += 3) {
        uint8_t *copy = malloc(cut);
        memcpy(copy, buf, cut);
        ((struct nlmsghdr *)copy)->nlmsg_len = (uint32_t)cut;
        if (vf_parse_link((const void *)copy, &link) == 0)
            assert_true(link.n_vfs <= 4);
        vf_link_free(&link);
        free(copy);
    }
    /* Attributes too short for their struct are ignored. */
    memset(buf, 0, sizeof buf);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
    struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_VFINFO_LIST);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_VF_INFO);
    mnl_attr_put_u32(nlh, IFLA_VF_MAC, 7);
    mnl_attr_put_u32(nlh, IFLA_VF_TRUST, 1);
    mnl_attr_nest_end(nlh, info);
    mnl_attr_nest_end(nlh, list);
    assert_int_equal(vf_parse_link(nlh, &link), 0);
    assert_int_equal(link.n_vfs, 1);
    assert_int_equal(link.vfs[0].vf, 0);
    assert_int_equal(link.vfs[0].trust, -1);
    vf_link_free(&link);
}

/* ---- the words ---- */

static char *add_error(const char *key, const char *value)
{
    struct vf_config cfg = { 0 };
    char *error = NULL;
    if (vf_config_add(&cfg, key, value, &error) == 0)
        return strdup("(accepted)");
    return error;
}

static void expect_error(const char *key, const char *value, const char *message)
{
    char *error = add_error(key, value);
    assert_string_equal(error, message);
    free(error);
}

static void test_words_and_their_errors(void **state)
{
    expect_error("mac", "01:00:5e:00:00:01",
                 "mac \"01:00:5e:00:00:01\" is not a unicast MAC address (xx:xx:xx:xx:xx:xx; "
                 "00:00:00:00:00:00 lets the VF choose)");
    expect_error("mac", "02:00:00:00:00", "mac \"02:00:00:00:00\" is not a unicast MAC address "
                 "(xx:xx:xx:xx:xx:xx; 00:00:00:00:00:00 lets the VF choose)");
    expect_error("mac", "02:00:00:00:00:0g", "mac \"02:00:00:00:00:0g\" is not a unicast MAC "
                 "address (xx:xx:xx:xx:xx:xx; 00:00:00:00:00:00 lets the VF choose)");
    expect_error("vlan", "4096", "vlan 4096 is out of range (0 to 4095; 0 clears it)");
    expect_error("vlan", "-1", "vlan \"-1\" is not a number (0 to 4095)");
    expect_error("vlan", "ten", "vlan \"ten\" is not a number (0 to 4095)");
    expect_error("qos", "8", "qos 8 is out of range (0 to 7)");
    expect_error("proto", "802.1x", "proto \"802.1x\" is not a VLAN protocol (802.1Q or 802.1ad)");
    expect_error("spoofchk", "yes", "spoofchk \"yes\": on or off");
    expect_error("trust", "1", "trust \"1\": on or off");
    expect_error("link-state", "up", "link-state \"up\": auto, enable or disable");
    expect_error("max-rate", "1.5", "max-rate \"1.5\" is not a rate in Mb/s (a whole number, 0: "
                 "no limit)");
    expect_error("min-rate", "99999999999", "min-rate \"99999999999\" is not a rate in Mb/s (a "
                 "whole number, 0: no limit)");
    expect_error("rate", "10", "unknown VF setting \"rate\" (mac, vlan, qos, proto, spoofchk, "
                 "trust, link-state, min-rate, max-rate)");
    char *ok = add_error("mac", "52:54:00:AB:cd:EF");
    assert_string_equal(ok, "(accepted)");
    free(ok);

    /* What only the whole set can tell. */
    struct vf_config cfg = { 0 };
    char *error = NULL;
    assert_int_equal(vf_config_add(&cfg, "qos", "3", &error), 0);
    assert_int_equal(vf_config_check(&cfg, false, &error), -EINVAL);
    assert_string_equal(error, "qos 3 needs a vlan: it is the priority of the VF's VLAN tag");
    free(error);
    assert_int_equal(vf_config_check(&cfg, true, &error), 0);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(vf_config_add(&cfg, "proto", "802.1ad", &error), 0);
    assert_int_equal(vf_config_check(&cfg, false, &error), -EINVAL);
    assert_string_equal(error, "proto 802.1ad needs a vlan: it is the protocol of the VF's VLAN "
                        "tag");
    free(error);
    /* proto before vlan is kept. */
    assert_int_equal(vf_config_add(&cfg, "vlan", "5", &error), 0);
    assert_int_equal(cfg.vlan_proto, ETH_P_8021AD);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(vf_config_add(&cfg, "min-rate", "200", &error), 0);
    assert_int_equal(vf_config_add(&cfg, "max-rate", "100", &error), 0);
    assert_int_equal(vf_config_check(&cfg, false, &error), -EINVAL);
    assert_string_equal(error, "min-rate 200 is above max-rate 100 (0: no limit)");
    free(error);
    assert_int_equal(vf_config_add(&cfg, "max-rate", "0", &error), 0);
    assert_int_equal(vf_config_check(&cfg, false, &error), 0);
}

static void test_diff_sends_only_what_differs(void **state)
{
    uint8_t buf[4096];
    build_answer(buf, seven, 4, false);
    struct vf_link link;
    assert_int_equal(vf_parse_link((const void *)buf, &link), 0);
    struct vf_config want = { .vf = 0 };
    char *error = NULL;
    assert_int_equal(vf_config_add(&want, "mac", "02:00:00:00:00:01", &error), 0);
    assert_int_equal(vf_config_add(&want, "vlan", "10", &error), 0);
    assert_int_equal(vf_config_add(&want, "spoofchk", "on", &error), 0);
    assert_int_equal(vf_config_add(&want, "link-state", "auto", &error), 0);
    assert_int_equal(vf_config_diff(&want, vf_link_find(&link, 0)), 0);
    assert_int_equal(vf_config_add(&want, "trust", "on", &error), 0);
    assert_int_equal(vf_config_add(&want, "qos", "2", &error), 0);
    assert_int_equal(vf_config_diff(&want, vf_link_find(&link, 0)), VF_SET_TRUST | VF_SET_VLAN);
    /* Unknown state: everything wanted. */
    assert_int_equal(vf_config_diff(&want, NULL), want.set);
    /* The 802.1ad VF: the protocol counts; a max rate alone compares alone. */
    struct vf_config ad = { .vf = 2 };
    assert_int_equal(vf_config_add(&ad, "vlan", "100", &error), 0);
    assert_int_equal(vf_config_add(&ad, "qos", "5", &error), 0);
    assert_int_equal(vf_config_add(&ad, "max-rate", "500", &error), 0);
    assert_int_equal(vf_config_diff(&ad, vf_link_find(&link, 2)), VF_SET_VLAN);
    assert_int_equal(vf_config_add(&ad, "proto", "802.1ad", &error), 0);
    assert_int_equal(vf_config_diff(&ad, vf_link_find(&link, 2)), 0);
    /* A driver that does not report trust: always sent. */
    struct vf_config t = { .vf = 3 };
    assert_int_equal(vf_config_add(&t, "trust", "off", &error), 0);
    assert_int_equal(vf_config_diff(&t, vf_link_find(&link, 3)), VF_SET_TRUST);
    vf_link_free(&link);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_match_iproute2_byte_for_byte),
        cmocka_unit_test(test_request_per_setting_and_limits),
        cmocka_unit_test(test_get_request_asks_for_vfs),
        cmocka_unit_test(test_answer_with_vfinfo_list_is_parsed),
        cmocka_unit_test(test_answer_without_vfs_and_broken_answers),
        cmocka_unit_test(test_words_and_their_errors),
        cmocka_unit_test(test_diff_sends_only_what_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
