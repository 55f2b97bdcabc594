/* The machine's CPUs as steering needs them: which are online, the width of
 * the kernel's CPU masks, the NUMA nodes' CPUs and the interrupts' default
 * affinity.  Read from /sys/devices/system/{cpu,node} and
 * /proc/irq/default_smp_affinity under a root (host/nic_files.h). */
#ifndef PONTOON_HOST_NIC_TOPOLOGY_H
#define PONTOON_HOST_NIC_TOPOLOGY_H

#include <stddef.h>

#include "host/cpu_list.h"

struct cpu_node {
    int id;
    struct cpu_bitmap cpus;
};

struct cpu_topology {
    struct cpu_bitmap online;     /* cpu/online */
    unsigned nr_cpu_ids;          /* one past the highest possible CPU (cpu/possible):
                                     the kernel prints masks this many bits wide */
    struct cpu_node *nodes;       /* node/online, each node's cpulist; none: no NUMA */
    size_t n_nodes;
    struct cpu_bitmap irq_default;/* default_smp_affinity (all online when unreadable) */
};

/* 0, or -1 with a heap *error ("cannot read DIR/sys/devices/system/cpu/online:
 * No such file or directory").  Free with cpu_topology_free also on error. */
int cpu_topology_read(const char *root, struct cpu_topology *topo, char **error);
void cpu_topology_free(struct cpu_topology *topo);
/* A node's CPUs, or NULL (no such node, or -1). */
const struct cpu_bitmap *cpu_topology_node_cpus(const struct cpu_topology *topo, int node);

#endif
