/* Bonds with a fake clock: active-backup failover, bond-primary, updelay and
 * downdelay, admin enable/disable, balance-slb hashing and rebalancing,
 * receive admission, balance-tcp and LACP, and bond/show text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switching/bond.h"
#include "switching/bond_show.h"
#include "util/strbuf.h"

static struct bond *make_bond(enum bond_mode mode, uint32_t up, uint32_t down,
                              const char *primary)
{
    struct bond_settings s;
    bond_settings_init(&s, "bond0");
    s.mode = mode;
    s.updelay_ms = up;
    s.downdelay_ms = down;
    s.primary = primary;
    struct bond *bond = bond_create(&s, 0);
    assert_non_null(bond);
    static const char *names[] = { NULL, "eth1", "eth2", "eth3" };
    for (uint32_t id = 1; id <= 3; id++) {
        struct bond_member_settings ms = { .name = names[id], .mac = { 2, 0, 0, 0, 0, (uint8_t)id } };
        assert_int_equal(bond_member_add(bond, id, &ms), 0);
    }
    return bond;
}

static void carrier(struct bond *bond, uint32_t id, bool up)
{
    assert_int_equal(bond_member_set_carrier(bond, id, up), 0);
}

static bool enabled(const struct bond *bond, uint32_t id)
{
    struct bond_member_status st;
    for (size_t i = 0; bond_get_member_status(bond, i, &st) == 0; i++)
        if (st.id == id)
            return st.enabled;
    fail_msg("no member %u", id);
    return false;
}

static void test_active_backup_failover(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_ACTIVE_BACKUP, 0, 0, NULL);
    assert_int_equal(bond_run(bond, LACP_STATUS_OFF, 0), 0);
    assert_int_equal(bond_choose_member(bond, 0), BOND_NO_MEMBER);
    for (uint32_t id = 1; id <= 3; id++)
        carrier(bond, id, true);
    unsigned flags = bond_run(bond, LACP_STATUS_OFF, 10);
    assert_true(flags & BOND_RUN_ACTIVE_CHANGED);
    assert_int_equal(bond_get_active_member(bond), 1);
    for (uint32_t h = 0; h < 1000; h += 77)
        assert_int_equal(bond_choose_member(bond, h), 1);
    uint8_t mac[6];
    bond_get_active_member_mac(bond, mac);
    assert_int_equal(mac[5], 1);
    /* Nothing changed: no flag. */
    assert_int_equal(bond_run(bond, LACP_STATUS_OFF, 20) & BOND_RUN_ACTIVE_CHANGED, 0);

    /* The active member fails: the next usable one takes over. */
    carrier(bond, 1, false);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 30) & BOND_RUN_ACTIVE_CHANGED);
    assert_int_equal(bond_get_active_member(bond), 2);
    assert_int_equal(bond_choose_member(bond, 5), 2);
    /* It comes back: no preemption without a primary. */
    carrier(bond, 1, true);
    assert_int_equal(bond_run(bond, LACP_STATUS_OFF, 40) & BOND_RUN_ACTIVE_CHANGED, 0);
    assert_int_equal(bond_get_active_member(bond), 2);

    /* bond/set-active-member and bond/disable-member. */
    assert_int_equal(bond_set_active_member(bond, 3), 0);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 50) & BOND_RUN_ACTIVE_CHANGED);
    assert_int_equal(bond_choose_member(bond, 0), 3);
    assert_int_equal(bond_enable_member(bond, 3, false), 0);
    bond_run(bond, LACP_STATUS_OFF, 60);
    assert_false(enabled(bond, 3));
    assert_int_equal(bond_get_active_member(bond), 1);
    assert_int_equal(bond_set_active_member(bond, 3), -EINVAL);
    assert_int_equal(bond_set_active_member(bond, 9), -ENOENT);
    /* Stays disabled while its carrier is fine, until enabled again. */
    bond_run(bond, LACP_STATUS_OFF, 100000);
    assert_false(enabled(bond, 3));
    assert_int_equal(bond_enable_member(bond, 3, true), 0);
    bond_run(bond, LACP_STATUS_OFF, 100001);
    assert_true(enabled(bond, 3));
    assert_int_equal(bond_get_active_member(bond), 1);

    /* All down: the bond is down. */
    for (uint32_t id = 1; id <= 3; id++)
        carrier(bond, id, false);
    bond_run(bond, LACP_STATUS_OFF, 100002);
    assert_int_equal(bond_choose_member(bond, 0), BOND_NO_MEMBER);
    assert_int_equal(bond_get_active_member(bond), BOND_NO_MEMBER);
    bond_destroy(bond);
}

