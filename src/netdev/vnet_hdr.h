/* Private to the netdev classes: struct virtio_net_hdr <-> struct
 * packet_offload for the classes whose kernel side speaks virtio_net_hdr
 * (AF_PACKET with PACKET_VNET_HDR, taps with IFF_VNET_HDR), and the counter
 * helpers they share.  Both use native byte order on this host: neither
 * socket is switched to little-endian mode (TUNSETVNETLE). */
#ifndef PONTOON_NETDEV_VNET_HDR_H
#define PONTOON_NETDEV_VNET_HDR_H

#include <linux/virtio_net.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "netdev/netdev.h"
#include "packet/packet.h"

#define VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))   /* 10 */

static inline void vnet_hdr_to_offload(const struct virtio_net_hdr *h,
                                       struct packet_offload *o)
{
    o->flags = h->flags;
    o->gso_type = h->gso_type;
    o->hdr_len = h->hdr_len;
    o->gso_size = h->gso_size;
    o->csum_start = h->csum_start;
    o->csum_offset = h->csum_offset;
}

static inline void vnet_hdr_from_offload(const struct packet_offload *o,
                                         struct virtio_net_hdr *h)
{
    h->flags = o->flags;
    h->gso_type = o->gso_type;
    h->hdr_len = o->hdr_len;
    h->gso_size = o->gso_size;
    h->csum_start = o->csum_start;
    h->csum_offset = o->csum_offset;
}

/* Fills msgs[0..n) for sendmmsg on an AF_PACKET socket with
 * PACKET_VNET_HDR: each packet behind its virtio-net header (vnet[j], which
 * must live until the send), no copy. */
static inline void vnet_hdr_fill_msgs(struct packet *const *packets, unsigned n,
                                      struct mmsghdr *msgs, struct iovec (*iovs)[2],
                                      struct virtio_net_hdr *vnet)
{
    for (unsigned j = 0; j < n; j++) {
        const struct packet *pkt = packets[j];
        vnet_hdr_from_offload(&pkt->offload, &vnet[j]);
        iovs[j][0] = (struct iovec){ &vnet[j], sizeof vnet[j] };
        iovs[j][1] = (struct iovec){ pkt->data, pkt->len };
        msgs[j].msg_hdr = (struct msghdr){ .msg_iov = iovs[j], .msg_iovlen = 2 };
        msgs[j].msg_len = 0;
    }
}

/* Counters updated by several datapath threads at once (one per rx queue,
 * any of them sending): relaxed atomics, read one by one by get_stats. */
static inline void netdev_stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* What one send did, added to the tx counters in one go. */
static inline void netdev_stats_count_tx(struct netdev_stats *stats, uint64_t sent,
                                         uint64_t bytes, uint64_t dropped, uint64_t errors)
{
    if (sent) {
        netdev_stat_add(&stats->tx_packets, sent);
        netdev_stat_add(&stats->tx_bytes, bytes);
    }
    if (dropped)
        netdev_stat_add(&stats->tx_dropped, dropped);
    if (errors)
        netdev_stat_add(&stats->tx_errors, errors);
}

/* What one receive did, added to the rx counters in one go. */
static inline void netdev_stats_count_rx(struct netdev_stats *stats, uint64_t received,
                                         uint64_t bytes, uint64_t errors)
{
    if (received) {
        netdev_stat_add(&stats->rx_packets, received);
        netdev_stat_add(&stats->rx_bytes, bytes);
    }
    if (errors)
        netdev_stat_add(&stats->rx_errors, errors);
}

static inline void netdev_stats_read(const struct netdev_stats *src, struct netdev_stats *dst)
{
    dst->rx_packets = __atomic_load_n(&src->rx_packets, __ATOMIC_RELAXED);
    dst->rx_bytes = __atomic_load_n(&src->rx_bytes, __ATOMIC_RELAXED);
    dst->rx_dropped = __atomic_load_n(&src->rx_dropped, __ATOMIC_RELAXED);
    dst->rx_errors = __atomic_load_n(&src->rx_errors, __ATOMIC_RELAXED);
    dst->tx_packets = __atomic_load_n(&src->tx_packets, __ATOMIC_RELAXED);
    dst->tx_bytes = __atomic_load_n(&src->tx_bytes, __ATOMIC_RELAXED);
    dst->tx_dropped = __atomic_load_n(&src->tx_dropped, __ATOMIC_RELAXED);
    dst->tx_errors = __atomic_load_n(&src->tx_errors, __ATOMIC_RELAXED);
}

#endif
