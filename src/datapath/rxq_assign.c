#include "datapath/rxq_assign.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WORKERS 64

static int worker_on_cpu(const int *worker_cpus, unsigned n_workers, int cpu)
{
    for (unsigned i = 0; i < n_workers; i++)
        if (worker_cpus[i] == cpu)
            return (int)i;
    return -1;
}

/* The eligible worker with the least load, then the fewest queues, then the
 * lowest index: deterministic for the tests and for operators. */
static unsigned least_busy(const uint64_t *load, const unsigned *count, const bool *isolated,
                           unsigned n_workers, bool by_load)
{
    bool any_eligible = false;
    for (unsigned i = 0; i < n_workers; i++)
        any_eligible |= !isolated[i];
    unsigned best = 0;
    bool found = false;
    for (unsigned i = 0; i < n_workers; i++) {
        if (any_eligible && isolated[i])
            continue;
        if (!found || (by_load && load[i] < load[best]) ||
            ((!by_load || load[i] == load[best]) && count[i] < count[best])) {
            best = i;
            found = true;
        }
    }
    return best;
}


static int compare_load_desc(const void *a, const void *b, void *arg)
{
    const struct rxq_assign_item *items = arg;
    uint64_t la = items[*(const size_t *)a].load, lb = items[*(const size_t *)b].load;
    if (la != lb)
        return la > lb ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;   /* stable by position */
}

void rxq_assign(struct rxq_assign_item *items, size_t n, const int *worker_cpus,
                unsigned n_workers, bool rebalance, bool *isolated_out)
{
    if (n_workers == 0)
        return;
    if (n_workers > MAX_WORKERS)
        n_workers = MAX_WORKERS;
    bool isolated[MAX_WORKERS] = { false };
    uint64_t load[MAX_WORKERS] = { 0 };
    unsigned count[MAX_WORKERS] = { 0 };
    bool *placed = calloc(n ? n : 1, sizeof *placed);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    if (!placed || !order) {
        /* No memory: everything to worker 0 still forwards. */
        for (size_t i = 0; i < n; i++)
            items[i].worker = 0;
        free(placed);
        free(order);
        return;
    }

    /* Pinned queues first: they decide which workers are isolated. */
    for (size_t i = 0; i < n; i++) {
        int w = items[i].pinned_cpu >= 0
                    ? worker_on_cpu(worker_cpus, n_workers, items[i].pinned_cpu) : -1;
        if (w < 0)
            continue;
        items[i].worker = (unsigned)w;
        isolated[w] = true;
        load[w] += items[i].load;
        count[w]++;
        placed[i] = true;
    }
    /* Without a rebalance, queues stay where they are when they still may. */
    if (!rebalance) {
        for (size_t i = 0; i < n; i++) {
            int w = items[i].current;
            if (placed[i] || w < 0 || (unsigned)w >= n_workers || isolated[w])
                continue;
            items[i].worker = (unsigned)w;
            load[w] += items[i].load;
            count[w]++;
            placed[i] = true;
        }
    }
    size_t n_order = 0;
    for (size_t i = 0; i < n; i++)
        if (!placed[i])
            order[n_order++] = i;
    if (rebalance)
        qsort_r(order, n_order, sizeof *order, compare_load_desc, items);
    for (size_t k = 0; k < n_order; k++) {
        size_t i = order[k];
        unsigned w = least_busy(load, count, isolated, n_workers, rebalance);
        items[i].worker = w;
        load[w] += items[i].load;
        count[w]++;
    }
    if (isolated_out)
        memcpy(isolated_out, isolated, n_workers * sizeof *isolated);
    free(placed);
    free(order);
}