static void test_primary(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_ACTIVE_BACKUP, 0, 0, "eth3");
    for (uint32_t id = 1; id <= 3; id++)
        carrier(bond, id, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    assert_int_equal(bond_get_active_member(bond), 3);
    carrier(bond, 3, false);
    bond_run(bond, LACP_STATUS_OFF, 10);
    assert_int_equal(bond_get_active_member(bond), 1);
    /* The primary is back: it takes over again. */
    carrier(bond, 3, true);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 20) & BOND_RUN_ACTIVE_CHANGED);
    assert_int_equal(bond_get_active_member(bond), 3);
    /* Changing the primary moves the active member at once. */
    struct bond_settings s = *bond_get_settings(bond);
    s.primary = "eth2";
    assert_int_equal(bond_reconfigure(bond, &s, 30), 0);
    bond_run(bond, LACP_STATUS_OFF, 30);
    assert_int_equal(bond_get_active_member(bond), 2);
    bond_destroy(bond);
}

static void test_updelay_downdelay(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_ACTIVE_BACKUP, 200, 100, NULL);
    carrier(bond, 1, true);
    carrier(bond, 2, true);
    /* Nothing is enabled: the first member is taken at once, skipping its
     * updelay, the other waits for its updelay. */
    bond_run(bond, LACP_STATUS_OFF, 1000);
    assert_int_equal(bond_get_active_member(bond), 1);
    assert_true(enabled(bond, 1));
    assert_false(enabled(bond, 2));
    assert_int_equal(bond_next_wake(bond), 1200);
    bond_run(bond, LACP_STATUS_OFF, 1199);
    assert_false(enabled(bond, 2));
    bond_run(bond, LACP_STATUS_OFF, 1200);
    assert_true(enabled(bond, 2));
    assert_int_equal(bond_next_wake(bond), UINT64_MAX);

    /* Down for less than downdelay: nothing happens. */
    carrier(bond, 1, false);
    bond_run(bond, LACP_STATUS_OFF, 2000);
    assert_true(enabled(bond, 1));
    carrier(bond, 1, true);
    bond_run(bond, LACP_STATUS_OFF, 2099);
    bond_run(bond, LACP_STATUS_OFF, 2200);
    assert_true(enabled(bond, 1));
    assert_int_equal(bond_get_active_member(bond), 1);

    /* Down for downdelay: disabled, active moves. */
    carrier(bond, 1, false);
    bond_run(bond, LACP_STATUS_OFF, 3000);
    struct strbuf sb = STRBUF_INIT;
    bond_format_show(&sb, bond, 3040);
    assert_non_null(strstr(strbuf_cstr(&sb), "member eth1: enabled\n  active member\n"
                                             "  downdelay expires in 60 ms\n"));
    strbuf_free(&sb);
    bond_run(bond, LACP_STATUS_OFF, 3099);
    assert_int_equal(bond_get_active_member(bond), 1);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 3100) & BOND_RUN_ACTIVE_CHANGED);
    assert_false(enabled(bond, 1));
    assert_int_equal(bond_get_active_member(bond), 2);
    /* Back up: enabled only after updelay, no preemption. */
    carrier(bond, 1, true);
    bond_run(bond, LACP_STATUS_OFF, 4000);
    assert_false(enabled(bond, 1));
    bond_run(bond, LACP_STATUS_OFF, 4200);
    assert_true(enabled(bond, 1));
    assert_int_equal(bond_get_active_member(bond), 2);
    bond_destroy(bond);
}

