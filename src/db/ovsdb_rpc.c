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
#include "db/schema_json.h"
#include "util/strbuf.h"


/* ---- transact ---- */

/* An operation's failure, as ovsdb-server words it. */
static json_t *op_error(const char *error, const json_t *syntax, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *op_error(const char *error, const json_t *syntax, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *details = NULL;
    if (vasprintf(&details, fmt, args) < 0)
        details = NULL;
    va_end(args);
    json_t *e = json_pack("{s:s, s:s}", "error", error, "details", details ? details : "");
    free(details);
    char *text = syntax ? json_dumps(syntax, JSON_COMPACT) : NULL;
    if (text)
        json_object_set_new(e, "syntax", json_string(text));
    free(text);
    return e;
}

enum condition_function { EQ, NE, LT, LE, GT, GE, INCLUDES, EXCLUDES };

struct condition {
    const struct column_def *col;
    enum condition_function function;
    struct datum value;
};

static const char *const function_names[] = {
    [EQ] = "==", [NE] = "!=", [LT] = "<", [LE] = "<=", [GT] = ">", [GE] = ">=",
    [INCLUDES] = "includes", [EXCLUDES] = "excludes",
};

/* Parses `where` into conditions; NULL with *error (an op error) if bad. */
static struct condition *parse_where(const struct table_def *table, const json_t *where,
                                     size_t *n, json_t **error)
{
    *n = json_is_array(where) ? json_array_size(where) : 0;
    if (where && !json_is_array(where)) {
        *error = op_error("syntax error", where, "where must be an array of conditions");
        return NULL;
    }
    struct condition *conds = calloc(*n ? *n : 1, sizeof *conds);
    for (size_t i = 0; i < *n; i++) {
        const json_t *c = json_array_get(where, i);
        const char *column = json_string_value(json_array_get(c, 0));
        const char *function = json_string_value(json_array_get(c, 1));
        if (!json_is_array(c) || json_array_size(c) != 3 || !column || !function) {
            *error = op_error("syntax error", c, "Parse error in condition.");
            goto fail;
        }
        conds[i].col = ovsdb_find_column(table, column);
        if (!conds[i].col) {
            *error = op_error("unknown column", c, "No column %s in table %s.", column,
                              table->name);
            goto fail;
        }
        size_t f = 0;
        while (f < sizeof function_names / sizeof *function_names
               && strcmp(function_names[f], function))
            f++;
        if (f == sizeof function_names / sizeof *function_names) {
            *error = op_error("unknown operator", c, "No function named %s.", function);
            goto fail;
        }
        conds[i].function = (enum condition_function)f;
        bool ordered = f >= LT && f <= GE;
        const struct base_type *k = &conds[i].col->key;
        if (ordered && (!column_is_scalar(conds[i].col)
                        || (k->type != ATOM_INTEGER && k->type != ATOM_REAL))) {
            *error = op_error("syntax error", c, "Type mismatch: \"%s\" operator may not be "
                              "applied to column %s of type %s.", function, column,
                              column_is_scalar(conds[i].col) ? "non-numeric" : "set or map");
            goto fail;
        }
        /* includes/excludes take any number of elements; the others a value
         * of the column's own type. */
        struct column_def loose = *conds[i].col;
        if (f == INCLUDES || f == EXCLUDES)
            loose.n_min = 0, loose.n_max = UINT32_MAX;
        char *text = NULL;
        if (datum_from_json(&conds[i].value, &loose, json_array_get(c, 2), &text)) {
            *error = op_error("syntax error", c, "%s", text ? text : "bad value");
            free(text);
            goto fail;
        }
    }
    return conds;
fail:
    for (size_t i = 0; i < *n; i++)
        datum_destroy(&conds[i].value, conds[i].col ? conds[i].col : &ovsdb_uuid_column);
    free(conds);
    return NULL;
}

static void free_conditions(struct condition *conds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        datum_destroy(&conds[i].value, conds[i].col);
    free(conds);
}

/* Whether every element of `part` (keys, and values of maps) is in `whole`. */
static bool includes(const struct datum *whole, const struct datum *part,
                     const struct column_def *col)
{
    for (size_t i = 0; i < part->n; i++) {
        long at = datum_find_key(whole, &part->keys[i], col->key.type);
        if (at < 0 || (part->values && atom_compare(&whole->values[at], &part->values[i],
                                                    col->value.type)))
            return false;
    }
    return true;
}

static bool excludes(const struct datum *whole, const struct datum *part,
                     const struct column_def *col)
{
    for (size_t i = 0; i < part->n; i++) {
        long at = datum_find_key(whole, &part->keys[i], col->key.type);
        if (at >= 0 && (!part->values || !atom_compare(&whole->values[at], &part->values[i],
                                                       col->value.type)))
            return false;
    }
    return true;
}

static bool condition_holds(const struct condition *c, const struct db_row *row)
{
    struct datum scratch = DATUM_EMPTY;
    const struct datum *have = ovsdb_cell(row, c->col, &scratch);
    bool holds;
    switch (c->function) {
    case EQ: holds = datum_equals(have, &c->value, c->col); break;
    case NE: holds = !datum_equals(have, &c->value, c->col); break;
    case INCLUDES: holds = includes(have, &c->value, c->col); break;
    case EXCLUDES: holds = excludes(have, &c->value, c->col); break;
    default: {
        int cmp = atom_compare(&have->keys[0], &c->value.keys[0], c->col->key.type);
        holds = c->function == LT ? cmp < 0 : c->function == LE ? cmp <= 0
                : c->function == GT ? cmp > 0 : cmp >= 0;
    }
    }
    datum_destroy(&scratch, &ovsdb_uuid_column);
    return holds;
}

/* {"op": "select", "table", "where", "columns"?} over `rows`. */
static json_t *op_select(const struct table_def *table, struct db_row *const *rows, size_t n,
                         const json_t *op)
{
    size_t n_conds;
    json_t *error = NULL;
    struct condition *conds = parse_where(table, json_object_get(op, "where"), &n_conds,
                                          &error);
    if (!conds)
        return error;
    const json_t *columns = json_object_get(op, "columns");
    size_t n_cols = columns ? json_array_size(columns) : table->n_columns + 2;
    const struct column_def **cols = calloc(n_cols ? n_cols : 1, sizeof *cols);
    for (size_t i = 0; i < n_cols && !error; i++) {
        if (!columns) {
            cols[i] = i < table->n_columns ? &table->columns[i]
                      : i == table->n_columns ? &ovsdb_uuid_column : &ovsdb_version_column;
            continue;
        }
        const char *name = json_string_value(json_array_get(columns, i));
        cols[i] = name ? ovsdb_find_column(table, name) : NULL;
        if (!cols[i])
            error = op_error("syntax error", json_array_get(columns, i),
                             "%s is not a valid column name", name ? name : "(not a string)");
    }
    json_t *result = error;
    if (!error) {
        json_t *out = json_array();
        for (size_t r = 0; r < n; r++) {
            bool match = true;
            for (size_t c = 0; c < n_conds && match; c++)
                match = condition_holds(&conds[c], rows[r]);
            if (match)
                json_array_append_new(out, ovsdb_row_json(rows[r], cols, n_cols));
        }
        result = json_pack("{s:o}", "rows", out);
    }
    free(cols);
    free_conditions(conds, n_conds);
    return result;
}

static json_t *execute(struct db *db, bool server, const json_t *op)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    if (!json_is_object(op) || !name)
        return op_error("syntax error", op, "Parse error in operation.");
    if (!strcmp(name, "comment"))
        return json_object();
    if (!strcmp(name, "abort"))
        return op_error("aborted", NULL, "aborted by request");
    if (strcmp(name, "select"))
        return op_error("not supported", op, "Pontoon's OVSDB server does not run \"%s\" "
                        "operations yet; pontoon (or ovs-vsctl through it) makes changes",
                        name);
    const char *table_name = json_string_value(json_object_get(op, "table"));
    const struct table_def *table = ovsdb_find_table(server, table_name);
    if (!table)
        return op_error("syntax error", op, "Parsing ovsdb operation failed: No table named "
                        "%s.", table_name ? table_name : "(none)");
    size_t n;
    bool made;
    struct db_row **rows = ovsdb_table_rows(db, server, table, &n, &made);
    json_t *result = op_select(table, rows, n, op);
    ovsdb_free_rows(rows, n, made);
    return result;
}

static json_t *transact(struct db *db, const json_t *params, json_t **rpc_error)
{
    const char *name = json_string_value(json_array_get(params, 0));
    bool server = name && !strcmp(name, OVSDB_SERVER_DB);
    if (!name || (!server && strcmp(name, OVS_SCHEMA_NAME))) {
        char *syntax = json_dumps(params, JSON_COMPACT);
        *rpc_error = json_pack("{s:s, s:s+, s:s}", "error", "unknown database", "details",
                               "transact request specifies unknown database ",
                               name ? name : "(none)", "syntax", syntax ? syntax : "");
        free(syntax);
        return NULL;
    }
    json_t *results = json_array();
    size_t n = json_array_size(params);
    bool failed = false;
    for (size_t i = 1; i < n; i++) {
        if (failed) {
            json_array_append_new(results, json_null());
            continue;
        }
        json_t *r = execute(db, server, json_array_get(params, i));
        failed = json_object_get(r, "error") != NULL;
        json_array_append_new(results, r);
    }
    return results;
}

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
};

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
        json_t *results = transact(db, params, &error);
        return response(id, results, error);
    }
    return response(id, NULL, json_string("unknown method"));
}
