/* The running switch as the control thread sees it: bridges, interfaces with
 * their open netdevs, and the snapshot published to the datapath.
 * switch_reconcile() makes it match the configuration database; it is
 * idempotent and is run on start, on every committed change and on link events. */
#ifndef PONTOON_CONTROL_SWITCH_STATE_H
#define PONTOON_CONTROL_SWITCH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/datapath.h"

struct db;

struct running_iface {
    char bridge[16];
    char name[16];
    char type[16];
    char peer[16];                  /* patch ports: options:peer */
    char uuid[37];                  /* Interface row, for status write-back */
    unsigned n_rxq;
    struct netdev *netdev;          /* NULL if missing, failed, or patch */
    char *error;                    /* why it is not open (Interface.error), or NULL */
    uint32_t ofport;
    struct vlan_policy vlan;
    bool vlan_invalid;              /* contradictory VLAN columns: kept out of the datapath */
    struct dp_port_stats *stats;    /* survives snapshots and reopen */
    bool seen;                      /* still configured in this reconcile */
};

struct running_bridge {
    char name[16];
    struct dp_fdb *fdb;
    bool seen;
};

struct switch_state {
    struct db *db;
    struct datapath *dp;
    struct dp_config *config;       /* the snapshot the datapath uses */
    struct running_bridge **bridges;
    size_t n_bridges;
    struct running_iface **ifaces;
    size_t n_ifaces;
};

int switch_state_init(struct switch_state *st, struct db *db, struct datapath *dp);
/* Closes every netdev (removing devices Pontoon created) and frees everything. */
void switch_state_destroy(struct switch_state *st);
/* Makes the running switch match st->db (the caller reloads it first). */
int switch_reconcile(struct switch_state *st);
/* True if `name` is a device some configured interface uses or waits for. */
bool switch_tracks_device(const struct switch_state *st, const char *name);
/* Ages out MAC entries on every bridge. */
void switch_expire_fdbs(struct switch_state *st, uint64_t now_ms);
struct running_bridge *switch_find_bridge(const struct switch_state *st, const char *name);

#endif
