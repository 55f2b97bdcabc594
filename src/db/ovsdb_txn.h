/* An OVSDB "transact" (RFC 7047 section 5): its operations run in order on
 * the configuration, and either all their changes commit — through the same
 * db_begin/db_commit as the CLI's, so with the same constraint, reference,
 * index and garbage-collection checks — or none do.  Pure: the database in,
 * the results out. */
#ifndef PONTOON_DB_OVSDB_TXN_H
#define PONTOON_DB_OVSDB_TXN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* What a transaction needs from, and tells, its caller. */
struct ovsdb_txn_context {
    uint64_t waited_ms;           /* since the client sent it ("wait" timeouts) */
    /* Whether the client holds lock `name` ("assert"); NULL: no locks. */
    bool (*holds_lock)(void *aux, const char *name);
    void *aux;
    /* Set by ovsdb_txn_run(): */
    bool committed;               /* it changed the database */
    bool blocked;                 /* a "wait" is not true yet: nothing was done, run it
                                   * again when the database changes, or at the latest
                                   * after wake_ms more */
    uint64_t wake_ms;
};

/* The result array for params [db-name, operation...] (a new reference),
 * or NULL: with *rpc_error when the database is unknown, without when the
 * transaction blocks (ctx->blocked). */
json_t *ovsdb_txn_run(struct db *db, const json_t *params, struct ovsdb_txn_context *ctx,
                      json_t **rpc_error);

#endif
