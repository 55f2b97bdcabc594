/* type=dpdkvhostuser and type=dpdkvhostuserclient: a vhost-user back-end.
 *
 * The guest's virtio-net driver (QEMU, DPDK virtio-user) shares its memory
 * with us over a unix socket and we move packets straight between its rings
 * and our packets.  dpdkvhostuser listens on <run-dir>/<port name> and the
 * guest connects; dpdkvhostuserclient connects to options:vhost-server-path
 * and retries every second while the guest side is away.
 *
 * Threads: one small protocol thread per port reads the socket and changes
 * queue state; datapath threads call rxq_recv/send.  Each queue has a lock
 * held for a whole burst (never per packet) and by the protocol thread
 * while it changes that queue; changing guest memory takes every queue
 * lock.  A queue is used only while `ready`, read under its lock.
 *
 * Queue numbering (virtio-net): queue 2k is guest receive (we enqueue, the
 * port's tx queue k), queue 2k+1 is guest transmit (we dequeue, rx queue k).
 *
 * A guest with several queue pairs gets its frames spread over its ready
 * receive queues by flow, a flow it sent on pair k back on queue 2k
 * (flow_queue.h); a burst for several queues takes each queue's lock in
 * turn, so every ring still has one writer at a time. */
#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "netdev/vhost_port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "netdev/flow_queue.h"
#include "netdev/vhost_mem.h"
#include "netdev/vhost_user_msg.h"
#include "netdev/virtqueue.h"
#include "packet/segment.h"
#include "netdev/vnet_hdr.h"
#include "util/log.h"

/* ---- settings ---------------------------------------------------------- */

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static char *run_dir;
static struct server_path { char name[16]; char *path; } server_paths[64];

int netdev_vhostuser_set_run_dir(const char *dir)
{
    char *copy = dir ? strdup(dir) : NULL;
    if (dir && !copy)
        return -ENOMEM;
    pthread_mutex_lock(&settings_lock);
    free(run_dir);
    run_dir = copy;
    pthread_mutex_unlock(&settings_lock);
    return 0;
}

int netdev_vhostuser_set_server_path(const char *port_name, const char *path)
{
    if (strlen(port_name) >= sizeof server_paths[0].name)
        return -EINVAL;
    int err = -ENOSPC;
    pthread_mutex_lock(&settings_lock);
    struct server_path *slot = NULL;
    for (size_t i = 0; i < sizeof server_paths / sizeof server_paths[0]; i++) {
        if (server_paths[i].path && !strcmp(server_paths[i].name, port_name)) {
            slot = &server_paths[i];
            break;
        }
        if (!slot && !server_paths[i].path)
            slot = &server_paths[i];
    }
    if (slot) {
        char *copy = path ? strdup(path) : NULL;
        err = path && !copy ? -ENOMEM : 0;
        if (!err) {
            free(slot->path);
            slot->path = copy;
            strcpy(slot->name, port_name);
        }
    }
    pthread_mutex_unlock(&settings_lock);
    return err;
}

/* Fills p->path with the socket path of the port; 0 or negative errno. */
static int socket_path(struct vhost_priv *p, const char *name)
{
    int n = -1;
    pthread_mutex_lock(&settings_lock);
    if (p->client) {
        for (size_t i = 0; i < sizeof server_paths / sizeof server_paths[0]; i++)
            if (server_paths[i].path && !strcmp(server_paths[i].name, name))
                n = snprintf(p->path, sizeof p->path, "%s", server_paths[i].path);
    } else {
        const char *dir = run_dir ? run_dir : getenv("PONTOON_RUN_DIR");
        n = snprintf(p->path, sizeof p->path, "%s/%s",
                     dir && *dir ? dir : VHOST_DEFAULT_RUN_DIR, name);
    }
    pthread_mutex_unlock(&settings_lock);
    if (n < 0) {
        log_err("%s: no options:vhost-server-path for a dpdkvhostuserclient port", name);
        return -EINVAL;
    }
    return (size_t)n < sizeof p->path ? 0 : -ENAMETOOLONG;
}

/* ---- connection thread --------------------------------------------------- */

static bool wait_wake(struct vhost_priv *p, int fd, int timeout_ms)
{
    struct pollfd pfd[2] = { { p->wake_fd, POLLIN, 0 }, { fd, POLLIN, 0 } };
    int n = poll(pfd, fd >= 0 ? 2 : 1, timeout_ms);
    if (n > 0 && (pfd[0].revents & POLLIN)) {
        uint64_t value;
        if (read(p->wake_fd, &value, sizeof value) < 0) {
        }
    }
    return n > 0 && fd >= 0 && pfd[1].revents;
}

