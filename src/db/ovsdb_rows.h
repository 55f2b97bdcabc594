/* The databases the OVSDB socket serves, seen as tables of rows: the
 * configuration ("Open_vSwitch") and "_Server", whose Database table (one
 * row per database, made on demand) OVS's IDL reads first.  Shared by the
 * transaction and monitor code. */
#ifndef PONTOON_DB_OVSDB_ROWS_H
#define PONTOON_DB_OVSDB_ROWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"
#include "db/schema.h"

#define OVSDB_SERVER_DB "_Server"

extern const struct table_def ovsdb_server_database_table;
/* The columns every row has besides its table's. */
extern const struct column_def ovsdb_uuid_column, ovsdb_version_column;

/* The _Server database's schema (a new reference). */
json_t *ovsdb_server_schema_json(void);

/* A table of the configuration (server false) or of _Server; NULL if none. */
const struct table_def *ovsdb_find_table(bool server, const char *name);
/* A column by name, _uuid and _version included; NULL if none. */
const struct column_def *ovsdb_find_column(const struct table_def *table, const char *name);
/* A row's cell (`scratch` holds _uuid's and _version's: destroy it). */
const struct datum *ovsdb_cell(const struct db_row *row, const struct column_def *col,
                               struct datum *scratch);
/* {column: value} for the columns given (a new reference). */
json_t *ovsdb_row_json(const struct db_row *row, const struct column_def *const *cols,
                       size_t n_cols);
/* The table's rows; *made: they were built here (_Server's) and
 * ovsdb_free_rows frees them with the array. */
struct db_row **ovsdb_table_rows(struct db *db, bool server, const struct table_def *table,
                                 size_t *n, bool *made);
void ovsdb_free_rows(struct db_row **rows, size_t n, bool made);

#endif
