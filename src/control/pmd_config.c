/* The datapath's worker ("pmd") threads as the configuration asks for them:
 * which cores (other_config:pmd-cpu-mask), sleeping or polling
 * (other_config:pmd-busy-poll), and which worker polls which rx queue
 * (Interface other_config:pmd-rxq-affinity, measured load, rebalance). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "control/switch_state.h"
#include "datapath/rxq_assign.h"
#include "util/clock.h"
#include "util/log.h"

/* Keep polling 5 ms after traffic: a ping every 2 ms never waits for a
 * worker to wake up.  The worker yields to other threads while it polls and
 * sleeps as soon as they need its core (datapath.c), so on a 2-core host it
 * no longer takes the CPU from the hosts' TCP stacks. */
#define PMD_POLL_AFTER_TRAFFIC_US 5000

uint64_t pmd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Cores named by a hex mask ("0x6", "6"), limited to those this process may
 * run on; with no mask, every such core (one thread per core). */
static unsigned cores_from_mask(const char *mask, int *cpus, unsigned max)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
        CPU_ZERO(&allowed);
    unsigned n = 0;
    if (mask && *mask) {
        const char *hex = mask[0] == '0' && (mask[1] == 'x' || mask[1] == 'X') ? mask + 2 : mask;
        size_t len = strlen(hex);
        for (size_t i = 0; i < len && n < max; i++) {
            char c = hex[len - 1 - i];
            int nibble = c >= '0' && c <= '9' ? c - '0'
                       : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (nibble < 0)
                return 0;   /* not a mask: the caller falls back to the default */
            for (int bit = 0; bit < 4 && n < max; bit++) {
                int cpu = (int)(i * 4) + bit;
                if ((nibble >> bit & 1) && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed))
                    cpus[n++] = cpu;
            }
        }
        return n;
    }
    for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
        if (CPU_ISSET(cpu, &allowed))
            cpus[n++] = cpu;
    if (n == 0)
        cpus[n++] = -1;     /* affinity unknown: one unpinned thread */
    return n;
}

int pmd_configure(struct switch_state *st)
{
    const struct db_row *root = db_root_row(st->db);
    const char *mask = root ? db_row_get_map_string(root, "other_config", "pmd-cpu-mask") : NULL;
    const char *busy = root ? db_row_get_map_string(root, "other_config", "pmd-busy-poll")
                            : NULL;
    st->busy_poll = busy && !strcmp(busy, "true");
    const char *after = root ? db_row_get_map_string(root, "other_config",
                                                     "pmd-poll-after-traffic-us") : NULL;
    char *end = NULL;
    unsigned long us = after ? strtoul(after, &end, 10) : PMD_POLL_AFTER_TRAFFIC_US;
    st->poll_after_traffic_us = (after && (*end || us > 1000000)) ? PMD_POLL_AFTER_TRAFFIC_US
                                                                   : (uint32_t)us;

    int cpus[DP_MAX_WORKERS];
    unsigned n = cores_from_mask(mask, cpus, DP_MAX_WORKERS);
    if (n == 0) {
        log_warn("other_config:pmd-cpu-mask=%s names no usable core; using every core", mask);
        n = cores_from_mask(NULL, cpus, DP_MAX_WORKERS);
    }
    if (st->dp && n == st->n_workers && !memcmp(cpus, st->worker_cpus, n * sizeof *cpus))
        return 0;

    /* A different set of cores: stop the workers, start the new set.  The
     * next snapshot is built for them; queues are assigned afresh. */
    if (st->dp) {
        switch_config_free(datapath_publish(st->dp, NULL));
        st->config = NULL;
        datapath_stop(st->dp);
        st->dp = NULL;
    }
    int err = datapath_start(cpus, n, &st->dp);
    if (err < 0)
        return err;
    memcpy(st->worker_cpus, cpus, n * sizeof *cpus);
    st->n_workers = n;
    memset(st->stats_baseline, 0, sizeof st->stats_baseline);
    for (size_t i = 0; i < st->n_ifaces; i++)
        for (unsigned q = 0; q < DP_MAX_RXQ; q++)
            st->ifaces[i]->rxq_worker[q] = -1;
    log_info("datapath: %u pmd thread%s", n, n == 1 ? "" : "s");
    return 0;
}