static void test_slb_hash(void **state)
{
    const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    uint32_t h = bond_hash_mac(mac, 10, 0);
    assert_int_equal(h, bond_hash_mac(mac, 10, 0));
    assert_true(h != bond_hash_mac(mac, 11, 0));
    assert_true(h != bond_hash_mac(mac, 10, 1));
    assert_true(bond_hash_bucket(h) < BOND_BUCKETS);

    /* 25600 MACs: every bucket used, none with more than twice its share. */
    unsigned count[BOND_BUCKETS] = { 0 };
    for (unsigned i = 0; i < 25600; i++) {
        uint8_t m[6] = { 0x52, 0x54, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        count[bond_hash_bucket(bond_hash_mac(m, (uint16_t)(i % 3), 0))]++;
    }
    for (unsigned b = 0; b < BOND_BUCKETS; b++) {
        assert_true(count[b] > 50);
        assert_true(count[b] < 200);
    }

    /* Buckets dealt evenly over the enabled members; a MAC always goes to the
     * same member. */
    struct bond *bond = make_bond(BOND_MODE_BALANCE_SLB, 0, 0, NULL);
    for (uint32_t id = 1; id <= 2; id++)
        carrier(bond, id, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    unsigned per[4] = { 0 };
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        per[bond_bucket_member(bond, b, NULL)]++;
    assert_int_equal(per[1], 128);
    assert_int_equal(per[2], 128);
    uint32_t first = bond_choose_member(bond, h);
    assert_int_equal(bond_choose_member(bond, h), first);
    assert_int_equal(first, bond_bucket_member(bond, bond_hash_bucket(h), NULL));
    /* A member fails: only its buckets move. */
    carrier(bond, 1, false);
    bond_run(bond, LACP_STATUS_OFF, 1);
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        assert_int_equal(bond_bucket_member(bond, b, NULL), 2);
    bond_destroy(bond);
}

static void test_rebalance(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_BALANCE_SLB, 0, 0, NULL);
    for (uint32_t id = 1; id <= 2; id++)
        carrier(bond, id, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    /* Member 1 owns the even buckets.  Two hot flows on it, nothing on 2. */
    assert_int_equal(bond_bucket_member(bond, 0, NULL), 1);
    assert_int_equal(bond_bucket_member(bond, 2, NULL), 1);
    uint64_t load[BOND_BUCKETS] = { 0 };
    load[0] = 3000000;
    load[2] = 1000000;
    load[4] = 1000000;
    /* Before the interval: accounted, nothing moves. */
    assert_int_equal(bond_rebalance(bond, 9999, load), 0);
    assert_int_equal(bond_next_wake(bond), 10000);
    /* At the interval, 5 MB against 0: the first bucket whose move brings the
     * idler side closer to the mean (2.5 MB) goes, bucket 0: 2 MB / 3 MB.  Now
     * member 2 is busier but carries a single (just moved) bucket: done. */
    int moved = bond_rebalance(bond, 10000, NULL);
    assert_int_equal(moved, 1);
    assert_int_equal(bond_bucket_member(bond, 0, NULL), 2);
    assert_int_equal(bond_bucket_member(bond, 2, NULL), 1);
    assert_int_equal(bond_bucket_member(bond, 4, NULL), 1);
    /* Loads decay by half each interval. */
    uint64_t bytes;
    bond_bucket_member(bond, 0, &bytes);
    assert_int_equal(bytes, 1500000);
    assert_int_equal(bond_get_next_rebalance(bond), 20000);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 10001) & BOND_RUN_REVALIDATE);

    /* A balanced load is left alone. */
    memset(load, 0, sizeof load);
    assert_int_equal(bond_rebalance(bond, 20000, load), 0);

    /* One hot flow alone cannot be split. */
    struct bond *b2 = make_bond(BOND_MODE_BALANCE_SLB, 0, 0, NULL);
    carrier(b2, 1, true);
    carrier(b2, 2, true);
    bond_run(b2, LACP_STATUS_OFF, 0);
    bond_account(b2, 0, 5000000);
    assert_int_equal(bond_rebalance(b2, 10000, NULL), 0);
    assert_int_equal(bond_bucket_member(b2, 0, NULL), 1);
    bond_destroy(b2);
    bond_destroy(bond);
}

static void test_admit_rx(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_BALANCE_SLB, 0, 0, NULL);
    for (uint32_t id = 1; id <= 3; id++)
        carrier(bond, id, true);
    carrier(bond, 3, false);
    bond_run(bond, LACP_STATUS_OFF, 0);
    assert_int_equal(bond_get_active_member(bond), 1);
    /* Multicast only on the active member; unicast on any enabled member
     * unless the source is known elsewhere (our own frame reflected). */
    assert_true(bond_admit_rx(bond, 1, true, false));
    assert_false(bond_admit_rx(bond, 2, true, false));
    assert_true(bond_admit_rx(bond, 2, false, false));
    assert_false(bond_admit_rx(bond, 2, false, true));
    assert_false(bond_admit_rx(bond, 1, true, true));
    assert_false(bond_admit_rx(bond, 3, false, false));
    assert_false(bond_admit_rx(bond, 9, false, false));
    /* Negotiated LACP: the partner knows the bond, everything enabled is fine. */
    bond_run(bond, LACP_STATUS_NEGOTIATED, 1);
    assert_true(bond_admit_rx(bond, 2, true, true));
    assert_false(bond_admit_rx(bond, 3, false, false));
    /* LACP configured but not negotiated: nothing without fallback. */
    bond_run(bond, LACP_STATUS_CONFIGURED, 2);
    assert_false(bond_admit_rx(bond, 1, false, false));
    assert_int_equal(bond_choose_member(bond, 0), BOND_NO_MEMBER);
    bond_destroy(bond);

    /* Active-backup: only the active member receives. */
    bond = make_bond(BOND_MODE_ACTIVE_BACKUP, 0, 0, NULL);
    carrier(bond, 1, true);
    carrier(bond, 2, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    assert_true(bond_admit_rx(bond, 1, false, false));
    assert_false(bond_admit_rx(bond, 2, false, false));
    bond_destroy(bond);
}

