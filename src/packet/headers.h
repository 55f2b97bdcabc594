/* Header parsing: Ethernet, 802.1Q, IPv4/IPv6, TCP/UDP ports, and the flow hash. */
#ifndef PONTOON_PACKET_HEADERS_H
#define PONTOON_PACKET_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct packet_headers {
    const uint8_t *dst_mac;     /* point into the frame */
    const uint8_t *src_mac;
    bool has_vlan;              /* an 802.1Q (0x8100) tag follows the MACs */
    uint16_t vlan_tci;          /* valid when has_vlan; VID is tci & 0xfff */
    uint16_t ethertype;         /* after any VLAN tag */
    uint16_t l3_offset;         /* from frame start */
    uint16_t l4_offset;         /* 0 when there is no parsed L4 header */
    uint8_t ip_proto;           /* 0 when not IP */
    uint8_t ip_version;         /* 4, 6 or 0 */
    uint8_t src_ip[16];         /* IPv4 in the first 4 bytes */
    uint8_t dst_ip[16];
    uint16_t src_port;          /* host order; 0 unless TCP/UDP/SCTP */
    uint16_t dst_port;
};

/* Parses what it can of frame[0..len).  Returns 0 when at least the Ethernet
 * header (and a complete VLAN tag, if announced) is present, -EINVAL otherwise.
 * Truncated or malformed L3/L4 headers are not an error: those fields stay 0. */
int packet_parse(const uint8_t *frame, size_t len, struct packet_headers *out);

/* Hash of the L2 addresses, VLAN, and (when present) L3 addresses and L4 ports.
 * The same flow always gives the same value, whatever else is in the frame. */
uint32_t packet_flow_hash(const struct packet_headers *hdr, uint32_t basis);

#endif
