/* ovs-vsctl's generic database commands (list, find, get, set, add, remove,
 * clear, create, destroy) over any table of the schema, with its semantics
 * and messages (lib/db-ctl-base.c). */
#include "cli/command.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/column_set.h"
#include "cli/table_output.h"
#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

/* ---- finding tables, records and columns ---- */

static const struct table_def *must_find_table(struct cli_context *ctx, const char *name)
{
    const struct table_def *t = schema_find_table(name);
    if (!t)
        cli_fail(ctx, "unknown table \"%s\"", name);
    return t;
}

/* The record `id` names; NULL when there is none, an error (ctx->error
 * set) unless --if-exists. */
/* The tables ovs-vsctl finds through another's row: a bridge's NetFlow by
 * the bridge's name, a port's QoS by the port's. */
static const struct {
    const char *table, *via_table, *via_column;
} record_paths[] = {
    { "NetFlow", "Bridge", "netflow" }, { "sFlow", "Bridge", "sflow" },
    { "IPFIX", "Bridge", "ipfix" }, { "Controller", "Bridge", "controller" },
    { "AutoAttach", "Bridge", "auto_attach" }, { "QoS", "Port", "qos" },
};

/* `id` as ovs-vsctl reads a record name beyond uuids and name indexes: a
 * "name" column (Mirror, Flow_Table), or the row another row names.  NULL
 * with ctx->error when several match. */
static struct db_row *find_record_by_path(struct cli_context *ctx, const struct table_def *t,
                                          const char *id, bool *ambiguous)
{
    struct db_row *found = NULL;
    *ambiguous = false;
    const struct column_def *name_col = NULL;
    char *ignored = NULL;
    if (!t->name_column && schema_find_column(t, "name", &name_col, &ignored) == 0
        && !strcmp(name_col->name, "name") && name_col->key.type == ATOM_STRING) {
        for (size_t i = 0; i < db_count_rows(ctx->db, t); i++) {
            struct db_row *row = db_row_at(ctx->db, t, i);
            if (strcmp(db_row_get_string(row, "name"), id))
                continue;
            *ambiguous = found != NULL;
            found = row;
        }
    }
    free(ignored);
    for (size_t p = 0; !found && p < sizeof record_paths / sizeof *record_paths; p++) {
        if (strcmp(record_paths[p].table, t->name))
            continue;
        struct db_row *via = db_find_row(ctx->db, schema_find_table(record_paths[p].via_table),
                                         id);
        const struct datum *refs = via ? db_row_get(via, record_paths[p].via_column) : NULL;
        if (refs && refs->n)
            found = db_find_row_by_uuid(ctx->db, refs->keys[0].string);
        *ambiguous = refs && refs->n > 1;
    }
    if (*ambiguous)
        cli_fail(ctx, "multiple rows in %s match \"%s\"", t->name, id);
    return *ambiguous ? NULL : found;
}

static struct db_row *find_record(struct cli_context *ctx, const struct table_def *t,
                                  const char *id)
{
    struct db_row *row = db_find_row(ctx->db, t, id);
    bool ambiguous = false;
    if (!row)
        row = find_record_by_path(ctx, t, id, &ambiguous);
    if (!row && !ambiguous && !ctx->cmd->if_exists)
        cli_fail(ctx, "no row \"%s\" in table %s", id, t->name);
    return row;
}

/* Passes a heap error message on to ctx. */
static int fail_with(struct cli_context *ctx, char *error)
{
    cli_fail(ctx, "%s", error ? error : "invalid argument");
    free(error);
    return -1;
}

/* A column that add/remove/clear may change. */
static int find_mutable_column(struct cli_context *ctx, const struct table_def *t,
                               const char *name, const struct column_def **col)
{
    char *error = NULL;
    if (!strcmp(name, "_uuid"))
        return cli_fail(ctx, "cannot modify read-only column _uuid in table %s", t->name);
    if (schema_find_column(t, name, col, &error))
        return fail_with(ctx, error);
    if (column_is_read_only(t, *col))
        return cli_fail(ctx, "cannot modify read-only column %s in table %s",
                        (*col)->name, t->name);
    return 0;
}

