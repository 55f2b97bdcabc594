/* A lazy database (the CLI's): memory is a cache of the file holding the
 * rows a transaction asked for.  Rows come in one at a time by uuid or name
 * (the file indexes both), a table comes in whole when a command walks it,
 * and a row in memory always wins over the file's copy: it may be edited. */
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db_private.h"
#include "util/log.h"
#include "util/strbuf.h"

/* A table read this many times row by row (or scanned for referrers) is
 * read whole instead: walking 1000 ports costs one query, not 1000. */
#define FETCHES_BEFORE_COMPLETE 64
#define SCANS_BEFORE_COMPLETE 8

void db_partial_reset(struct db *db)
{
    db_clear_rows(db);
    memset(db->complete, 0, sizeof db->complete);
    memset(db->fetched, 0, sizeof db->fetched);
    memset(db->scans, 0, sizeof db->scans);
}

bool db_partial_is_deleted(const struct db *db, const char *uuid)
{
    for (size_t i = 0; i < db->deleted.n; i++)
        if (!strcmp(db->deleted.rows[i]->uuid, uuid))
            return true;
    return false;
}

static void free_rows(struct db_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++)
        db_row_free(rows->rows[i]);
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}

/* The table's rows matching `where` (NULL: all) read from the file into
 * `fresh`; false (logged, nothing read) on error. */
static bool read_rows(struct db *db, size_t t, const char *where, const char *param,
                      struct db_rows *fresh)
{
    char *error = NULL;
    if (!db_sql_load_rows(db, schema_tables[t], where, param, fresh, &error)) {
        db_index_refresh(db);
        return true;
    }
    log_warn("%s", error);
    free(error);
    free_rows(fresh);
    return false;
}

/* Whether memory already knows the row (live or deleted): its copy rules. */
static bool known(const struct db *db, const char *uuid)
{
    return db_index_find(db->index, uuid) || db_partial_is_deleted(db, uuid);
}

int db_partial_complete(struct db *db, size_t t)
{
    if (db->complete[t])
        return 0;
    const struct table_def *table = schema_tables[t];
    struct db_rows fresh = { 0 };
    if (!read_rows(db, t, NULL, NULL, &fresh))
        return -1;
    /* The file's order, with memory's copy of each row it has; rows
     * inserted in this transaction (not in the file) after them. */
    struct db_rows *mine = &db->tables[t];
    struct db_rows merged = { 0 };
    for (size_t i = 0; i < fresh.n; i++) {
        struct db_row *row = fresh.rows[i];
        struct db_row *have = db_index_find(db->index, row->uuid);
        if (have && have->table == table) {
            db_row_free(row);
            db_rows_append(&merged, have);
        } else if (have || db_partial_is_deleted(db, row->uuid)) {
            db_row_free(row);
        } else {
            db_rows_append(&merged, row);
            db_index_add(db->index, row);
        }
    }
    for (size_t i = 0; i < mine->n; i++)
        if (mine->rows[i]->inserted)
            db_rows_append(&merged, mine->rows[i]);
    free(fresh.rows);
    free(mine->rows);
    *mine = merged;
    db->complete[t] = true;
    return 0;
}

/* Adds rows read from the file to memory, unless memory knows them; the
 * first one added (or NULL). */
static struct db_row *adopt(struct db *db, size_t t, struct db_rows *fresh)
{
    struct db_row *first = NULL;
    for (size_t i = 0; i < fresh->n; i++) {
        struct db_row *row = fresh->rows[i];
        if (known(db, row->uuid)) {
            db_row_free(row);
            continue;
        }
        db_rows_append(&db->tables[t], row);
        db_index_add(db->index, row);
        db->fetched[t]++;
        first = first ? first : row;
    }
    free(fresh->rows);
    memset(fresh, 0, sizeof *fresh);
    return first;
}

static struct db_row *fetch_where(struct db *db, size_t t, const char *where,
                                  const char *param)
{
    struct db_rows fresh = { 0 };
    if (!read_rows(db, t, where, param, &fresh))
        return NULL;
    struct db_row *row = adopt(db, t, &fresh);
    if (db->fetched[t] > FETCHES_BEFORE_COMPLETE)
        db_partial_complete(db, t);
    return row;
}

struct db_row *db_partial_fetch_uuid(struct db *db, const struct table_def *table,
                                     const char *uuid)
{
    if (!db->lazy || db_partial_is_deleted(db, uuid))
        return NULL;
    for (size_t t = 0; t < schema_n_tables; t++) {
        if (db->complete[t] || (table && schema_tables[t] != table))
            continue;
        struct db_row *row = fetch_where(db, t, "_uuid = ?", uuid);
        if (row)
            return row;
    }
    return NULL;
}

