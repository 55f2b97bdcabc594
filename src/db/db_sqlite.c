/* The database file: one SQL table per schema table, `_uuid TEXT PRIMARY KEY`
 * plus one TEXT column per schema column holding the value's OVSDB JSON.
 * The schema version lives in PRAGMA user_version; opening an older file adds
 * the missing columns.  WAL mode lets the daemon read while a CLI writes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db/datum_private.h"
#include "db/db_private.h"
#include "util/log.h"
#include "util/strbuf.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000

static char *sql_error(struct db *db, const char *what)
{
    return xasprintf("%s: %s: %s", db->path, what, sqlite3_errmsg(db->sql));
}

int db_sql_exec(struct db *db, const char *sql, char **error)
{
    char *msg = NULL;
    if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (error) {
            *error = xasprintf("%s: %s", db->path, msg ? msg : sqlite3_errmsg(db->sql));
        }
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* `sql` prepared, from the ones kept since the first time it was asked for
 * (the daemon reads every table for changes and writes reported cells at
 * every change: preparing a 50-column statement costs more than running
 * it); NULL on error.  Give it back with release_statement. */
static sqlite3_stmt *cached_statement(struct db *db, const char *sql)
{
    for (size_t i = 0; i < db->n_queries; i++)
        if (!strcmp(db->queries[i].sql, sql))
            return db->queries[i].stmt;
    sqlite3_stmt *stmt = NULL;
    bool keep = db->n_queries < sizeof db->queries / sizeof db->queries[0];
    if (sqlite3_prepare_v3(db->sql, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt,
                           NULL) != SQLITE_OK)
        return NULL;
    if (keep)
        db->queries[db->n_queries++] = (struct db_query){ datum_xstrdup(sql), stmt };
    return stmt;
}

/* Resets a kept statement for its next use (finalizes one that was not). */
static void release_statement(struct db *db, sqlite3_stmt *stmt)
{
    for (size_t i = 0; i < db->n_queries; i++)
        if (db->queries[i].stmt == stmt) {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
            return;
        }
    sqlite3_finalize(stmt);
}

int db_sql_run(struct db *db, const char *sql, int64_t value, char **error)
{
    sqlite3_stmt *stmt = cached_statement(db, sql);
    if (!stmt) {
        if (error)
            *error = xasprintf("%s: %s", db->path, sqlite3_errmsg(db->sql));
        return sqlite3_errcode(db->sql) != SQLITE_OK ? sqlite3_errcode(db->sql) : SQLITE_ERROR;
    }
    if (sqlite3_bind_parameter_count(stmt))
        sqlite3_bind_int64(stmt, 1, value);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        rc = SQLITE_OK;
    else if (error)
        *error = xasprintf("%s: %s", db->path, sqlite3_errmsg(db->sql));
    release_statement(db, stmt);
    return rc;
}

static int query_int(struct db *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *stmt = cached_statement(db, sql);
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(stmt, 0);
    }
    release_statement(db, stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

int db_sql_data_version(struct db *db, int64_t *version)
{
    return query_int(db, "PRAGMA data_version", version);
}

/* mkdir -p of the directory part of `path`. */
static int make_parent_dirs(const char *path, char **error)
{
    char *dir = datum_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            struct stat st;
            int err = mkdir(dir, 0755) ? errno : 0;
            if (err == EEXIST) {
                err = stat(dir, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
            }
            if (err) {
                *error = xasprintf("cannot create directory %s: %s", dir, strerror(err));
                free(dir);
                return -1;
            }
            *p = saved;
            if (!saved) {
                break;
            }
        }
    }
    free(dir);
    return 0;
}

/* One atom as jansson's compact encoding would write it, when that is
 * plain: an integer, a boolean, a uuid, a string with nothing to escape. */
static bool atom_text_fast(struct strbuf *sb, const union atom *atom, enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER:
        strbuf_printf(sb, "%lld", (long long) atom->integer);
        return true;
    case ATOM_BOOLEAN:
        strbuf_puts(sb, atom->boolean ? "true" : "false");
        return true;
    case ATOM_UUID:
        strbuf_printf(sb, "[\"uuid\",\"%s\"]", atom->string);
        return true;
    case ATOM_STRING:
        for (const unsigned char *p = (const unsigned char *) atom->string; *p; p++)
            if (*p < 0x20 || *p == '"' || *p == '\\')
                return false;
        strbuf_printf(sb, "\"%s\"", atom->string);
        return true;
    case ATOM_REAL:
    case ATOM_NONE:
    default:
        return false;
    }
}

/* The cell's OVSDB JSON without building a jansson tree, byte for byte
 * what json_dumps(datum_to_json(...), JSON_COMPACT) gives, for the common
 * cells (a Bridge's thousand port uuids are written at every add-port);
 * false (sb left unspecified) when an atom needs jansson. */
