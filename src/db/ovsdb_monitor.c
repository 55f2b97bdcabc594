/* OVSDB monitors: see ovsdb_monitor.h. */
#include "db/ovsdb_monitor.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/ovsdb_json_cache.h"
#include "db/ovsdb_rows.h"
#include "db/ovsdb_where.h"
#include "db/schema.h"

/* What is reported of one table. */
struct monitored_table {
    const struct table_def *table;
    const struct column_def **columns;
    json_t **defaults;            /* per column: its default value (update2 omits it) */
    size_t n_columns;
    bool initial, insert, delete, modify;
    struct ovsdb_where **wheres;  /* one per request; a row matching any is reported */
    size_t n_wheres;
    json_t *reported;             /* {uuid: row as last reported} */
};

struct ovsdb_monitor {
    struct ovsdb_json_cache *cache;   /* shared with the other monitors (not owned) */
    json_t *id;
    enum ovsdb_monitor_version version;
    bool server;                  /* on _Server */
    struct monitored_table *tables;
    size_t n_tables;
};

static json_t *error_object(const char *error, const char *details)
{
    return json_pack("{s:s, s:s}", "error", error, "details", details);
}

static void add_column(struct monitored_table *mt, const struct column_def *col)
{
    for (size_t j = 0; j < mt->n_columns; j++)
        if (mt->columns[j] == col)
            return;
    mt->columns = realloc(mt->columns, (mt->n_columns + 1) * sizeof *mt->columns);
    mt->defaults = realloc(mt->defaults, (mt->n_columns + 1) * sizeof *mt->defaults);
    struct datum d;
    datum_default(&d, col);
    mt->defaults[mt->n_columns] = datum_to_json(&d, col);
    datum_destroy(&d, col);
    mt->columns[mt->n_columns++] = col;
}

static void free_wheres(struct monitored_table *mt)
{
    for (size_t i = 0; i < mt->n_wheres; i++)
        ovsdb_where_free(mt->wheres[i]);
    free(mt->wheres);
    mt->wheres = NULL;
    mt->n_wheres = 0;
}

/* Adds the request's "where" to the table's (conditional monitors only). */
static json_t *add_where(struct monitored_table *mt, const json_t *where)
{
    json_t *error = NULL;
    struct ovsdb_where *w = ovsdb_where_parse(mt->table, where, true, &error);
    if (!w)
        return error;
    mt->wheres = realloc(mt->wheres, (mt->n_wheres + 1) * sizeof *mt->wheres);
    mt->wheres[mt->n_wheres++] = w;
    return NULL;
}

/* One monitor-request (or an array of them: their columns, selects and
 * conditions are merged, which is what a client asking twice wants). */
static json_t *parse_request(struct monitored_table *mt, const json_t *request,
                             bool conditional)
{
    const json_t *columns = json_object_get(request, "columns");
    const json_t *select = json_object_get(request, "select");
    if (!json_is_object(request) || (columns && !json_is_array(columns))
        || (select && !json_is_object(select)))
        return error_object("syntax error", "monitor request is not an object with "
                            "\"columns\" and \"select\"");
    size_t n = columns ? json_array_size(columns) : mt->table->n_columns;
    for (size_t i = 0; i < n; i++) {
        const char *name = columns ? json_string_value(json_array_get(columns, i))
                                   : mt->table->columns[i].name;
        const struct column_def *col = name ? ovsdb_find_column(mt->table, name) : NULL;
        if (!col || col == &ovsdb_uuid_column)
            return error_object("syntax error", "monitor request names an unknown column");
        add_column(mt, col);
    }
    static const char *const kinds[] = { "initial", "insert", "delete", "modify" };
    bool *flags[] = { &mt->initial, &mt->insert, &mt->delete, &mt->modify };
    for (size_t k = 0; k < 4; k++) {
        const json_t *v = select ? json_object_get(select, kinds[k]) : NULL;
        *flags[k] = *flags[k] || !v || json_is_true(v);
    }
    return conditional ? add_where(mt, json_object_get(request, "where")) : NULL;
}

static bool selected(const struct monitored_table *mt, const struct db_row *row)
{
    for (size_t i = 0; i < mt->n_wheres; i++)
        if (ovsdb_where_any(mt->wheres[i], row))
            return true;
    return mt->n_wheres == 0;
}

/* A row's monitored columns; the configuration's cells come from the
 * shared cache (_Server's rows are made afresh each time: not cached). */
static json_t *row_json(struct ovsdb_monitor *m, const struct monitored_table *mt,
                        const struct db_row *row)
{
    if (m->server)
        return ovsdb_row_json(row, mt->columns, mt->n_columns);
    json_t *o = json_object();
    for (size_t i = 0; i < mt->n_columns; i++)
        json_object_set(o, mt->columns[i]->name,
                        ovsdb_json_cache_cell(m->cache, row, mt->columns[i]));
    return o;
}

