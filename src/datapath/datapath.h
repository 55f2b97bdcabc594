/* The datapath: a worker thread that receives batches from every port's rx
 * queue and switches them.  What to switch is an immutable snapshot
 * (struct dp_config) that the control thread builds and publishes; the worker
 * picks up a new snapshot between batches and acknowledges it, after which
 * the control thread may free the old one and close netdevs it no longer has. */
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

/* Counters of one port, kept across snapshots; written by the worker only. */
struct dp_port_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped;   /* rx_dropped: VLAN policy, runts */
    uint64_t tx_packets, tx_bytes, tx_dropped;
};

/* A bridge's MAC table, kept across snapshots.  The lock is taken once per
 * packet by the worker and by the control thread for fdb/show and aging. */
struct dp_fdb {
    pthread_mutex_t lock;
    struct fdb *fdb;
};

struct dp_bridge;

struct dp_port {
    uint32_t ofport;
    char name[16];
    struct netdev *netdev;          /* NULL while the device is missing */
    bool is_patch;
    struct dp_port *patch_peer;     /* the peer patch port, NULL if unresolved */
    struct vlan_policy vlan;
    struct dp_bridge *bridge;
    struct dp_port_stats *stats;
};

struct dp_bridge {
    char name[16];
    struct dp_fdb *fdb;
    struct dp_port **ports;
    size_t n_ports;
};

struct dp_config {
    struct dp_bridge **bridges;
    size_t n_bridges;
};

struct datapath;

int datapath_start(struct datapath **out);
/* Stops the worker; the current config stays owned by the caller. */
void datapath_stop(struct datapath *dp);
/* Makes `config` current and waits until the worker no longer uses the previous
 * one, which it returns (NULL the first time) for the caller to free. */
struct dp_config *datapath_publish(struct datapath *dp, struct dp_config *config);

/* Switching of one received frame; exposed for the worker and tests. */
struct dp_worker_scratch;
void dp_bridge_input(struct dp_port *in_port, struct packet *pkt, uint64_t now_ms,
                     struct dp_worker_scratch *scratch, unsigned depth);
struct dp_worker_scratch *dp_worker_scratch_new(void);
void dp_worker_scratch_free(struct dp_worker_scratch *scratch);

#endif
