/* LACP (IEEE 802.1AX) for one bond: the Receive machine per member, periodic
 * and need-to-transmit PDUs, and a selection of the members that may carry
 * traffic, simplified the way Open vSwitch's lib/lacp.c does it.
 *
 * Pure: the caller passes the time (milliseconds, any monotonic origin), feeds
 * received Slow Protocols frames in with lacp_rx_pdu(), calls lacp_run() at
 * lacp_next_wake() and after every input, and sends the frames lacp_run() or
 * lacp_tx_due() hand back.  Members are named by the caller's id (an ofport,
 * say).  Not thread-safe: one thread (the control thread) owns a struct lacp.
 *
 * Typical wiring, per bond, in the control thread:
 *     lacp_rx_pdu(lacp, member, frame, len, now);     -- for each LACP frame
 *     lacp_run(lacp, now, send_frame, aux);
 *     bond_member_set_may_enable(bond, m, lacp_member_may_enable(lacp, m));
 *     bond_run(bond, lacp_get_status(lacp), now);
 */
#ifndef PONTOON_SWITCHING_LACP_H
#define PONTOON_SWITCHING_LACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switching/lacpdu.h"

#define LACP_DEFAULT_SYS_PRIORITY  65534    /* what OVS uses and shows */
#define LACP_DEFAULT_PORT_PRIORITY 65535
#define LACP_FAST_TX_MS            1000     /* fast periodic time */
#define LACP_SLOW_TX_MS            30000    /* slow periodic time */
#define LACP_RX_MULTIPLIER         3        /* current_while = 3 x periodic time */

struct lacp;

/* Whether a bond negotiated, as bond/show's lacp_status: off, configured, negotiated. */
enum lacp_status { LACP_STATUS_OFF, LACP_STATUS_CONFIGURED, LACP_STATUS_NEGOTIATED };

/* Receive machine state of one member. */
enum lacp_rx_state { LACP_RX_CURRENT, LACP_RX_EXPIRED, LACP_RX_DEFAULTED };

struct lacp_settings {
    const char *name;             /* the bond's name, copied */
    uint8_t sys_id[6];            /* system id: usually the bond's MAC */
    uint16_t sys_priority;        /* 0: LACP_DEFAULT_SYS_PRIORITY */
    uint16_t key;                 /* 0: the first member's port id (as OVS) */
    bool active;                  /* lacp=active (else passive) */
    bool fast;                    /* other_config:lacp-time=fast: ask for 1 s PDUs */
    bool fallback_ab;             /* other_config:lacp-fallback-ab */
};

struct lacp_member_settings {
    const char *name;             /* interface name, copied */
    uint8_t mac[6];               /* source address of the PDUs sent on it */
    uint16_t port_id;             /* nonzero, unique in the bond */
    uint16_t port_priority;       /* 0: LACP_DEFAULT_PORT_PRIORITY */
    bool carrier;                 /* carrier when added (not counted as a change) */
};

/* Counters, with lacp/show-stats' names. */
struct lacp_member_stats {
    uint32_t tx_pdus;
    uint32_t rx_pdus;
    uint32_t rx_bad_pdus;
    uint32_t rx_marker_requests;
    uint32_t link_expired;
    uint32_t link_defaulted;
    uint32_t carrier_changed;
};

/* A snapshot of one member, for lacp/show and JSON.  `name` points into the
 * struct lacp and lives until the member is removed. */
struct lacp_member_status {
    uint32_t id;
    const char *name;
    enum lacp_rx_state rx_state;
    bool attached;
    bool may_enable;
    bool carrier;
    uint16_t port_id;
    uint16_t port_priority;
    struct lacp_info actor;
    struct lacp_info partner;
    struct lacp_member_stats stats;
};

/* A snapshot of the bond-wide state. */
struct lacp_bond_status {
    const char *name;
    bool active;
    bool negotiated;
    bool fast;
    bool fallback_ab;
    uint8_t sys_id[6];
    uint16_t sys_priority;
    int key;                      /* -1: no member yet ("none") */
    size_t n_members;
};

/* NULL on bad settings (no name) or out of memory. */
struct lacp *lacp_create(const struct lacp_settings *settings);
void lacp_destroy(struct lacp *lacp);
/* Changes the bond-wide settings; members keep their partner information. */
int lacp_configure(struct lacp *lacp, const struct lacp_settings *settings);

/* Adds member `id`, or updates its settings if it exists.  A new member starts
 * DEFAULTED and, if active and carrier is up, sends at the next lacp_run().
 * -EINVAL on a zero port id or no name, -ENOMEM. */
int lacp_member_add(struct lacp *lacp, uint32_t id, const struct lacp_member_settings *s);
int lacp_member_remove(struct lacp *lacp, uint32_t id);          /* -ENOENT */
/* Carrier down: the partner information is defaulted at once and the member
 * may not be enabled.  Carrier up: transmission starts again. */
int lacp_member_set_carrier(struct lacp *lacp, uint32_t id, bool carrier);

/* Feeds one received Slow Protocols frame (whole Ethernet frame).  LACPDUs
 * update the partner and restart current_while; a Marker request is counted
 * and answered by the next lacp_run()/lacp_tx_due().  Returns 0; -EINVAL for a
 * malformed or unknown-subtype PDU (counted as RX Bad PDUs, otherwise
 * ignored); -ENETDOWN when the member's carrier is down (dropped, as OVS does);
 * -ENOENT for an unknown member. */
int lacp_rx_pdu(struct lacp *lacp, uint32_t id, const uint8_t *frame, size_t len,
                uint64_t now_ms);

typedef void lacp_send_fn(void *aux, uint32_t member_id, const uint8_t *frame, size_t len);

/* Advances the timers (current_while: CURRENT → EXPIRED → DEFAULTED), reselects
 * the attached members, then sends through `send` every PDU that is due:
 * periodic ones (fast or slow as the partner asks), need-to-transmit ones
 * (our state differs from what the partner last echoed), Marker responses.
 * `send` may be NULL to only advance state.  Returns the number of frames sent. */
unsigned lacp_run(struct lacp *lacp, uint64_t now_ms, lacp_send_fn *send, void *aux);

/* Pull form of the sending half of lacp_run() for one member: writes the frame
 * that is due into buf and returns its length, 0 when nothing is due, or a
 * negative errno.  Call lacp_run(lacp, now, NULL, NULL) first. */
int lacp_tx_due(struct lacp *lacp, uint32_t id, uint64_t now_ms, uint8_t *buf, size_t cap);

/* The earliest time lacp_run() has work, UINT64_MAX if none. */
uint64_t lacp_next_wake(const struct lacp *lacp);

/* Whether the bond may send and receive on the member: attached, partner in
 * sync and carrier up (or defaulted with fallback-ab).  False when unknown. */
bool lacp_member_may_enable(const struct lacp *lacp, uint32_t id);
/* NULL lacp (LACP off on the bond) gives LACP_STATUS_OFF. */
enum lacp_status lacp_get_status(const struct lacp *lacp);

void lacp_get_bond_status(const struct lacp *lacp, struct lacp_bond_status *out);
/* Members in the order they were added; -ENOENT past the end. */
int lacp_get_member_status(const struct lacp *lacp, size_t index,
                           struct lacp_member_status *out);
int lacp_find_member_status(const struct lacp *lacp, uint32_t id,
                            struct lacp_member_status *out);

#endif
