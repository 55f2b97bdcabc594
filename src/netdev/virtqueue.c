/* Split virtqueue, device side.  The guest writes the descriptor table and
 * the avail ring concurrently with us, so every descriptor is copied once
 * into a local before it is checked and used (no double fetch), and
 * indices from the guest are masked or bounds-checked before use. */
#include "netdev/virtqueue.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <unistd.h>

#include "netdev/vnet_hdr.h"

#define VNET_HDR_MRG_LEN 12        /* struct virtio_net_hdr_mrg_rxbuf */

static inline uint16_t ring_load_avail_idx(const struct virtqueue *vq)
{
    /* Acquire: the ring entries and descriptors we read next are at least
     * as new as the index (pairs with the driver's write barrier). */
    return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
}

int virtqueue_attach(struct virtqueue *vq, const struct vhost_mem *mem, uint16_t size,
                     uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva)
{
    vq->desc = NULL;
    vq->avail = NULL;
    vq->used = NULL;
    if (size == 0 || (size & (size - 1)))
        return -EINVAL;
    /* The alignments virtio requires, and what our atomic accesses need. */
    if ((desc_uva & 15) || (avail_uva & 1) || (used_uva & 3))
        return -EINVAL;
    /* Each ring with its trailing event field (used_event / avail_event). */
    uint64_t desc_len = 16ull * size;
    uint64_t avail_len = 4 + 2ull * size + 2;
    uint64_t used_len = 4 + 8ull * size + 2;
    struct vring_desc *desc = vhost_mem_uva_to_host(mem, desc_uva, desc_len);
    struct vring_avail *avail = vhost_mem_uva_to_host(mem, avail_uva, avail_len);
    struct vring_used *used = vhost_mem_uva_to_host(mem, used_uva, used_len);
    if (!desc || !avail || !used)
        return -EFAULT;
    vq->mem = mem;
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    vq->size = size;
    vq->last_used_idx = vq->last_avail_idx;
    return 0;
}

void virtqueue_detach(struct virtqueue *vq)
{
    vq->desc = NULL;
    vq->avail = NULL;
    vq->used = NULL;
    vq->mem = NULL;
}

int virtqueue_chain_start(struct virtqueue_chain *chain, const struct virtqueue *vq,
                          uint16_t head)
{
    if (!vq->desc || head >= vq->size)
        return -EINVAL;
    *chain = (struct virtqueue_chain) {
        .vq = vq, .table = vq->desc, .table_size = vq->size, .next = head, .more = true,
    };
    return 0;
}

int virtqueue_chain_next(struct virtqueue_chain *chain, struct virtqueue_buf *buf)
{
    while (chain->more) {
        /* A chain with more links than the table has entries revisits one. */
        if (chain->steps >= chain->table_size)
            return -ELOOP;
        chain->steps++;
        struct vring_desc d;
        memcpy(&d, &chain->table[chain->next], sizeof d);

        if (d.flags & VRING_DESC_F_INDIRECT) {
            /* One level only, never combined with NEXT, whole entries. */
            if (chain->indirect || (d.flags & VRING_DESC_F_NEXT) || d.len == 0 ||
                d.len % sizeof(struct vring_desc) ||
                d.len / sizeof(struct vring_desc) > VIRTQUEUE_MAX_SIZE)
                return -EINVAL;
            const struct vring_desc *table = vhost_mem_gpa_to_host(chain->vq->mem, d.addr, d.len);
            if (!table)
                return -EFAULT;
            chain->table = table;
            chain->table_size = d.len / sizeof(struct vring_desc);
            chain->next = 0;
            chain->steps = 0;
            chain->indirect = true;
            continue;
        }
        chain->more = d.flags & VRING_DESC_F_NEXT;
        if (chain->more) {
            if (d.next >= chain->table_size)
                return -EINVAL;
            chain->next = d.next;
        }
        if (d.len == 0)
            continue;
        uint8_t *addr = vhost_mem_gpa_to_host(chain->vq->mem, d.addr, d.len);
        if (!addr)
            return -EFAULT;
        buf->addr = addr;
        buf->len = d.len;
        buf->write = d.flags & VRING_DESC_F_WRITE;
        return 1;
    }
    return 0;
}