struct db_row *db_partial_fetch_name(struct db *db, const struct table_def *table,
                                     const char *name)
{
    size_t t = db_table_index(table);
    if (!db->lazy || db->complete[t] || !table->name_column)
        return NULL;
    /* Looked up by the text the file stores for a cell holding the name. */
    const struct column_def *col = NULL;
    for (size_t c = 0; c < table->n_columns && !col; c++)
        if (!strcmp(table->columns[c].name, table->name_column))
            col = &table->columns[c];
    if (!col)
        return NULL;
    struct datum d;
    datum_init_string(&d, name);
    char *text = db_sql_cell_text(&d, col);
    datum_destroy(&d, col);
    char *where = xasprintf("\"%s\" = ?", table->name_column);
    struct db_row *row = fetch_where(db, t, where, text);
    free(where);
    free(text);
    return row;
}

/* Whether datum `d` of column `col` refers to `uuid`. */
static bool datum_refers_to(const struct datum *d, const struct column_def *col, const char *uuid)
{
    for (size_t k = 0; k < d->n; k++) {
        if (col->key.ref_table && !strcmp(d->keys[k].string, uuid))
            return true;
        if (col->value.ref_table && d->values && !strcmp(d->values[k].string, uuid))
            return true;
    }
    return false;
}

/* Whether a base type refers to `table` with the strength asked for. */
static bool base_refers(const struct base_type *base, const struct table_def *table, bool weak)
{
    return base->ref_table && base->weak == weak && !strcmp(base->ref_table, table->name);
}

static bool refers_to_table(const struct column_def *col, const struct table_def *table,
                            bool weak)
{
    return base_refers(&col->key, table, weak) || base_refers(&col->value, table, weak);
}

static struct db_row *referrer_in_memory(struct db *db, size_t s, const struct table_def *table,
                                         const char *uuid, bool weak,
                                         const struct column_def **column)
{
    const struct table_def *from = schema_tables[s];
    for (size_t i = 0; i < db->tables[s].n; i++) {
        struct db_row *row = db->tables[s].rows[i];
        for (size_t c = 0; c < from->n_columns; c++) {
            const struct column_def *col = &from->columns[c];
            if (refers_to_table(col, table, weak) && datum_refers_to(&row->columns[c], col, uuid)) {
                *column = col;
                return row;
            }
        }
    }
    return NULL;
}

/* Rows of table s the file says refer to `uuid`, read into memory: a text
 * match on the stored cell (uuids are stored as they are written), then
 * checked on the decoded value. */
static struct db_row *referrer_in_file(struct db *db, size_t s, const struct table_def *table,
                                       const char *uuid, bool weak,
                                       const struct column_def **column)
{
    const struct table_def *from = schema_tables[s];
    char *pattern = xasprintf("%%%s%%", uuid);
    struct db_row *found = NULL;
    for (size_t c = 0; c < from->n_columns && !found; c++) {
        const struct column_def *col = &from->columns[c];
        if (!refers_to_table(col, table, weak))
            continue;
        char *where = xasprintf("\"%s\" LIKE ?", col->name);
        struct db_rows fresh = { 0 };
        if (read_rows(db, s, where, pattern, &fresh))
            adopt(db, s, &fresh);
        free(where);
        found = referrer_in_memory(db, s, table, uuid, weak, column);
    }
    free(pattern);
    return found;
}

/* A live row of table s referring to `uuid` (a row of `table`), strongly
 * or weakly. */
static struct db_row *referrer_in(struct db *db, size_t s, const struct table_def *table,
                                  const char *uuid, bool weak, const struct column_def **column)
{
    if (db->lazy && !db->complete[s] && ++db->scans[s] > SCANS_BEFORE_COMPLETE)
        db_partial_complete(db, s);
    struct db_row *row = referrer_in_memory(db, s, table, uuid, weak, column);
    if (!row && db->lazy && !db->complete[s])
        row = referrer_in_file(db, s, table, uuid, weak, column);
    return row;
}

static bool table_refers(const struct table_def *from, const struct table_def *table, bool weak)
{
    for (size_t c = 0; c < from->n_columns; c++)
        if (refers_to_table(&from->columns[c], table, weak))
            return true;
    return false;
}

struct db_row *db_partial_referrer(struct db *db, const struct table_def *table,
                                   const char *uuid, const struct column_def **column)
{
    for (size_t s = 0; s < schema_n_tables; s++) {
        struct db_row *row = table_refers(schema_tables[s], table, false)
                             ? referrer_in(db, s, table, uuid, false, column) : NULL;
        if (row)
            return row;
    }
    return NULL;
}

void db_partial_drop_weak_refs(struct db *db, const struct db_row *gone)
{
    for (size_t s = 0; s < schema_n_tables; s++) {
        if (!table_refers(schema_tables[s], gone->table, true))
            continue;
        const struct column_def *col;
        struct db_row *row;
        while ((row = referrer_in(db, s, gone->table, gone->uuid, true, &col)))
            db_row_remove_ref(row, col->name, gone->uuid);
    }
}

struct db_row *db_find_referrer(const struct db *db, const struct db_row *row,
                                const struct table_def *from)
{
    const struct column_def *column;
    return referrer_in((struct db *) db, db_table_index(from), row->table, row->uuid, false,
                       &column);
}
