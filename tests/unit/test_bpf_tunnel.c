/* Tunnel ports in the kernel switch, run by the real kernel on crafted
 * frames (BPF_PROG_TEST_RUN): known unicast to a MAC behind a tunnel gets
 * the tunnel's key and goes to its device, a frame too big for the
 * underlay is dropped and counted, the device's egress program keys what
 * the daemon's marked socket sends and leaves other bridges' frames alone,
 * and a tunnel's MACs go with it.  (Frames arriving from a tunnel carry
 * metadata a test run cannot give: test_kernel_tunnels.py covers them.) */
#include "bpf_switch_fixture.h"

#include <time.h>

#include <bpf/bpf.h>

#define TUNNEL_ID 5
#define TUNNEL_KEY (PBS_TUNNEL_PORT_BASE + TUNNEL_ID)
#define DEVICE 3                    /* port[3] stands for the vxlan device */

static int ring_fd = -1;

static int make_ring(void **state)
{
    if (make_namespace(state))
        return -1;
    ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "test_upcall", 0, 0, PBS_UPCALL_RING_SIZE,
                             NULL);
    return ring_fd < 0 ? -1 : 0;
}

static struct pbs_tunnel tunnel_to(uint32_t remote, uint32_t inner_mtu)
{
    struct pbs_tunnel t;
    memset(&t, 0, sizeof t);
    t.ifindex = (uint32_t)port[DEVICE];
    t.out_key = 100;
    t.remote[0] = remote;
    t.inner_mtu = inner_mtu;
    t.flags = PBS_TUNNEL_DF;
    return t;
}

static void set_tunnel(struct bpf_switch *sw, const struct pbs_tunnel *t)
{
    struct pbs_tunnel_key in;
    memset(&in, 0, sizeof in);
    in.ifindex = t->ifindex;
    in.vni = 100;
    in.remote[0] = t->remote[0];
    struct vlan_policy trunk = policy(-1, NULL, 0, NULL);
    assert_int_equal(bpf_switch_set_tunnel_device(sw, port[DEVICE]), 0);
    assert_int_equal(bpf_switch_set_tunnel(sw, TUNNEL_ID, BRIDGE, &trunk, t, &in, ring_fd), 0);
}

static void mac_behind_tunnel(struct bpf_switch *sw, const uint8_t *mac)
{
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 0, .ifindex = TUNNEL_KEY,
                                      .seen_ns = 0 };
    memcpy(e.mac, mac, 6);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    e.seen_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
}

static struct pbs_counters tunnel_counters(struct bpf_switch *sw)
{
    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, (int)TUNNEL_KEY, &c), 0);
    return c;
}

static void test_known_unicast_to_a_tunnel_goes_to_its_device(void **state)
{
    struct bpf_switch *sw = *state;
    set_port(sw, 0, policy(-1, NULL, 0, NULL));
    struct pbs_tunnel t = tunnel_to(0xc6120002, 1450);      /* 198.18.0.2 */
    set_tunnel(sw, &t);
    mac_behind_tunnel(sw, MAC_B);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_REDIRECT, PBS_FORWARDED);
    assert_int_equal(r.d.out_ifindex, port[DEVICE]);
    assert_int_equal(r.d.out_vlan_present, 0);
    struct pbs_counters c = tunnel_counters(sw);
    assert_int_equal(c.n[PBS_TX], 1);
    /* The reply's source learned behind port 0 stays there. */
    struct bpf_switch_fdb_entry e;
    assert_true(find_entry(sw, 0, MAC_A, &e));
    assert_int_equal(e.ifindex, port[0]);
}

static void test_a_tagged_frame_keeps_its_tag_into_the_tunnel(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 20);
    struct pbs_tunnel t = tunnel_to(0xc6120002, 1450);
    set_tunnel(sw, &t);
    struct bpf_switch_fdb_entry e = { .bridge_id = BRIDGE, .vlan = 20, .ifindex = TUNNEL_KEY };
    memcpy(e.mac, MAC_B, 6);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    e.seen_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    assert_int_equal(bpf_switch_fdb_set(sw, &e), 0);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_REDIRECT, PBS_FORWARDED);
    assert_int_equal(r.d.out_ifindex, port[DEVICE]);
    assert_int_equal(r.d.out_vlan_present, 1);    /* the tunnel is a trunk: tag 20 inside */
    assert_int_equal(r.d.out_vlan_tci, 20);
}