static int client_connect(struct vhost_priv *p)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, p->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static void disconnect(struct vhost_priv *p, int why)
{
    log_info("%s: vhost-user guest %s (%s)", p->dev->name,
             why == -ECONNRESET ? "disconnected" : "dropped", strerror(-why));
    close(p->conn_fd);
    __atomic_store_n(&p->conn_fd, -1, __ATOMIC_RELEASE);
    vhost_device_reset(p);
    netdev_notify_changed();   /* the port's state (shown by `show`) changed */
}

static void *vhost_thread(void *arg)
{
    struct vhost_priv *p = arg;
    bool logged_retry = false;
    while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
        if (p->conn_fd < 0) {
            int fd;
            if (p->client) {
                fd = client_connect(p);
                if (fd < 0) {
                    if (!logged_retry)
                        log_info("%s: cannot connect to %s (%s); retrying every second",
                                 p->dev->name, p->path, strerror(-fd));
                    logged_retry = true;
                    wait_wake(p, -1, 1000);
                    continue;
                }
            } else {
                if (!wait_wake(p, p->listen_fd, -1))
                    continue;
                fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                    continue;
            }
            /* A guest that stops halfway through a message loses the
             * connection instead of stalling this thread. */
            struct timeval tv = { .tv_sec = 1 };
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            __atomic_store_n(&p->conn_fd, fd, __ATOMIC_RELEASE);
            netdev_notify_changed();
            logged_retry = false;
            log_info("%s: vhost-user guest connected on %s", p->dev->name, p->path);
            continue;
        }
        bool readable = wait_wake(p, p->conn_fd, -1);
        if (__atomic_load_n(&p->broken, __ATOMIC_ACQUIRE)) {
            disconnect(p, -EPROTO);
            continue;
        }
        if (readable) {
            int err = vhost_serve_one(p);
            if (err)
                disconnect(p, err);
        }
    }
    return NULL;
}

/* ---- netdev class -------------------------------------------------------- */

static void wake_thread(struct vhost_priv *p)
{
    uint64_t one = 1;
    if (write(p->wake_fd, &one, sizeof one) < 0) {
    }
}

/* The datapath found the guest's ring broken: the protocol thread drops
 * the connection (we must not close fds under it). */
static void queue_broken(struct vhost_priv *p, struct vhost_queue *q, int err)
{
    log_warn("%s: queue %u: guest ring is invalid (%s); dropping the connection",
             p->dev->name, (unsigned)(q - p->queues), strerror(-err));
    vhost_queue_set_ready(p, q, false);
    __atomic_store_n(&p->broken, true, __ATOMIC_RELEASE);
    wake_thread(p);
}

static void vhost_close(struct netdev *dev)
{
    struct vhost_priv *p = dev->priv;
    if (!p)
        return;
    if (p->thread_started) {
        __atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
        wake_thread(p);
        pthread_join(p->thread, NULL);
    }
    if (p->conn_fd >= 0)
        close(p->conn_fd);
    vhost_device_reset(p);
    if (p->listen_fd >= 0) {
        close(p->listen_fd);
        unlink(p->path);
    }
    for (unsigned i = 0; i < p->n_queues; i++) {
        if (p->queues[i].kick_fd >= 0)
            close(p->queues[i].kick_fd);
        pthread_mutex_destroy(&p->queues[i].lock);
    }
    if (p->wake_fd >= 0)
        close(p->wake_fd);
    for (unsigned i = 0; i < p->n_queues; i++) {
        struct packet **segments = p->queues[i].segments;
        for (unsigned k = 0; segments && k < VHOST_SEGMENTS_MAX; k++)
            packet_free(segments[k]);
        free(segments);
    }
    free(p);
    dev->priv = NULL;
}

static int server_listen(struct vhost_priv *p)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, p->path);
    char *slash = strrchr(p->path, '/');
    if (slash && slash != p->path) {
        *slash = '\0';
        mkdir(p->path, 0755);
        *slash = '/';
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(p->path);            /* a socket left by an earlier run */
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0) {
        int err = -errno;
        close(fd);
        log_err("%s: cannot listen on %s: %s", p->dev->name, p->path, strerror(-err));
        return err;
    }
    p->listen_fd = fd;
    return 0;
}