static void test_balance_tcp(void **state)
{
    struct bond_settings s;
    bond_settings_init(&s, "bond0");
    s.mode = BOND_MODE_BALANCE_TCP;
    struct bond *bond = bond_create(&s, 0);
    for (uint32_t id = 1; id <= 2; id++) {
        struct bond_member_settings ms = { .name = id == 1 ? "eth1" : "eth2" };
        ms.mac[5] = (uint8_t)id;
        bond_member_add(bond, id, &ms);
        carrier(bond, id, true);
    }
    /* No LACP: down. */
    bond_run(bond, LACP_STATUS_OFF, 0);
    assert_int_equal(bond_choose_member(bond, 1), BOND_NO_MEMBER);
    assert_false(bond_admit_rx(bond, 1, false, false));
    /* LACP did not negotiate: down without fallback... */
    bond_run(bond, LACP_STATUS_CONFIGURED, 1);
    assert_int_equal(bond_choose_member(bond, 1), BOND_NO_MEMBER);
    /* ...one active member with it. */
    s.lacp_fallback_ab = true;
    bond_reconfigure(bond, &s, 2);
    bond_run(bond, LACP_STATUS_CONFIGURED, 2);
    uint32_t active = bond_get_active_member(bond);
    assert_int_equal(active, 1);
    for (uint32_t h = 0; h < 256; h++)
        assert_int_equal(bond_choose_member(bond, h), active);
    assert_true(bond_admit_rx(bond, 1, true, false));
    assert_false(bond_admit_rx(bond, 2, false, false));
    /* Negotiated: flows spread over both. */
    bond_run(bond, LACP_STATUS_NEGOTIATED, 3);
    unsigned per[3] = { 0 };
    for (uint32_t h = 0; h < 256; h++)
        per[bond_choose_member(bond, h)]++;
    assert_int_equal(per[1], 128);
    assert_int_equal(per[2], 128);
    /* LACP says a member may not be used: its flows move. */
    bond_member_set_may_enable(bond, 2, false);
    bond_run(bond, LACP_STATUS_NEGOTIATED, 4);
    for (uint32_t h = 0; h < 256; h++)
        assert_int_equal(bond_choose_member(bond, h), 1);
    bond_destroy(bond);
}

static const char BOND_SHOW_BONDA[] =
    "---- bonda ----\n"
    "bond_mode: balance-slb\n"
    "bond may use recirculation: no, Recirc-ID : -1\n"
    "bond-hash-basis: 0\n"
    "lb_output action: disabled, bond-id: -1\n"
    "all members active: false\n"
    "updelay: 0 ms\n"
    "downdelay: 0 ms\n"
    "next rebalance: 3816 ms\n"
    "lacp_status: negotiated\n"
    "lacp_fallback_ab: false\n"
    "active-backup primary: <none>\n"
    "active member mac: 1a:56:b8:05:d5:88(cpa1)\n"
    "\n"
    "member cpa1: enabled\n"
    "  active member\n"
    "  may_enable: true\n"
    "\n"
    "member cpa2: enabled\n"
    "  may_enable: true\n"
    "\n";

static const char BOND_SHOW_AB[] =
    "---- bond1 ----\n"
    "bond_mode: active-backup\n"
    "bond may use recirculation: no, Recirc-ID : -1\n"
    "bond-hash-basis: 0\n"
    "lb_output action: disabled, bond-id: -1\n"
    "updelay: 100 ms\n"
    "downdelay: 0 ms\n"
    "lacp_status: off\n"
    "lacp_fallback_ab: false\n"
    "active-backup primary: eth9\n"
    "active member mac: 02:00:00:00:00:01(eth1)\n"
    "\n"
    "member eth1: enabled\n"
    "  active member\n"
    "  may_enable: true\n"
    "\n"
    "member eth2: disabled\n"
    "  updelay expires in 60 ms\n"
    "  may_enable: true\n"
    "\n"
    "member eth3: disabled\n"
    "  may_enable: true\n"
    "\n";

