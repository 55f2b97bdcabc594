/* OVSDB transactions: see ovsdb_txn.h. */
#include "db/ovsdb_txn.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db.h"
#include "db/db_private.h"
#include "db/ovsdb_rows.h"
#include "db/ovsdb_where.h"

/* ---- transact ---- */

/* The rows (of `rows`) that the operation's "where" selects, in *out (free
 * it); NULL or the operation's error. */
static json_t *filter_rows(const struct table_def *table, struct db_row *const *rows, size_t n,
                           const json_t *op, struct db_row ***out, size_t *n_out)
{
    json_t *error = NULL;
    struct ovsdb_where *where = ovsdb_where_parse(table, json_object_get(op, "where"), false,
                                                  &error);
    *out = NULL;
    *n_out = 0;
    if (!where)
        return error;
    *out = calloc(n ? n : 1, sizeof **out);
    for (size_t r = 0; r < n; r++)
        if (ovsdb_where_all(where, rows[r]))
            (*out)[(*n_out)++] = rows[r];
    ovsdb_where_free(where);
    return NULL;
}

static json_t *op_select(const struct table_def *table, struct db_row *const *rows, size_t n,
                         const json_t *op)
{
    struct db_row **selected;
    size_t n_selected;
    json_t *error = filter_rows(table, rows, n, op, &selected, &n_selected);
    if (error)
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
            error = ovsdb_op_error("syntax error", json_array_get(columns, i),
                             "%s is not a valid column name", name ? name : "(not a string)");
    }
    json_t *result = error;
    if (!error) {
        json_t *out = json_array();
        for (size_t r = 0; r < n_selected; r++)
            json_array_append_new(out, ovsdb_row_json(selected[r], cols, n_cols));
        result = json_pack("{s:o}", "rows", out);
    }
    free(cols);
    free(selected);
    return result;
}

/* ---- writing operations ---- */

/* One transaction's state: its uuid-names (name -> uuid), given out before
 * any operation runs, so that an operation may name a row inserted later. */
struct txn {
    struct db *db;
    bool server;
    json_t *names;                /* {uuid-name: uuid} */
    bool wrote;
    struct ovsdb_txn_context *ctx;
};

/* `value` with every ["named-uuid", N] turned into ["uuid", <N's uuid>] (a
 * new reference), or NULL with *unknown the name no insert gave. */
static json_t *resolve_names(const struct txn *txn, const json_t *value, const char **unknown)
{
    if (json_is_array(value) && json_array_size(value) == 2
        && json_is_string(json_array_get(value, 0))
        && !strcmp(json_string_value(json_array_get(value, 0)), "named-uuid")) {
        const char *name = json_string_value(json_array_get(value, 1));
        json_t *uuid = name ? json_object_get(txn->names, name) : NULL;
        if (!uuid) {
            *unknown = name ? name : "(not a string)";
            return NULL;
        }
        return json_pack("[s, O]", "uuid", uuid);
    }
    if (json_is_array(value)) {
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(value, i, v) {
            json_t *r = resolve_names(txn, v, unknown);
            if (!r) {
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, r);
        }
        return out;
    }
    return json_incref((json_t *)value);
}

/* A cell's value from the JSON of an operation; NULL when good, else the
 * operation's error. */
static json_t *parse_value(const struct txn *txn, const struct column_def *col,
                           const json_t *json, const json_t *syntax, struct datum *d)
{
    const char *unknown = NULL;
    json_t *resolved = resolve_names(txn, json, &unknown);
    if (!resolved)
        return ovsdb_op_error("syntax error", syntax, "named-uuid \"%s\" is not the uuid-name of "
                        "any row this transaction inserts", unknown);
    char *error = NULL;
    int r = datum_from_json(d, col, resolved, &error);
    json_decref(resolved);
    if (r) {
        json_t *e = ovsdb_op_error("syntax error", syntax, "%s", error ? error : "bad value");
        free(error);
        return e;
    }
    return NULL;
}

