/* type=tap and type=internal: a tap device whose other end is this process.
 *
 * tap attaches to an existing tap (a persistent one, made by `ip tuntap`) or
 * creates it; internal is the bridge's own host interface and is always
 * created here.  A tap we create for type=tap is persistent while we hold it,
 * so that a guest-facing device (QEMU's, or one moved into a namespace)
 * survives a crash of the daemon and is attached again when it restarts; a
 * clean close clears the flag, which removes it.  Internal ports are not
 * persistent: the kernel removes them when the last queue's fd closes.  Every frame carries a
 * virtio_net_hdr (IFF_VNET_HDR) and the device advertises checksum and TSO
 * offload, so the host stack hands us whole 64 KB TCP segments and takes
 * them back the same way.  Neither type is brought up here: like OVS, the
 * user or the peer (QEMU, `ip link set up`) does that. */
#include "netdev/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "netdev/flow_queue.h"
#include "netdev/tap_link.h"
#include "netdev/vnet_hdr.h"
#include "util/log.h"

#define TAP_MAX_QUEUES 256      /* the kernel's MAX_TAP_QUEUES */

struct tap_priv {
    struct netdev_stats stats;
    bool made_persistent;       /* we created it and set TUNSETPERSIST */
    unsigned n_fds;
    int fds[];                  /* one per queue; fds[0] also sends */
};

/* Opens /dev/net/tun and attaches it to `name` as one queue, creating the
 * device if it does not exist (and `flags` lacks IFF_TUN_EXCL). */
static int tap_attach_queue(const char *name, short flags, int *out)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    ifr.ifr_flags = flags;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        goto fail;
    int hdr_len = VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)
        goto fail;
    /* What the kernel may hand us: partial checksums and TCP segments up to 64 KB. */
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0)
        goto fail;
    *out = fd;
    return 0;

fail:;
    int err = -errno;
    close(fd);
    return err;
}

/* A tap we made persistent says so in its alias, so that after a crash the
 * restarted daemon knows the device is its own to remove at the end. */
#define TAP_OWNER_ALIAS "pontoond type=tap"

static bool tap_alias_is_ours(const struct tap_link *link)
{
    return !strncmp(link->alias, TAP_OWNER_ALIAS, strlen(TAP_OWNER_ALIAS));
}

/* A multi-queue tap that another process holds (QEMU's, for a guest) would
 * take our queues beside its own: the kernel then spreads what it sends
 * over both, and what we write goes to the host, never to that process.
 * Such a tap is refused, as the kernel refuses a single-queue one (EBUSY). */
static int tap_check_not_held(const char *name, const struct tap_link *link)
{
    unsigned here = link->queues ? tap_queues_held_here(name) : 0;
    if (link->queues <= here)
        return 0;      /* nobody's, or our own port's being reopened */
    log_warn("%s: tap in use by another process (%u of its %u queues); a tap that QEMU "
             "opened for a guest is added as a port of type system", name,
             link->queues - here, link->queues);
    return -EBUSY;
}

/* ---- netdev class ---------------------------------------------------------- */

static void tap_close(struct netdev *dev)
{
    struct tap_priv *p = dev->priv;
    if (!p)
        return;
    /* Closing the last queue of a non-persistent tap removes the device.
     * While the port is reopened (options:n_rxq changed) its new queues
     * hold the device: it stays persistent for them. */
    if (p->made_persistent && p->fds[0] >= 0 && tap_queues_held_here(dev->name) <= p->n_fds)
        (void)ioctl(p->fds[0], TUNSETPERSIST, 0);
    for (unsigned i = 0; i < p->n_fds; i++)
        if (p->fds[i] >= 0)
            close(p->fds[i]);
    free(p);
    dev->priv = NULL;
}

static int tap_open_common(struct netdev *dev, bool must_create)
{
    bool exists = if_nametoindex(dev->name) != 0;
    if (exists && must_create)
        return -EEXIST;
    if (dev->n_rxq > TAP_MAX_QUEUES)
        return -EINVAL;
    struct tap_link link = { 0 };
    if (exists && !must_create && tap_link_get(dev->name, &link) == 0) {
        int err = tap_check_not_held(dev->name, &link);
        if (err)
            return err;
    }

    struct tap_priv *p = calloc(1, sizeof *p + dev->n_rxq * sizeof p->fds[0]);
    if (!p)
        return -ENOMEM;
    p->n_fds = dev->n_rxq;
    for (unsigned i = 0; i < p->n_fds; i++)
        p->fds[i] = -1;
    dev->priv = p;

    /* One we make is multi-queue even with one queue, so that another
     * options:n_rxq attaches more or fewer queues to the same device. */
    short flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (p->n_fds > 1 || (!exists && !must_create))
        flags |= IFF_MULTI_QUEUE;
    int err = 0;
    for (unsigned i = 0; i < p->n_fds; i++) {
        /* EXCL on the first queue: a device someone made since the check
         * above is theirs, not ours to take over. */
        short q_flags = flags | (must_create && i == 0 ? IFF_TUN_EXCL : 0);
        err = tap_attach_queue(dev->name, q_flags, &p->fds[i]);
        if (err == -EINVAL && exists && i == 0 && !(flags & IFF_MULTI_QUEUE)) {
            /* An existing multi-queue tap takes only multi-queue attaches. */
            flags |= IFF_MULTI_QUEUE;
            err = tap_attach_queue(dev->name, flags, &p->fds[i]);
        }
        if (err) {
            if (err == -EBUSY && must_create && i == 0)
                err = -EEXIST;
            goto fail;   /* an existing single-queue tap held elsewhere: -EBUSY */
        }
    }

    if (!exists && !must_create) {
        if (ioctl(p->fds[0], TUNSETPERSIST, 1) < 0) {
            err = -errno;
            goto fail;
        }
        p->made_persistent = true;
        tap_link_set_alias(dev->name, TAP_OWNER_ALIAS);
    } else if (exists && !must_create && tap_alias_is_ours(&link)) {
        p->made_persistent = true;   /* our port's, reopened; or left by a daemon that crashed */
    }
    err = netdev_ifindex_by_name(dev->name);
    if (err < 0)
        goto fail;
    dev->ifindex = err;
    if (netdev_get_mac(dev->name, dev->mac) < 0)
        memset(dev->mac, 0, sizeof dev->mac);
    dev->n_txq = 1;
    return 0;

fail:
    tap_close(dev);
    return err;
}

