/* Bonds in the kernel switch, run by the real kernel on crafted frames
 * (BPF_PROG_TEST_RUN): which member may deliver (active-backup, LACP
 * negotiated, balance-slb's own-frames rule), where the bond's MACs are
 * learned, which member a frame leaves on — with the balance-slb and
 * balance-tcp buckets computed by the userspace functions (bond_hash_mac,
 * packet_flow_hash), so the two datapaths provably agree — and the bytes
 * counted per bucket for rebalancing. */
#include "bpf_switch_fixture.h"

#include "packet/headers.h"
#include "switching/bond.h"

#define SLOT 3
#define BOND_ID (PBS_BOND_PORT_BASE + SLOT)

/* port[0]: a plain port; port[1], port[2]: members 0 and 1 of the bond. */
static struct pbs_bond bond_state(uint8_t mode, uint8_t active)
{
    struct pbs_bond b;
    memset(&b, 0, sizeof b);
    b.mode = mode;
    b.active = active;
    b.n_members = 2;
    b.member_ifindex[0] = (uint32_t)port[1];
    b.member_ifindex[1] = (uint32_t)port[2];
    b.rx_enabled[0] = b.rx_enabled[1] = 1;
    return b;
}

static void make_bond(struct bpf_switch *sw, const struct pbs_bond *b, struct vlan_policy p)
{
    assert_int_equal(bpf_switch_set_bond(sw, SLOT, BRIDGE, &p, b), 0);
    for (unsigned m = 0; m < 2; m++)
        assert_int_equal(bpf_switch_set_bond_member(sw, port[1 + m], BRIDGE, &p, SLOT, m), 0);
}

static struct result run_bytes(struct bpf_switch *sw, int index, const uint8_t *buf, size_t len)
{
    struct result r;
    memset(&r, 0, sizeof r);
    r.out_len = sizeof r.out;
    if (bpf_switch_test_run(sw, port[index], buf, len, 1, &r.verdict, r.out, &r.out_len, NULL))
        fail_msg("%s", bpf_switch_last_error());
    int err = bpf_switch_decision_take(sw, &r.d);
    if (err && err != -ENOENT)
        fail_msg("%s", bpf_switch_last_error());
    return r;
}

static void test_active_backup(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct pbs_bond b = bond_state(PBS_BOND_ACTIVE_BACKUP, 0);
    make_bond(sw, &b, policy(10, NULL, 0, NULL));

    struct result r = run(sw, 2, BROADCAST, MAC_B, -1);      /* the backup member */
    expect(&r, ACT_SHOT, PBS_DROP_BOND_ADMIT);
    learn(sw, 1, MAC_B, -1);                                 /* the active one */
    struct bpf_switch_fdb_entry e;
    assert_true(find_entry(sw, 10, MAC_B, &e));
    assert_int_equal(e.ifindex, BOND_ID);                    /* behind the bond */

    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 1, 10, -1);
    b.active = 1;                                            /* failover */
    assert_int_equal(bpf_switch_update_bond(sw, SLOT, &b), 0);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 2, 10, -1);
    b.active = PBS_BOND_NO_MEMBER;
    assert_int_equal(bpf_switch_update_bond(sw, SLOT, &b), 0);
    r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_SHOT, PBS_DROP_BOND_NO_MEMBER);

    struct pbs_counters c;
    assert_int_equal(bpf_switch_port_counters(sw, port[2], &c), 0);
    assert_int_equal(c.n[PBS_TX], 1);
    assert_int_equal(bpf_switch_port_counters(sw, (int)BOND_ID, &c), 0);
    assert_int_equal(c.n[PBS_TX], 2);
    /* A frame for the bond from one of its own members is a hairpin. */
    b.active = 0;
    assert_int_equal(bpf_switch_update_bond(sw, SLOT, &b), 0);
    r = run(sw, 1, MAC_B, MAC_C, -1);
    expect(&r, ACT_SHOT, PBS_DROP_HAIRPIN);
}

