/* type=system: an existing kernel netdev (veth end, NIC, a tap QEMU made)
 * reached through AF_PACKET raw sockets, one per rx queue.
 *
 * PACKET_VNET_HDR lets large TCP segments (GSO) and partial checksums cross
 * unchanged in both directions; PACKET_AUXDATA gives back the 802.1Q tag the
 * kernel strips on receive, which we put back so the switching layer sees
 * the frame as it was on the wire.
 *
 * A queue reads its socket with recvmmsg until it first has a backlog (a
 * full batch waiting); from then on through a receive ring, which costs no
 * system call per frame (packet_ring.c).  Idle ports keep no ring, so 64 of
 * them cost little memory.  Multi-queue (fanout) sockets get their rings at
 * open: attaching later would reorder the fanout group and move flows. */
#include "netdev/netdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev/packet_ring.h"
#include "netdev/vnet_hdr.h"

#define SYSTEM_SOCKET_BUFFER (4 * 1024 * 1024)

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000   /* Linux 6.8; older headers lack it */
#endif

enum rxq_mode {
    RXQ_RECVMMSG,                   /* no ring yet */
    RXQ_DRAINING,                   /* handed over to a ring; the old socket is read first */
    RXQ_RING,
};

struct system_rxq {
    int fd;                         /* read now; rxqs[0].fd also sends (other threads load it) */
    int old_fd;                     /* the ring-less socket after a hand-over, or -1 */
    enum rxq_mode mode;             /* written by the worker that polls the queue */
    bool want_ring;                 /* a backlog was seen: hand over at the next receive */
    struct packet_ring ring;
};

struct system_priv {
    struct netdev_stats stats;      /* rx_dropped also gathers the kernel's tp_drops */
    int ifindex;
    int fanout;                     /* PACKET_FANOUT argument, 0 if none */
    bool can_hand_over;             /* the single queue's socket is in a CBPF fanout group */
    unsigned n_fds;
    struct system_rxq rxqs[];       /* one per rx queue */
};

static void set_buffer(int fd, int force_opt, int opt)
{
    int size = SYSTEM_SOCKET_BUFFER;
    /* FORCE needs CAP_NET_ADMIN; otherwise take what rmem_max/wmem_max allow. */
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

/* Joins the fanout group; without the flag that keeps our own transmissions
 * out of it when the kernel is older than 6.8 (receive drops them anyway). */
static int join_fanout(int fd, int fanout)
{
    int arg = fanout | PACKET_FANOUT_FLAG_IGNORE_OUTGOING << 16;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return 0;
    if (errno != EINVAL)
        return -errno;
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout) < 0 ? -errno : 0;
}

/* Opens one rx queue's socket: with a receive ring if `ring` is given, in
 * the fanout group `fanout` unless it is 0.  Returns the fd or a negative errno. */
static int system_socket_open(int ifindex, int fanout, struct packet_ring *ring)
{
    /* Protocol 0 until bind(): nothing is queued before the options are set. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;

    int one = 1, err;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
        goto fail_errno;
    /* Not fatal: receive also drops PACKET_OUTGOING frames by their address. */
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    if (ring && (err = packet_ring_attach(ring, fd)) != 0)
        goto fail;

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = ifindex,
    };
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
        goto fail_errno;

    /* A switch port sees every frame; the kernel drops the promiscuity
     * count again when the socket closes. */
    struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
        goto fail_errno;
    if (fanout && (err = join_fanout(fd, fanout)) != 0)
        goto fail;
    return fd;

fail_errno:
    err = -errno;
fail:
    if (ring)
        packet_ring_detach(ring);
    close(fd);
    return err;
}

/* Points the single queue's CBPF fanout group at member `member`. */
static int fanout_select(int fd, unsigned member)
{
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, member) };
    struct sock_fprog prog = { .len = 1, .filter = code };
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof prog) < 0 ? -errno : 0;
}

/* Moves queue q to a new socket with a receive ring.  The new socket joins
 * the port's fanout group and the group's program is switched to pick it, so
 * every frame reaches exactly one of the two sockets: none lost, none twice.
 * Frames the old socket already holds are read first (RXQ_DRAINING). */
