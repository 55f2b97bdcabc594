/* The kernel switch (src/datapath/bpf/switch.bpf.c) run by the real kernel
 * on crafted frames (BPF_PROG_TEST_RUN): learning, known unicast, every VLAN
 * mode, what goes up, aging, the table bound, counters, pinning.  Nothing is
 * skipped: a kernel that cannot load the program fails here with the
 * verifier's message.  Runs as root in a network namespace of its own, where
 * it makes the veth devices whose ifindexes stand for ports. */
#include "bpf_switch_fixture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* ---- tests ---- */

static void test_learning(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);
    struct bpf_switch_fdb_entry e;
    assert_true(find_entry(sw, 10, MAC_A, &e));
    assert_int_equal(e.ifindex, port[0]);
    assert_true(e.seen_ns > 0);
    assert_int_equal(bpf_switch_fdb_dump(sw, NULL, 0), 1);
    /* A MAC move: seen on the other port, learned there at once. */
    learn(sw, 1, MAC_A, -1);
    assert_true(find_entry(sw, 10, MAC_A, &e));
    assert_int_equal(e.ifindex, port[1]);
    assert_int_equal(bpf_switch_fdb_dump(sw, NULL, 0), 1);
}

static void test_known_unicast_forwarded(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);          /* B not known yet: goes up */
    learn(sw, 1, MAC_B, -1);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 1, 10, -1);
    r = run(sw, 1, MAC_A, MAC_B, -1);
    expect_forward(&r, 0, 10, -1);
    assert_int_equal(r.out_len, 60);               /* untagged in, untagged out */
}

static void test_hairpin_dropped(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);
    learn(sw, 0, MAC_B, -1);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_SHOT, PBS_DROP_HAIRPIN);
}

static void test_access_mode(void **state)
{
    struct bpf_switch *sw = *state;
    int64_t trunks[] = { 10, 20 };
    set_access(sw, 0, 10);
    set_port(sw, 1, policy(-1, trunks, 2, NULL));          /* trunk 10, 20 */
    /* A tagged frame on an access port is refused, even with its own VLAN. */
    struct result r = run(sw, 0, BROADCAST, MAC_A, 10);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_INGRESS);
    r = run(sw, 0, BROADCAST, MAC_A, 20);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_INGRESS);
    /* A priority tag (VID 0) counts as untagged. */
    learn(sw, 0, MAC_A, 0x2000);
    assert_true(find_entry(sw, 10, MAC_A, NULL));
    learn(sw, 1, MAC_B, 10);
    /* Untagged in on access 10, out of the trunk tagged 10. */
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 1, 10, 10);
    /* Tagged 10 in on the trunk, out of the access port untagged: the
     * inline tag is gone from the frame. */
    r = run(sw, 1, MAC_A, MAC_B, 10);
    expect_forward(&r, 0, 10, -1);
    assert_int_equal(r.out_len, 56);
    assert_int_equal(r.out[12], 0x08);
    assert_int_equal(r.out[13], 0x00);
}

static void test_trunk_mode(void **state)
{
    struct bpf_switch *sw = *state;
    int64_t trunks[] = { 10, 20 };
    set_port(sw, 0, policy(-1, trunks, 2, NULL));
    set_port(sw, 1, policy(-1, NULL, 0, "trunk"));         /* every VLAN */
    struct result r = run(sw, 0, BROADCAST, MAC_A, 30);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_INGRESS);           /* 30 not trunked */
    r = run(sw, 0, BROADCAST, MAC_A, -1);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_INGRESS);           /* VLAN 0 not trunked */
    learn(sw, 0, MAC_A, 20);
    learn(sw, 1, MAC_B, 20);
    r = run(sw, 1, MAC_A, MAC_B, 20);
    expect_forward(&r, 0, 20, 20);                         /* tag kept */
    /* B in VLAN 30 on the all-VLAN trunk; A's port does not carry 30. */
    learn(sw, 1, MAC_B, 30);
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 30,
                                      .ifindex = (uint32_t)port[0] };
    memcpy(e.mac, MAC_A, 6);
    struct bpf_switch_fdb_entry fresh;
    assert_true(find_entry(sw, 30, MAC_B, &fresh));
    e.seen_ns = fresh.seen_ns;                             /* as fresh as B */
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
    r = run(sw, 1, MAC_A, MAC_B, 30);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_EGRESS);
}

