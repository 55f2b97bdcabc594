/* The receive ring reader (netdev/packet_ring.c) on a ring written by hand
 * as the kernel writes TPACKET_V2 slots: tags from the slot header, slots
 * skipped or counted as errors, frames read whole from the socket for
 * oversize slots, wrap-around, batch limits, every slot handed back. */
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/packet_ring.h"

#define MAC_OFFSET 96       /* where the kernel would put the frame (>= header + vnet) */

static unsigned char *slot(struct packet_ring *ring, unsigned i)
{
    return ring->map + (size_t)i * PACKET_RING_FRAME_SIZE;
}

/* Writes a slot as tpacket_rcv does: frame of `len` bytes (first byte `fill`),
 * `snaplen` of them in the slot, status last. */
static void put(struct packet_ring *ring, unsigned i, uint32_t status, unsigned len,
                unsigned snaplen, uint16_t tci, uint16_t tpid, unsigned char pkttype, uint8_t fill)
{
    unsigned char *s = slot(ring, i);
    struct tpacket2_hdr *h = (void *)s;
    memset(s, 0, PACKET_RING_FRAME_SIZE);
    h->tp_len = len;
    h->tp_snaplen = snaplen;
    h->tp_mac = MAC_OFFSET;
    h->tp_vlan_tci = tci;
    h->tp_vlan_tpid = tpid;
    struct sockaddr_ll *sll = (void *)(s + TPACKET_ALIGN(sizeof *h));
    sll->sll_pkttype = pkttype;
    for (unsigned b = 0; b < snaplen; b++)
        s[MAC_OFFSET + b] = (uint8_t)(fill + b);
    s[MAC_OFFSET + 12] = 0x88;          /* an ethertype, so tags go in after the MACs */
    s[MAC_OFFSET + 13] = 0xb5;
    __atomic_store_n(&h->tp_status, status | TP_STATUS_USER, __ATOMIC_RELEASE);
}

static uint32_t status_of(struct packet_ring *ring, unsigned i)
{
    return ((struct tpacket2_hdr *)slot(ring, i))->tp_status;
}

struct fixture {
    struct packet_ring ring;
    struct packet *pkts[PACKET_BATCH_MAX];
    int sock[2];            /* [0] plays the packet socket for oversize frames */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->ring.map = calloc(PACKET_RING_FRAMES, PACKET_RING_FRAME_SIZE);
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        f->pkts[i] = packet_new();
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, f->sock), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        packet_free(f->pkts[i]);
    free(f->ring.map);
    close(f->sock[0]);
    close(f->sock[1]);
    free(f);
    return 0;
}

static unsigned recv_all(struct fixture *f, unsigned max, unsigned *errors)
{
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        packet_reset(f->pkts[i]);
    *errors = 0;
    return packet_ring_recv(&f->ring, f->sock[0], f->pkts, max, errors);
}

static void test_frames_and_tags(void **state)
{
    struct fixture *f = *state;
    put(&f->ring, 0, 0, 60, 60, 0, 0, PACKET_HOST, 1);
    put(&f->ring, 1, TP_STATUS_VLAN_VALID, 100, 100, 0x6064, 0, PACKET_HOST, 2);
    put(&f->ring, 2, TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 80, 80, 42, 0x88a8,
        PACKET_OTHERHOST, 3);
    unsigned errors;
    assert_int_equal(recv_all(f, PACKET_BATCH_MAX, &errors), 3);
    assert_int_equal(errors, 0);

    assert_int_equal(f->pkts[0]->len, 60);
    assert_int_equal(f->pkts[0]->data[0], 1);
    /* The tag goes back after the MAC addresses. */
    const uint8_t *p = f->pkts[1]->data;
    assert_int_equal(f->pkts[1]->len, 104);
    assert_int_equal(p[0], 2);
    assert_int_equal(p[12], 0x81);
    assert_int_equal(p[13], 0x00);
    assert_int_equal(p[14], 0x60);
    assert_int_equal(p[15], 0x64);
    assert_int_equal(p[16], 0x88);
    p = f->pkts[2]->data;
    assert_int_equal(p[12], 0x88);
    assert_int_equal(p[13], 0xa8);
    assert_int_equal(p[15], 42);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(status_of(&f->ring, i), TP_STATUS_KERNEL);   /* handed back */
    assert_int_equal(f->ring.next, 3);
    assert_int_equal(recv_all(f, PACKET_BATCH_MAX, &errors), 0);      /* nothing more */
}

