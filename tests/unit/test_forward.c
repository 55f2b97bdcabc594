/* The switching decision of the datapath (dp_bridge_input) driven with a
 * recording netdev: no kernel, exact expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datapath/datapath.h"
#include "packet/headers.h"

#define MAX_SENT 16

struct recorder {
    unsigned n_calls;
    unsigned n_sent;
    uint8_t frames[MAX_SENT][128];
    uint32_t lens[MAX_SENT];
};

static int recording_send(struct netdev *dev, unsigned txq, struct packet *const *packets,
                          unsigned n)
{
    struct recorder *rec = dev->priv;
    rec->n_calls++;
    for (unsigned i = 0; i < n && rec->n_sent < MAX_SENT; i++) {
        uint32_t len = packets[i]->len < 128 ? packets[i]->len : 128;
        memcpy(rec->frames[rec->n_sent], packets[i]->data, len);
        rec->lens[rec->n_sent++] = len;
    }
    return (int)n;
}

static const struct netdev_class recording_class = { .type = "recording", .send = recording_send };

struct fixture {
    struct dp_fdb *fdb;
    struct dp_bridge bridge;
    struct dp_port *ports[4];
    struct netdev netdevs[4];
    struct recorder recorders[4];
    struct dp_port_stats stats[4];
    struct dp_output *out;
    struct packet *pkt;
};

static void set_policy(struct dp_port *port, int tag, const int64_t *trunks, size_t n,
                       const char *mode)
{
    const char *error = NULL;
    memset(&port->vlan, 0, sizeof port->vlan);
    assert_int_equal(vlan_policy_build(&port->vlan, tag, trunks, n, mode, &error), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->fdb = dp_fdb_create(16, 300);
    f->bridge.fdb = f->fdb;
    f->bridge.ports = f->ports;
    f->bridge.n_ports = 4;
    for (int i = 0; i < 4; i++) {
        struct dp_port *port = aligned_alloc(16, (sizeof *port + 15) & ~(size_t)15);
        memset(port, 0, sizeof *port);
        port->ofport = (uint32_t)i + 1;
        port->index = (uint32_t)i;
        port->bridge = &f->bridge;
        port->stats = &f->stats[i];
        f->netdevs[i].class = &recording_class;
        f->netdevs[i].priv = &f->recorders[i];
        port->netdev = &f->netdevs[i];
        set_policy(port, -1, NULL, 0, NULL);   /* trunk, all VLANs */
        f->ports[i] = port;
    }
    f->out = dp_output_new();
    dp_output_resize(f->out, 4);
    f->pkt = packet_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 4; i++)
        free(f->ports[i]);
    dp_fdb_destroy(f->fdb);
    dp_output_free(f->out);
    packet_free(f->pkt);
    free(f);
    return 0;
}

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0xb };
static const uint8_t BROADCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Builds a 60-byte frame, tagged with `vid` when vid >= 0. */
static void make_frame(struct packet *pkt, const uint8_t *dst, const uint8_t *src, int vid)
{
    packet_reset(pkt);
    uint8_t *p = pkt->data;
    memset(p, 0, 60);
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    size_t off = 12;
    if (vid >= 0) {
        p[12] = 0x81;
        p[13] = 0x00;
        p[14] = (uint8_t)(vid >> 8);
        p[15] = (uint8_t)vid;
        off = 16;
    }
    p[off] = 0x08;
    p[off + 1] = 0x06;   /* ARP */
    pkt->len = 60;
}

/* One frame in, then what a worker does at the end of its batch. */
static void input(struct fixture *f, struct dp_port *port, uint64_t now_ms)
{
    dp_bridge_input(port, -1, f->pkt, now_ms, f->out, 0);
    dp_output_flush(f->out, NULL);
}

static int sent_vid(const struct recorder *rec, unsigned i)
{
    struct packet_headers hdr;
    assert_int_equal(packet_parse(rec->frames[i], rec->lens[i], &hdr), 0);
    return hdr.has_vlan ? (hdr.vlan_tci & 0xfff) : -1;
}

static void clear_recorders(struct fixture *f)
{
    memset(f->recorders, 0, sizeof f->recorders);
}

static void test_flood_then_learned_unicast(void **state)
{
    struct fixture *f = *state;
    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    input(f, f->ports[0], 1000);
    assert_int_equal(f->recorders[0].n_sent, 0);   /* never back out of the input port */
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(f->recorders[2].n_sent, 1);
    assert_int_equal(f->recorders[3].n_sent, 1);

    clear_recorders(f);
    make_frame(f->pkt, MAC_A, MAC_B, -1);           /* B answers A: A is known */
    input(f, f->ports[1], 1001);
    assert_int_equal(f->recorders[0].n_sent, 1);
    assert_int_equal(f->recorders[2].n_sent, 0);
    assert_int_equal(f->recorders[3].n_sent, 0);

    clear_recorders(f);
    make_frame(f->pkt, MAC_B, MAC_A, -1);
    input(f, f->ports[0], 1002);
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(f->recorders[2].n_sent + f->recorders[3].n_sent, 0);
}