/* "0:3,1:7": queue 0 on core 3, queue 1 on core 7. */
static void parse_affinity(struct running_iface *iface, const char *text)
{
    for (unsigned q = 0; q < DP_MAX_RXQ; q++)
        iface->rxq_pinned_cpu[q] = -1;
    if (!text)
        return;
    const char *p = text;
    while (*p) {
        char *end;
        unsigned long queue = strtoul(p, &end, 10);
        if (end == p || *end != ':')
            goto bad;
        p = end + 1;
        long cpu = strtol(p, &end, 10);
        if (end == p || cpu < 0 || cpu >= CPU_SETSIZE || queue >= DP_MAX_RXQ)
            goto bad;
        iface->rxq_pinned_cpu[queue] = (int)cpu;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return;
bad:
    log_warn("%s: cannot parse other_config:pmd-rxq-affinity \"%s\" (want QUEUE:CORE,...)",
             iface->name, text);
    for (unsigned q = 0; q < DP_MAX_RXQ; q++)
        iface->rxq_pinned_cpu[q] = -1;
}

uint64_t pmd_rxq_window_busy(const struct switch_state *st, const struct running_iface *iface,
                             unsigned queue, uint64_t now_ns, uint64_t *window_ns)
{
    uint64_t busy = __atomic_load_n(&iface->rxq_stats[queue].busy_ns, __ATOMIC_RELAXED);
    if (st->history_count == 0) {
        *window_ns = now_ns - st->started_ns;
        return busy;
    }
    /* The oldest sample still kept starts the window. */
    unsigned oldest = st->history_count < PMD_HISTORY ? 0 : st->history_head;
    *window_ns = now_ns - st->history_ns[oldest];
    uint64_t then = iface->rxq_busy_history[queue][oldest];
    return busy > then ? busy - then : 0;
}

void pmd_sample_load(struct switch_state *st, uint64_t now_ns)
{
    unsigned last = (st->history_head + PMD_HISTORY - 1) % PMD_HISTORY;
    if (st->history_count
        && now_ns - st->history_ns[last] + CLOCK_TICK_SLACK_MS * 1000000ull
           < PMD_SAMPLE_MS * 1000000ull)
        return;
    for (size_t i = 0; i < st->n_ifaces; i++)
        for (unsigned q = 0; q < DP_MAX_RXQ; q++)
            st->ifaces[i]->rxq_busy_history[q][st->history_head] =
                __atomic_load_n(&st->ifaces[i]->rxq_stats[q].busy_ns, __ATOMIC_RELAXED);
    st->history_ns[st->history_head] = now_ns;
    st->history_head = (st->history_head + 1) % PMD_HISTORY;
    if (st->history_count < PMD_HISTORY)
        st->history_count++;
}

void pmd_assign_rxqs(struct switch_state *st)
{
    if (!st->dp)
        return;
    size_t n = 0;
    for (size_t i = 0; i < st->n_ifaces; i++)
        if (st->ifaces[i]->netdev)
            n += st->ifaces[i]->netdev->n_rxq < DP_MAX_RXQ ? st->ifaces[i]->netdev->n_rxq
                                                           : DP_MAX_RXQ;
    struct rxq_assign_item *items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return;
    uint64_t now = pmd_now_ns();
    size_t k = 0;
    for (size_t i = 0; i < st->n_ifaces; i++) {
        struct running_iface *iface = st->ifaces[i];
        /* Affinity comes from the Interface row: read again only for an
         * interface configured (or opened) since its columns were last
         * reported, which every reconcile of the whole switch marks. */
        if (iface->columns_dirty) {
            const struct db_row *row = db_find_row_by_uuid(st->db, iface->uuid);
            parse_affinity(iface, row ? db_row_get_map_string(row, "other_config",
                                                              "pmd-rxq-affinity") : NULL);
        }
        if (!iface->netdev)
            continue;
        for (unsigned q = 0; q < iface->netdev->n_rxq && q < DP_MAX_RXQ; q++, k++) {
            uint64_t window;
            items[k].load = pmd_rxq_window_busy(st, iface, q, now, &window);
            items[k].pinned_cpu = iface->rxq_pinned_cpu[q];
            items[k].current = iface->rxq_worker[q];
        }
    }
    rxq_assign(items, n, st->worker_cpus, st->n_workers, st->rebalance_requested,
               st->worker_isolated);
    k = 0;
    for (size_t i = 0; i < st->n_ifaces; i++) {
        struct running_iface *iface = st->ifaces[i];
        if (!iface->netdev)
            continue;
        for (unsigned q = 0; q < iface->netdev->n_rxq && q < DP_MAX_RXQ; q++, k++)
            iface->rxq_worker[q] = (int)items[k].worker;
    }
    st->rebalance_requested = false;
    free(items);
}