static struct datum *row_column(struct db_row *row, const struct column_def *col)
{
    return &row->columns[schema_column_index(row->table, col)];
}

/* A scalar column of the map's value type, to compare single values. */
static struct column_def value_column(const struct column_def *map)
{
    struct column_def c = { .name = map->name, .key = map->value,
                            .value = { .type = ATOM_NONE }, .n_min = 1, .n_max = 1 };
    return c;
}

static struct column_def key_column(const struct column_def *map)
{
    struct column_def c = { .name = map->name, .key = map->key,
                            .value = { .type = ATOM_NONE }, .n_min = 1, .n_max = 1 };
    return c;
}

/* Index of `key` in map `d`, or -1. */
static long map_find(const struct datum *d, const struct column_def *col, union atom *key)
{
    struct column_def kc = key_column(col);
    struct datum want = { 1, key, NULL };
    for (size_t i = 0; i < d->n; i++) {
        struct datum have = { 1, &d->keys[i], NULL };
        if (datum_equals(&have, &want, &kc))
            return (long)i;
    }
    return -1;
}

/* ---- list and find ---- */

static int print_records(struct cli_context *ctx, struct record_table *rt)
{
    struct table_style style = table_style_for_records(ctx->options);
    record_table_render(rt, &style, &ctx->output);
    record_table_destroy(rt);
    return 0;
}

static int cmd_list(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    struct record_table rt;
    char *error = NULL;
    if (record_table_init(&rt, t, ctx->cmd->columns, &error))
        return fail_with(ctx, error);

    if (ctx->cmd->argc == 2) {
        struct db_row *row;
        DB_FOR_EACH_ROW(row, ctx->db, t, i)
            record_table_add_row(&rt, row);
    }
    for (int i = 2; i < ctx->cmd->argc; i++) {
        struct db_row *row = find_record(ctx, t, argv[i]);
        if (row) {
            record_table_add_row(&rt, row);
        } else if (!ctx->cmd->if_exists) {
            record_table_destroy(&rt);
            return -1;
        }
    }
    return print_records(ctx, &rt);
}

/* One COLUMN[:KEY]=VALUE condition of find, parsed once for every row. */
struct condition {
    const struct column_def *col;   /* NULL: _uuid */
    struct column_def want_col;     /* the type `want` was parsed with */
    bool has_key;
    union atom key;
    struct datum want;
};

static void atom_free(union atom *atom, enum atom_type type)
{
    if (type == ATOM_STRING || type == ATOM_UUID)
        free(atom->string);
}

static void condition_destroy(struct condition *c)
{
    if (c->has_key)
        atom_free(&c->key, c->col->key.type);
    datum_destroy(&c->want, &c->want_col);
}

static int condition_parse(const struct table_def *t, const char *arg, struct condition *c,
                           char **error)
{
    char *key = NULL, *value = NULL;
    int rc = -1;
    memset(c, 0, sizeof *c);
    if (column_arg_parse(t, arg, &c->col, &key, &value, error))
        return -1;
    if (!c->col) {
        c->want_col = table_output_uuid_column;
        if (key) {
            *error = xasprintf("cannot specify key to check for non-map column _uuid");
            goto out;
        }
    } else if (key) {
        if (!column_is_map(c->col)) {
            *error = xasprintf("cannot specify key to check for non-map column %s",
                               c->col->name);
            goto out;
        }
        c->want_col = value_column(c->col);
        if (atom_from_string(&c->key, &c->col->key, key, error))
            goto out;
        c->has_key = true;
    } else {
        c->want_col = *c->col;
    }
    rc = datum_from_string(&c->want, &c->want_col, value, error);
    if (rc && c->has_key) {
        atom_free(&c->key, c->col->key.type);
        c->has_key = false;
    }
out:
    free(key);
    free(value);
    return rc;
}

