/* virtqueue against a fake guest: one memfd mapped as guest memory, rings
 * and buffers laid out in it by hand the way a virtio driver would. */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/vhost_mem.h"
#include "netdev/virtqueue.h"

#define GUEST_SIZE  (1u << 20)
#define GPA_BASE    0x100000ull          /* guest-physical address of byte 0 */
#define UVA_BASE    0x7f0000000000ull    /* the front-end's address of byte 0 */
#define QSIZE       8
#define DESC_OFF    0x0
#define AVAIL_OFF   0x1000
#define USED_OFF    0x2000
#define BUF_OFF     0x10000              /* buffers from here */

struct guest {
    int fd;
    struct vhost_mem mem;
    uint8_t *base;                       /* our view of guest byte 0 */
    struct virtqueue vq;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    struct packet *pkts[4];
};

static int guest_setup(void **state)
{
    struct guest *g = calloc(1, sizeof *g);
    g->fd = memfd_create("guest", MFD_CLOEXEC);
    assert_true(g->fd >= 0);
    assert_int_equal(ftruncate(g->fd, GUEST_SIZE), 0);
    struct vhost_mem_region_spec spec = { GPA_BASE, GUEST_SIZE, UVA_BASE, 0 };
    assert_int_equal(vhost_mem_map(&g->mem, &spec, &g->fd, 1), 0);
    g->base = vhost_mem_gpa_to_host(&g->mem, GPA_BASE, GUEST_SIZE);
    assert_non_null(g->base);
    g->desc = (void *)(g->base + DESC_OFF);
    g->avail = (void *)(g->base + AVAIL_OFF);
    g->used = (void *)(g->base + USED_OFF);
    g->vq.call_fd = -1;
    g->vq.hdr_len = 12;
    g->vq.mrg_rxbuf = true;
    assert_int_equal(virtqueue_attach(&g->vq, &g->mem, QSIZE, UVA_BASE + DESC_OFF,
                                      UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF), 0);
    for (int i = 0; i < 4; i++)
        g->pkts[i] = packet_new();
    *state = g;
    return 0;
}

static int guest_teardown(void **state)
{
    struct guest *g = *state;
    for (int i = 0; i < 4; i++)
        packet_free(g->pkts[i]);
    if (g->vq.call_fd >= 0)
        close(g->vq.call_fd);
    vhost_mem_unmap(&g->mem);
    close(g->fd);
    free(g);
    return 0;
}

static void set_desc(struct guest *g, unsigned i, uint64_t gpa, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    g->desc[i] = (struct vring_desc) { gpa, len, flags, next };
}

/* Publishes `head` in the avail ring. */
static void publish(struct guest *g, uint16_t head)
{
    g->avail->ring[g->avail->idx % QSIZE] = head;
    g->avail->idx++;
}

/* A transmit chain: 12-byte header in desc `i`, frame of `len` in desc i+1. */
static void tx_chain(struct guest *g, unsigned i, uint32_t len, uint8_t fill)
{
    uint64_t hdr = GPA_BASE + BUF_OFF + i * 0x1000, data = hdr + 64;
    struct virtio_net_hdr_mrg_rxbuf *h = (void *)(g->base + (hdr - GPA_BASE));
    memset(h, 0, sizeof *h);
    h->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    h->hdr.csum_start = 34;
    h->hdr.csum_offset = 16;
    memset(g->base + (data - GPA_BASE), fill, len);
    set_desc(g, i, hdr, 12, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
    set_desc(g, i + 1, data, len, 0, 0);
}

static void test_dequeue_simple(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 0xab);
    publish(g, 0);
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 1);
    assert_int_equal(dropped, 0);
    assert_int_equal(g->pkts[0]->len, 60);
    assert_int_equal(g->pkts[0]->data[59], 0xab);
    assert_int_equal(g->pkts[0]->offload.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(g->pkts[0]->offload.csum_start, 34);
    assert_int_equal(g->used->idx, 1);
    assert_int_equal(g->used->ring[0].id, 0);
    /* Nothing more. */
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 0);
}

