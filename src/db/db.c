/* The configuration database in memory: rows, transactions, and the checks
 * OVSDB makes at commit (garbage collection of unreferenced rows, sizes,
 * references, unique names).  Storage is in db_sqlite.c. */
#include "db/db.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db/datum_private.h"
#include "db/db_private.h"
#include "util/log.h"
#include "util/strbuf.h"

size_t db_table_index(const struct table_def *table)
{
    for (size_t i = 0; i < schema_n_tables; i++) {
        if (schema_tables[i] == table) {
            return i;
        }
    }
    fprintf(stderr, "pontoon: table %s is not in the schema\n", table->name);
    abort();
}

void db_random_uuid(char out[37])
{
    unsigned char b[16];
    ssize_t n = getrandom(b, sizeof b, 0);
    if (n != (ssize_t) sizeof b) {
        /* No getrandom (old kernel): fall back on /dev/urandom, then time. */
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, b, sizeof b) : -1;
        if (fd >= 0) {
            close(fd);
        }
        if (n != (ssize_t) sizeof b) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            unsigned long long x = (unsigned long long) ts.tv_nsec ^ (unsigned long long) getpid()
                                   ^ ((unsigned long long) ts.tv_sec << 20);
            for (size_t i = 0; i < sizeof b; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                b[i] = (unsigned char) (x >> 56);
            }
        }
    }
    b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40);     /* version 4 */
    b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
}

struct db_row *db_row_new(const struct table_def *table, const char *uuid)
{
    struct db_row *row = datum_xmalloc(sizeof *row);
    row->table = table;
    if (uuid) {
        uuid_normalize(row->uuid, uuid);
    } else {
        db_random_uuid(row->uuid);
    }
    row->columns = datum_xmalloc(table->n_columns * sizeof *row->columns);
    for (size_t i = 0; i < table->n_columns; i++) {
        datum_default(&row->columns[i], &table->columns[i]);
    }
    row->inserted = row->deleted = row->modified = false;
    row->original = NULL;
    row->generation = 0;
    /* After every row of the file (ordered by rowid), in creation order:
     * where the file puts it when it is written. */
    static uint64_t next_new;
    row->order = DB_ORDER_NEW + ++next_new;
    return row;
}

void db_row_free(struct db_row *row)
{
    if (!row) {
        return;
    }
    for (size_t i = 0; i < row->table->n_columns; i++) {
        datum_destroy(&row->columns[i], &row->table->columns[i]);
    }
    free(row->columns);
    db_row_free(row->original);
    free(row);
}

/* Before the first change a transaction makes to a stored row: keep it as
 * it was (rows are only changed inside a transaction, which read them from
 * the file under its write lock: this is the file's copy). */
static void keep_original(struct db_row *row)
{
    if (row->inserted || row->modified || row->original)
        return;
    struct db_row *copy = datum_xmalloc(sizeof *copy);
    *copy = *row;
    copy->original = NULL;
    copy->columns = datum_xmalloc(row->table->n_columns * sizeof *copy->columns);
    for (size_t i = 0; i < row->table->n_columns; i++)
        datum_clone(&copy->columns[i], &row->columns[i], &row->table->columns[i]);
    row->original = copy;
}

void db_rows_append(struct db_rows *rows, struct db_row *row)
{
    if (rows->n == rows->cap) {
        rows->cap = rows->cap ? rows->cap * 2 : 16;
        rows->rows = datum_xrealloc(rows->rows, rows->cap * sizeof *rows->rows);
    }
    rows->rows[rows->n++] = row;
}

static void rows_free(struct db_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        db_row_free(rows->rows[i]);
    }
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}

void db_clear_rows(struct db *db)
{
    for (size_t t = 0; t < DB_MAX_TABLES; t++) {
        rows_free(&db->tables[t]);
    }
    rows_free(&db->deleted);
    db->changed.n = 0;
    db->changed_all = true;
    if (db->index)
        db->index->stale = true;
}

void db_index_refresh(struct db *db)
{
    struct db_index *index = db->index;
    if (index->stale) {
        db_index_clear(index);
        for (size_t t = 0; t < schema_n_tables; t++)
            for (size_t i = 0; i < db->tables[t].n; i++)
                db_index_add(index, db->tables[t].rows[i]);
        index->stale = false;
    }
}

/* `db` is const to callers that only read rows; memory is a cache of the
 * file, and filling it in is not a change. */
