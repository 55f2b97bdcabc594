/* Rows by uuid: open addressing with linear probing, util/hash.h over the
 * uuid text, at most half full (removed markers count until the next resize). */
#include "db/db_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db.h"
#include "util/hash.h"

/* A removed entry: lookups probe past it, additions may reuse it. */
static struct db_row gone_marker;
#define DB_INDEX_GONE (&gone_marker)

static size_t uuid_hash(const char *uuid)
{
    return (size_t)hash_finish(hash_fnv1a(HASH_FNV_BASIS, uuid));
}

void db_index_init(struct db_index *index)
{
    memset(index, 0, sizeof *index);
    index->stale = true;
}

void db_index_destroy(struct db_index *index)
{
    free(index->slots);
    memset(index, 0, sizeof *index);
}

void db_index_clear(struct db_index *index)
{
    if (index->slots)
        memset(index->slots, 0, index->n_slots * sizeof *index->slots);
    index->n_used = 0;
}

static void insert_slot(struct db_row **slots, size_t n_slots, struct db_row *row)
{
    size_t i = uuid_hash(row->uuid) & (n_slots - 1);
    while (slots[i] && slots[i] != DB_INDEX_GONE)
        i = (i + 1) & (n_slots - 1);
    slots[i] = row;
}

static void grow(struct db_index *index)
{
    size_t n_live = 0;
    for (size_t i = 0; i < index->n_slots; i++)
        n_live += index->slots[i] && index->slots[i] != DB_INDEX_GONE;
    size_t n_slots = 64;
    while (n_slots < 4 * (n_live + 1))
        n_slots *= 2;
    struct db_row **slots = datum_xmalloc(n_slots * sizeof *slots);
    memset(slots, 0, n_slots * sizeof *slots);
    for (size_t i = 0; i < index->n_slots; i++)
        if (index->slots[i] && index->slots[i] != DB_INDEX_GONE)
            insert_slot(slots, n_slots, index->slots[i]);
    free(index->slots);
    index->slots = slots;
    index->n_slots = n_slots;
    index->n_used = n_live;
}

void db_index_add(struct db_index *index, struct db_row *row)
{
    if (2 * (index->n_used + 1) > index->n_slots)
        grow(index);
    insert_slot(index->slots, index->n_slots, row);
    index->n_used++;
}

/* The slot holding `row` (compared by address), or SIZE_MAX. */
static size_t slot_of(const struct db_index *index, const char *uuid, const struct db_row *row)
{
    if (!index->n_slots)
        return SIZE_MAX;
    for (size_t i = uuid_hash(uuid) & (index->n_slots - 1); index->slots[i];
         i = (i + 1) & (index->n_slots - 1)) {
        struct db_row *r = index->slots[i];
        if (r != DB_INDEX_GONE && (row ? r == row : !strcmp(r->uuid, uuid)))
            return i;
    }
    return SIZE_MAX;
}

void db_index_remove(struct db_index *index, const struct db_row *row)
{
    size_t i = slot_of(index, row->uuid, row);
    if (i != SIZE_MAX)
        index->slots[i] = DB_INDEX_GONE;   /* still counted in n_used until a resize */
}

struct db_row *db_index_find(const struct db_index *index, const char *uuid)
{
    size_t i = slot_of(index, uuid, NULL);
    return i == SIZE_MAX ? NULL : index->slots[i];
}
