/* See iface_index.h. */
#include "control/iface_index.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/switch_state.h"
#include "util/hash.h"

static struct running_iface gone_marker;
#define IFACE_INDEX_GONE (&gone_marker)

static uint64_t hash_key(const char *bridge, const char *name)
{
    uint64_t h = hash_fnv1a_nul(hash_fnv1a(HASH_FNV_BASIS, bridge));
    return hash_finish(hash_fnv1a(h, name));
}

void iface_index_init(struct iface_index *index)
{
    memset(index, 0, sizeof *index);
}

void iface_index_destroy(struct iface_index *index)
{
    free(index->slots);
    iface_index_init(index);
}

static void insert(struct running_iface **slots, size_t n_slots, struct running_iface *iface)
{
    size_t mask = n_slots - 1;
    for (size_t i = hash_key(iface->bridge, iface->name) & mask;; i = (i + 1) & mask)
        if (!slots[i] || slots[i] == IFACE_INDEX_GONE) {
            slots[i] = iface;
            return;
        }
}

/* Keeps entries plus markers under 3/4 of the slots. */
static int make_room(struct iface_index *index)
{
    if (index->n_slots && (index->n_used + 1) * 4 <= index->n_slots * 3)
        return 0;
    size_t n_slots = 16;
    while ((index->n_live + 1) * 2 > n_slots)
        n_slots *= 2;
    struct running_iface **slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < index->n_slots; i++)
        if (index->slots[i] && index->slots[i] != IFACE_INDEX_GONE)
            insert(slots, n_slots, index->slots[i]);
    free(index->slots);
    index->slots = slots;
    index->n_slots = n_slots;
    index->n_used = index->n_live;
    return 0;
}

int iface_index_add(struct iface_index *index, struct running_iface *iface)
{
    if (make_room(index) < 0)
        return -ENOMEM;
    size_t mask = index->n_slots - 1;
    for (size_t i = hash_key(iface->bridge, iface->name) & mask;; i = (i + 1) & mask) {
        if (!index->slots[i] || index->slots[i] == IFACE_INDEX_GONE) {
            if (!index->slots[i])
                index->n_used++;
            index->slots[i] = iface;
            index->n_live++;
            return 0;
        }
    }
}

void iface_index_remove(struct iface_index *index, const struct running_iface *iface)
{
    if (!index->n_slots)
        return;
    size_t mask = index->n_slots - 1;
    for (size_t i = hash_key(iface->bridge, iface->name) & mask; index->slots[i];
         i = (i + 1) & mask)
        if (index->slots[i] == iface) {
            index->slots[i] = IFACE_INDEX_GONE;
            index->n_live--;
            return;
        }
}

struct running_iface *iface_index_find(const struct iface_index *index, const char *bridge,
                                       const char *name)
{
    if (!index->n_slots)
        return NULL;
    size_t mask = index->n_slots - 1;
    for (size_t i = hash_key(bridge, name) & mask; index->slots[i]; i = (i + 1) & mask) {
        const struct running_iface *iface = index->slots[i];
        if (iface != IFACE_INDEX_GONE && !strcmp(iface->bridge, bridge) &&
            !strcmp(iface->name, name))
            return index->slots[i];
    }
    return NULL;
}
