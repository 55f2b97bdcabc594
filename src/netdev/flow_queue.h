/* Which queue of a multi-queue port a frame goes to.
 *
 * A multi-queue virtio NIC spreads its receive work over its queues (each
 * with its own interrupt and CPU in the guest), so frames for it are spread
 * by flow: every frame of one flow on one queue, in order; different flows
 * over all the queues the guest uses.  As the virtio spec asks of a device
 * ("automatic receive steering"), a flow the guest sent on queue k comes
 * back on queue k: the port learns per flow the queue the guest last sent
 * it on, and frames of flows the guest has not sent spread by hash.  The
 * hash is symmetric (a reply hashes like its request), so what is learned
 * from one direction steers the other.
 *
 * Pure.  A table is shared by the threads that learn and those that pick,
 * with relaxed atomic byte loads and stores and no lock: a stale or
 * colliding entry only puts a flow on another ready queue. */
#ifndef PONTOON_NETDEV_FLOW_QUEUE_H
#define PONTOON_NETDEV_FLOW_QUEUE_H

#include <stdint.h>

#include "packet/packet.h"

#define FLOW_QUEUE_MAX 32           /* queues a mask can name */
#define FLOW_QUEUE_TABLE_SIZE 1024  /* learned flows (a power of two), by hash */

struct flow_queue_table {
    uint8_t queue[FLOW_QUEUE_TABLE_SIZE];   /* 1 + the guest's queue for the flow; 0: none */
};

/* The flow hash of a frame, the same for both directions of the flow
 * (addresses and ports sorted); 0 for a frame shorter than an Ethernet header. */
uint32_t flow_queue_hash(const struct packet *pkt);

/* [0, n) for a hash: how flows spread over n queues. */
unsigned flow_queue_spread(uint32_t hash, unsigned n);

/* Remembers that the guest sent the flow `hash` on `queue` (< FLOW_QUEUE_MAX). */
void flow_queue_learn(struct flow_queue_table *table, uint32_t hash, unsigned queue);

/* The queue, one of those set in `ready` (not 0), for a frame of the flow
 * `hash`: the one learned for it if that is ready, else spread by the hash
 * over the ready ones.  `table` may be NULL (nothing learned). */
unsigned flow_queue_pick(const struct flow_queue_table *table, uint32_t hash, uint32_t ready);

#endif
