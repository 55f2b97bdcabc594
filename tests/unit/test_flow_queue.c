/* Flow to queue for multi-queue guests: a symmetric flow hash, the spread
 * over the ready queues, and the queues learned from the guest's sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netdev/flow_queue.h"
#include "packet/packet.h"

static const uint8_t MAC_GUEST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 };
static const uint8_t MAC_HOST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t IP_GUEST[16] = { 198, 18, 0, 9 };
static const uint8_t IP_HOST[16] = { 198, 18, 0, 1 };
static const uint8_t IP6_GUEST[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
static const uint8_t IP6_HOST[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* Ethernet + IPv4 or IPv6 + the first 8 bytes of a UDP/TCP/ICMP header. */
static struct packet *frame(const uint8_t *dst_mac, const uint8_t *src_mac, int ip_version,
                            const uint8_t *src_ip, const uint8_t *dst_ip, uint8_t proto,
                            uint16_t sport, uint16_t dport)
{
    struct packet *pkt = packet_new();
    assert_non_null(pkt);
    uint8_t *f = pkt->data;
    memset(f, 0, 128);
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    size_t off = 14;
    if (ip_version == 4) {
        f[12] = 0x08;
        f[13] = 0x00;
        f[off] = 0x45;
        f[off + 3] = 20 + 20;
        f[off + 8] = 64;
        f[off + 9] = proto;
        memcpy(f + off + 12, src_ip, 4);
        memcpy(f + off + 16, dst_ip, 4);
        off += 20;
    } else {
        f[12] = 0x86;
        f[13] = 0xdd;
        f[off] = 0x60;
        f[off + 5] = 20;
        f[off + 6] = proto;
        f[off + 7] = 64;
        memcpy(f + off + 8, src_ip, 16);
        memcpy(f + off + 24, dst_ip, 16);
        off += 40;
    }
    f[off] = (uint8_t)(sport >> 8);
    f[off + 1] = (uint8_t)sport;
    f[off + 2] = (uint8_t)(dport >> 8);
    f[off + 3] = (uint8_t)dport;
    pkt->len = (uint32_t)off + 20;
    return pkt;
}

static struct packet *udp_to_guest(uint16_t sport, uint16_t dport)
{
    return frame(MAC_GUEST, MAC_HOST, 4, IP_HOST, IP_GUEST, 17, sport, dport);
}

static struct packet *udp_from_guest(uint16_t sport, uint16_t dport)
{
    return frame(MAC_HOST, MAC_GUEST, 4, IP_GUEST, IP_HOST, 17, sport, dport);
}

/* A reply (addresses, MACs and ports swapped) hashes like its request. */
static void test_hash_is_symmetric(void **state)
{
    struct packet *pairs[][2] = {
        { udp_to_guest(40000, 53), udp_from_guest(53, 40000) },
        { frame(MAC_GUEST, MAC_HOST, 4, IP_HOST, IP_GUEST, 6, 33000, 22),
          frame(MAC_HOST, MAC_GUEST, 4, IP_GUEST, IP_HOST, 6, 22, 33000) },
        /* ICMP: no ports read; the addresses alone. */
        { frame(MAC_GUEST, MAC_HOST, 4, IP_HOST, IP_GUEST, 1, 0x0800, 0),
          frame(MAC_HOST, MAC_GUEST, 4, IP_GUEST, IP_HOST, 1, 0x0000, 0) },
        { frame(MAC_GUEST, MAC_HOST, 6, IP6_HOST, IP6_GUEST, 17, 5000, 6000),
          frame(MAC_HOST, MAC_GUEST, 6, IP6_GUEST, IP6_HOST, 17, 6000, 5000) },
        /* Same addresses, the ports decide the order. */
        { frame(MAC_GUEST, MAC_HOST, 4, IP_HOST, IP_HOST, 17, 1, 2),
          frame(MAC_HOST, MAC_GUEST, 4, IP_HOST, IP_HOST, 17, 2, 1) },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        uint32_t there = flow_queue_hash(pairs[i][0]);
        assert_int_not_equal(there, 0);
        assert_int_equal(there, flow_queue_hash(pairs[i][1]));
        packet_free(pairs[i][0]);
        packet_free(pairs[i][1]);
    }
    /* ... and flows differ. */
    struct packet *a = udp_to_guest(40000, 53), *b = udp_to_guest(40001, 53);
    assert_int_not_equal(flow_queue_hash(a), flow_queue_hash(b));
    packet_free(a);
    packet_free(b);
    /* A runt has no flow. */
    struct packet *runt = packet_new();
    runt->len = 13;
    assert_int_equal(flow_queue_hash(runt), 0);
    packet_free(runt);
}