static bool cell_text_fast(struct strbuf *sb, const struct datum *d, const struct column_def *col)
{
    bool is_map = column_is_map(col);
    if (!is_map && d->n == 1)
        return atom_text_fast(sb, &d->keys[0], col->key.type);
    strbuf_puts(sb, is_map ? "[\"map\",[" : "[\"set\",[");
    for (size_t i = 0; i < d->n; i++) {
        if (i)
            strbuf_puts(sb, ",");
        if (is_map) {
            strbuf_puts(sb, "[");
            if (!d->values || !atom_text_fast(sb, &d->keys[i], col->key.type))
                return false;
            strbuf_puts(sb, ",");
            if (!atom_text_fast(sb, &d->values[i], col->value.type))
                return false;
            strbuf_puts(sb, "]");
        } else if (!atom_text_fast(sb, &d->keys[i], col->key.type)) {
            return false;
        }
    }
    strbuf_puts(sb, "]]");
    return true;
}

static char *column_json_text(const struct datum *d, const struct column_def *col)
{
    struct strbuf sb = STRBUF_INIT;
    if (cell_text_fast(&sb, d, col))
        return strbuf_steal(&sb);
    strbuf_free(&sb);
    json_t *json = datum_to_json(d, col);
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(json);
    if (!text) {
        abort();                /* only on ENOMEM */
    }
    return text;
}

static int bind_text_free(sqlite3_stmt *stmt, int index, char *text)
{
    return sqlite3_bind_text(stmt, index, text, -1, free);
}

/* Brings one SQL table up to the schema: creates it, adds missing columns
 * (filled with the column's default), and reports whether it had columns. */
static int upgrade_table(struct db *db, const struct table_def *table, char **error)
{
    struct strbuf sb = STRBUF_INIT;
    bool *present = calloc(table->n_columns, sizeof *present);
    sqlite3_stmt *stmt = NULL;
    int ret = -1;

    strbuf_printf(&sb, "CREATE TABLE IF NOT EXISTS \"%s\" (_uuid TEXT PRIMARY KEY)",
                  table->name);
    if (!present || db_sql_exec(db, strbuf_cstr(&sb), error)) {
        goto out;
    }
    strbuf_clear(&sb);
    strbuf_printf(&sb, "PRAGMA table_info(\"%s\")", table->name);
    if (sqlite3_prepare_v2(db->sql, strbuf_cstr(&sb), -1, &stmt, NULL) != SQLITE_OK) {
        *error = sql_error(db, "reading table layout");
        goto out;
    }
    bool has_seq = false;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *name = (const char *) sqlite3_column_text(stmt, 1);
        has_seq = has_seq || (name && !strcmp(name, "_seq"));
        for (size_t i = 0; name && i < table->n_columns; i++) {
            if (!strcmp(table->columns[i].name, name)) {
                present[i] = true;
            }
        }
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    /* The change sequence: which write transaction last wrote the row. */
    if (!has_seq) {
        strbuf_clear(&sb);
        strbuf_printf(&sb, "ALTER TABLE \"%s\" ADD COLUMN _seq INTEGER NOT NULL DEFAULT 0",
                      table->name);
        if (db_sql_exec(db, strbuf_cstr(&sb), error)) {
            goto out;
        }
    }
    strbuf_clear(&sb);
    strbuf_printf(&sb, "CREATE INDEX IF NOT EXISTS \"%s__seq\" ON \"%s\" (_seq)",
                  table->name, table->name);
    if (db_sql_exec(db, strbuf_cstr(&sb), error)) {
        goto out;
    }

    for (size_t i = 0; i < table->n_columns; i++) {
        const struct column_def *col = &table->columns[i];
        if (present[i]) {
            continue;
        }
        strbuf_clear(&sb);
        strbuf_printf(&sb, "ALTER TABLE \"%s\" ADD COLUMN \"%s\" TEXT", table->name,
                      col->name);
        if (db_sql_exec(db, strbuf_cstr(&sb), error)) {
            goto out;
        }
        strbuf_clear(&sb);
        strbuf_printf(&sb, "UPDATE \"%s\" SET \"%s\" = ?", table->name, col->name);
        if (sqlite3_prepare_v2(db->sql, strbuf_cstr(&sb), -1, &stmt, NULL) != SQLITE_OK) {
            *error = sql_error(db, "upgrading schema");
            goto out;
        }
        struct datum d;
        datum_default(&d, col);
        bind_text_free(stmt, 1, column_json_text(&d, col));
        datum_destroy(&d, col);
        if (sqlite3_step(stmt) != SQLITE_DONE) {
            *error = sql_error(db, "upgrading schema");
            goto out;
        }
        sqlite3_finalize(stmt);
        stmt = NULL;
    }
    /* Lookups by name (a command naming one port) read one row, not all. */
    if (table->name_column) {
        strbuf_clear(&sb);
        strbuf_printf(&sb, "CREATE INDEX IF NOT EXISTS \"%s__name\" ON \"%s\" (\"%s\")",
                      table->name, table->name, table->name_column);
        if (db_sql_exec(db, strbuf_cstr(&sb), error))
            goto out;
    }
    ret = 0;

out:
    sqlite3_finalize(stmt);
    strbuf_free(&sb);
    free(present);
    return ret;
}