/* Sets the columns of "row" on `row`; NULL or the operation's error. */
static json_t *set_columns(const struct txn *txn, struct db_row *row, const json_t *values,
                           bool inserting, const json_t *op)
{
    if (values && !json_is_object(values))
        return ovsdb_op_error("syntax error", op, "\"row\" must be an object");
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)values, name, value) {
        const struct column_def *col = ovsdb_find_column(row->table, name);
        if (!col || col == &ovsdb_uuid_column || col == &ovsdb_version_column)
            return ovsdb_op_error(col ? "constraint violation" : "unknown column", op,
                            col ? "Cannot update read-only column %s." : "No column %s in "
                            "table %s.", name, row->table->name);
        if (!inserting && col->immutable)
            return ovsdb_op_error("constraint violation", op, "Cannot update immutable column %s "
                            "in table %s.", name, row->table->name);
        struct datum d;
        json_t *error = parse_value(txn, col, value, op, &d);
        if (error)
            return error;
        db_row_set_by_def(row, col, &d);
    }
    return NULL;
}

static json_t *op_insert(struct txn *txn, const struct table_def *table, const json_t *op)
{
    const char *uuid_name = json_string_value(json_object_get(op, "uuid-name"));
    const char *uuid = uuid_name ? json_string_value(json_object_get(txn->names, uuid_name))
                                 : NULL;
    struct db_row *row = db_insert_row_uuid(txn->db, table, uuid);
    txn->wrote = true;
    json_t *error = set_columns(txn, row, json_object_get(op, "row"), true, op);
    return error ? error : json_pack("{s:[s,s]}", "uuid", "uuid", row->uuid);
}

/* The rows of the configuration's `table` that the operation selects, in
 * *rows (free it); NULL or the operation's error. */
static json_t *matching_rows(struct txn *txn, const struct table_def *table, const json_t *op,
                             struct db_row ***rows, size_t *n_rows)
{
    size_t n;
    bool made;
    struct db_row **all = ovsdb_table_rows(txn->db, false, table, &n, &made);
    json_t *error = filter_rows(table, all, n, op, rows, n_rows);
    ovsdb_free_rows(all, n, made);
    return error;
}

static json_t *op_update_or_delete(struct txn *txn, const struct table_def *table,
                                   const json_t *op, bool delete)
{
    struct db_row **rows = NULL;
    size_t n = 0;
    json_t *error = matching_rows(txn, table, op, &rows, &n);
    for (size_t i = 0; !error && i < n; i++) {
        if (delete)
            db_delete_row(txn->db, rows[i]);
        else
            error = set_columns(txn, rows[i], json_object_get(op, "row"), false, op);
    }
    free(rows);
    txn->wrote = true;
    return error ? error : json_pack("{s:I}", "count", (json_int_t)n);
}

/* One mutation [column, mutator, value] on `row`. */
static json_t *mutate_row(struct txn *txn, struct db_row *row, const json_t *m,
                          const json_t *op)
{
    const char *name = json_string_value(json_array_get(m, 0));
    const char *mutator = json_string_value(json_array_get(m, 1));
    const struct column_def *col = name ? ovsdb_find_column(row->table, name) : NULL;
    if (!json_is_array(m) || json_array_size(m) != 3 || !mutator)
        return ovsdb_op_error("syntax error", m, "Parse error in mutation.");
    if (!col || col == &ovsdb_uuid_column || col == &ovsdb_version_column)
        return ovsdb_op_error("unknown column", m, "No column %s in table %s.", name ? name : "",
                        row->table->name);
    if (col->immutable)
        return ovsdb_op_error("constraint violation", op, "Cannot mutate immutable column %s in "
                        "table %s.", name, row->table->name);
    struct datum value = DATUM_EMPTY, result = DATUM_EMPTY;
    datum_clone(&result, &row->columns[schema_column_index(row->table, col)], col);
    bool arithmetic = mutator[0] && mutator[1] == '=' && !mutator[2];
    json_t *error = NULL;
    if (arithmetic) {
        struct column_def scalar = *col;
        scalar.value.type = ATOM_NONE;
        scalar.n_min = scalar.n_max = 1;
        if (col->key.type != ATOM_INTEGER || column_is_map(col)) {
            error = ovsdb_op_error("constraint violation", m, "Type mismatch: \"%s\" may not be "
                             "applied to column %s.", mutator, name);
        } else if (!(error = parse_value(txn, &scalar, json_array_get(m, 2), m, &value))) {
            int64_t arg = value.keys[0].integer;
            for (size_t i = 0; i < result.n && !error; i++) {
                int64_t *x = &result.keys[i].integer;
                switch (mutator[0]) {
                case '+': *x += arg; break;
                case '-': *x -= arg; break;
                case '*': *x *= arg; break;
                case '/': case '%':
                    if (!arg)
                        error = ovsdb_op_error("domain error", m, "Division by zero.");
                    else
                        *x = mutator[0] == '/' ? *x / arg : *x % arg;
                    break;
                default:
                    error = ovsdb_op_error("syntax error", m, "No mutator named %s.", mutator);
                }
            }
        }
    } else if (!strcmp(mutator, "insert") || !strcmp(mutator, "delete")) {
        struct column_def loose = *col;
        loose.n_min = 0;
        loose.n_max = UINT32_MAX;
        const json_t *arg = json_array_get(m, 2);
        /* delete on a map may name keys only: a set of the key type. */
        if (!strcmp(mutator, "delete") && column_is_map(col) && !(json_is_array(arg)
            && json_is_string(json_array_get(arg, 0))
            && !strcmp(json_string_value(json_array_get(arg, 0)), "map")))
            loose.value.type = ATOM_NONE;
        if (!(error = parse_value(txn, &loose, arg, m, &value))) {
            if (!strcmp(mutator, "insert"))
                datum_union(&result, &value, col);
            else
                datum_subtract(&result, &value, &loose);
        }
        datum_destroy(&value, &loose);
        value = (struct datum)DATUM_EMPTY;
    } else {
        error = ovsdb_op_error("syntax error", m, "No mutator named %s.", mutator);
    }
    datum_destroy(&value, col);
    if (error) {
        datum_destroy(&result, col);
        return error;
    }
    db_row_set_by_def(row, col, &result);
    return NULL;
}

