/* An OVSDB monitor (RFC 7047 section 4.1.5): a client's standing request
 * for the contents of some tables' columns, then for every change to them,
 * whoever made it — a client, `pontoon` writing the file, the daemon's own
 * write-backs.  Pure: the caller says when the database may have changed.
 *
 * It keeps what it last reported of each monitored row and compares with
 * the database at each change: simple and exact; the cost is a walk over
 * the monitored tables per change. */
#ifndef PONTOON_DB_OVSDB_MONITOR_H
#define PONTOON_DB_OVSDB_MONITOR_H

#include <jansson.h>

struct db;
struct ovsdb_monitor;

/* From a "monitor" request's params [db-name, monitor-id, requests]: the
 * monitor, and *initial the table-updates of its initial contents; or NULL
 * and *error (an OVSDB error object).  *initial and *error are new
 * references. */
struct ovsdb_monitor *ovsdb_monitor_create(struct db *db, const json_t *params,
                                           json_t **initial, json_t **error);
void ovsdb_monitor_destroy(struct ovsdb_monitor *m);
/* The client's id for it. */
const json_t *ovsdb_monitor_id(const struct ovsdb_monitor *m);
/* The table-updates since the last report (a new reference), or NULL when
 * nothing it watches changed. */
json_t *ovsdb_monitor_changes(struct ovsdb_monitor *m, struct db *db);

#endif
