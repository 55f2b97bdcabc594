/* type=system: an existing kernel netdev (veth end, NIC, a tap QEMU made)
 * reached through AF_PACKET raw sockets, one per rx queue.
 *
 * PACKET_VNET_HDR lets large TCP segments (GSO) and partial checksums cross
 * unchanged in both directions; PACKET_AUXDATA gives back the 802.1Q tag the
 * kernel strips on receive, which we put back so the switching layer sees
 * the frame as it was on the wire.
 *
 * Receive rings.  A ring (packet_ring.c) costs no system call per frame but
 * 2 MiB per queue, so an idle port keeps none:
 * - several rx queues: hash fanout (one flow, one queue, in order), each
 *   queue with its ring from the start;
 * - one rx queue: recvmmsg on a socket alone in a CBPF fanout group, until
 *   the queue first has a full batch waiting.  Then a helper thread opens a
 *   second socket with a ring in the same group (allocating the ring takes
 *   milliseconds the worker should not wait), and the worker points the
 *   group's program at it: from that frame on the kernel delivers to the
 *   new socket only, so none is lost or doubled.  The old socket is drained
 *   first (its frames are older), then rxq_fd() changes to the new one. */
#include "netdev/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netdev/afpacket_socket.h"
#include "netdev/packet_ring.h"
#include "netdev/vnet_hdr.h"

/* After the hand-over the old socket is read once more this much later: a
 * frame the kernel was delivering on another CPU while the program changed
 * may still have reached it. */
#define LATE_FRAME_CHECK_NS 50000000ull

#define PREPARING INT_MIN           /* prepared_fd while the helper works (-EPERM is -1) */
#define RETIRED_FILTERS 8           /* replaced filter fds kept open until close */

struct system_priv;

enum rxq_mode {
    RXQ_RECVMMSG,                   /* no ring (yet) */
    RXQ_DRAINING,                   /* frames go to ring_fd; fd still holds older ones */
    RXQ_RING,
};

struct system_rxq {
    struct system_priv *priv;
    int fd;                         /* rxq_fd(): polled */
    enum rxq_mode mode;             /* written by the worker that polls the queue */
    struct packet_ring ring;
    int ring_fd;                    /* the socket with the ring, or -1 */
    int old_fd;                     /* the ring-less socket once drained, or -1 */
    uint64_t late_check_at;         /* when to read old_fd once more; 0: done */

    /* The helper thread that opens the ring's socket. */
    bool preparing;                 /* started (joined at close) */
    pthread_t helper;
    int prepared_fd;                /* PREPARING, then the fd or -errno (release) */
    struct packet_ring prepared_ring;
};

struct system_priv {
    struct netdev_stats stats;      /* rx_dropped also gathers the kernel's tp_drops */
    int ifindex;
    int fanout;                     /* PACKET_FANOUT argument, 0 if none */
    int tx_fd;                      /* sends; in no epoll set */
    bool can_hand_over;             /* a single queue in a CBPF fanout group */
    /* The kernel switch's socket filter on every rx socket (a dup), or -1.
     * A helper may be opening a socket with it when it is replaced, so a
     * replaced one stays open until the port closes. */
    int filter_fd;
    int retired_filters[RETIRED_FILTERS];
    unsigned n_retired;
    unsigned n_fds;
    struct system_rxq rxqs[];       /* one per rx queue */
};

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *prepare_ring_socket(void *arg)
{
    struct system_rxq *q = arg;
    struct packet_ring ring = { 0 };
    int fd = afpacket_socket_open(q->priv->ifindex, q->priv->fanout, &ring,
                                  __atomic_load_n(&q->priv->filter_fd, __ATOMIC_ACQUIRE));
    q->prepared_ring = ring;
    __atomic_store_n(&q->prepared_fd, fd, __ATOMIC_RELEASE);
    return NULL;
}

/* The worker's side of the hand-over, once the helper is done: point the
 * group at the new socket (member 1: it joined second). */
