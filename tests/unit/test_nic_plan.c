/* The steering planner (host/nic_plan.c) on the captured trees of
 * tests/data/hosts: exact plans for every mode, and the applier writing a
 * plan into a copy of a tree, after which the same plan changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/nic_apply.h"
#include "host/nic_files.h"
#include "host/nic_inventory.h"
#include "host/nic_plan.h"
#include "util/strbuf.h"

/* tests/data/hosts/HOST, found from this file's own path (the unit tests
 * run from the top of the tree, as `make check` and scripts/test.sh do). */
static char *host_dir(const char *host)
{
    const char *slash = strrchr(__FILE__, '/');
    return xasprintf("%.*s/../data/hosts/%s", (int)(slash ? slash - __FILE__ : 0), __FILE__,
                     host);
}

/* "PATH CURRENT -> PLANNED" per setting, " (same)" when it does not change. */
static char *plan_text(const struct nic_plan *plan)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < plan->n; i++)
        strbuf_printf(&sb, "%s %s -> %s%s\n", plan->settings[i].path, plan->settings[i].current,
                      plan->settings[i].planned, plan->settings[i].change ? "" : " (same)");
    return sb.len ? strbuf_steal(&sb) : strdup("");
}

/* Plans `mode` for `dev` of a tree, the workers on `pmd` (a CPU list). */
static int plan_for(const char *root, const char *dev, const char *mode, const char *pmd,
                    struct nic_plan *plan, char **error)
{
    struct nic_inventory inv;
    const char *names[1] = { dev };
    struct nic_steering steering;
    struct cpu_bitmap pmd_cpus;
    int rc = -1;
    *error = NULL;
    assert_int_equal(cpu_list_parse(pmd, &pmd_cpus), 0);
    if (nic_inventory_read(root, names, 1, &inv, error) == 0
        && nic_steering_parse(mode, &steering, error) == 0)
        rc = nic_plan_build(&inv.nics[0], &inv.host, &pmd_cpus, &steering, plan, error);
    nic_inventory_free(&inv);
    return rc;
}

struct plan_case {
    const char *host, *dev, *mode, *pmd;
    const char *plan;
};

