/* See port_set.h. */
#include "control/port_set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_uuid(const void *a, const void *b)
{
    return strcmp(a, b);
}

int port_set_build(struct port_set *set, const struct datum *ports)
{
    set->n = 0;
    set->uuids = malloc((ports->n ? ports->n : 1) * sizeof *set->uuids);
    if (!set->uuids)
        return -ENOMEM;
    bool sorted = true;
    for (size_t i = 0; i < ports->n; i++) {
        snprintf(set->uuids[set->n++], sizeof set->uuids[0], "%s", ports->keys[i].string);
        sorted = sorted && (i == 0 || strcmp(set->uuids[i - 1], set->uuids[i]) < 0);
    }
    /* A uuid set's datum is kept sorted: the sort is for other callers. */
    if (!sorted)
        qsort(set->uuids, set->n, sizeof *set->uuids, compare_uuid);
    return 0;
}

bool port_set_has(const struct port_set *set, const char *uuid)
{
    return set->n && bsearch(uuid, set->uuids, set->n, sizeof *set->uuids, compare_uuid);
}

void port_set_diff(const struct port_set *old, const struct port_set *now,
                   void (*removed)(void *aux, const char *uuid),
                   void (*added)(void *aux, const char *uuid), void *aux)
{
    size_t i = 0, j = 0;
    while (i < old->n || j < now->n) {
        int cmp = i == old->n ? 1 : j == now->n ? -1 : strcmp(old->uuids[i], now->uuids[j]);
        if (cmp < 0)
            removed(aux, old->uuids[i++]);
        else if (cmp > 0)
            added(aux, now->uuids[j++]);
        else
            i++, j++;
    }
}

void port_set_free(struct port_set *set)
{
    free(set->uuids);
    set->uuids = NULL;
    set->n = 0;
}
