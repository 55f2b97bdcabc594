/* Packet buffers: one allocation per packet, with headroom so a VLAN tag can
 * be pushed by moving only the 12 MAC bytes. */
#include "packet/packet.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

struct packet *packet_new(void)
{
    return packet_new_sized(PACKET_DATA_MAX);
}

struct packet *packet_new_sized(uint32_t data_max)
{
    /* Struct and buffer in one malloc: one free, and the header sits next to
     * the data it describes. */
    size_t size = PACKET_HEADROOM + (size_t)data_max;
    struct packet *pkt = malloc(sizeof *pkt + size);
    if (!pkt) {
        return NULL;
    }
    pkt->buffer = (uint8_t *)(pkt + 1);
    pkt->buffer_size = (uint32_t)size;
    packet_reset(pkt);
    return pkt;
}

void packet_free(struct packet *pkt)
{
    free(pkt);
}

void packet_reset(struct packet *pkt)
{
    memset(&pkt->offload, 0, sizeof pkt->offload);
    pkt->data = pkt->buffer + PACKET_HEADROOM;
    pkt->len = 0;
}

/* Moves the offload offsets that count from the frame start by `delta`
 * bytes, for a header inserted (+4) or removed (-4) in front of them. */
static void offload_shift(struct packet_offload *off, int delta)
{
    if (off->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        off->csum_start = (uint16_t)(off->csum_start + delta);
    }
    if ((off->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE) {
        off->hdr_len = (uint16_t)(off->hdr_len + delta);
    }
}

int packet_push_vlan(struct packet *pkt, uint16_t tci)
{
    if (pkt->len < ETH_HEADER_LEN) {
        return -EINVAL;
    }
    if ((size_t)(pkt->data - pkt->buffer) < VLAN_HEADER_LEN) {
        return -ENOSPC;
    }
    uint8_t *data = pkt->data - VLAN_HEADER_LEN;
    memmove(data, pkt->data, 2 * ETH_ADDR_LEN);
    uint8_t *tag = data + 2 * ETH_ADDR_LEN;
    tag[0] = ETH_TYPE_VLAN >> 8;
    tag[1] = ETH_TYPE_VLAN & 0xff;
    tag[2] = (uint8_t)(tci >> 8);
    tag[3] = (uint8_t)tci;
    pkt->data = data;
    pkt->len += VLAN_HEADER_LEN;
    offload_shift(&pkt->offload, VLAN_HEADER_LEN);
    return 0;
}

int packet_pop_vlan(struct packet *pkt)
{
    if (pkt->len < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
        return -EINVAL;
    }
    const uint8_t *type = pkt->data + 2 * ETH_ADDR_LEN;
    uint16_t tpid = (uint16_t)(type[0] << 8 | type[1]);
    if (tpid != ETH_TYPE_VLAN && tpid != ETH_TYPE_QINQ) {
        return -EINVAL;
    }
    memmove(pkt->data + VLAN_HEADER_LEN, pkt->data, 2 * ETH_ADDR_LEN);
    pkt->data += VLAN_HEADER_LEN;
    pkt->len -= VLAN_HEADER_LEN;
    offload_shift(&pkt->offload, -VLAN_HEADER_LEN);
    return 0;
}