static int insert_row(struct db *db, const struct db_row *row, char **error);

/* Creates or upgrades the schema and makes sure the root row exists, in one
 * transaction so that concurrent first opens do not race. */
static int upgrade_schema(struct db *db, char **error)
{
    int64_t version = 0, n_root = 0;

    if (db_sql_exec(db, "BEGIN IMMEDIATE", error)) {
        return -1;
    }
    if (query_int(db, "PRAGMA user_version", &version)) {
        *error = sql_error(db, "reading schema version");
        goto error;
    }
    if (version > SCHEMA_VERSION) {
        *error = xasprintf("%s: database schema version %lld is newer than this "
                           "program supports (%d)", db->path, (long long) version,
                           SCHEMA_VERSION);
        goto error;
    }
    for (size_t i = 0; i < schema_n_tables; i++) {
        if (upgrade_table(db, schema_tables[i], error)) {
            goto error;
        }
    }
    int64_t n_seq = 0;
    if (db_sql_exec(db, "CREATE TABLE IF NOT EXISTS _seq (n INTEGER NOT NULL, "
                        "pruned INTEGER NOT NULL)", error)
        || db_sql_exec(db, "CREATE TABLE IF NOT EXISTS _tombstone (tbl TEXT NOT NULL, "
                           "uuid TEXT NOT NULL, seq INTEGER NOT NULL)", error)
        || db_sql_exec(db, "CREATE INDEX IF NOT EXISTS _tombstone_seq ON _tombstone (seq)",
                       error)
        || db_sql_exec(db, "CREATE TABLE IF NOT EXISTS _table_seq (tbl TEXT PRIMARY KEY, "
                           "seq INTEGER NOT NULL)", error)
        || query_int(db, "SELECT count(*) FROM _seq", &n_seq)
        || (!n_seq && db_sql_exec(db, "INSERT INTO _seq VALUES (0, 0)", error))) {
        if (!*error)
            *error = sql_error(db, "creating the change sequence");
        goto error;
    }
    if (version != SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        if (db_sql_exec(db, sql, error)) {
            goto error;
        }
        if (version) {
            log_info("%s: upgraded database schema from version %lld to %d", db->path,
                     (long long) version, SCHEMA_VERSION);
        }
    }
    if (query_int(db, "SELECT count(*) FROM \"Open_vSwitch\"", &n_root)) {
        *error = sql_error(db, "counting rows");
        goto error;
    }
    if (!n_root) {
        struct db_row *root = db_row_new(schema_tables[0], NULL);
        int r = insert_row(db, root, error);
        db_row_free(root);
        if (r) {
            goto error;
        }
    }
    return db_sql_exec(db, "COMMIT", error);

error:
    db_sql_run(db, "ROLLBACK", 0, NULL);
    return -1;
}

