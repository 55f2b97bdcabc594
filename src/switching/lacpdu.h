/* IEEE 802.1AX-2008 Slow Protocols frames: the LACPDU and the Marker PDU.
 * Encode and decode whole Ethernet frames (untagged; 14-byte header, then the
 * 110-byte PDU).  Pure: no I/O, no allocation. */
#ifndef PONTOON_SWITCHING_LACPDU_H
#define PONTOON_SWITCHING_LACPDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LACP_ETHERTYPE        0x8809      /* Slow Protocols */
#define LACP_SUBTYPE_LACP     1
#define LACP_SUBTYPE_MARKER   2
#define LACP_PDU_LEN          110         /* after the Ethernet header */
#define LACP_FRAME_LEN        (14 + LACP_PDU_LEN)

/* Actor/partner state bits (802.1AX 5.4.2.2 item m). */
#define LACP_STATE_ACTIVITY        0x01
#define LACP_STATE_TIMEOUT         0x02   /* set: short timeout (fast) */
#define LACP_STATE_AGGREGATION     0x04
#define LACP_STATE_SYNCHRONIZATION 0x08
#define LACP_STATE_COLLECTING      0x10
#define LACP_STATE_DISTRIBUTING    0x20
#define LACP_STATE_DEFAULTED       0x40
#define LACP_STATE_EXPIRED         0x80

/* The Slow Protocols multicast address every LACPDU is sent to. */
extern const uint8_t lacp_slow_protocols_mac[6];

/* One side's information, host byte order. */
struct lacp_info {
    uint16_t sys_priority;
    uint8_t sys_id[6];
    uint16_t key;
    uint16_t port_priority;
    uint16_t port_id;
    uint8_t state;
};

struct lacpdu {
    struct lacp_info actor;
    struct lacp_info partner;
    uint16_t collector_max_delay;     /* tens of microseconds */
};

enum lacp_marker_type { LACP_MARKER_REQUEST = 1, LACP_MARKER_RESPONSE = 2 };

struct lacp_marker {
    enum lacp_marker_type type;
    uint16_t requester_port;
    uint8_t requester_system[6];
    uint32_t requester_transaction_id;
};

/* True if frame[0..len) carries the Slow Protocols ethertype (untagged). */
bool lacp_frame_is_slow_protocols(const uint8_t *frame, size_t len);

/* The subtype octet (1 LACP, 2 Marker, other values are not ours), or
 * -EINVAL when the frame is too short or not a Slow Protocols frame. */
int lacp_frame_subtype(const uint8_t *frame, size_t len);

/* Writes a LACPDU frame from `src_mac` to the Slow Protocols address into
 * buf[0..cap).  Returns LACP_FRAME_LEN, or -ENOSPC when cap is too small. */
int lacpdu_encode(const struct lacpdu *pdu, const uint8_t src_mac[6], uint8_t *buf,
                  size_t cap);

/* Parses a whole LACPDU frame.  Returns 0, or -EINVAL when it is truncated, not
 * a LACPDU, or its TLVs do not have the types and lengths 802.1AX requires.
 * The destination address is not checked: the caller dispatched on ethertype. */
int lacpdu_decode(const uint8_t *frame, size_t len, struct lacpdu *pdu);

/* Marker PDU: same framing, Marker Information (request) or Marker Response
 * TLV.  Same return conventions as the LACPDU functions. */
int lacp_marker_encode(const struct lacp_marker *marker, const uint8_t src_mac[6],
                       uint8_t *buf, size_t cap);
int lacp_marker_decode(const uint8_t *frame, size_t len, struct lacp_marker *marker);

#endif
