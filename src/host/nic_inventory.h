/* What a host's network devices have: driver, bus address, NUMA node, speed,
 * MTU, channels, rx/tx queues with their RPS/XPS settings, and interrupts
 * per queue with affinity and per-CPU counts; and the machine's CPUs and
 * NET_RX softirqs.  Read from /sys and /proc under a root (live: "" or "/";
 * a captured tree: its directory), plus ethtool on the live system.
 * Nothing here decides anything: host/nic_plan.h does. */
#ifndef PONTOON_HOST_NIC_INVENTORY_H
#define PONTOON_HOST_NIC_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/ethtool_channels.h"
#include "host/irq_table.h"
#include "host/nic_topology.h"

struct nic_irq {
    unsigned irq;
    char *name;                   /* the handlers' names in /proc/interrupts */
    enum irq_queue_kind kind;     /* which queue it serves, IRQ_DEVICE: none */
    int queue;                    /* -1 for IRQ_DEVICE */
    char *affinity;               /* /proc/irq/N/smp_affinity_list, NULL: unreadable */
    char *effective;              /* effective_affinity_list, NULL: absent */
    uint64_t *counts;             /* per CPU number, nic_host.n_irq_cpus entries */
};

struct nic_rxq {
    char *rps_cpus;               /* queues/rx-N/rps_cpus as read (a mask), NULL: absent */
    char *rps_flow_cnt;           /* NULL: absent */
};

struct nic_txq {
    char *xps_cpus;               /* queues/tx-N/xps_cpus, NULL: absent (one queue) */
    char *xps_rxqs;
};

struct nic_info {
    char name[16];
    char *driver;                 /* "" when unknown */
    char *version;
    char *bus;                    /* "0000:3b:00.0"; "" for a virtual device */
    char *virtio;                 /* "virtio2" for a virtio device, else NULL */
    bool is_virtual;              /* no device/: veth, tap, bridge... */
    int numa_node;                /* -1: none or unknown */
    long speed_mbps;              /* -1: unknown (link down, no speed) */
    long mtu;
    bool has_channels;
    struct nic_channels channels;
    unsigned n_rxq, n_txq;
    struct nic_rxq *rxq;
    struct nic_txq *txq;
    struct nic_irq *irqs;         /* ascending by number */
    size_t n_irqs;
};

struct nic_host {
    struct cpu_topology topo;
    uint64_t *net_rx;             /* NET_RX softirqs per CPU number */
    unsigned n_net_rx;
    unsigned n_irq_cpus;          /* entries of each nic_irq.counts */
    char *rps_sock_flow_entries;  /* /proc/sys/net/core/rps_sock_flow_entries, NULL: absent */
};

struct nic_inventory {
    char *root;                   /* normalized: "" live */
    struct nic_host host;
    struct nic_info *nics;
    size_t n_nics;
};

/* Reads the named devices (n_names 0: every one under /sys/class/net but
 * lo, sorted).  0, or -1 with a heap *error naming the problem ("no network
 * device named eth9").  Free with nic_inventory_free, also after an error. */
int nic_inventory_read(const char *root, const char *const *names, size_t n_names,
                       struct nic_inventory *inv, char **error);
void nic_inventory_free(struct nic_inventory *inv);
const struct nic_info *nic_inventory_find(const struct nic_inventory *inv, const char *name);

/* Whether the device exists under root; its number of rx-N (or tx-N)
 * queues (0: none or absent).  Cheap: for the daemon's once-a-second check. */
bool nic_device_exists(const char *root, const char *name);
unsigned nic_count_queues(const char *root, const char *name, bool rx);

#endif
