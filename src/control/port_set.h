/* A bridge's ports as the last reconcile saw them: their Port uuids,
 * sorted, so that the next reconcile finds the ports added and removed since
 * by one merge over two sorted lists instead of visiting every port. */
#ifndef PONTOON_CONTROL_PORT_SET_H
#define PONTOON_CONTROL_PORT_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "db/datum.h"

struct port_set {
    char (*uuids)[37];
    size_t n;
};

/* The uuids of a uuid-set datum (Bridge.ports), sorted.  0 or -ENOMEM
 * (set left empty). */
int port_set_build(struct port_set *set, const struct datum *ports);
bool port_set_has(const struct port_set *set, const char *uuid);
/* Calls removed() for every uuid of `old` not in `now` and added() for
 * every uuid of `now` not in `old`, in sorted order. */
void port_set_diff(const struct port_set *old, const struct port_set *now,
                   void (*removed)(void *aux, const char *uuid),
                   void (*added)(void *aux, const char *uuid), void *aux);
void port_set_free(struct port_set *set);

#endif
