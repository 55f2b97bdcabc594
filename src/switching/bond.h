/* A bond: several member interfaces used as one port, after Open vSwitch's
 * ofproto/bond.c.  Modes active-backup, balance-slb (source MAC + VLAN hash)
 * and balance-tcp (L2/L3/L4 hash, needs negotiated LACP).
 *
 * Pure: the caller reports carrier and LACP's verdict per member, calls
 * bond_run() with the time at bond_next_wake() and after every change, and
 * asks bond_choose_member() / bond_admit_rx() per frame.  Members are named by
 * the caller's id.  bond_choose_member() and bond_admit_rx() only read; every
 * other function writes, so the datapath must use them under the caller's
 * lock or on a copy.  Nothing here allocates after bond_member_add(). */
#ifndef PONTOON_SWITCHING_BOND_H
#define PONTOON_SWITCHING_BOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switching/lacp.h"

#define BOND_BUCKETS                   256
#define BOND_NO_MEMBER                 UINT32_MAX
#define BOND_DEFAULT_REBALANCE_MS      10000

/* Flags returned by bond_run(). */
#define BOND_RUN_ACTIVE_CHANGED  0x1   /* new active member: send learning frames
                                          (RARPs for the learned MACs) through it */
#define BOND_RUN_REVALIDATE      0x2   /* member choice changed: refresh snapshots */

struct bond;

enum bond_mode { BOND_MODE_ACTIVE_BACKUP, BOND_MODE_BALANCE_SLB, BOND_MODE_BALANCE_TCP };

struct bond_settings {
    const char *name;                 /* port name, copied */
    enum bond_mode mode;
    uint32_t updelay_ms;
    uint32_t downdelay_ms;
    uint32_t rebalance_interval_ms;   /* 0: never rebalance */
    uint32_t hash_basis;              /* other_config:bond-hash-basis */
    bool lacp_fallback_ab;
    bool all_members_active;          /* accept on every enabled member, not only the active one */
    const char *primary;              /* other_config:bond-primary, NULL or "" for none */
};

/* Fills the defaults: active-backup, no delays, 10 s rebalance interval. */
void bond_settings_init(struct bond_settings *s, const char *name);

struct bond_member_settings {
    const char *name;                 /* interface name, copied */
    uint8_t mac[6];
};

struct bond_member_status {
    uint32_t id;
    const char *name;
    uint8_t mac[6];
    bool enabled;
    bool may_enable;
    bool carrier;
    bool admin_disabled;
    bool active;
    bool delay_pending;               /* up- or downdelay running */
    uint64_t delay_expires_ms;        /* valid when delay_pending */
};

/* NULL on bad settings or out of memory. */
struct bond *bond_create(const struct bond_settings *s, uint64_t now_ms);
void bond_destroy(struct bond *bond);
/* New settings; a mode or basis change reassigns every bucket.  -EINVAL. */
int bond_reconfigure(struct bond *bond, const struct bond_settings *s, uint64_t now_ms);

/* Adds member `id` (carrier down, may_enable true, not enabled), or renames it.
 * -EINVAL, -ENOMEM. */
int bond_member_add(struct bond *bond, uint32_t id, const struct bond_member_settings *s);
int bond_member_remove(struct bond *bond, uint32_t id);
/* Carrier from the link monitor; may_enable from lacp_member_may_enable()
 * (keep it true without LACP).  A member is enabled once both hold for updelay,
 * disabled once either fails for downdelay.  -ENOENT. */
int bond_member_set_carrier(struct bond *bond, uint32_t id, bool carrier);
int bond_member_set_may_enable(struct bond *bond, uint32_t id, bool may_enable);
/* bond/enable-member, bond/disable-member: an administrative switch that
 * takes effect at once, without the delays.  -ENOENT. */
int bond_enable_member(struct bond *bond, uint32_t id, bool enable);
/* bond/set-active-member.  -ENOENT, -EINVAL when the member is not enabled. */
int bond_set_active_member(struct bond *bond, uint32_t id);
/* Restores the active member across restarts (Port bond_active_slave). */
void bond_set_active_member_mac(struct bond *bond, const uint8_t mac[6]);

/* Applies carrier/LACP changes and elapsed delays, chooses the active member
 * (bond-primary if usable, else the previous one, else the first enabled one)
 * and assigns orphaned buckets.  Returns BOND_RUN_* flags. */
unsigned bond_run(struct bond *bond, enum lacp_status lacp_status, uint64_t now_ms);
/* When bond_run()/bond_rebalance() next has work, UINT64_MAX if never. */
uint64_t bond_next_wake(const struct bond *bond);

/* The member to send a frame with this hash on, or BOND_NO_MEMBER when the
 * bond is down.  The hash is bond_hash_mac() of the source MAC and VLAN for
 * balance-slb, the packet's flow hash for balance-tcp, ignored for
 * active-backup. */
uint32_t bond_choose_member(const struct bond *bond, uint32_t hash);
/* Whether a frame received on `member_id` is delivered.  dst_multicast: the
 * destination is group or broadcast.  src_learned_elsewhere: the source MAC is
 * learned on another port of the bridge (pass false for a gratuitous ARP,
 * which announces a host that moved) -- balance-slb drops those, since they
 * are our own frames reflected by a switch that does not know the bond. */
bool bond_admit_rx(const struct bond *bond, uint32_t member_id, bool dst_multicast,
                   bool src_learned_elsewhere);

/* bond/hash: the SLB hash of a MAC and VLAN, and the bucket of any hash. */
uint32_t bond_hash_mac(const uint8_t mac[6], uint16_t vlan, uint32_t basis);
static inline unsigned bond_hash_bucket(uint32_t hash) { return hash & (BOND_BUCKETS - 1); }

/* Adds transmitted bytes to a bucket's load (what bond_rebalance() balances). */
void bond_account(struct bond *bond, uint32_t hash, uint64_t bytes);
/* At the rebalance interval (balanced modes only): adds tx_bytes[bucket] (may
 * be NULL) to the loads, moves buckets from the most to the least loaded
 * enabled members as OVS does, then halves every load.  Returns the number of
 * buckets moved, 0 when not due. */
int bond_rebalance(struct bond *bond, uint64_t now_ms, const uint64_t *tx_bytes);

/* Introspection for bond/show and JSON. */
enum bond_mode bond_get_mode(const struct bond *bond);
const char *bond_mode_name(enum bond_mode mode);            /* "balance-slb" ... */
int bond_mode_from_name(const char *name, enum bond_mode *mode);  /* -EINVAL */
uint32_t bond_get_active_member(const struct bond *bond);   /* or BOND_NO_MEMBER */
void bond_get_active_member_mac(const struct bond *bond, uint8_t mac[6]);
size_t bond_member_count(const struct bond *bond);
int bond_get_member_status(const struct bond *bond, size_t index,
                           struct bond_member_status *out);      /* -ENOENT */
/* The member owning a bucket (BOND_NO_MEMBER if none) and its load in bytes. */
uint32_t bond_bucket_member(const struct bond *bond, unsigned bucket, uint64_t *tx_bytes);
const struct bond_settings *bond_get_settings(const struct bond *bond);
enum lacp_status bond_get_lacp_status(const struct bond *bond);
uint64_t bond_get_next_rebalance(const struct bond *bond);   /* UINT64_MAX if none */

#endif
