/* Flow to queue: a symmetric flow hash, the spread over n queues, and the
 * table of flows learned from the guest's transmit queues. */
#include "netdev/flow_queue.h"

#include <string.h>

#include "packet/headers.h"

uint32_t flow_queue_hash(const struct packet *pkt)
{
    struct packet_headers h;
    if (packet_parse(pkt->data, pkt->len, &h) < 0)
        return 0;
    /* Sort the two ends (address and port, then MAC for frames without
     * them): a flow and its replies then hash alike. */
    int order = memcmp(h.src_ip, h.dst_ip, sizeof h.src_ip);
    if (!order)
        order = (int)h.src_port - (int)h.dst_port;
    if (!order)
        order = memcmp(h.src_mac, h.dst_mac, ETH_ADDR_LEN);
    if (order > 0) {
        uint8_t ip[sizeof h.src_ip];
        memcpy(ip, h.src_ip, sizeof ip);
        memcpy(h.src_ip, h.dst_ip, sizeof ip);
        memcpy(h.dst_ip, ip, sizeof ip);
        uint16_t port = h.src_port;
        h.src_port = h.dst_port;
        h.dst_port = port;
        const uint8_t *mac = h.src_mac;
        h.src_mac = h.dst_mac;
        h.dst_mac = mac;
    }
    return packet_flow_hash(&h, 0);
}

unsigned flow_queue_spread(uint32_t hash, unsigned n)
{
    /* The hash's high bits, scaled (no division); the table uses the low ones. */
    return (unsigned)(((uint64_t)hash * n) >> 32);
}

void flow_queue_learn(struct flow_queue_table *table, uint32_t hash, unsigned queue)
{
    uint8_t *slot = &table->queue[hash & (FLOW_QUEUE_TABLE_SIZE - 1)];
    uint8_t value = (uint8_t)(queue + 1);
    /* Read first: the common case (the flow stays on its queue) writes
     * nothing, so the line is not bounced between the threads that read it. */
    if (__atomic_load_n(slot, __ATOMIC_RELAXED) != value)
        __atomic_store_n(slot, value, __ATOMIC_RELAXED);
}

unsigned flow_queue_pick(const struct flow_queue_table *table, uint32_t hash, uint32_t ready)
{
    if (table) {
        unsigned learned = __atomic_load_n(&table->queue[hash & (FLOW_QUEUE_TABLE_SIZE - 1)],
                                           __ATOMIC_RELAXED);
        if (learned && learned <= FLOW_QUEUE_MAX && (ready & (1u << (learned - 1))))
            return learned - 1;
    }
    if (!ready)
        return 0;
    /* The n-th of the ready queues. */
    unsigned n = flow_queue_spread(hash, (unsigned)__builtin_popcount(ready));
    while (n--)
        ready &= ready - 1;
    return (unsigned)__builtin_ctz(ready);
}