/* {uuid: row} of the table's selected rows as they are now, monitored
 * columns only. */
static json_t *current_rows(struct ovsdb_monitor *m, struct monitored_table *mt,
                            struct db *db)
{
    size_t n;
    bool made;
    struct db_row **rows = ovsdb_table_rows(db, m->server, mt->table, &n, &made);
    json_t *now = json_object();
    for (size_t i = 0; i < n; i++)
        if (selected(mt, rows[i]))
            json_object_set_new(now, rows[i]->uuid, row_json(m, mt, rows[i]));
    ovsdb_free_rows(rows, n, made);
    return now;
}

/* Whether a row changed since it was reported, column by column (the
 * comparisons are shared by all monitors through the cache). */
static bool row_changed(const struct ovsdb_monitor *m, const json_t *before, const json_t *now)
{
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)now, name, value)
        if (!ovsdb_json_cache_equal(m->cache, json_object_get(before, name), value))
            return true;
    return false;
}

/* monitor: the columns of `old` whose value differs in `new`. */
static json_t *changed_columns(const struct ovsdb_monitor *m, const json_t *old,
                               const json_t *new)
{
    json_t *out = json_object();
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)old, name, value)
        if (!ovsdb_json_cache_equal(m->cache, value, json_object_get(new, name)))
            json_object_set(out, name, value);
    return out;
}

static long column_index(const struct monitored_table *mt, const char *name)
{
    for (size_t i = 0; i < mt->n_columns; i++)
        if (!strcmp(mt->columns[i]->name, name))
            return (long)i;
    return -1;
}

/* update2's "modify": each changed column's difference (datum_diff). */
static json_t *column_diffs(const struct ovsdb_monitor *m, const struct monitored_table *mt,
                            const json_t *old, const json_t *new)
{
    json_t *out = json_object();
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)new, name, value) {
        json_t *before = json_object_get(old, name);
        long c = column_index(mt, name);
        if (c < 0 || !before || ovsdb_json_cache_equal(m->cache, before, value))
            continue;
        json_object_set(out, name, ovsdb_json_cache_diff(m->cache, before, value,
                                                         mt->columns[c]));
    }
    return out;
}

/* An initial or inserted row as update2 sends it: defaults left out. */
static json_t *without_defaults(const struct monitored_table *mt, const json_t *row)
{
    json_t *out = json_object();
    for (size_t i = 0; i < mt->n_columns; i++) {
        const json_t *v = json_object_get(row, mt->columns[i]->name);
        if (v && !json_equal(v, mt->defaults[i]))
            json_object_set(out, mt->columns[i]->name, (json_t *)v);
    }
    return out;
}

/* The row-update for a row new to the client (`kind` "initial" or
 * "insert"), one that changed, and one that went. */
static json_t *row_new(const struct ovsdb_monitor *m, const struct monitored_table *mt,
                       const char *kind, json_t *row)
{
    if (m->version == OVSDB_MONITOR_V1)
        return json_pack("{s:O}", "new", row);
    return json_pack("{s:o}", kind, without_defaults(mt, row));
}

static json_t *row_modified(const struct ovsdb_monitor *m, const struct monitored_table *mt,
                            const json_t *before, json_t *row)
{
    if (m->version == OVSDB_MONITOR_V1)
        return json_pack("{s:o, s:O}", "old", changed_columns(m, before, row), "new", row);
    return json_pack("{s:o}", "modify", column_diffs(m, mt, before, row));
}

static json_t *row_deleted(const struct ovsdb_monitor *m, json_t *row)
{
    if (m->version == OVSDB_MONITOR_V1)
        return json_pack("{s:O}", "old", row);
    return json_pack("{s:n}", "delete");
}

/* Adds the differences between what was reported and `now` to `updates`
 * (inserts as `insert_kind`), and makes `now` what was reported. */
static void diff_table(const struct ovsdb_monitor *m, struct monitored_table *mt, json_t *now,
                       json_t *updates, bool insert, const char *insert_kind)
{
    json_t *table_updates = json_object();
    const char *uuid;
    json_t *row;
    json_object_foreach(now, uuid, row) {
        json_t *before = json_object_get(mt->reported, uuid);
        if (!before && insert)
            json_object_set_new(table_updates, uuid, row_new(m, mt, insert_kind, row));
        else if (before && mt->modify && row_changed(m, before, row))
            json_object_set_new(table_updates, uuid, row_modified(m, mt, before, row));
    }
    json_object_foreach(mt->reported, uuid, row)
        if (!json_object_get(now, uuid) && mt->delete)
            json_object_set_new(table_updates, uuid, row_deleted(m, row));
    if (json_object_size(table_updates))
        json_object_set_new(updates, mt->table->name, table_updates);
    else
        json_decref(table_updates);
    json_decref(mt->reported);
    mt->reported = now;
}