static void test_show_matches_ovs(void **state)
{
    struct bond_settings s;
    bond_settings_init(&s, "bonda");
    s.mode = BOND_MODE_BALANCE_SLB;
    struct bond *bond = bond_create(&s, 0);
    /* Added in the other order: output is sorted by name. */
    struct bond_member_settings m2 = { "cpa2", { 0x1a, 0x56, 0xb8, 0x05, 0xd5, 0x89 } };
    struct bond_member_settings m1 = { "cpa1", { 0x1a, 0x56, 0xb8, 0x05, 0xd5, 0x88 } };
    bond_member_add(bond, 4, &m2);
    bond_member_add(bond, 3, &m1);
    carrier(bond, 3, true);
    carrier(bond, 4, true);
    bond_set_active_member_mac(bond, m1.mac);
    bond_run(bond, LACP_STATUS_NEGOTIATED, 6184);
    struct strbuf sb = STRBUF_INIT;
    bond_format_show(&sb, bond, 6184);
    assert_string_equal(strbuf_cstr(&sb), BOND_SHOW_BONDA);

    /* With load: "hash N: K kB load" lines under the owner. */
    bond_account(bond, 7, 5 * 1024 + 100);
    strbuf_clear(&sb);
    bond_format_show(&sb, bond, 6184);
    uint32_t owner = bond_bucket_member(bond, 7, NULL);
    const char *want = owner == 3 ? "  may_enable: true\n  hash 7: 5 kB load\n\nmember cpa2"
                                  : "  may_enable: true\n  hash 7: 5 kB load\n\n";
    assert_non_null(strstr(strbuf_cstr(&sb), want));
    bond_destroy(bond);

    bond = make_bond(BOND_MODE_ACTIVE_BACKUP, 100, 0, "eth9");
    struct bond_settings s1 = *bond_get_settings(bond);
    s1.name = "bond1";
    bond_reconfigure(bond, &s1, 0);
    carrier(bond, 1, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    carrier(bond, 2, true);
    bond_run(bond, LACP_STATUS_OFF, 1000);
    strbuf_clear(&sb);
    bond_format_show(&sb, bond, 1040);
    assert_string_equal(strbuf_cstr(&sb), BOND_SHOW_AB);
    strbuf_free(&sb);
    bond_destroy(bond);
}

static void test_members_come_and_go(void **state)
{
    struct bond *bond = make_bond(BOND_MODE_BALANCE_SLB, 0, 0, NULL);
    for (uint32_t id = 1; id <= 3; id++)
        carrier(bond, id, true);
    bond_run(bond, LACP_STATUS_OFF, 0);
    assert_int_equal(bond_member_remove(bond, 1), 0);
    assert_int_equal(bond_member_remove(bond, 1), -ENOENT);
    assert_int_equal(bond_member_count(bond), 2);
    assert_true(bond_run(bond, LACP_STATUS_OFF, 1) & BOND_RUN_ACTIVE_CHANGED);
    assert_int_equal(bond_get_active_member(bond), 2);
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        assert_true(bond_bucket_member(bond, b, NULL) != 1);
    /* Re-adding renames; mode names parse both ways. */
    struct bond_member_settings ms = { .name = "eth2-renamed" };
    assert_int_equal(bond_member_add(bond, 2, &ms), 0);
    assert_int_equal(bond_member_count(bond), 2);
    enum bond_mode mode;
    assert_int_equal(bond_mode_from_name("balance-tcp", &mode), 0);
    assert_int_equal(mode, BOND_MODE_BALANCE_TCP);
    assert_int_equal(bond_mode_from_name("balance-rr", &mode), -EINVAL);
    struct bond_settings bad;
    bond_settings_init(&bad, "");
    assert_null(bond_create(&bad, 0));
    assert_int_equal(bond_reconfigure(bond, &bad, 0), -EINVAL);
    bond_destroy(bond);
    bond_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_active_backup_failover),
        cmocka_unit_test(test_primary),
        cmocka_unit_test(test_updelay_downdelay),
        cmocka_unit_test(test_slb_hash),
        cmocka_unit_test(test_rebalance),
        cmocka_unit_test(test_admit_rx),
        cmocka_unit_test(test_balance_tcp),
        cmocka_unit_test(test_show_matches_ovs),
        cmocka_unit_test(test_members_come_and_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
