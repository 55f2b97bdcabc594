/* OVSDB methods: see ovsdb_rpc.h. */
#include "db/ovsdb_rpc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db.h"
#include "db/db_private.h"
#include "db/ovsdb_monitor.h"
#include "db/ovsdb_rows.h"
#include "db/ovsdb_txn.h"
#include "db/schema_json.h"
#include "util/strbuf.h"


/* ---- the JSON-RPC envelope ---- */

static json_t *response(const json_t *id, json_t *result, json_t *error)
{
    return json_pack("{s:O, s:o, s:o}", "id", id, "result", result ? result : json_null(),
                     "error", error ? error : json_null());
}

/* ---- sessions and their monitors ---- */

struct ovsdb_session {
    struct ovsdb_monitor **monitors;
    size_t n_monitors;
    bool committed;               /* a transaction changed the database */
};

bool ovsdb_session_take_committed(struct ovsdb_session *session)
{
    bool committed = session->committed;
    session->committed = false;
    return committed;
}

struct ovsdb_session *ovsdb_session_new(void)
{
    return calloc(1, sizeof(struct ovsdb_session));
}

void ovsdb_session_free(struct ovsdb_session *session)
{
    if (!session)
        return;
    for (size_t i = 0; i < session->n_monitors; i++)
        ovsdb_monitor_destroy(session->monitors[i]);
    free(session->monitors);
    free(session);
}

static long find_monitor(const struct ovsdb_session *session, const json_t *id)
{
    for (size_t i = 0; i < session->n_monitors; i++)
        if (json_equal(ovsdb_monitor_id(session->monitors[i]), id))
            return (long)i;
    return -1;
}

static json_t *monitor(struct ovsdb_session *session, struct db *db, const json_t *params,
                       json_t **error)
{
    if (find_monitor(session, json_array_get(params, 1)) >= 0) {
        *error = json_string("duplicate monitor ID");
        return NULL;
    }
    json_t *initial;
    struct ovsdb_monitor *m = ovsdb_monitor_create(db, params, &initial, error);
    if (!m)
        return NULL;
    session->monitors = realloc(session->monitors,
                                (session->n_monitors + 1) * sizeof *session->monitors);
    session->monitors[session->n_monitors++] = m;
    return initial;
}

static json_t *monitor_cancel(struct ovsdb_session *session, const json_t *params,
                              json_t **error)
{
    long i = find_monitor(session, json_array_get(params, 0));
    if (i < 0) {
        *error = json_string("unknown monitor");
        return NULL;
    }
    ovsdb_monitor_destroy(session->monitors[i]);
    session->monitors[i] = session->monitors[--session->n_monitors];
    return json_object();
}

void ovsdb_session_updates(struct ovsdb_session *session, struct db *db, json_t *out)
{
    for (size_t i = 0; i < session->n_monitors; i++) {
        json_t *updates = ovsdb_monitor_changes(session->monitors[i], db);
        if (updates)
            json_array_append_new(out, json_pack("{s:s, s:[O, o], s:n}", "method", "update",
                                                 "params",
                                                 ovsdb_monitor_id(session->monitors[i]),
                                                 updates, "id"));
    }
}

json_t *ovsdb_rpc_handle(struct ovsdb_session *session, struct db *db, const json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    const json_t *id = json_object_get(msg, "id");
    const json_t *params = json_object_get(msg, "params");
    if (!method || !id || json_is_null(id))
        return NULL;                  /* a notification, or a response to us */
    if (!json_is_array(params))
        return response(id, NULL, json_string("params must be an array"));
    if (!strcmp(method, "echo"))
        return response(id, json_deep_copy(params), NULL);
    if (!strcmp(method, "list_dbs"))
        return response(id, json_pack("[s, s]", OVS_SCHEMA_NAME, OVSDB_SERVER_DB), NULL);
    if (!strcmp(method, "set_db_change_aware"))
        return response(id, json_object(), NULL);
    if (!strcmp(method, "get_schema")) {
        const char *name = json_string_value(json_array_get(params, 0));
        if (name && !strcmp(name, OVS_SCHEMA_NAME))
            return response(id, schema_to_json(), NULL);
        if (name && !strcmp(name, OVSDB_SERVER_DB))
            return response(id, ovsdb_server_schema_json(), NULL);
        return response(id, NULL, json_pack("{s:s, s:s+}", "error", "unknown database",
                                             "details", "get_schema request specifies "
                                             "unknown database ", name ? name : "(none)"));
    }
    if (!strcmp(method, "monitor") || !strcmp(method, "monitor_cancel")) {
        json_t *error = NULL;
        json_t *result = !strcmp(method, "monitor_cancel")
                         ? monitor_cancel(session, params, &error)
                         : monitor(session, db, params, &error);
        return response(id, result, error);
    }
    if (!strcmp(method, "transact")) {
        json_t *error = NULL;
        bool committed = false;
        json_t *results = ovsdb_txn_run(db, params, &committed, &error);
        session->committed |= committed;
        return response(id, results, error);
    }
    return response(id, NULL, json_string("unknown method"));
}
