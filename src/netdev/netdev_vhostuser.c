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

#define VHOST_MAX_QUEUE_PAIRS 16        /* DP_MAX_RXQ */
_Static_assert(VHOST_MAX_QUEUE_PAIRS <= FLOW_QUEUE_MAX, "a ready mask holds every pair");
#define VHOST_DEFAULT_RUN_DIR "/run/pontoon"
/* A 64 KB TCP segment cut at a 1448-byte MSS needs 46 frames; jumbo-sized
 * buffers leave room for guests with a larger MTU. */
#define VHOST_SEGMENTS_MAX 64
#define VHOST_SEGMENT_SIZE 9216

#define VHOST_FEATURES                                                       \
    ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MRG_RXBUF) |       \
     (1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_GUEST_CSUM) |       \
     (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6) |   \
     (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6) | \
     (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
     (1ull << VIRTIO_NET_F_MQ) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES))
#define VHOST_PROTOCOL_FEATURES \
    ((1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK))

struct vhost_queue {
    pthread_mutex_t lock;
    struct virtqueue vq;
    int kick_fd;            /* ours for the port's life; the guest's eventfd is dup'ed onto it */
    bool kicked;            /* the guest's kick fd is behind kick_fd: the ring started */
    bool enabled;           /* SET_VRING_ENABLE (or implied) */
    bool has_addr;
    bool ready;             /* the datapath may use it */
    uint16_t num;
    uint64_t desc_uva, avail_uva, used_uva;
    uint64_t packets;       /* moved through this ring (under lock), for vhost/show */
    uint64_t tx_retries;    /* guest receive: enqueue retries on a full ring (under lock) */
    uint64_t tx_failure_drops; /* guest receive: dropped, ring still full (under lock) */
    struct packet **segments; /* software TSO for a guest without it (under lock) */
};

struct vhost_priv {
    struct netdev *dev;
    bool client;
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
    int listen_fd, conn_fd, wake_fd;
    pthread_t thread;
    bool thread_started;
    bool stop, broken, changed;           /* atomics: set by other threads */
    uint64_t features, protocol_features; /* protocol thread only */
    struct vhost_mem mem;                 /* changed with every queue lock held */
    struct netdev_stats stats;
    unsigned tx_retries_max;              /* atomic: options:tx-retries-max */
    uint32_t rx_ready;                    /* atomic: bit k set while queue 2k is ready */
    struct flow_queue_table steering;     /* flows the guest sent, by pair */
    unsigned n_pairs, n_queues;
    struct vhost_queue queues[];
};

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

/* ---- queue state (protocol thread) -------------------------------------- */

static void mark_changed(struct vhost_priv *p)
{
    __atomic_store_n(&p->changed, true, __ATOMIC_RELEASE);
    netdev_notify_changed();
}

bool netdev_vhostuser_changed(struct netdev *dev)
{
    struct vhost_priv *p = dev->priv;
    return p && __atomic_exchange_n(&p->changed, false, __ATOMIC_ACQ_REL);
}

/* With q->lock held: the datapath may (not) use the queue from now on. */
static void queue_set_ready(struct vhost_priv *p, struct vhost_queue *q, bool ready)
{
    unsigned index = (unsigned)(q - p->queues);
    q->ready = ready;
    if (index % 2 == 0) {
        uint32_t bit = 1u << (index / 2);
        if (ready)
            __atomic_fetch_or(&p->rx_ready, bit, __ATOMIC_RELEASE);
        else
            __atomic_fetch_and(&p->rx_ready, ~bit, __ATOMIC_RELEASE);
    }
}

/* With q->lock held: attaches the rings once memory, size and addresses are
 * known and recomputes `ready`.  Returns -EFAULT for rings outside memory. */
