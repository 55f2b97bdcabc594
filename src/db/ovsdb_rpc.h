/* The OVSDB management protocol's methods (RFC 7047 section 4.1, with Open
 * vSwitch's extensions) over the configuration database: a JSON-RPC request
 * in, its response out.  Pure: no sockets here (ovsdb_server.c has them).
 *
 * Served now: echo, list_dbs, get_schema, set_db_change_aware, monitor and
 * monitor_cancel, and transact (ovsdb_txn.c), on the databases
 * "Open_vSwitch" (the configuration) and "_Server" (its Database table, the
 * first thing OVS's IDL reads).  Other methods and operations answer OVS's
 * errors. */
#ifndef PONTOON_DB_OVSDB_RPC_H
#define PONTOON_DB_OVSDB_RPC_H

#include <jansson.h>
#include <stdbool.h>

struct db;

/* One client connection's state: its monitors. */
struct ovsdb_session;

struct ovsdb_session *ovsdb_session_new(void);
void ovsdb_session_free(struct ovsdb_session *session);

/* The response to `msg` (a new reference), or NULL when none is due: a
 * notification, or a response from the client. */
json_t *ovsdb_rpc_handle(struct ovsdb_session *session, struct db *db, const json_t *msg);

/* Whether a transaction of the session changed the database since the
 * last call (the daemon then applies it). */
bool ovsdb_session_take_committed(struct ovsdb_session *session);

/* The "update" notifications of the session's monitors for what changed
 * since they last reported, appended to the array `out`. */
void ovsdb_session_updates(struct ovsdb_session *session, struct db *db, json_t *out);

#endif
