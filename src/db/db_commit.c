/* Committing a transaction as OVSDB would: drop non-root rows nothing
 * references any more, check sizes, constraints, references and unique
 * names, then write.  Any failure rolls back and reloads, so memory always
 * ends equal to the file. */
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db_private.h"
#include "netdev/tunnel_options.h"
#include "util/strbuf.h"

/* What the file holds for the rows this transaction modified or deleted:
 * the references they dropped are what garbage collection looks at, and
 * the ones they added are what the reference check looks at. */
struct originals {
    struct db_rows rows;
};

static void originals_free(struct originals *o)
{
    for (size_t i = 0; i < o->rows.n; i++)
        db_row_free(o->rows.rows[i]);
    free(o->rows.rows);
    memset(o, 0, sizeof *o);
}

/* The original of a changed row: the copy kept at its first change (a
 * Bridge's thousand ports are not read and parsed again), or the file's. */
static int original_take(struct db *db, struct db_row *row, struct originals *o, char **error)
{
    if (row->original) {
        db_rows_append(&o->rows, row->original);
        row->original = NULL;
        return 0;
    }
    return db_sql_load_rows(db, row->table, "_uuid = ?", row->uuid, &o->rows, error);
}

static int originals_read(struct db *db, struct originals *o, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++)
        for (size_t i = 0; i < db->tables[t].n; i++) {
            struct db_row *row = db->tables[t].rows[i];
            if (row->modified && !row->inserted && original_take(db, row, o, error))
                return -1;
        }
    for (size_t i = 0; i < db->deleted.n; i++) {
        struct db_row *row = db->deleted.rows[i];
        if (!row->inserted && original_take(db, row, o, error))
            return -1;
    }
    return 0;
}

static const struct db_row *original_of(const struct originals *o, const struct db_row *row)
{
    for (size_t i = 0; i < o->rows.n; i++)
        if (!strcmp(o->rows.rows[i]->uuid, row->uuid))
            return o->rows.rows[i];
    return NULL;
}

/* Rows that may have lost their last reference, by uuid. */
struct candidates {
    char (*uuids)[37];
    const struct table_def **tables;
    size_t n, cap;
};

static void candidates_push(struct candidates *c, const struct table_def *table,
                            const char *uuid)
{
    if (!table || table->is_root)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->uuids = datum_xrealloc(c->uuids, c->cap * sizeof *c->uuids);
        c->tables = datum_xrealloc(c->tables, c->cap * sizeof *c->tables);
    }
    memcpy(c->uuids[c->n], uuid, 37);
    c->tables[c->n++] = table;
}

/* The uuids a cell refers to, sorted: a Bridge's thousand ports are
 * compared with the stored thousand in n log n, not n squared. */
struct uuid_set {
    const char **uuids;
    size_t n;
};

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void uuid_set_of(struct uuid_set *set, const struct datum *d, const struct column_def *col)
{
    set->n = 0;
    set->uuids = datum_xmalloc((2 * d->n + 1) * sizeof *set->uuids);
    for (size_t k = 0; k < d->n; k++) {
        if (col->key.ref_table)
            set->uuids[set->n++] = d->keys[k].string;
        if (col->value.ref_table && d->values)
            set->uuids[set->n++] = d->values[k].string;
    }
    qsort(set->uuids, set->n, sizeof *set->uuids, compare_strings);
}

static bool uuid_set_has(const struct uuid_set *set, const char *uuid)
{
    return set->n && bsearch(&uuid, set->uuids, set->n, sizeof *set->uuids, compare_strings);
}