static int queue_refresh(struct vhost_priv *p, struct vhost_queue *q)
{
    int err = 0;
    if (!q->vq.desc && q->has_addr && q->num && p->mem.n_regions) {
        err = virtqueue_attach(&q->vq, &p->mem, q->num, q->desc_uva, q->avail_uva, q->used_uva);
        if (err) {
            log_warn("%s: queue %u: rings outside guest memory or misaligned",
                     p->dev->name, (unsigned)(q - p->queues));
        } else {
            /* A front-end that reconnects with its rings as they were
             * (DPDK virtio-user in server mode when the switch restarts)
             * sends SET_VRING_BASE 0 although its used ring went on: resume
             * where the used ring is, as DPDK's vhost library does. */
            uint16_t used_idx = __atomic_load_n(&q->vq.used->idx, __ATOMIC_ACQUIRE);
            if (used_idx != q->vq.last_used_idx) {
                log_warn("%s: queue %u: ring base %u but used index %u; resuming from %u",
                         p->dev->name, (unsigned)(q - p->queues),
                         (unsigned)q->vq.last_used_idx, (unsigned)used_idx,
                         (unsigned)used_idx);
                q->vq.last_avail_idx = q->vq.last_used_idx = used_idx;
            }
            if ((q - p->queues) % 2 == 0)
                virtqueue_suppress_kicks(&q->vq);
        }
    }
    bool ready = q->vq.desc && q->kicked && q->enabled;
    if (ready != q->ready) {
        queue_set_ready(p, q, ready);
        log_info("%s: queue %u %s", p->dev->name, (unsigned)(q - p->queues),
                 ready ? "ready" : "stopped");
        mark_changed(p);
    }
    return err;
}

/* Puts a private eventfd back behind q->kick_fd (dropping the guest's), so
 * the number the datapath may still poll never closes or changes owner. */
static void queue_unkick(struct vhost_queue *q)
{
    if (!q->kicked)
        return;
    uint64_t value;
    if (read(q->kick_fd, &value, sizeof value) < 0) {
        /* nothing pending */
    }
    int fresh = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fresh >= 0) {
        dup3(fresh, q->kick_fd, O_CLOEXEC);
        close(fresh);
    }
    q->kicked = false;
}

/* With q->lock held: back to the state before any message. */
static void queue_reset(struct vhost_priv *p, struct vhost_queue *q)
{
    queue_unkick(q);
    if (q->vq.call_fd >= 0)
        close(q->vq.call_fd);
    virtqueue_detach(&q->vq);
    q->vq.call_fd = -1;
    q->vq.last_avail_idx = q->vq.last_used_idx = 0;
    q->enabled = q->has_addr = false;
    q->num = 0;
    queue_refresh(p, q);
}

static void lock_all(struct vhost_priv *p)
{
    for (unsigned i = 0; i < p->n_queues; i++)
        pthread_mutex_lock(&p->queues[i].lock);
}

static void unlock_all(struct vhost_priv *p)
{
    for (unsigned i = p->n_queues; i-- > 0;)
        pthread_mutex_unlock(&p->queues[i].lock);
}

static void device_reset(struct vhost_priv *p)
{
    lock_all(p);
    for (unsigned i = 0; i < p->n_queues; i++)
        queue_reset(p, &p->queues[i]);
    vhost_mem_unmap(&p->mem);
    unlock_all(p);
    p->features = p->protocol_features = 0;
    __atomic_store_n(&p->broken, false, __ATOMIC_RELAXED);
}

/* Negotiated features into every queue's ring layout. */
static void apply_features(struct vhost_priv *p)
{
    bool mrg = p->features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
    bool v1 = p->features & (1ull << VIRTIO_F_VERSION_1);
    for (unsigned i = 0; i < p->n_queues; i++) {
        struct vhost_queue *q = &p->queues[i];
        pthread_mutex_lock(&q->lock);
        q->vq.mrg_rxbuf = mrg;
        q->vq.hdr_len = mrg || v1 ? sizeof(struct virtio_net_hdr_mrg_rxbuf)
                                  : sizeof(struct virtio_net_hdr);
        q->vq.event_idx = p->features & (1ull << VIRTIO_RING_F_EVENT_IDX);
        pthread_mutex_unlock(&q->lock);
    }
}

/* New memory table: map it first, then swap it in with every queue
 * stopped, and re-translate the rings in it. */
