/* type=vxlan and type=geneve.  On a system bridge (config->kernel) a vxlan
 * port is carried by the kernel's device (tunnel_kernel.h) when it can be,
 * else, as on every netdev bridge, by userspace: open attaches to the shared UDP socket of the
 * tunnel's local address and port; send puts the tunnel header in front of
 * each frame (one iovec, no copy) and hands the batch to sendmmsg; receive
 * is the socket's demultiplexed batch.  Large TCP segments from taps are cut
 * in software before encapsulation and partial checksums completed: the
 * inner frame leaves with nothing left for an offload to do. */
#include "netdev/netdev_tunnel.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "netdev/tunnel_kernel.h"
#include "netdev/tunnel_socket.h"
#include "netdev/vnet_hdr.h"
#include "packet/segment.h"
#include "packet/tunnel_header.h"
#include "util/log.h"

#define TUNNEL_SEGMENTS_MAX 64      /* a 64 KB TCP segment at MSS 1024 */
#define TUNNEL_SEGMENT_SIZE 9216
#define TUNNEL_SEND_BATCH   64

struct tunnel_priv {
    struct tunnel_endpoint *ep;     /* userspace's, or NULL ... */
    struct tunnel_kernel *kernel;   /* ... when the kernel carries it */
    struct tunnel_config config;
    uint8_t header[TUNNEL_HEADER_LEN];
    unsigned inner_mtu;             /* 0: unknown, nothing is checked */
    pthread_mutex_t send_lock;      /* workers may send to one port at once: the scratch */
    struct packet *segments[TUNNEL_SEGMENTS_MAX];   /* made on the first TCP segment */
    struct netdev_stats stats;
    uint64_t too_big;
};

static void stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static int tunnel_open(struct netdev *dev)
{
    const struct tunnel_config *config = dev->open_config;
    if (!config)
        return -EINVAL;   /* reconcile passes the parsed options */
    struct tunnel_priv *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    int err = config->kernel ? tunnel_kernel_open(config, &t->kernel) : -EOPNOTSUPP;
    if (config->kernel && err == -EEXIST) {
        /* The same remote and VNI as another port: refused either way. */
        free(t);
        return -EADDRINUSE;
    }
    if (config->kernel && err)
        log_info("%s: the kernel cannot carry this tunnel (%s): it runs in userspace",
                 dev->name, err == -EOPNOTSUPP ? "no collect-metadata device of its kind"
                                               : strerror(-err));
    if (err)
        err = tunnel_endpoint_open(config, &t->ep);
    if (err) {
        free(t);
        return err;
    }
    t->config = *config;
    if (t->kernel)
        tunnel_listener_ref(config->kind, config->dst_port, 1);
    tunnel_header_write(config->kind, config->out_key, t->header);
    t->inner_mtu = tunnel_probe_mtu(config);
    pthread_mutex_init(&t->send_lock, NULL);
    dev->priv = t;
    dev->n_rxq = 1;
    dev->ifindex = 0;
    return 0;
}

static void tunnel_close(struct netdev *dev)
{
    struct tunnel_priv *t = dev->priv;
    if (!t)
        return;
    if (t->kernel)
        tunnel_listener_ref(t->config.kind, t->config.dst_port, -1);
    tunnel_kernel_close(t->kernel);
    tunnel_endpoint_close(t->ep);
    for (unsigned i = 0; i < TUNNEL_SEGMENTS_MAX; i++)
        packet_free(t->segments[i]);
    pthread_mutex_destroy(&t->send_lock);
    free(t);
    dev->priv = NULL;
}

static int tunnel_rxq_fd(const struct netdev *dev, unsigned rxq)
{
    const struct tunnel_priv *t = dev->priv;
    if (rxq != 0)
        return -1;
    return t->kernel ? tunnel_kernel_fd(t->kernel) : tunnel_endpoint_fd(t->ep);
}