static void switch_to_prepared(struct system_rxq *q)
{
    int fd = __atomic_load_n(&q->prepared_fd, __ATOMIC_ACQUIRE);
    if (fd == PREPARING)
        return;
    pthread_join(q->helper, NULL);
    q->preparing = false;
    q->prepared_fd = PREPARING;
    if (fd < 0)
        return;                     /* no ring then: recvmmsg it stays */
    /* The filter may have changed while the helper opened the socket. */
    if (afpacket_set_filter(fd, __atomic_load_n(&q->priv->filter_fd, __ATOMIC_ACQUIRE)) < 0 ||
        afpacket_fanout_select(fd, 1) < 0) {
        packet_ring_detach(&q->prepared_ring);
        close(fd);
        return;
    }
    q->ring = q->prepared_ring;
    q->ring_fd = fd;
    __atomic_store_n(&q->mode, RXQ_DRAINING, __ATOMIC_RELAXED);
}

static void system_close(struct netdev *dev)
{
    struct system_priv *p = dev->priv;
    if (!p)
        return;
    for (unsigned i = 0; i < p->n_fds; i++) {
        struct system_rxq *q = &p->rxqs[i];
        if (q->preparing) {
            pthread_join(q->helper, NULL);
            if (q->prepared_fd >= 0) {
                packet_ring_detach(&q->prepared_ring);
                close(q->prepared_fd);
            }
        }
        packet_ring_detach(&q->ring);
        if (q->ring_fd >= 0 && q->ring_fd != q->fd)
            close(q->ring_fd);      /* closed while draining */
        if (q->fd >= 0)
            close(q->fd);
        if (q->old_fd >= 0)
            close(q->old_fd);
    }
    if (p->tx_fd >= 0)
        close(p->tx_fd);
    if (p->filter_fd >= 0)
        close(p->filter_fd);
    for (unsigned i = 0; i < p->n_retired; i++)
        close(p->retired_filters[i]);
    free(p);
    dev->priv = NULL;
}