int db_sql_open(struct db *db, const char *path, char **error)
{
    int64_t version = -1, n_root = 0;

    if (make_parent_dirs(path, error)) {
        return -1;
    }
    int rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        *error = xasprintf("cannot open database %s: %s", path,
                           db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_extended_result_codes(db->sql, 0);
    sqlite3_busy_timeout(db->sql, DEFAULT_BUSY_TIMEOUT_MS);
    /* WAL: readers (the daemon) never block on, nor block, a writer. */
    if (db_sql_exec(db, "PRAGMA journal_mode=WAL", error)) {
        return -1;
    }
    if (query_int(db, "PRAGMA user_version", &version)) {
        *error = xasprintf("cannot open database %s: %s", path, sqlite3_errmsg(db->sql));
        return -1;
    }
    if (version == SCHEMA_VERSION
        && !query_int(db, "SELECT count(*) FROM \"Open_vSwitch\"", &n_root) && n_root) {
        return 0;               /* the common case: nothing to create */
    }
    return upgrade_schema(db, error);
}

/* Scalars written by us in their plainest forms, decoded without jansson:
 * a daemon reloads often, and most cells are empty or scalar. */
static bool load_scalar_fast(struct datum *d, const struct column_def *col, const char *text)
{
    union atom atom;

    switch (col->key.type) {
    case ATOM_BOOLEAN:
        if (strcmp(text, "true") && strcmp(text, "false")) {
            return false;
        }
        atom.boolean = text[0] == 't';
        break;
    case ATOM_INTEGER: {
        char *end;
        if (!isdigit((unsigned char) text[text[0] == '-']) || strlen(text) > 18) {
            return false;
        }
        atom.integer = strtoll(text, &end, 10);
        if (*end) {
            return false;
        }
        break;
    }
    case ATOM_STRING: {
        size_t len = strlen(text);
        if (len < 2 || text[0] != '"' || text[len - 1] != '"'
            || strpbrk(text + 1, "\\\"") != text + len - 1) {
            return false;           /* escapes: leave them to jansson */
        }
        atom.string = datum_xmalloc(len - 1);
        memcpy(atom.string, text + 1, len - 2);
        atom.string[len - 2] = '\0';
        break;
    }
    case ATOM_REAL:
    case ATOM_UUID:
    case ATOM_NONE:
    default:
        return false;
    }
    char *error = NULL;
    if (atom_check_constraints(&atom, &col->key, &error)) {
        free(error);                /* the slow path reports it */
        atom_destroy(&atom, col->key.type);
        return false;
    }
    datum_init_empty(d);
    datum_append(d, col, &atom, NULL);
    return true;
}

/* One atom of a map or set written by us, at *p (advanced past it):
 * "string" without escapes, an integer, true/false, or ["uuid","..."].
 * Anything else (escapes, reals, spaces) is left to jansson. */
static bool parse_atom_fast(const char **p, const struct base_type *type, union atom *atom)
{
    const char *s = *p;
    switch (type->type) {
    case ATOM_STRING: {
        if (*s != '"')
            return false;
        const char *end = strpbrk(s + 1, "\\\"");
        if (!end || *end != '"')
            return false;
        size_t len = (size_t)(end - s - 1);
        atom->string = datum_xmalloc(len + 1);
        memcpy(atom->string, s + 1, len);
        atom->string[len] = '\0';
        *p = end + 1;
        break;
    }
    case ATOM_INTEGER: {
        char *end;
        if (!isdigit((unsigned char) s[s[0] == '-']))
            return false;
        errno = 0;
        atom->integer = strtoll(s, &end, 10);
        if (errno || (*end != ',' && *end != ']' && *end))
            return false;
        *p = end;
        break;
    }
    case ATOM_BOOLEAN:
        if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5)) {
            atom->boolean = s[0] == 't';
            *p = s + (atom->boolean ? 4 : 5);
            break;
        }
        return false;
    case ATOM_UUID:
        if (strncmp(s, "[\"uuid\",\"", 9) || strnlen(s, 9 + 36 + 2) < 9 + 36 + 2
            || s[9 + 36] != '"'
            || s[9 + 37] != ']')
            return false;
        atom->string = datum_xmalloc(37);
        memcpy(atom->string, s + 9, 36);
        atom->string[36] = '\0';
        if (!uuid_is_valid(atom->string)) {
            free(atom->string);
            return false;
        }
        uuid_normalize(atom->string, atom->string);
        *p = s + 9 + 38;
        return true;            /* uuids have no constraints to check */
    case ATOM_REAL:
    case ATOM_NONE:
    default:
        return false;
    }
    char *error = NULL;
    if (atom_check_constraints(atom, type, &error)) {
        free(error);            /* the slow path reports it */
        atom_destroy(atom, type->type);
        return false;
    }
    return true;
}

/* Maps and sets written by us in their plainest form, ["map",[[k,v],...]]
 * and ["set",[e,...]], decoded without jansson: a daemon at 1000 ports
 * reloads thousands of them (statistics, status, ports) per change. */
static bool load_collection_fast(struct datum *d, const struct column_def *col, const char *text)
{
    bool is_map = column_is_map(col);
    const char *p = text;
    const char *head = is_map ? "[\"map\",[" : "[\"set\",[";

    if (strncmp(p, head, strlen(head))) {
        /* A set of one is stored as its bare element (ofport 5, duplex "full"). */
        union atom key;
        if (is_map || !parse_atom_fast(&p, &col->key, &key))
            return false;
        datum_init_empty(d);
        datum_append(d, col, &key, NULL);
        char *error = NULL;
        if (*p || datum_check_size(d, col, &error)) {
            free(error);
            datum_destroy(d, col);
            return false;
        }
        return true;
    }
    p += strlen(head);
    datum_init_empty(d);
    size_t room = 0;             /* grown by doubling: a Bridge's 1000 ports */
    while (*p != ']') {
        union atom key, value;
        if (is_map && *p++ != '[')
            goto fail;
        if (!parse_atom_fast(&p, &col->key, &key))
            goto fail;
        if (is_map && (*p++ != ',' || !parse_atom_fast(&p, &col->value, &value))) {
            atom_destroy(&key, col->key.type);
            goto fail;
        }
        if (d->n == room) {
            room = room ? room * 2 : 8;
            d->keys = datum_xrealloc(d->keys, room * sizeof *d->keys);
            if (is_map)
                d->values = datum_xrealloc(d->values, room * sizeof *d->values);
        }
        d->keys[d->n] = key;
        if (is_map)
            d->values[d->n] = value;
        d->n++;
        if (is_map && *p++ != ']')
            goto fail;
        if (*p == ',' && p[1] != ']')
            p++;
        else if (*p != ']')
            goto fail;
    }
    char *error = NULL;
    if (strcmp(p, "]]") || datum_sort(d, col) || datum_check_size(d, col, &error)) {
        free(error);
        goto fail;
    }
    return true;

fail:
    datum_destroy(d, col);
    return false;
}

