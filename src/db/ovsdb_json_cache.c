/* The monitors' shared cache: see ovsdb_json_cache.h.  An open-addressing
 * table keyed by a pair of pointers and a kind. */
#include "db/ovsdb_json_cache.h"

#include <stdint.h>
#include <stdlib.h>

#include "db/datum.h"
#include "db/ovsdb_rows.h"

enum entry_kind { CELL = 1, EQUAL, DIFF };

struct entry {
    const void *a, *b;
    enum entry_kind kind;         /* 0: free slot */
    json_t *value;
};

struct ovsdb_json_cache {
    struct entry *slots;
    size_t n, mask;               /* used slots; capacity - 1 (a power of two) */
};

struct ovsdb_json_cache *ovsdb_json_cache_new(void)
{
    struct ovsdb_json_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->mask = 255;
    cache->slots = calloc(cache->mask + 1, sizeof *cache->slots);
    if (!cache->slots) {
        free(cache);
        return NULL;
    }
    return cache;
}

static void release(struct entry *e)
{
    json_decref(e->value);
    if (e->kind != CELL) {
        json_decref((json_t *)e->a);
        json_decref((json_t *)e->b);
    }
    *e = (struct entry){ 0 };
}

void ovsdb_json_cache_clear(struct ovsdb_json_cache *cache)
{
    for (size_t i = 0; cache->n && i <= cache->mask; i++)
        if (cache->slots[i].kind)
            release(&cache->slots[i]);
    cache->n = 0;
}

void ovsdb_json_cache_free(struct ovsdb_json_cache *cache)
{
    if (!cache)
        return;
    ovsdb_json_cache_clear(cache);
    free(cache->slots);
    free(cache);
}

static size_t slot_of(const struct ovsdb_json_cache *cache, const void *a, const void *b,
                      enum entry_kind kind)
{
    uint64_t h = ((uintptr_t)a * 0x9E3779B97F4A7C15ull) ^ ((uintptr_t)b * 0xC2B2AE3D27D4EB4Full)
                 ^ (uint64_t)kind;
    h ^= h >> 29;
    return (size_t)h & cache->mask;
}

static struct entry *find(const struct ovsdb_json_cache *cache, const void *a, const void *b,
                          enum entry_kind kind)
{
    for (size_t i = slot_of(cache, a, b, kind);; i = (i + 1) & cache->mask) {
        struct entry *e = &cache->slots[i];
        if (!e->kind || (e->a == a && e->b == b && e->kind == kind))
            return e;
    }
}

static void grow(struct ovsdb_json_cache *cache)
{
    struct entry *old = cache->slots;
    size_t old_size = cache->mask + 1;
    struct entry *slots = calloc(old_size * 2, sizeof *slots);
    if (!slots)
        return;                   /* stays fuller: still correct */
    cache->slots = slots;
    cache->mask = old_size * 2 - 1;
    for (size_t i = 0; i < old_size; i++)
        if (old[i].kind)
            *find(cache, old[i].a, old[i].b, old[i].kind) = old[i];
    free(old);
}

/* Keeps `value` (taken) under the key, and returns it; JSON keys are held
 * too. */
static json_t *put(struct ovsdb_json_cache *cache, const void *a, const void *b,
                   enum entry_kind kind, json_t *value)
{
    if ((cache->n + 1) * 4 > (cache->mask + 1) * 3)
        grow(cache);
    /* Could not grow: start over (callers take their own reference to a
     * value before they ask for the next). */
    if ((cache->n + 2) > cache->mask)
        ovsdb_json_cache_clear(cache);
    struct entry *e = find(cache, a, b, kind);
    if (kind != CELL) {
        json_incref((json_t *)a);
        json_incref((json_t *)b);
    }
    *e = (struct entry){ a, b, kind, value };
    cache->n++;
    return value;
}

json_t *ovsdb_json_cache_cell(struct ovsdb_json_cache *cache, const struct db_row *row,
                              const struct column_def *col)
{
    struct entry *e = find(cache, row, col, CELL);
    if (e->kind)
        return e->value;
    struct datum scratch = DATUM_EMPTY;
    json_t *value = datum_to_json(ovsdb_cell(row, col, &scratch), col);
    datum_destroy(&scratch, &ovsdb_uuid_column);
    return put(cache, row, col, CELL, value);
}

bool ovsdb_json_cache_equal(struct ovsdb_json_cache *cache, json_t *a, json_t *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    struct entry *e = find(cache, a, b, EQUAL);
    if (e->kind)
        return json_is_true(e->value);
    bool equal = json_equal(a, b);
    put(cache, a, b, EQUAL, json_boolean(equal));
    return equal;
}

json_t *ovsdb_json_cache_diff(struct ovsdb_json_cache *cache, json_t *old, json_t *new,
                              const struct column_def *col)
{
    struct entry *e = find(cache, old, new, DIFF);
    if (e->kind)
        return e->value;
    struct datum a = DATUM_EMPTY, b = DATUM_EMPTY, diff = DATUM_EMPTY;
    char *error = NULL;
    json_t *value;
    /* Both were made by datum_to_json: they parse back. */
    if (!datum_from_json(&a, col, old, &error) && !datum_from_json(&b, col, new, &error)) {
        datum_diff(&diff, &a, &b, col);
        value = datum_to_json(&diff, col);
        datum_destroy(&diff, col);
    } else {
        value = json_incref(new);
    }
    free(error);
    datum_destroy(&a, col);
    datum_destroy(&b, col);
    return put(cache, old, new, DIFF, value);
}
