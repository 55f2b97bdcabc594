/* The split virtqueue of virtio 1.x seen from the device side: descriptor
 * table, avail ring (the driver's), used ring (ours).  Rings live in guest
 * memory and every address is checked against the memory table, so a
 * hostile guest gets -errno (and loses its connection), never our memory.
 *
 * Not thread-safe: the caller serializes all calls on one queue (the
 * vhost-user port holds a per-queue lock for a whole burst). */
#ifndef PONTOON_NETDEV_VIRTQUEUE_H
#define PONTOON_NETDEV_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "netdev/vhost_mem.h"
#include "packet/packet.h"

#define VIRTQUEUE_MAX_SIZE 32768

struct virtqueue {
    const struct vhost_mem *mem;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t size;                 /* a power of two */
    uint16_t last_avail_idx;       /* next avail entry to take */
    uint16_t last_used_idx;        /* our copy of used->idx */
    bool event_idx;                /* VIRTIO_RING_F_EVENT_IDX negotiated */
    bool mrg_rxbuf;                /* VIRTIO_NET_F_MRG_RXBUF negotiated */
    uint8_t hdr_len;               /* virtio_net_hdr: 10, or 12 with num_buffers */
    int call_fd;                   /* eventfd to interrupt the guest; -1: none */
};

/* One guest buffer of a chain, translated. */
struct virtqueue_buf {
    uint8_t *addr;
    uint32_t len;
    bool write;                    /* device-writable (VRING_DESC_F_WRITE) */
};

/* Walks one descriptor chain, following NEXT and one level of INDIRECT.
 * Never visits more descriptors than the table holds, so loops end. */
struct virtqueue_chain {
    const struct virtqueue *vq;
    const struct vring_desc *table;
    uint32_t table_size;
    uint32_t next;
    uint32_t steps;
    bool more;
    bool indirect;
};

/* Points the queue at its rings (front-end virtual addresses from
 * SET_VRING_ADDR) after checking size, alignment and that each ring lies in
 * one region.  Keeps last_avail_idx (SET_VRING_BASE); syncs last_used_idx
 * to it.  Returns 0 or -EINVAL/-EFAULT. */
int virtqueue_attach(struct virtqueue *vq, const struct vhost_mem *mem, uint16_t size,
                     uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva);
void virtqueue_detach(struct virtqueue *vq);

int virtqueue_chain_start(struct virtqueue_chain *chain, const struct virtqueue *vq,
                          uint16_t head);
/* 1 with the next non-empty buffer in *buf, 0 at the end of the chain, or
 * -ELOOP (longer than the table), -EINVAL (bad index, nested or malformed
 * indirect), -EFAULT (outside guest memory). */
int virtqueue_chain_next(struct virtqueue_chain *chain, struct virtqueue_buf *buf);

/* Guest transmit: takes up to `max` packets from the avail ring into
 * packets[] (data and offload), returns them as used and interrupts the
 * guest if it asked to be.  Frames that do not fit a packet are consumed and
 * counted in *dropped.  Returns the number of packets, or a negative errno
 * when the guest broke the ring (the connection must go). */
int virtqueue_dequeue(struct virtqueue *vq, struct packet **packets, unsigned max,
                      unsigned *dropped);

/* Guest receive: copies packets[0..n) in order into guest buffers (several
 * per packet with MRG_RXBUF), then publishes them as used.  It stops at the
 * first packet the guest has posted too few buffers for; a packet that can
 * never fit (larger than a chain without MRG_RXBUF) is skipped and counted
 * in *dropped.  Returns the number delivered, or a negative errno when the
 * guest broke the ring (then *dropped = n - delivered).  Otherwise
 * packets[delivered + *dropped .. n) were not taken: the caller may try them
 * again once the guest has posted more buffers, or drop them. */
int virtqueue_enqueue(struct virtqueue *vq, struct packet *const *packets, unsigned n,
                      unsigned *dropped);

/* virtqueue_enqueue() that, when the ring fills part-way, tries the rest
 * again up to `max_retries` times while each try moves something (a polling
 * driver recycles buffers meanwhile; OVS's tx-retries-max).  Packets still
 * not taken are dropped: *dropped counts them and those that never fit,
 * *not_taken only the former; *retries the tries after the first. */
int virtqueue_enqueue_retrying(struct virtqueue *vq, struct packet *const *packets, unsigned n,
                               unsigned max_retries, unsigned *dropped, unsigned *retries,
                               unsigned *not_taken);

/* Whether the driver has published buffers we have not taken.  With
 * EVENT_IDX it first asks the driver to kick at the next one. */
bool virtqueue_has_avail(struct virtqueue *vq);

/* Asks the driver not to kick us on this queue (guest receive queues: we
 * look at the ring whenever we have a packet anyway). */
void virtqueue_suppress_kicks(struct virtqueue *vq);

#endif