static void test_too_big_for_the_underlay_is_dropped_and_counted(void **state)
{
    struct bpf_switch *sw = *state;
    set_port(sw, 0, policy(-1, NULL, 0, NULL));
    struct pbs_tunnel t = tunnel_to(0xc6120002, 40);        /* the frame carries 46 */
    set_tunnel(sw, &t);
    mac_behind_tunnel(sw, MAC_B);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_SHOT, PBS_DROP_TOO_BIG);
    struct pbs_counters c = tunnel_counters(sw);
    assert_int_equal(c.n[PBS_DROP_TOO_BIG], 1);
    assert_int_equal(c.n[PBS_TX], 0);
}

static void test_marked_frames_get_their_tunnel(void **state)
{
    struct bpf_switch *sw = *state;
    struct pbs_tunnel t = tunnel_to(0xc6120002, 1450);
    set_tunnel(sw, &t);
    uint8_t buf[64];
    size_t len = frame(buf, BROADCAST, MAC_A, -1);
    int verdict;
    assert_int_equal(bpf_switch_test_run_tunnel_tx(sw, port[DEVICE], PBS_TUNNEL_MARK | TUNNEL_ID,
                                                   buf, len, &verdict), 0);
    assert_int_equal(verdict, TC_ACT_OK);
    /* No mark (the switch's own redirects, keyed already) or another
     * bridge's tunnel: for the next program. */
    assert_int_equal(bpf_switch_test_run_tunnel_tx(sw, port[DEVICE], 0, buf, len, &verdict), 0);
    assert_int_equal(verdict, TC_ACT_UNSPEC);
    assert_int_equal(bpf_switch_test_run_tunnel_tx(sw, port[DEVICE], PBS_TUNNEL_MARK | 9, buf,
                                                   len, &verdict), 0);
    assert_int_equal(verdict, TC_ACT_UNSPEC);
    /* Too big for the underlay: dropped and counted on the tunnel. */
    t.inner_mtu = 40;
    set_tunnel(sw, &t);
    assert_int_equal(bpf_switch_test_run_tunnel_tx(sw, port[DEVICE], PBS_TUNNEL_MARK | TUNNEL_ID,
                                                   buf, len, &verdict), 0);
    assert_int_equal(verdict, TC_ACT_SHOT);
    assert_int_equal(tunnel_counters(sw).n[PBS_DROP_TOO_BIG], 1);
}

static void test_a_tunnel_that_changes_or_goes_forgets_its_macs(void **state)
{
    struct bpf_switch *sw = *state;
    struct pbs_tunnel t = tunnel_to(0xc6120002, 1450);
    set_tunnel(sw, &t);
    mac_behind_tunnel(sw, MAC_B);
    set_tunnel(sw, &t);                              /* the same: kept */
    assert_true(find_entry(sw, 0, MAC_B, NULL));
    t.remote[0] = 0xc6120003;                        /* elsewhere now */
    set_tunnel(sw, &t);
    assert_false(find_entry(sw, 0, MAC_B, NULL));
    mac_behind_tunnel(sw, MAC_B);
    assert_int_equal(bpf_switch_remove_tunnel(sw, TUNNEL_ID), 0);
    assert_false(find_entry(sw, 0, MAC_B, NULL));
    int keys[PBS_PORTS_MAX];
    uint8_t flags[PBS_PORTS_MAX];
    int n = bpf_switch_ports(sw, keys, flags, PBS_PORTS_MAX);
    for (int i = 0; i < n; i++)
        assert_int_not_equal((uint32_t)keys[i], TUNNEL_KEY);
    assert_int_equal(bpf_switch_remove_tunnel_device(sw, port[DEVICE]), 0);
    n = bpf_switch_ports(sw, keys, flags, PBS_PORTS_MAX);
    assert_int_equal(n, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_known_unicast_to_a_tunnel_goes_to_its_device),
        T(test_a_tagged_frame_keeps_its_tag_into_the_tunnel),
        T(test_too_big_for_the_underlay_is_dropped_and_counted),
        T(test_marked_frames_get_their_tunnel),
        T(test_a_tunnel_that_changes_or_goes_forgets_its_macs),
    };
    return cmocka_run_group_tests(tests, make_ring, NULL);
}