static void test_skipped_and_bad_slots(void **state)
{
    struct fixture *f = *state;
    put(&f->ring, 0, 0, 60, 60, 0, 0, PACKET_OUTGOING, 1);   /* our own transmission */
    put(&f->ring, 1, 0, 1000, 500, 0, 0, PACKET_HOST, 2);    /* truncated, nothing queued */
    put(&f->ring, 2, 0, 10, 10, 0, 0, PACKET_HOST, 3);       /* a runt */
    put(&f->ring, 3, 0, 60, 60, 0, 0, PACKET_HOST, 4);
    ((struct tpacket2_hdr *)slot(&f->ring, 3))->tp_mac = PACKET_RING_FRAME_SIZE - 10;  /* out of the slot */
    put(&f->ring, 4, 0, 60, 60, 0, 0, PACKET_HOST, 5);
    unsigned errors;
    assert_int_equal(recv_all(f, PACKET_BATCH_MAX, &errors), 1);
    assert_int_equal(errors, 3);
    assert_int_equal(f->pkts[0]->data[0], 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(status_of(&f->ring, i), TP_STATUS_KERNEL);
}

static void test_oversize_frame_read_whole_from_the_socket(void **state)
{
    struct fixture *f = *state;
    /* Queued whole on the socket: vnet header, then the frame. */
    unsigned char whole[10 + 3000];
    memset(whole, 0, 10);
    for (unsigned b = 0; b < 3000; b++)
        whole[10 + b] = (uint8_t)(7 + b);
    assert_int_equal(write(f->sock[1], whole, sizeof whole), (ssize_t)sizeof whole);
    put(&f->ring, 0, TP_STATUS_COPY, 3000, PACKET_RING_FRAME_SIZE - MAC_OFFSET, 0, 0,
        PACKET_HOST, 7);
    put(&f->ring, 1, 0, 60, 60, 0, 0, PACKET_HOST, 9);
    unsigned errors;
    assert_int_equal(recv_all(f, PACKET_BATCH_MAX, &errors), 2);
    assert_int_equal(errors, 0);
    assert_int_equal(f->pkts[0]->len, 3000);
    assert_memory_equal(f->pkts[0]->data, whole + 10, 3000);
    assert_int_equal(f->pkts[1]->data[0], 9);

    /* Marked for the socket but nothing there: an error, and the ring goes on. */
    put(&f->ring, 2, TP_STATUS_COPY, 3000, 100, 0, 0, PACKET_HOST, 1);
    put(&f->ring, 3, 0, 60, 60, 0, 0, PACKET_HOST, 11);
    assert_int_equal(recv_all(f, PACKET_BATCH_MAX, &errors), 1);
    assert_int_equal(errors, 1);
    assert_int_equal(f->pkts[0]->data[0], 11);
}

static void test_wraps_around_and_keeps_to_the_batch_size(void **state)
{
    struct fixture *f = *state;
    f->ring.next = PACKET_RING_FRAMES - 2;
    put(&f->ring, PACKET_RING_FRAMES - 2, 0, 60, 60, 0, 0, PACKET_HOST, 1);
    put(&f->ring, PACKET_RING_FRAMES - 1, 0, 60, 60, 0, 0, PACKET_HOST, 2);
    put(&f->ring, 0, 0, 60, 60, 0, 0, PACKET_HOST, 3);
    unsigned errors;
    assert_int_equal(recv_all(f, 2, &errors), 2);
    assert_int_equal(f->pkts[1]->data[0], 2);
    assert_int_equal(status_of(&f->ring, 0), TP_STATUS_USER);     /* not taken yet */
    assert_int_equal(recv_all(f, 2, &errors), 1);
    assert_int_equal(f->pkts[0]->data[0], 3);
    assert_int_equal(f->ring.next, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frames_and_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skipped_and_bad_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_frame_read_whole_from_the_socket, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wraps_around_and_keeps_to_the_batch_size, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