static void test_spread_scales_the_hash(void **state)
{
    assert_int_equal(flow_queue_spread(0, 2), 0);
    assert_int_equal(flow_queue_spread(0x7fffffff, 2), 0);
    assert_int_equal(flow_queue_spread(0x80000000, 2), 1);
    assert_int_equal(flow_queue_spread(0xffffffff, 2), 1);
    assert_int_equal(flow_queue_spread(0xffffffff, 16), 15);
    assert_int_equal(flow_queue_spread(0x55555555, 3), 0);
    assert_int_equal(flow_queue_spread(0x55555556, 3), 1);
    assert_int_equal(flow_queue_spread(12345, 1), 0);
}

/* Without anything learned: the n-th ready queue by hash, never one that
 * is not ready. */
static void test_pick_spreads_over_ready_queues(void **state)
{
    assert_int_equal(flow_queue_pick(NULL, 0, 0x5), 0);
    assert_int_equal(flow_queue_pick(NULL, 0xffffffff, 0x5), 2);
    assert_int_equal(flow_queue_pick(NULL, 0x80000000, 0x5), 2);
    assert_int_equal(flow_queue_pick(NULL, 0xffffffff, 0x8), 3);
    assert_int_equal(flow_queue_pick(NULL, 0xffffffff, 0x80000001), 31);
    assert_int_equal(flow_queue_pick(NULL, 0xffffffff, 0), 0);

    /* 200 UDP flows over two queues: both get a fair share; a flow's
     * frames all go to one queue. */
    unsigned count[2] = { 0, 0 };
    for (uint16_t port = 0; port < 200; port++) {
        struct packet *pkt = udp_to_guest(10000 + port, 9);
        uint32_t hash = flow_queue_hash(pkt);
        unsigned q = flow_queue_pick(NULL, hash, 0x3);
        assert_true(q < 2);
        assert_int_equal(flow_queue_pick(NULL, flow_queue_hash(pkt), 0x3), q);
        count[q]++;
        packet_free(pkt);
    }
    assert_true(count[0] >= 60 && count[1] >= 60);
}

/* A flow the guest sent on queue k comes back on k while k is ready. */
static void test_pick_follows_the_guest(void **state)
{
    struct flow_queue_table *table = calloc(1, sizeof *table);
    struct packet *out = udp_from_guest(41000, 53), *back = udp_to_guest(53, 41000);
    uint32_t hash = flow_queue_hash(back);
    unsigned spread = flow_queue_pick(NULL, hash, 0x3);
    assert_int_equal(flow_queue_pick(table, hash, 0x3), spread);    /* nothing learned */

    flow_queue_learn(table, flow_queue_hash(out), 1 - spread);
    assert_int_equal(flow_queue_pick(table, hash, 0x3), 1 - spread);
    /* The guest moved the flow. */
    flow_queue_learn(table, flow_queue_hash(out), spread);
    assert_int_equal(flow_queue_pick(table, hash, 0x3), spread);
    /* Learned on a queue the guest has since stopped: spread over the rest. */
    flow_queue_learn(table, flow_queue_hash(out), 2);
    assert_int_equal(flow_queue_pick(table, hash, 0x3), spread);
    assert_int_equal(flow_queue_pick(table, hash, 0x4), 2);
    /* The highest queue a mask names. */
    flow_queue_learn(table, hash, 31);
    assert_int_equal(flow_queue_pick(table, hash, 0x80000001), 31);

    /* Other flows are not steered by it (unless they share its slot). */
    unsigned steered = 0;
    for (uint16_t port = 0; port < 64; port++) {
        struct packet *other = udp_to_guest(20000 + port, 9);
        uint32_t h = flow_queue_hash(other);
        if ((h & (FLOW_QUEUE_TABLE_SIZE - 1)) != (hash & (FLOW_QUEUE_TABLE_SIZE - 1)))
            assert_int_equal(flow_queue_pick(table, h, 0x3), flow_queue_pick(NULL, h, 0x3));
        else
            steered++;
        packet_free(other);
    }
    assert_true(steered < 64);
    packet_free(out);
    packet_free(back);
    free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_symmetric),
        cmocka_unit_test(test_spread_scales_the_hash),
        cmocka_unit_test(test_pick_spreads_over_ready_queues),
        cmocka_unit_test(test_pick_follows_the_guest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