static json_t *op_mutate(struct txn *txn, const struct table_def *table, const json_t *op)
{
    const json_t *mutations = json_object_get(op, "mutations");
    if (!json_is_array(mutations))
        return ovsdb_op_error("syntax error", op, "\"mutations\" must be an array");
    struct db_row **rows = NULL;
    size_t n = 0;
    json_t *error = matching_rows(txn, table, op, &rows, &n);
    if (error)
        return error;
    for (size_t i = 0; i < n && !error; i++)
        for (size_t k = 0; k < json_array_size(mutations) && !error; k++)
            error = mutate_row(txn, rows[i], json_array_get(mutations, k), op);
    free(rows);
    txn->wrote = true;
    return error ? error : json_pack("{s:I}", "count", (json_int_t)n);
}

/* "wait": the selected rows, in the columns named, are (until "==") or are
 * not ("!=") exactly the rows given.  When they are not yet, a timeout of 0
 * (what OVS's IDL sends to verify what it read) fails; a longer one, or
 * none (wait for ever), blocks the transaction until the database changes
 * or the time is up. */
static json_t *op_wait(struct txn *txn, const struct table_def *table, const json_t *op)
{
    const json_t *timeout = json_object_get(op, "timeout");
    if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) < 0))
        return ovsdb_op_error("syntax error", op, "timeout must be a non-negative integer");
    const char *until = json_string_value(json_object_get(op, "until"));
    const json_t *columns = json_object_get(op, "columns");
    const json_t *given = json_object_get(op, "rows");
    if (!until || (strcmp(until, "==") && strcmp(until, "!=")) || !json_is_array(columns)
        || !json_is_array(given))
        return ovsdb_op_error("syntax error", op, "wait needs \"until\", \"columns\" and \"rows\"");
    size_t n_cols = json_array_size(columns);
    const struct column_def **cols = calloc(n_cols ? n_cols : 1, sizeof *cols);
    json_t *error = NULL;
    for (size_t i = 0; i < n_cols && !error; i++) {
        const char *name = json_string_value(json_array_get(columns, i));
        if (!(cols[i] = name ? ovsdb_find_column(table, name) : NULL))
            error = ovsdb_op_error("unknown column", op, "No column %s in table %s.",
                             name ? name : "", table->name);
    }
    struct db_row **rows = NULL;
    size_t n = 0;
    if (!error)
        error = matching_rows(txn, table, op, &rows, &n);
    /* Both sides as canonical JSON texts, sorted: equal as multisets. */
    json_t *have = json_array(), *want = json_array();
    for (size_t i = 0; !error && i < n; i++) {
        json_t *r = ovsdb_row_json(rows[i], cols, n_cols);
        char *text = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
        json_array_append_new(have, json_string_nocheck(text ? text : ""));
        free(text);
        json_decref(r);
    }
    for (size_t i = 0; !error && i < json_array_size(given); i++) {
        json_t *g = json_array_get(given, i), *canon = json_object();
        for (size_t c = 0; c < n_cols && !error; c++) {
            struct datum d;
            const json_t *v = json_object_get(g, cols[c]->name);
            if (!v) {
                error = ovsdb_op_error("syntax error", op, "row is missing column %s",
                                 cols[c]->name);
            } else if (!(error = parse_value(txn, cols[c], v, op, &d))) {
                json_object_set_new(canon, cols[c]->name, datum_to_json(&d, cols[c]));
                datum_destroy(&d, cols[c]);
            }
        }
        char *text = json_dumps(canon, JSON_SORT_KEYS | JSON_COMPACT);
        json_array_append_new(want, json_string_nocheck(text ? text : ""));
        free(text);
        json_decref(canon);
    }
    bool same = false;
    if (!error && json_array_size(have) == json_array_size(want)) {
        same = true;
        for (size_t i = 0; i < json_array_size(want) && same; i++) {
            bool found = false;
            for (size_t j = 0; j < json_array_size(have) && !found; j++)
                if (json_equal(json_array_get(want, i), json_array_get(have, j))) {
                    json_array_remove(have, j);
                    found = true;
                }
            same = found;
        }
    }
    if (!error && same != !strcmp(until, "==")) {
        uint64_t limit = timeout ? (uint64_t)json_integer_value(timeout) : UINT64_MAX;
        if (limit > txn->ctx->waited_ms) {
            txn->ctx->blocked = true;
            if (limit - txn->ctx->waited_ms < txn->ctx->wake_ms)
                txn->ctx->wake_ms = limit - txn->ctx->waited_ms;
        }
        error = ovsdb_op_error("timed out", NULL, "\"wait\" timed out");
    }
    json_decref(have);
    json_decref(want);
    free(rows);
    free(cols);
    return error ? error : json_object();
}

