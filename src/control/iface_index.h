/* The running interfaces by (bridge, name): a hash index so that reconcile
 * finds the interface a row describes in the same time at 10 ports as at
 * 10,000.  It holds pointers only; the owner (switch_state) adds every
 * interface it puts in st->ifaces and removes every one it takes out.  An
 * interface's bridge and name never change while it is indexed. */
#ifndef PONTOON_CONTROL_IFACE_INDEX_H
#define PONTOON_CONTROL_IFACE_INDEX_H

#include <stddef.h>

struct running_iface;

struct iface_index {
    struct running_iface **slots;   /* open addressing; NULL empty, IFACE_INDEX_GONE removed */
    size_t n_slots;                 /* a power of two, or 0 */
    size_t n_used;                  /* live entries plus removed markers */
    size_t n_live;
};

void iface_index_init(struct iface_index *index);
void iface_index_destroy(struct iface_index *index);
/* Adds an interface (no other with its bridge and name may be indexed).
 * Returns 0 or -ENOMEM (then it is not indexed). */
int iface_index_add(struct iface_index *index, struct running_iface *iface);
/* Removes this interface, if it is indexed. */
void iface_index_remove(struct iface_index *index, const struct running_iface *iface);
/* The interface named `name` on bridge `bridge`, or NULL. */
struct running_iface *iface_index_find(const struct iface_index *index, const char *bridge,
                                       const char *name);

#endif
