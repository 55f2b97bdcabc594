/* MAC learning table.  Entries live in one array allocated up front; a hash
 * table of chained indexes finds them, and a doubly linked LRU list (also by
 * index) orders them by last sighting so that eviction and expiry only ever
 * look at the list's head.  Nothing here allocates after create/set_limits. */
#include "switching/fdb.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct fdb_slot {
    uint64_t seen_ms;     /* last time the MAC was seen */
    uint32_t port;
    uint32_t hash_next;   /* next in the bucket chain, or next free slot */
    uint32_t lru_prev;    /* towards older */
    uint32_t lru_next;    /* towards newer */
    uint16_t vlan;
    uint8_t mac[6];
};

struct fdb {
    struct fdb_slot *slots;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t max;
    uint32_t count;
    uint32_t free_head;
    uint32_t lru_oldest;
    uint32_t lru_newest;
    uint32_t hash_basis;
    uint64_t aging_ms;
};

static uint32_t rotl32(uint32_t x, int r)
{
    return x << r | x >> (32 - r);
}

static uint32_t mix(uint32_t hash, uint32_t data)
{
    data *= 0xcc9e2d51;
    data = rotl32(data, 15) * 0x1b873593;
    hash = rotl32(hash ^ data, 13);
    return hash * 5 + 0xe6546b64;
}

static uint32_t key_hash(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6])
{
    uint32_t hash = fdb->hash_basis;
    hash = mix(hash, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                     (uint32_t)mac[3] << 24);
    hash = mix(hash, (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | (uint32_t)vlan << 16);
    hash ^= hash >> 16;
    hash *= 0x85ebca6b;
    hash ^= hash >> 13;
    hash *= 0xc2b2ae35;
    return hash ^ hash >> 16;
}

static bool is_expired(const struct fdb *fdb, const struct fdb_slot *slot, uint64_t now_ms)
{
    /* A clock that stepped back makes entries younger, never older. */
    return now_ms > slot->seen_ms && now_ms - slot->seen_ms >= fdb->aging_ms;
}

static uint32_t find(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6])
{
    uint32_t i = fdb->buckets[key_hash(fdb, vlan, mac) & fdb->bucket_mask];
    while (i != NIL) {
        const struct fdb_slot *slot = &fdb->slots[i];
        if (slot->vlan == vlan && !memcmp(slot->mac, mac, 6)) {
            return i;
        }
        i = slot->hash_next;
    }
    return NIL;
}

static void lru_unlink(struct fdb *fdb, uint32_t i)
{
    struct fdb_slot *slot = &fdb->slots[i];
    if (slot->lru_prev != NIL) {
        fdb->slots[slot->lru_prev].lru_next = slot->lru_next;
    } else {
        fdb->lru_oldest = slot->lru_next;
    }
    if (slot->lru_next != NIL) {
        fdb->slots[slot->lru_next].lru_prev = slot->lru_prev;
    } else {
        fdb->lru_newest = slot->lru_prev;
    }
}

static void lru_append(struct fdb *fdb, uint32_t i)
{
    struct fdb_slot *slot = &fdb->slots[i];
    slot->lru_prev = fdb->lru_newest;
    slot->lru_next = NIL;
    if (fdb->lru_newest != NIL) {
        fdb->slots[fdb->lru_newest].lru_next = i;
    } else {
        fdb->lru_oldest = i;
    }
    fdb->lru_newest = i;
}

static void hash_insert(struct fdb *fdb, uint32_t i)
{
    struct fdb_slot *slot = &fdb->slots[i];
    uint32_t *bucket = &fdb->buckets[key_hash(fdb, slot->vlan, slot->mac) & fdb->bucket_mask];
    slot->hash_next = *bucket;
    *bucket = i;
}