/* Whether operation `kind` changes the database. */
static bool is_write(const char *kind)
{
    return kind && (!strcmp(kind, "insert") || !strcmp(kind, "update")
                    || !strcmp(kind, "mutate") || !strcmp(kind, "delete"));
}

/* "commit": every transaction is durable here (SQLite commits to disk). */
static json_t *op_commit(const json_t *op)
{
    if (!json_is_boolean(json_object_get(op, "durable")))
        return ovsdb_op_error("syntax error", op, "commit needs a boolean \"durable\"");
    return json_object();
}

/* "assert": the client holds the lock named. */
static json_t *op_assert(struct txn *txn, const json_t *op)
{
    const char *lock = json_string_value(json_object_get(op, "lock"));
    if (!lock)
        return ovsdb_op_error("syntax error", op, "assert needs a \"lock\" name");
    if (!txn->ctx->holds_lock || !txn->ctx->holds_lock(txn->ctx->aux, lock))
        return ovsdb_op_error("not owner", op, "Asserted lock %s not held.", lock);
    return json_object();
}

static json_t *execute_resolved(struct txn *txn, const json_t *op);

/* Runs one operation, its "where" naming rows this transaction inserts by
 * their uuid-names resolved first (OVS's Python IDL updates a row it
 * inserts in the same transaction by ["_uuid", "==", ["named-uuid", N]]). */
static json_t *execute(struct txn *txn, const json_t *op)
{
    const json_t *where = json_object_get(op, "where");
    if (!where)
        return execute_resolved(txn, op);
    const char *unknown = NULL;
    json_t *resolved = resolve_names(txn, where, &unknown);
    if (!resolved)
        return ovsdb_op_error("syntax error", op, "named-uuid \"%s\" is not the uuid-name "
                              "of any row this transaction inserts", unknown);
    json_t *copy = json_copy((json_t *)op);
    json_object_set_new(copy, "where", resolved);
    json_t *result = execute_resolved(txn, copy);
    json_decref(copy);
    return result;
}

