/* Internals shared by db.c (rows, transactions, checks) and db_sqlite.c
 * (the SQLite file: schema creation and upgrade, loading, writing). */
#ifndef PONTOON_DB_DB_PRIVATE_H
#define PONTOON_DB_DB_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_index.h"

#define DB_MAX_TABLES 32

struct db_rows {
    struct db_row **rows;         /* live rows, insertion (rowid) order */
    size_t n, cap;
};

struct db {
    sqlite3 *sql;
    char *path;
    struct db_rows tables[DB_MAX_TABLES];     /* indexed like schema_tables */
    struct db_rows deleted;                   /* deleted in this transaction */
    struct db_index *index;                   /* live rows by uuid (a cache) */
    bool in_txn;
    bool loaded;
    int64_t data_version;         /* PRAGMA data_version at the last load */
    /* Change sequence (db_sqlite.c): every write transaction stamps the
     * rows it writes with the next number (and leaves a tombstone for each
     * row it deletes), so a reader that loaded up to loaded_seq reads only
     * what came after. */
    int64_t loaded_seq;           /* the file's sequence when memory was last loaded */
    int64_t tx_seq;               /* the write transaction's number, 0 outside one */
    uint32_t tx_tables;           /* bit t: the transaction wrote table t */
    uint64_t generation;          /* see db_load_generation */
    uint64_t revision;            /* see db_revision */
    /* What the last load read: the live rows it brought in or changed (not
     * owned), or everything (changed_all) when it read the whole file. */
    struct db_rows changed;
    bool changed_all;
    /* Row queries prepared once (a reload reads every table for changes:
     * preparing sixteen 50-column SELECTs each time cost more than the
     * rows).  db_sqlite.c. */
    struct db_query {
        char *sql;
        sqlite3_stmt *stmt;
    } queries[128];
    size_t n_queries;
    /* Lazy (the CLI, db_open_lazy): memory holds the rows asked for so far
     * in the transaction, read by uuid or name through the file's indexes;
     * a table is read whole (complete) only when walked, so a command costs
     * what it touches (db_partial.c).  Eager (the daemon): all, always. */
    bool lazy;
    bool complete[DB_MAX_TABLES];         /* every row of the table is in memory */
    unsigned fetched[DB_MAX_TABLES];      /* rows read one at a time since the reset */
    unsigned scans[DB_MAX_TABLES];        /* referrer scans of the table since the reset */
};

size_t db_table_index(const struct table_def *table);
struct db_row *db_row_new(const struct table_def *table, const char *uuid);
void db_row_free(struct db_row *row);
void db_rows_append(struct db_rows *rows, struct db_row *row);
void db_clear_rows(struct db *db);
/* Rebuilds the uuid index when rows came or went wholesale. */
void db_index_refresh(struct db *db);
/* The live row with this normalized uuid, in any table (NULL: any), or NULL.
 * A lazy database reads it from the file when it is not in memory. */
struct db_row *db_lookup_uuid(const struct db *db, const struct table_def *table,
                              const char *uuid);

/* db_partial.c: a lazy database's memory as a cache of the file. */
/* Forgets every row (a new transaction reads afresh). */
void db_partial_reset(struct db *db);
/* Reads the rest of table t, keeping the rows already in memory (edited or
 * not) and the file's order.  Returns 0, or -1 (logged; memory unchanged). */
int db_partial_complete(struct db *db, size_t t);
/* The row with this normalized uuid from the file into memory (table NULL:
 * any), unless memory has it or it was deleted in this transaction. */
struct db_row *db_partial_fetch_uuid(struct db *db, const struct table_def *table,
                                     const char *uuid);
/* The row named `name` from the file into memory, unless memory has it. */
struct db_row *db_partial_fetch_name(struct db *db, const struct table_def *table,
                                     const char *name);
/* Whether a row deleted in this transaction had this uuid. */
bool db_partial_is_deleted(const struct db *db, const char *uuid);
/* A live row holding a strong reference to `uuid` (a row of `table`), in
 * memory or in the file (read into memory), or NULL; *column is where. */
struct db_row *db_partial_referrer(struct db *db, const struct table_def *table,
                                   const char *uuid, const struct column_def **column);
/* Removes every weak reference to `gone` (a row deleted in this
 * transaction) from the rows that hold one, as OVSDB does. */
void db_partial_drop_weak_refs(struct db *db, const struct db_row *gone);

/* db_sqlite.c */
int db_sql_open(struct db *db, const char *path, char **error);
/* Finalizes the prepared queries (before sqlite3_close). */
void db_sql_forget_queries(struct db *db);
int db_sql_exec(struct db *db, const char *sql, char **error);
/* One statement of fixed text, prepared once and kept (BEGIN, COMMIT, the
 * change sequence...: the daemon runs them at every write, and parsing cost
 * more than running them); `value` binds the statement's ?1 if it has one.
 * Returns the sqlite3 result code (SQLITE_OK when done); with `error`, the
 * message of a failure. */
int db_sql_run(struct db *db, const char *sql, int64_t value, char **error);
int db_sql_data_version(struct db *db, int64_t *version);
/* Replaces every row in memory by the file's contents. */
int db_sql_load(struct db *db, char **error);
/* Brings memory up to the file's contents reading only the rows written
 * since the last load (a full load when the tombstones that far back were
 * pruned).  Memory must hold no local changes. */
int db_sql_load_changes(struct db *db, char **error);
/* In a write transaction: takes its sequence number (begin) and records it
 * as the file's (before COMMIT). */
int db_sql_begin_seq(struct db *db, char **error);
int db_sql_end_seq(struct db *db, char **error);
/* Appends to `rows` the table's rows matching the SQL condition `where`
 * (its `?` bound to `param`), in the file's order. */
int db_sql_load_rows(struct db *db, const struct table_def *table, const char *where,
                     const char *param, struct db_rows *rows, char **error);
/* A cell's stored text (heap), as written to the file. */
char *db_sql_cell_text(const struct datum *d, const struct column_def *col);
/* Writes inserted, modified and deleted rows (inside the caller's txn). */
int db_sql_write_changes(struct db *db, char **error);
int db_sql_write_column(struct db *db, const struct table_def *table, const char *uuid,
                        const struct column_def *col, const struct datum *value,
                        char **error);

#endif