static int tunnel_rxq_recv(struct netdev *dev, unsigned rxq, struct packet **packets,
                           unsigned max)
{
    struct tunnel_priv *t = dev->priv;
    if (rxq != 0)
        return -EINVAL;
    int n = t->kernel ? tunnel_kernel_recv(t->kernel, packets, max)
                      : tunnel_endpoint_recv(t->ep, packets, max);
    if (n > 0) {
        uint64_t bytes = 0;
        for (int i = 0; i < n; i++)
            bytes += packets[i]->len;
        stat_add(&t->stats.rx_packets, (uint64_t)n);
        stat_add(&t->stats.rx_bytes, bytes);
    }
    return n;
}

/* The IP payload a frame carries: what the inner MTU limits. */
static uint32_t frame_payload(const struct packet *pkt, uint32_t len)
{
    uint32_t l2 = ETH_HEADER_LEN;
    if (pkt->len >= ETH_HEADER_LEN + VLAN_HEADER_LEN) {
        uint16_t type = (uint16_t)(pkt->data[12] << 8 | pkt->data[13]);
        if (type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ)
            l2 += VLAN_HEADER_LEN;
    }
    return len > l2 ? len - l2 : 0;
}

static bool make_segments(struct tunnel_priv *t)
{
    for (unsigned i = 0; i < TUNNEL_SEGMENTS_MAX; i++)
        if (!t->segments[i] && !(t->segments[i] = packet_new_sized(TUNNEL_SEGMENT_SIZE)))
            return false;
    return true;
}

/* Under send_lock: sends a large TCP segment as MSS-sized frames.  Returns
 * true if every piece was sent. */
static bool send_segmented(struct tunnel_priv *t, struct packet *pkt)
{
    unsigned mtu = __atomic_load_n(&t->inner_mtu, __ATOMIC_RELAXED);
    if (mtu && frame_payload(pkt, pkt->offload.hdr_len) + pkt->offload.gso_size > mtu) {
        stat_add(&t->too_big, 1);
        return false;
    }
    if (!make_segments(t))
        return false;
    int n = packet_segment_tcp(pkt, t->segments, TUNNEL_SEGMENTS_MAX);
    if (n <= 0)
        return false;
    int sent = tunnel_endpoint_send(t->ep, t->header, sizeof t->header, t->segments,
                                    (unsigned)n);
    return sent == n;
}

/* The kernel's device segments, checksums and checks the size itself. */
static int kernel_send(struct tunnel_priv *t, struct packet *const *packets, unsigned n)
{
    unsigned errors;
    int sent = tunnel_kernel_send(t->kernel, packets, n, &errors);
    uint64_t bytes = 0;
    for (int i = 0; i < sent; i++)
        bytes += packets[i]->len;
    stat_add(&t->stats.tx_packets, (uint64_t)sent);
    stat_add(&t->stats.tx_bytes, bytes);
    if (errors)
        stat_add(&t->stats.tx_dropped, errors);
    return sent;
}