/* Copies one guest transmit chain into `pkt`: the first hdr_len bytes into
 * the offload header, the rest into the frame.  Returns 0, -EMSGSIZE for a
 * frame we must drop (too short, too long), or another negative errno for a
 * broken chain. */
static int chain_to_packet(const struct virtqueue *vq, uint16_t head, struct packet *pkt)
{
    struct virtqueue_chain chain;
    int err = virtqueue_chain_start(&chain, vq, head);
    if (err)
        return err;
    uint8_t hdr[VNET_HDR_MRG_LEN];
    uint32_t hdr_got = 0, room = packet_tailroom(pkt);
    uint64_t frame_len = 0;
    bool too_long = false;
    struct virtqueue_buf buf;
    while ((err = virtqueue_chain_next(&chain, &buf)) > 0) {
        if (buf.write)
            return -EINVAL;         /* a transmit buffer is read-only to us */
        const uint8_t *src = buf.addr;
        uint32_t len = buf.len;
        if (hdr_got < vq->hdr_len) {
            uint32_t n = vq->hdr_len - hdr_got < len ? vq->hdr_len - hdr_got : len;
            memcpy(hdr + hdr_got, src, n);
            hdr_got += n;
            src += n;
            len -= n;
        }
        if (frame_len + len > room)
            too_long = true;
        else
            memcpy(pkt->data + frame_len, src, len);
        frame_len += len;
    }
    if (err < 0)
        return err;
    if (too_long || hdr_got < vq->hdr_len || frame_len < ETH_HEADER_LEN)
        return -EMSGSIZE;
    struct virtio_net_hdr h;
    memcpy(&h, hdr, sizeof h);
    vnet_hdr_to_offload(&h, &pkt->offload);
    pkt->len = (uint32_t)frame_len;
    return 0;
}

static void used_ring_put(struct virtqueue *vq, uint16_t slot, uint32_t id, uint32_t len)
{
    struct vring_used_elem *e = &vq->used->ring[slot & (vq->size - 1)];
    e->id = id;
    e->len = len;
}

/* Publishes used entries [last_used_idx, new_idx) and interrupts the guest
 * unless it said it does not need to be. */
static void used_ring_publish(struct virtqueue *vq, uint16_t new_idx)
{
    uint16_t old_idx = vq->last_used_idx;
    if (new_idx == old_idx)
        return;
    /* Release: the guest sees the entries (and the data in its buffers)
     * before it sees the index move. */
    __atomic_store_n(&vq->used->idx, new_idx, __ATOMIC_RELEASE);
    vq->last_used_idx = new_idx;

    /* Full barrier: our index store must be visible before we read the
     * driver's used_event / flags, or we could miss a request for an
     * interrupt that the driver made after checking our old index. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool notify;
    if (vq->event_idx) {
        uint16_t used_event = __atomic_load_n(&vq->avail->ring[vq->size], __ATOMIC_RELAXED);
        notify = (uint16_t)(new_idx - used_event - 1) < (uint16_t)(new_idx - old_idx);
    } else {
        notify = !(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED) &
                   VRING_AVAIL_F_NO_INTERRUPT);
    }
    if (notify && vq->call_fd >= 0) {
        uint64_t one = 1;
        /* EAGAIN means the counter is already huge: the guest will wake. */
        if (write(vq->call_fd, &one, sizeof one) < 0) {
        }
    }
}

/* Entries the driver published and we have not taken; -EINVAL when the
 * driver claims more than the ring holds. */
static int avail_count(const struct virtqueue *vq)
{
    uint16_t n = (uint16_t)(ring_load_avail_idx(vq) - vq->last_avail_idx);
    return n > vq->size ? -EINVAL : n;
}

static inline uint16_t avail_ring_get(const struct virtqueue *vq, uint16_t idx)
{
    return __atomic_load_n(&vq->avail->ring[idx & (vq->size - 1)], __ATOMIC_RELAXED);
}

