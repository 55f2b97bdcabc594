/* Packet buffers, VLAN push/pop with offload offsets, header parsing and the
 * flow hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_net.h>

#include "packet/headers.h"
#include "packet/packet.h"

static const uint8_t DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* Frame builders: Ethernet (+ optional tag) + IP + L4 header; return length. */
static size_t put_eth(uint8_t *f, int vid, uint16_t type)
{
    memcpy(f, DST, 6);
    memcpy(f + 6, SRC, 6);
    size_t off = 12;
    if (vid >= 0) {
        f[off++] = 0x81;
        f[off++] = 0x00;
        f[off++] = (uint8_t)(0xa0 | vid >> 8);   /* PCP 5 */
        f[off++] = (uint8_t)vid;
    }
    f[off++] = (uint8_t)(type >> 8);
    f[off++] = (uint8_t)type;
    return off;
}

static size_t put_ipv4(uint8_t *f, size_t off, uint8_t proto, uint16_t frag,
                       const uint8_t src[4], const uint8_t dst[4], size_t l4_len)
{
    uint8_t *ip = f + off;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    size_t tot = 20 + l4_len;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[6] = (uint8_t)(frag >> 8);
    ip[7] = (uint8_t)frag;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    return off + 20;
}

static size_t put_ports(uint8_t *f, size_t off, uint16_t sport, uint16_t dport, size_t l4_len)
{
    memset(f + off, 0, l4_len);
    f[off] = (uint8_t)(sport >> 8);
    f[off + 1] = (uint8_t)sport;
    f[off + 2] = (uint8_t)(dport >> 8);
    f[off + 3] = (uint8_t)dport;
    return off + l4_len;
}

static const uint8_t IP_A[4] = { 10, 0, 0, 1 };
static const uint8_t IP_B[4] = { 10, 0, 0, 2 };

static size_t build_tcp4(uint8_t *f, int vid, uint16_t sport, uint16_t dport)
{
    size_t off = put_eth(f, vid, ETH_TYPE_IPV4);
    off = put_ipv4(f, off, 6, 0, IP_A, IP_B, 20);
    return put_ports(f, off, sport, dport, 20);
}

static size_t build_udp6(uint8_t *f, uint16_t sport, uint16_t dport)
{
    size_t off = put_eth(f, -1, ETH_TYPE_IPV6);
    uint8_t *ip = f + off;
    memset(ip, 0, 40);
    ip[0] = 0x60;
    ip[5] = 8;
    ip[6] = 17;
    ip[7] = 64;
    ip[8] = 0xfd;
    ip[23] = 1;
    ip[24] = 0xfd;
    ip[39] = 2;
    return put_ports(f, off + 40, sport, dport, 8);
}

/* ---- buffers and VLAN push/pop ---- */

static void test_new_reset(void **state)
{
    struct packet *pkt = packet_new();
    assert_non_null(pkt);
    assert_int_equal(pkt->buffer_size, PACKET_HEADROOM + PACKET_DATA_MAX);
    assert_ptr_equal(pkt->data, pkt->buffer + PACKET_HEADROOM);
    assert_int_equal(pkt->len, 0);
    assert_int_equal(packet_tailroom(pkt), PACKET_DATA_MAX);
    pkt->data += 10;
    pkt->len = 100;
    pkt->offload.flags = 1;
    pkt->offload.gso_size = 1448;
    packet_reset(pkt);
    assert_ptr_equal(pkt->data, pkt->buffer + PACKET_HEADROOM);
    assert_int_equal(pkt->len, 0);
    assert_int_equal(pkt->offload.flags, 0);
    assert_int_equal(pkt->offload.gso_size, 0);
    packet_free(pkt);
    packet_free(NULL);
}