/* Calls fn for every reference in `row` that `except` (may be NULL) lacks. */
static int for_each_new_reference(const struct db_row *row, const struct db_row *except,
                                  int (*fn)(void *aux, const struct db_row *row,
                                            const struct column_def *col,
                                            const char *ref_table, const char *uuid),
                                  void *aux)
{
    const struct table_def *table = row->table;
    for (size_t col_i = 0; col_i < table->n_columns; col_i++) {
        const struct column_def *col = &table->columns[col_i];
        const struct datum *d = &row->columns[col_i];
        if (!d->n || (!col->key.ref_table && !col->value.ref_table))
            continue;
        int ret = 0;
        struct uuid_set keep = { 0 };
        if (except)
            uuid_set_of(&keep, &except->columns[col_i], col);
        for (size_t k = 0; k < d->n && !ret; k++) {
            const char *key = col->key.ref_table ? d->keys[k].string : NULL;
            const char *value = col->value.ref_table && d->values ? d->values[k].string : NULL;
            if (key && !uuid_set_has(&keep, key))
                ret = fn(aux, row, col, col->key.ref_table, key);
            if (!ret && value && !uuid_set_has(&keep, value))
                ret = fn(aux, row, col, col->value.ref_table, value);
        }
        free(keep.uuids);
        if (ret)
            return ret;
    }
    return 0;
}

static int push_candidate(void *aux, const struct db_row *row, const struct column_def *col,
                          const char *ref_table, const char *uuid)
{
    candidates_push(aux, schema_find_table(ref_table), uuid);
    return 0;
}

/* Every reference `row` holds that `except` (may be NULL) does not. */
static void push_references(struct candidates *c, const struct db_row *row,
                            const struct db_row *except)
{
    for_each_new_reference(row, except, push_candidate, c);
}

/* Deletes the rows of non-root tables this transaction left unreferenced,
 * as OVSDB does: rows it inserted, and rows whose references it dropped
 * (deleting a Port frees its Interfaces in turn).  Only those can have
 * become garbage, so only those are looked at. */
static void collect_garbage(struct db *db, const struct originals *o)
{
    struct candidates c = { 0 };
    for (size_t t = 0; t < schema_n_tables; t++)
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            if (row->inserted)
                candidates_push(&c, row->table, row->uuid);
        }
    for (size_t i = 0; i < o->rows.n; i++) {
        const struct db_row *stored = o->rows.rows[i];
        const struct db_row *now = db_lookup_uuid(db, stored->table, stored->uuid);
        push_references(&c, stored, now);
    }
    for (size_t i = 0; i < db->deleted.n; i++)
        push_references(&c, db->deleted.rows[i], NULL);
    while (c.n) {
        c.n--;
        struct db_row *row = db_lookup_uuid(db, c.tables[c.n], c.uuids[c.n]);
        const struct column_def *col;
        if (!row || db_partial_referrer(db, row->table, row->uuid, &col))
            continue;
        push_references(&c, row, NULL);
        db_delete_row(db, row);
    }
    free(c.uuids);
    free(c.tables);
}

/* Weak references, as OVSDB treats them: one to a row this transaction
 * deleted goes from the row that held it, and one to a row that does not
 * exist is dropped rather than refused.  (The vswitch schema's weak
 * references are all set elements: Mirror's ports.) */
static void drop_weak_refs(struct db *db)
{
    for (size_t i = 0; i < db->deleted.n; i++)
        if (!db->deleted.rows[i]->inserted)
            db_partial_drop_weak_refs(db, db->deleted.rows[i]);
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        for (size_t i = 0; i < db->tables[t].n; i++) {
            struct db_row *row = db->tables[t].rows[i];
            if (!row->inserted && !row->modified)
                continue;
            for (size_t c = 0; c < table->n_columns; c++) {
                const struct column_def *col = &table->columns[c];
                if (!col->key.ref_table || !col->key.weak)
                    continue;
                const struct table_def *to = schema_find_table(col->key.ref_table);
                for (size_t k = row->columns[c].n; k-- > 0;) {
                    char uuid[37];
                    memcpy(uuid, row->columns[c].keys[k].string, sizeof uuid);
                    if (!db_lookup_uuid(db, to, uuid))
                        db_row_remove_ref(row, col->name, uuid);
                }
            }
        }
    }
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

static int reference_error(const struct db_row *row, const struct column_def *col,
                           const char *ref, const char *ref_table, char **error)
{
    *error = xasprintf("referential integrity violation: Table %s column %s row %s "
                       "references nonexistent row %s in table %s.", row->table->name,
                       col->name, row->uuid, ref, ref_table);
    return -1;
}