int virtqueue_dequeue(struct virtqueue *vq, struct packet **packets, unsigned max,
                      unsigned *dropped)
{
    *dropped = 0;
    if (!vq->desc)
        return 0;
    int n_avail = avail_count(vq);
    if (n_avail <= 0)
        return n_avail;
    unsigned got = 0, taken = 0;
    uint16_t used_idx = vq->last_used_idx;
    int err = 0;
    while (taken < (unsigned)n_avail && got < max) {
        uint16_t head = avail_ring_get(vq, vq->last_avail_idx);
        err = chain_to_packet(vq, head, packets[got]);
        if (err == -EMSGSIZE) {
            (*dropped)++;
            err = 0;
        } else if (err) {
            break;
        } else {
            got++;
        }
        used_ring_put(vq, used_idx++, head, 0);
        vq->last_avail_idx++;
        taken++;
    }
    used_ring_publish(vq, used_idx);
    return err ? err : (int)got;
}

/* Where a packet is being written into guest receive buffers. */
struct rx_cursor {
    struct virtqueue_chain chain;
    struct virtqueue_buf buf;
    uint32_t buf_off;
    uint32_t chain_written;
};

/* Copies `len` bytes from `src` into the chain behind `c`, moving to the
 * next buffer as each fills.  Records where header byte `mark` lands when
 * mark_out is given (num_buffers, filled in once we know it).  Returns 0,
 * -ENOSPC when the chain ends first, or an error from the chain walk. */
static int rx_copy(struct rx_cursor *c, const uint8_t *src, uint32_t len,
                   uint8_t **mark_out, uint32_t mark)
{
    uint32_t done = 0;
    while (done < len) {
        if (c->buf_off == c->buf.len) {
            int r = virtqueue_chain_next(&c->chain, &c->buf);
            if (r < 0)
                return r;
            if (r == 0)
                return -ENOSPC;
            if (!c->buf.write)
                return -EINVAL;     /* a receive buffer must be writable */
            c->buf_off = 0;
        }
        uint32_t n = c->buf.len - c->buf_off;
        if (n > len - done)
            n = len - done;
        if (mark_out) {
            for (uint32_t i = 0; i < 2; i++)
                if (mark + i >= done && mark + i < done + n)
                    mark_out[i] = c->buf.addr + c->buf_off + (mark + i - done);
        }
        memcpy(c->buf.addr + c->buf_off, src + done, n);
        c->buf_off += n;
        c->chain_written += n;
        done += n;
    }
    return 0;
}

/* Delivers one packet.  Returns 0, -ENOSPC (the guest has posted too few
 * buffers: nothing taken), -EMSGSIZE (larger than a chain without MRG_RXBUF,
 * or a chain too small for the header: it never fits), or the error of a
 * broken chain. */
static int enqueue_one(struct virtqueue *vq, const struct packet *pkt, uint16_t *used_idx,
                       uint16_t *avail_left)
{
    struct virtio_net_hdr_mrg_rxbuf h;
    memset(&h, 0, sizeof h);
    vnet_hdr_from_offload(&pkt->offload, &h.hdr);
    h.num_buffers = 1;
    uint8_t *num_buffers_at[2] = { NULL, NULL };

    uint16_t start_avail = vq->last_avail_idx, start_used = *used_idx, left = *avail_left;
    struct rx_cursor c;
    uint32_t hdr_done = 0, data_done = 0;
    uint16_t n_bufs = 0;
    int err = 0;
    while (hdr_done < vq->hdr_len || data_done < pkt->len || n_bufs == 0) {
        if (!left) {
            err = -ENOSPC;
            goto rewind;
        }
        uint16_t head = avail_ring_get(vq, vq->last_avail_idx);
        if ((err = virtqueue_chain_start(&c.chain, vq, head)))
            goto rewind;
        c.buf.len = c.buf_off = c.chain_written = 0;
        vq->last_avail_idx++;
        left--;
        n_bufs++;
        if (hdr_done < vq->hdr_len) {
            err = rx_copy(&c, (const uint8_t *)&h, vq->hdr_len, num_buffers_at,
                          offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers));
            if (err) {
                err = err == -ENOSPC ? -EMSGSIZE : err;
                goto rewind;        /* the header must fit the first chain */
            }
            hdr_done = vq->hdr_len;
        }
        /* Without MRG_RXBUF the whole frame goes into this one chain. */
        uint32_t before = c.chain_written;
        err = rx_copy(&c, pkt->data + data_done, pkt->len - data_done, NULL, 0);
        if (err == -ENOSPC && vq->mrg_rxbuf) {
            /* Filled this chain: count what went in and take another. */
            data_done += c.chain_written - before;
            err = 0;
        } else if (err) {
            err = err == -ENOSPC ? -EMSGSIZE : err;
            goto rewind;
        } else {
            data_done = pkt->len;
        }
        used_ring_put(vq, (*used_idx)++, head, c.chain_written);
    }
    if (vq->hdr_len == VNET_HDR_MRG_LEN && n_bufs > 1) {
        if (num_buffers_at[0])
            *num_buffers_at[0] = (uint8_t)n_bufs;
        if (num_buffers_at[1])
            *num_buffers_at[1] = (uint8_t)(n_bufs >> 8);
    }
    *avail_left = left;
    return 0;