static void test_native_modes(void **state)
{
    struct bpf_switch *sw = *state;
    int64_t trunks[] = { 20, 30 };
    set_port(sw, 0, policy(20, trunks, 2, "native-untagged"));
    set_port(sw, 1, policy(20, trunks, 2, "native-tagged"));
    set_port(sw, 2, policy(-1, NULL, 0, NULL));            /* trunk, every VLAN */
    /* Untagged and priority-tagged frames join the native VLAN. */
    learn(sw, 0, MAC_A, -1);
    assert_true(find_entry(sw, 20, MAC_A, NULL));
    learn(sw, 1, MAC_B, 0);
    assert_true(find_entry(sw, 20, MAC_B, NULL));
    learn(sw, 2, MAC_C, 20);
    /* Out of native-untagged in its VLAN: no tag; native-tagged: tagged. */
    struct result r = run(sw, 2, MAC_A, MAC_C, 20);
    expect_forward(&r, 0, 20, -1);
    r = run(sw, 2, MAC_B, MAC_C, 20);
    expect_forward(&r, 1, 20, 20);
    /* From the native-untagged port (untagged, VLAN 20) to the trunk: tagged. */
    r = run(sw, 0, MAC_C, MAC_A, -1);
    expect_forward(&r, 2, 20, 20);
    /* Trunked VLAN 30 leaves both native ports tagged; 40 is refused. */
    learn(sw, 0, MAC_A, 30);
    learn(sw, 2, MAC_C, 30);
    r = run(sw, 2, MAC_A, MAC_C, 30);
    expect_forward(&r, 0, 30, 30);
    r = run(sw, 0, BROADCAST, MAC_A, 40);
    expect(&r, ACT_SHOT, PBS_DROP_VLAN_INGRESS);
}

static void test_reserved_multicast_passed_up(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct result r = run(sw, 0, LACP_DST, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_RESERVED);
    /* Not learned: the frame never reached the switching. */
    assert_int_equal(bpf_switch_fdb_dump(sw, NULL, 0), 0);
    /* Even a tagged one on an access port goes up, for the daemon. */
    r = run(sw, 0, LACP_DST, MAC_A, 10);
    expect(&r, ACT_UP, PBS_PASS_RESERVED);
}

static void test_floods_passed_up(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct result r = run(sw, 0, BROADCAST, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_FLOOD);
    r = run(sw, 0, MCAST, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_FLOOD);
    r = run(sw, 0, MAC_C, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);
    /* A frame on a device that is not a port is not the switch's. */
    uint8_t buf[64];
    size_t len = frame(buf, MAC_C, MAC_A, -1);
    int verdict = -1;
    assert_int_equal(bpf_switch_test_run(sw, port[3], buf, len, 1, &verdict, NULL, NULL,
                                         NULL), 0);
    assert_int_equal(verdict, TC_ACT_UNSPEC);                 /* the next program's */
    struct pbs_decision d;
    assert_int_equal(bpf_switch_decision_take(sw, &d), -ENOENT);
}

static void test_multicast_source_not_learned(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct result r = run(sw, 0, BROADCAST, MCAST, -1);
    expect(&r, ACT_UP, PBS_PASS_FLOOD);
    r = run(sw, 0, MAC_C, BROADCAST, -1);
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);
    assert_int_equal(bpf_switch_fdb_dump(sw, NULL, 0), 0);
}

static void test_aging(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);
    learn(sw, 1, MAC_B, -1);
    expect_forward((struct result[]){ run(sw, 0, MAC_B, MAC_A, -1) }, 1, 10, -1);
    /* An entry last seen long ago is not used: up, as unknown. */
    struct bpf_switch_fdb_entry e;
    assert_true(find_entry(sw, 10, MAC_B, &e));
    e.seen_ns = 1;
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);
    /* Seen again: fresh again. */
    learn(sw, 1, MAC_B, -1);
    expect_forward((struct result[]){ run(sw, 0, MAC_B, MAC_A, -1) }, 1, 10, -1);
    /* An aging time of 0 makes every entry stale. */
    assert_int_equal(bpf_switch_set_config(sw, 0, PBS_CONFIG_RECORD_DECISION), 0);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);
}

