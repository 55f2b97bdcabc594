/* Which worker polls which rx queue.  Pure: the caller passes measured loads. */
#ifndef PONTOON_DATAPATH_RXQ_ASSIGN_H
#define PONTOON_DATAPATH_RXQ_ASSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rxq_assign_item {
    uint64_t load;        /* busy time measured over the last window; 0 if unknown */
    int pinned_cpu;       /* other_config:pmd-rxq-affinity, -1 if none */
    int current;          /* worker polling it now, -1 if none (new queue) */
    unsigned worker;      /* out: the worker that polls it */
};

/* Assigns every item to one of n_workers workers (worker i runs on
 * worker_cpus[i]).  A queue pinned to a worker's cpu goes there, and that
 * worker takes no other queues (it is "isolated", as OVS does by default).
 * Without `rebalance`, queues keep their worker and new ones go to the
 * non-isolated worker with the fewest queues (round robin until measured).
 * With `rebalance`, every unpinned queue is reassigned, heaviest first, to the
 * least loaded non-isolated worker.  isolated[] (n_workers entries, may be
 * NULL) tells which workers are isolated. */
void rxq_assign(struct rxq_assign_item *items, size_t n, const int *worker_cpus,
                unsigned n_workers, bool rebalance, bool *isolated);

#endif
