/* Values of columns: atoms, sets and maps, with the OVSDB text syntax that
 * ovs-vsctl reads and prints, and the OVSDB JSON encoding. */
#ifndef PONTOON_DB_DATUM_H
#define PONTOON_DB_DATUM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/schema.h"

union atom {
    int64_t integer;
    double real;
    bool boolean;
    char *string;                 /* ATOM_STRING and ATOM_UUID (36-char text) */
};

/* A set of keys, or a map from keys to values, kept sorted by key and unique.
 * A scalar is a set of one. */
struct datum {
    size_t n;
    union atom *keys;
    union atom *values;           /* NULL unless the column is a map */
};

#define DATUM_EMPTY { 0, NULL, NULL }

void datum_init_empty(struct datum *d);
/* A value of one atom (scalar and optional columns); the string is copied. */
void datum_init_string(struct datum *d, const char *value);
void datum_init_integer(struct datum *d, int64_t value);
void datum_init_boolean(struct datum *d, bool value);
void datum_destroy(struct datum *d, const struct column_def *col);
void datum_clone(struct datum *dst, const struct datum *src, const struct column_def *col);
bool datum_equals(const struct datum *a, const struct datum *b, const struct column_def *col);
/* The default value of a column: empty for 0..n columns, 0 / "" / false for scalars. */
void datum_default(struct datum *d, const struct column_def *col);

/* Parses one atom as ovs-vsctl does: integers, reals, true/false, strings bare
 * or in double quotes with C escapes; checks ranges and enums.  Returns 0 or
 * -1 with a heap *error such as "constraint violation: 5000 is not in the
 * valid range 0 to 4095 (inclusive)". */
/* Who turns "@name" into a uuid where a uuid is read from text (the CLI's
 * `--id=@name` rows); NULL when nobody does.  `fn` returns the uuid, or NULL
 * for an error. */
typedef const char *datum_symbol_fn(const char *name, void *aux);
void datum_set_symbol_resolver(datum_symbol_fn *fn, void *aux);

int atom_from_string(union atom *atom, const struct base_type *type, const char *text,
                     char **error);
/* Prints an atom: strings bare when that reads back the same, quoted otherwise. */
char *atom_to_string(const union atom *atom, enum atom_type type);

/* Parses a whole column value: "3", "[2,3]", "[]", "{a=b, c=d}", "a=b,c=d",
 * "2,3" (a set without brackets, as for trunks=42,47).  Checks n_min/n_max. */
int datum_from_string(struct datum *d, const struct column_def *col, const char *text,
                      char **error);
/* Parses "KEY" or "KEY=VALUE" pieces for add/remove of sets and maps. */
int datum_from_strings(struct datum *d, const struct column_def *col, char *const *texts,
                       size_t n, char **error);
/* ovs-vsctl display: scalars bare, sets "[a, b]", maps "{a=b, c=d}". */
char *datum_to_string(const struct datum *d, const struct column_def *col);

/* OVSDB JSON: atoms as JSON values, uuids ["uuid","..."], sets ["set",[...]]
 * (a set of one is the bare atom), maps ["map",[[k,v],...]]. */
json_t *datum_to_json(const struct datum *d, const struct column_def *col);
int datum_from_json(struct datum *d, const struct column_def *col, const json_t *json,
                    char **error);

/* Set/map operations used by add, remove and set COLUMN:KEY=VALUE.
 * datum_union: adds keys (maps: keys already present keep their value, as
 * ovs-vsctl add does).  datum_subtract: removes matching keys (maps: a key
 * alone removes that key; key=value removes only on equal value). */
void datum_union(struct datum *dst, const struct datum *add, const struct column_def *col);
void datum_subtract(struct datum *dst, const struct datum *remove, const struct column_def *col);
/* What OVSDB's update2 reports of a changed column (ovsdb-server(7) 4.1.14):
 * for a column of at most one element, `new` itself; for sets, the elements
 * in only one of old and new; for maps, the pairs whose key is in only one
 * of them, and new's pair where both have the key with different values. */
void datum_diff(struct datum *diff, const struct datum *old, const struct datum *new,
                const struct column_def *col);
/* Maps: sets key to value (replacing), takes copies. */
void datum_map_set(struct datum *d, const struct column_def *col, const union atom *key,
                   const union atom *value);
/* Maps with string keys: the value for `key`, or NULL. */
const union atom *datum_map_get(const struct datum *d, const char *key);
/* Checks n_min/n_max; returns 0 or -1 with a heap *error. */
int datum_check_size(const struct datum *d, const struct column_def *col, char **error);

#endif