static void test_dequeue_header_split_and_runt(void **state)
{
    struct guest *g = *state;
    /* Header over two descriptors (4 + 8 bytes) then the frame. */
    uint64_t b = GPA_BASE + BUF_OFF;
    memset(g->base + BUF_OFF, 0, 0x100);
    memset(g->base + BUF_OFF + 0x80, 0x11, 100);
    set_desc(g, 0, b, 4, VRING_DESC_F_NEXT, 1);
    set_desc(g, 1, b + 4, 8, VRING_DESC_F_NEXT, 2);
    set_desc(g, 2, b + 0x80, 100, 0, 0);
    publish(g, 0);
    /* A runt: header only. */
    set_desc(g, 3, b, 12, 0, 0);
    publish(g, 3);
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 1);
    assert_int_equal(dropped, 1);
    assert_int_equal(g->pkts[0]->len, 100);
    assert_int_equal(g->used->idx, 2);  /* both returned to the guest */
}

static void expect_broken(struct guest *g, int err)
{
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), err);
}

static void test_chain_loop(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].flags = VRING_DESC_F_NEXT;
    g->desc[1].next = 0;                 /* 0 -> 1 -> 0 -> ... */
    publish(g, 0);
    expect_broken(g, -ELOOP);
}

static void test_chain_self_loop(void **state)
{
    struct guest *g = *state;
    set_desc(g, 5, GPA_BASE + BUF_OFF, 16, VRING_DESC_F_NEXT, 5);
    publish(g, 5);
    expect_broken(g, -ELOOP);
}

static void test_chain_full_length_ok(void **state)
{
    struct guest *g = *state;
    /* QSIZE descriptors in one chain is the longest legal chain. */
    memset(g->base + BUF_OFF, 0, 0x1000);
    for (unsigned i = 0; i < QSIZE; i++)
        set_desc(g, i, GPA_BASE + BUF_OFF + i * 16, 16,
                 i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
    publish(g, 0);
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 1);
    assert_int_equal(g->pkts[0]->len, QSIZE * 16 - 12);
}

static void test_chain_bad_next(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].flags = VRING_DESC_F_NEXT;
    g->desc[1].next = QSIZE;             /* past the table */
    publish(g, 0);
    expect_broken(g, -EINVAL);
}

static void test_bad_head(void **state)
{
    struct guest *g = *state;
    publish(g, QSIZE + 3);
    expect_broken(g, -EINVAL);
}

static void test_avail_idx_too_far(void **state)
{
    struct guest *g = *state;
    g->avail->idx = QSIZE + 1;           /* more than the ring can hold */
    expect_broken(g, -EINVAL);
}

static void test_addr_outside_memory(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].addr = GPA_BASE + GUEST_SIZE;     /* just past the end */
    publish(g, 0);
    expect_broken(g, -EFAULT);
}

static void test_addr_below_memory(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].addr = GPA_BASE - 1;
    publish(g, 0);
    expect_broken(g, -EFAULT);
}

static void test_len_crosses_end(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].addr = GPA_BASE + GUEST_SIZE - 10;
    g->desc[1].len = 11;
    publish(g, 0);
    expect_broken(g, -EFAULT);
}

static void test_len_wraps(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].addr = UINT64_MAX - 7;
    g->desc[1].len = 0xffffffff;
    publish(g, 0);
    expect_broken(g, -EFAULT);
}

static void test_tx_writable_desc(void **state)
{
    struct guest *g = *state;
    tx_chain(g, 0, 60, 1);
    g->desc[1].flags = VRING_DESC_F_WRITE;
    publish(g, 0);
    expect_broken(g, -EINVAL);
}

static void test_frame_too_long_dropped(void **state)
{
    struct guest *g = *state;
    /* 70 000 bytes of frame in two descriptors: over PACKET_DATA_MAX. */
    set_desc(g, 0, GPA_BASE + BUF_OFF, 12, VRING_DESC_F_NEXT, 1);
    set_desc(g, 1, GPA_BASE + BUF_OFF + 0x1000, 40000, VRING_DESC_F_NEXT, 2);
    set_desc(g, 2, GPA_BASE + BUF_OFF + 0x1000, 30000, 0, 0);
    publish(g, 0);
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 0);
    assert_int_equal(dropped, 1);
    assert_int_equal(g->used->idx, 1);
}

/* Indirect table at BUF_OFF + 0x8000 (guest-physical). */
static struct vring_desc *indirect_table(struct guest *g)
{
    return (void *)(g->base + BUF_OFF + 0x8000);
}

