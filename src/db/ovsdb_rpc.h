/* The OVSDB management protocol's methods (RFC 7047 section 4.1, with Open
 * vSwitch's extensions, ovsdb-server(7)) over the configuration database:
 * JSON-RPC requests in, responses and notifications out.  Pure: no sockets
 * and no clock here (ovsdb_server.c has them; times come in as arguments).
 *
 * Methods: echo, list_dbs, get_schema, get_server_id, set_db_change_aware,
 * transact (ovsdb_txn.c) and cancel, monitor / monitor_cond /
 * monitor_cond_since with monitor_cond_change and monitor_cancel
 * (ovsdb_monitor.c), lock / steal / unlock (ovsdb_locks.c); on the
 * databases "Open_vSwitch" (the configuration) and "_Server" (its Database
 * table, the first thing OVS's IDL reads).  Others answer OVS's errors.
 *
 * monitor_cond_since resumes (found: true) when the client's last
 * transaction id is the current one; otherwise it sends everything, as
 * ovsdb-server does for a database without transaction history. */
#ifndef PONTOON_DB_OVSDB_RPC_H
#define PONTOON_DB_OVSDB_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* What the sessions of one server share: the locks, the id of the latest
 * transaction, the server's own id. */
struct ovsdb_hub;

struct ovsdb_hub *ovsdb_hub_new(void);
void ovsdb_hub_free(struct ovsdb_hub *hub);

/* One client connection's state: its monitors, locks, waiting transactions
 * and the messages due to it besides the replies ovsdb_rpc_handle gives. */
struct ovsdb_session;

struct ovsdb_session *ovsdb_session_new(struct ovsdb_hub *hub);
/* Gives up its locks (the next in line is told). */
void ovsdb_session_free(struct ovsdb_session *session);

/* The response to `msg` (a new reference), or NULL when none is due now: a
 * notification, a response from the client, or a transaction that waits
 * (its response comes later among the session's messages).  `now_ms` is a
 * monotonic clock. */
json_t *ovsdb_rpc_handle(struct ovsdb_session *session, struct db *db, const json_t *msg,
                         uint64_t now_ms);

/* The messages due to the session other than direct replies — monitor
 * updates after a condition change, "locked" and "stolen", the late
 * responses of waiting transactions — as an array (a new reference), or
 * NULL when there are none.  They go out before the next reply. */
json_t *ovsdb_session_take_messages(struct ovsdb_session *session);

/* After the database changed (`changed`) or time passed: monitors queue
 * their updates and waiting transactions run again (or time out). */
void ovsdb_session_run(struct ovsdb_session *session, struct db *db, uint64_t now_ms,
                       bool changed);
/* When a waiting transaction times out (UINT64_MAX: none waits). */
uint64_t ovsdb_session_deadline(const struct ovsdb_session *session);

/* Whether a transaction of the session changed the database since the
 * last call (the daemon then applies it). */
bool ovsdb_session_take_committed(struct ovsdb_session *session);

#endif