/* Decodes one stored cell; a missing or damaged value becomes the default
 * so that one bad cell does not make the whole configuration unreadable. */
static void load_cell(struct datum *d, const struct column_def *col, const char *text,
                      const char *table, const char *uuid)
{
    /* Fast paths for the most common stored values. */
    if (text && !column_is_scalar(col)
        && (!strcmp(text, "[\"map\",[]]") || !strcmp(text, "[\"set\",[]]"))) {
        datum_init_empty(d);
        return;
    }
    if (text && column_is_scalar(col) && load_scalar_fast(d, col, text)) {
        return;
    }
    if (text && !column_is_scalar(col) && load_collection_fast(d, col, text)) {
        return;
    }
    if (text) {
        json_error_t jerr;
        json_t *json = json_loads(text, JSON_DECODE_ANY, &jerr);
        char *error = NULL;
        if (json && !datum_from_json(d, col, json, &error)) {
            json_decref(json);
            return;
        }
        log_warn("table %s row %s column %s: bad stored value %s (%s), using default",
                 table, uuid, col->name, text, error ? error : jerr.text);
        free(error);
        json_decref(json);
    }
    datum_default(d, col);
}

static int compare_row_order(const void *a_, const void *b_)
{
    const struct db_row *a = *(const struct db_row *const *) a_;
    const struct db_row *b = *(const struct db_row *const *) b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The SELECT of the table's rows matching `where` (NULL: all, in rowid
 * order). */
static sqlite3_stmt *row_query(struct db *db, const struct table_def *table, const char *where)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "SELECT _uuid");
    for (size_t i = 0; i < table->n_columns; i++) {
        strbuf_printf(&sb, ", \"%s\"", table->columns[i].name);
    }
    strbuf_printf(&sb, ", rowid FROM \"%s\"", table->name);
    /* With a condition the rows are put in order here: asked to, SQLite
     * would rather walk the whole table in rowid order than use the
     * condition's index and sort a few rows. */
    if (where)
        strbuf_printf(&sb, " WHERE %s", where);
    else
        strbuf_puts(&sb, " ORDER BY rowid");
    sqlite3_stmt *stmt = cached_statement(db, strbuf_cstr(&sb));
    strbuf_free(&sb);
    return stmt;
}

void db_sql_forget_queries(struct db *db)
{
    for (size_t i = 0; i < db->n_queries; i++) {
        sqlite3_finalize(db->queries[i].stmt);
        free(db->queries[i].sql);
    }
    db->n_queries = 0;
}

/* The table's rows that match `where` (an SQL condition, its one `?`
 * bound to `param` or `int_param`; NULL: all rows), in the file's order. */
static int load_rows(struct db *db, const struct table_def *table, const char *where,
                     const char *param, const int64_t *int_param, struct db_rows *rows,
                     char **error)
{
    size_t first = rows->n;
    sqlite3_stmt *stmt = row_query(db, table, where);
    int rc;
    if (!stmt) {
        *error = sql_error(db, "loading");
        return -1;
    }
    if (param)
        sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
    else if (int_param)
        sqlite3_bind_int64(stmt, 1, *int_param);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *uuid = (const char *) sqlite3_column_text(stmt, 0);
        if (!uuid || !uuid_is_valid(uuid)) {
            log_warn("table %s: skipping row with bad uuid", table->name);
            continue;
        }
        struct db_row *row = datum_xmalloc(sizeof *row);
        row->table = table;
        uuid_normalize(row->uuid, uuid);
        row->columns = datum_xmalloc(table->n_columns * sizeof *row->columns);
        row->inserted = row->deleted = row->modified = false;
        row->original = NULL;
        row->order = (uint64_t) sqlite3_column_int64(stmt, (int) table->n_columns + 1);
        row->generation = db->generation + 1;   /* the load in progress */
        for (size_t i = 0; i < table->n_columns; i++) {
            load_cell(&row->columns[i], &table->columns[i],
                      (const char *) sqlite3_column_text(stmt, (int) i + 1),
                      table->name, row->uuid);
        }
        db_rows_append(rows, row);
    }
    if (rc != SQLITE_DONE)
        *error = sql_error(db, "loading");
    release_statement(db, stmt);
    if (rc != SQLITE_DONE)
        return -1;
    if (where && rows->n - first > 1)
        qsort(rows->rows + first, rows->n - first, sizeof *rows->rows, compare_row_order);
    return 0;
}

/* The table's rows (those written after change `since`, or all when it is
 * negative), in the file's order. */
