/* The configuration schema: Open vSwitch 3.1's vswitch schema (version
 * 8.3.1) whole — its 19 tables with their columns, types, constraints,
 * references, root tables and indexes, as OVSDB clients expect — and
 * Pontoon's host tables NIC, Macvtap and VF. */
#ifndef PONTOON_DB_SCHEMA_H
#define PONTOON_DB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEMA_VERSION 5          /* bump when tables, columns or indexes are added
                                     (db_sqlite.c creates them); 2: NIC, Macvtap;
                                     3: NIC sriov_num_vfs, VF; 4: the change
                                     sequence (_seq, _tombstone), name indexes;
                                     5: the rest of OVS's tables (QoS, Mirror,
                                     Controller, Manager...) */
#define OVS_SCHEMA_NAME "Open_vSwitch"
#define OVS_SCHEMA_VERSION "8.3.1" /* the vswitch schema's, as OVS 3.1 reports it */

enum atom_type {
    ATOM_NONE,                    /* "no value type": the column is not a map */
    ATOM_INTEGER,
    ATOM_REAL,
    ATOM_BOOLEAN,
    ATOM_STRING,
    ATOM_UUID,
};

struct base_type {
    enum atom_type type;
    bool has_range;               /* integers: min_int..max_int inclusive */
    int64_t min_int, max_int;
    const char *const *enum_values;   /* strings: NULL-terminated allowed values, or NULL */
    const char *ref_table;        /* uuids: the table referenced, or NULL */
    bool weak;                    /* the reference is weak: it disappears with the
                                     row it leads to, and keeps nothing alive */
};

struct column_def {
    const char *name;
    struct base_type key;
    struct base_type value;       /* .type == ATOM_NONE unless the column is a map */
    unsigned n_min, n_max;        /* element count bounds; n_max UINT32_MAX = unlimited.
                                     1..1 is a scalar, 0..1 an optional value */
    bool ephemeral;               /* OVSDB need not keep it across a restart */
    bool immutable;               /* set when the row is inserted, never changed */
};

struct table_def {
    const char *name;             /* "Open_vSwitch", "Bridge", "Port", "Interface"... */
    const struct column_def *columns;
    size_t n_columns;
    bool is_root;                 /* rows kept even when nothing references them */
    const char *name_column;      /* a unique index of one column, by which rows are
                                     also found (Bridge: name, Manager: target), or NULL */
    const char *const *index;     /* a unique index of several columns, NULL-terminated,
                                     or NULL */
    unsigned max_rows;            /* 0: no limit */
};

extern const struct table_def *const schema_tables[];
extern const size_t schema_n_tables;

/* Finds a table by name, case-insensitively, also by unique prefix as
 * ovs-vsctl does.  NULL if none (error: unknown table "X"). */
const struct table_def *schema_find_table(const char *name);

/* Finds a column as ovs-vsctl does: exact name, or unique prefix, with '-'
 * and '_' interchangeable.  On failure returns -1 and sets *error to the
 * ovs-vsctl message, e.g. 'Port does not contain a column whose name matches
 * "nocolumn"' or 'Port contains more than one column whose name matches "t":
 * tag, trunks'.  *error is heap-allocated; the caller frees it. */
int schema_find_column(const struct table_def *table, const char *name,
                       const struct column_def **column, char **error);

/* The type's OVSDB name: "integer", "real", "boolean", "string", "uuid";
 * "void" for ATOM_NONE. */
const char *schema_atom_type_name(enum atom_type type);

/* Index of `column` within table->columns. */
size_t schema_column_index(const struct table_def *table, const struct column_def *column);

static inline bool column_is_map(const struct column_def *c)
{
    return c->value.type != ATOM_NONE;
}
static inline bool column_is_scalar(const struct column_def *c)
{
    return c->n_min == 1 && c->n_max == 1 && !column_is_map(c);
}

#endif
