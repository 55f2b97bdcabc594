/* OVSDB monitors: a client's standing request for the contents of some
 * tables' columns, then for every change to them, whoever made it — a
 * client, `pontoon` writing the file, the daemon's own write-backs.
 * Three flavours share the code: "monitor" (RFC 7047 4.1.5, table-updates
 * with old and new rows), "monitor_cond" (ovsdb-server(7) 4.1.12: rows
 * matching conditions, table-updates2 with initial/insert/delete/modify,
 * modify carrying only the difference) and "monitor_cond_since" (4.1.15:
 * the same, resumable from a transaction id).  Pure: the caller says when
 * the database may have changed.
 *
 * It keeps what it last reported of each monitored row and compares with
 * the database at each change: simple and exact; the cost is a walk over
 * the monitored tables per change, the JSON of the cells and the
 * comparisons being shared by all monitors (ovsdb_json_cache.h). */
#ifndef PONTOON_DB_OVSDB_MONITOR_H
#define PONTOON_DB_OVSDB_MONITOR_H

#include <jansson.h>
#include <stdbool.h>

struct db;
struct ovsdb_json_cache;
struct ovsdb_monitor;

enum ovsdb_monitor_version {
    OVSDB_MONITOR_V1,             /* monitor: "update" */
    OVSDB_MONITOR_V2,             /* monitor_cond: "update2" */
    OVSDB_MONITOR_V3,             /* monitor_cond_since: "update3" */
};

/* From a request's params [db-name, monitor-id, requests, ...]: the
 * monitor, and *initial the table-updates of its initial contents (an
 * empty object when `send_initial` is false: the client has them); or
 * NULL and *error (an OVSDB error object).  New references.  `cache` is
 * what all monitors share (ovsdb_json_cache.h): its owner keeps it for the
 * monitor's life and clears it whenever the database changed. */
struct ovsdb_monitor *ovsdb_monitor_create(struct db *db, const json_t *params,
                                           enum ovsdb_monitor_version version,
                                           bool send_initial, struct ovsdb_json_cache *cache,
                                           json_t **initial, json_t **error);
void ovsdb_monitor_destroy(struct ovsdb_monitor *m);
/* The client's id for it, and its flavour. */
const json_t *ovsdb_monitor_id(const struct ovsdb_monitor *m);
enum ovsdb_monitor_version ovsdb_monitor_version(const struct ovsdb_monitor *m);
/* The table-updates since the last report (a new reference), or NULL when
 * nothing it watches changed. */
json_t *ovsdb_monitor_changes(struct ovsdb_monitor *m, struct db *db);
/* monitor_cond_change: new conditions for the tables named in `requests`
 * ({table: [{"where": [...]}]}) and the id `new_id`; the rows that enter
 * or leave the selection come with the next ovsdb_monitor_changes().  NULL,
 * or an OVSDB error object (nothing changed then). */
json_t *ovsdb_monitor_cond_change(struct ovsdb_monitor *m, const json_t *new_id,
                                  const json_t *requests);

#endif