static int load_table(struct db *db, const struct table_def *table, struct db_rows *rows,
                      int64_t since, char **error)
{
    if (since < 0)
        return load_rows(db, table, NULL, NULL, NULL, rows, error);
    return load_rows(db, table, "_seq > ?", NULL, &since, rows, error);
}

int db_sql_load_rows(struct db *db, const struct table_def *table, const char *where,
                     const char *param, struct db_rows *rows, char **error)
{
    return load_rows(db, table, where, param, NULL, rows, error);
}

char *db_sql_cell_text(const struct datum *d, const struct column_def *col)
{
    return column_json_text(d, col);
}

int db_sql_load(struct db *db, char **error)
{
    struct db_rows fresh[DB_MAX_TABLES];
    bool own_txn = !db->in_txn;
    int64_t version = 0;

    memset(fresh, 0, sizeof fresh);
    /* One read transaction so that every table comes from the same snapshot. */
    if (own_txn && db_sql_run(db, "BEGIN", 0, error) != SQLITE_OK) {
        return -1;
    }
    for (size_t t = 0; t < schema_n_tables; t++) {
        if (load_table(db, schema_tables[t], &fresh[t], -1, error)) {
            goto error;
        }
    }
    int64_t seq = 0;
    if (db_sql_data_version(db, &version) || query_int(db, "SELECT n FROM _seq", &seq)) {
        *error = sql_error(db, "reading data version");
        goto error;
    }
    if (own_txn) {
        db_sql_run(db, "COMMIT", 0, NULL);
    }
    db_clear_rows(db);
    memcpy(db->tables, fresh, sizeof fresh);
    db->data_version = version;
    db->loaded_seq = seq;
    db->loaded = true;
    db->generation++;
    db->changed.n = 0;
    db->changed_all = true;
    for (size_t t = 0; t < DB_MAX_TABLES; t++)
        db->complete[t] = true;
    return 0;

error:
    if (own_txn) {
        db_sql_run(db, "ROLLBACK", 0, NULL);
    }
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < fresh[t].n; i++) {
            db_row_free(fresh[t].rows[i]);
        }
        free(fresh[t].rows);
    }
    return -1;
}

/* A row read again replaces the one in memory in place (so the table's
 * order stays the file's); a new one goes at the end, as its rowid does. */
static void apply_row(struct db *db, size_t t, struct db_row *fresh)
{
    struct db_row *row = db_lookup_uuid(db, schema_tables[t], fresh->uuid);
    if (!row) {
        db_rows_append(&db->tables[t], fresh);
        if (!db->index->stale)
            db_index_add(db->index, fresh);
        db_rows_append(&db->changed, fresh);
        return;
    }
    db_rows_append(&db->changed, row);
    for (size_t i = 0; i < row->table->n_columns; i++)
        datum_destroy(&row->columns[i], &row->table->columns[i]);
    free(row->columns);
    row->columns = fresh->columns;
    row->generation = fresh->generation;
    db_row_free(row->original);       /* memory is the file's again */
    row->original = NULL;
    fresh->columns = NULL;
    free(fresh);
}

static void forget_row(struct db *db, const char *table_name, const char *uuid)
{
    const struct table_def *table = schema_find_table(table_name);
    char norm[37];
    if (!table || !uuid_is_valid(uuid))
        return;
    uuid_normalize(norm, uuid);
    struct db_row *row = db_lookup_uuid(db, table, norm);
    if (!row)
        return;
    struct db_rows *rows = &db->tables[db_table_index(table)];
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->rows[i] == row) {
            memmove(&rows->rows[i], &rows->rows[i + 1], (rows->n - i - 1) * sizeof row);
            rows->n--;
            break;
        }
    }
    db_index_remove(db->index, row);
    for (size_t i = 0; i < db->changed.n; i++)
        if (db->changed.rows[i] == row) {
            db->changed.rows[i] = db->changed.rows[--db->changed.n];
            break;
        }
    db_row_free(row);
}

