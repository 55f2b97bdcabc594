/* OVSDB methods: see ovsdb_rpc.h. */
#include "db/ovsdb_rpc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/ovsdb_json_cache.h"
#include "db/ovsdb_locks.h"
#include "db/ovsdb_monitor.h"
#include "db/ovsdb_rows.h"
#include "db/ovsdb_txn.h"
#include "db/schema_json.h"

#define ZERO_UUID "00000000-0000-0000-0000-000000000000"

/* ---- what the sessions share ---- */

struct ovsdb_hub {
    struct ovsdb_locks *locks;
    char server_id[37];
    /* Both as of the database's `revision`: */
    uint64_t revision;
    char txn_id[37];              /* the latest transaction's id */
    struct ovsdb_json_cache *cache;   /* what the monitors share */
};

static void lock_notify(void *owner, const char *method, const char *name);

struct ovsdb_hub *ovsdb_hub_new(void)
{
    struct ovsdb_hub *hub = calloc(1, sizeof *hub);
    if (!hub)
        return NULL;
    hub->locks = ovsdb_locks_new(lock_notify);
    hub->cache = ovsdb_json_cache_new();
    if (!hub->locks || !hub->cache) {
        ovsdb_hub_free(hub);
        return NULL;
    }
    db_random_uuid(hub->server_id);
    return hub;
}

void ovsdb_hub_free(struct ovsdb_hub *hub)
{
    if (!hub)
        return;
    ovsdb_locks_free(hub->locks);
    ovsdb_json_cache_free(hub->cache);
    free(hub);
}

/* Whenever the database changed since the hub last looked (whoever
 * changed it): a new transaction id, and the monitors' cache emptied. */
static void hub_sync(struct ovsdb_hub *hub, struct db *db)
{
    uint64_t revision = db_revision(db);
    if (!hub->txn_id[0] || revision != hub->revision) {
        db_random_uuid(hub->txn_id);
        ovsdb_json_cache_clear(hub->cache);
        hub->revision = revision;
    }
}

static const char *txn_id(struct ovsdb_hub *hub, struct db *db)
{
    hub_sync(hub, db);
    return hub->txn_id;
}

static struct ovsdb_json_cache *monitor_cache(struct ovsdb_hub *hub, struct db *db)
{
    hub_sync(hub, db);
    return hub->cache;
}

/* ---- sessions ---- */

/* A transaction blocked in a "wait" with time left. */
struct waiting_txn {
    json_t *id, *params;
    uint64_t since_ms;
    uint64_t deadline_ms;         /* UINT64_MAX: waits until the database changes */
};

struct ovsdb_session {
    struct ovsdb_hub *hub;
    struct ovsdb_monitor **monitors;
    size_t n_monitors;
    struct waiting_txn *waiting;
    size_t n_waiting;
    json_t *messages;             /* due to the client besides replies */
    bool committed;               /* a transaction changed the database */
};

static void queue(struct ovsdb_session *session, json_t *message)
{
    if (!session->messages)
        session->messages = json_array();
    json_array_append_new(session->messages, message);
}

static json_t *notification(const char *method, json_t *params)
{
    return json_pack("{s:s, s:o, s:n}", "method", method, "params", params, "id");
}

static json_t *response(const json_t *id, json_t *result, json_t *error)
{
    return json_pack("{s:O, s:o, s:o}", "id", id, "result", result ? result : json_null(),
                     "error", error ? error : json_null());
}

static void lock_notify(void *owner, const char *method, const char *name)
{
    queue(owner, notification(method, json_pack("[s]", name)));
}

struct ovsdb_session *ovsdb_session_new(struct ovsdb_hub *hub)
{
    struct ovsdb_session *session = calloc(1, sizeof *session);
    if (session)
        session->hub = hub;
    return session;
}

void ovsdb_session_free(struct ovsdb_session *session)
{
    if (!session)
        return;
    ovsdb_unlock_all(session->hub->locks, session);
    for (size_t i = 0; i < session->n_monitors; i++)
        ovsdb_monitor_destroy(session->monitors[i]);
    free(session->monitors);
    for (size_t i = 0; i < session->n_waiting; i++) {
        json_decref(session->waiting[i].id);
        json_decref(session->waiting[i].params);
    }
    free(session->waiting);
    json_decref(session->messages);
    free(session);
}

json_t *ovsdb_session_take_messages(struct ovsdb_session *session)
{
    json_t *messages = session->messages;
    session->messages = NULL;
    return messages;
}

bool ovsdb_session_take_committed(struct ovsdb_session *session)
{
    bool committed = session->committed;
    session->committed = false;
    return committed;
}

/* ---- monitors ---- */

static long find_monitor(const struct ovsdb_session *session, const json_t *id)
{
    for (size_t i = 0; i < session->n_monitors; i++)
        if (json_equal(ovsdb_monitor_id(session->monitors[i]), id))
            return (long)i;
    return -1;
}

