/* OVSDB monitors: see ovsdb_monitor.h. */
#include "db/ovsdb_monitor.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/ovsdb_rows.h"
#include "db/schema.h"

/* What is reported of one table. */
struct monitored_table {
    const struct table_def *table;
    const struct column_def **columns;
    size_t n_columns;
    bool initial, insert, delete, modify;
    json_t *reported;             /* {uuid: row as last reported} */
};

struct ovsdb_monitor {
    json_t *id;
    bool server;                  /* on _Server */
    struct monitored_table *tables;
    size_t n_tables;
};

static json_t *error_object(const char *error, const char *details)
{
    return json_pack("{s:s, s:s}", "error", error, "details", details);
}

/* One monitor-request (or an array of them: their columns and selects are
 * merged, which is what a client asking twice wants). */
static json_t *parse_request(struct monitored_table *mt, const json_t *request)
{
    const json_t *columns = json_object_get(request, "columns");
    const json_t *select = json_object_get(request, "select");
    if (!json_is_object(request) || (columns && !json_is_array(columns))
        || (select && !json_is_object(select)))
        return error_object("syntax error", "monitor request is not an object with "
                            "\"columns\" and \"select\"");
    size_t n = columns ? json_array_size(columns) : mt->table->n_columns;
    mt->columns = realloc(mt->columns, (mt->n_columns + n + 1) * sizeof *mt->columns);
    for (size_t i = 0; i < n; i++) {
        const char *name = columns ? json_string_value(json_array_get(columns, i))
                                   : mt->table->columns[i].name;
        const struct column_def *col = name ? ovsdb_find_column(mt->table, name) : NULL;
        if (!col || col == &ovsdb_uuid_column)
            return error_object("syntax error", "monitor request names an unknown column");
        bool have = false;
        for (size_t j = 0; j < mt->n_columns && !have; j++)
            have = mt->columns[j] == col;
        if (!have)
            mt->columns[mt->n_columns++] = col;
    }
    static const char *const kinds[] = { "initial", "insert", "delete", "modify" };
    bool *flags[] = { &mt->initial, &mt->insert, &mt->delete, &mt->modify };
    for (size_t k = 0; k < 4; k++) {
        const json_t *v = select ? json_object_get(select, kinds[k]) : NULL;
        *flags[k] = *flags[k] || !v || json_is_true(v);
    }
    return NULL;
}

/* {uuid: row} of the table as it is now, monitored columns only. */
static json_t *current_rows(struct ovsdb_monitor *m, struct monitored_table *mt,
                            struct db *db)
{
    size_t n;
    bool made;
    struct db_row **rows = ovsdb_table_rows(db, m->server, mt->table, &n, &made);
    json_t *now = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(now, rows[i]->uuid,
                            ovsdb_row_json(rows[i], mt->columns, mt->n_columns));
    ovsdb_free_rows(rows, n, made);
    return now;
}

/* The columns of `old` whose value differs in `new`. */
static json_t *changed_columns(const json_t *old, const json_t *new)
{
    json_t *out = json_object();
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)old, name, value)
        if (!json_equal(value, json_object_get(new, name)))
            json_object_set(out, name, value);
    return out;
}

/* Adds the differences between what was reported and `now` to `updates`,
 * and makes `now` what was reported. */
static void diff_table(struct monitored_table *mt, json_t *now, json_t *updates)
{
    json_t *table_updates = json_object();
    const char *uuid;
    json_t *row;
    json_object_foreach(now, uuid, row) {
        json_t *before = json_object_get(mt->reported, uuid);
        if (!before && mt->insert) {
            json_object_set_new(table_updates, uuid, json_pack("{s:O}", "new", row));
        } else if (before && !json_equal(before, row) && mt->modify) {
            json_object_set_new(table_updates, uuid,
                                json_pack("{s:o, s:O}", "old", changed_columns(before, row),
                                          "new", row));
        }
    }
    json_object_foreach(mt->reported, uuid, row)
        if (!json_object_get(now, uuid) && mt->delete)
            json_object_set_new(table_updates, uuid, json_pack("{s:O}", "old", row));
    if (json_object_size(table_updates))
        json_object_set_new(updates, mt->table->name, table_updates);
    else
        json_decref(table_updates);
    json_decref(mt->reported);
    mt->reported = now;
}

struct ovsdb_monitor *ovsdb_monitor_create(struct db *db, const json_t *params,
                                           json_t **initial, json_t **error)
{
    *initial = *error = NULL;
    const char *db_name = json_string_value(json_array_get(params, 0));
    const json_t *requests = json_array_get(params, 2);
    if (json_array_size(params) != 3 || !json_is_object(requests)) {
        *error = error_object("syntax error", "monitor takes [db-name, monitor-id, "
                              "monitor-requests]");
        return NULL;
    }
    bool server = db_name && !strcmp(db_name, OVSDB_SERVER_DB);
    if (!db_name || (!server && strcmp(db_name, OVS_SCHEMA_NAME))) {
        *error = error_object("unknown database", db_name ? db_name : "(none)");
        return NULL;
    }
    struct ovsdb_monitor *m = calloc(1, sizeof *m);
    m->id = json_incref(json_array_get(params, 1));
    m->server = server;
    m->tables = calloc(json_object_size(requests) + 1, sizeof *m->tables);
    const char *name;
    json_t *request;
    json_object_foreach((json_t *)requests, name, request) {
        const struct table_def *table = ovsdb_find_table(server, name);
        if (!table) {
            *error = error_object("syntax error", "monitor request names an unknown table");
            goto fail;
        }
        struct monitored_table *mt = &m->tables[m->n_tables++];
        mt->table = table;
        mt->reported = json_object();
        size_t n = json_is_array(request) ? json_array_size(request) : 1;
        for (size_t i = 0; i < n && !*error; i++)
            *error = parse_request(mt, json_is_array(request) ? json_array_get(request, i)
                                                               : request);
        if (*error)
            goto fail;
    }
    json_t *updates = json_object();
    for (size_t t = 0; t < m->n_tables; t++) {
        struct monitored_table *mt = &m->tables[t];
        bool insert = mt->insert;
        mt->insert = mt->initial;             /* the initial rows come as inserts */
        diff_table(mt, current_rows(m, mt, db), updates);
        mt->insert = insert;
    }
    *initial = updates;
    return m;
fail:
    ovsdb_monitor_destroy(m);
    return NULL;
}

void ovsdb_monitor_destroy(struct ovsdb_monitor *m)
{
    if (!m)
        return;
    for (size_t t = 0; t < m->n_tables; t++) {
        free(m->tables[t].columns);
        json_decref(m->tables[t].reported);
    }
    free(m->tables);
    json_decref(m->id);
    free(m);
}

const json_t *ovsdb_monitor_id(const struct ovsdb_monitor *m)
{
    return m->id;
}

json_t *ovsdb_monitor_changes(struct ovsdb_monitor *m, struct db *db)
{
    json_t *updates = json_object();
    for (size_t t = 0; t < m->n_tables; t++)
        diff_table(&m->tables[t], current_rows(m, &m->tables[t], db), updates);
    if (json_object_size(updates))
        return updates;
    json_decref(updates);
    return NULL;
}