static bool condition_holds(const struct condition *c, const struct db_row *row)
{
    if (!c->col)
        return c->want.n == 1 && !strcasecmp(c->want.keys[0].string, row->uuid);
    const struct datum *have = &row->columns[schema_column_index(row->table, c->col)];
    if (!c->has_key)
        return datum_equals(have, &c->want, c->col);
    long i = map_find(have, c->col, (union atom *)&c->key);
    if (i < 0)
        return c->want.n == 0;
    struct datum value = { 1, &have->values[i], NULL };
    return datum_equals(&value, &c->want, &c->want_col);
}

/* The conditions argv[0..n) of find and wait-until, parsed once.  NULL with
 * *error set (or NULL: out of memory) when one does not parse. */
static struct condition *conditions_parse(const struct table_def *t, char **argv, size_t n,
                                          char **error)
{
    struct condition *conds = calloc(n + 1, sizeof *conds);
    if (!conds)
        return NULL;
    for (size_t parsed = 0; parsed < n; parsed++)
        if (condition_parse(t, argv[parsed], &conds[parsed], error)) {
            for (size_t c = 0; c < parsed; c++)
                condition_destroy(&conds[c]);
            free(conds);
            return NULL;
        }
    return conds;
}

static bool conditions_hold(const struct condition *conds, size_t n, const struct db_row *row)
{
    for (size_t c = 0; c < n; c++)
        if (!condition_holds(&conds[c], row))
            return false;
    return true;
}

static void conditions_destroy(struct condition *conds, size_t n)
{
    for (size_t c = 0; c < n; c++)
        condition_destroy(&conds[c]);
    free(conds);
}

static int cmd_find(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    size_t n = (size_t)(ctx->cmd->argc - 2);
    char *error = NULL;
    struct condition *conds = conditions_parse(t, argv + 2, n, &error);
    if (!conds)
        return fail_with(ctx, error ? error : xasprintf("out of memory"));
    struct record_table rt;
    int rc = -1;
    if (record_table_init(&rt, t, ctx->cmd->columns, &error) == 0) {
        struct db_row *row;
        DB_FOR_EACH_ROW(row, ctx->db, t, i) {
            if (conditions_hold(conds, n, row))
                record_table_add_row(&rt, row);
        }
        rc = print_records(ctx, &rt);
    }
    if (rc)
        fail_with(ctx, error);
    conditions_destroy(conds, n);
    return rc;
}

/* ---- wait-until, comment ---- */

/* Like find's conditions, on one record; it need not exist yet.  Not yet:
 * CLI_EXIT_RETRY, and the CLI runs the whole chain again once the database
 * has had a chance to change (ovs-vsctl waits the same way). */
static int cmd_wait_until(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    size_t n = (size_t)(ctx->cmd->argc - 3);
    char *error = NULL;
    struct condition *conds = conditions_parse(t, argv + 3, n, &error);
    if (!conds)
        return fail_with(ctx, error ? error : xasprintf("out of memory"));
    const struct db_row *row = db_find_row(ctx->db, t, argv[2]);
    bool holds = row && conditions_hold(conds, n, row);
    conditions_destroy(conds, n);
    if (holds)
        return 0;
    ctx->exit_code = CLI_EXIT_RETRY;
    return -1;
}

static int cmd_comment(struct cli_context *ctx)
{
    (void)ctx;      /* for the reader of a script; changes nothing */
    return 0;
}

/* ---- get ---- */

/* Appends one COLUMN[:KEY] of `row` (nothing for a missing key under
 * --if-exists); 0 or -1. */