static void test_lacp_negotiated_accepts_every_member(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct pbs_bond b = bond_state(PBS_BOND_BALANCE_TCP, 0);
    make_bond(sw, &b, policy(10, NULL, 0, NULL));
    learn(sw, 0, MAC_A, -1);
    struct result r = run(sw, 2, MAC_A, MAC_B, -1);
    expect(&r, ACT_SHOT, PBS_DROP_BOND_ADMIT);               /* no LACP, no fallback */
    b.lacp_negotiated = 1;
    assert_int_equal(bpf_switch_update_bond(sw, SLOT, &b), 0);
    r = run(sw, 2, MAC_A, MAC_B, -1);
    expect_forward(&r, 0, 10, -1);
    /* LACPDUs go up to the daemon whatever the member. */
    r = run(sw, 2, LACP_DST, MAC_B, -1);
    expect(&r, ACT_UP, PBS_PASS_RESERVED);
}

/* Buckets all on member 0 but `bucket`, on member 1. */
static void one_bucket_on_member_1(struct pbs_bond *b, unsigned bucket)
{
    memset(b->bucket_member, 0, sizeof b->bucket_member);
    b->bucket_member[bucket] = 1;
}

static void test_balance_slb(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct pbs_bond b = bond_state(PBS_BOND_BALANCE_SLB, 0);
    b.hash_basis = 0x5eed;
    unsigned bucket = bond_hash_mac(MAC_A, 10, b.hash_basis) & (PBS_BOND_BUCKETS - 1);
    one_bucket_on_member_1(&b, bucket);
    make_bond(sw, &b, policy(10, NULL, 0, NULL));
    learn(sw, 0, MAC_A, -1);
    learn(sw, 1, MAC_B, -1);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect_forward(&r, 2, 10, -1);                           /* MAC_A's bucket */
    r = run(sw, 0, MAC_B, MAC_C, -1);
    learn(sw, 0, MAC_C, -1);
    r = run(sw, 0, MAC_B, MAC_C, -1);
    unsigned c_bucket = bond_hash_mac(MAC_C, 10, b.hash_basis) & (PBS_BOND_BUCKETS - 1);
    expect_forward(&r, c_bucket == bucket ? 2 : 1, 10, -1);
    uint64_t bytes[PBS_BOND_BUCKETS];
    assert_int_equal(bpf_switch_bond_bytes(sw, SLOT, bytes), 0);
    assert_true(bytes[bucket] >= 60);
    /* Our own frame coming back on a member (MAC_A is behind port 0): dropped. */
    r = run(sw, 1, MAC_B, MAC_A, -1);
    expect(&r, ACT_SHOT, PBS_DROP_BOND_ADMIT);
}

/* An IPv4/TCP or IPv6/UDP frame from MAC_A to MAC_B, with an inline tag
 * when tci >= 0. */
static size_t ip_frame(uint8_t *buf, int version, int tci, uint16_t sport, uint16_t dport)
{
    memset(buf, 0, 128);
    memcpy(buf, MAC_B, 6);
    memcpy(buf + 6, MAC_A, 6);
    size_t off = 12;
    if (tci >= 0) {
        buf[off++] = 0x81;
        buf[off++] = 0x00;
        buf[off++] = (uint8_t)(tci >> 8);
        buf[off++] = (uint8_t)tci;
    }
    buf[off++] = version == 4 ? 0x08 : 0x86;
    buf[off++] = version == 4 ? 0x00 : 0xdd;
    uint8_t *ip = buf + off;
    size_t l4;
    if (version == 4) {
        ip[0] = 0x45;
        ip[3] = 40;
        ip[8] = 64;
        ip[9] = 6;                                           /* TCP */
        memcpy(ip + 12, (uint8_t[]){ 198, 18, 0, 1 }, 4);
        memcpy(ip + 16, (uint8_t[]){ 198, 18, 0, 2 }, 4);
        l4 = off + 20;
    } else {
        ip[0] = 0x60;
        ip[5] = 8;
        ip[6] = 17;                                          /* UDP */
        ip[7] = 64;
        ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x00, ip[11] = 0x02, ip[23] = 1;
        ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x00, ip[27] = 0x02, ip[39] = 2;
        l4 = off + 40;
    }
    buf[l4] = (uint8_t)(sport >> 8);
    buf[l4 + 1] = (uint8_t)sport;
    buf[l4 + 2] = (uint8_t)(dport >> 8);
    buf[l4 + 3] = (uint8_t)dport;
    size_t len = l4 + 20;
    return len < 60 ? 60 : len;
}