static void test_table_bound(void **state)
{
    (void)state;
    enum { MAX = 64, SENT = 5 * MAX };
    struct bpf_switch *sw = open_switch(MAX);
    set_access(sw, 0, 10);
    uint8_t mac[6] = { 0x02, 0x11, 0, 0, 0, 0 };
    for (unsigned i = 0; i < SENT; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        learn(sw, 0, mac, -1);
    }
    int n = bpf_switch_fdb_dump(sw, NULL, 0);
    assert_true(n > 0);
    assert_true(n <= MAX);
    /* The newest is there; the oldest was forgotten. */
    assert_true(find_entry(sw, 10, mac, NULL));
    mac[4] = 0;
    mac[5] = 0;
    struct bpf_switch_fdb_entry all[MAX];
    int m = bpf_switch_fdb_dump(sw, all, MAX);
    for (int i = 0; i < m && i < MAX; i++)
        assert_memory_not_equal(all[i].mac, mac, 6);
    /* Flush empties it. */
    assert_int_equal(bpf_switch_fdb_flush(sw, BRIDGE), m);
    assert_int_equal(bpf_switch_fdb_dump(sw, NULL, 0), 0);
    bpf_switch_close(sw);
}

static void test_counters(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);                               /* up: flood */
    learn(sw, 1, MAC_B, -1);
    run(sw, 0, MAC_B, MAC_A, -1);                          /* forwarded */
    run(sw, 0, MAC_B, MAC_A, -1);                          /* forwarded */
    run(sw, 0, LACP_DST, MAC_A, -1);                       /* up: reserved */
    run(sw, 0, MAC_C, MAC_A, -1);                          /* up: unknown */
    run(sw, 0, BROADCAST, MAC_A, 5);                       /* dropped: VLAN */
    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), 0);
    assert_int_equal(c.n[PBS_RX], 6);
    assert_int_equal(c.n[PBS_RX_BYTES], 6 * 60);
    assert_int_equal(c.n[PBS_FORWARDED], 2);
    assert_int_equal(c.n[PBS_FORWARDED_BYTES], 2 * 60);
    assert_int_equal(c.n[PBS_PASSED_UP], 3);
    assert_int_equal(c.n[PBS_PASS_FLOOD], 1);
    assert_int_equal(c.n[PBS_PASS_RESERVED], 1);
    assert_int_equal(c.n[PBS_PASS_UNKNOWN], 1);
    assert_int_equal(c.n[PBS_DROPPED], 1);
    assert_int_equal(c.n[PBS_DROP_VLAN_INGRESS], 1);
    assert_int_equal(bpf_switch_port_counters(sw, port[1], &c), 0);
    assert_int_equal(c.n[PBS_RX], 1);
    assert_int_equal(c.n[PBS_TX], 2);                      /* what port 0 forwarded to it */
    assert_int_equal(c.n[PBS_TX_BYTES], 2 * 60);
    /* Re-setting a port (a live retag) keeps its counters; a removed and
     * re-added port starts again at zero. */
    set_access(sw, 0, 20);
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), 0);
    assert_int_equal(c.n[PBS_RX], 6);
    assert_int_equal(bpf_switch_remove_port(sw, port[0]), 0);
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), -ENOENT);
    set_access(sw, 0, 10);
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), 0);
    assert_int_equal(c.n[PBS_RX], 0);
}

/* The map holds PBS_PORTS_MAX ports (each its own counter slot): one more is
 * refused with a clear error; a slot freed by a removal goes to the next
 * port, whose counters start at zero. */
