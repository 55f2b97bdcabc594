/* AF_PACKET receive ring: see packet_ring.h. */
#include "netdev/packet_ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "netdev/afpacket_socket.h"
#include "netdev/vnet_hdr.h"

int packet_ring_attach(struct packet_ring *ring, int fd)
{
    int version = TPACKET_V2, one = 1;
    struct tpacket_req req = {
        .tp_block_size = PACKET_RING_FRAME_SIZE * 16,
        .tp_block_nr = PACKET_RING_FRAMES / 16,
        .tp_frame_size = PACKET_RING_FRAME_SIZE,
        .tp_frame_nr = PACKET_RING_FRAMES,
    };
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
        return -errno;
    size_t len = (size_t)req.tp_block_size * req.tp_block_nr;
    void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        int err = -errno;
        struct tpacket_req none = { 0 };
        (void)setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof none);
        return err;
    }
    ring->map = map;
    ring->map_len = len;
    ring->next = 0;
    return 0;
}

void packet_ring_detach(struct packet_ring *ring)
{
    if (ring->map)
        munmap(ring->map, ring->map_len);
    ring->map = NULL;
}

/* The whole frame of a slot marked TP_STATUS_COPY: the next one queued on the
 * socket.  Returns 0 or -1 (nothing queued, truncated, runt, bad tag). */
static int recv_whole(int fd, struct packet *pkt)
{
    bool backlog;
    return afpacket_recv_queued(fd, &pkt, 1, NULL, &backlog) == 1 ? 0 : -1;
}

/* Copies one slot into pkt.  Returns 1 (a frame), 0 (skip it), -1 (error). */
static int read_slot(const struct tpacket2_hdr *h, uint32_t status, int fd, struct packet *pkt)
{
    const struct sockaddr_ll *sll =
        (const void *)((const unsigned char *)h + TPACKET_ALIGN(sizeof *h));
    if (status & TP_STATUS_COPY) {
        /* Queued whole before the slot was released to us: read it even
         * when dropping it, so the next slot finds its own. */
        int r = recv_whole(fd, pkt);
        if (sll->sll_pkttype == PACKET_OUTGOING)
            return 0;
        return r < 0 ? -1 : 1;
    }
    if (sll->sll_pkttype == PACKET_OUTGOING)
        return 0;       /* our own transmission, on kernels without IGNORE_OUTGOING */
    if (h->tp_snaplen != h->tp_len || h->tp_len < ETH_HEADER_LEN
        || h->tp_mac < TPACKET_ALIGN(sizeof *h) + VNET_HDR_LEN
        || h->tp_mac + h->tp_snaplen > PACKET_RING_FRAME_SIZE
        || h->tp_snaplen > packet_tailroom(pkt))
        return -1;      /* truncated (the socket buffer was full), or a runt */
    const unsigned char *frame = (const unsigned char *)h + h->tp_mac;
    struct virtio_net_hdr vnet;
    memcpy(&vnet, frame - VNET_HDR_LEN, sizeof vnet);
    memcpy(pkt->data, frame, h->tp_snaplen);
    pkt->len = h->tp_snaplen;
    vnet_hdr_to_offload(&vnet, &pkt->offload);
    return afpacket_push_tag(pkt, status, h->tp_vlan_tci, h->tp_vlan_tpid) < 0 ? -1 : 1;
}

unsigned packet_ring_recv(struct packet_ring *ring, int fd, struct packet **packets,
                          unsigned max, unsigned *errors)
{
    unsigned got = 0;
    /* Bounded by the ring too: skipped slots must not loop forever. */
    for (unsigned seen = 0; got < max && seen < PACKET_RING_FRAMES; seen++) {
        struct tpacket2_hdr *h =
            (void *)(ring->map + (size_t)ring->next * PACKET_RING_FRAME_SIZE);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER))
            break;
        int r = read_slot(h, status, fd, packets[got]);
        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        ring->next = (ring->next + 1) % PACKET_RING_FRAMES;
        if (r > 0)
            got++;
        else if (r < 0)
            ++*errors;
    }
    return got;
}
