/* The MAC table as the workers share it: lock-free lookups under a sequence
 * count, writes under a mutex. */
#include <stdlib.h>

#include "datapath/datapath.h"

struct dp_fdb *dp_fdb_create(size_t max_entries, uint32_t aging_s)
{
    struct dp_fdb *fdb = calloc(1, sizeof *fdb);
    if (!fdb)
        return NULL;
    fdb->fdb = fdb_create(max_entries, aging_s);
    if (!fdb->fdb) {
        free(fdb);
        return NULL;
    }
    pthread_mutex_init(&fdb->lock, NULL);
    return fdb;
}

void dp_fdb_destroy(struct dp_fdb *fdb)
{
    if (!fdb)
        return;
    pthread_mutex_destroy(&fdb->lock);
    fdb_destroy(fdb->fdb);
    free(fdb);
}

uint32_t dp_fdb_lookup(struct dp_fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                       uint64_t now_ms, uint64_t *seen_ms)
{
    for (;;) {
        uint32_t seq = __atomic_load_n(&fdb->seq, __ATOMIC_ACQUIRE);
        if (seq & 1) {
            __builtin_ia32_pause();
            continue;
        }
        uint32_t port = fdb_lookup_concurrent(fdb->fdb, vlan, mac, now_ms, seen_ms);
        /* The reads above must complete before the sequence is checked again. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&fdb->seq, __ATOMIC_RELAXED) == seq)
            return port;
    }
}

void dp_fdb_write_lock(struct dp_fdb *fdb)
{
    pthread_mutex_lock(&fdb->lock);
    __atomic_store_n(&fdb->seq, fdb->seq + 1, __ATOMIC_RELAXED);
    /* Readers must see the odd count before any change to the table. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

void dp_fdb_write_unlock(struct dp_fdb *fdb)
{
    __atomic_store_n(&fdb->seq, fdb->seq + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&fdb->lock);
}

void dp_fdb_learn(struct dp_fdb *fdb, uint16_t vlan, const uint8_t mac[6], uint32_t port,
                  uint64_t now_ms)
{
    dp_fdb_write_lock(fdb);
    fdb_learn(fdb->fdb, vlan, mac, port, now_ms);
    dp_fdb_write_unlock(fdb);
}