rewind:
    /* Buffers we wrote into but do not mark used stay the guest's. */
    vq->last_avail_idx = start_avail;
    *used_idx = start_used;
    return err;
}

int virtqueue_enqueue(struct virtqueue *vq, struct packet *const *packets, unsigned n,
                      unsigned *dropped)
{
    *dropped = 0;
    if (!vq->desc) {
        *dropped = n;
        return 0;
    }
    int n_avail = avail_count(vq);
    if (n_avail < 0)
        return n_avail;
    uint16_t left = (uint16_t)n_avail, used_idx = vq->last_used_idx;
    unsigned sent = 0;
    int err = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!left) {
            /* The guest may have posted more since we looked. */
            n_avail = avail_count(vq);
            if (n_avail < 0) {
                err = n_avail;
                break;
            }
            left = (uint16_t)n_avail;
        }
        err = enqueue_one(vq, packets[i], &used_idx, &left);
        if (err == -EMSGSIZE) {
            (*dropped)++;
            err = 0;
        } else if (err == -ENOSPC) {
            err = 0;
            break;          /* in order: the rest waits for more buffers */
        } else if (err) {
            break;
        } else {
            sent++;
        }
    }
    if (err)
        *dropped = n - sent;
    used_ring_publish(vq, used_idx);
    return err ? err : (int)sent;
}

int virtqueue_enqueue_retrying(struct virtqueue *vq, struct packet *const *packets, unsigned n,
                               unsigned max_retries, unsigned *dropped, unsigned *retries,
                               unsigned *not_taken)
{
    unsigned done = 0, sent = 0, never_fit = 0;
    *retries = 0;
    for (;;) {
        unsigned d;
        int r = virtqueue_enqueue(vq, packets + done, n - done, &d);
        if (r < 0) {
            *dropped = n - sent;
            *not_taken = 0;
            return r;
        }
        sent += (unsigned)r;
        never_fit += d;
        done += (unsigned)r + d;
        if (done == n || (r == 0 && d == 0) || *retries == max_retries)
            break;
        (*retries)++;
    }
    *not_taken = n - done;
    *dropped = never_fit + *not_taken;
    return (int)sent;
}

bool virtqueue_has_avail(struct virtqueue *vq)
{
    if (!vq->desc)
        return false;
    if (vq->event_idx) {
        /* avail_event: kick us when you publish entry last_avail_idx. */
        __atomic_store_n((uint16_t *)&vq->used->ring[vq->size], vq->last_avail_idx,
                         __ATOMIC_RELAXED);
        /* Full barrier: the guest must see the request before we look at
         * its index, or a buffer published in between gets no kick. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return avail_count(vq) != 0;
}

void virtqueue_suppress_kicks(struct virtqueue *vq)
{
    if (vq->used && !vq->event_idx)
        __atomic_store_n(&vq->used->flags, VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
}