static void test_ports_map_full(void **state)
{
    struct bpf_switch *sw = *state;
    struct vlan_policy p = policy(10, NULL, 0, "access");
    const int base = 100000;     /* map keys only: no device needed */
    for (int i = 0; i < PBS_PORTS_MAX; i++)
        assert_int_equal(bpf_switch_set_port(sw, base + i, BRIDGE, &p, 0), 0);
    assert_int_equal(bpf_switch_set_port(sw, base + PBS_PORTS_MAX, BRIDGE, &p, 0), -ENOSPC);
    assert_non_null(strstr(bpf_switch_last_error(), "all its"));
    assert_int_equal(bpf_switch_set_port(sw, base + PBS_PORTS_MAX, BRIDGE, &p, 0), -ENOSPC);
    assert_int_equal(bpf_switch_set_port(sw, base + 5, BRIDGE, &p, 0), 0);   /* an update */
    assert_int_equal(bpf_switch_remove_port(sw, base + 7), 0);
    assert_int_equal(bpf_switch_set_port(sw, base + PBS_PORTS_MAX, BRIDGE, &p, 0), 0);
    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, base + PBS_PORTS_MAX, &c), 0);
    assert_int_equal(c.n[PBS_RX], 0);
    assert_int_equal(bpf_switch_set_port(sw, base + 7, BRIDGE, &p, 0), -ENOSPC);
    for (int i = 0; i < PBS_PORTS_MAX; i++)
        if (i != 7)
            assert_int_equal(bpf_switch_remove_port(sw, base + i), 0);
    assert_int_equal(bpf_switch_remove_port(sw, base + PBS_PORTS_MAX), 0);
    set_access(sw, 0, 10);                        /* empty again: room for all */
    set_access(sw, 1, 10);
}

static void test_port_of_other_bridge(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct vlan_policy p = policy(10, NULL, 0, NULL);
    assert_int_equal(bpf_switch_set_port(sw, port[1], BRIDGE + 1, &p, 0), 0);
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 10,
                                      .ifindex = (uint32_t)port[1] };
    memcpy(e.mac, MAC_B, 6);
    learn(sw, 0, MAC_A, -1);
    struct bpf_switch_fdb_entry a;
    assert_true(find_entry(sw, 10, MAC_A, &a));
    e.seen_ns = a.seen_ns;
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_NO_OUTPUT);
}

static void test_run_duration(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 0, MAC_A, -1);
    learn(sw, 1, MAC_B, -1);
    /* As in production: no decision record. */
    assert_int_equal(bpf_switch_set_config(sw, 300ull * 1000000000ull, 0), 0);
    uint8_t buf[64];
    size_t len = frame(buf, MAC_B, MAC_A, -1);
    int verdict;
    uint32_t forward_ns = 0, flood_ns = 0;
    assert_int_equal(bpf_switch_test_run(sw, port[0], buf, len, 100000, &verdict, NULL, NULL,
                                         &forward_ns), 0);
    assert_int_equal(verdict, ACT_REDIRECT);
    len = frame(buf, BROADCAST, MAC_A, -1);
    assert_int_equal(bpf_switch_test_run(sw, port[0], buf, len, 100000, &verdict, NULL, NULL,
                                         &flood_ns), 0);
    assert_int_equal(verdict, ACT_UP);
    print_message("test_run: known unicast %u ns/frame, broadcast (up) %u ns/frame\n",
                  forward_ns, flood_ns);
}

/* The daemon's socket filter decides first on a system port: it keeps
 * exactly what goes up, and TC ingress carries out its plan (no second
 * learning, no second decision), counting the frame once. */
static int filter_run(struct bpf_switch *sw, int index, const uint8_t *dst, const uint8_t *src)
{
    uint8_t buf[64];
    size_t len = frame(buf, dst, src, -1);
    int kept = -1;
    if (bpf_switch_test_run_filter(sw, port[index], buf, len, &kept))
        fail_msg("%s", bpf_switch_last_error());
    return kept;
}

static void test_socket_filter_hands_off(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    /* A broadcast goes up: the socket keeps it whole; TC drops its own copy. */
    assert_int_equal(filter_run(sw, 0, BROADCAST, MAC_A), PBS_FILTER_KEEP);
    assert_true(find_entry(sw, 10, MAC_A, NULL));      /* the filter learned */
    struct result r = run(sw, 0, BROADCAST, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_FLOOD);
    learn(sw, 1, MAC_B, -1);
    /* Known unicast: the socket gets nothing, TC forwards. */
    assert_int_equal(filter_run(sw, 0, MAC_B, MAC_A), 0);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 1, 10, -1);
    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), 0);
    assert_int_equal(c.n[PBS_RX], 2);
    assert_int_equal(c.n[PBS_UP_TAKEN], 1);
    /* A device that is not a port: the socket keeps everything. */
    assert_int_equal(filter_run(sw, 3, MAC_B, MAC_A), PBS_FILTER_KEEP);
}