static void test_access_ports_isolate_vlans_and_trunk_tags(void **state)
{
    struct fixture *f = *state;
    set_policy(f->ports[0], 2, NULL, 0, NULL);      /* access VLAN 2 */
    set_policy(f->ports[1], 3, NULL, 0, NULL);      /* access VLAN 3 */
    set_policy(f->ports[2], 2, NULL, 0, NULL);      /* access VLAN 2 */
    /* port 4 stays a trunk of all VLANs */
    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    input(f, f->ports[0], 1000);
    assert_int_equal(f->recorders[1].n_sent, 0);
    assert_int_equal(f->recorders[2].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[2], 0), -1);   /* access: untagged */
    assert_int_equal(f->recorders[3].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[3], 0), 2);    /* trunk: tagged VID 2 */

    clear_recorders(f);
    make_frame(f->pkt, BROADCAST, MAC_B, 3);               /* tagged 3 into the trunk */
    input(f, f->ports[3], 1001);
    assert_int_equal(f->recorders[0].n_sent + f->recorders[2].n_sent, 0);
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[1], 0), -1);

    clear_recorders(f);
    make_frame(f->pkt, BROADCAST, MAC_B, 3);               /* tagged into an access port */
    input(f, f->ports[0], 1002);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->recorders[i].n_sent, 0);
    assert_int_equal(f->stats[0].rx_dropped, 1);
}

static void test_native_untagged_and_tagged(void **state)
{
    struct fixture *f = *state;
    int64_t trunks[] = { 10, 20 };
    set_policy(f->ports[0], 10, trunks, 2, "native-untagged");
    set_policy(f->ports[1], 10, trunks, 2, "native-tagged");
    set_policy(f->ports[2], 20, NULL, 0, NULL);
    set_policy(f->ports[3], 10, NULL, 0, NULL);
    make_frame(f->pkt, BROADCAST, MAC_A, -1);               /* untagged → native VLAN 10 */
    input(f, f->ports[0], 1000);
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[1], 0), 10);    /* native-tagged tags it */
    assert_int_equal(f->recorders[2].n_sent, 0);
    assert_int_equal(f->recorders[3].n_sent, 1);

    clear_recorders(f);
    make_frame(f->pkt, BROADCAST, MAC_B, 20);
    input(f, f->ports[1], 1001);
    assert_int_equal(f->recorders[0].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[0], 0), 20);
    assert_int_equal(f->recorders[2].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[2], 0), -1);

    clear_recorders(f);
    make_frame(f->pkt, BROADCAST, MAC_B, 10);               /* native VLAN leaves untagged */
    input(f, f->ports[1], 1002);
    assert_int_equal(f->recorders[0].n_sent, 1);
    assert_int_equal(sent_vid(&f->recorders[0], 0), -1);
}

static void test_reserved_multicast_and_runts_dropped(void **state)
{
    struct fixture *f = *state;
    static const uint8_t STP[6] = { 0x01, 0x80, 0xc2, 0, 0, 0 };
    make_frame(f->pkt, STP, MAC_A, -1);
    input(f, f->ports[0], 1000);
    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    f->pkt->len = 10;
    input(f, f->ports[0], 1000);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->recorders[i].n_sent, 0);
    assert_int_equal(f->stats[0].rx_dropped, 2);
}

static void test_patch_port_crosses_bridges(void **state)
{
    struct fixture *f = *state;
    /* A second bridge with a patch port and one recording port. */
    struct dp_fdb *fdb2 = dp_fdb_create(16, 300);
    struct dp_port *ports2[2];
    struct dp_bridge bridge2 = { .fdb = fdb2, .ports = ports2, .n_ports = 2 };
    struct recorder rec2 = { 0 };
    struct netdev dev2 = { .class = &recording_class, .priv = &rec2 };
    struct dp_port_stats stats2[2] = { 0 };
    for (int i = 0; i < 2; i++) {
        ports2[i] = aligned_alloc(16, (sizeof *ports2[i] + 15) & ~(size_t)15);
        memset(ports2[i], 0, sizeof *ports2[i]);
        ports2[i]->ofport = (uint32_t)i + 1;
        ports2[i]->index = 4 + (uint32_t)i;   /* beyond the output queues: sent alone */
        ports2[i]->bridge = &bridge2;
        ports2[i]->stats = &stats2[i];
        set_policy(ports2[i], -1, NULL, 0, NULL);
    }
    ports2[1]->netdev = &dev2;
    /* Port 4 of the first bridge becomes a patch to ports2[0]. */
    f->ports[3]->netdev = NULL;
    f->ports[3]->is_patch = true;
    f->ports[3]->patch_peer = ports2[0];
    ports2[0]->is_patch = true;
    ports2[0]->patch_peer = f->ports[3];

    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    input(f, f->ports[0], 1000);
    assert_int_equal(rec2.n_sent, 1);
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(stats2[0].rx_packets, 1);

    for (int i = 0; i < 2; i++)
        free(ports2[i]);
    dp_fdb_destroy(fdb2);
}