static int get_one(struct cli_context *ctx, struct db_row *row, const char *record,
                   const char *arg)
{
    const struct table_def *t = row->table;
    const struct column_def *col;
    char *key = NULL, *error = NULL;
    if (column_arg_parse(t, arg, &col, &key, NULL, &error))
        return fail_with(ctx, error);

    int rc = 0;
    if (!col) {
        if (key)
            rc = cli_fail(ctx, "cannot specify key to get for non-map column _uuid");
        else
            strbuf_printf(&ctx->output, "%s\n", row->uuid);
    } else if (!key) {
        char *text = datum_to_string(row_column(row, col), col);
        strbuf_printf(&ctx->output, "%s\n", text);
        free(text);
    } else if (!column_is_map(col)) {
        rc = cli_fail(ctx, "cannot specify key to get for non-map column %s", col->name);
    } else {
        union atom k;
        if (atom_from_string(&k, &col->key, key, &error)) {
            free(key);
            return fail_with(ctx, error);
        }
        const struct datum *d = row_column(row, col);
        long i = map_find(d, col, &k);
        atom_free(&k, col->key.type);
        if (i >= 0) {
            char *text = atom_to_string(&d->values[i], col->value.type);
            strbuf_printf(&ctx->output, "%s\n", text);
            free(text);
        } else if (!ctx->cmd->if_exists) {
            rc = cli_fail(ctx, "no key \"%s\" in %s record \"%s\" column %s",
                          key, t->name, record, col->name);
        }
    }
    free(key);
    return rc;
}

static int cmd_get(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    struct db_row *row = find_record(ctx, t, argv[2]);
    if (!row)
        return ctx->cmd->if_exists ? 0 : -1;
    /* --id=@name: later commands refer to this row by the name. */
    if (ctx->cmd->id) {
        if (ctx->cmd->id[0] != '@')
            return cli_fail(ctx, "row id \"%s\" does not begin with \"@\"", ctx->cmd->id);
        size_t known = ctx->symbols ? ctx->symbols->n : 0;
        struct cli_symbol *symbol = ctx->symbols ? cli_symbols_get(ctx->symbols, ctx->cmd->id)
                                                 : NULL;
        if (!symbol)
            return cli_fail(ctx, "out of memory");
        if (ctx->symbols->n == known)
            return cli_fail(ctx, "row id \"%s\" specified on \"get\" command was used "
                            "before it was defined", ctx->cmd->id);
        memcpy(symbol->uuid, row->uuid, sizeof symbol->uuid);
        symbol->created = true;
    }
    for (int i = 3; i < ctx->cmd->argc; i++)
        if (get_one(ctx, row, argv[2], argv[i]))
            return -1;
    return 0;
}

/* ---- changing records ---- */

/* TABLE RECORD of set/add/remove/clear: 0 with *row (NULL when --if-exists
 * finds none: nothing to do), or -1 with ctx->error. */
static int target_row(struct cli_context *ctx, struct db_row **row)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    *row = find_record(ctx, t, argv[2]);
    return *row || ctx->cmd->if_exists ? 0 : -1;
}

static int cmd_set(struct cli_context *ctx)
{
    struct db_row *row;
    if (target_row(ctx, &row))
        return -1;
    if (!row)
        return 0;
    for (int i = 3; i < ctx->cmd->argc; i++) {
        char *error = NULL;
        if (column_set_apply(ctx->db, row, ctx->cmd->argv[i], &error))
            return fail_with(ctx, error);
    }
    return 0;
}

static const char *element_word(const struct column_def *col)
{
    return column_is_map(col) ? "pairs" : "values";
}