static const struct plan_case cases[] = {
    /* Intel, 8 queues on node 0 (24 CPUs): queue q's interrupt on the node's
     * q-th CPU, the misc one on the node; RPS as the node has more CPUs than
     * queues (rx-0: CPUs 0, 8, 28); each CPU of the machine on one tx queue. */
    { "two-socket", "eth0", "performance", "",
      "/proc/irq/120/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/121/smp_affinity_list 0 -> 1\n"
      "/proc/irq/122/smp_affinity_list 0 -> 2\n"
      "/proc/irq/123/smp_affinity_list 0 -> 3\n"
      "/proc/irq/124/smp_affinity_list 0 -> 4\n"
      "/proc/irq/125/smp_affinity_list 0 -> 5\n"
      "/proc/irq/126/smp_affinity_list 0 -> 6\n"
      "/proc/irq/127/smp_affinity_list 0 -> 7\n"
      "/proc/irq/128/smp_affinity_list 0-47 -> 0-11,24-35\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,10000101\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0000,00000000 -> 0000,20000202\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-2/rps_cpus 0000,00000000 -> 0000,40000404\n"
      "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-3/rps_cpus 0000,00000000 -> 0000,80000808\n"
      "/sys/class/net/eth0/queues/rx-3/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-4/rps_cpus 0000,00000000 -> 0001,01000010\n"
      "/sys/class/net/eth0/queues/rx-4/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-5/rps_cpus 0000,00000000 -> 0002,02000020\n"
      "/sys/class/net/eth0/queues/rx-5/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-6/rps_cpus 0000,00000000 -> 0004,04000040\n"
      "/sys/class/net/eth0/queues/rx-6/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-7/rps_cpus 0000,00000000 -> 0008,08000080\n"
      "/sys/class/net/eth0/queues/rx-7/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 0000,00000001 -> 0100,10101101\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus 0000,00000002 -> 0200,20202202\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-2/xps_cpus 0000,00000004 -> 0400,40404404\n"
      "/sys/class/net/eth0/queues/tx-2/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-3/xps_cpus 0000,00000008 -> 0800,80808808\n"
      "/sys/class/net/eth0/queues/tx-3/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-4/xps_cpus 0000,00000010 -> 1011,01010010\n"
      "/sys/class/net/eth0/queues/tx-4/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-5/xps_cpus 0000,00000020 -> 2022,02020020\n"
      "/sys/class/net/eth0/queues/tx-5/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-6/xps_cpus 0000,00000040 -> 4044,04040040\n"
      "/sys/class/net/eth0/queues/tx-6/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-7/xps_cpus 0000,00000080 -> 8088,08080080\n"
      "/sys/class/net/eth0/queues/tx-7/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    /* The same with Pontoon's workers on 0-1,24-25: they come last. */
    { "two-socket", "eth0", "performance", "0-1,24-25",
      "/proc/irq/120/smp_affinity_list 0 -> 2\n"
      "/proc/irq/121/smp_affinity_list 0 -> 3\n"
      "/proc/irq/122/smp_affinity_list 0 -> 4\n"
      "/proc/irq/123/smp_affinity_list 0 -> 5\n"
      "/proc/irq/124/smp_affinity_list 0 -> 6\n"
      "/proc/irq/125/smp_affinity_list 0 -> 7\n"
      "/proc/irq/126/smp_affinity_list 0 -> 8\n"
      "/proc/irq/127/smp_affinity_list 0 -> 9\n"
      "/proc/irq/128/smp_affinity_list 0-47 -> 2-11,26-35\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0000,00000000 -> 0001,00000404\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0000,00000000 -> 0002,00000808\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-2/rps_cpus 0000,00000000 -> 0004,04000010\n"
      "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-3/rps_cpus 0000,00000000 -> 0008,08000020\n"
      "/sys/class/net/eth0/queues/rx-3/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-4/rps_cpus 0000,00000000 -> 0000,10000040\n"
      "/sys/class/net/eth0/queues/rx-4/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-5/rps_cpus 0000,00000000 -> 0000,20000080\n"
      "/sys/class/net/eth0/queues/rx-5/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-6/rps_cpus 0000,00000000 -> 0000,40000100\n"
      "/sys/class/net/eth0/queues/rx-6/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/rx-7/rps_cpus 0000,00000000 -> 0000,80000200\n"
      "/sys/class/net/eth0/queues/rx-7/rps_flow_cnt 0 -> 4096\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 0000,00000001 -> 1011,00010404\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus 0000,00000002 -> 2022,00020808\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-2/xps_cpus 0000,00000004 -> 4044,04040010\n"
      "/sys/class/net/eth0/queues/tx-2/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-3/xps_cpus 0000,00000008 -> 8088,08080020\n"
      "/sys/class/net/eth0/queues/tx-3/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-4/xps_cpus 0000,00000010 -> 0100,10101041\n"
      "/sys/class/net/eth0/queues/tx-4/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-5/xps_cpus 0000,00000020 -> 0200,20202082\n"
      "/sys/class/net/eth0/queues/tx-5/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-6/xps_cpus 0000,00000040 -> 0400,41404100\n"
      "/sys/class/net/eth0/queues/tx-6/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-7/xps_cpus 0000,00000080 -> 0800,82808200\n"
      "/sys/class/net/eth0/queues/tx-7/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    /* Everything on the node's first CPU; RPS/XPS cleared (the driver's XPS too). */
    { "two-socket", "eth0", "power-save", "",
      "/proc/irq/120/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/121/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/122/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/123/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/124/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/125/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/126/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/127/smp_affinity_list 0 -> 0 (same)\n"
      "/proc/irq/128/smp_affinity_list 0-47 -> 0\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 0000,00000001 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus 0000,00000002 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-2/xps_cpus 0000,00000004 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-2/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-3/xps_cpus 0000,00000008 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-3/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-4/xps_cpus 0000,00000010 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-4/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-5/xps_cpus 0000,00000020 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-5/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-6/xps_cpus 0000,00000040 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-6/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-7/xps_cpus 0000,00000080 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-7/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
    },
    /* The kernel's defaults: default_smp_affinity (48 bits), RPS/XPS 0. */
    { "two-socket", "eth0", "off", "",
      "/proc/irq/120/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/121/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/122/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/123/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/124/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/125/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/126/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/127/smp_affinity_list 0 -> 0-47\n"
      "/proc/irq/128/smp_affinity_list 0-47 -> 0-47 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 0000,00000001 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus 0000,00000002 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-2/xps_cpus 0000,00000004 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-2/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-3/xps_cpus 0000,00000008 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-3/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-4/xps_cpus 0000,00000010 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-4/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-5/xps_cpus 0000,00000020 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-5/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-6/xps_cpus 0000,00000040 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-6/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-7/xps_cpus 0000,00000080 -> 0000,00000000\n"
      "/sys/class/net/eth0/queues/tx-7/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
    },
    /* Exactly those CPUs, wrapping round; 8 queues >= 5 CPUs: no RPS. */
    { "two-socket", "eth0", "2-5,40", "",
      "/proc/irq/120/smp_affinity_list 0 -> 2\n"
      "/proc/irq/121/smp_affinity_list 0 -> 3\n"
      "/proc/irq/122/smp_affinity_list 0 -> 4\n"
      "/proc/irq/123/smp_affinity_list 0 -> 5\n"
      "/proc/irq/124/smp_affinity_list 0 -> 40\n"
      "/proc/irq/125/smp_affinity_list 0 -> 2\n"
      "/proc/irq/126/smp_affinity_list 0 -> 3\n"
      "/proc/irq/127/smp_affinity_list 0 -> 4\n"
      "/proc/irq/128/smp_affinity_list 0-47 -> 2-5,40\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-3/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-4/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-5/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-6/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/rx-7/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 0000,00000001 -> 0000,00000004\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus 0000,00000002 -> 0000,00000008\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-2/xps_cpus 0000,00000004 -> 0000,00000010\n"
      "/sys/class/net/eth0/queues/tx-2/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-3/xps_cpus 0000,00000008 -> 0000,00000020\n"
      "/sys/class/net/eth0/queues/tx-3/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-4/xps_cpus 0000,00000010 -> 0100,00000000\n"
      "/sys/class/net/eth0/queues/tx-4/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-5/xps_cpus 0000,00000020 -> 0000,00000004\n"
      "/sys/class/net/eth0/queues/tx-5/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-6/xps_cpus 0000,00000040 -> 0000,00000008\n"
      "/sys/class/net/eth0/queues/tx-6/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
      "/sys/class/net/eth0/queues/tx-7/xps_cpus 0000,00000080 -> 0000,00000010\n"
      "/sys/class/net/eth0/queues/tx-7/xps_rxqs 00000000,00000000 -> 00000000,00000000 (same)\n"
    },
    /* Mellanox on node 1, 4 channels: already where performance puts them. */
    { "two-socket", "enp94s0f0np0", "performance", "",
      "/proc/irq/140/smp_affinity_list 12-23,36-47 -> 12-23,36-47 (same)\n"
      "/proc/irq/141/smp_affinity_list 12 -> 12 (same)\n"
      "/proc/irq/142/smp_affinity_list 13 -> 13 (same)\n"
      "/proc/irq/143/smp_affinity_list 14 -> 14 (same)\n"
      "/proc/irq/144/smp_affinity_list 15 -> 15 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-0/rps_cpus 0000,00000000 -> 1110,00111000\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-0/rps_flow_cnt 0 -> 8192\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-1/rps_cpus 0000,00000000 -> 2220,00222000\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-1/rps_flow_cnt 0 -> 8192\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-2/rps_cpus 0000,00000000 -> 4440,00444000\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-2/rps_flow_cnt 0 -> 8192\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-3/rps_cpus 0000,00000000 -> 8880,00888000\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-3/rps_flow_cnt 0 -> 8192\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-0/xps_cpus 0000,00001000 -> 1111,11111111\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-1/xps_cpus 0000,00002000 -> 2222,22222222\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-2/xps_cpus 0000,00004000 -> 4444,44444444\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-2/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-3/xps_cpus 0000,00008000 -> 8888,88888888\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-3/xps_rxqs 0 -> 0 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    /* A worker on 12, the node's first: the next one takes it all. */
    { "two-socket", "enp94s0f0np0", "power-save", "12",
      "/proc/irq/140/smp_affinity_list 12-23,36-47 -> 13\n"
      "/proc/irq/141/smp_affinity_list 12 -> 13\n"
      "/proc/irq/142/smp_affinity_list 13 -> 13 (same)\n"
      "/proc/irq/143/smp_affinity_list 14 -> 13\n"
      "/proc/irq/144/smp_affinity_list 15 -> 13\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-1/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-2/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-2/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-3/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/rx-3/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-0/xps_cpus 0000,00001000 -> 0000,00000000\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-1/xps_cpus 0000,00002000 -> 0000,00000000\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-2/xps_cpus 0000,00004000 -> 0000,00000000\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-2/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-3/xps_cpus 0000,00008000 -> 0000,00000000\n"
      "/sys/class/net/enp94s0f0np0/queues/tx-3/xps_rxqs 0 -> 0 (same)\n"
    },
    /* A veth: no interrupts, no NUMA node: RPS over every CPU, RFS sized;
     * its one tx queue has no readable xps_cpus. */
    { "two-socket", "veth0", "performance", "",
      "/sys/class/net/veth0/queues/rx-0/rps_cpus 0000,00000000 -> ffff,ffffffff\n"
      "/sys/class/net/veth0/queues/rx-0/rps_flow_cnt 0 -> 32768\n"
      "/sys/class/net/veth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    { "two-socket", "veth0", "off", "",
      "/sys/class/net/veth0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000000 (same)\n"
      "/sys/class/net/veth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/veth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
    },
    /* A two-queue tap: the CPUs shared between its queues. */
    { "two-socket", "tap0", "performance", "",
      "/sys/class/net/tap0/queues/rx-0/rps_cpus 0000,00000000 -> 5555,55555555\n"
      "/sys/class/net/tap0/queues/rx-0/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/tap0/queues/rx-1/rps_cpus 0000,00000000 -> aaaa,aaaaaaaa\n"
      "/sys/class/net/tap0/queues/rx-1/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/tap0/queues/tx-0/xps_cpus 0000,00000000 -> 5555,55555555\n"
      "/sys/class/net/tap0/queues/tx-0/xps_rxqs 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 -> 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 (same)\n"
      "/sys/class/net/tap0/queues/tx-1/xps_cpus 0000,00000000 -> aaaa,aaaaaaaa\n"
      "/sys/class/net/tap0/queues/tx-1/xps_rxqs 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 -> 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    { "two-socket", "tap0", "3,40", "",
      "/sys/class/net/tap0/queues/rx-0/rps_cpus 0000,00000000 -> 0000,00000008\n"
      "/sys/class/net/tap0/queues/rx-0/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/tap0/queues/rx-1/rps_cpus 0000,00000000 -> 0100,00000000\n"
      "/sys/class/net/tap0/queues/rx-1/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/tap0/queues/tx-0/xps_cpus 0000,00000000 -> 0000,00000008\n"
      "/sys/class/net/tap0/queues/tx-0/xps_rxqs 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 -> 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 (same)\n"
      "/sys/class/net/tap0/queues/tx-1/xps_cpus 0000,00000000 -> 0100,00000000\n"
      "/sys/class/net/tap0/queues/tx-1/xps_rxqs 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 -> 00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    /* virtio-net in a 4-vCPU guest, NUMA node -1: queue pairs on CPUs 0
     * and 1, RPS over the others too. */
    { "kvm-guest", "eth0", "performance", "",
      "/proc/irq/24/smp_affinity_list 0-3 -> 0-3 (same)\n"
      "/proc/irq/25/smp_affinity_list 0-1 -> 0\n"
      "/proc/irq/26/smp_affinity_list 0-1 -> 0\n"
      "/proc/irq/27/smp_affinity_list 2-3 -> 1\n"
      "/proc/irq/28/smp_affinity_list 2-3 -> 1\n"
      "/proc/irq/29/smp_affinity_list 0-3 -> 0-3 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0 -> 5\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0 -> a\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 3 -> 5\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus c -> a\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    { "kvm-guest", "eth0", "performance", "0",
      "/proc/irq/24/smp_affinity_list 0-3 -> 1-3\n"
      "/proc/irq/25/smp_affinity_list 0-1 -> 1\n"
      "/proc/irq/26/smp_affinity_list 0-1 -> 1\n"
      "/proc/irq/27/smp_affinity_list 2-3 -> 2\n"
      "/proc/irq/28/smp_affinity_list 2-3 -> 2\n"
      "/proc/irq/29/smp_affinity_list 0-3 -> 1-3\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0 -> a\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0 -> 4\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 3 -> a\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus c -> 5\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
    { "kvm-guest", "eth0", "power-save", "",
      "/proc/irq/24/smp_affinity_list 0-3 -> 0\n"
      "/proc/irq/25/smp_affinity_list 0-1 -> 0\n"
      "/proc/irq/26/smp_affinity_list 0-1 -> 0\n"
      "/proc/irq/27/smp_affinity_list 2-3 -> 0\n"
      "/proc/irq/28/smp_affinity_list 2-3 -> 0\n"
      "/proc/irq/29/smp_affinity_list 0-3 -> 0\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 3 -> 0\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus c -> 0\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
    },
    { "kvm-guest", "eth0", "off", "",
      "/proc/irq/24/smp_affinity_list 0-3 -> 0-3 (same)\n"
      "/proc/irq/25/smp_affinity_list 0-1 -> 0-3\n"
      "/proc/irq/26/smp_affinity_list 0-1 -> 0-3\n"
      "/proc/irq/27/smp_affinity_list 2-3 -> 0-3\n"
      "/proc/irq/28/smp_affinity_list 2-3 -> 0-3\n"
      "/proc/irq/29/smp_affinity_list 0-3 -> 0-3 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 3 -> 0\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus c -> 0\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
    },
    { "kvm-guest", "eth0", "1-3", "",
      "/proc/irq/24/smp_affinity_list 0-3 -> 1-3\n"
      "/proc/irq/25/smp_affinity_list 0-1 -> 1\n"
      "/proc/irq/26/smp_affinity_list 0-1 -> 1\n"
      "/proc/irq/27/smp_affinity_list 2-3 -> 2\n"
      "/proc/irq/28/smp_affinity_list 2-3 -> 2\n"
      "/proc/irq/29/smp_affinity_list 0-3 -> 1-3\n"
      "/sys/class/net/eth0/queues/rx-0/rps_cpus 0 -> a\n"
      "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/rx-1/rps_cpus 0 -> 4\n"
      "/sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0 -> 16384\n"
      "/sys/class/net/eth0/queues/tx-0/xps_cpus 3 -> a\n"
      "/sys/class/net/eth0/queues/tx-0/xps_rxqs 0 -> 0 (same)\n"
      "/sys/class/net/eth0/queues/tx-1/xps_cpus c -> 4\n"
      "/sys/class/net/eth0/queues/tx-1/xps_rxqs 0 -> 0 (same)\n"
      "/proc/sys/net/core/rps_sock_flow_entries 0 -> 32768\n"
    },
};

static void test_exact_plans(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct plan_case *c = &cases[i];
        char *root = host_dir(c->host);
        struct nic_plan plan;
        char *error = NULL;
        if (plan_for(root, c->dev, c->mode, c->pmd, &plan, &error))
            fail_msg("%s %s %s: %s", c->host, c->dev, c->mode, error);
        char *text = plan_text(&plan);
        if (strcmp(text, c->plan))
            fail_msg("%s %s %s (pmd %s):\n--- got\n%s--- expected\n%s", c->host, c->dev,
                     c->mode, c->pmd, text, c->plan);
        size_t changes = 0;
        for (size_t s = 0; s < plan.n; s++)
            changes += plan.settings[s].change;
        assert_int_equal(plan.n_changes, changes);
        free(text);
        nic_plan_free(&plan);
        free(root);
    }
}

static void test_bad_steering(void **state)
{
    struct nic_steering steering;
    char *error = NULL;
    assert_int_equal(nic_steering_parse("fast", &steering, &error), -1);
    assert_string_equal(error, "unknown steering mode \"fast\" (performance, power-save, off, "
                               "or a CPU list such as 0-3,8)");
    free(error);
    assert_int_equal(nic_steering_parse("3-1", &steering, &error), -1);
    assert_string_equal(error, "\"3-1\" is not a CPU list (such as 0-3,8)");
    free(error);
    assert_int_equal(nic_steering_parse("0-3,8", &steering, &error), 0);
    char *text = nic_steering_format(&steering);
    assert_string_equal(text, "0-3,8");
    free(text);
    assert_int_equal(nic_steering_parse("power-save", &steering, &error), 0);
    assert_int_equal(steering.mode, NIC_STEER_POWER_SAVE);

    /* CPUs that are not online: no plan. */
    char *root = host_dir("kvm-guest");
    struct nic_plan plan;
    assert_int_equal(plan_for(root, "eth0", "2-5", "", &plan, &error), -1);
    assert_string_equal(error, "CPU 4-5 are not online (online: 0-3)");
    free(error);
    nic_plan_free(&plan);
    assert_int_equal(plan_for(root, "eth0", "64", "", &plan, &error), -1);
    assert_string_equal(error, "CPU 64 is not online (online: 0-3)");
    free(error);
    nic_plan_free(&plan);
    free(root);
}

/* Every CPU a worker's: performance still places everything (workers last
 * means workers only); power-save takes the node's first. */
static void test_all_cpus_workers(void **state)
{
    char *root = host_dir("kvm-guest");
    struct nic_plan plan;
    char *error = NULL;
    assert_int_equal(plan_for(root, "eth0", "performance", "0-3", &plan, &error), 0);
    assert_string_equal(plan.settings[1].path, "/proc/irq/25/smp_affinity_list");
    assert_string_equal(plan.settings[1].planned, "0");
    assert_string_equal(plan.settings[0].planned, "0-3");
    nic_plan_free(&plan);
    assert_int_equal(plan_for(root, "eth0", "power-save", "0-3", &plan, &error), 0);
    assert_string_equal(plan.settings[0].planned, "0");
    nic_plan_free(&plan);
    free(root);
}

static char *copy_to;
static size_t copy_from_len;

static int copy_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    char *dest = xasprintf("%s%s", copy_to, path + copy_from_len);
    int rc = 0;
    if (type == FTW_D) {
        rc = mkdir(dest, 0755) && ftw->level ? -1 : 0;
    } else if (type == FTW_SL) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        rc = n > 0 ? symlink(target, dest) : -1;
    } else {
        char *text = nic_read_file("", "%s", path);
        FILE *f = fopen(dest, "w");
        rc = text && f && fprintf(f, "%s\n", text) >= 0 ? 0 : -1;
        if (f)
            fclose(f);
        free(text);
    }
    free(dest);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

/* Applying the plan to a copy of the tree writes each change; the same
 * mode planned again finds nothing to change; off brings back the
 * defaults. */
static void test_apply_then_nothing_to_change(void **state)
{
    char *from = host_dir("two-socket");
    char tmp[] = "/tmp/test_nic_plan.XXXXXX";
    assert_non_null(mkdtemp(tmp));
    copy_to = tmp;
    copy_from_len = strlen(from);
    assert_int_equal(nftw(from, copy_entry, 16, FTW_PHYS), 0);

    const char *devs[] = { "eth0", "enp94s0f0np0", "tap0", "veth0" };
    const char *modes[] = { "performance", "2-5,40", "power-save", "off" };
    for (size_t m = 0; m < 4; m++)
        for (size_t d = 0; d < 4; d++) {
            struct nic_plan plan;
            char *error = NULL;
            assert_int_equal(plan_for(tmp, devs[d], modes[m], "", &plan, &error), 0);
            size_t written = 0;
            assert_int_equal(nic_plan_apply(tmp, &plan, &written, &error), 0);
            assert_null(error);
            assert_int_equal(written, plan.n_changes);
            nic_plan_free(&plan);
            assert_int_equal(plan_for(tmp, devs[d], modes[m], "", &plan, &error), 0);
            if (plan.n_changes)
                fail_msg("%s %s again:\n%s", devs[d], modes[m], plan_text(&plan));
            nic_plan_free(&plan);
        }
    char *rps = nic_read_file(tmp, "/sys/class/net/eth0/queues/rx-0/rps_cpus");
    assert_string_equal(rps, "0000,00000000");
    free(rps);
    char *affinity = nic_read_file(tmp, "/proc/irq/121/smp_affinity_list");
    assert_string_equal(affinity, "0-47");
    free(affinity);
    char *flows = nic_read_file(tmp, "/proc/sys/net/core/rps_sock_flow_entries");
    assert_string_equal(flows, "32768");     /* machine-wide: only ever raised */
    free(flows);

    /* A file that cannot be written is named; the others are written. */
    struct nic_plan plan;
    char *error = NULL;
    assert_int_equal(plan_for(tmp, "eth0", "performance", "", &plan, &error), 0);
    char *gone = xasprintf("%s/proc/irq/121/smp_affinity_list", tmp);
    assert_int_equal(unlink(gone), 0);
    free(gone);
    size_t written = 0;
    assert_int_equal(nic_plan_apply(tmp, &plan, &written, &error), 1);
    assert_string_equal(error, "/proc/irq/121/smp_affinity_list: No such file or directory");
    assert_int_equal(written, plan.n_changes - 1);
    free(error);
    nic_plan_free(&plan);

    assert_int_equal(nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(from);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_plans),
        cmocka_unit_test(test_bad_steering),
        cmocka_unit_test(test_all_cpus_workers),
        cmocka_unit_test(test_apply_then_nothing_to_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