static void test_push_pop_round_trip(void **state)
{
    struct packet *pkt = packet_new();
    uint8_t orig[128];
    size_t len = build_tcp4(orig, -1, 1234, 80);
    memcpy(pkt->data, orig, len);
    pkt->len = (uint32_t)len;
    pkt->offload = (struct packet_offload){
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16,
    };

    assert_int_equal(packet_push_vlan(pkt, 0x2064), 0);
    assert_int_equal(pkt->len, len + 4);
    assert_ptr_equal(pkt->data, pkt->buffer + PACKET_HEADROOM - 4);
    assert_memory_equal(pkt->data, orig, 12);
    static const uint8_t tag[4] = { 0x81, 0x00, 0x20, 0x64 };
    assert_memory_equal(pkt->data + 12, tag, 4);
    assert_memory_equal(pkt->data + 16, orig + 12, len - 12);
    assert_int_equal(pkt->offload.csum_start, 38);
    assert_int_equal(pkt->offload.hdr_len, 58);
    assert_int_equal(pkt->offload.csum_offset, 16);
    assert_int_equal(pkt->offload.gso_size, 1448);

    struct packet_headers hdr;
    assert_int_equal(packet_parse(pkt->data, pkt->len, &hdr), 0);
    assert_true(hdr.has_vlan);
    assert_int_equal(hdr.vlan_tci, 0x2064);
    assert_int_equal(hdr.src_port, 1234);

    assert_int_equal(packet_pop_vlan(pkt), 0);
    assert_int_equal(pkt->len, len);
    assert_ptr_equal(pkt->data, pkt->buffer + PACKET_HEADROOM);
    assert_memory_equal(pkt->data, orig, len);
    assert_int_equal(pkt->offload.csum_start, 34);
    assert_int_equal(pkt->offload.hdr_len, 54);

    /* Nothing to pop now. */
    assert_int_equal(packet_pop_vlan(pkt), -EINVAL);
    assert_int_equal(pkt->len, len);
    packet_free(pkt);
}

static void test_push_offload_untouched_without_flags(void **state)
{
    struct packet *pkt = packet_new();
    pkt->len = (uint32_t)build_tcp4(pkt->data, -1, 1, 2);
    /* csum_start/hdr_len only mean something with NEEDS_CSUM / GSO set. */
    pkt->offload.csum_start = 34;
    pkt->offload.hdr_len = 54;
    assert_int_equal(packet_push_vlan(pkt, 10), 0);
    assert_int_equal(pkt->offload.csum_start, 34);
    assert_int_equal(pkt->offload.hdr_len, 54);
    assert_int_equal(packet_pop_vlan(pkt), 0);
    assert_int_equal(pkt->offload.csum_start, 34);

    /* Checksum only, no GSO: hdr_len stays. */
    pkt->offload.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    assert_int_equal(packet_push_vlan(pkt, 10), 0);
    assert_int_equal(pkt->offload.csum_start, 38);
    assert_int_equal(pkt->offload.hdr_len, 54);
    packet_free(pkt);
}

static void test_push_errors(void **state)
{
    struct packet *pkt = packet_new();
    pkt->len = 13;
    assert_int_equal(packet_push_vlan(pkt, 10), -EINVAL);
    pkt->len = 60;
    memset(pkt->data, 0, 60);
    /* Use up the headroom: 64 / 4 = 16 tags fit, the 17th does not. */
    for (int i = 0; i < PACKET_HEADROOM / VLAN_HEADER_LEN; i++) {
        assert_int_equal(packet_push_vlan(pkt, (uint16_t)i), 0);
    }
    assert_int_equal(packet_push_vlan(pkt, 99), -ENOSPC);
    assert_int_equal(pkt->len, 60 + PACKET_HEADROOM);
    packet_free(pkt);
}

static void test_pop_qinq_and_runt(void **state)
{
    struct packet *pkt = packet_new();
    uint8_t f[64];
    size_t len = put_eth(f, 7, ETH_TYPE_IPV4);
    f[12] = 0x88;
    f[13] = 0xa8;   /* 802.1ad outer tag */
    memcpy(pkt->data, f, len);
    pkt->len = (uint32_t)len;
    assert_int_equal(packet_pop_vlan(pkt), 0);
    assert_int_equal(pkt->len, 14);
    assert_int_equal(pkt->data[12], 0x08);

    /* A tag announced but the frame too short for it. */
    packet_reset(pkt);
    memcpy(pkt->data, f, 16);
    pkt->data[12] = 0x81;
    pkt->data[13] = 0x00;
    pkt->len = 17;
    assert_int_equal(packet_pop_vlan(pkt), -EINVAL);
    packet_free(pkt);
}

/* ---- parsing ---- */

static void test_parse_untagged_arp(void **state)
{
    uint8_t f[64] = { 0 };
    size_t len = put_eth(f, -1, ETH_TYPE_ARP) + 28;
    struct packet_headers h;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_ptr_equal(h.dst_mac, f);
    assert_ptr_equal(h.src_mac, f + 6);
    assert_false(h.has_vlan);
    assert_int_equal(h.ethertype, ETH_TYPE_ARP);
    assert_int_equal(h.l3_offset, 14);
    assert_int_equal(h.l4_offset, 0);
    assert_int_equal(h.ip_version, 0);
    assert_int_equal(h.ip_proto, 0);
    assert_int_equal(h.src_port, 0);
}