/* Applies the tombstones after `since`; -1 when one could not be read. */
static int load_tombstones(struct db *db, int64_t since)
{
    sqlite3_stmt *stmt = cached_statement(db, "SELECT tbl, uuid FROM _tombstone WHERE seq > ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, since);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *table = (const char *) sqlite3_column_text(stmt, 0);
        const char *uuid = (const char *) sqlite3_column_text(stmt, 1);
        if (table && uuid)
            forget_row(db, table, uuid);
    }
    release_statement(db, stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The tables written after transaction `since`, as bits. */
static int tables_written_since(struct db *db, int64_t since, uint32_t *written)
{
    *written = 0;
    sqlite3_stmt *stmt = cached_statement(db, "SELECT tbl FROM _table_seq WHERE seq > ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, since);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const struct table_def *table = schema_find_table((const char *) sqlite3_column_text(stmt,
                                                                                             0));
        if (table && !strcmp(table->name, (const char *) sqlite3_column_text(stmt, 0)))
            *written |= UINT32_C(1) << db_table_index(table);
    }
    release_statement(db, stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

int db_sql_load_changes(struct db *db, char **error)
{
    int64_t seq = 0, pruned = 0, version = 0;
    struct db_rows fresh[DB_MAX_TABLES];
    memset(fresh, 0, sizeof fresh);
    bool own_txn = !db->in_txn;
    if (!db->loaded)
        return db_sql_load(db, error);
    if (own_txn && db_sql_run(db, "BEGIN", 0, error) != SQLITE_OK)
        return -1;
    if (query_int(db, "SELECT n FROM _seq", &seq) ||
        query_int(db, "SELECT pruned FROM _seq", &pruned) ||
        db_sql_data_version(db, &version)) {
        *error = sql_error(db, "reading the change sequence");
        goto error;
    }
    /* Tombstones this reader needs are gone, or the file is not the one
     * loaded (replaced, restored): everything again. */
    if (db->loaded_seq < pruned || seq < db->loaded_seq) {
        if (own_txn)
            db_sql_run(db, "COMMIT", 0, NULL);
        return db_sql_load(db, error);
    }
    uint32_t written;
    if (tables_written_since(db, db->loaded_seq, &written)) {
        *error = sql_error(db, "reading the tables written");
        goto error;
    }
    for (size_t t = 0; t < schema_n_tables; t++)
        if ((written & (UINT32_C(1) << t))
            && load_table(db, schema_tables[t], &fresh[t], db->loaded_seq, error))
            goto error;
    db->changed.n = 0;
    db->changed_all = false;
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < fresh[t].n; i++)
            apply_row(db, t, fresh[t].rows[i]);
        free(fresh[t].rows);
        memset(&fresh[t], 0, sizeof fresh[t]);
    }
    if (load_tombstones(db, db->loaded_seq)) {
        /* Memory is half way: the next read loads it all. */
        db->loaded = false;
        *error = sql_error(db, "reading deletions");
        goto error;
    }
    if (own_txn)
        db_sql_run(db, "COMMIT", 0, NULL);
    db->data_version = version;
    db->loaded_seq = seq;
    db->generation++;
    return 0;

error:
    if (own_txn)
        db_sql_run(db, "ROLLBACK", 0, NULL);
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < fresh[t].n; i++)
            db_row_free(fresh[t].rows[i]);
        free(fresh[t].rows);
    }
    return -1;
}

/* Tombstones older than this many transactions are pruned: a reader that
 * far behind loads everything. */
#define TOMBSTONE_KEEP 65536

int db_sql_begin_seq(struct db *db, char **error)
{
    int64_t seq = 0;
    if (query_int(db, "SELECT n FROM _seq", &seq)) {
        *error = sql_error(db, "reading the change sequence");
        return -1;
    }
    db->tx_seq = seq + 1;
    db->tx_tables = 0;
    return 0;
}

static void wrote_table(struct db *db, const struct table_def *table)
{
    db->tx_tables |= UINT32_C(1) << db_table_index(table);
}

/* Which tables this transaction wrote, for readers of changes (they look
 * at those tables only, not at all twenty-odd). */
static int write_table_seqs(struct db *db, char **error)
{
    for (size_t t = 0; t < schema_n_tables; t++) {
        if (!(db->tx_tables & (UINT32_C(1) << t)))
            continue;
        sqlite3_stmt *stmt = cached_statement(db, "INSERT OR REPLACE INTO _table_seq "
                                                  "VALUES (?1, ?2)");
        if (!stmt) {
            *error = sql_error(db, "recording the tables written");
            return -1;
        }
        sqlite3_bind_text(stmt, 1, schema_tables[t]->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, db->tx_seq);
        int rc = sqlite3_step(stmt);
        release_statement(db, stmt);
        if (rc != SQLITE_DONE) {
            *error = sql_error(db, "recording the tables written");
            return -1;
        }
    }
    return 0;
}

int db_sql_end_seq(struct db *db, char **error)
{
    if (db_sql_run(db, "UPDATE _seq SET n = ?1", db->tx_seq, error) != SQLITE_OK
        || write_table_seqs(db, error))
        return -1;
    if (db->tx_seq % 1024 == 0 && db->tx_seq > TOMBSTONE_KEEP) {
        int64_t below = db->tx_seq - TOMBSTONE_KEEP;
        if (db_sql_run(db, "DELETE FROM _tombstone WHERE seq <= ?1", below, error) != SQLITE_OK
            || db_sql_run(db, "UPDATE _seq SET pruned = ?1", below, error) != SQLITE_OK)
            return -1;
    }
    return 0;
}

