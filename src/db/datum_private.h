/* Helpers shared by datum.c, datum_text.c and datum_json.c (and db*.c). */
#ifndef PONTOON_DB_DATUM_PRIVATE_H
#define PONTOON_DB_DATUM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/datum.h"

/* Allocation failure is not outside input: these abort on ENOMEM so that the
 * many void datum operations stay simple. */
void *datum_xmalloc(size_t size);
void *datum_xrealloc(void *p, size_t size);
char *datum_xstrdup(const char *s);

int atom_compare(const union atom *a, const union atom *b, enum atom_type type);
void atom_clone(union atom *dst, const union atom *src, enum atom_type type);
void atom_destroy(union atom *atom, enum atom_type type);
/* Range and enum checks (ovsdb_atom_check_constraints). */
int atom_check_constraints(const union atom *atom, const struct base_type *type,
                           char **error);

/* True if `s` is a uuid in 8-4-4-4-12 hex form. */
bool uuid_is_valid(const char *s);
/* Copies a valid uuid to `out` in lower case. */
void uuid_normalize(char out[37], const char *s);

/* Appends key (and value, for maps) without sorting; takes ownership. */
void datum_append(struct datum *d, const struct column_def *col, union atom *key,
                  union atom *value);
/* Sorts by key; returns -1 if two keys are equal (nothing is removed then). */
int datum_sort(struct datum *d, const struct column_def *col);
/* Sorts by key and drops duplicate keys (the first one wins). */
void datum_sort_unique(struct datum *d, const struct column_def *col);
/* Index of key in a sorted datum, or -1. */
long datum_find_key(const struct datum *d, const union atom *key, enum atom_type type);

#endif