struct reference_check {
    struct db *db;
    char **error;
};

static int check_reference(void *aux, const struct db_row *row, const struct column_def *col,
                           const char *ref_table, const char *uuid)
{
    struct reference_check *check = aux;
    if (db_lookup_uuid(check->db, schema_find_table(ref_table), uuid))
        return 0;
    return reference_error(row, col, uuid, ref_table, check->error);
}

/* Every reference a row written in this transaction added leads to a live
 * row (the ones it kept were checked when they were added, and a row they
 * lead to that was deleted is caught below). */
static int check_added_references(struct db *db, const struct db_row *row,
                                  const struct db_row *stored, char **error)
{
    struct reference_check check = { db, error };
    return for_each_new_reference(row, stored, check_reference, &check);
}

static int check_references(struct db *db, const struct originals *o, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++)
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            if ((row->inserted || row->modified)
                && check_added_references(db, row, row->inserted ? NULL : original_of(o, row),
                                          error))
                return -1;
        }
    /* Nothing may still lead to a row this transaction deleted. */
    for (size_t i = 0; i < db->deleted.n; i++) {
        const struct db_row *gone = db->deleted.rows[i];
        const struct column_def *col;
        const struct db_row *from = db_partial_referrer(db, gone->table, gone->uuid, &col);
        if (from)
            return reference_error(from, col, gone->uuid, gone->table->name, error);
    }
    return 0;
}

static int duplicate_name_error(const struct table_def *table, const char *name, char **error)
{
    union atom a = { .string = (char *) name };
    char *text = atom_to_string(&a, ATOM_STRING);
    *error = xasprintf("Transaction causes multiple rows in \"%s\" table to have "
                       "identical values (%s) for index on column \"%s\".",
                       table->name, text, table->name_column);
    free(text);
    return -1;
}

/* The Bridge, Port and Interface tables index their name column: a name
 * this transaction gave a row is no other live row's, in memory or (read
 * through the file's name index) in the file. */
static int check_unique_names(struct db *db, const struct originals *o, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        const struct db_rows *rows = &db->tables[t];
        if (!table->name_column)
            continue;
        for (size_t i = 0; i < rows->n; i++) {
            const struct db_row *row = rows->rows[i];
            const struct db_row *stored = row->inserted ? NULL : original_of(o, row);
            const char *name = db_row_get_string(row, table->name_column);
            if (!(row->inserted || row->modified)
                || (stored && !strcmp(name, db_row_get_string(stored, table->name_column))))
                continue;
            for (size_t j = 0; j < rows->n; j++)
                if (j != i && !strcmp(name, db_row_get_string(rows->rows[j], table->name_column)))
                    return duplicate_name_error(table, name, error);
            /* Read into memory, so the loop above sees it next time. */
            if (db_partial_fetch_name(db, table, name))
                return duplicate_name_error(table, name, error);
        }
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

/* A table with a row limit (Open_vSwitch, SSL: one) stays within it. */
static int check_row_limits(struct db *db, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        bool grew = false;
        for (size_t i = 0; i < db->tables[t].n && !grew; i++)
            grew = db->tables[t].rows[i]->inserted;
        if (table->max_rows && grew && db_count_rows(db, table) > table->max_rows) {
            *error = xasprintf("too many rows in table %s (at most %u allowed)", table->name,
                               table->max_rows);
            return -1;
        }
    }
    return 0;
}

/* A unique index of several columns (Flow_Sample_Collector_Set's id and
 * bridge): rows written in this transaction against every live row.  The
 * tables that have one are small: read whole. */
static bool same_index_values(const struct db_row *a, const struct db_row *b)
{
    const struct table_def *table = a->table;
    for (const char *const *name = table->index; *name; name++) {
        const struct column_def *col = NULL;
        char *ignored = NULL;
        if (schema_find_column(table, *name, &col, &ignored)) {
            free(ignored);
            return false;
        }
        size_t c = schema_column_index(table, col);
        if (!datum_equals(&a->columns[c], &b->columns[c], col))
            return false;
    }
    return true;
}