static void remove_slot(struct fdb *fdb, uint32_t i)
{
    struct fdb_slot *slot = &fdb->slots[i];
    uint32_t *link = &fdb->buckets[key_hash(fdb, slot->vlan, slot->mac) & fdb->bucket_mask];
    while (*link != i) {
        link = &fdb->slots[*link].hash_next;
    }
    *link = slot->hash_next;
    lru_unlink(fdb, i);
    slot->hash_next = fdb->free_head;
    fdb->free_head = i;
    fdb->count--;
}

static void reset_index(struct fdb *fdb)
{
    for (uint32_t b = 0; b <= fdb->bucket_mask; b++) {
        fdb->buckets[b] = NIL;
    }
    for (uint32_t i = 0; i < fdb->max; i++) {
        fdb->slots[i].hash_next = i + 1 < fdb->max ? i + 1 : NIL;
    }
    fdb->free_head = 0;
    fdb->count = 0;
    fdb->lru_oldest = fdb->lru_newest = NIL;
}

static uint64_t aging_to_ms(uint32_t aging_s)
{
    return (uint64_t)aging_s * 1000;
}

/* Fresh arrays for `max` entries (at least one, at most what the indexes
 * can name), with about two buckets per entry to keep chains short. */
static int alloc_arrays(size_t max, struct fdb_slot **slots, uint32_t **buckets,
                        uint32_t *max_out, uint32_t *mask_out)
{
    if (max < 1) {
        max = 1;
    }
    if (max > (1u << 30)) {
        max = 1u << 30;
    }
    size_t n_buckets = 1;
    while (n_buckets < 2 * max) {
        n_buckets <<= 1;
    }
    *slots = calloc(max, sizeof **slots);
    *buckets = malloc(n_buckets * sizeof **buckets);
    if (!*slots || !*buckets) {
        free(*slots);
        free(*buckets);
        return -1;
    }
    *max_out = (uint32_t)max;
    *mask_out = (uint32_t)(n_buckets - 1);
    return 0;
}

struct fdb *fdb_create(size_t max_entries, uint32_t aging_s)
{
    struct fdb *fdb = calloc(1, sizeof *fdb);
    if (!fdb) {
        return NULL;
    }
    if (alloc_arrays(max_entries, &fdb->slots, &fdb->buckets, &fdb->max,
                     &fdb->bucket_mask) < 0) {
        free(fdb);
        return NULL;
    }
    /* Per-table basis (the address moves with ASLR) so that a guest cannot
     * precompute MACs that all share one chain. */
    fdb->hash_basis = (uint32_t)((uintptr_t)fdb >> 4) * 0x9e3779b9u;
    fdb->aging_ms = aging_to_ms(aging_s);
    reset_index(fdb);
    return fdb;
}

void fdb_destroy(struct fdb *fdb)
{
    if (fdb) {
        free(fdb->slots);
        free(fdb->buckets);
        free(fdb);
    }
}

void fdb_set_limits(struct fdb *fdb, size_t max_entries, uint32_t aging_s)
{
    fdb->aging_ms = aging_to_ms(aging_s);
    struct fdb_slot *slots;
    uint32_t *buckets, max, mask;
    if ((max_entries < 1 ? 1 : max_entries) == fdb->max ||
        alloc_arrays(max_entries, &slots, &buckets, &max, &mask) < 0) {
        return;    /* same size, or no memory: keep the current table */
    }
    /* Keep the newest `max` entries, then re-add them oldest first so the LRU
     * order survives. */
    uint32_t keep = fdb->lru_newest;
    for (uint32_t n = 1; n < max && keep != NIL && fdb->slots[keep].lru_prev != NIL; n++) {
        keep = fdb->slots[keep].lru_prev;
    }
    struct fdb_slot *old = fdb->slots;
    free(fdb->buckets);
    fdb->slots = slots;
    fdb->buckets = buckets;
    fdb->max = max;
    fdb->bucket_mask = mask;
    reset_index(fdb);
    for (uint32_t i = keep; i != NIL; i = old[i].lru_next) {
        uint32_t slot = fdb->free_head;
        fdb->free_head = fdb->slots[slot].hash_next;
        fdb->slots[slot] = old[i];
        hash_insert(fdb, slot);
        lru_append(fdb, slot);
        fdb->count++;
    }
    free(old);
}