static void test_parse_tagged_tcp4(void **state)
{
    uint8_t f[128];
    size_t len = build_tcp4(f, 100, 40000, 443);
    struct packet_headers h;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_true(h.has_vlan);
    assert_int_equal(h.vlan_tci & VLAN_VID_MASK, 100);
    assert_int_equal(h.vlan_tci >> 13, 5);
    assert_int_equal(h.ethertype, ETH_TYPE_IPV4);
    assert_int_equal(h.l3_offset, 18);
    assert_int_equal(h.l4_offset, 38);
    assert_int_equal(h.ip_version, 4);
    assert_int_equal(h.ip_proto, 6);
    assert_memory_equal(h.src_ip, IP_A, 4);
    assert_memory_equal(h.dst_ip, IP_B, 4);
    static const uint8_t zero[12];
    assert_memory_equal(h.src_ip + 4, zero, 12);
    assert_int_equal(h.src_port, 40000);
    assert_int_equal(h.dst_port, 443);
}

static void test_parse_udp4_with_options(void **state)
{
    uint8_t f[128];
    size_t off = put_eth(f, -1, ETH_TYPE_IPV4);
    put_ipv4(f, off, 17, 0, IP_A, IP_B, 8);
    f[off] = 0x46;   /* IHL 6: 4 bytes of options */
    memset(f + off + 20, 1, 4);
    size_t len = put_ports(f, off + 24, 53, 5353, 8);
    struct packet_headers h;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ip_proto, 17);
    assert_int_equal(h.l4_offset, 14 + 24);
    assert_int_equal(h.src_port, 53);
    assert_int_equal(h.dst_port, 5353);
}

static void test_parse_ipv4_bad_ihl_and_fragments(void **state)
{
    uint8_t f[128];
    size_t len = build_tcp4(f, -1, 1000, 2000);
    struct packet_headers h;

    /* IHL below 5: not IPv4 we can read; the frame itself is fine. */
    f[14] = 0x44;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ethertype, ETH_TYPE_IPV4);
    assert_int_equal(h.ip_version, 0);
    assert_int_equal(h.src_port, 0);

    /* IHL past the end of the frame. */
    f[14] = 0x4f;
    assert_int_equal(packet_parse(f, 14 + 40, &h), 0);
    assert_int_equal(h.ip_version, 0);

    /* Version field not 4. */
    f[14] = 0x65;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ip_version, 0);

    /* First fragment (MF set, offset 0): ports are there. */
    f[14] = 0x45;
    f[20] = 0x20;
    f[21] = 0x00;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.src_port, 1000);
    assert_int_equal(h.l4_offset, 34);

    /* Later fragment: addresses and protocol, no ports. */
    f[20] = 0x00;
    f[21] = 0xb9;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ip_version, 4);
    assert_int_equal(h.ip_proto, 6);
    assert_memory_equal(h.src_ip, IP_A, 4);
    assert_int_equal(h.l4_offset, 0);
    assert_int_equal(h.src_port, 0);
    assert_int_equal(h.dst_port, 0);
}

static void test_parse_udp6(void **state)
{
    uint8_t f[128];
    size_t len = build_udp6(f, 546, 547);
    struct packet_headers h;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ethertype, ETH_TYPE_IPV6);
    assert_int_equal(h.ip_version, 6);
    assert_int_equal(h.ip_proto, 17);
    assert_int_equal(h.src_ip[0], 0xfd);
    assert_int_equal(h.src_ip[15], 1);
    assert_int_equal(h.dst_ip[0], 0xfd);
    assert_int_equal(h.dst_ip[15], 2);
    assert_int_equal(h.l4_offset, 54);
    assert_int_equal(h.src_port, 546);
    assert_int_equal(h.dst_port, 547);

    /* SCTP and TCP directly after the fixed header too. */
    f[20] = 132;
    memset(f + len, 0, 12);
    assert_int_equal(packet_parse(f, len + 4, &h), 0);
    assert_int_equal(h.src_port, 546);
    assert_int_equal(packet_parse(f, len, &h), 0);   /* 8 bytes: short for SCTP */
    assert_int_equal(h.ip_proto, 132);
    assert_int_equal(h.src_port, 0);

    /* An extension header first (hop-by-hop): addresses only. */
    f[20] = 0;
    assert_int_equal(packet_parse(f, len, &h), 0);
    assert_int_equal(h.ip_version, 6);
    assert_int_equal(h.ip_proto, 0);
    assert_int_equal(h.l4_offset, 0);
    assert_int_equal(h.src_port, 0);
}