struct db_row *db_lookup_uuid(const struct db *db_const, const struct table_def *table,
                              const char *uuid)
{
    struct db *db = (struct db *) db_const;
    db_index_refresh(db);
    struct db_row *row = db_index_find(db->index, uuid);
    if (row)
        return !table || row->table == table ? row : NULL;
    return db->lazy ? db_partial_fetch_uuid(db, table, uuid) : NULL;
}

const char *db_default_path(void)
{
    const char *path = getenv("PONTOON_DB");
    return path && *path ? path : DB_DEFAULT_PATH;
}

static int open_db(const char *path, bool lazy, struct db **out, char **error)
{
    struct db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (!db) {
        *error = xasprintf("cannot open database %s: %s", path, strerror(ENOMEM));
        return -1;
    }
    if (schema_n_tables > DB_MAX_TABLES) {
        abort();
    }
    db->path = datum_xstrdup(path);
    db->index = datum_xmalloc(sizeof *db->index);
    db_index_init(db->index);
    db->lazy = lazy;
    if (db_sql_open(db, path, error) || (!lazy && db_sql_load(db, error))) {
        db_close(db);
        return -1;
    }
    db->loaded = true;
    *out = db;
    return 0;
}

int db_open(const char *path, struct db **out, char **error)
{
    return open_db(path, false, out, error);
}

int db_open_lazy(const char *path, struct db **out, char **error)
{
    return open_db(path, true, out, error);
}

void db_close(struct db *db)
{
    if (!db) {
        return;
    }
    if (db->in_txn) {
        db_sql_run(db, "ROLLBACK", 0, NULL);
    }
    free(db->changed.rows);
    db_clear_rows(db);
    db_sql_forget_queries(db);
    sqlite3_close(db->sql);
    if (db->index) {
        db_index_destroy(db->index);
        free(db->index);
    }
    free(db->path);
    free(db);
}

static bool has_local_changes(const struct db *db)
{
    if (db->deleted.n) {
        return true;
    }
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            if (row->inserted || row->modified) {
                return true;
            }
        }
    }
    return false;
}

/* 1 when another connection committed since memory was loaded, 0 when
 * not, -1 when the file cannot say. */
static int committed_since_load(struct db *db)
{
    int64_t version;
    if (db_sql_data_version(db, &version))
        return -1;
    return version != db->data_version;
}

/* Reloads unless memory already equals the file: nothing edited locally and
 * no other connection has committed since the last load.  With nothing
 * edited locally only the rows written since are read. */
static int reload_if_stale(struct db *db, char **error)
{
    if (db->lazy) {
        db_partial_reset(db);
        return 0;
    }
    if (!db->loaded || has_local_changes(db))
        return db_sql_load(db, error);
    if (committed_since_load(db) == 0) {
        db->changed.n = 0;          /* read nothing: nothing changed */
        db->changed_all = false;
        return 0;
    }
    return db_sql_load_changes(db, error);
}

int db_reload(struct db *db, char **error)
{
    return reload_if_stale(db, error);
}

size_t db_changed_rows(const struct db *db, bool *all)
{
    *all = db->changed_all;
    return db->changed.n;
}

const struct db_row *db_changed_row_at(const struct db *db, size_t i)
{
    return i < db->changed.n ? db->changed.rows[i] : NULL;
}

uint64_t db_load_generation(const struct db *db)
{
    return db->generation;
}

uint64_t db_revision(const struct db *db)
{
    return db->revision + db->generation;
}

bool db_stale(struct db *db)
{
    return !db->lazy && db->loaded && committed_since_load(db) == 1;
}

/* BEGIN IMMEDIATE (the write lock), waiting up to timeout_ms for another
 * writer; timeout_ms <= 0 waits indefinitely, like ovs-vsctl without --timeout. */
static int begin_immediate(struct db *db, int timeout_ms, char **error)
{
    if (db->in_txn) {
        *error = xasprintf("%s: a transaction is already in progress", db->path);
        return -1;
    }
    sqlite3_busy_timeout(db->sql, timeout_ms > 0 ? timeout_ms : INT_MAX);
    int rc = db_sql_run(db, "BEGIN IMMEDIATE", 0, NULL);
    sqlite3_busy_timeout(db->sql, 5000);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        *error = xasprintf("database %s is locked by another writer; gave up after %d ms",
                           db->path, timeout_ms);
        return -1;
    }
    if (rc != SQLITE_OK) {
        *error = xasprintf("%s: cannot start a transaction: %s", db->path,
                           sqlite3_errmsg(db->sql));
        return -1;
    }
    if (db_sql_begin_seq(db, error)) {
        db_sql_run(db, "ROLLBACK", 0, NULL);
        return -1;
    }
    return 0;
}