bool fdb_learn(struct fdb *fdb, uint16_t vlan, const uint8_t mac[6], uint32_t port,
               uint64_t now_ms)
{
    uint32_t i = find(fdb, vlan, mac);
    bool changed;
    if (i != NIL) {
        /* An expired entry found again counts as new, like a fresh learn. */
        changed = fdb->slots[i].port != port || is_expired(fdb, &fdb->slots[i], now_ms);
        lru_unlink(fdb, i);
    } else {
        if (fdb->free_head == NIL) {
            remove_slot(fdb, fdb->lru_oldest);
        }
        i = fdb->free_head;
        fdb->free_head = fdb->slots[i].hash_next;
        fdb->slots[i].vlan = vlan;
        memcpy(fdb->slots[i].mac, mac, 6);
        hash_insert(fdb, i);
        fdb->count++;
        changed = true;
    }
    fdb->slots[i].port = port;
    fdb->slots[i].seen_ms = now_ms;
    lru_append(fdb, i);
    return changed;
}

uint32_t fdb_lookup(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                    uint64_t now_ms)
{
    uint32_t i = find(fdb, vlan, mac);
    if (i == NIL || is_expired(fdb, &fdb->slots[i], now_ms)) {
        return FDB_NO_PORT;
    }
    return fdb->slots[i].port;
}

uint32_t fdb_lookup_concurrent(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                               uint64_t now_ms, uint64_t *seen_ms)
{
    const volatile uint32_t *buckets = fdb->buckets;
    uint32_t i = buckets[key_hash(fdb, vlan, mac) & fdb->bucket_mask];
    for (uint32_t steps = 0; i < fdb->max && steps < fdb->max; steps++) {
        const struct fdb_slot *slot = &fdb->slots[i];
        if (slot->vlan == vlan && !memcmp(slot->mac, mac, 6)) {
            if (is_expired(fdb, slot, now_ms))
                return FDB_NO_PORT;
            *seen_ms = slot->seen_ms;
            return slot->port;
        }
        i = ((const volatile struct fdb_slot *)slot)->hash_next;
    }
    return FDB_NO_PORT;
}

size_t fdb_expire(struct fdb *fdb, uint64_t now_ms)
{
    /* The list is ordered by last sighting, so the expired ones are a prefix
     * (unless the caller's clock went backwards; then they go later). */
    size_t n = 0;
    while (fdb->lru_oldest != NIL && is_expired(fdb, &fdb->slots[fdb->lru_oldest], now_ms)) {
        remove_slot(fdb, fdb->lru_oldest);
        n++;
    }
    return n;
}

void fdb_flush(struct fdb *fdb)
{
    reset_index(fdb);
}

void fdb_flush_port(struct fdb *fdb, uint32_t port)
{
    uint32_t i = fdb->lru_oldest;
    while (i != NIL) {
        uint32_t next = fdb->slots[i].lru_next;
        if (fdb->slots[i].port == port) {
            remove_slot(fdb, i);
        }
        i = next;
    }
}

size_t fdb_count(const struct fdb *fdb)
{
    return fdb->count;
}

size_t fdb_dump(const struct fdb *fdb, struct fdb_entry *out, size_t max, uint64_t now_ms)
{
    size_t n = 0;
    for (uint32_t i = fdb->lru_oldest; i != NIL && n < max; i = fdb->slots[i].lru_next) {
        const struct fdb_slot *slot = &fdb->slots[i];
        if (is_expired(fdb, slot, now_ms)) {
            continue;
        }
        struct fdb_entry *e = &out[n++];
        e->vlan = slot->vlan;
        memcpy(e->mac, slot->mac, 6);
        e->port = slot->port;
        uint64_t age_ms = now_ms > slot->seen_ms ? now_ms - slot->seen_ms : 0;
        e->age_s = (uint32_t)(age_ms / 1000);
    }
    return n;
}