static int tunnel_send(struct netdev *dev, unsigned txq, struct packet *const *packets,
                       unsigned n)
{
    struct tunnel_priv *t = dev->priv;
    if (t->kernel)
        return kernel_send(t, packets, n);
    struct packet *batch[TUNNEL_SEND_BATCH];
    unsigned n_batch = 0, ok = 0;
    uint64_t bytes = 0;

    unsigned mtu = __atomic_load_n(&t->inner_mtu, __ATOMIC_RELAXED);
    pthread_mutex_lock(&t->send_lock);
    for (unsigned i = 0; i < n; i++) {
        struct packet *pkt = packets[i];
        if (pkt->offload.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            if (send_segmented(t, pkt)) {
                ok++;
                bytes += pkt->len;
            }
            continue;
        }
        if (mtu && frame_payload(pkt, pkt->len) > mtu) {
            stat_add(&t->too_big, 1);
            continue;
        }
        /* Nobody after us computes the inner checksum. */
        if ((pkt->offload.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && packet_complete_csum(pkt) < 0)
            continue;
        batch[n_batch++] = pkt;
        bytes += pkt->len;
        if (n_batch == TUNNEL_SEND_BATCH) {
            ok += (unsigned)tunnel_endpoint_send(t->ep, t->header, sizeof t->header, batch,
                                                 n_batch);
            n_batch = 0;
        }
    }
    if (n_batch)
        ok += (unsigned)tunnel_endpoint_send(t->ep, t->header, sizeof t->header, batch,
                                             n_batch);
    pthread_mutex_unlock(&t->send_lock);
    stat_add(&t->stats.tx_packets, ok);
    stat_add(&t->stats.tx_bytes, bytes);
    if (ok < n)
        stat_add(&t->stats.tx_dropped, n - ok);
    return (int)ok;
}

static void tunnel_get_stats(const struct netdev *dev, struct netdev_stats *stats)
{
    const struct tunnel_priv *t = dev->priv;
    struct tunnel_endpoint_stats ep = { 0, 0, 0 };
    if (t->ep)
        tunnel_endpoint_get_stats(t->ep, &ep);
    else
        ep.rx_dropped = tunnel_kernel_rx_dropped(t->kernel);
    stats->rx_packets = __atomic_load_n(&t->stats.rx_packets, __ATOMIC_RELAXED);
    stats->rx_bytes = __atomic_load_n(&t->stats.rx_bytes, __ATOMIC_RELAXED);
    stats->tx_packets = __atomic_load_n(&t->stats.tx_packets, __ATOMIC_RELAXED);
    stats->tx_bytes = __atomic_load_n(&t->stats.tx_bytes, __ATOMIC_RELAXED);
    stats->tx_dropped = __atomic_load_n(&t->stats.tx_dropped, __ATOMIC_RELAXED);
    stats->rx_dropped = ep.rx_dropped;
    stats->rx_errors = ep.rx_errors;
    stats->tx_errors = ep.tx_errors;
}

const struct netdev_class netdev_vxlan_class = {
    .type = "vxlan",
    .open = tunnel_open,
    .close = tunnel_close,
    .rxq_fd = tunnel_rxq_fd,
    .rxq_recv = tunnel_rxq_recv,
    .send = tunnel_send,
    .get_stats = tunnel_get_stats,
};

const struct netdev_class netdev_geneve_class = {
    .type = "geneve",
    .open = tunnel_open,
    .close = tunnel_close,
    .rxq_fd = tunnel_rxq_fd,
    .rxq_recv = tunnel_rxq_recv,
    .send = tunnel_send,
    .get_stats = tunnel_get_stats,
};

static bool is_tunnel(const struct netdev *dev)
{
    return dev && (dev->class == &netdev_vxlan_class || dev->class == &netdev_geneve_class);
}

const struct tunnel_config *netdev_tunnel_config(const struct netdev *dev)
{
    return is_tunnel(dev) ? &((const struct tunnel_priv *)dev->priv)->config : NULL;
}

unsigned netdev_tunnel_inner_mtu(struct netdev *dev)
{
    if (!is_tunnel(dev))
        return 0;
    struct tunnel_priv *t = dev->priv;
    /* Routes change under a running tunnel; the control thread asks again
     * when it writes Interface.mtu, and workers read the new value. */
    unsigned mtu = tunnel_probe_mtu(&t->config);
    __atomic_store_n(&t->inner_mtu, mtu, __ATOMIC_RELAXED);
    return mtu;
}

unsigned netdev_tunnel_last_inner_mtu(const struct netdev *dev)
{
    if (!is_tunnel(dev))
        return 0;
    return __atomic_load_n(&((const struct tunnel_priv *)dev->priv)->inner_mtu, __ATOMIC_RELAXED);
}

uint64_t netdev_tunnel_too_big(const struct netdev *dev)
{
    if (!is_tunnel(dev))
        return 0;
    return __atomic_load_n(&((const struct tunnel_priv *)dev->priv)->too_big, __ATOMIC_RELAXED);
}

unsigned netdev_tunnel_listener_number(const struct netdev *dev)
{
    const struct tunnel_priv *t = netdev_tunnel_config(dev) ? dev->priv : NULL;
    if (!t)
        return 0;
    return t->kernel ? tunnel_listener_ref(t->config.kind, t->config.dst_port, 0)
                     : tunnel_endpoint_listener_number(t->ep);
}

bool netdev_tunnel_kernel_info(const struct netdev *dev, struct tunnel_kernel_info *info)
{
    const struct tunnel_priv *t = netdev_tunnel_config(dev) ? dev->priv : NULL;
    if (!t || !t->kernel)
        return false;
    tunnel_kernel_get_info(t->kernel, info);
    return true;
}