/* The bucket userspace's balance-tcp gives the frame as it leaves. */
static unsigned userspace_bucket(const uint8_t *leaving, size_t len, uint32_t basis)
{
    struct packet_headers hdr;
    assert_int_equal(packet_parse(leaving, len, &hdr), 0);
    return packet_flow_hash(&hdr, basis) & (PBS_BOND_BUCKETS - 1);
}

static void expect_tcp_member(struct bpf_switch *sw, struct pbs_bond *b, int version,
                              int tag_out, uint16_t sport)
{
    uint8_t in[128], out[128];
    size_t len = ip_frame(in, version, -1, sport, 80);
    size_t out_len = ip_frame(out, version, tag_out, sport, 80);
    unsigned bucket = userspace_bucket(out, out_len, b->hash_basis);
    one_bucket_on_member_1(b, bucket);
    assert_int_equal(bpf_switch_update_bond(sw, SLOT, b), 0);
    struct result r = run_bytes(sw, 0, in, len);
    expect_forward(&r, 2, 10, tag_out);
    /* Every other bucket is member 0's: a neighbouring flow goes there
     * unless it happens to hash alike. */
    len = ip_frame(in, version, -1, (uint16_t)(sport + 1), 80);
    out_len = ip_frame(out, version, tag_out, (uint16_t)(sport + 1), 80);
    r = run_bytes(sw, 0, in, len);
    expect_forward(&r, userspace_bucket(out, out_len, b->hash_basis) == bucket ? 2 : 1, 10,
                   tag_out);
}

static void test_balance_tcp_hashes_as_userspace(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct pbs_bond b = bond_state(PBS_BOND_BALANCE_TCP, 0);
    b.lacp_negotiated = 1;
    b.hash_basis = 0x1234;
    make_bond(sw, &b, policy(10, NULL, 0, NULL));
    learn(sw, 0, MAC_A, -1);
    learn(sw, 1, MAC_B, -1);
    expect_tcp_member(sw, &b, 4, -1, 40000);
    expect_tcp_member(sw, &b, 6, -1, 40000);
    /* A trunk bond: the frame leaves tagged, and the tag is in the hash. */
    make_bond(sw, &b, policy(-1, NULL, 0, NULL));
    expect_tcp_member(sw, &b, 4, 10, 41000);
    expect_tcp_member(sw, &b, 6, 10, 41000);
}

static void test_bond_removed(void **state)
{
    struct bpf_switch *sw = *state;
    set_access(sw, 0, 10);
    struct pbs_bond b = bond_state(PBS_BOND_ACTIVE_BACKUP, 0);
    make_bond(sw, &b, policy(10, NULL, 0, NULL));
    learn(sw, 1, MAC_B, -1);
    assert_int_equal(bpf_switch_remove_bond(sw, SLOT), 0);
    struct result r = run(sw, 0, MAC_B, MAC_A, -1);
    expect(&r, ACT_UP, PBS_PASS_NO_OUTPUT);                  /* no such port now */
    assert_int_equal(bpf_switch_set_bond(sw, PBS_BONDS_MAX, BRIDGE, &(struct vlan_policy){ 0 },
                                         &b), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_active_backup),
        T(test_lacp_negotiated_accepts_every_member),
        T(test_balance_slb),
        T(test_balance_tcp_hashes_as_userspace),
        T(test_bond_removed),
    };
    return cmocka_run_group_tests(tests, make_namespace, NULL);
}
