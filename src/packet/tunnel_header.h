/* VXLAN (RFC 7348) and Geneve (RFC 8926) headers: what goes between the
 * outer UDP header and the inner Ethernet frame.  Pure: the caller owns the
 * buffers, nothing is allocated and nothing is sent. */
#ifndef PONTOON_PACKET_TUNNEL_HEADER_H
#define PONTOON_PACKET_TUNNEL_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tunnel_kind { TUNNEL_VXLAN, TUNNEL_GENEVE };

#define TUNNEL_HEADER_LEN     8           /* VXLAN, and Geneve without options */
#define TUNNEL_VNI_MAX        0xffffffu
#define GENEVE_OPTIONS_MAX    (63 * 4)    /* the 6-bit length counts 4-byte words */
#define GENEVE_PROTO_ETHERNET 0x6558      /* Transparent Ethernet Bridging */
#define VXLAN_FLAG_VNI        0x08        /* the I flag: the VNI is valid */
#define GENEVE_FLAG_OAM       0x80
#define GENEVE_FLAG_CRITICAL  0x40

/* What a received tunnel header said. */
struct tunnel_rx {
    uint32_t vni;
    size_t header_len;          /* bytes before the inner frame */
    const uint8_t *options;     /* Geneve options (inside the payload), NULL if none */
    size_t options_len;
    uint8_t flags;              /* Geneve O and C bits; 0 for VXLAN */
};

/* Writes the 8-byte header of `kind` for `vni` (low 24 bits) into hdr. */
void tunnel_header_write(enum tunnel_kind kind, uint32_t vni, uint8_t hdr[TUNNEL_HEADER_LEN]);

/* Parses the UDP payload of a tunnel packet: the header, then at least an
 * Ethernet header.  Geneve options are skipped (reported in rx->options, not
 * interpreted).  Returns 0, or -EINVAL for a truncated payload, a VXLAN
 * header without the I flag, a Geneve version other than 0 or a Geneve
 * protocol other than Ethernet. */
int tunnel_header_parse(enum tunnel_kind kind, const uint8_t *payload, size_t len,
                        struct tunnel_rx *rx);

/* Whether a parsed packet's inner frame may go to the bridge.  Not a Geneve
 * control packet (O bit: RFC 8926 says its payload is never forwarded) nor
 * one with critical options (C bit: an endpoint that does not interpret
 * options must drop it, as the Linux kernel's geneve device does).  Other
 * options are ignored and the frame delivered. */
bool tunnel_rx_deliverable(const struct tunnel_rx *rx);

#endif
