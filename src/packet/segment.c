#include "packet/segment.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "packet/headers.h"

static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int packet_complete_csum(struct packet *pkt)
{
    struct packet_offload *o = &pkt->offload;
    if (!(o->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
        return 0;
    if ((uint32_t)o->csum_start + o->csum_offset + 2 > pkt->len)
        return -EINVAL;
    /* The stack seeded the field with the pseudo-header sum: include it. */
    uint16_t csum = fold(sum_bytes(pkt->data + o->csum_start, pkt->len - o->csum_start, 0));
    if (csum == 0 && o->csum_offset == 6)
        csum = 0xffff;   /* UDP: zero would mean "no checksum" */
    put16(pkt->data + o->csum_start + o->csum_offset, csum);
    o->flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
    return 0;
}

int packet_segment_tcp(const struct packet *pkt, struct packet *const *segs, unsigned max)
{
    const struct packet_offload *o = &pkt->offload;
    uint8_t type = o->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
        return -EINVAL;
    struct packet_headers hdr;
    if (packet_parse(pkt->data, pkt->len, &hdr) < 0 || hdr.ip_proto != 6 || !hdr.l4_offset)
        return -EINVAL;
    size_t l3 = hdr.l3_offset, l4 = hdr.l4_offset;
    if (l4 + 20 > pkt->len)
        return -EINVAL;
    size_t tcp_len = (size_t)(pkt->data[l4 + 12] >> 4) * 4;
    size_t headers = l4 + tcp_len;
    size_t mss = o->gso_size;
    if (tcp_len < 20 || headers > pkt->len || mss == 0)
        return -EINVAL;
    size_t payload = pkt->len - headers;
    size_t n = payload ? (payload + mss - 1) / mss : 1;
    if (n > max)
        return -ENOSPC;

    const uint8_t *tcp0 = pkt->data + l4;
    uint32_t seq = (uint32_t)tcp0[4] << 24 | (uint32_t)tcp0[5] << 16 | (uint32_t)tcp0[6] << 8 |
                   tcp0[7];
    uint8_t flags = tcp0[13];
    uint16_t ip_id = hdr.ip_version == 4 ? get16(pkt->data + l3 + 4) : 0;
    for (size_t i = 0; i < n; i++) {
        struct packet *seg = segs[i];
        size_t off = i * mss;
        size_t len = payload - off < mss ? payload - off : mss;
        packet_reset(seg);
        if (headers + len > packet_tailroom(seg))
            return -ENOSPC;
        memcpy(seg->data, pkt->data, headers);
        memcpy(seg->data + headers, pkt->data + headers + off, len);
        seg->len = (uint32_t)(headers + len);
        uint8_t *ip = seg->data + l3, *tcp = seg->data + l4;
        uint32_t s = seq + (uint32_t)off;
        tcp[4] = (uint8_t)(s >> 24);
        tcp[5] = (uint8_t)(s >> 16);
        tcp[6] = (uint8_t)(s >> 8);
        tcp[7] = (uint8_t)s;
        uint8_t f = flags;
        if (i + 1 < n)
            f &= (uint8_t)~0x09;   /* FIN and PSH only on the last segment */
        if (i > 0)
            f &= (uint8_t)~0x80;   /* CWR only on the first */
        tcp[13] = f;
        size_t l4_len = tcp_len + len;
        uint32_t pseudo;
        if (hdr.ip_version == 4) {
            put16(ip + 2, (uint16_t)(l4 - l3 + l4_len));
            put16(ip + 4, (uint16_t)(ip_id + i));
            put16(ip + 10, 0);
            put16(ip + 10, fold(sum_bytes(ip, (size_t)(ip[0] & 0x0f) * 4, 0)));
            pseudo = sum_bytes(ip + 12, 8, 0) + 6 + (uint32_t)l4_len;
        } else {
            put16(ip + 4, (uint16_t)(l4 - l3 - 40 + l4_len));
            pseudo = sum_bytes(ip + 8, 32, 0) + 6 + (uint32_t)l4_len;
        }
        put16(tcp + 16, 0);
        put16(tcp + 16, fold(sum_bytes(tcp, l4_len, pseudo)));
        memset(&seg->offload, 0, sizeof seg->offload);
    }
    return (int)n;
}