static void test_parse_short_frames(void **state)
{
    uint8_t f[128];
    struct packet_headers h;
    assert_int_equal(packet_parse(NULL, 0, &h), -EINVAL);
    build_tcp4(f, -1, 1, 2);
    for (size_t n = 0; n < 14; n++) {
        assert_int_equal(packet_parse(f, n, &h), -EINVAL);
    }
    /* Tag announced but cut: an error, since the ethertype is unknown. */
    build_tcp4(f, 5, 1, 2);
    for (size_t n = 14; n < 18; n++) {
        assert_int_equal(packet_parse(f, n, &h), -EINVAL);
    }
    assert_int_equal(packet_parse(f, 18, &h), 0);
    assert_true(h.has_vlan);
    assert_int_equal(h.ip_version, 0);
}

/* Every prefix of valid frames: each is parsed from a heap copy of exactly
 * that many bytes so ASan catches any read past len. */
static void check_every_truncation(const uint8_t *frame, size_t len, size_t l4_full)
{
    for (size_t n = 0; n <= len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, frame, n);
        struct packet_headers h;
        int err = packet_parse(copy, n, &h);
        if (n < 14) {
            assert_int_equal(err, -EINVAL);
        } else if (err == 0) {
            /* Ports appear only once the whole L4 header is there. */
            if (n < l4_full) {
                assert_int_equal(h.src_port, 0);
                assert_int_equal(h.l4_offset, 0);
            } else {
                assert_int_not_equal(h.src_port, 0);
            }
            (void)packet_flow_hash(&h, 0);
        }
        free(copy);
    }
}

static void test_parse_every_truncation(void **state)
{
    uint8_t f[128];
    size_t len = build_tcp4(f, -1, 7, 8);
    check_every_truncation(f, len, len);
    len = build_tcp4(f, 300, 7, 8);
    check_every_truncation(f, len, len);
    len = build_udp6(f, 7, 8);
    check_every_truncation(f, len, len);
}

/* ---- flow hash ---- */

static uint32_t hash_of(const uint8_t *f, size_t len, uint32_t basis)
{
    struct packet_headers h;
    assert_int_equal(packet_parse(f, len, &h), 0);
    return packet_flow_hash(&h, basis);
}

static void test_flow_hash(void **state)
{
    uint8_t a[128], b[128];
    size_t len = build_tcp4(a, 10, 1000, 80);
    uint32_t h = hash_of(a, len, 0);

    /* Same flow, different payload, TTL, PCP, trailing padding: same hash. */
    memcpy(b, a, len);
    b[26] = 1;          /* TTL */
    b[14] ^= 0xe0;      /* PCP bits of the TCI */
    memset(b + len, 0xaa, 20);
    assert_int_equal(hash_of(b, len + 20, 0), h);
    assert_int_equal(hash_of(a, len, 0), h);

    /* Any field of the flow changes it. */
    size_t n;
    n = build_tcp4(b, 10, 1001, 80);
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, 10, 1000, 81);
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, 11, 1000, 80);
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, -1, 1000, 80);
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, 10, 1000, 80);
    b[37] = 3;          /* destination IP */
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, 10, 1000, 80);
    b[5] = 9;           /* destination MAC */
    assert_int_not_equal(hash_of(b, n, 0), h);
    n = build_tcp4(b, 10, 1000, 80);
    b[27] = 17;         /* protocol (UDP, same ports) */
    assert_int_not_equal(hash_of(b, n, 0), h);

    /* The basis changes it too. */
    assert_int_not_equal(hash_of(a, len, 1), h);

    /* Spread: 256 source ports into 8 buckets, none empty or hoarding. */
    unsigned buckets[8] = { 0 };
    for (unsigned port = 0; port < 256; port++) {
        n = build_tcp4(b, 10, (uint16_t)(40000 + port), 80);
        buckets[hash_of(b, n, 0) % 8]++;
    }
    for (int i = 0; i < 8; i++) {
        assert_in_range(buckets[i], 12, 52);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_reset),
        cmocka_unit_test(test_push_pop_round_trip),
        cmocka_unit_test(test_push_offload_untouched_without_flags),
        cmocka_unit_test(test_push_errors),
        cmocka_unit_test(test_pop_qinq_and_runt),
        cmocka_unit_test(test_parse_untagged_arp),
        cmocka_unit_test(test_parse_tagged_tcp4),
        cmocka_unit_test(test_parse_udp4_with_options),
        cmocka_unit_test(test_parse_ipv4_bad_ihl_and_fragments),
        cmocka_unit_test(test_parse_udp6),
        cmocka_unit_test(test_parse_short_frames),
        cmocka_unit_test(test_parse_every_truncation),
        cmocka_unit_test(test_flow_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
