/* A bond as the control thread runs it (see bond_runtime.c). */
#ifndef PONTOON_CONTROL_BOND_RUNTIME_H
#define PONTOON_CONTROL_BOND_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "datapath/datapath.h"
#include "switching/bond.h"
#include "switching/lacp.h"
#include "switching/vlan.h"

struct running_iface;
struct switch_state;

struct running_bond {
    char name[16];                  /* the Port's name */
    char bridge[16];
    char uuid[37];                  /* Port row */
    struct bond *bond;
    struct lacp *lacp;              /* NULL with lacp=off */
    struct dp_bond_state state;     /* what the workers read; survives snapshots */
    struct dp_port_stats *stats;
    struct running_iface *members[DP_BOND_MAX_MEMBERS];
    unsigned n_members;
    uint32_t ids[DP_BOND_MAX_MEMBERS];   /* member ids (ofports) given to bond and lacp */
    unsigned n_ids;
    struct vlan_policy vlan;
    bool vlan_invalid;
    bool miimon;                    /* other_config:bond-detect-mode=miimon */
    uint32_t miimon_ms;
    uint64_t next_miimon_ms;
    uint64_t last_bucket_bytes[DP_BOND_BUCKETS];   /* for load deltas */
    struct packet *tx_packet;       /* LACPDUs and learning frames */
    int kernel_slot;                /* in the bridge's kernel fast path, -1 if not */
    bool kernel_logged;             /* "switched in the kernel" was logged */
    bool seen;
};

struct running_bond *bond_find(const struct switch_state *st, const char *name);
/* Runs one bond's state machines now and publishes its decisions. */
void bonds_run_one(struct switch_state *st, struct running_bond *bond, uint64_t now_ms);
/* Member index (in bond->members) of an interface name, or -1. */
int bond_member_by_name(const struct running_bond *bond, const char *name);

#endif
