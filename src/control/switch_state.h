/* The running switch as the control thread sees it: bridges, interfaces with
 * their open netdevs, and the snapshot published to the datapath.
 * switch_reconcile() makes it match the configuration database; it is
 * idempotent and is run on start, on every committed change and on link events. */
#ifndef PONTOON_CONTROL_SWITCH_STATE_H
#define PONTOON_CONTROL_SWITCH_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/port_set.h"
#include "control/iface_index.h"
#include "datapath/datapath.h"
#include "netdev/netdev.h"
#include "netdev/tunnel_options.h"

struct db;
struct db_row;

/* Load is measured in PMD_HISTORY samples taken every PMD_SAMPLE_MS, so
 * "usage" and rebalancing look at the last minute, as OVS does. */
#define PMD_HISTORY 6
#define PMD_SAMPLE_MS 10000
#define KERNEL_TUNNEL_DEVICES_MAX 16

struct running_iface {
    char bridge[16];
    char name[16];
    char type[32];                  /* "dpdkvhostuserclient" is 19 chars */
    char peer[16];                  /* patch ports: options:peer */
    char server_path[108];          /* dpdkvhostuserclient: options:vhost-server-path */
    char bond_port[16];             /* the bond this is a member of, "" if none */
    char uuid[37];                  /* Interface row, for status write-back */
    char port_uuid[37];             /* the Port row it belongs to */
    unsigned n_rxq;
    struct tunnel_config tunnel;    /* vxlan/geneve: the parsed options (zero otherwise) */
    char *tunnel_error;             /* vxlan/geneve: why the options are refused, or NULL */
    struct netdev *netdev;          /* NULL if missing, failed, or patch */
    char *error;                    /* why it is not open (Interface.error), or NULL */
    uint32_t ofport;
    struct vlan_policy vlan;
    bool vlan_invalid;              /* contradictory VLAN columns: kept out of the datapath */
    struct dp_port_stats *stats;    /* survives snapshots and reopen */
    struct dp_rxq_stats *rxq_stats; /* DP_MAX_RXQ entries, survive like stats */
    int rxq_worker[DP_MAX_RXQ];     /* worker polling each queue, -1 if none yet */
    int rxq_pinned_cpu[DP_MAX_RXQ]; /* other_config:pmd-rxq-affinity, -1 if none */
    uint64_t rxq_busy_history[DP_MAX_RXQ][PMD_HISTORY];   /* busy_ns at each sample */
    bool seen;                      /* still configured in this reconcile */
    bool carrier_changes_known;     /* carrier_changes_at_open was read */
    uint32_t carrier_changes_at_open;   /* for Interface.link_resets */
    /* The kernel's view of the device, as iface_columns.c last asked for it
     * (RTM_GETLINK and ethtool).  Asked again only when link_known is false:
     * after (re)opening, and after a link event for the device's name or
     * ifindex (switch_link_changed), so that a change to one port does not
     * query every other. */
    bool link_known;
    int link_rc, ethtool_rc;        /* 0 or the negative errno of each query */
    struct netdev_link link;
    struct netdev_ethtool ethtool;
    uint64_t link_queries;          /* times asked (dpif/show's JSON, for tests) */
    uint64_t port_visits;           /* times a reconcile looked at its port (the same) */
    uint64_t visited_run;           /* the last reconcile (switch_state.runs) that did */
    uint64_t kernel_syncs;          /* times its kernel fast path entry was written */
    bool kernel_refused;            /* the kernel path would not take it (logged once) */
    /* What the reported Interface columns were last made from (a hash of
     * every input of iface_columns.c's build_columns); while it stays the
     * same the columns are neither rebuilt nor compared. */
    uint64_t reported_inputs;
    bool reported_valid;
    /* Something build_columns reads may have moved (configured, opened,
     * an error, a link event): only such interfaces are looked at by
     * iface_columns_write, so a change to one port hashes one. */
    bool columns_dirty;
    int kernel_ifindex;             /* in the bridge's kernel fast path, 0 if not */
    uint8_t kernel_flags;           /* there with these PBS_PORT_* flags */
};

struct bpf_switch;

struct running_bridge {
    char name[16];
    char datapath_type[16];         /* as configured: "" or "system" (kernel), "netdev" */
    struct dp_fdb *fdb;
    size_t fdb_max;                 /* a new size means a new table */
    uint32_t aging_s;
    /* datapath_type=system (kernel_path.c): */
    struct bpf_switch *kernel;      /* NULL while not loaded */
    char *kernel_error;             /* why it could not be loaded */
    bool kernel_tried;              /* loading was tried (and failed if !kernel) */
    size_t kernel_fdb_max;          /* the kernel table's size */
    int tunnel_devices[KERNEL_TUNNEL_DEVICES_MAX];   /* tunnel devices it is attached to */
    unsigned n_tunnel_devices;
    bool tunnel_split_horizon;      /* other_config:tunnel-split-horizon, default true */
    bool seen;
    /* kernel_path_active at the end of the last reconcile (its ports'
     * tunnels depend on it): a change re-configures them all. */
    bool kernel_state_known, kernel_was_active;
    /* Its ports at the end of the last reconcile (valid when ports_known):
     * the next one started by a database change looks only at the ports
     * added, removed or changed since. */
    struct port_set ports;
    bool ports_known;
    bool walked_whole;              /* the last reconcile visited every port */
};


struct running_bond;