int db_begin(struct db *db, int timeout_ms, char **error)
{
    if (begin_immediate(db, timeout_ms, error))
        return -1;
    db->in_txn = true;
    if (reload_if_stale(db, error)) {
        db_sql_run(db, "ROLLBACK", 0, NULL);
        db->in_txn = false;
        return -1;
    }
    return 0;
}

/* ---- rows ---- */

/* A walk over a table needs all of it in memory. */
static const struct db_rows *whole_table(const struct db *db_const, size_t t)
{
    struct db *db = (struct db *) db_const;
    if (db->lazy && !db->complete[t])
        db_partial_complete(db, t);
    return &db->tables[t];
}

size_t db_count_rows(const struct db *db, const struct table_def *table)
{
    return whole_table(db, db_table_index(table))->n;
}

struct db_row *db_row_at(const struct db *db, const struct table_def *table, size_t i)
{
    const struct db_rows *rows = whole_table(db, db_table_index(table));
    return i < rows->n ? rows->rows[i] : NULL;
}

struct db_row *db_root_row(const struct db *db)
{
    const struct db_rows *rows = whole_table(db, 0);
    return rows->n ? rows->rows[0] : NULL;
}

struct db_row *db_find_row_by_uuid(const struct db *db, const char *uuid)
{
    char norm[37];
    if (!uuid || !uuid_is_valid(uuid)) {
        return NULL;
    }
    uuid_normalize(norm, uuid);
    return db_lookup_uuid(db, NULL, norm);
}

/* A string that could be the start of a uuid ("5fa2", "5fa21732-87a2"). */
static bool is_partial_uuid(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 36) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

struct db_row *db_find_row_named(const struct db *db, const struct table_def *table,
                                 const char *name)
{
    const struct db_rows *rows = &db->tables[db_table_index(table)];
    if (!table->name_column || !name)
        return NULL;
    for (size_t i = 0; i < rows->n; i++)
        if (!strcmp(db_row_get_string(rows->rows[i], table->name_column), name))
            return rows->rows[i];
    return db_partial_fetch_name((struct db *) db, table, name);
}

struct db_row *db_find_row(const struct db *db, const struct table_def *table,
                           const char *name_or_uuid)
{
    const struct db_rows *rows = &db->tables[db_table_index(table)];

    if (!name_or_uuid) {
        return NULL;
    }
    if (table == schema_tables[0] && !strcmp(name_or_uuid, ".")) {
        return db_root_row(db);
    }
    if (uuid_is_valid(name_or_uuid)) {
        char norm[37];
        uuid_normalize(norm, name_or_uuid);
        struct db_row *row = db_lookup_uuid(db, table, norm);
        if (row) {
            return row;
        }
    }
    if (table->name_column) {
        struct db_row *row = db_find_row_named(db, table, name_or_uuid);
        if (row)
            return row;
    }
    /* As ovs-vsctl: a unique uuid prefix of at least 4 digits. */
    if (is_partial_uuid(name_or_uuid)) {
        rows = whole_table(db, db_table_index(table));
        struct db_row *match = NULL;
        size_t len = strlen(name_or_uuid);
        for (size_t i = 0; i < rows->n; i++) {
            if (!strncasecmp(rows->rows[i]->uuid, name_or_uuid, len)) {
                if (match) {
                    return NULL;
                }
                match = rows->rows[i];
            }
        }
        return match;
    }
    return NULL;
}

struct db_row *db_insert_row(struct db *db, const struct table_def *table)
{
    return db_insert_row_uuid(db, table, NULL);
}

struct db_row *db_insert_row_uuid(struct db *db, const struct table_def *table,
                                  const char *uuid)
{
    struct db_row *row = db_row_new(table, uuid);
    row->inserted = true;
    db_rows_append(&db->tables[db_table_index(table)], row);
    if (!db->index->stale)
        db_index_add(db->index, row);
    return row;
}

/* Moves a row from its table to the deleted list, keeping the others' order. */
static void unlink_row(struct db *db, struct db_row *row)
{
    struct db_rows *rows = &db->tables[db_table_index(row->table)];
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->rows[i] == row) {
            memmove(&rows->rows[i], &rows->rows[i + 1], (rows->n - i - 1) * sizeof *rows->rows);
            rows->n--;
            row->deleted = true;
            db_rows_append(&db->deleted, row);
            if (!db->index->stale)
                db_index_remove(db->index, row);
            return;
        }
    }
}