static int cmd_add(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    struct db_row *row;
    if (target_row(ctx, &row))
        return -1;
    if (!row)
        return 0;
    const struct column_def *col;
    if (find_mutable_column(ctx, row->table, argv[3], &col))
        return -1;

    /* Each argument holds one or more elements, as ovs-vsctl add. */
    struct column_def add_col = *col;
    add_col.n_min = 1;
    add_col.n_max = UINT32_MAX;
    struct datum result;
    datum_clone(&result, row_column(row, col), col);
    for (int i = 4; i < ctx->cmd->argc; i++) {
        struct datum add;
        char *error = NULL;
        if (datum_from_string(&add, &add_col, argv[i], &error)) {
            datum_destroy(&result, col);
            return fail_with(ctx, error);
        }
        datum_union(&result, &add, col);
        datum_destroy(&add, &add_col);
    }
    if (result.n > col->n_max) {
        size_t n = result.n;
        datum_destroy(&result, col);
        return cli_fail(ctx, "\"add\" operation would put %zu %s in column %s of table %s "
                        "but the maximum number is %u", n, element_word(col), col->name,
                        row->table->name, col->n_max);
    }
    db_row_set_by_def(row, col, &result);
    return 0;
}

static int cmd_remove(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    struct db_row *row;
    if (target_row(ctx, &row))
        return -1;
    if (!row)
        return 0;
    const struct column_def *col;
    if (find_mutable_column(ctx, row->table, argv[3], &col))
        return -1;

    /* A map argument may be KEY=VALUE pairs or KEYs alone; the parsed datum
     * then has no values, which is how datum_subtract tells them apart. */
    struct column_def keys_col = *col;
    keys_col.value.type = ATOM_NONE;
    struct datum result;
    datum_clone(&result, row_column(row, col), col);
    for (int i = 4; i < ctx->cmd->argc; i++) {
        struct datum rm;
        char *error = NULL;
        if (datum_from_strings(&rm, col, &argv[i], 1, &error)) {
            datum_destroy(&result, col);
            return fail_with(ctx, error);
        }
        datum_subtract(&result, &rm, col);
        datum_destroy(&rm, rm.values ? col : &keys_col);
    }
    if (result.n < col->n_min) {
        size_t n = result.n;
        datum_destroy(&result, col);
        return cli_fail(ctx, "\"remove\" operation would put %zu %s in column %s of table %s "
                        "but the minimum number is %u", n, element_word(col), col->name,
                        row->table->name, col->n_min);
    }
    db_row_set_by_def(row, col, &result);
    return 0;
}

static int cmd_clear(struct cli_context *ctx)
{
    struct db_row *row;
    if (target_row(ctx, &row))
        return -1;
    if (!row)
        return 0;
    for (int i = 3; i < ctx->cmd->argc; i++) {
        const struct column_def *col;
        if (find_mutable_column(ctx, row->table, ctx->cmd->argv[i], &col))
            return -1;
        if (col->n_min > 0)
            return cli_fail(ctx, "\"clear\" operation cannot be applied to column %s of "
                            "table %s, which is not allowed to be empty",
                            col->name, row->table->name);
        struct datum empty = DATUM_EMPTY;
        db_row_set_by_def(row, col, &empty);
    }
    return 0;
}

static int cmd_create(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    /* --id=@name: the row takes the uuid the chain's other commands know it
     * by (referenced before or after this command). */
    const char *uuid = NULL;
    if (ctx->cmd->id) {
        if (ctx->cmd->id[0] != '@')
            return cli_fail(ctx, "row id \"%s\" does not begin with \"@\"", ctx->cmd->id);
        struct cli_symbol *symbol = ctx->symbols ? cli_symbols_get(ctx->symbols, ctx->cmd->id)
                                                 : NULL;
        if (!symbol)
            return cli_fail(ctx, "out of memory");
        if (symbol->created)
            return cli_fail(ctx, "row id \"%s\" may only be specified on one --id option",
                            ctx->cmd->id);
        symbol->created = true;
        uuid = symbol->uuid;
    } else if (!t->is_root && ctx->err) {
        /* As ovs-vsctl: the row goes with the commit's garbage collection,
         * nothing referring to it. */
        cli_reportf(ctx->err, 0, "warning: applying \"create\" command to table %s without "
                    "--id option will have no effect", t->name);
    }
    struct db_row *row = db_insert_row_uuid(ctx->db, t, uuid);
    for (int i = 2; i < ctx->cmd->argc; i++) {
        char *error = NULL;
        if (column_set_apply_new(ctx->db, row, argv[i], &error)) {
            db_delete_row(ctx->db, row);
            return fail_with(ctx, error);
        }
    }
    strbuf_printf(&ctx->output, "%s\n", row->uuid);
    return 0;
}