static int check_composite_indexes(struct db *db, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        bool written = false;
        for (size_t i = 0; table->index && i < db->tables[t].n && !written; i++)
            written = db->tables[t].rows[i]->inserted || db->tables[t].rows[i]->modified;
        if (!written)
            continue;
        size_t n = db_count_rows(db, table);
        for (size_t i = 0; i < n; i++) {
            const struct db_row *row = db_row_at(db, table, i);
            if (!row->inserted && !row->modified)
                continue;
            for (size_t j = 0; j < n; j++) {
                if (j != i && same_index_values(row, db_row_at(db, table, j))) {
                    struct strbuf cols = STRBUF_INIT;
                    for (const char *const *name = table->index; *name; name++)
                        strbuf_printf(&cols, "%s\"%s\"", name == table->index ? "" : " and ",
                                      *name);
                    *error = xasprintf("Transaction causes multiple rows in \"%s\" table to "
                                       "have identical values for index on columns %s.",
                                       table->name, strbuf_cstr(&cols));
                    strbuf_free(&cols);
                    return -1;
                }
            }
        }
    }
    return 0;
}

static int check_all(struct db *db, const struct originals *o, char **error)
{
    if (check_row_limits(db, error) || check_composite_indexes(db, error))
        return -1;
    for (size_t t = 0; t < schema_n_tables; t++)
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            if ((row->inserted || row->modified) &&
                (check_row_values(row, error) || check_tunnel_options(row, error)))
                return -1;
        }
    return check_references(db, o, error) || check_unique_names(db, o, error) ? -1 : 0;
}

static void abort_transaction(struct db *db)
{
    char *ignored = NULL;
    if (db->in_txn) {
        db_sql_run(db, "ROLLBACK", 0, NULL);
        db->in_txn = false;
    }
    /* Back to what the file holds; on failure memory keeps the edits and
     * the next begin or reload tries again. */
    if (db->lazy)
        db_partial_reset(db);
    else if (db_sql_load(db, &ignored))
        free(ignored);
}

int db_commit(struct db *db, char **error)
{
    if (!db->in_txn) {
        *error = xasprintf("%s: no transaction in progress", db->path);
        return -1;
    }
    struct originals o = { 0 };
    int failed = originals_read(db, &o, error);
    if (!failed) {
        collect_garbage(db, &o);
        drop_weak_refs(db);
    }
    failed = failed || check_all(db, &o, error) || db_sql_write_changes(db, error)
             || db_sql_end_seq(db, error) || db_sql_run(db, "COMMIT", 0, error) != SQLITE_OK;
    originals_free(&o);
    if (failed) {
        db->tx_seq = 0;
        abort_transaction(db);
        return -1;
    }
    db->in_txn = false;
    db->revision++;
    /* Loaded at begin, under the write lock: memory is the file's, up to us. */
    db->loaded_seq = db->tx_seq;
    db->tx_seq = 0;

    /* Memory now equals the file; our own commit leaves data_version alone. */
    struct db_rows *deleted = &db->deleted;
    for (size_t i = 0; i < deleted->n; i++) {
        db_row_free(deleted->rows[i]);
    }
    deleted->n = 0;
    /* Rows this commit wrote count as read anew (db_load_generation): a
     * reader comparing generations, such as the daemon applying an OVSDB
     * client's transaction, sees them as changed. */
    bool wrote = false;
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            struct db_row *row = db->tables[t].rows[i];
            if (row->inserted || row->modified) {
                row->generation = db->generation + 1;
                wrote = true;
            }
            row->inserted = row->modified = false;
            db_row_free(row->original);
            row->original = NULL;
        }
    }
    if (wrote)
        db->generation++;
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
        db_sql_run(db, "ROLLBACK", 0, NULL);
        db->in_txn = false;
    }
    if (changed) {
        abort_transaction(db);
    }
}
