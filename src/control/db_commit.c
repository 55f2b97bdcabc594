/* Committing a transaction as OVSDB would: drop non-root rows nothing
 * references any more, check sizes, constraints, references and unique
 * names, then write.  Any failure rolls back and reloads, so memory always
 * ends equal to the file. */
#include <stdlib.h>
#include <string.h>

#include "control/datum_private.h"
#include "control/db_private.h"
#include "netdev/tunnel_options.h"
#include "util/strbuf.h"

/* A sorted array of uuid strings, for membership tests. */
struct uuid_set {
    const char **uuids;
    size_t n, cap;
};

static void uuid_set_add(struct uuid_set *set, const char *uuid)
{
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 64;
        set->uuids = datum_xrealloc(set->uuids, set->cap * sizeof *set->uuids);
    }
    set->uuids[set->n++] = uuid;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void uuid_set_sort(struct uuid_set *set)
{
    if (set->n) {
        qsort(set->uuids, set->n, sizeof *set->uuids, compare_strings);
    }
}

static bool uuid_set_contains(const struct uuid_set *set, const char *uuid)
{
    return set->n && bsearch(&uuid, set->uuids, set->n, sizeof *set->uuids, compare_strings);
}

static void uuid_set_free(struct uuid_set *set)
{
    free(set->uuids);
    memset(set, 0, sizeof *set);
}

/* Every uuid held by a column that references a table (strong references). */
static void collect_references(const struct db *db, struct uuid_set *set)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            for (size_t c = 0; c < table->n_columns; c++) {
                const struct column_def *col = &table->columns[c];
                const struct datum *d = &row->columns[c];
                for (size_t k = 0; k < d->n; k++) {
                    if (col->key.ref_table) {
                        uuid_set_add(set, d->keys[k].string);
                    }
                    if (col->value.ref_table && d->values) {
                        uuid_set_add(set, d->values[k].string);
                    }
                }
            }
        }
    }
    uuid_set_sort(set);
}

/* Deletes unreferenced rows of non-root tables until none is left: deleting
 * a Port frees its Interfaces on the next pass. */
static void collect_garbage(struct db *db)
{
    bool changed;
    do {
        struct uuid_set refs = { 0 };
        changed = false;
        collect_references(db, &refs);
        for (size_t t = 0; t < schema_n_tables; t++) {
            if (schema_tables[t]->is_root) {
                continue;
            }
            struct db_rows *rows = &db->tables[t];
            for (size_t i = 0; i < rows->n; ) {
                struct db_row *row = rows->rows[i];
                if (!uuid_set_contains(&refs, row->uuid)) {
                    db_delete_row(db, row);     /* shifts the rest down */
                    changed = true;
                } else {
                    i++;
                }
            }
        }
        uuid_set_free(&refs);
    } while (changed);
}

static char *row_label(const struct db_row *row)
{
    const char *name_col = row->table->name_column;
    if (name_col) {
        const char *name = db_row_get_string(row, name_col);
        if (*name) {
            return xasprintf("%s row %s (%s)", row->table->name, row->uuid, name);
        }
    }
    return xasprintf("%s row %s", row->table->name, row->uuid);
}

static int row_error(const struct db_row *row, char **error)
{
    char *label = row_label(row);
    char *inner = *error;
    *error = xasprintf("%s: %s", label, inner);
    free(label);
    free(inner);
    return -1;
}

/* Sizes and atom constraints of a row written in this transaction. */
static int check_row_values(const struct db_row *row, char **error)
{
    const struct table_def *table = row->table;
    for (size_t c = 0; c < table->n_columns; c++) {
        const struct column_def *col = &table->columns[c];
        const struct datum *d = &row->columns[c];
        if (datum_check_size(d, col, error)) {
            return row_error(row, error);
        }
        for (size_t k = 0; k < d->n; k++) {
            if (atom_check_constraints(&d->keys[k], &col->key, error)
                || (d->values && atom_check_constraints(&d->values[k], &col->value, error))) {
                return row_error(row, error);
            }
        }
    }
    return 0;
}

static int check_references(const struct db *db, const struct uuid_set *live, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            for (size_t c = 0; c < table->n_columns; c++) {
                const struct column_def *col = &table->columns[c];
                const struct datum *d = &row->columns[c];
                for (size_t k = 0; k < d->n; k++) {
                    const char *ref = NULL, *ref_table = NULL;
                    if (col->key.ref_table && !uuid_set_contains(&live[
                            db_table_index(schema_find_table(col->key.ref_table))],
                            d->keys[k].string)) {
                        ref = d->keys[k].string, ref_table = col->key.ref_table;
                    } else if (col->value.ref_table && d->values && !uuid_set_contains(&live[
                            db_table_index(schema_find_table(col->value.ref_table))],
                            d->values[k].string)) {
                        ref = d->values[k].string, ref_table = col->value.ref_table;
                    }
                    if (ref) {
                        *error = xasprintf("referential integrity violation: Table %s column "
                                           "%s row %s references nonexistent row %s in "
                                           "table %s.", table->name, col->name, row->uuid,
                                           ref, ref_table);
                        return -1;
                    }
                }
            }
        }
    }
    return 0;
}