static void test_indirect_ok(void **state)
{
    struct guest *g = *state;
    struct vring_desc *t = indirect_table(g);
    memset(g->base + BUF_OFF, 0x22, 0x100);
    memset(g->base + BUF_OFF, 0, 12);
    t[0] = (struct vring_desc) { GPA_BASE + BUF_OFF, 12, VRING_DESC_F_NEXT, 1 };
    t[1] = (struct vring_desc) { GPA_BASE + BUF_OFF + 12, 80, 0, 0 };
    set_desc(g, 0, GPA_BASE + BUF_OFF + 0x8000, 2 * 16, VRING_DESC_F_INDIRECT, 0);
    publish(g, 0);
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 1);
    assert_int_equal(g->pkts[0]->len, 80);
    assert_int_equal(g->pkts[0]->data[0], 0x22);
}

static void test_indirect_nested(void **state)
{
    struct guest *g = *state;
    struct vring_desc *t = indirect_table(g);
    t[0] = (struct vring_desc) { GPA_BASE + BUF_OFF + 0x8000, 16, VRING_DESC_F_INDIRECT, 0 };
    set_desc(g, 0, GPA_BASE + BUF_OFF + 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
    publish(g, 0);
    expect_broken(g, -EINVAL);
}

static void test_indirect_loop(void **state)
{
    struct guest *g = *state;
    struct vring_desc *t = indirect_table(g);
    t[0] = (struct vring_desc) { GPA_BASE + BUF_OFF, 12, VRING_DESC_F_NEXT, 1 };
    t[1] = (struct vring_desc) { GPA_BASE + BUF_OFF, 12, VRING_DESC_F_NEXT, 0 };
    set_desc(g, 0, GPA_BASE + BUF_OFF + 0x8000, 2 * 16, VRING_DESC_F_INDIRECT, 0);
    publish(g, 0);
    expect_broken(g, -ELOOP);
}

static void test_indirect_bad_len(void **state)
{
    struct guest *g = *state;
    set_desc(g, 0, GPA_BASE + BUF_OFF + 0x8000, 17, VRING_DESC_F_INDIRECT, 0);
    publish(g, 0);
    expect_broken(g, -EINVAL);
}

static void test_indirect_outside(void **state)
{
    struct guest *g = *state;
    set_desc(g, 0, GPA_BASE + GUEST_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
    publish(g, 0);
    expect_broken(g, -EFAULT);
}

static void test_indirect_with_next(void **state)
{
    struct guest *g = *state;
    set_desc(g, 0, GPA_BASE + BUF_OFF + 0x8000, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    publish(g, 0);
    expect_broken(g, -EINVAL);
}

static void test_attach_checks(void **state)
{
    struct guest *g = *state;
    struct virtqueue vq = { .call_fd = -1 };
    assert_int_equal(virtqueue_attach(&vq, &g->mem, 6, UVA_BASE, UVA_BASE + AVAIL_OFF,
                                      UVA_BASE + USED_OFF), -EINVAL);
    assert_int_equal(virtqueue_attach(&vq, &g->mem, 8, UVA_BASE + 8, UVA_BASE + AVAIL_OFF,
                                      UVA_BASE + USED_OFF), -EINVAL);
    assert_int_equal(virtqueue_attach(&vq, &g->mem, 8, UVA_BASE, UVA_BASE + AVAIL_OFF,
                                      UVA_BASE + GUEST_SIZE - 8), -EFAULT);
    assert_int_equal(virtqueue_attach(&vq, &g->mem, 8, GPA_BASE, UVA_BASE + AVAIL_OFF,
                                      UVA_BASE + USED_OFF), -EFAULT);
    /* A 32768-entry ring does not fit in front of avail here. */
    assert_int_equal(virtqueue_attach(&vq, &g->mem, 32768, UVA_BASE + GUEST_SIZE - 0x1000,
                                      UVA_BASE + AVAIL_OFF, UVA_BASE + USED_OFF), -EFAULT);
}

/* Receive side: `n` chains of one writable buffer of `len` each. */
static void rx_chains(struct guest *g, unsigned n, uint32_t len)
{
    for (unsigned i = 0; i < n; i++) {
        set_desc(g, i, GPA_BASE + BUF_OFF + i * 0x1000, len, VRING_DESC_F_WRITE, 0);
        publish(g, (uint16_t)i);
    }
}

static void make_packet(struct packet *pkt, uint32_t len)
{
    packet_reset(pkt);
    for (uint32_t i = 0; i < len; i++)
        pkt->data[i] = (uint8_t)i;
    pkt->len = len;
    pkt->offload.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    pkt->offload.gso_size = 1448;
}

static void test_enqueue_mergeable(void **state)
{
    struct guest *g = *state;
    rx_chains(g, 3, 64);
    make_packet(g->pkts[0], 150);        /* 12 + 150 = 162: three 64-byte buffers */
    unsigned dropped;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);
    assert_int_equal(dropped, 0);
    assert_int_equal(g->used->idx, 3);
    assert_int_equal(g->used->ring[0].len, 64);
    assert_int_equal(g->used->ring[1].len, 64);
    assert_int_equal(g->used->ring[2].len, 34);
    struct virtio_net_hdr_mrg_rxbuf *h = (void *)(g->base + BUF_OFF);
    assert_int_equal(h->num_buffers, 3);
    assert_int_equal(h->hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(h->hdr.gso_size, 1448);
    assert_int_equal(g->base[BUF_OFF + 12], 0);
    assert_int_equal(g->base[BUF_OFF + 0x1000], 52);          /* byte 52 of the frame */
    assert_int_equal(g->base[BUF_OFF + 0x2000 + 33], 149);
}

static void test_enqueue_stops_without_room(void **state)
{
    struct guest *g = *state;
    rx_chains(g, 2, 64);
    make_packet(g->pkts[0], 150);        /* needs three */
    make_packet(g->pkts[1], 40);         /* fits in one, but comes after */
    unsigned dropped;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 2, &dropped), 0);
    assert_int_equal(dropped, 0);        /* not taken: the caller may try again */
    assert_int_equal(g->used->idx, 0);
    assert_int_equal(g->vq.last_avail_idx, 0);
    /* The guest posts a third buffer: the first packet goes, in order. */
    set_desc(g, 2, GPA_BASE + BUF_OFF + 2 * 0x1000, 64, VRING_DESC_F_WRITE, 0);
    publish(g, 2);
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 2, &dropped), 1);
    assert_int_equal(dropped, 0);
    assert_int_equal(g->used->idx, 3);
    assert_int_equal(g->vq.last_avail_idx, 3);
}