/* The filter's plan is for its frame only: another frame at TC decides
 * afresh (a stale plan never applies). */
static void test_handoff_matches_its_frame(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    learn(sw, 1, MAC_B, -1);
    assert_int_equal(filter_run(sw, 0, MAC_B, MAC_A), 0);   /* plan: forward */
    struct result r = run(sw, 0, MAC_C, MAC_A, -1);         /* another frame */
    expect(&r, ACT_UP, PBS_PASS_UNKNOWN);
    r = run(sw, 0, MAC_B, MAC_A, -1);                       /* the plan was cleared */
    expect_forward(&r, 1, 10, -1);
    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, port[0], &c), 0);
    assert_int_equal(c.n[PBS_UP_TAKEN], 0);
}

/* A tap or internal port (hooked at egress): what goes up stays on its way
 * to the daemon's file (TC_ACT_OK); known unicast to it is forwarded. */
static void test_egress_hooked_port(void **state)
{
    struct bpf_switch *sw = *state;
    struct vlan_policy p = policy(10, NULL, 0, NULL);
    assert_int_equal(bpf_switch_set_port(sw, port[0], BRIDGE, &p, PBS_PORT_HOOK_EGRESS), 0);
    set_access(sw, 1, 10);
    struct result r = run(sw, 0, BROADCAST, MAC_A, -1);
    expect(&r, ACT_OK, PBS_PASS_FLOOD);
    learn(sw, 1, MAC_B, -1);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 1, 10, -1);
    r = run(sw, 1, MAC_A, MAC_B, -1);
    expect_forward(&r, 0, 10, -1);
    /* The socket filter leaves such a port's frames alone. */
    assert_int_equal(filter_run(sw, 0, MAC_B, MAC_A), PBS_FILTER_KEEP);
}

/* A MAC behind a port the kernel does not switch goes up. */
static void test_userspace_mac_goes_up(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 10,
                                      .ifindex = PBS_IFINDEX_USERSPACE };
    memcpy(e.mac, MAC_B, 6);
    learn(sw, 0, MAC_A, -1);
    struct bpf_switch_fdb_entry a;
    assert_true(find_entry(sw, 10, MAC_A, &a));
    e.seen_ns = a.seen_ns;
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_NO_OUTPUT);
}

struct learned {
    unsigned n;
    uint32_t bridge_id, ifindex;
    uint16_t vlan;
    uint8_t mac[6];
};

static void on_learn(void *ctx, uint32_t bridge_id, uint16_t vlan, const uint8_t mac[6],
                     uint32_t ifindex)
{
    struct learned *l = ctx;
    l->n++;
    l->bridge_id = bridge_id;
    l->vlan = vlan;
    l->ifindex = ifindex;
    memcpy(l->mac, mac, 6);
}

/* Every write of the kernel's table reaches the daemon: a new MAC and a
 * move; a known MAC seen again within the refresh interval writes nothing. */
static void test_learn_events(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    set_access(sw, 1, 10);
    struct learned l = { 0 };
    assert_true(bpf_switch_events_fd(sw, on_learn, &l) >= 0);
    learn(sw, 0, MAC_A, -1);
    assert_int_equal(bpf_switch_events_consume(sw), 1);
    assert_int_equal(l.bridge_id, BRIDGE);
    assert_int_equal(l.vlan, 10);
    assert_int_equal(l.ifindex, port[0]);
    assert_memory_equal(l.mac, MAC_A, 6);
    learn(sw, 0, MAC_A, -1);
    assert_int_equal(bpf_switch_events_consume(sw), 0);
    learn(sw, 1, MAC_A, -1);
    assert_int_equal(bpf_switch_events_consume(sw), 1);
    assert_int_equal(l.ifindex, port[1]);
    assert_int_equal(l.n, 2);
}

