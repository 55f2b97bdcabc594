/* The datapath: worker threads ("pmd threads", as OVS calls them), each
 * polling the rx queues assigned to it, receiving batches and switching them.
 * What to switch is an immutable snapshot (struct dp_config) the control
 * thread builds and publishes; every worker picks up a new snapshot between
 * batches and acknowledges it, after which the control thread may free the
 * old one and close netdevs it no longer has. */
#ifndef PONTOON_DATAPATH_DATAPATH_H
#define PONTOON_DATAPATH_DATAPATH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev/netdev.h"
#include "switching/fdb.h"
#include "switching/vlan.h"

#define OFPORT_LOCAL 65534u
/* Each kernel fast path has its own program and maps: its bridge is 1. */
#define KERNEL_BRIDGE_ID 1u
#define DP_MAX_WORKERS 64
#define DP_MAX_RXQ 16

/* Counters of one port, kept across snapshots; workers add to them atomically. */
struct dp_port_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped;   /* rx_dropped: VLAN policy, runts */
    uint64_t tx_packets, tx_bytes, tx_dropped;
};

/* Counters of one rx queue, kept across snapshots; written by its worker. */
struct dp_rxq_stats {
    uint64_t packets;
    uint64_t busy_ns;       /* time its worker spent receiving and switching them */
};

/* A bridge's MAC table.  Workers look up without locking: a sequence count
 * (odd while a writer is inside) tells them to retry.  Writers (learning a new
 * or moved MAC, refreshing one at most once a second, aging, flushing) take
 * the mutex.  The table is never resized in place: a new size means a new
 * struct dp_fdb in the next snapshot. */
struct dp_fdb {
    pthread_mutex_t lock;
    uint32_t seq;
    struct fdb *fdb;
};

struct dp_fdb *dp_fdb_create(size_t max_entries, uint32_t aging_s);
void dp_fdb_destroy(struct dp_fdb *fdb);
/* The port `mac` was learned on, or FDB_NO_PORT; never blocks. */
uint32_t dp_fdb_lookup(struct dp_fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                       uint64_t now_ms, uint64_t *seen_ms);
/* Learns under the mutex (the fast path calls it only when something changed). */
void dp_fdb_learn(struct dp_fdb *fdb, uint16_t vlan, const uint8_t mac[6], uint32_t port,
                  uint64_t now_ms);
/* Runs `edit` on the table with writers excluded and readers told to retry. */
void dp_fdb_write_lock(struct dp_fdb *fdb);
void dp_fdb_write_unlock(struct dp_fdb *fdb);

struct dp_bridge;

/* Bonds.  The control thread runs LACP and the bond logic and writes its
 * decisions into struct dp_bond_state (kept across snapshots); workers only
 * read those tables, and hand LACPDUs (slow protocols) to the control thread
 * through the state's queue. */
#define DP_BOND_MAX_MEMBERS 16
#define DP_BOND_BUCKETS 256
#define DP_BOND_NO_MEMBER 0xff
#define DP_BOND_PDU_QUEUE 64
#define DP_BOND_PDU_MAX 128

enum dp_bond_mode { DP_BOND_ACTIVE_BACKUP, DP_BOND_BALANCE_SLB, DP_BOND_BALANCE_TCP };

struct dp_bond_pdu {
    uint8_t member;
    uint16_t len;
    uint8_t data[DP_BOND_PDU_MAX];
};

struct dp_bond_state {
    uint8_t mode;                               /* enum dp_bond_mode */
    uint32_t hash_basis;                        /* other_config:bond-hash-basis */
    uint8_t lacp_negotiated;                    /* the partner knows the bond: accept all */
    uint8_t fallback_ab;                        /* balance-tcp without LACP acts as active-backup */
    uint8_t active;                             /* active member, or DP_BOND_NO_MEMBER */
    uint8_t rx_enabled[DP_BOND_MAX_MEMBERS];    /* may carry traffic (LACP agrees, link up) */
    uint8_t bucket_member[DP_BOND_BUCKETS];     /* balance modes: hash bucket -> member */
    uint64_t bucket_tx_bytes[DP_BOND_BUCKETS];  /* load, for rebalancing */
    pthread_mutex_t pdu_lock;
    struct dp_bond_pdu pdus[DP_BOND_PDU_QUEUE];
    unsigned pdu_head, pdu_count;
    uint64_t pdus_dropped;
    int pdu_event_fd;                           /* written when a PDU is queued */
};

struct dp_bond_member {
    char name[16];
    uint32_t ofport;
    struct netdev *netdev;                      /* NULL while missing */
    struct dp_port_stats *stats;
};

struct dp_port {
    uint32_t ofport;
    uint32_t index;                 /* position in dp_config.ports (output queues) */
    char name[16];
    struct netdev *netdev;          /* NULL while the device is missing */
    bool is_patch;
    bool is_tunnel;                 /* vxlan/geneve: split horizon applies */
    bool in_kernel;                 /* switched by the bridge's kernel fast path too */
    struct dp_port *patch_peer;     /* the peer patch port, NULL if unresolved */
    struct vlan_policy vlan;
    struct dp_bridge *bridge;
    struct dp_port_stats *stats;
    struct dp_rxq_stats *rxq_stats; /* netdev->n_rxq entries */
    /* Bonds only (netdev is NULL for them): */
    struct dp_bond_state *bond;
    struct dp_bond_member *members;
    unsigned n_members;
};

