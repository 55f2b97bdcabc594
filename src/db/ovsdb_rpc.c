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
#include "db/schema_json.h"
#include "util/hash.h"
#include "util/strbuf.h"

#define SERVER_DB "_Server"

/* ---- the _Server database: one row per database served ---- */

static const char *const db_models[] = { "clustered", "relay", "standalone", NULL };

#define S_BASE(t) { t, false, 0, 0, NULL, NULL, false }
static const struct column_def server_columns[] = {
    { "cid", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 0, 1, false, false },
    { "connected", S_BASE(ATOM_BOOLEAN), S_BASE(ATOM_NONE), 1, 1, false, false },
    { "index", S_BASE(ATOM_INTEGER), S_BASE(ATOM_NONE), 0, 1, false, false },
    { "leader", S_BASE(ATOM_BOOLEAN), S_BASE(ATOM_NONE), 1, 1, false, false },
    { "model", { ATOM_STRING, false, 0, 0, db_models, NULL, false }, S_BASE(ATOM_NONE), 1, 1,
      false, false },
    { "name", S_BASE(ATOM_STRING), S_BASE(ATOM_NONE), 1, 1, false, false },
    { "schema", S_BASE(ATOM_STRING), S_BASE(ATOM_NONE), 0, 1, false, false },
    { "sid", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 0, 1, false, false },
};
static const struct table_def server_database_table = {
    "Database", server_columns, sizeof server_columns / sizeof server_columns[0], true, NULL,
    NULL, 0
};

json_t *ovsdb_server_schema_json(void)
{
    json_t *columns = json_object();
    for (size_t i = 0; i < server_database_table.n_columns; i++) {
        const struct column_def *col = &server_columns[i];
        json_t *key = col->key.enum_values
            ? json_pack("{s:s, s:[s,[s,s,s]]}", "type", "string", "enum", "set", db_models[0],
                        db_models[1], db_models[2])
            : json_string(schema_atom_type_name(col->key.type));
        json_t *type = col->n_min == 1 && !col->key.enum_values
            ? key : json_pack("{s:o}", "key", key);
        if (col->n_min == 0)
            json_object_set_new(type, "min", json_integer(0));
        json_object_set_new(columns, col->name, json_pack("{s:o}", "type", type));
    }
    return json_pack("{s:s, s:s, s:{s:{s:o}}}", "name", SERVER_DB, "version", "1.2.0",
                     "tables", "Database", "columns", columns);
}

/* A uuid made from a name and a seed: the same every time it is asked for. */
static void uuid_from_hash(char out[37], uint64_t a, uint64_t b)
{
    snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 48) & 0xfff,
             (unsigned long long)(b & 0xffffffffffffull));
}

static struct db_row *server_row(const char *name, json_t *schema)
{
    char uuid[37];
    uint64_t h = hash_fnv1a(HASH_FNV_BASIS, name);
    uuid_from_hash(uuid, h, hash_fnv1a(h ^ 0x5a5a5a5a5a5a5a5aull, "_Server"));
    struct db_row *row = db_row_new(&server_database_table, uuid);
    row->inserted = true;             /* built here, not read: nothing to keep */
    char *text = json_dumps(schema, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(schema);
    struct datum d;
    datum_init_string(&d, name);
    db_row_set(row, "name", &d);
    datum_init_string(&d, "standalone");
    db_row_set(row, "model", &d);
    datum_init_boolean(&d, true);
    db_row_set(row, "connected", &d);
    datum_init_boolean(&d, true);
    db_row_set(row, "leader", &d);
    datum_init_string(&d, text);
    db_row_set(row, "schema", &d);
    free(text);
    return row;
}

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

static const struct column_def uuid_column = {
    "_uuid", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 1, 1, false, true
};
static const struct column_def version_column = {
    "_version", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 1, 1, false, true
};

/* A column by name, _uuid and _version included; NULL if none. */
static const struct column_def *find_column(const struct table_def *table, const char *name)
{
    if (!strcmp(name, "_uuid"))
        return &uuid_column;
    if (!strcmp(name, "_version"))
        return &version_column;
    for (size_t i = 0; i < table->n_columns; i++)
        if (!strcmp(table->columns[i].name, name))
            return &table->columns[i];
    return NULL;
}

/* The row's _version: changes whenever one of its cells does (Pontoon keeps
 * no version per row; a hash of the cells serves the same purpose). */
static void row_version(const struct db_row *row, char out[37])
{
    uint64_t a = HASH_FNV_BASIS, b = HASH_FNV_BASIS ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < row->table->n_columns; i++) {
        json_t *j = datum_to_json(&row->columns[i], &row->table->columns[i]);
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(j);
        if (text) {
            a = hash_fnv1a(hash_fnv1a_nul(a), text);
            b = hash_fnv1a(hash_fnv1a_nul(b), text) * 31;
        }
        free(text);
    }
    uuid_from_hash(out, a, b);
}