static int vhost_open_common(struct netdev *dev, bool client)
{
    unsigned n_pairs = dev->n_rxq ? dev->n_rxq : 1;
    if (n_pairs > VHOST_MAX_QUEUE_PAIRS)
        return -EINVAL;
    struct vhost_priv *p = calloc(1, sizeof *p + 2 * n_pairs * sizeof p->queues[0]);
    if (!p)
        return -ENOMEM;
    p->dev = dev;
    p->client = client;
    p->listen_fd = p->conn_fd = -1;
    p->n_pairs = n_pairs;
    p->tx_retries_max = NETDEV_VHOSTUSER_TX_RETRIES_DEFAULT;
    p->n_queues = 2 * n_pairs;
    dev->priv = p;
    for (unsigned i = 0; i < p->n_queues; i++) {
        struct vhost_queue *q = &p->queues[i];
        pthread_mutex_init(&q->lock, NULL);
        q->vq.call_fd = -1;
        q->vq.hdr_len = sizeof(struct virtio_net_hdr);
        q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (q->kick_fd < 0)
            goto fail_errno;
    }
    p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (p->wake_fd < 0)
        goto fail_errno;
    int err = socket_path(p, dev->name);
    if (!err && !client)
        err = server_listen(p);
    if (err)
        goto fail;
    if ((err = -pthread_create(&p->thread, NULL, vhost_thread, p)))
        goto fail;
    p->thread_started = true;
    dev->ifindex = 0;
    dev->n_rxq = dev->n_txq = n_pairs;
    memset(dev->mac, 0, sizeof dev->mac);
    return 0;

fail_errno:
    err = -errno;
fail:
    vhost_close(dev);
    return err;
}

static int vhost_server_open(struct netdev *dev)
{
    return vhost_open_common(dev, false);
}

static int vhost_client_open(struct netdev *dev)
{
    return vhost_open_common(dev, true);
}

static int vhost_rxq_fd(const struct netdev *dev, unsigned rxq)
{
    struct vhost_priv *p = dev->priv;
    if (rxq >= p->n_pairs)
        return -1;
    struct vhost_queue *q = &p->queues[2 * rxq + 1];
    pthread_mutex_lock(&q->lock);
    int fd = q->ready ? q->kick_fd : -1;
    pthread_mutex_unlock(&q->lock);
    return fd;
}

static int vhost_rxq_recv(struct netdev *dev, unsigned rxq, struct packet **packets,
                          unsigned max)
{
    struct vhost_priv *p = dev->priv;
    if (rxq >= p->n_pairs)
        return -EINVAL;
    struct vhost_queue *q = &p->queues[2 * rxq + 1];
    unsigned dropped = 0;
    int n = 0;
    uint64_t bytes = 0;
    pthread_mutex_lock(&q->lock);
    if (q->ready) {
        uint64_t kicks;
        /* Drain before looking at the ring: a kick after this is for news. */
        if (read(q->kick_fd, &kicks, sizeof kicks) < 0) {
        }
        n = virtqueue_dequeue(&q->vq, packets, max, &dropped);
        if (n < 0) {
            queue_broken(p, q, n);
            n = 0;
        } else if (virtqueue_has_avail(&q->vq)) {
            /* Left in the ring: stay readable so the datapath comes back. */
            uint64_t one = 1;
            if (write(q->kick_fd, &one, sizeof one) < 0) {
            }
        }
    }
    q->packets += (uint64_t)n;
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < n; i++)
        bytes += packets[i]->len;
    /* The guest receives on several queues: what it sends here, it should
     * get answered here (automatic receive steering). */
    uint32_t rx_ready = __atomic_load_n(&p->rx_ready, __ATOMIC_RELAXED);
    if (rx_ready & (rx_ready - 1))
        for (int i = 0; i < n; i++)
            flow_queue_learn(&p->steering, flow_queue_hash(packets[i]), rxq);
    netdev_stats_count_rx(&p->stats, (uint64_t)n, bytes, dropped);
    return n;
}

/* Guest receive with options:tx-retries-max, counted for vhost/show. */
static int enqueue_retrying(struct vhost_priv *p, struct vhost_queue *q,
                            struct packet *const *packets, unsigned n, unsigned *dropped)
{
    unsigned max_retries = __atomic_load_n(&p->tx_retries_max, __ATOMIC_RELAXED);
    unsigned retries, not_taken;
    int r = virtqueue_enqueue_retrying(&q->vq, packets, n, max_retries, dropped, &retries,
                                       &not_taken);
    if (r >= 0) {
        q->tx_retries += retries;
        q->tx_failure_drops += not_taken;
    }
    return r;
}

/* What the guest can take: large TCP segments only if it negotiated the
 * matching GUEST_TSO feature, partial checksums only with GUEST_CSUM.  Frames
 * it cannot take are completed or cut here (lazily allocating the segment
 * buffers), so a guest without offloads still receives valid frames. */