struct dp_bridge {
    char name[16];
    bool tunnel_split_horizon;      /* tunnel-to-tunnel floods are suppressed */
    struct dp_fdb *fdb;
    /* datapath_type=system: the kernel's MAC table (a BPF map), told of
     * every MAC learned here behind a port the kernel does not switch, so
     * that it sends frames for it up rather than to where it last saw it. */
    bool kernel_path;
    int kernel_fdb_fd;
    struct dp_port **ports;
    size_t n_ports;
};

/* One rx queue and the worker that polls it. */
struct dp_rxq {
    struct dp_port *port;
    unsigned queue;
    unsigned worker;
    struct netdev *netdev;          /* port->netdev, or the bond member's */
    int member;                     /* bond member index, -1 for other ports */
};

struct dp_config {
    /* The plain ports, allocated in one block (bonds' ports on their own):
     * a snapshot of 1000 ports is one allocation, not 1000. */
    void *port_block;
    size_t port_block_size;
    struct dp_bridge **bridges;
    size_t n_bridges;
    struct dp_port **ports;         /* every port of every bridge, by index */
    size_t n_ports;
    struct dp_rxq *rxqs;
    size_t n_rxqs;
    bool busy_poll;                 /* other_config:pmd-busy-poll: never sleep */
    uint32_t poll_after_traffic_us; /* keep polling this long after traffic, then sleep */
};

/* What a worker did, for dpif-netdev/pmd-stats-show. */
struct dp_worker_stats {
    uint64_t rx_packets, rx_batches;
    uint64_t tx_packets, tx_batches;
    uint64_t busy_ns, idle_ns;
};

struct datapath;

/* Starts one worker per entry of `cpus` (each pinned to that cpu). */
int datapath_start(const int *cpus, unsigned n_workers, struct datapath **out);
/* Stops the workers; the current config stays owned by the caller. */
void datapath_stop(struct datapath *dp);
unsigned datapath_n_workers(const struct datapath *dp);
int datapath_worker_cpu(const struct datapath *dp, unsigned worker);
/* A copy of a port's counters, each read atomically (workers add to them). */
void dp_port_stats_read(const struct dp_port_stats *s, struct dp_port_stats *out);
/* A consistent-enough copy of a worker's counters (each read atomically). */
void datapath_worker_stats(const struct datapath *dp, unsigned worker,
                           struct dp_worker_stats *stats);
/* Makes `config` current and waits until no worker uses the previous one,
 * which it returns (NULL the first time) for the caller to free. */
struct dp_config *datapath_publish(struct datapath *dp, struct dp_config *config);
/* The same without waiting: the workers may read the returned (old) config
 * until datapath_wait_acknowledged(dp, *generation) returns. */
struct dp_config *datapath_publish_async(struct datapath *dp, struct dp_config *config,
                                         uint64_t *generation);
void datapath_wait_acknowledged(struct datapath *dp, uint64_t generation);

/* Switching of received frames; exposed for the workers and tests. */
struct dp_output;
struct dp_output *dp_output_new(void);
void dp_output_free(struct dp_output *out);
/* Sizes the per-port output queues for a snapshot with n_ports ports. */
int dp_output_resize(struct dp_output *out, size_t n_ports);
/* Switches one frame received on in_port (on bond member `member`, or -1);
 * unicast frames wait in `out` until dp_output_flush. */
void dp_bridge_input(struct dp_port *in_port, int member, struct packet *pkt, uint64_t now_ms,
                     struct dp_output *out, unsigned depth);

/* bond_path.c: what the fast path does for bonds. */
int dp_bond_state_init(struct dp_bond_state *state);
void dp_bond_state_destroy(struct dp_bond_state *state);
/* True if the frame may enter through `member` (false: drop it); LACPDUs are
 * queued for the control thread and also return false. */
bool dp_bond_admit(struct dp_port *port, int member, struct packet *pkt, uint16_t vlan,
                   uint32_t src_learned_port);
/* The member a frame leaves on, or -1. */
int dp_bond_choose_member(const struct dp_port *port, const struct packet *pkt, uint16_t vlan);
/* The bucket (0..255) of a frame, as balance-slb / balance-tcp hash it. */
unsigned dp_bond_bucket(uint8_t mode, uint32_t basis, const struct packet *pkt, uint16_t vlan);
/* Control thread: takes the oldest queued LACPDU; false when none. */
bool dp_bond_take_pdu(struct dp_bond_state *state, struct dp_bond_pdu *pdu);
/* Sends every queued frame, a batch per port; returns frames sent. */
unsigned dp_output_flush(struct dp_output *out, struct dp_worker_stats *stats);

#endif
