/* Steering a network device's work onto CPUs: from what the device has
 * (host/nic_inventory.h), the machine's CPUs, Pontoon's worker CPUs and a
 * mode, the settings to write.  Pure: no I/O; host/nic_apply.h writes them.
 *
 * Modes (irqbalance's two, the vendors' scripts' explicit one, and off):
 *   performance  each queue's interrupt(s) on a CPU of its own: queue q on
 *                the q-th CPU of the order "the device's NUMA node, then the
 *                others, Pontoon's worker (pmd) CPUs last"; the device's own
 *                interrupts (config, misc) on the node's CPUs.  XPS: tx queue
 *                t is used by the CPU taking queue t's interrupt (each CPU
 *                maps to one tx queue, the order wrapping round the queues).
 *                A device with fewer rx queues than the node has (non-worker)
 *                CPUs, or with no queue interrupts at all (veth, tap), gets
 *                RPS: rx queue q over the node's CPUs q, q+N, q+2N... (all of
 *                them with one queue), RFS sized as the kernel's scaling.rst
 *                suggests: rps_sock_flow_entries at least 32768, each queue's
 *                rps_flow_cnt 32768/N rounded down to a power of two.
 *   power-save   every interrupt of the device on one CPU, the node's first
 *                (non-worker) one; RPS, RFS and XPS cleared.
 *   CPU list     as performance over exactly those CPUs, in ascending order,
 *                workers not set apart.
 *   off          the kernel's defaults: interrupts on default_smp_affinity,
 *                rps_cpus, rps_flow_cnt, xps_cpus, xps_rxqs 0.
 * xps_rxqs is cleared in every mode: when set it takes precedence over
 * xps_cpus.  rps_sock_flow_entries is machine-wide: only ever raised.
 * A setting whose file the inventory could not read (xps_cpus of a
 * one-queue device, a file missing from a captured tree) is left out. */
#ifndef PONTOON_HOST_NIC_PLAN_H
#define PONTOON_HOST_NIC_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "host/cpu_list.h"
#include "host/nic_inventory.h"

#define NIC_RFS_FLOW_ENTRIES 32768

enum nic_steer_mode {
    NIC_STEER_OFF,
    NIC_STEER_PERFORMANCE,
    NIC_STEER_POWER_SAVE,
    NIC_STEER_CPUS,
};

struct nic_steering {
    enum nic_steer_mode mode;
    struct cpu_bitmap cpus;       /* NIC_STEER_CPUS */
};

/* "performance", "power-save", "off" or a CPU list ("0-3,8").  0, or -1
 * with a heap *error ("unknown steering mode \"fast\": ..."). */
int nic_steering_parse(const char *text, struct nic_steering *steering, char **error);
/* The canonical text: the mode's name, or the list as cpu_list_format
 * writes it.  Heap. */
char *nic_steering_format(const struct nic_steering *steering);

struct nic_setting {
    char *path;                   /* "/proc/irq/38/smp_affinity_list", under the root */
    char *current;                /* as read */
    char *planned;                /* in the kernel's own format for that file */
    bool change;                  /* planned differs from current (compared as values) */
};

struct nic_plan {
    struct nic_setting *settings; /* interrupts by number, rx queues, tx queues, sysctl */
    size_t n;
    size_t n_changes;
};

/* Plans `steering` for `nic`.  pmd_cpus: the workers' CPUs (may be NULL or
 * empty).  0, or -1 with a heap *error (a CPU of the list that is not
 * online, no online CPU).  Free with nic_plan_free, also after an error. */
int nic_plan_build(const struct nic_info *nic, const struct nic_host *host,
                   const struct cpu_bitmap *pmd_cpus, const struct nic_steering *steering,
                   struct nic_plan *plan, char **error);
void nic_plan_free(struct nic_plan *plan);

#endif