void db_delete_row(struct db *db, struct db_row *row)
{
    if (row && !row->deleted) {
        unlink_row(db, row);
    }
}

/* Callers name columns with string literals, at every row of every
 * reconcile: a small cache keyed by the name's address turns the walk over
 * Interface's fifty-odd columns into one comparison. */
struct column_cache_entry {
    const struct table_def *table;
    const char *name;
    const struct column_def *column;
};

static const struct column_def *column_by_name(const struct table_def *table, const char *name)
{
    static _Thread_local struct column_cache_entry cache[256];
    struct column_cache_entry *hit =
        &cache[(((uintptr_t) name >> 2) ^ ((uintptr_t) table >> 5)) & 255];
    if (hit->name == name && hit->table == table && !strcmp(hit->column->name, name))
        return hit->column;
    for (size_t i = 0; i < table->n_columns; i++) {
        if (!strcmp(table->columns[i].name, name)) {
            *hit = (struct column_cache_entry){ table, name, &table->columns[i] };
            return &table->columns[i];
        }
    }
    /* A programming error, never outside input: the CLI resolves user
     * column names with schema_find_column first. */
    fprintf(stderr, "pontoon: table %s has no column %s\n", table->name, name);
    abort();
}

const struct datum *db_row_get(const struct db_row *row, const char *column)
{
    const struct column_def *col = column_by_name(row->table, column);
    return &row->columns[schema_column_index(row->table, col)];
}

void db_row_set_by_def(struct db_row *row, const struct column_def *column,
                       struct datum *value)
{
    keep_original(row);
    struct datum *slot = &row->columns[schema_column_index(row->table, column)];
    datum_destroy(slot, column);
    *slot = *value;
    datum_init_empty(value);
    row->modified = true;
}

void db_row_set(struct db_row *row, const char *column, struct datum *value)
{
    db_row_set_by_def(row, column_by_name(row->table, column), value);
}

const char *db_row_get_string(const struct db_row *row, const char *column)
{
    const struct column_def *col = column_by_name(row->table, column);
    const struct datum *d = &row->columns[schema_column_index(row->table, col)];
    if (!d->n || (col->key.type != ATOM_STRING && col->key.type != ATOM_UUID)) {
        return "";
    }
    return d->keys[0].string;
}

int64_t db_row_get_integer(const struct db_row *row, const char *column, int64_t dflt)
{
    const struct column_def *col = column_by_name(row->table, column);
    const struct datum *d = &row->columns[schema_column_index(row->table, col)];
    return d->n && col->key.type == ATOM_INTEGER ? d->keys[0].integer : dflt;
}

const char *db_row_get_map_string(const struct db_row *row, const char *column,
                                  const char *key)
{
    const struct column_def *col = column_by_name(row->table, column);
    if (!column_is_map(col) || col->key.type != ATOM_STRING || col->value.type != ATOM_STRING) {
        return NULL;
    }
    const union atom *value = datum_map_get(&row->columns[schema_column_index(row->table, col)],
                                            key);
    return value ? value->string : NULL;
}

void db_row_set_string(struct db_row *row, const char *column, const char *value)
{
    const struct column_def *col = column_by_name(row->table, column);
    struct datum d = DATUM_EMPTY;
    if (value) {
        union atom key = { .string = datum_xstrdup(value) };
        datum_append(&d, col, &key, NULL);
    }
    db_row_set_by_def(row, col, &d);
}

void db_row_add_ref(struct db_row *row, const char *column, const char *uuid)
{
    const struct column_def *col = column_by_name(row->table, column);
    if (!uuid_is_valid(uuid)) {
        return;
    }
    union atom key = { .string = datum_xmalloc(37) };
    uuid_normalize(key.string, uuid);
    struct datum add = { 1, &key, NULL };
    keep_original(row);
    datum_union(&row->columns[schema_column_index(row->table, col)], &add, col);
    free(key.string);
    row->modified = true;
}

void db_row_remove_ref(struct db_row *row, const char *column, const char *uuid)
{
    const struct column_def *col = column_by_name(row->table, column);
    if (!uuid_is_valid(uuid)) {
        return;
    }
    union atom key = { .string = datum_xmalloc(37) };
    uuid_normalize(key.string, uuid);
    struct datum remove = { 1, &key, NULL };
    keep_original(row);
    datum_subtract(&row->columns[schema_column_index(row->table, col)], &remove, col);
    free(key.string);
    row->modified = true;
}