static void test_unicast_batched_per_output_port(void **state)
{
    struct fixture *f = *state;
    make_frame(f->pkt, BROADCAST, MAC_B, -1);      /* B is learned on port 2 */
    input(f, f->ports[1], 1000);
    clear_recorders(f);
    /* A batch of frames to B, as a worker receives them, then one flush. */
    struct packet *batch[8];
    for (int i = 0; i < 8; i++) {
        batch[i] = packet_new();
        make_frame(batch[i], MAC_B, MAC_A, -1);
        dp_bridge_input(f->ports[0], -1, batch[i], 1001, f->out, 0);
    }
    assert_int_equal(f->recorders[1].n_sent, 0);   /* still queued */
    assert_int_equal(dp_output_flush(f->out, NULL), 8);
    assert_int_equal(f->recorders[1].n_sent, 8);
    assert_int_equal(f->recorders[1].n_calls, 1);  /* one send for the whole batch */
    assert_int_equal(f->stats[1].tx_packets, 8);
    for (int i = 0; i < 8; i++)
        packet_free(batch[i]);
}

/* Ports 2 and 3 are tunnels of a full mesh: what comes in through one goes
 * out of no other, unless split horizon is off (hub and spoke). */
static void test_tunnel_split_horizon(void **state)
{
    struct fixture *f = *state;
    f->ports[2]->is_tunnel = f->ports[3]->is_tunnel = true;
    f->bridge.tunnel_split_horizon = true;
    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    input(f, f->ports[2], 1000);
    assert_int_equal(f->recorders[0].n_sent, 1);
    assert_int_equal(f->recorders[1].n_sent, 1);
    assert_int_equal(f->recorders[3].n_sent, 0);

    clear_recorders(f);   /* from a local port: every tunnel */
    make_frame(f->pkt, BROADCAST, MAC_B, -1);
    input(f, f->ports[0], 1001);
    assert_int_equal(f->recorders[2].n_sent, 1);
    assert_int_equal(f->recorders[3].n_sent, 1);

    clear_recorders(f);   /* a learned unicast destination is not a flood */
    make_frame(f->pkt, MAC_A, MAC_B, -1);
    input(f, f->ports[3], 1002);
    assert_int_equal(f->recorders[2].n_sent, 1);

    clear_recorders(f);
    f->bridge.tunnel_split_horizon = false;
    make_frame(f->pkt, BROADCAST, MAC_A, -1);
    input(f, f->ports[2], 1003);
    assert_int_equal(f->recorders[3].n_sent, 1);
}

static void test_lacpdus_on_a_bond_reach_control_only(void **state)
{
    struct fixture *f = *state;
    /* Port 1 becomes a bond of one member (its recording netdev). */
    struct dp_bond_state bond;
    assert_int_equal(dp_bond_state_init(&bond), 0);
    struct dp_bond_member member = { .name = "m0", .ofport = 1, .netdev = &f->netdevs[0],
                                     .stats = &f->stats[0] };
    f->ports[0]->bond = &bond;
    f->ports[0]->members = &member;
    f->ports[0]->n_members = 1;
    f->ports[0]->netdev = NULL;
    bond.rx_enabled[0] = 1;
    bond.active = 0;
    static const uint8_t SLOW[6] = { 0x01, 0x80, 0xc2, 0, 0, 2 };
    make_frame(f->pkt, SLOW, MAC_A, -1);
    f->pkt->data[12] = 0x88;
    f->pkt->data[13] = 0x09;                        /* slow protocols */
    f->pkt->data[14] = 1;                           /* LACP */
    dp_bridge_input(f->ports[0], 0, f->pkt, 1000, f->out, 0);
    dp_output_flush(f->out, NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->recorders[i].n_sent, 0);   /* never flooded */
    uint64_t seen;
    assert_int_equal(dp_fdb_lookup(f->fdb, 0, MAC_A, 1000, &seen), FDB_NO_PORT);  /* not learned */
    struct dp_bond_pdu pdu;
    assert_true(dp_bond_take_pdu(&bond, &pdu));      /* handed to the control thread */
    assert_int_equal(pdu.member, 0);
    assert_int_equal(pdu.data[14], 1);
    assert_false(dp_bond_take_pdu(&bond, &pdu));
    f->ports[0]->bond = NULL;
    dp_bond_state_destroy(&bond);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flood_then_learned_unicast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_ports_isolate_vlans_and_trunk_tags, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_native_untagged_and_tagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_multicast_and_runts_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_patch_port_crosses_bridges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicast_batched_per_output_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnel_split_horizon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lacpdus_on_a_bond_reach_control_only, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
