/* The configuration database: every row of every table in memory, stored in
 * SQLite (one SQL table per schema table, one SQL column per schema column,
 * each value in its OVSDB JSON encoding; schema version in PRAGMA user_version).
 *
 * Writers (the CLI) run   db_open -> db_begin -> edit rows -> db_commit
 * inside one SQLite IMMEDIATE transaction, so concurrent CLIs serialize and a
 * failed command rolls back leaving the file exactly as it was.  Readers (the
 * daemon) db_open/db_reload and walk rows. */
#ifndef PONTOON_DB_DB_H
#define PONTOON_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/datum.h"
#include "db/schema.h"

#define DB_DEFAULT_PATH "/var/lib/pontoon/conf.db"

struct db;

struct db_row {
    const struct table_def *table;
    char uuid[37];
    struct datum *columns;        /* table->n_columns entries, in schema order */
    bool inserted;                /* created in this transaction */
    bool deleted;                 /* deleted in this transaction (still listed until commit) */
    bool modified;
    struct db_row *original;      /* modified: the row as the transaction found it
                                     (the file's, read under its write lock), so the
                                     commit need not read it again; else NULL */
    uint64_t order;               /* rows of a table are listed in this order: the
                                     file's rowid, DB_ORDER_NEW + n for new rows */
    uint64_t generation;          /* the load or commit (db_load_generation) that last
                                     read or wrote it */
};
#define DB_ORDER_NEW (UINT64_C(1) << 62)

/* Opens (creating the file, its directory and the schema when missing) and
 * loads every row.  A new database gets its single Open_vSwitch row.
 * Returns 0 or -1 with a heap *error. */
int db_open(const char *path, struct db **out, char **error);
/* The same, reading rows only when they are asked for (by uuid, by name,
 * or a whole table when walked), so that a command costs what it touches;
 * for writers (the CLI), whose transactions start with db_begin. */
int db_open_lazy(const char *path, struct db **out, char **error);
void db_close(struct db *db);
/* The path from $PONTOON_DB, else DB_DEFAULT_PATH. */
const char *db_default_path(void);

/* Starts a write transaction (BEGIN IMMEDIATE, waiting up to timeout_ms for
 * other writers) and reloads every row so edits see the latest data. */
int db_begin(struct db *db, int timeout_ms, char **error);
/* Drops rows of non-root tables that nothing references any more (as OVSDB
 * does), checks every column's constraints and references, writes the changed
 * rows and commits.  On error rolls back, reloads, and returns -1. */
int db_commit(struct db *db, char **error);
void db_rollback(struct db *db);
/* Brings memory up to the file (the daemon does this on every reload
 * request): nothing when no other connection wrote, else the rows written
 * since the last load (see db_changed_rows).  A lazy database forgets its
 * rows instead. */
int db_reload(struct db *db, char **error);

/* Counts the loads (db_open's, db_reload's that read something) and this
 * connection's commits that wrote rows: a row whose generation is above a
 * number taken earlier was read or written (new or
 * changed) since, so a reader applies only what moved. */
uint64_t db_load_generation(const struct db *db);
/* Counts up whenever memory changes: a load, a commit, a reported cell
 * written (what OVSDB monitors compare with). */
uint64_t db_revision(const struct db *db);

/* The rows the last load (db_open's or db_reload's) read, new or changed,
 * valid until the next load; *all is true when it read the whole file, so
 * that everything is to be taken as changed.  Deleted rows are not listed. */
size_t db_changed_rows(const struct db *db, bool *all);
const struct db_row *db_changed_row_at(const struct db *db, size_t i);

/* Whether another connection committed to the file since memory was last
 * loaded (SQLite's PRAGMA data_version, compared with the load's own): how
 * the daemon notices changes made with --no-wait.  False when the file
 * cannot say. */
bool db_stale(struct db *db);

/* Rows of a table in a stable order (insertion order), excluding deleted. */
size_t db_count_rows(const struct db *db, const struct table_def *table);
struct db_row *db_row_at(const struct db *db, const struct table_def *table, size_t i);
#define DB_FOR_EACH_ROW(ROW, DB, TABLE, IDX) \
    for (size_t IDX = 0; ((ROW) = db_row_at((DB), (TABLE), IDX)) != NULL; IDX++)

/* A row by uuid, or (tables with a name column) by name.  The Open_vSwitch
 * table's single row is also found as ".".  NULL if none. */
struct db_row *db_find_row(const struct db *db, const struct table_def *table,
                           const char *name_or_uuid);
struct db_row *db_find_row_by_uuid(const struct db *db, const char *uuid);
/* A row by its name column only (tables with one), or NULL. */
struct db_row *db_find_row_named(const struct db *db, const struct table_def *table,
                                 const char *name);
/* A row of table `from` that refers to `row`, or NULL (the parent of a row,
 * found without walking every row of `from` from the top). */
struct db_row *db_find_referrer(const struct db *db, const struct db_row *row,
                                const struct table_def *from);
/* The single Open_vSwitch row. */
struct db_row *db_root_row(const struct db *db);

/* Inserts a row with every column at its default value and a fresh uuid. */
struct db_row *db_insert_row(struct db *db, const struct table_def *table);
/* A new random (version 4) uuid. */
void db_random_uuid(char out[37]);
/* The same with a uuid chosen by the caller (a valid one, no row's yet). */
struct db_row *db_insert_row_uuid(struct db *db, const struct table_def *table,
                                  const char *uuid);
void db_delete_row(struct db *db, struct db_row *row);

/* Column access by name (must exist in the schema; asserts otherwise). */
const struct datum *db_row_get(const struct db_row *row, const char *column);
/* Replaces a column's value; takes ownership of *value (leaves it empty). */
void db_row_set(struct db_row *row, const char *column, struct datum *value);
void db_row_set_by_def(struct db_row *row, const struct column_def *column,
                       struct datum *value);

/* Convenience readers for the daemon and CLI. */
const char *db_row_get_string(const struct db_row *row, const char *column);  /* "" if empty */
int64_t db_row_get_integer(const struct db_row *row, const char *column, int64_t dflt);
/* Map column with string keys: value text for key, or NULL. */
const char *db_row_get_map_string(const struct db_row *row, const char *column,
                                  const char *key);
void db_row_set_string(struct db_row *row, const char *column, const char *value);
/* For uuid-set columns (Bridge.ports, Port.interfaces, Open_vSwitch.bridges). */
void db_row_add_ref(struct db_row *row, const char *column, const char *uuid);
void db_row_remove_ref(struct db_row *row, const char *column, const char *uuid);

/* Writes one ephemeral column of one row right away, outside any transaction
 * of the caller's (the daemon reports ofport, error, link_state this way). */
int db_write_ephemeral(struct db *db, const char *table, const char *uuid,
                       const char *column, const struct datum *value, char **error);
/* The daemon's reports: writes `value` (taken, left empty) to an ephemeral
 * cell of `row` when it differs from what is stored; a failure is logged. */
void db_report_ephemeral(struct db *db, const struct db_row *row, const struct column_def *col,
                         struct datum *value);
/* The same for `column` of n rows, in one transaction (waiting up to
 * timeout_ms for another writer), without reloading anything else. */
int db_write_ephemeral_rows(struct db *db, const char *table, const char *column, size_t n,
                            const char *const *uuids, const struct datum *values,
                            int timeout_ms, char **error);
/* The same for n cells: columns[i] of row uuids[i] gets values[i]. */
int db_write_ephemeral_cells(struct db *db, const char *table, size_t n,
                             const char *const *uuids, const char *const *columns,
                             const struct datum *values, int timeout_ms, char **error);

#endif