static json_t *execute_resolved(struct txn *txn, const json_t *op)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    if (!json_is_object(op) || !name)
        return ovsdb_op_error("syntax error", op, "Parse error in operation.");
    if (!strcmp(name, "comment"))
        return json_object();
    if (!strcmp(name, "abort"))
        return ovsdb_op_error("aborted", NULL, "aborted by request");
    if (!strcmp(name, "commit"))
        return op_commit(op);
    if (!strcmp(name, "assert"))
        return op_assert(txn, op);
    bool write = is_write(name);
    if (!write && strcmp(name, "select") && strcmp(name, "wait"))
        return ovsdb_op_error("not supported", op, "Pontoon's OVSDB server does not run \"%s\" "
                        "operations yet", name);
    const char *table_name = json_string_value(json_object_get(op, "table"));
    const struct table_def *table = ovsdb_find_table(txn->server, table_name);
    if (!table)
        return ovsdb_op_error("syntax error", op, "Parsing ovsdb operation failed: No table named "
                        "%s.", table_name ? table_name : "(none)");
    if (write && txn->server)
        return ovsdb_op_error("constraint violation", op, "the _Server database is read-only");
    if (!strcmp(name, "insert"))
        return op_insert(txn, table, op);
    if (!strcmp(name, "update") || !strcmp(name, "delete"))
        return op_update_or_delete(txn, table, op, !strcmp(name, "delete"));
    if (!strcmp(name, "mutate"))
        return op_mutate(txn, table, op);
    if (!strcmp(name, "wait"))
        return op_wait(txn, table, op);
    size_t n;
    bool made;
    struct db_row **rows = ovsdb_table_rows(txn->db, txn->server, table, &n, &made);
    json_t *result = op_select(table, rows, n, op);
    ovsdb_free_rows(rows, n, made);
    return result;
}

/* A uuid for every uuid-name of the transaction's inserts. */
static json_t *name_inserts(struct txn *txn, const json_t *params)
{
    for (size_t i = 1; i < json_array_size(params); i++) {
        const json_t *op = json_array_get(params, i);
        const char *kind = json_string_value(json_object_get(op, "op"));
        const char *name = json_string_value(json_object_get(op, "uuid-name"));
        if (!kind || strcmp(kind, "insert") || !name)
            continue;
        if (json_object_get(txn->names, name))
            return ovsdb_op_error("duplicate uuid-name", op, "This \"uuid-name\" appeared on an "
                            "earlier \"insert\" operation.");
        char uuid[37];
        db_random_uuid(uuid);
        json_object_set_new(txn->names, name, json_string(uuid));
    }
    return NULL;
}

json_t *ovsdb_txn_run(struct db *db, const json_t *params, struct ovsdb_txn_context *ctx,
                      json_t **rpc_error)
{
    ctx->committed = ctx->blocked = false;
    ctx->wake_ms = UINT64_MAX;
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
    struct txn txn = { db, server, json_object(), false, ctx };
    json_t *results = json_array();
    size_t n = json_array_size(params);
    /* Only a transaction that writes takes the write lock. */
    bool writes = false;
    for (size_t i = 1; i < n && !server; i++) {
        const char *kind = json_string_value(json_object_get(json_array_get(params, i), "op"));
        writes = writes || is_write(kind);
    }
    char *error = NULL;
    bool begun = writes && db_begin(db, 5000, &error) == 0;
    json_t *failure = !writes || begun ? name_inserts(&txn, params)
                                       : ovsdb_op_error("not supported", NULL, "%s",
                                                  error ? error : "cannot begin");
    free(error);
    error = NULL;
    bool failed = failure != NULL;
    for (size_t i = 1; i < n; i++) {
        if (failed) {
            json_array_append_new(results, failure ? failure : json_null());
            failure = NULL;
            continue;
        }
        json_t *r = execute(&txn, json_array_get(params, i));
        failed = json_object_get(r, "error") != NULL;
        json_array_append_new(results, r);
    }
    json_decref(failure);
    if (ctx->blocked) {
        /* Run again when the database changed or the time is up. */
        if (begun)
            db_rollback(db);
        json_decref(txn.names);
        json_decref(results);
        return NULL;
    }
    if (begun && (failed || !txn.wrote)) {
        db_rollback(db);
    } else if (begun) {
        if (db_commit(db, &error)) {
            /* As ovsdb-server: the commit's error after the operations'. */
            bool reference = error && strstr(error, "referential integrity violation");
            json_array_append_new(results, json_pack("{s:s, s:s}", "error",
                                                     reference ? "referential integrity "
                                                     "violation" : "constraint violation",
                                                     "details", error ? error : ""));
            free(error);
        } else {
            ctx->committed = true;
        }
    }
    json_decref(txn.names);
    return results;
}