static void test_pinning(void **state)
{
    (void)state;
    char dir[128];
    char bridge[64];
    snprintf(bridge, sizeof bridge, "unit-test-%d", (int)getpid());
    assert_int_equal(bpf_switch_pin_dir(bridge, dir, sizeof dir), 0);
    assert_int_equal(bpf_switch_pin_dir("../x", dir + 0, 0), -EINVAL);
    assert_int_equal(bpf_switch_pin_dir("br0.100", dir, sizeof dir), 0);
    assert_null(strchr(dir + strlen(BPF_SWITCH_PIN_ROOT), '.'));
    assert_int_equal(bpf_switch_pin_dir(bridge, dir, sizeof dir), 0);

    struct bpf_switch_options options = { .pin_dir = dir };
    struct bpf_switch *first = NULL, *second = NULL;
    if (bpf_switch_open(&options, &first))
        fail_msg("%s", bpf_switch_last_error());
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/pbs_fdb", dir);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/pontoon_switch", dir);
    assert_int_equal(stat(path, &st), 0);
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 10, .ifindex = 42,
                                      .seen_ns = 5 };
    memcpy(e.mac, MAC_A, 6);
    assert_int_equal(bpf_switch_fdb_set(first, &e), 0);
    assert_int_equal(bpf_switch_set_config(first, 7, 0), 0);
    bpf_switch_close(first);

    /* A second loader (a restarted daemon) adopts the pinned maps. */
    if (bpf_switch_open(&options, &second))
        fail_msg("%s", bpf_switch_last_error());
    assert_true(find_entry(second, 10, MAC_A, &e));
    assert_int_equal(e.ifindex, 42);
    assert_int_equal(bpf_switch_unpin(second), 0);
    assert_int_equal(stat(dir, &st), -1);
    bpf_switch_close(second);
}

static void test_bad_object_fails_clearly(void **state)
{
    (void)state;
    struct bpf_switch_options options = { .object_path = "/nonexistent/switch.bpf.o" };
    struct bpf_switch *sw = NULL;
    assert_int_equal(bpf_switch_open(&options, &sw), -ENOENT);
    assert_null(sw);
    assert_non_null(strstr(bpf_switch_last_error(), "/nonexistent/switch.bpf.o"));
}
static struct bpf_switch *open_clsact_switch(void)
{
    struct bpf_switch_options options = { .clsact = true };
    struct bpf_switch *sw = NULL;
    if (bpf_switch_open(&options, &sw))
        fail_msg("%s", bpf_switch_last_error());
    return sw;
}

static uint32_t prog_id(const struct bpf_switch *sw)
{
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    assert_int_equal(bpf_obj_get_info_by_fd(bpf_switch_prog_fd(sw), &info, &len), 0);
    return info.id;
}

/* The programs on port 0's tcx ingress hook. */
static int tcx_ids(uint32_t *ids, size_t max)
{
    char names[8][16];
    int n = bpf_switch_tcx_programs(port[0], 0, names, ids, max < 8 ? max : 8);
    assert_true(n >= 0);
    return n;
}

/* A port moved from one bridge to another: the first bridge's detach must
 * not remove the second one's program.  With tcx each bridge has a link of
 * its own on the hook. */
static void test_detach_leaves_another_switchs_link(void **state)
{
    (void)state;
    struct bpf_switch *first = open_switch(0), *second = open_switch(0);
    assert_string_equal(bpf_switch_hook_kind(first), "tcx");
    struct vlan_policy p = policy(10, NULL, 0, NULL);
    uint32_t ids[8];
    assert_int_equal(bpf_switch_set_port(first, port[0], BRIDGE, &p, 0), 0);
    assert_int_equal(bpf_switch_attach(first, port[0], 0), 0);
    assert_int_equal(bpf_switch_attach(first, port[0], 0), 0);       /* again: still one */
    assert_int_equal(tcx_ids(ids, 8), 1);
    assert_int_equal(ids[0], prog_id(first));
    assert_int_equal(bpf_switch_attach(second, port[0], 0), 0);
    assert_int_equal(tcx_ids(ids, 8), 2);
    assert_int_equal(bpf_switch_detach(first, port[0], 0), 0);
    assert_int_equal(tcx_ids(ids, 8), 1);
    assert_int_equal(ids[0], prog_id(second));
    assert_int_equal(bpf_switch_detach(second, port[0], 0), 0);
    assert_int_equal(tcx_ids(ids, 8), 0);
    assert_int_equal(bpf_switch_detach(second, port[0], 0), 0);     /* nothing left: fine */
    bpf_switch_close(first);
    bpf_switch_close(second);
}

/* The same on clsact (kernels before 6.6): one filter handle for both, so
 * the second's replaces the first's, and the first's detach sees that the
 * program there is not its own. */