static int cmd_destroy(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const struct table_def *t = must_find_table(ctx, argv[1]);
    if (!t)
        return -1;
    if (ctx->cmd->all) {
        if (ctx->cmd->argc > 2)
            return cli_fail(ctx, "--all and records argument should not be specified "
                            "together");
        struct db_row *row;
        while ((row = db_row_at(ctx->db, t, 0)) != NULL)
            db_delete_row(ctx->db, row);
        return 0;
    }
    for (int i = 2; i < ctx->cmd->argc; i++) {
        struct db_row *row = find_record(ctx, t, argv[i]);
        if (row)
            db_delete_row(ctx->db, row);
        else if (!ctx->cmd->if_exists)
            return -1;
    }
    return 0;
}

const struct cli_command_def database_commands[] = {
    { "list", 1, -1, "--if-exists,--columns=", COMMAND_READ, cmd_list,
      "[--if-exists] [--columns=COLUMN,...] list TABLE [RECORD]...",
      "print the records of TABLE (all of them, or those named)" },
    { "find", 1, -1, "--columns=", COMMAND_READ, cmd_find,
      "[--columns=COLUMN,...] find TABLE [COLUMN[:KEY]=VALUE]...",
      "print the records of TABLE whose columns have the given values" },
    { "get", 2, -1, "--if-exists,--id=", COMMAND_READ, cmd_get,
      "[--if-exists] [--id=@NAME] get TABLE RECORD [COLUMN[:KEY]]...",
      "print the values of COLUMNs (or of KEY in map COLUMN) of RECORD; --id: the chain "
      "calls it @NAME" },
    { "set", 3, -1, "--if-exists", COMMAND_WRITE, cmd_set,
      "[--if-exists] set TABLE RECORD COLUMN[:KEY]=VALUE...",
      "set COLUMN (or KEY in map COLUMN) of RECORD to VALUE" },
    { "add", 4, -1, "--if-exists", COMMAND_WRITE, cmd_add,
      "[--if-exists] add TABLE RECORD COLUMN [KEY=]VALUE...",
      "add values (or KEY=VALUE pairs) to set or map COLUMN of RECORD" },
    { "remove", 4, -1, "--if-exists", COMMAND_WRITE, cmd_remove,
      "[--if-exists] remove TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...",
      "remove values (or keys, or pairs) from set or map COLUMN of RECORD" },
    { "clear", 3, -1, "--if-exists", COMMAND_WRITE, cmd_clear,
      "[--if-exists] clear TABLE RECORD COLUMN...",
      "make set or map COLUMNs of RECORD empty" },
    { "create", 2, -1, "--id=", COMMAND_WRITE, cmd_create,
      "[--id=@NAME] create TABLE COLUMN[:KEY]=VALUE...",
      "create a record in TABLE and print its uuid; --id: the chain calls it @NAME" },
    { "destroy", 1, -1, "--if-exists,--all", COMMAND_WRITE, cmd_destroy,
      "[--if-exists] [--all] destroy TABLE [RECORD]...",
      "delete RECORDs (or with --all every record) of TABLE" },
    { "wait-until", 2, -1, "", COMMAND_READ, cmd_wait_until,
      "wait-until TABLE RECORD [COLUMN[:KEY]=VALUE]...",
      "wait until RECORD exists and its columns have the given values (with --timeout: "
      "at most that long)" },
    { "comment", 0, -1, "", COMMAND_READ, cmd_comment, "comment [ARG]...",
      "do nothing (a note in a script or a `--` chain)" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
