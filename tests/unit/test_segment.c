/* Software segmentation and checksum completion, checked the way a receiver
 * checks: every header checksum must verify. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "packet/segment.h"

static uint16_t ones_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* Ethernet + IPv4 + TCP (20) + payload, as a stack hands it over with TSO:
 * IP total length of the whole, TCP checksum field holding the pseudo sum. */
static void build_tcp4(struct packet *pkt, size_t payload, uint16_t mss, bool tagged)
{
    packet_reset(pkt);
    uint8_t *p = pkt->data;
    memset(p, 0, 14 + 4 + 40 + payload);
    memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    size_t l3 = 14;
    if (tagged) {
        p[12] = 0x81; p[13] = 0x00; p[14] = 0x00; p[15] = 0x05;
        l3 = 18;
    }
    p[l3 - 2] = 0x08; p[l3 - 1] = 0x00;
    uint8_t *ip = p + l3;
    ip[0] = 0x45; ip[8] = 64; ip[9] = 6;
    uint16_t tot = (uint16_t)(20 + 20 + payload);
    ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot;
    ip[4] = 0x12; ip[5] = 0x34;
    memcpy(ip + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
    uint8_t *tcp = ip + 20;
    tcp[0] = 0x9c; tcp[1] = 0x40; tcp[2] = 0x13; tcp[3] = 0x89;
    tcp[4] = 0xff; tcp[5] = 0xff; tcp[6] = 0xff; tcp[7] = 0x00;   /* seq wraps */
    tcp[12] = 0x50; tcp[13] = 0x18;                               /* PSH ACK */
    for (size_t i = 0; i < payload; i++)
        tcp[20 + i] = (uint8_t)(i * 7);
    pkt->len = (uint32_t)(l3 + 40 + payload);
    pkt->offload.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    pkt->offload.gso_size = mss;
    pkt->offload.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    pkt->offload.csum_start = (uint16_t)(l3 + 20);
    pkt->offload.csum_offset = 16;
    pkt->offload.hdr_len = (uint16_t)(l3 + 40);
}

static void check_segment(const struct packet *seg, size_t l3, uint32_t seq, size_t payload)
{
    const uint8_t *ip = seg->data + l3, *tcp = ip + 20;
    assert_int_equal(seg->len, l3 + 40 + payload);
    assert_int_equal(ip[2] << 8 | ip[3], 40 + payload);
    assert_int_equal(ones_sum(ip, 20, 0), 0xffff);                  /* IP checksum verifies */
    uint32_t pseudo = ones_sum(ip + 12, 8, 0) + 6 + (uint32_t)(20 + payload);
    assert_int_equal(ones_sum(tcp, 20 + payload, pseudo), 0xffff);  /* TCP checksum verifies */
    uint32_t got = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
    assert_int_equal(got, seq);
    assert_int_equal(seg->offload.gso_type, 0);
    assert_int_equal(seg->offload.flags, 0);
}

static void run_segmentation(bool tagged)
{
    struct packet *pkt = packet_new();
    struct packet *segs[4];
    for (int i = 0; i < 4; i++)
        segs[i] = packet_new_sized(2048);
    build_tcp4(pkt, 2500, 1000, tagged);
    size_t l3 = tagged ? 18 : 14;
    assert_int_equal(packet_segment_tcp(pkt, segs, 4), 3);
    check_segment(segs[0], l3, 0xffffff00u, 1000);
    check_segment(segs[1], l3, 0xffffff00u + 1000, 1000);
    check_segment(segs[2], l3, 0xffffff00u + 2000, 500);
    assert_int_equal(segs[0]->data[l3 + 20 + 13], 0x10);   /* ACK only: PSH on the last */
    assert_int_equal(segs[2]->data[l3 + 20 + 13], 0x18);
    assert_int_equal(segs[1]->data[l3 + 5], 0x35);          /* IPv4 id + 1 */
    /* Payload bytes in order across the segments. */
    assert_int_equal(segs[1]->data[l3 + 40], (uint8_t)(1000 * 7));
    assert_int_equal(packet_segment_tcp(pkt, segs, 2), -ENOSPC);
    for (int i = 0; i < 4; i++)
        packet_free(segs[i]);
    packet_free(pkt);
}

static void test_segments_untagged(void **state) { run_segmentation(false); }
static void test_segments_tagged(void **state) { run_segmentation(true); }

static void test_rejects_non_tcp(void **state)
{
    struct packet *pkt = packet_new();
    struct packet *segs[1] = { packet_new() };
    build_tcp4(pkt, 100, 50, false);
    pkt->data[14 + 9] = 17;   /* UDP */
    assert_int_equal(packet_segment_tcp(pkt, segs, 1), -EINVAL);
    build_tcp4(pkt, 100, 50, false);
    pkt->offload.gso_type = VIRTIO_NET_HDR_GSO_NONE;
    assert_int_equal(packet_segment_tcp(pkt, segs, 1), -EINVAL);
    pkt->len = 30;
    pkt->offload.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    assert_int_equal(packet_segment_tcp(pkt, segs, 1), -EINVAL);
    packet_free(segs[0]);
    packet_free(pkt);
}

static void test_complete_partial_checksum(void **state)
{
    struct packet *pkt = packet_new();
    build_tcp4(pkt, 300, 0, false);
    pkt->offload.gso_type = 0;
    /* Seed the TCP checksum with the pseudo-header sum, as the stack does. */
    uint8_t *ip = pkt->data + 14, *tcp = ip + 20;
    uint16_t pseudo = ones_sum(ip + 12, 8, 0);
    uint32_t s = pseudo + 6 + 320;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    tcp[16] = (uint8_t)(s >> 8);
    tcp[17] = (uint8_t)s;
    assert_int_equal(packet_complete_csum(pkt), 0);
    assert_int_equal(ones_sum(tcp, 320, ones_sum(ip + 12, 8, 0) + 6 + 320), 0xffff);
    assert_int_equal(pkt->offload.flags, 0);
    pkt->offload.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    pkt->offload.csum_start = 60000;
    assert_int_equal(packet_complete_csum(pkt), -EINVAL);
    packet_free(pkt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_untagged),
        cmocka_unit_test(test_segments_tagged),
        cmocka_unit_test(test_rejects_non_tcp),
        cmocka_unit_test(test_complete_partial_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