static int hand_over_to_ring(struct system_priv *p, struct system_rxq *q)
{
    struct packet_ring ring = { 0 };
    int fd = system_socket_open(p->ifindex, p->fanout, &ring);
    if (fd < 0)
        return fd;
    int err = fanout_select(fd, 1);
    if (err) {
        packet_ring_detach(&ring);
        close(fd);
        return err;
    }
    q->ring = ring;
    __atomic_store_n(&q->old_fd, q->fd, __ATOMIC_RELAXED);
    __atomic_store_n(&q->fd, fd, __ATOMIC_RELEASE);
    __atomic_store_n(&q->mode, RXQ_DRAINING, __ATOMIC_RELAXED);
    return 0;
}

static void system_close(struct netdev *dev)
{
    struct system_priv *p = dev->priv;
    if (!p)
        return;
    for (unsigned i = 0; i < p->n_fds; i++) {
        packet_ring_detach(&p->rxqs[i].ring);
        if (p->rxqs[i].fd >= 0)
            close(p->rxqs[i].fd);
        if (p->rxqs[i].old_fd >= 0)
            close(p->rxqs[i].old_fd);
    }
    free(p);
    dev->priv = NULL;
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
    for (unsigned i = 0; i < p->n_fds; i++)
        p->rxqs[i].fd = p->rxqs[i].old_fd = -1;
    dev->priv = p;

    int err = netdev_set_up(dev->name, true);
    if (err)
        goto fail;
    if (netdev_get_mac(dev->name, dev->mac) < 0)
        memset(dev->mac, 0, sizeof dev->mac);   /* not every device has one */

    /* Fanout ids are per network namespace; the ifindex is unique there.
     * Several queues: hash fanout (one flow, one queue, in order), each with
     * its ring from the start.  One queue: a ring only once it is busy, so
     * idle ports cost little memory; it sits alone in a fanout group whose
     * program can hand it over to a socket with a ring (see above). */
    p->ifindex = ifindex;
    int id = ifindex & 0xffff;
    bool multi = p->n_fds > 1;
    p->fanout = id | (multi ? PACKET_FANOUT_HASH : PACKET_FANOUT_CBPF) << 16;
    for (unsigned i = 0; i < p->n_fds; i++) {
        struct system_rxq *q = &p->rxqs[i];
        int fd = system_socket_open(ifindex, p->fanout, multi ? &q->ring : NULL);
        if (fd < 0 && multi && i == 0) {
            /* No ring (locked memory?): the queues read with recvmmsg. */
            fd = system_socket_open(ifindex, p->fanout, NULL);
            multi = false;
        }
        if (fd < 0 && !multi && p->n_fds == 1) {
            p->fanout = 0;      /* no CBPF fanout: plain socket, never a ring */
            fd = system_socket_open(ifindex, 0, NULL);
        }
        if (fd < 0) {
            err = fd;
            goto fail;
        }
        q->fd = fd;
        q->mode = q->ring.map ? RXQ_RING : RXQ_RECVMMSG;
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

/* Receives with recvmmsg.  Returns the number received or a negative errno
 * (-EAGAIN: nothing queued). */
static int recv_queued(struct system_priv *p, int fd, struct packet **packets, unsigned max,
                       bool *backlog)
{
    struct mmsghdr msgs[PACKET_BATCH_MAX];
    struct iovec iovs[PACKET_BATCH_MAX][2];
    struct virtio_net_hdr vnet[PACKET_BATCH_MAX];
    struct sockaddr_ll addrs[PACKET_BATCH_MAX];
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } cmsgs[PACKET_BATCH_MAX];

    for (unsigned i = 0; i < max; i++) {
        iovs[i][0] = (struct iovec) { &vnet[i], sizeof vnet[i] };
        iovs[i][1] = (struct iovec) { packets[i]->data, packet_tailroom(packets[i]) };
        msgs[i].msg_hdr = (struct msghdr) {
            .msg_name = &addrs[i], .msg_namelen = sizeof addrs[i],
            .msg_iov = iovs[i], .msg_iovlen = 2,
            .msg_control = cmsgs[i].buf, .msg_controllen = sizeof cmsgs[i].buf,
        };
        msgs[i].msg_len = 0;
    }

    int n = recvmmsg(fd, msgs, max, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;

    unsigned good = 0, errors = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < n; i++) {
        struct packet *pkt = packets[i];
        const struct msghdr *msg = &msgs[i].msg_hdr;
        if (addrs[i].sll_pkttype == PACKET_OUTGOING)
            continue;       /* our own transmission, on kernels without IGNORE_OUTGOING */
        if ((msg->msg_flags & MSG_TRUNC) || msgs[i].msg_len < VNET_HDR_LEN + ETH_HEADER_LEN) {
            errors++;       /* larger than a buffer, or a runt */
            continue;
        }
        pkt->len = msgs[i].msg_len - VNET_HDR_LEN;
        vnet_hdr_to_offload(&vnet[i], &pkt->offload);
        if (afpacket_restore_vlan(pkt, msg) < 0) {
            errors++;
            continue;
        }
        bytes += pkt->len;
        /* Keep received packets at the front; the caller owns all of them. */
        packets[i] = packets[good];
        packets[good++] = pkt;
    }
    if (good) {
        netdev_stat_add(&p->stats.rx_packets, good);
        netdev_stat_add(&p->stats.rx_bytes, bytes);
    }
    if (errors)
        netdev_stat_add(&p->stats.rx_errors, errors);
    *backlog = n == PACKET_BATCH_MAX;   /* the kernel had a full batch waiting */
    return (int)good;
}

/* Frames from the ring; those the socket queued before the ring came first. */
static int recv_ring(struct system_priv *p, struct system_rxq *q, struct packet **packets,
                     unsigned max)
{
    if (q->mode == RXQ_DRAINING) {
        bool backlog;
        int n = recv_queued(p, q->old_fd, packets, max, &backlog);
        if (n != -EAGAIN)
            return n;
        __atomic_store_n(&q->mode, RXQ_RING, __ATOMIC_RELAXED);
    }
    unsigned errors = 0;
    unsigned n = packet_ring_recv(&q->ring, q->fd, packets, max, &errors);
    uint64_t bytes = 0;
    for (unsigned i = 0; i < n; i++)
        bytes += packets[i]->len;
    if (n) {
        netdev_stat_add(&p->stats.rx_packets, n);
        netdev_stat_add(&p->stats.rx_bytes, bytes);
    }
    if (errors)
        netdev_stat_add(&p->stats.rx_errors, errors);
    return (int)n;
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
    if (q->want_ring) {
        q->want_ring = false;   /* one try: if it fails, recvmmsg it stays */
        if (hand_over_to_ring(p, q) == 0)
            return -ESTALE;     /* rxq_fd() changed: the caller polls the new one */
    }
    int n;
    if (q->mode == RXQ_RECVMMSG) {
        bool backlog = false;
        n = recv_queued(p, q->fd, packets, max, &backlog);
        /* Busy enough to queue a full batch: worth a ring. */
        q->want_ring = backlog && p->can_hand_over;
    } else {
        n = recv_ring(p, q, packets, max);
    }
    if (n == -EAGAIN)
        return 0;
    return n;       /* < 0: ENETDOWN, ENXIO...: the link monitor takes it from here */
}

static int system_send(struct netdev *dev, unsigned txq, struct packet *const *packets, unsigned n)
{
    struct system_priv *p = dev->priv;
    int fd = __atomic_load_n(&p->rxqs[0].fd, __ATOMIC_ACQUIRE);
    unsigned sent = 0, dropped = 0, errors = 0, i = 0;
    uint64_t bytes = 0;
    int hard_error = 0;

    while (i < n) {
        struct mmsghdr msgs[PACKET_BATCH_MAX];
        struct iovec iovs[PACKET_BATCH_MAX][2];
        struct virtio_net_hdr vnet[PACKET_BATCH_MAX];
        unsigned chunk = n - i < PACKET_BATCH_MAX ? n - i : PACKET_BATCH_MAX;
        for (unsigned j = 0; j < chunk; j++) {
            const struct packet *pkt = packets[i + j];
            vnet_hdr_from_offload(&pkt->offload, &vnet[j]);
            iovs[j][0] = (struct iovec) { &vnet[j], sizeof vnet[j] };
            iovs[j][1] = (struct iovec) { pkt->data, pkt->len };
            msgs[j].msg_hdr = (struct msghdr) { .msg_iov = iovs[j], .msg_iovlen = 2 };
            msgs[j].msg_len = 0;
        }
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
    /* The kernel's queue-full drops; reading PACKET_STATISTICS resets them. */
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
};
