/* An OVSDB "transact" (RFC 7047 section 5): its operations run in order on
 * the configuration, and either all their changes commit — through the same
 * db_begin/db_commit as the CLI's, so with the same constraint, reference,
 * index and garbage-collection checks — or none do.  Pure: the database in,
 * the results out. */
#ifndef PONTOON_DB_OVSDB_TXN_H
#define PONTOON_DB_OVSDB_TXN_H

#include <jansson.h>
#include <stdbool.h>

struct db;

/* The result array for params [db-name, operation...] (a new reference);
 * *committed tells whether it changed the database.  NULL with *rpc_error
 * when the database is unknown. */
json_t *ovsdb_txn_run(struct db *db, const json_t *params, bool *committed,
                      json_t **rpc_error);

#endif