static int system_set_rx_filter(struct netdev *dev, int prog_fd)
{
    struct system_priv *p = dev->priv;
    int fd = -1;
    if (prog_fd >= 0 && (fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return -errno;
    int old = p->filter_fd;
    __atomic_store_n(&p->filter_fd, fd, __ATOMIC_RELEASE);
    if (old >= 0) {
        if (p->n_retired == RETIRED_FILTERS) {
            close(p->retired_filters[0]);
            memmove(p->retired_filters, p->retired_filters + 1,
                    (RETIRED_FILTERS - 1) * sizeof p->retired_filters[0]);
            p->n_retired--;
        }
        p->retired_filters[p->n_retired++] = old;
    }
    int err = 0;
    for (unsigned i = 0; i < p->n_fds; i++) {
        struct system_rxq *q = &p->rxqs[i];
        int fds[3] = { __atomic_load_n(&q->fd, __ATOMIC_ACQUIRE),
                       __atomic_load_n(&q->ring_fd, __ATOMIC_ACQUIRE),
                       __atomic_load_n(&q->old_fd, __ATOMIC_ACQUIRE) };
        for (int f = 0; f < 3; f++) {
            int r = fds[f] >= 0 ? afpacket_set_filter(fds[f], fd) : 0;
            if (r && !err)
                err = r;
        }
    }
    return err;
}

static int system_open(struct netdev *dev)
{
    int ifindex = netdev_ifindex_by_name(dev->name);
    if (ifindex < 0)
        return -ENODEV;

    struct system_priv *p = calloc(1, sizeof *p + dev->n_rxq * sizeof p->rxqs[0]);
    if (!p)
        return -ENOMEM;
    p->n_fds = dev->n_rxq;
    p->tx_fd = -1;
    p->filter_fd = -1;
    for (unsigned i = 0; i < p->n_fds; i++) {
        struct system_rxq *q = &p->rxqs[i];
        q->priv = p;
        q->fd = q->ring_fd = q->old_fd = -1;
        q->prepared_fd = PREPARING;
    }
    dev->priv = p;

    int err = netdev_set_up(dev->name, true);
    if (err)
        goto fail;
    if (netdev_get_mac(dev->name, dev->mac) < 0)
        memset(dev->mac, 0, sizeof dev->mac);   /* not every device has one */

    /* The first socket asks the kernel for a fanout id no group uses (the
     * port's previous sockets may still be open while a reconfiguration
     * opens the new ones); the others join that group. */
    p->ifindex = ifindex;
    bool multi = p->n_fds > 1;
    int mode = (multi ? PACKET_FANOUT_HASH : PACKET_FANOUT_CBPF) << 16;
    p->fanout = mode | PACKET_FANOUT_FLAG_UNIQUEID << 16;
    for (unsigned i = 0; i < p->n_fds; i++) {
        struct system_rxq *q = &p->rxqs[i];
        int fd = afpacket_socket_open(ifindex, p->fanout, multi ? &q->ring : NULL, -1);
        if (fd < 0 && multi && i == 0) {
            multi = false;      /* no ring (memory?): every queue reads with recvmmsg */
            fd = afpacket_socket_open(ifindex, p->fanout, NULL, -1);
        }
        if (fd < 0 && p->n_fds == 1) {
            p->fanout = 0;      /* no CBPF fanout (old kernel): never a ring */
            fd = afpacket_socket_open(ifindex, 0, NULL, -1);
        }
        if (fd < 0) {
            err = fd;
            goto fail;
        }
        q->fd = fd;
        q->ring_fd = q->ring.map ? fd : -1;
        q->mode = q->ring.map ? RXQ_RING : RXQ_RECVMMSG;
        if (i == 0 && p->fanout) {
            int id = afpacket_fanout_id(fd);
            if (id < 0) {
                err = id;
                goto fail;
            }
            p->fanout = mode | id;
        }
    }
    p->tx_fd = afpacket_tx_socket_open(ifindex);
    if (p->tx_fd < 0) {
        err = p->tx_fd;
        goto fail;
    }
    p->can_hand_over = p->n_fds == 1 && p->fanout;
    dev->ifindex = ifindex;
    dev->n_txq = 1;
    return 0;

fail:
    system_close(dev);
    return err;
}

static int system_rxq_fd(const struct netdev *dev, unsigned rxq)
{
    const struct system_priv *p = dev->priv;
    return rxq < p->n_fds ? __atomic_load_n(&p->rxqs[rxq].fd, __ATOMIC_ACQUIRE) : -1;
}

static int recv_from_ring(struct system_priv *p, struct system_rxq *q, struct packet **packets,
                          unsigned max)
{
    unsigned errors = 0;
    unsigned n = packet_ring_recv(&q->ring, q->ring_fd, packets, max, &errors);
    uint64_t bytes = 0;
    for (unsigned i = 0; i < n; i++)
        bytes += packets[i]->len;
    netdev_stats_count_rx(&p->stats, n, bytes, errors);
    return (int)n;
}

/* RXQ_DRAINING: the old socket's frames, until it has none left (it gets no
 * new ones); then the ring's socket becomes the polled one. */
static int recv_draining(struct system_priv *p, struct system_rxq *q, struct packet **packets,
                         unsigned max)
{
    bool backlog = false;
    int n = afpacket_recv_queued(q->fd, packets, max, &p->stats, &backlog);
    if (n < 0 && n != -EAGAIN)
        return n;
    /* A full batch may have been the last: the caller may not call again
     * while this fd polls empty, so look. */
    int queued = 0;
    if (backlog && ioctl(q->fd, SIOCINQ, &queued) == 0 && queued == 0)
        backlog = false;
    if (!backlog) {
        __atomic_store_n(&q->old_fd, q->fd, __ATOMIC_RELAXED);
        __atomic_store_n(&q->fd, q->ring_fd, __ATOMIC_RELEASE);
        __atomic_store_n(&q->mode, RXQ_RING, __ATOMIC_RELAXED);
        q->late_check_at = monotonic_ns() + LATE_FRAME_CHECK_NS;
    }
    return n > 0 ? n : 0;
}

static int system_rxq_recv(struct netdev *dev, unsigned rxq, struct packet **packets, unsigned max)
{
    struct system_priv *p = dev->priv;
    if (rxq >= p->n_fds)
        return -EINVAL;
    if (max > PACKET_BATCH_MAX)
        max = PACKET_BATCH_MAX;
    if (!max)
        return 0;
    struct system_rxq *q = &p->rxqs[rxq];
    if (q->preparing)
        switch_to_prepared(q);

    int n;
    bool backlog = false;
    switch (q->mode) {
    case RXQ_RECVMMSG:
        n = afpacket_recv_queued(q->fd, packets, max, &p->stats, &backlog);
        /* Busy enough to queue a full batch: worth a ring. */
        if (backlog && p->can_hand_over && !q->preparing) {
            p->can_hand_over = false;       /* one try */
            q->preparing = pthread_create(&q->helper, NULL, prepare_ring_socket, q) == 0;
        }
        break;
    case RXQ_DRAINING:
        n = recv_draining(p, q, packets, max);
        break;
    default:
        if (q->late_check_at && monotonic_ns() >= q->late_check_at) {
            q->late_check_at = 0;
            n = afpacket_recv_queued(q->old_fd, packets, max, &p->stats, &backlog);
            if (n > 0)
                return n;
        }
        n = recv_from_ring(p, q, packets, max);
        break;
    }
    if (n == -EAGAIN)
        return 0;
    return n;       /* < 0: ENETDOWN, ENXIO...: the link monitor takes it from here */
}

static int system_send(struct netdev *dev, unsigned txq, struct packet *const *packets, unsigned n)
{
    struct system_priv *p = dev->priv;
    int fd = p->tx_fd;
    unsigned sent = 0, dropped = 0, errors = 0, i = 0;
    uint64_t bytes = 0;
    int hard_error = 0;

    while (i < n) {
        struct mmsghdr msgs[PACKET_BATCH_MAX];
        struct iovec iovs[PACKET_BATCH_MAX][2];
        struct virtio_net_hdr vnet[PACKET_BATCH_MAX];
        unsigned chunk = n - i < PACKET_BATCH_MAX ? n - i : PACKET_BATCH_MAX;
        vnet_hdr_fill_msgs(packets + i, chunk, msgs, iovs, vnet);
        int r = sendmmsg(fd, msgs, chunk, MSG_DONTWAIT);
        if (r > 0) {
            for (int j = 0; j < r; j++)
                bytes += packets[i + j]->len;
            sent += r;
            i += r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            dropped += n - i;       /* the queue is full: the rest would fail too */
            break;
        }
        if (r < 0 && (errno == ENETDOWN || errno == ENXIO || errno == ENODEV)) {
            hard_error = -errno;    /* the device is down or gone */
            dropped += n - i;
            break;
        }
        errors++;                   /* this one frame is bad (EMSGSIZE, EINVAL): skip it */
        i++;
    }

    netdev_stats_count_tx(&p->stats, sent, bytes, dropped, errors);
    return sent || !hard_error ? (int)sent : hard_error;
}

static void system_get_stats(const struct netdev *dev, struct netdev_stats *stats)
{
    struct system_priv *p = dev->priv;
    /* The kernel's queue-full drops; reading PACKET_STATISTICS resets them.
     * The fds are loaded once: the worker may move a queue to its ring. */
    for (unsigned i = 0; i < p->n_fds; i++) {
        int fds[2] = { __atomic_load_n(&p->rxqs[i].fd, __ATOMIC_ACQUIRE),
                       __atomic_load_n(&p->rxqs[i].old_fd, __ATOMIC_RELAXED) };
        for (int f = 0; f < 2; f++) {
            struct tpacket_stats st;
            socklen_t len = sizeof st;
            if (fds[f] >= 0 && getsockopt(fds[f], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0
                && st.tp_drops)
                netdev_stat_add(&p->stats.rx_dropped, st.tp_drops);
        }
    }
    netdev_stats_read(&p->stats, stats);
}

static unsigned system_rx_rings(const struct netdev *dev)
{
    const struct system_priv *p = dev->priv;
    unsigned n = 0;
    for (unsigned i = 0; p && i < p->n_fds; i++)
        n += __atomic_load_n(&p->rxqs[i].mode, __ATOMIC_RELAXED) != RXQ_RECVMMSG;
    return n;
}

const struct netdev_class netdev_system_class = {
    .type = "system",
    .open = system_open,
    .close = system_close,
    .rxq_fd = system_rxq_fd,
    .rxq_recv = system_rxq_recv,
    .send = system_send,
    .get_stats = system_get_stats,
    .rx_rings = system_rx_rings,
    .set_rx_filter = system_set_rx_filter,
};
