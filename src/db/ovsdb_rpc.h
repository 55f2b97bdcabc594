/* The OVSDB management protocol's methods (RFC 7047 section 4.1, with Open
 * vSwitch's extensions) over the configuration database: a JSON-RPC request
 * in, its response out.  Pure: no sockets here (ovsdb_server.c has them).
 *
 * Served now: echo, list_dbs, get_schema, set_db_change_aware, and transact
 * with the select, comment and abort operations, on the databases
 * "Open_vSwitch" (the configuration) and "_Server" (its Database table, the
 * first thing OVS's IDL reads).  Other methods and operations answer OVS's
 * errors. */
#ifndef PONTOON_DB_OVSDB_RPC_H
#define PONTOON_DB_OVSDB_RPC_H

#include <jansson.h>

struct db;

/* The response to `msg` (a new reference), or NULL when none is due: a
 * notification, or a response from the client. */
json_t *ovsdb_rpc_handle(struct db *db, const json_t *msg);

/* The _Server database's schema (a new reference). */
json_t *ovsdb_server_schema_json(void);

#endif