static int guest_fixup_enqueue(struct vhost_priv *p, struct vhost_queue *q,
                               struct packet *const *packets, unsigned n, unsigned *dropped)
{
    uint64_t features = __atomic_load_n(&p->features, __ATOMIC_RELAXED);
    struct packet *ready[PACKET_BATCH_MAX];
    unsigned n_ready = 0, sent = 0, drop = 0, d;
    for (unsigned i = 0; i < n; i++) {
        struct packet *pkt = packets[i];
        uint8_t gso = pkt->offload.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
        bool tso_ok = (gso == VIRTIO_NET_HDR_GSO_TCPV4 &&
                       (features & (1ull << VIRTIO_NET_F_GUEST_TSO4))) ||
                      (gso == VIRTIO_NET_HDR_GSO_TCPV6 &&
                       (features & (1ull << VIRTIO_NET_F_GUEST_TSO6)));
        if (gso != VIRTIO_NET_HDR_GSO_NONE && !tso_ok) {
            int r = n_ready ? enqueue_retrying(p, q, ready, n_ready, &d) : 0;
            if (r < 0)
                return r;
            sent += (unsigned)r;
            drop += n_ready ? d : 0;
            n_ready = 0;
            if (!q->segments)
                q->segments = calloc(VHOST_SEGMENTS_MAX, sizeof *q->segments);
            for (unsigned k = 0; q->segments && k < VHOST_SEGMENTS_MAX; k++)
                if (!q->segments[k])
                    q->segments[k] = packet_new_sized(VHOST_SEGMENT_SIZE);
            int n_seg = q->segments && q->segments[VHOST_SEGMENTS_MAX - 1]
                            ? packet_segment_tcp(pkt, q->segments, VHOST_SEGMENTS_MAX)
                            : -ENOMEM;
            if (n_seg < 0) {
                drop++;
                continue;
            }
            r = enqueue_retrying(p, q, q->segments, (unsigned)n_seg, &d);
            if (r < 0)
                return r;
            /* Counted as one frame sent, as it came in. */
            if (d)
                drop++;
            else
                sent++;
            continue;
        }
        if ((pkt->offload.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
            !(features & (1ull << VIRTIO_NET_F_GUEST_CSUM)) && packet_complete_csum(pkt) < 0) {
            drop++;
            continue;
        }
        ready[n_ready++] = pkt;
        if (n_ready == PACKET_BATCH_MAX) {
            int r = enqueue_retrying(p, q, ready, n_ready, &d);
            if (r < 0)
                return r;
            sent += (unsigned)r;
            drop += d;
            n_ready = 0;
        }
    }
    if (n_ready) {
        int r = enqueue_retrying(p, q, ready, n_ready, &d);
        if (r < 0)
            return r;
        sent += (unsigned)r;
        drop += d;
    }
    *dropped = drop;
    return (int)sent;
}

/* One burst into guest receive queue 2 * pair (queue 0 if that one is not
 * ready: the guest enabled fewer pairs than it had when we picked). */
static unsigned send_burst(struct vhost_priv *p, unsigned pair, struct packet *const *packets,
                           unsigned n)
{
    struct vhost_queue *q = &p->queues[2 * (pair % p->n_pairs)];
    unsigned dropped = n;
    int sent = 0;
    pthread_mutex_lock(&q->lock);
    if (!q->ready && q != &p->queues[0]) {
        pthread_mutex_unlock(&q->lock);
        q = &p->queues[0];
        pthread_mutex_lock(&q->lock);
    }
    if (q->ready) {
        sent = guest_fixup_enqueue(p, q, packets, n, &dropped);
        if (sent < 0) {
            queue_broken(p, q, sent);
            sent = 0;
            dropped = n;
        }
    }
    q->packets += (uint64_t)sent;
    pthread_mutex_unlock(&q->lock);
    /* Approximate when some were dropped: the first `sent` lengths. */
    uint64_t bytes = 0;
    for (int i = 0; i < sent; i++)
        bytes += packets[i]->len;
    netdev_stats_count_tx(&p->stats, (uint64_t)sent, bytes, dropped, 0);
    return (unsigned)sent;
}

/* `txq` is not used: a guest with one receive queue gets everything there,
 * one with several gets each flow on the queue flow_queue_pick() chooses. */
static int vhost_send(struct netdev *dev, unsigned txq, struct packet *const *packets,
                      unsigned n)
{
    struct vhost_priv *p = dev->priv;
    uint32_t ready = __atomic_load_n(&p->rx_ready, __ATOMIC_ACQUIRE);
    if (!(ready & (ready - 1)))
        return (int)send_burst(p, ready ? (unsigned)__builtin_ctz(ready) : 0, packets, n);

    unsigned sent = 0;
    for (unsigned start = 0; start < n; start += PACKET_BATCH_MAX) {
        unsigned count = n - start < PACKET_BATCH_MAX ? n - start : PACKET_BATCH_MAX;
        uint8_t pair[PACKET_BATCH_MAX];
        uint32_t used = 0;
        for (unsigned i = 0; i < count; i++) {
            uint32_t hash = flow_queue_hash(packets[start + i]);
            pair[i] = (uint8_t)flow_queue_pick(&p->steering, hash, ready);
            used |= 1u << pair[i];
        }
        /* A burst per queue, each in the order the frames came. */
        while (used) {
            unsigned k = (unsigned)__builtin_ctz(used);
            used &= used - 1;
            struct packet *burst[PACKET_BATCH_MAX];
            unsigned m = 0;
            for (unsigned i = 0; i < count; i++)
                if (pair[i] == k)
                    burst[m++] = packets[start + i];
            sent += send_burst(p, k, burst, m);
        }
    }
    return (int)sent;
}

static void vhost_get_stats(const struct netdev *dev, struct netdev_stats *stats)
{
    const struct vhost_priv *p = dev->priv;
    netdev_stats_read(&p->stats, stats);
}

extern const struct netdev_class netdev_vhostuser_class;
extern const struct netdev_class netdev_vhostuserclient_class;

static bool is_vhostuser(const struct netdev *dev)
{
    return dev && dev->priv &&
           (dev->class == &netdev_vhostuser_class || dev->class == &netdev_vhostuserclient_class);
}

int netdev_vhostuser_set_tx_retries_max(struct netdev *dev, unsigned max_retries)
{
    if (!is_vhostuser(dev) || max_retries > NETDEV_VHOSTUSER_TX_RETRIES_MAX)
        return -EINVAL;
    struct vhost_priv *p = dev->priv;
    __atomic_store_n(&p->tx_retries_max, max_retries, __ATOMIC_RELAXED);
    return 0;
}

int netdev_vhostuser_get_status(struct netdev *dev, struct netdev_vhostuser_status *status)
{
    memset(status, 0, sizeof *status);
    if (!is_vhostuser(dev))
        return -EINVAL;
    struct vhost_priv *p = dev->priv;
    status->client = p->client;
    snprintf(status->path, sizeof status->path, "%s", p->path);
    /* Written by the protocol thread; a snapshot is all vhost/show needs. */
    status->connected = __atomic_load_n(&p->conn_fd, __ATOMIC_RELAXED) >= 0;
    status->features = __atomic_load_n(&p->features, __ATOMIC_RELAXED);
    status->protocol_features = __atomic_load_n(&p->protocol_features, __ATOMIC_RELAXED);
    status->tx_retries_max = __atomic_load_n(&p->tx_retries_max, __ATOMIC_RELAXED);
    status->n_pairs = p->n_pairs;
    status->n_queues = p->n_queues < NETDEV_VHOSTUSER_MAX_QUEUES ? p->n_queues
                                                                 : NETDEV_VHOSTUSER_MAX_QUEUES;
    for (unsigned i = 0; i < status->n_queues; i++) {
        struct vhost_queue *q = &p->queues[i];
        struct netdev_vhostuser_queue_status *s = &status->queues[i];
        pthread_mutex_lock(&q->lock);
        s->size = q->num;
        s->enabled = q->enabled;
        s->ready = q->ready;
        s->packets = q->packets;
        status->tx_retries += q->tx_retries;
        status->tx_failure_drops += q->tx_failure_drops;
        pthread_mutex_unlock(&q->lock);
    }
    return 0;
}

const struct netdev_class netdev_vhostuser_class = {
    .type = "dpdkvhostuser",
    .open = vhost_server_open,
    .close = vhost_close,
    .rxq_fd = vhost_rxq_fd,
    .rxq_recv = vhost_rxq_recv,
    .send = vhost_send,
    .get_stats = vhost_get_stats,
};

const struct netdev_class netdev_vhostuserclient_class = {
    .type = "dpdkvhostuserclient",
    .open = vhost_client_open,
    .close = vhost_close,
    .rxq_fd = vhost_rxq_fd,
    .rxq_recv = vhost_rxq_recv,
    .send = vhost_send,
    .get_stats = vhost_get_stats,
};