/* Four 40-byte packets, two one-buffer chains posted. */
static void two_buffers_four_packets(struct guest *g)
{
    rx_chains(g, 2, 64);
    for (int i = 0; i < 4; i++)
        make_packet(g->pkts[i], 40);
}

static void test_enqueue_retry_stops_without_progress(void **state)
{
    struct guest *g = *state;
    two_buffers_four_packets(g);
    unsigned dropped, retries, not_taken;
    assert_int_equal(virtqueue_enqueue_retrying(&g->vq, g->pkts, 4, 8, &dropped, &retries,
                                                &not_taken), 2);
    /* One retry after the first try moved two; it moved nothing: stop. */
    assert_int_equal(retries, 1);
    assert_int_equal(not_taken, 2);
    assert_int_equal(dropped, 2);
    assert_int_equal(g->used->idx, 2);
}

static void test_enqueue_retry_max_zero(void **state)
{
    struct guest *g = *state;
    two_buffers_four_packets(g);
    unsigned dropped, retries, not_taken;
    assert_int_equal(virtqueue_enqueue_retrying(&g->vq, g->pkts, 4, 0, &dropped, &retries,
                                                &not_taken), 2);
    assert_int_equal(retries, 0);
    assert_int_equal(not_taken, 2);
    assert_int_equal(dropped, 2);
}

static void test_enqueue_retry_empty_ring(void **state)
{
    struct guest *g = *state;
    for (int i = 0; i < 4; i++)
        make_packet(g->pkts[i], 40);
    unsigned dropped, retries, not_taken;
    assert_int_equal(virtqueue_enqueue_retrying(&g->vq, g->pkts, 4, 8, &dropped, &retries,
                                                &not_taken), 0);
    assert_int_equal(retries, 0);      /* nothing moved: a guest that is not reading */
    assert_int_equal(not_taken, 4);
    assert_int_equal(dropped, 4);
}

static void test_enqueue_retry_never_fit_counts_as_progress(void **state)
{
    struct guest *g = *state;
    g->vq.mrg_rxbuf = false;
    rx_chains(g, 1, 100);
    make_packet(g->pkts[0], 200);      /* larger than any chain: dropped, not retried */
    make_packet(g->pkts[1], 40);
    make_packet(g->pkts[2], 40);       /* no buffer left */
    unsigned dropped, retries, not_taken;
    assert_int_equal(virtqueue_enqueue_retrying(&g->vq, g->pkts, 3, 8, &dropped, &retries,
                                                &not_taken), 1);
    assert_int_equal(retries, 1);
    assert_int_equal(not_taken, 1);
    assert_int_equal(dropped, 2);
    assert_int_equal(g->used->idx, 1);
    assert_int_equal(g->used->ring[0].len, 12 + 40);
}