static void test_detach_leaves_another_switchs_filter(void **state)
{
    (void)state;
    struct bpf_switch *first = open_clsact_switch(), *second = open_clsact_switch();
    assert_string_equal(bpf_switch_hook_kind(first), "clsact");
    struct vlan_policy p = policy(10, NULL, 0, NULL);
    assert_int_equal(bpf_switch_set_port(first, port[0], BRIDGE, &p, 0), 0);
    assert_int_equal(bpf_switch_attach(first, port[0], 0), 0);
    assert_int_equal(bpf_switch_set_port(second, port[0], BRIDGE, &p, 0), 0);
    assert_int_equal(bpf_switch_attach(second, port[0], 0), 0);   /* replaces */
    assert_int_equal(bpf_switch_detach(first, port[0], 0), 0);
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = port[0], .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, query, .handle = 0x5054, .priority = 1);
    assert_int_equal(bpf_tc_query(&hook, &query), 0);            /* the second's is there */
    assert_int_equal(query.prog_id, prog_id(second));
    assert_int_equal(bpf_switch_detach(second, port[0], 0), 0);
    assert_int_not_equal(bpf_tc_query(&hook, &query), 0);        /* gone */
    assert_int_equal(bpf_switch_detach(second, port[0], 0), 0);     /* nothing left: fine */
    assert_int_equal(tcx_ids(NULL, 0), 0);
    bpf_switch_close(first);
    bpf_switch_close(second);
}

/* A pinned link outlives its switch (a daemon that stops) and the next one
 * points it at its own program: the hook is never empty. */
static void test_pinned_link_is_adopted(void **state)
{
    (void)state;
    char dir[128];
    char bridge[64];
    snprintf(bridge, sizeof bridge, "unit-link-%d", (int)getpid());
    assert_int_equal(bpf_switch_pin_dir(bridge, dir, sizeof dir), 0);
    struct bpf_switch_options options = { .pin_dir = dir };
    struct bpf_switch *first = NULL, *second = NULL;
    if (bpf_switch_open(&options, &first))
        fail_msg("%s", bpf_switch_last_error());
    struct vlan_policy p = policy(10, NULL, 0, NULL);
    assert_int_equal(bpf_switch_set_port(first, port[0], BRIDGE, &p, 0), 0);
    assert_int_equal(bpf_switch_attach(first, port[0], 0), 0);
    bpf_switch_close(first);
    uint32_t ids[8];
    assert_int_equal(tcx_ids(ids, 8), 1);                    /* still there */
    if (bpf_switch_open(&options, &second))
        fail_msg("%s", bpf_switch_last_error());
    assert_int_equal(bpf_switch_attach(second, port[0], 0), 0);
    assert_int_equal(tcx_ids(ids, 8), 1);                    /* the same link ... */
    assert_int_equal(ids[0], prog_id(second));               /* ... with the new program */
    assert_int_equal(bpf_switch_detach(second, port[0], 0), 0);
    assert_int_equal(tcx_ids(ids, 8), 0);
    assert_int_equal(bpf_switch_unpin(second), 0);
    bpf_switch_close(second);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_learning),
        T(test_known_unicast_forwarded),
        T(test_hairpin_dropped),
        T(test_access_mode),
        T(test_trunk_mode),
        T(test_native_modes),
        T(test_reserved_multicast_passed_up),
        T(test_floods_passed_up),
        T(test_multicast_source_not_learned),
        T(test_aging),
        T(test_socket_filter_hands_off),
        T(test_handoff_matches_its_frame),
        T(test_egress_hooked_port),
        T(test_userspace_mac_goes_up),
        T(test_learn_events),
        cmocka_unit_test(test_table_bound),
        T(test_counters),
        T(test_ports_map_full),
        T(test_port_of_other_bridge),
        T(test_run_duration),
        cmocka_unit_test(test_pinning),
        cmocka_unit_test(test_detach_leaves_another_switchs_link),
        cmocka_unit_test(test_detach_leaves_another_switchs_filter),
        cmocka_unit_test(test_pinned_link_is_adopted),
        cmocka_unit_test(test_bad_object_fails_clearly),
    };
    return cmocka_run_group_tests(tests, make_namespace, NULL);
}
