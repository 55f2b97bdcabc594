/* The databases the OVSDB socket serves, as rows: see ovsdb_rows.h. */
#include "db/ovsdb_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db_private.h"
#include "db/schema_json.h"
#include "util/hash.h"

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
const struct table_def ovsdb_server_database_table = {
    "Database", server_columns, sizeof server_columns / sizeof server_columns[0], true, NULL,
    NULL, 0
};

json_t *ovsdb_server_schema_json(void)
{
    return json_pack("{s:s, s:s, s:{s:o}}", "name", OVSDB_SERVER_DB, "version", "1.2.0",
                     "tables", "Database", schema_table_to_json(&ovsdb_server_database_table));
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
    struct db_row *row = db_row_new(&ovsdb_server_database_table, uuid);
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

const struct column_def ovsdb_uuid_column = {
    "_uuid", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 1, 1, false, true
};
const struct column_def ovsdb_version_column = {
    "_version", S_BASE(ATOM_UUID), S_BASE(ATOM_NONE), 1, 1, false, true
};

/* A column by name, _uuid and _version included; NULL if none. */
const struct column_def *ovsdb_find_column(const struct table_def *table, const char *name)
{
    if (!strcmp(name, "_uuid"))
        return &ovsdb_uuid_column;
    if (!strcmp(name, "_version"))
        return &ovsdb_version_column;
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
const struct datum *ovsdb_cell(const struct db_row *row, const struct column_def *col,
                                struct datum *scratch)
{
    if (col == &ovsdb_uuid_column || col == &ovsdb_version_column) {
        char version[37];
        if (col == &ovsdb_version_column)
            row_version(row, version);
        datum_init_string(scratch, col == &ovsdb_uuid_column ? row->uuid : version);
        return scratch;
    }
    return &row->columns[schema_column_index(row->table, col)];
}

json_t *ovsdb_row_json(const struct db_row *row, const struct column_def *const *cols,
                        size_t n_cols)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n_cols; i++) {
        struct datum scratch = DATUM_EMPTY;
        const struct datum *d = ovsdb_cell(row, cols[i], &scratch);
        json_object_set_new(o, cols[i]->name, datum_to_json(d, cols[i]));
        datum_destroy(&scratch, &ovsdb_uuid_column);
    }
    return o;
}

/* The rows of a table of the database `name`: the configuration's (owned by
 * db), or _Server's Database rows (made here: *made is set, free them). */
struct db_row **ovsdb_table_rows(struct db *db, bool server, const struct table_def *table,
                                  size_t *n, bool *made)
{
    *made = server;
    if (server) {
        struct db_row **rows = calloc(2, sizeof *rows);
        rows[0] = server_row(OVS_SCHEMA_NAME, schema_to_json());
        rows[1] = server_row(OVSDB_SERVER_DB, ovsdb_server_schema_json());
        *n = 2;
        return rows;
    }
    *n = db_count_rows(db, table);
    struct db_row **rows = calloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++)
        rows[i] = db_row_at(db, table, i);
    return rows;
}


const struct table_def *ovsdb_find_table(bool server, const char *name)
{
    if (!name)
        return NULL;
    if (server)
        return !strcmp(name, "Database") ? &ovsdb_server_database_table : NULL;
    for (size_t i = 0; i < schema_n_tables; i++)
        if (!strcmp(schema_tables[i]->name, name))
            return schema_tables[i];
    return NULL;
}

void ovsdb_free_rows(struct db_row **rows, size_t n, bool made)
{
    for (size_t i = 0; made && i < n; i++)
        db_row_free(rows[i]);
    free(rows);
}