int db_write_ephemeral_cells(struct db *db, const char *table_name, size_t n,
                             const char *const *uuids, const char *const *columns,
                             const struct datum *values, int timeout_ms, char **error)
{
    const struct table_def *table = schema_find_table(table_name);
    if (!table) {
        *error = xasprintf("unknown table \"%s\"", table_name);
        return -1;
    }
    const struct column_def **cols = datum_xmalloc((n ? n : 1) * sizeof *cols);
    int result = 0;
    for (size_t i = 0; i < n && !result; i++) {
        if (schema_find_column(table, columns[i], &cols[i], error)) {
            result = -1;
        } else if (!uuids[i] || !uuid_is_valid(uuids[i])) {
            *error = xasprintf("\"%s\" is not a valid UUID", uuids[i] ? uuids[i] : "");
            result = -1;
        } else if (datum_check_size(&values[i], cols[i], error)) {
            result = -1;
        }
    }
    if (result) {
        free(cols);
        return -1;
    }
    /* What the daemon reports need not survive a power cut (it writes it
     * again when it starts): commit without waiting for the disk.  The WAL
     * keeps the file consistent either way; configuration, written by the
     * CLI's own connection, stays synchronous. */
    db_sql_run(db, "PRAGMA synchronous=NORMAL", 0, NULL);
    /* One transaction for all of them, and no reload: only these cells change. */
    if (begin_immediate(db, timeout_ms, error)) {
        db_sql_run(db, "PRAGMA synchronous=FULL", 0, NULL);
        free(cols);
        return -1;
    }
    for (size_t i = 0; i < n && !result; i++) {
        char norm[37];
        uuid_normalize(norm, uuids[i]);
        if (db_sql_write_column(db, table, norm, cols[i], &values[i], error))
            result = -1;
    }
    if (!result && db_sql_end_seq(db, error))
        result = -1;
    if (!result && db_sql_run(db, "COMMIT", 0, NULL) != SQLITE_OK) {
        *error = xasprintf("%s: cannot commit: %s", db->path, sqlite3_errmsg(db->sql));
        result = -1;
    }
    /* Memory that was up to date stays so: it gets these cells below. */
    if (!result && db->loaded_seq == db->tx_seq - 1)
        db->loaded_seq = db->tx_seq;
    db->tx_seq = 0;
    if (result)
        db_sql_run(db, "ROLLBACK", 0, NULL);
    db_sql_run(db, "PRAGMA synchronous=FULL", 0, NULL);
    if (!result)
        db->revision++;
    /* Keep memory equal to the file without a full reload. */
    for (size_t i = 0; i < n && !result; i++) {
        char norm[37];
        uuid_normalize(norm, uuids[i]);
        struct db_row *row = db_lookup_uuid(db, table, norm);
        if (row) {
            struct datum *slot = &row->columns[schema_column_index(table, cols[i])];
            datum_destroy(slot, cols[i]);
            datum_clone(slot, &values[i], cols[i]);
        }
    }
    free(cols);
    return result;
}

int db_write_ephemeral_rows(struct db *db, const char *table_name, const char *column,
                            size_t n, const char *const *uuids, const struct datum *values,
                            int timeout_ms, char **error)
{
    const char **columns = datum_xmalloc((n ? n : 1) * sizeof *columns);
    for (size_t i = 0; i < n; i++)
        columns[i] = column;
    int result = db_write_ephemeral_cells(db, table_name, n, uuids, columns, values,
                                          timeout_ms, error);
    free(columns);
    return result;
}

int db_write_ephemeral(struct db *db, const char *table_name, const char *uuid,
                       const char *column, const struct datum *value, char **error)
{
    return db_write_ephemeral_rows(db, table_name, column, 1, &uuid, value, 5000, error);
}

void db_report_ephemeral(struct db *db, const struct db_row *row, const struct column_def *col,
                         struct datum *value)
{
    char *error = NULL;
    if (!datum_equals(value, &row->columns[schema_column_index(row->table, col)], col) &&
        db_write_ephemeral(db, row->table->name, row->uuid, col->name, value, &error) < 0) {
        log_warn("cannot write %s %s: %s", row->table->name, col->name, error);
        free(error);
    }
    datum_destroy(value, col);
}