struct ovsdb_monitor *ovsdb_monitor_create(struct db *db, const json_t *params,
                                           enum ovsdb_monitor_version version,
                                           bool send_initial, struct ovsdb_json_cache *cache,
                                           json_t **initial, json_t **error)
{
    *initial = *error = NULL;
    const char *db_name = json_string_value(json_array_get(params, 0));
    const json_t *requests = json_array_get(params, 2);
    size_t n_params = version == OVSDB_MONITOR_V3 ? 4 : 3;
    if (json_array_size(params) != n_params || !json_is_object(requests)) {
        *error = error_object("syntax error", version == OVSDB_MONITOR_V3
                              ? "monitor_cond_since takes [db-name, monitor-id, "
                                "monitor-requests, last-txn-id]"
                              : "monitor takes [db-name, monitor-id, monitor-requests]");
        return NULL;
    }
    bool server = db_name && !strcmp(db_name, OVSDB_SERVER_DB);
    if (!db_name || (!server && strcmp(db_name, OVS_SCHEMA_NAME))) {
        *error = error_object("unknown database", db_name ? db_name : "(none)");
        return NULL;
    }
    struct ovsdb_monitor *m = calloc(1, sizeof *m);
    m->cache = cache;
    m->id = json_incref(json_array_get(params, 1));
    m->version = version;
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
                                                               : request,
                                   version != OVSDB_MONITOR_V1);
        if (*error)
            goto fail;
    }
    json_t *updates = json_object();
    for (size_t t = 0; t < m->n_tables; t++) {
        struct monitored_table *mt = &m->tables[t];
        diff_table(m, mt, current_rows(m, mt, db), updates, mt->initial, "initial");
    }
    if (!send_initial) {
        json_decref(updates);
        updates = json_object();
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
        struct monitored_table *mt = &m->tables[t];
        for (size_t c = 0; c < mt->n_columns; c++)
            json_decref(mt->defaults[c]);
        free(mt->defaults);
        free(mt->columns);
        free_wheres(mt);
        json_decref(mt->reported);
    }
    free(m->tables);
    json_decref(m->id);
    free(m);
}

const json_t *ovsdb_monitor_id(const struct ovsdb_monitor *m)
{
    return m->id;
}

enum ovsdb_monitor_version ovsdb_monitor_version(const struct ovsdb_monitor *m)
{
    return m->version;
}

json_t *ovsdb_monitor_changes(struct ovsdb_monitor *m, struct db *db)
{
    json_t *updates = json_object();
    for (size_t t = 0; t < m->n_tables; t++) {
        struct monitored_table *mt = &m->tables[t];
        diff_table(m, mt, current_rows(m, mt, db), updates, mt->insert, "insert");
    }
    if (json_object_size(updates))
        return updates;
    json_decref(updates);
    return NULL;
}

json_t *ovsdb_monitor_cond_change(struct ovsdb_monitor *m, const json_t *new_id,
                                  const json_t *requests)
{
    if (m->version == OVSDB_MONITOR_V1)
        return error_object("syntax error", "monitor_cond_change of a monitor that is "
                            "not conditional");
    if (!json_is_object(requests))
        return error_object("syntax error", "monitor_cond_change takes [monitor-id, "
                            "new-monitor-id, monitor-cond-update-requests]");
    /* Everything is parsed before anything changes. */
    struct monitored_table *fresh = calloc(json_object_size(requests) + 1, sizeof *fresh);
    size_t n_fresh = 0;
    json_t *error = NULL;
    const char *name;
    json_t *request;
    json_object_foreach((json_t *)requests, name, request) {
        struct monitored_table *mt = NULL;
        for (size_t t = 0; t < m->n_tables && !mt; t++)
            if (!strcmp(m->tables[t].table->name, name))
                mt = &m->tables[t];
        if (!mt) {
            error = error_object("syntax error", "monitor_cond_change names a table the "
                                 "monitor does not watch");
            break;
        }
        struct monitored_table *f = &fresh[n_fresh++];
        f->table = mt->table;
        size_t n = json_is_array(request) ? json_array_size(request) : 1;
        for (size_t i = 0; i < n && !error; i++) {
            const json_t *r = json_is_array(request) ? json_array_get(request, i) : request;
            error = json_is_object(r) ? add_where(f, json_object_get(r, "where"))
                    : error_object("syntax error", "monitor-cond-update-request is not "
                                   "an object");
        }
        if (error)
            break;
    }
    for (size_t i = 0; i < n_fresh; i++) {
        struct monitored_table *mt = NULL;
        for (size_t t = 0; t < m->n_tables && !mt; t++)
            if (m->tables[t].table == fresh[i].table)
                mt = &m->tables[t];
        if (!error) {
            free_wheres(mt);
            mt->wheres = fresh[i].wheres;
            mt->n_wheres = fresh[i].n_wheres;
        } else {
            free_wheres(&fresh[i]);
        }
    }
    free(fresh);
    if (!error) {
        json_decref(m->id);
        m->id = json_deep_copy(new_id);
    }
    return error;
}