static json_t *monitor(struct ovsdb_session *session, struct db *db, const json_t *params,
                       enum ovsdb_monitor_version version, json_t **error)
{
    if (find_monitor(session, json_array_get(params, 1)) >= 0) {
        *error = json_string("duplicate monitor ID");
        return NULL;
    }
    const char *current = txn_id(session->hub, db);
    const char *last = json_string_value(json_array_get(params, 3));
    bool found = version == OVSDB_MONITOR_V3 && last && !strcmp(last, current);
    json_t *updates;
    struct ovsdb_monitor *m = ovsdb_monitor_create(db, params, version, !found,
                                                   monitor_cache(session->hub, db), &updates,
                                                   error);
    if (!m)
        return NULL;
    session->monitors = realloc(session->monitors,
                                (session->n_monitors + 1) * sizeof *session->monitors);
    session->monitors[session->n_monitors++] = m;
    if (version != OVSDB_MONITOR_V3)
        return updates;
    return json_pack("[b, s, o]", found, current, updates);
}

/* The notification of a monitor's changes, NULL if none. */
static json_t *monitor_update(struct ovsdb_session *session, struct ovsdb_monitor *m,
                              struct db *db)
{
    hub_sync(session->hub, db);
    json_t *updates = ovsdb_monitor_changes(m, db);
    if (!updates)
        return NULL;
    const json_t *id = ovsdb_monitor_id(m);
    switch (ovsdb_monitor_version(m)) {
    case OVSDB_MONITOR_V1:
        return notification("update", json_pack("[O, o]", id, updates));
    case OVSDB_MONITOR_V2:
        return notification("update2", json_pack("[O, o]", id, updates));
    default:
        return notification("update3", json_pack("[O, s, o]", id, txn_id(session->hub, db),
                                                 updates));
    }
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

/* The update a new condition causes goes out before the reply. */
static json_t *monitor_cond_change(struct ovsdb_session *session, struct db *db,
                                   const json_t *params, json_t **error)
{
    long i = find_monitor(session, json_array_get(params, 0));
    if (i < 0 || json_array_size(params) != 3) {
        *error = json_string(i < 0 ? "unknown monitor" : "syntax error");
        return NULL;
    }
    const json_t *new_id = json_array_get(params, 1);
    if (!json_equal(new_id, json_array_get(params, 0)) && find_monitor(session, new_id) >= 0) {
        *error = json_string("duplicate monitor ID");
        return NULL;
    }
    struct ovsdb_monitor *m = session->monitors[i];
    if ((*error = ovsdb_monitor_cond_change(m, new_id, json_array_get(params, 2))))
        return NULL;
    json_t *update = monitor_update(session, m, db);
    if (update)
        queue(session, update);
    return json_object();
}

/* ---- locks ---- */

static json_t *lock_method(struct ovsdb_session *session, const char *method,
                           const json_t *params, json_t **error)
{
    const char *name = json_string_value(json_array_get(params, 0));
    if (!name || json_array_size(params) != 1) {
        *error = json_pack("{s:s, s:s}", "error", "syntax error",
                           "details", "lock methods take [lock-name]");
        return NULL;
    }
    struct ovsdb_locks *locks = session->hub->locks;
    if (!strcmp(method, "unlock")) {
        if (ovsdb_unlock(locks, session, name) < 0) {
            *error = json_pack("{s:s, s:s+}", "error", "not owner", "details",
                               "Attempt to unlock lock not held: ", name);
            return NULL;
        }
        return json_object();
    }
    int got = !strcmp(method, "steal") ? ovsdb_lock_steal(locks, session, name)
                                       : ovsdb_lock(locks, session, name);
    if (got < 0) {
        *error = json_pack("{s:s, s:s+}", "error", "duplicate lock", "details",
                           "lock or steal of lock already held or requested: ", name);
        return NULL;
    }
    return json_pack("{s:b}", "locked", got);
}

static bool holds_lock(void *session, const char *name)
{
    struct ovsdb_session *s = session;
    return ovsdb_lock_held(s->hub->locks, s, name);
}

/* ---- transactions ---- */

/* Runs a transaction that came at `since_ms`: its response, or NULL when it
 * blocks (with *wake_ms, the time it may still wait). */
static json_t *transact(struct ovsdb_session *session, struct db *db, const json_t *id,
                        const json_t *params, uint64_t since_ms, uint64_t now_ms,
                        uint64_t *wake_ms)
{
    struct ovsdb_txn_context ctx = { .waited_ms = now_ms - since_ms, .holds_lock = holds_lock,
                                     .aux = session };
    json_t *error = NULL;
    json_t *results = ovsdb_txn_run(db, params, &ctx, &error);
    session->committed |= ctx.committed;
    *wake_ms = ctx.wake_ms;
    if (ctx.blocked)
        return NULL;
    return response(id, results, error);
}

static void wait_for(struct ovsdb_session *session, const json_t *id, const json_t *params,
                     uint64_t since_ms, uint64_t deadline_ms)
{
    session->waiting = realloc(session->waiting,
                               (session->n_waiting + 1) * sizeof *session->waiting);
    session->waiting[session->n_waiting++] = (struct waiting_txn){
        json_deep_copy(id), json_deep_copy(params), since_ms, deadline_ms };
}

static void drop_waiting(struct ovsdb_session *session, size_t i)
{
    json_decref(session->waiting[i].id);
    json_decref(session->waiting[i].params);
    memmove(&session->waiting[i], &session->waiting[i + 1],
            (session->n_waiting - i - 1) * sizeof *session->waiting);
    session->n_waiting--;
}

/* "cancel" (a notification): the waiting transaction answers "canceled". */
static void cancel(struct ovsdb_session *session, const json_t *params)
{
    for (size_t i = 0; i < session->n_waiting; i++)
        if (json_equal(session->waiting[i].id, json_array_get(params, 0))) {
            queue(session, response(session->waiting[i].id, NULL, json_string("canceled")));
            drop_waiting(session, i);
            return;
        }
}

static uint64_t deadline(uint64_t now_ms, uint64_t wake_ms)
{
    return wake_ms == UINT64_MAX || now_ms + wake_ms < now_ms ? UINT64_MAX : now_ms + wake_ms;
}

void ovsdb_session_run(struct ovsdb_session *session, struct db *db, uint64_t now_ms,
                       bool changed)
{
    if (changed)
        for (size_t i = 0; i < session->n_monitors; i++) {
            json_t *update = monitor_update(session, session->monitors[i], db);
            if (update)
                queue(session, update);
        }
    for (size_t i = 0; i < session->n_waiting;) {
        struct waiting_txn *w = &session->waiting[i];
        if (!changed && now_ms < w->deadline_ms) {
            i++;
            continue;
        }
        uint64_t wake_ms;
        json_t *reply = transact(session, db, w->id, w->params, w->since_ms, now_ms, &wake_ms);
        if (!reply) {
            w->deadline_ms = deadline(now_ms, wake_ms);
            i++;
            continue;
        }
        queue(session, reply);
        drop_waiting(session, i);
    }
}

uint64_t ovsdb_session_deadline(const struct ovsdb_session *session)
{
    uint64_t earliest = UINT64_MAX;
    for (size_t i = 0; i < session->n_waiting; i++)
        if (session->waiting[i].deadline_ms < earliest)
            earliest = session->waiting[i].deadline_ms;
    return earliest;
}

/* ---- the dispatch ---- */

static json_t *get_schema(const json_t *id, const json_t *params)
{
    const char *name = json_string_value(json_array_get(params, 0));
    if (name && !strcmp(name, OVS_SCHEMA_NAME))
        return response(id, schema_to_json(), NULL);
    if (name && !strcmp(name, OVSDB_SERVER_DB))
        return response(id, ovsdb_server_schema_json(), NULL);
    return response(id, NULL, json_pack("{s:s, s:s+}", "error", "unknown database",
                                         "details", "get_schema request specifies "
                                         "unknown database ", name ? name : "(none)"));
}

json_t *ovsdb_rpc_handle(struct ovsdb_session *session, struct db *db, const json_t *msg,
                         uint64_t now_ms)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    const json_t *id = json_object_get(msg, "id");
    const json_t *params = json_object_get(msg, "params");
    if (method && !strcmp(method, "cancel") && json_is_array(params))
        cancel(session, params);
    if (!method || !id || json_is_null(id))
        return NULL;                  /* a notification, or a response to us */
    if (!strcmp(method, "get_server_id"))
        return response(id, json_string(session->hub->server_id), NULL);
    if (!json_is_array(params))
        return response(id, NULL, json_string("params must be an array"));
    if (!strcmp(method, "echo"))
        return response(id, json_deep_copy(params), NULL);
    if (!strcmp(method, "list_dbs"))
        return response(id, json_pack("[s, s]", OVS_SCHEMA_NAME, OVSDB_SERVER_DB), NULL);
    if (!strcmp(method, "set_db_change_aware"))
        return response(id, json_object(), NULL);
    if (!strcmp(method, "get_schema"))
        return get_schema(id, params);
    json_t *error = NULL, *result;
    if (!strcmp(method, "monitor"))
        result = monitor(session, db, params, OVSDB_MONITOR_V1, &error);
    else if (!strcmp(method, "monitor_cond"))
        result = monitor(session, db, params, OVSDB_MONITOR_V2, &error);
    else if (!strcmp(method, "monitor_cond_since"))
        result = monitor(session, db, params, OVSDB_MONITOR_V3, &error);
    else if (!strcmp(method, "monitor_cond_change"))
        result = monitor_cond_change(session, db, params, &error);
    else if (!strcmp(method, "monitor_cancel"))
        result = monitor_cancel(session, params, &error);
    else if (!strcmp(method, "lock") || !strcmp(method, "steal") || !strcmp(method, "unlock"))
        result = lock_method(session, method, params, &error);
    else if (!strcmp(method, "transact")) {
        uint64_t wake_ms;
        json_t *reply = transact(session, db, id, params, now_ms, now_ms, &wake_ms);
        if (!reply)
            wait_for(session, id, params, now_ms, deadline(now_ms, wake_ms));
        return reply;
    } else
        return response(id, NULL, json_string("unknown method"));
    return response(id, result, error);
}
