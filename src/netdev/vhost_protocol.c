/* The vhost-user protocol of a vhost-user port: each message the front-end
 * (QEMU, DPDK virtio-user) sends, and the queue state it changes, on the
 * port's protocol thread.  See netdev_vhostuser.c for the threads and the
 * locking, vhost_port.h for the state. */
#include "netdev/vhost_port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "netdev/netdev_vhostuser.h"
#include "util/log.h"

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
void vhost_queue_set_ready(struct vhost_priv *p, struct vhost_queue *q, bool ready)
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
        vhost_queue_set_ready(p, q, ready);
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

void vhost_device_reset(struct vhost_priv *p)
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
        vhost_device_reset(p);
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
int vhost_serve_one(struct vhost_priv *p)
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

