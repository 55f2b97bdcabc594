/* The vhost-user port's state, shared by its two halves:
 * netdev_vhostuser.c (settings, the connection thread, the netdev class:
 * the datapath's receive and send) and vhost_protocol.c (the vhost-user
 * messages and the queue state they change, on the protocol thread).
 * Private to those two files. */
#ifndef PONTOON_NETDEV_VHOST_PORT_H
#define PONTOON_NETDEV_VHOST_PORT_H

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "netdev/flow_queue.h"
#include "netdev/netdev.h"
#include "netdev/vhost_mem.h"
#include "netdev/vhost_user_msg.h"
#include "netdev/virtqueue.h"

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

/* vhost_protocol.c: with q->lock held, the datapath may (not) use the queue
 * from now on. */
void vhost_queue_set_ready(struct vhost_priv *p, struct vhost_queue *q, bool ready);
/* Every queue back to its state before the guest came (every lock taken). */
void vhost_device_reset(struct vhost_priv *p);
/* Reads and handles one message.  Returns 0 to carry on, or a negative
 * errno (or -ECONNRESET on close) to drop the connection. */
int vhost_serve_one(struct vhost_priv *p);

#endif
