/* libFuzzer: descriptor chain walking, dequeue and enqueue on a fake guest
 * whose whole memory (rings included) is the fuzz input.
 *
 * Input: byte 0 picks the queue size (1 << (b & 7)) and bits 3..5 the
 * negotiated features; the rest is copied over guest memory, a 64 KiB
 * region at guest-physical (and front-end virtual) address 0x10000.  The
 * descriptor table is at 0x10000, avail at 0x11000, used at 0x12000.  A
 * second 4 KiB region at 0x40000 is not adjacent, so ranges that straddle
 * the gap must be refused. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "netdev/vhost_mem.h"
#include "netdev/virtqueue.h"

#define GUEST_BASE 0x10000u
#define GUEST_SIZE 0x10000u
#define SMALL_BASE 0x40000u

static uint8_t guest[GUEST_SIZE] __attribute__((aligned(4096)));
static uint8_t small[4096] __attribute__((aligned(4096)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct packet *pkts[4];
    if (!pkts[0])
        for (int i = 0; i < 4; i++)
            pkts[i] = packet_new();
    if (size < 1)
        return 0;
    memset(guest, 0, sizeof guest);
    memcpy(guest, data + 1, size - 1 < sizeof guest ? size - 1 : sizeof guest);

    struct vhost_mem mem = { 0 };
    struct vhost_mem_region_spec s1 = { GUEST_BASE, GUEST_SIZE, GUEST_BASE, 0 };
    struct vhost_mem_region_spec s2 = { SMALL_BASE, sizeof small, SMALL_BASE, 0 };
    vhost_mem_add_mapped(&mem, &s1, guest);
    vhost_mem_add_mapped(&mem, &s2, small);

    struct virtqueue vq = { .call_fd = -1 };
    uint16_t qsize = (uint16_t)(1u << (data[0] & 7));
    vq.mrg_rxbuf = data[0] & 0x08;
    vq.event_idx = data[0] & 0x10;
    vq.hdr_len = data[0] & 0x20 || vq.mrg_rxbuf ? 12 : 10;
    if (virtqueue_attach(&vq, &mem, qsize, GUEST_BASE, GUEST_BASE + 0x1000,
                         GUEST_BASE + 0x2000))
        return 0;

    /* Every head, walked on its own. */
    for (uint16_t head = 0; head < qsize; head++) {
        struct virtqueue_chain chain;
        struct virtqueue_buf buf;
        if (virtqueue_chain_start(&chain, &vq, head))
            __builtin_trap();
        unsigned n = 0;
        while (virtqueue_chain_next(&chain, &buf) > 0) {
            /* Every buffer must lie in guest memory. */
            uintptr_t a = (uintptr_t)buf.addr;
            int in_guest = a >= (uintptr_t)guest && a + buf.len <= (uintptr_t)guest + sizeof guest;
            int in_small = a >= (uintptr_t)small && a + buf.len <= (uintptr_t)small + sizeof small;
            if (!in_guest && !in_small)
                __builtin_trap();
            /* Bounded: the direct descriptors, then one indirect table
             * (which can be no larger than guest memory). */
            if (++n > qsize + GUEST_SIZE / sizeof(struct vring_desc))
                __builtin_trap();
        }
    }

    unsigned dropped;
    for (int i = 0; i < 4; i++)
        packet_reset(pkts[i]);
    virtqueue_dequeue(&vq, pkts, 4, &dropped);
    virtqueue_has_avail(&vq);
    for (int i = 0; i < 4; i++) {
        packet_reset(pkts[i]);
        pkts[i]->len = 60 + 700 * (unsigned)i;
        memset(pkts[i]->data, i, pkts[i]->len);
    }
    int sent = virtqueue_enqueue(&vq, pkts, 4, &dropped);
    /* The retrying form on what is left: it must account for every packet. */
    unsigned retries, not_taken;
    int more = virtqueue_enqueue_retrying(&vq, pkts, 4, 8, &dropped, &retries, &not_taken);
    if (sent > 4 || more > 4 || (more >= 0 && (unsigned)more + dropped != 4) ||
        not_taken > dropped || retries > 8)
        __builtin_trap();
    return 0;
}
