/* Packet buffers and batches.  A packet owns a fixed buffer with headroom in
 * front of the frame so an 802.1Q tag can be pushed without copying. */
#ifndef PONTOON_PACKET_PACKET_H
#define PONTOON_PACKET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PACKET_BATCH_MAX   32
#define PACKET_HEADROOM    64
#define PACKET_DATA_MAX    65535          /* largest frame a buffer holds */
#define ETH_ADDR_LEN       6
#define ETH_HEADER_LEN     14
#define VLAN_HEADER_LEN    4
#define ETH_TYPE_VLAN      0x8100
#define ETH_TYPE_QINQ      0x88a8
#define ETH_TYPE_IPV4      0x0800
#define ETH_TYPE_IPV6      0x86dd
#define ETH_TYPE_ARP       0x0806
#define VLAN_VID_MASK      0x0fff

/* Offload metadata carried with a frame: struct virtio_net_hdr as AF_PACKET
 * (PACKET_VNET_HDR) and taps (IFF_VNET_HDR) give and take it, so large TCP
 * segments and partial checksums cross the switch unchanged.  All zero
 * (flags 0, gso_type VIRTIO_NET_HDR_GSO_NONE) for a plain frame. */
struct packet_offload {
    uint8_t flags;        /* VIRTIO_NET_HDR_F_NEEDS_CSUM, ... */
    uint8_t gso_type;     /* VIRTIO_NET_HDR_GSO_NONE / TCPV4 / TCPV6 / UDP (| ECN) */
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;  /* from the Ethernet header, as on the wire (tag included) */
    uint16_t csum_offset;
};

struct packet {
    struct packet_offload offload;
    uint8_t *data;        /* first byte of the Ethernet header */
    uint32_t len;         /* frame length in bytes */
    uint8_t *buffer;      /* start of the allocation (headroom lies before data) */
    uint32_t buffer_size;
};

struct packet_batch {
    unsigned count;
    struct packet *packets[PACKET_BATCH_MAX];
};

/* Allocates one packet with PACKET_HEADROOM + PACKET_DATA_MAX bytes; NULL on ENOMEM. */
struct packet *packet_new(void);
/* The same with room for frames of up to data_max bytes (segments, PDUs). */
struct packet *packet_new_sized(uint32_t data_max);
void packet_free(struct packet *pkt);
/* Puts data back at the default headroom with len 0 and zero offload, ready for a receive. */
void packet_reset(struct packet *pkt);
/* Bytes a receive may write at pkt->data. */
static inline uint32_t packet_tailroom(const struct packet *pkt)
{
    return (uint32_t)(pkt->buffer + pkt->buffer_size - pkt->data);
}

/* Inserts an 802.1Q header (TPID 0x8100, TCI) after the MAC addresses,
 * moving offload.csum_start (when NEEDS_CSUM) and hdr_len (when GSO) by 4.
 * Returns 0, or -ENOSPC without headroom, or -EINVAL for a runt frame. */
int packet_push_vlan(struct packet *pkt, uint16_t tci);
/* Removes the outermost 802.1Q/802.1ad header (offload offsets move back by 4);
 * returns 0 or -EINVAL if none. */
int packet_pop_vlan(struct packet *pkt);

static inline bool eth_addr_is_multicast(const uint8_t *mac)
{
    return mac[0] & 1;   /* includes broadcast */
}

#endif