static int tap_open(struct netdev *dev)
{
    return tap_open_common(dev, false);
}

static int internal_open(struct netdev *dev)
{
    return tap_open_common(dev, true);
}

static int tap_rxq_fd(const struct netdev *dev, unsigned rxq)
{
    const struct tap_priv *p = dev->priv;
    return rxq < p->n_fds ? p->fds[rxq] : -1;
}

/* A tap has no recvmmsg: one readv per frame, until empty or `max`. */
static int tap_rxq_recv(struct netdev *dev, unsigned rxq, struct packet **packets, unsigned max)
{
    struct tap_priv *p = dev->priv;
    if (rxq >= p->n_fds)
        return -EINVAL;
    int fd = p->fds[rxq];
    unsigned good = 0, errors = 0;
    uint64_t bytes = 0;
    int hard_error = 0;

    /* Bounded by attempts, not frames, so a stream of bad frames ends too. */
    for (unsigned attempt = 0; attempt < max && good < max; attempt++) {
        struct packet *pkt = packets[good];
        struct virtio_net_hdr h;
        struct iovec iov[2] = {
            { &h, sizeof h },
            { pkt->data, packet_tailroom(pkt) },
        };
        ssize_t r = readv(fd, iov, 2);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EFAULT || errno == EINVAL || errno == EMSGSIZE) {
                errors++;   /* the frame did not fit; the kernel dropped it */
                continue;
            }
            hard_error = -errno;    /* EBADFD: the device was deleted under us */
            break;
        }
        if (r < VNET_HDR_LEN + ETH_HEADER_LEN) {
            errors++;
            continue;
        }
        pkt->len = (uint32_t)(r - VNET_HDR_LEN);
        vnet_hdr_to_offload(&h, &pkt->offload);
        bytes += pkt->len;
        good++;
    }

    netdev_stats_count_rx(&p->stats, good, bytes, errors);
    return good || !hard_error ? (int)good : hard_error;
}

static int tap_send(struct netdev *dev, unsigned txq, struct packet *const *packets, unsigned n)
{
    struct tap_priv *p = dev->priv;
    int fd = p->fds[txq < p->n_fds ? txq : 0];
    unsigned sent = 0, dropped = 0, errors = 0;
    uint64_t bytes = 0;
    int hard_error = 0;

    for (unsigned i = 0; i < n; i++) {
        const struct packet *pkt = packets[i];
        if (p->n_fds > 1) {
            /* The kernel answers a flow on the queue it last arrived on, so
             * writing each flow to its own queue is what spreads the replies
             * (and the receive work) over all queues. */
            fd = p->fds[flow_queue_spread(flow_queue_hash(pkt), p->n_fds)];
        }
        struct virtio_net_hdr h;
        vnet_hdr_from_offload(&pkt->offload, &h);
        struct iovec iov[2] = {
            { &h, sizeof h },
            { pkt->data, pkt->len },
        };
        ssize_t r;
        do {
            r = writev(fd, iov, 2);
        } while (r < 0 && errno == EINTR);
        if (r >= 0) {
            sent++;
            bytes += pkt->len;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EIO) {
            dropped++;      /* no room, or the device is down */
        } else if (errno == EBADFD || errno == ENXIO || errno == ENODEV) {
            hard_error = -errno;
            dropped += n - i;
            break;
        } else {
            errors++;       /* this frame was refused (EINVAL: bad offload header) */
        }
    }

    netdev_stats_count_tx(&p->stats, sent, bytes, dropped, errors);
    return sent || !hard_error ? (int)sent : hard_error;
}

static void tap_get_stats(const struct netdev *dev, struct netdev_stats *stats)
{
    const struct tap_priv *p = dev->priv;
    netdev_stats_read(&p->stats, stats);
}

const struct netdev_class netdev_tap_class = {
    .type = "tap",
    .open = tap_open,
    .close = tap_close,
    .rxq_fd = tap_rxq_fd,
    .rxq_recv = tap_rxq_recv,
    .send = tap_send,
    .get_stats = tap_get_stats,
};

const struct netdev_class netdev_internal_class = {
    .type = "internal",
    .open = internal_open,
    .close = tap_close,
    .rxq_fd = tap_rxq_fd,
    .rxq_recv = tap_rxq_recv,
    .send = tap_send,
    .get_stats = tap_get_stats,
};