static int insert_row(struct db *db, const struct db_row *row, char **error)
{
    const struct table_def *table = row->table;
    wrote_table(db, table);
    struct strbuf sb = STRBUF_INIT;
    sqlite3_stmt *stmt;

    strbuf_printf(&sb, "INSERT INTO \"%s\" (_seq, _uuid", table->name);
    for (size_t i = 0; i < table->n_columns; i++) {
        strbuf_printf(&sb, ", \"%s\"", table->columns[i].name);
    }
    strbuf_printf(&sb, ") VALUES (%lld, ?", (long long) db->tx_seq);
    for (size_t i = 0; i < table->n_columns; i++) {
        strbuf_puts(&sb, ", ?");
    }
    strbuf_puts(&sb, ")");
    int rc = sqlite3_prepare_v2(db->sql, strbuf_cstr(&sb), -1, &stmt, NULL);
    strbuf_free(&sb);
    if (rc != SQLITE_OK) {
        *error = sql_error(db, "inserting");
        return -1;
    }
    sqlite3_bind_text(stmt, 1, row->uuid, -1, SQLITE_TRANSIENT);
    for (size_t i = 0; i < table->n_columns; i++) {
        bind_text_free(stmt, (int) i + 2, column_json_text(&row->columns[i], &table->columns[i]));
    }
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        *error = sql_error(db, "inserting");
        return -1;
    }
    return 0;
}

static int update_row(struct db *db, const struct db_row *row, char **error)
{
    const struct table_def *table = row->table;
    wrote_table(db, table);
    struct strbuf sb = STRBUF_INIT;
    sqlite3_stmt *stmt;

    strbuf_printf(&sb, "UPDATE \"%s\" SET _seq = %lld", table->name, (long long) db->tx_seq);
    for (size_t i = 0; i < table->n_columns; i++) {
        strbuf_printf(&sb, ", \"%s\" = ?", table->columns[i].name);
    }
    strbuf_puts(&sb, " WHERE _uuid = ?");
    int rc = sqlite3_prepare_v2(db->sql, strbuf_cstr(&sb), -1, &stmt, NULL);
    strbuf_free(&sb);
    if (rc != SQLITE_OK) {
        *error = sql_error(db, "updating");
        return -1;
    }
    for (size_t i = 0; i < table->n_columns; i++) {
        bind_text_free(stmt, (int) i + 1, column_json_text(&row->columns[i], &table->columns[i]));
    }
    sqlite3_bind_text(stmt, (int) table->n_columns + 1, row->uuid, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        *error = sql_error(db, "updating");
        return -1;
    }
    return 0;
}

static int delete_row(struct db *db, const struct db_row *row, char **error)
{
    wrote_table(db, row->table);
    char *sql = xasprintf("DELETE FROM \"%s\" WHERE _uuid = ?", row->table->name);
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        *error = sql_error(db, "deleting");
        return -1;
    }
    sqlite3_bind_text(stmt, 1, row->uuid, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        *error = sql_error(db, "deleting");
        return -1;
    }
    /* Readers that load changes only learn of a deletion from this. */
    rc = sqlite3_prepare_v2(db->sql, "INSERT INTO _tombstone VALUES (?, ?, ?)", -1, &stmt,
                            NULL);
    if (rc != SQLITE_OK) {
        *error = sql_error(db, "deleting");
        return -1;
    }
    sqlite3_bind_text(stmt, 1, row->table->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, row->uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 3, db->tx_seq);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        *error = sql_error(db, "deleting");
        return -1;
    }
    return 0;
}

int db_sql_write_changes(struct db *db, char **error)
{
    for (size_t i = 0; i < db->deleted.n; i++) {
        const struct db_row *row = db->deleted.rows[i];
        if (!row->inserted && delete_row(db, row, error)) {
            return -1;
        }
    }
    for (size_t t = 0; t < schema_n_tables; t++) {
        for (size_t i = 0; i < db->tables[t].n; i++) {
            const struct db_row *row = db->tables[t].rows[i];
            if (row->inserted ? insert_row(db, row, error)
                : row->modified ? update_row(db, row, error) : 0) {
                return -1;
            }
        }
    }
    return 0;
}

int db_sql_write_column(struct db *db, const struct table_def *table, const char *uuid,
                        const struct column_def *col, const struct datum *value,
                        char **error)
{
    wrote_table(db, table);
    char *sql = xasprintf("UPDATE \"%s\" SET _seq = ?3, \"%s\" = ?1 WHERE _uuid = ?2",
                          table->name, col->name);
    sqlite3_stmt *stmt = cached_statement(db, sql);
    free(sql);
    if (!stmt) {
        *error = sql_error(db, "updating");
        return -1;
    }
    bind_text_free(stmt, 1, column_json_text(value, col));
    sqlite3_bind_text(stmt, 2, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 3, db->tx_seq);
    int rc = sqlite3_step(stmt);
    release_statement(db, stmt);
    if (rc != SQLITE_DONE) {
        *error = sql_error(db, "updating");
        return -1;
    }
    if (sqlite3_changes(db->sql) != 1) {
        *error = xasprintf("no row %s in table %s", uuid, table->name);
        return -1;
    }
    return 0;
}