static int set_mem_table(struct vhost_priv *p, struct vhost_user_msg *msg)
{
    struct vhost_mem fresh = { 0 }, old;
    int err = vhost_mem_map(&fresh, msg->payload.memory.regions, msg->fds,
                            msg->payload.memory.n_regions);
    if (err)
        return err;
    lock_all(p);
    old = p->mem;
    p->mem = fresh;
    for (unsigned i = 0; i < p->n_queues && !err; i++) {
        virtqueue_detach(&p->queues[i].vq);
        err = queue_refresh(p, &p->queues[i]);
    }
    unlock_all(p);
    vhost_mem_unmap(&old);
    return err;
}

/* The queue a SET_VRING_* message names, or NULL. */
static struct vhost_queue *msg_queue(struct vhost_priv *p, uint32_t index)
{
    if (index >= p->n_queues) {
        log_warn("%s: guest names queue %u of %u", p->dev->name, index, p->n_queues);
        return NULL;
    }
    return &p->queues[index];
}

/* Handles one validated message.  Returns 0, or a negative errno; *reply
 * says the message was turned into a reply to send. */
static int handle_msg(struct vhost_priv *p, struct vhost_user_msg *msg, bool *reply)
{
    struct vhost_queue *q = NULL;
    int err = 0;
    *reply = false;
    switch (msg->request) {
    case VHOST_USER_GET_FEATURES:
        msg->payload.u64 = VHOST_FEATURES;
        vhost_user_msg_make_reply(msg, sizeof(uint64_t));
        *reply = true;
        return 0;
    case VHOST_USER_SET_FEATURES:
        if (msg->payload.u64 & ~VHOST_FEATURES)
            return -EINVAL;
        p->features = msg->payload.u64;
        apply_features(p);
        return 0;
    case VHOST_USER_GET_PROTOCOL_FEATURES:
        msg->payload.u64 = VHOST_PROTOCOL_FEATURES;
        vhost_user_msg_make_reply(msg, sizeof(uint64_t));
        *reply = true;
        return 0;
    case VHOST_USER_SET_PROTOCOL_FEATURES:
        if (msg->payload.u64 & ~VHOST_PROTOCOL_FEATURES)
            return -EINVAL;
        p->protocol_features = msg->payload.u64;
        return 0;
    case VHOST_USER_GET_QUEUE_NUM:
        msg->payload.u64 = p->n_pairs;
        vhost_user_msg_make_reply(msg, sizeof(uint64_t));
        *reply = true;
        return 0;
    case VHOST_USER_SET_OWNER:
        return 0;
    case VHOST_USER_RESET_OWNER:
        device_reset(p);
        return 0;
    case VHOST_USER_SET_MEM_TABLE:
        return set_mem_table(p, msg);
    case VHOST_USER_SET_VRING_ERR:
        return 0;               /* we never report ring errors; the fd closes */
    default:
        break;
    }

    /* Per-queue requests. */
    uint32_t index = msg->request == VHOST_USER_SET_VRING_KICK ||
                     msg->request == VHOST_USER_SET_VRING_CALL
                         ? (uint32_t)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK)
                         : msg->payload.state.index;
    if (!(q = msg_queue(p, index)))
        return -EINVAL;
    pthread_mutex_lock(&q->lock);
    switch (msg->request) {
    case VHOST_USER_SET_VRING_NUM:
        if (msg->payload.state.num == 0 || msg->payload.state.num > VIRTQUEUE_MAX_SIZE ||
            (msg->payload.state.num & (msg->payload.state.num - 1))) {
            err = -EINVAL;
            break;
        }
        q->num = (uint16_t)msg->payload.state.num;
        virtqueue_detach(&q->vq);
        err = queue_refresh(p, q);
        break;
    case VHOST_USER_SET_VRING_ADDR:
        q->desc_uva = msg->payload.addr.desc_user_addr;
        q->avail_uva = msg->payload.addr.avail_user_addr;
        q->used_uva = msg->payload.addr.used_user_addr;
        q->has_addr = true;
        virtqueue_detach(&q->vq);
        err = queue_refresh(p, q);
        break;
    case VHOST_USER_SET_VRING_BASE:
        if (msg->payload.state.num > UINT16_MAX) {
            err = -EINVAL;
            break;
        }
        q->vq.last_avail_idx = q->vq.last_used_idx = (uint16_t)msg->payload.state.num;
        break;
    case VHOST_USER_GET_VRING_BASE:
        /* Stops the ring; the front-end resumes it from this index. */
        queue_unkick(q);
        if (q->vq.call_fd >= 0)
            close(q->vq.call_fd);
        q->vq.call_fd = -1;
        queue_refresh(p, q);
        msg->payload.state.num = q->vq.last_avail_idx;
        vhost_user_msg_make_reply(msg, sizeof msg->payload.state);
        *reply = true;
        break;
    case VHOST_USER_SET_VRING_KICK:
        if (msg->n_fds != 1) {
            err = -EOPNOTSUPP;  /* polling mode: we sleep in epoll, so we need kicks */
            break;
        }
        if (dup3(msg->fds[0], q->kick_fd, O_CLOEXEC) < 0) {
            err = -errno;
            break;
        }
        fcntl(q->kick_fd, F_SETFL, fcntl(q->kick_fd, F_GETFL) | O_NONBLOCK);
        q->kicked = true;
        /* Without protocol features a ring is enabled once it starts. */
        if (!(p->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
            q->enabled = true;
        err = queue_refresh(p, q);
        break;
    case VHOST_USER_SET_VRING_CALL:
        if (q->vq.call_fd >= 0)
            close(q->vq.call_fd);
        q->vq.call_fd = -1;
        if (msg->n_fds == 1) {
            q->vq.call_fd = msg->fds[0];
            msg->fds[0] = -1;
        }
        break;
    case VHOST_USER_SET_VRING_ENABLE:
        q->enabled = msg->payload.state.num != 0;
        err = queue_refresh(p, q);
        break;
    default:
        err = -EOPNOTSUPP;
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

/* Reads and handles one message.  Returns 0 to carry on, or a negative
 * errno (or -ECONNRESET on close) to drop the connection. */
static int serve_one(struct vhost_priv *p)
{
    struct vhost_user_msg msg;
    char name[32];
    int r = vhost_user_msg_recv(p->conn_fd, &msg);
    if (r == 0)
        return -ECONNRESET;
    if (r < 0) {
        log_warn("%s: bad vhost-user message: %s", p->dev->name, strerror(-r));
        return r;
    }
    const char *what = vhost_user_request_name(msg.request, name, sizeof name);
    bool reply = false;
    int err = vhost_user_msg_validate(&msg);
    if (err == -EOPNOTSUPP) {
        log_warn("%s: vhost-user %s not supported; refused", p->dev->name, what);
    } else if (err) {
        log_warn("%s: vhost-user %s: invalid (%u bytes, %u fds): %s", p->dev->name, what,
                 msg.size, msg.n_fds, strerror(-err));
        vhost_user_msg_close_fds(&msg);
        return err;
    } else {
        log_dbg("%s: vhost-user %s", p->dev->name, what);
        err = handle_msg(p, &msg, &reply);
        if (err)
            log_warn("%s: vhost-user %s failed: %s", p->dev->name, what, strerror(-err));
    }
    vhost_user_msg_close_fds(&msg);

    bool ack = (msg.flags & VHOST_USER_NEED_REPLY) &&
               (p->protocol_features & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
    if (reply) {
        r = vhost_user_msg_send(p->conn_fd, &msg);
    } else if (ack) {
        msg.payload.u64 = err ? 1 : 0;
        vhost_user_msg_make_reply(&msg, sizeof(uint64_t));
        r = vhost_user_msg_send(p->conn_fd, &msg);
    } else {
        r = 0;
    }
    if (r < 0)
        return r;
    /* Refused requests are not fatal; failures the front-end cannot learn
     * of (no REPLY_ACK) end the connection rather than go unnoticed. */
    return err == -EOPNOTSUPP || ack ? 0 : err;
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
    device_reset(p);
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
            int err = serve_one(p);
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
    queue_set_ready(p, q, false);
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
    device_reset(p);
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
