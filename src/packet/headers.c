/* Header parsing and the flow hash.  Every read is checked against len: the
 * frame comes from outside (guests, the wire) and may be anything. */
#include "packet/headers.h"

#include <errno.h>
#include <string.h>

#include "packet/packet.h"

#define IPV4_HEADER_MIN   20
#define IPV6_HEADER_LEN   40
#define IPV4_FRAG_OFFSET  0x1fff
#define IP_PROTO_TCP      6
#define IP_PROTO_UDP      17
#define IP_PROTO_SCTP     132

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Smallest header of each L4 protocol that carries its ports; 0 for the
 * protocols whose ports we do not read. */
static size_t l4_header_min(uint8_t proto)
{
    switch (proto) {
    case IP_PROTO_TCP:  return 20;
    case IP_PROTO_UDP:  return 8;
    case IP_PROTO_SCTP: return 12;
    default:            return 0;
    }
}

/* All three protocols put source and destination port in their first 4 bytes. */
static void parse_l4(const uint8_t *frame, size_t len, size_t offset,
                     struct packet_headers *out)
{
    size_t need = l4_header_min(out->ip_proto);
    if (!need || offset > len || len - offset < need) {
        return;
    }
    out->l4_offset = (uint16_t)offset;
    out->src_port = get_be16(frame + offset);
    out->dst_port = get_be16(frame + offset + 2);
}

static void parse_ipv4(const uint8_t *frame, size_t len, struct packet_headers *out)
{
    size_t l3 = out->l3_offset;
    if (len - l3 < IPV4_HEADER_MIN) {
        return;
    }
    const uint8_t *ip = frame + l3;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ip[0] >> 4 != 4 || ihl < IPV4_HEADER_MIN || len - l3 < ihl) {
        return;
    }
    out->ip_version = 4;
    out->ip_proto = ip[9];
    memcpy(out->src_ip, ip + 12, 4);
    memcpy(out->dst_ip, ip + 16, 4);
    /* Later fragments carry no L4 header; their first bytes are payload. */
    if (get_be16(ip + 6) & IPV4_FRAG_OFFSET) {
        return;
    }
    parse_l4(frame, len, l3 + ihl, out);
}

/* Only the fixed header: a flow whose L4 header hides behind extension
 * headers hashes on its addresses alone, which keeps it on one path still. */
static void parse_ipv6(const uint8_t *frame, size_t len, struct packet_headers *out)
{
    size_t l3 = out->l3_offset;
    if (len - l3 < IPV6_HEADER_LEN) {
        return;
    }
    const uint8_t *ip = frame + l3;
    if (ip[0] >> 4 != 6) {
        return;
    }
    out->ip_version = 6;
    out->ip_proto = ip[6];
    memcpy(out->src_ip, ip + 8, 16);
    memcpy(out->dst_ip, ip + 24, 16);
    parse_l4(frame, len, l3 + IPV6_HEADER_LEN, out);
}

int packet_parse(const uint8_t *frame, size_t len, struct packet_headers *out)
{
    memset(out, 0, sizeof *out);
    if (!frame || len < ETH_HEADER_LEN) {
        return -EINVAL;
    }
    out->dst_mac = frame;
    out->src_mac = frame + ETH_ADDR_LEN;
    size_t offset = 2 * ETH_ADDR_LEN;
    uint16_t type = get_be16(frame + offset);
    if (type == ETH_TYPE_VLAN) {
        if (len < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
            return -EINVAL;
        }
        out->has_vlan = true;
        out->vlan_tci = get_be16(frame + offset + 2);
        offset += VLAN_HEADER_LEN;
        type = get_be16(frame + offset);
    }
    out->ethertype = type;
    out->l3_offset = (uint16_t)(offset + 2);

    /* Offsets are uint16_t: beyond 64 KiB we keep the L2 view only. */
    if (len > UINT16_MAX) {
        return 0;
    }
    if (type == ETH_TYPE_IPV4) {
        parse_ipv4(frame, len, out);
    } else if (type == ETH_TYPE_IPV6) {
        parse_ipv6(frame, len, out);
    }
    return 0;
}

/* MurmurHash3 (x86_32) building blocks. */
static uint32_t rotl32(uint32_t x, int r)
{
    return x << r | x >> (32 - r);
}

static uint32_t hash_add(uint32_t hash, uint32_t data)
{
    data *= 0xcc9e2d51;
    data = rotl32(data, 15);
    data *= 0x1b873593;
    hash ^= data;
    hash = rotl32(hash, 13);
    return hash * 5 + 0xe6546b64;
}

static uint32_t hash_finish(uint32_t hash, uint32_t n_bytes)
{
    hash ^= n_bytes;
    hash ^= hash >> 16;
    hash *= 0x85ebca6b;
    hash ^= hash >> 13;
    hash *= 0xc2b2ae35;
    hash ^= hash >> 16;
    return hash;
}

static uint32_t get_word(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

uint32_t packet_flow_hash(const struct packet_headers *hdr, uint32_t basis)
{
    uint32_t hash = basis;
    uint32_t n = 0;
    /* PCP and DEI are left out: a flow changing priority is the same flow. */
    uint32_t vid = hdr->has_vlan ? (hdr->vlan_tci & VLAN_VID_MASK) : 0;
    if (hdr->dst_mac && hdr->src_mac) {
        const uint8_t *d = hdr->dst_mac, *s = hdr->src_mac;
        hash = hash_add(hash, get_word(d));
        hash = hash_add(hash, (uint32_t)(d[4] | d[5] << 8 | s[0] << 16) | (uint32_t)s[1] << 24);
        hash = hash_add(hash, get_word(s + 2));
        n += 12;
    }
    hash = hash_add(hash, vid << 16 | hdr->ethertype);
    n += 4;
    if (hdr->ip_version) {
        size_t words = hdr->ip_version == 4 ? 1 : 4;
        for (size_t i = 0; i < words; i++) {
            hash = hash_add(hash, get_word(hdr->src_ip + 4 * i));
            hash = hash_add(hash, get_word(hdr->dst_ip + 4 * i));
        }
        hash = hash_add(hash, hdr->ip_proto);
        hash = hash_add(hash, (uint32_t)hdr->src_port << 16 | hdr->dst_port);
        n += (uint32_t)(8 * words + 8);
    }
    return hash_finish(hash, n);
}