struct named_row {
    const char *name;
    const struct db_row *row;
};

static int compare_named(const void *a_, const void *b_)
{
    const struct named_row *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* The Bridge, Port and Interface tables index their name column. */
static int check_unique_names(const struct db *db, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        const struct db_rows *rows = &db->tables[t];
        if (!table->name_column || rows->n < 2) {
            continue;
        }
        struct named_row *named = datum_xmalloc(rows->n * sizeof *named);
        for (size_t i = 0; i < rows->n; i++) {
            named[i].name = db_row_get_string(rows->rows[i], table->name_column);
            named[i].row = rows->rows[i];
        }
        qsort(named, rows->n, sizeof *named, compare_named);
        for (size_t i = 1; i < rows->n; i++) {
            if (!strcmp(named[i - 1].name, named[i].name)) {
                union atom a = { .string = (char *) named[i].name };
                char *text = atom_to_string(&a, ATOM_STRING);
                *error = xasprintf("Transaction causes multiple rows in \"%s\" table to have "
                                   "identical values (%s) for index on column \"%s\".",
                                   table->name, text, table->name_column);
                free(text);
                free(named);
                return -1;
            }
        }
        free(named);
    }
    return 0;
}

/* An Interface of type vxlan or geneve: its options as the daemon would run
 * them, so a bad remote_ip or key never reaches the database (OVS finds out
 * only in ovs-vswitchd and sets Interface.error). */
static int check_tunnel_options(const struct db_row *row, char **error)
{
    if (strcmp(row->table->name, "Interface"))
        return 0;
    const char *type = db_row_get_string(row, "type");
    if (!tunnel_type_is_tunnel(type))
        return 0;
    const struct datum *options = db_row_get(row, "options");
    size_t n = options->n;
    const char *keys[n ? n : 1], *values[n ? n : 1];
    for (size_t i = 0; i < n; i++) {
        keys[i] = options->keys[i].string;
        values[i] = options->values[i].string;
    }
    struct tunnel_config config;
    char *inner = NULL;
    if (tunnel_options_parse(type, keys, values, n, &config, &inner) == 0)
        return 0;
    *error = xasprintf("Interface %s: %s", db_row_get_string(row, "name"), inner);
    free(inner);
    return -1;
}

static int check_all(struct db *db, char **error)
{
    struct uuid_set live[DB_MAX_TABLES];
    int ret = 0;

    memset(live, 0, sizeof live);
    if (db->tables[0].n > 1) {
        *error = xasprintf("too many rows in table %s (at most 1 allowed)",
                           schema_tables[0]->name);
        return -1;
    }
    for (size_t t = 0; t < schema_n_tables && !ret; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            uuid_set_add(&live[t], row->uuid);
            if ((row->inserted || row->modified) &&
                (check_row_values(row, error) || check_tunnel_options(row, error))) {
                ret = -1;
                break;
            }
        }
        uuid_set_sort(&live[t]);
    }
    if (!ret) {
        ret = check_references(db, live, error);
    }
    if (!ret) {
        ret = check_unique_names(db, error);
    }
    for (size_t t = 0; t < DB_MAX_TABLES; t++) {
        uuid_set_free(&live[t]);
    }
    return ret;
}

static void abort_transaction(struct db *db)
{
    char *ignored = NULL;
    if (db->in_txn) {
        db_sql_exec(db, "ROLLBACK", NULL);
        db->in_txn = false;
    }
    /* Back to what the file holds; on failure memory keeps the edits and
     * the next begin or reload tries again. */
    if (db_sql_load(db, &ignored)) {
        free(ignored);
    }
}

int db_commit(struct db *db, char **error)
{
    if (!db->in_txn) {
        *error = xasprintf("%s: no transaction in progress", db->path);
        return -1;
    }
    collect_garbage(db);
    if (check_all(db, error) || db_sql_write_changes(db, error) || db_sql_end_seq(db, error)
        || db_sql_exec(db, "COMMIT", error)) {
        db->tx_seq = 0;
        abort_transaction(db);
        return -1;
    }
    db->in_txn = false;
    /* Loaded at begin, under the write lock: memory is the file's, up to us. */
    db->loaded_seq = db->tx_seq;
    db->tx_seq = 0;

    /* Memory now equals the file; our own commit leaves data_version alone. */
    struct db_rows *deleted = &db->deleted;
    for (size_t i = 0; i < deleted->n; i++) {
        db_row_free(deleted->rows[i]);
    }
    deleted->n = 0;
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            struct db_row *row = db->tables[t].rows[i];
            row->inserted = row->modified = false;
        }
    }
    return 0;
}

void db_rollback(struct db *db)
{
    bool changed = db->deleted.n > 0;
    for (size_t t = 0; t < schema_n_tables && !changed; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            if (db->tables[t].rows[i]->inserted || db->tables[t].rows[i]->modified) {
                changed = true;
                break;
            }
        }
    }
    if (db->in_txn) {
        db_sql_exec(db, "ROLLBACK", NULL);
        db->in_txn = false;
    }
    if (changed) {
        abort_transaction(db);
    }
}