struct switch_state {
    struct db *db;
    struct running_bond **bonds;
    size_t n_bonds;
    struct datapath *dp;            /* started by the first reconcile */
    int worker_cpus[DP_MAX_WORKERS];/* from other_config:pmd-cpu-mask */
    unsigned n_workers;
    bool worker_isolated[DP_MAX_WORKERS];
    bool busy_poll;
    bool reconcile_retrying;        /* switch_reconcile's one immediate second pass */
    /* The database's load generation the last reconcile applied: ports
     * whose rows were not read again since are left as they run. */
    uint64_t reconciled_generation;
    uint64_t runs;                  /* reconciles so far (running_iface.visited_run) */
    /* The snapshot the last reconcile replaced without waiting for the
     * workers (nothing else was leaving): freed once they acknowledged
     * retired_generation, at the next reconcile at the latest. */
    struct dp_config *retired;
    uint64_t retired_generation;
    uint32_t poll_after_traffic_us;
    uint64_t stats_written_ms;      /* Interface.statistics last written (iface_stats.c) */
    bool rebalance_requested;       /* dpif-netdev/pmd-rxq-rebalance */
    uint64_t history_ns[PMD_HISTORY];   /* when each load sample was taken */
    unsigned history_head;          /* next sample slot */
    unsigned history_count;
    uint64_t started_ns;
    struct dp_worker_stats stats_baseline[DP_MAX_WORKERS];   /* pmd-stats-clear */
    struct dp_config *config;       /* the snapshot the datapath uses */
    struct running_bridge **bridges;
    size_t n_bridges;
    struct running_iface **ifaces;
    size_t n_ifaces;
    struct iface_index iface_index; /* st->ifaces by (bridge, name) */
    int kernel_epoll_fd;            /* learn events of the kernel fast paths */
};

int switch_state_init(struct switch_state *st, struct db *db);
/* Closes every netdev (removing devices Pontoon created) and frees everything. */
void switch_state_destroy(struct switch_state *st);
/* Makes the running switch match st->db (the caller reloads it first). */
int switch_reconcile(struct switch_state *st);
/* The same after a database change and nothing else: visits only the ports
 * the change added, removed or touched (the rows db_reload read), the
 * others running on as they are.  Falls back on switch_reconcile when the
 * whole database was read or a bridge is new. */
int switch_reconcile_changes(struct switch_state *st);
/* True if `name` is a device some configured interface uses or waits for. */
bool switch_tracks_device(const struct switch_state *st, const char *name);
/* Whether an internal or tap port's open device is `name` with this
 * ifindex: an event about it (up, down, MTU) changes only what is reported,
 * not what runs. */
bool switch_holds_device(const struct switch_state *st, const char *name, int ifindex);
/* A link event for device `name` (ifindex `ifindex`, 0 if unknown): the
 * interfaces using it ask the kernel again when their columns are next
 * written.  NULL name: events were lost, every interface asks again. */
void switch_link_changed(struct switch_state *st, const char *name, int ifindex);
/* Ages out MAC entries on every bridge. */
void switch_expire_fdbs(struct switch_state *st, uint64_t now_ms);
struct running_bridge *switch_find_bridge(const struct switch_state *st, const char *name);

/* Frees a snapshot no worker uses any more (the ports, not their netdevs). */
void switch_config_free(struct dp_config *config);

/* bond_runtime.c: bonds and LACP, run by the control thread. */
/* Creates or updates the bond of a Port row whose members were configured. */
struct running_bond *bond_configure(struct switch_state *st, const char *bridge,
                                    const struct db_row *port_row,
                                    struct running_iface **members, size_t n_members);
/* Marks every bond unseen before a reconcile walks the database. */
void bonds_begin_reconcile(struct switch_state *st);
/* Bonds no reconcile saw leave; call after the snapshot without them is published. */
void bonds_end_reconcile(struct switch_state *st);
/* Adds the bond ports of `bridge` to a snapshot being built. */
int bonds_build_ports(struct switch_state *st, const char *bridge, struct dp_config *config,
                      struct dp_bridge *dp_bridge);
/* LACP timers and PDUs, carrier, delays, rebalancing; every tick and after events. */
void bonds_run(struct switch_state *st, uint64_t now_ms);
/* Carrier of a member changed (netlink).  True if `name` is a bond member. */
bool bonds_link_event(struct switch_state *st, const char *name, bool carrier);
/* Frees every bond (the datapath must no longer use them). */
void bonds_destroy_all(struct switch_state *st);
/* The earliest time bonds_run has work. */
uint64_t bonds_next_wake(const struct switch_state *st);

/* pmd_config.c: the datapath's threads and queue assignment. */
/* Reads pmd-cpu-mask and pmd-busy-poll; (re)starts the workers when the set of
 * cores changed.  Returns 0 or a negative errno. */
int pmd_configure(struct switch_state *st);
/* Reads each interface's pmd-rxq-affinity and assigns every rx queue of an
 * open netdev to a worker (keeping assignments unless a rebalance was asked). */
void pmd_assign_rxqs(struct switch_state *st);
/* Takes a load sample when PMD_SAMPLE_MS passed since the last one. */
void pmd_sample_load(struct switch_state *st, uint64_t now_ns);
/* A queue's busy time over the sampled window, and the window's length. */
uint64_t pmd_rxq_window_busy(const struct switch_state *st, const struct running_iface *iface,
                             unsigned queue, uint64_t now_ns, uint64_t *window_ns);
uint64_t pmd_now_ns(void);

#endif