/* The cell `col` of `row` as a datum (a copy for _uuid and _version). */
static const struct datum *cell(const struct db_row *row, const struct column_def *col,
                                struct datum *scratch)
{
    if (col == &uuid_column || col == &version_column) {
        char version[37];
        if (col == &version_column)
            row_version(row, version);
        datum_init_string(scratch, col == &uuid_column ? row->uuid : version);
        return scratch;
    }
    return &row->columns[schema_column_index(row->table, col)];
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
        conds[i].col = find_column(table, column);
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
        datum_destroy(&conds[i].value, conds[i].col ? conds[i].col : &uuid_column);
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
    const struct datum *have = cell(row, c->col, &scratch);
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
    datum_destroy(&scratch, &uuid_column);
    return holds;
}

static json_t *row_json(const struct db_row *row, const struct column_def *const *cols,
                        size_t n_cols)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n_cols; i++) {
        struct datum scratch = DATUM_EMPTY;
        const struct datum *d = cell(row, cols[i], &scratch);
        json_object_set_new(o, cols[i]->name, datum_to_json(d, cols[i]));
        datum_destroy(&scratch, &uuid_column);
    }
    return o;
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
                      : i == table->n_columns ? &uuid_column : &version_column;
            continue;
        }
        const char *name = json_string_value(json_array_get(columns, i));
        cols[i] = name ? find_column(table, name) : NULL;
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
                json_array_append_new(out, row_json(rows[r], cols, n_cols));
        }
        result = json_pack("{s:o}", "rows", out);
    }
    free(cols);
    free_conditions(conds, n_conds);
    return result;
}

/* The rows of a table of the database `name`: the configuration's (owned by
 * db), or _Server's Database rows (made here: *made is set, free them). */
static struct db_row **table_rows(struct db *db, bool server, const struct table_def *table,
                                  size_t *n, bool *made)
{
    *made = server;
    if (server) {
        struct db_row **rows = calloc(2, sizeof *rows);
        rows[0] = server_row(OVS_SCHEMA_NAME, schema_to_json());
        rows[1] = server_row(SERVER_DB, ovsdb_server_schema_json());
        *n = 2;
        return rows;
    }
    *n = db_count_rows(db, table);
    struct db_row **rows = calloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++)
        rows[i] = db_row_at(db, table, i);
    return rows;
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
    const struct table_def *table = NULL;
    if (server && table_name && !strcmp(table_name, "Database"))
        table = &server_database_table;
    for (size_t i = 0; !server && table_name && i < schema_n_tables && !table; i++)
        if (!strcmp(schema_tables[i]->name, table_name))
            table = schema_tables[i];
    if (!table)
        return op_error("syntax error", op, "Parsing ovsdb operation failed: No table named "
                        "%s.", table_name ? table_name : "(none)");
    size_t n;
    bool made;
    struct db_row **rows = table_rows(db, server, table, &n, &made);
    json_t *result = op_select(table, rows, n, op);
    for (size_t i = 0; made && i < n; i++)
        db_row_free(rows[i]);
    free(rows);
    return result;
}

static json_t *transact(struct db *db, const json_t *params, json_t **rpc_error)
{
    const char *name = json_string_value(json_array_get(params, 0));
    bool server = name && !strcmp(name, SERVER_DB);
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

json_t *ovsdb_rpc_handle(struct db *db, const json_t *msg)
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
        return response(id, json_pack("[s, s]", OVS_SCHEMA_NAME, SERVER_DB), NULL);
    if (!strcmp(method, "set_db_change_aware"))
        return response(id, json_object(), NULL);
    if (!strcmp(method, "get_schema")) {
        const char *name = json_string_value(json_array_get(params, 0));
        if (name && !strcmp(name, OVS_SCHEMA_NAME))
            return response(id, schema_to_json(), NULL);
        if (name && !strcmp(name, SERVER_DB))
            return response(id, ovsdb_server_schema_json(), NULL);
        return response(id, NULL, json_pack("{s:s, s:s+}", "error", "unknown database",
                                             "details", "get_schema request specifies "
                                             "unknown database ", name ? name : "(none)"));
    }
    if (!strcmp(method, "transact")) {
        json_t *error = NULL;
        json_t *results = transact(db, params, &error);
        return response(id, results, error);
    }
    return response(id, NULL, json_string("unknown method"));
}