static void test_enqueue_single_chain(void **state)
{
    struct guest *g = *state;
    g->vq.mrg_rxbuf = false;
    set_desc(g, 0, GPA_BASE + BUF_OFF, 12, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    set_desc(g, 1, GPA_BASE + BUF_OFF + 0x100, 100, VRING_DESC_F_WRITE, 0);
    publish(g, 0);
    set_desc(g, 2, GPA_BASE + BUF_OFF + 0x1000, 1000, VRING_DESC_F_WRITE, 0);
    publish(g, 2);
    make_packet(g->pkts[0], 150);        /* does not fit chain 0 */
    unsigned dropped;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 0);
    assert_int_equal(dropped, 1);
    assert_int_equal(g->used->idx, 0);
    make_packet(g->pkts[0], 90);
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);
    assert_int_equal(g->used->ring[0].len, 102);
    assert_int_equal(((struct virtio_net_hdr_mrg_rxbuf *)(g->base + BUF_OFF))->num_buffers, 1);
}

static void test_enqueue_readonly_buffer(void **state)
{
    struct guest *g = *state;
    set_desc(g, 0, GPA_BASE + BUF_OFF, 2000, 0, 0);
    publish(g, 0);
    make_packet(g->pkts[0], 60);
    unsigned dropped;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), -EINVAL);
    assert_int_equal(g->used->idx, 0);
}

static uint64_t call_count(struct guest *g)
{
    uint64_t v = 0;
    if (read(g->vq.call_fd, &v, sizeof v) < 0)
        return 0;
    return v;
}

static void test_notify_event_idx(void **state)
{
    struct guest *g = *state;
    g->vq.call_fd = eventfd(0, EFD_NONBLOCK);
    g->vq.event_idx = true;
    uint16_t *used_event = &g->avail->ring[QSIZE];
    rx_chains(g, 4, 200);
    make_packet(g->pkts[0], 60);
    *used_event = 1;                     /* interrupt me once used passes 1 */
    unsigned dropped;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);   /* used 0 -> 1 */
    assert_int_equal(call_count(g), 0);
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);   /* 1 -> 2 */
    assert_int_equal(call_count(g), 1);
    /* Without EVENT_IDX: NO_INTERRUPT decides. */
    g->vq.event_idx = false;
    g->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);
    assert_int_equal(call_count(g), 0);
    g->avail->flags = 0;
    assert_int_equal(virtqueue_enqueue(&g->vq, g->pkts, 1, &dropped), 1);
    assert_int_equal(call_count(g), 1);
}

static void test_avail_event(void **state)
{
    struct guest *g = *state;
    g->vq.event_idx = true;
    assert_false(virtqueue_has_avail(&g->vq));
    tx_chain(g, 0, 60, 1);
    publish(g, 0);
    assert_true(virtqueue_has_avail(&g->vq));
    unsigned dropped;
    assert_int_equal(virtqueue_dequeue(&g->vq, g->pkts, 4, &dropped), 1);
    assert_false(virtqueue_has_avail(&g->vq));
    assert_int_equal(*(uint16_t *)&g->used->ring[QSIZE], 1);  /* kick me at entry 1 */
}

#define T(f) cmocka_unit_test_setup_teardown(f, guest_setup, guest_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_dequeue_simple),
        T(test_dequeue_header_split_and_runt),
        T(test_chain_loop),
        T(test_chain_self_loop),
        T(test_chain_full_length_ok),
        T(test_chain_bad_next),
        T(test_bad_head),
        T(test_avail_idx_too_far),
        T(test_addr_outside_memory),
        T(test_addr_below_memory),
        T(test_len_crosses_end),
        T(test_len_wraps),
        T(test_tx_writable_desc),
        T(test_frame_too_long_dropped),
        T(test_indirect_ok),
        T(test_indirect_nested),
        T(test_indirect_loop),
        T(test_indirect_bad_len),
        T(test_indirect_outside),
        T(test_indirect_with_next),
        T(test_attach_checks),
        T(test_enqueue_mergeable),
        T(test_enqueue_stops_without_room),
        T(test_enqueue_retry_stops_without_progress),
        T(test_enqueue_retry_max_zero),
        T(test_enqueue_retry_empty_ring),
        T(test_enqueue_retry_never_fit_counts_as_progress),
        T(test_enqueue_single_chain),
        T(test_enqueue_readonly_buffer),
        T(test_notify_event_idx),
        T(test_avail_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
