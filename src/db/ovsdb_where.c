/* OVSDB conditions: see ovsdb_where.h. */
#include "db/ovsdb_where.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "db/db.h"
#include "db/ovsdb_rows.h"

json_t *ovsdb_op_error(const char *error, const json_t *syntax, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *details = NULL;
    if (vasprintf(&details, fmt, args) < 0)
        details = NULL;
    va_end(args);
    json_t *e = json_pack("{s:s, s:s}", "error", error, "details", details ? details : "");
    free(details);
    char *text = syntax ? json_dumps(syntax, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (text)
        json_object_set_new(e, "syntax", json_string(text));
    free(text);
    return e;
}

enum condition_function { EQ, NE, LT, LE, GT, GE, INCLUDES, EXCLUDES, CONSTANT };

struct condition {
    const struct column_def *col;     /* NULL for a boolean constant */
    enum condition_function function;
    struct datum value;
    bool constant;
};

struct ovsdb_where {
    struct condition *conds;
    size_t n;
};

static const char *const function_names[] = {
    [EQ] = "==", [NE] = "!=", [LT] = "<", [LE] = "<=", [GT] = ">", [GE] = ">=",
    [INCLUDES] = "includes", [EXCLUDES] = "excludes",
};
#define N_FUNCTIONS (sizeof function_names / sizeof *function_names)

void ovsdb_where_free(struct ovsdb_where *where)
{
    if (!where)
        return;
    for (size_t i = 0; i < where->n; i++)
        if (where->conds[i].col)
            datum_destroy(&where->conds[i].value, where->conds[i].col);
    free(where->conds);
    free(where);
}

/* One [column, function, value]; NULL or its error. */
static json_t *parse_condition(struct condition *cond, const struct table_def *table,
                               const json_t *c)
{
    const char *column = json_string_value(json_array_get(c, 0));
    const char *function = json_string_value(json_array_get(c, 1));
    if (!json_is_array(c) || json_array_size(c) != 3 || !column || !function)
        return ovsdb_op_error("syntax error", c, "Parse error in condition.");
    const struct column_def *col = ovsdb_find_column(table, column);
    if (!col)
        return ovsdb_op_error("unknown column", c, "No column %s in table %s.", column,
                              table->name);
    size_t f = 0;
    while (f < N_FUNCTIONS && strcmp(function_names[f], function))
        f++;
    if (f == N_FUNCTIONS)
        return ovsdb_op_error("unknown operator", c, "No function named %s.", function);
    bool ordered = f >= LT && f <= GE;
    const struct base_type *k = &col->key;
    if (ordered && (!column_is_scalar(col) || (k->type != ATOM_INTEGER && k->type != ATOM_REAL)))
        return ovsdb_op_error("syntax error", c, "Type mismatch: \"%s\" operator may not be "
                              "applied to column %s of type %s.", function, column,
                              column_is_scalar(col) ? "non-numeric" : "set or map");
    /* includes/excludes take any number of elements; the others a value of
     * the column's own type. */
    struct column_def loose = *col;
    if (f == INCLUDES || f == EXCLUDES)
        loose.n_min = 0, loose.n_max = UINT32_MAX;
    char *text = NULL;
    if (datum_from_json(&cond->value, &loose, json_array_get(c, 2), &text)) {
        json_t *error = ovsdb_op_error("syntax error", c, "%s", text ? text : "bad value");
        free(text);
        return error;
    }
    cond->col = col;
    cond->function = (enum condition_function)f;
    return NULL;
}

struct ovsdb_where *ovsdb_where_parse(const struct table_def *table, const json_t *where,
                                      bool booleans, json_t **error)
{
    if (where && !json_is_array(where)) {
        *error = ovsdb_op_error("syntax error", where, "where must be an array of conditions");
        return NULL;
    }
    struct ovsdb_where *w = calloc(1, sizeof *w);
    size_t n = where ? json_array_size(where) : 0;
    w->conds = calloc(n ? n : 1, sizeof *w->conds);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(where, i);
        struct condition *cond = &w->conds[w->n];
        if (booleans && json_is_boolean(c)) {
            cond->function = CONSTANT;
            cond->constant = json_is_true(c);
        } else if ((*error = parse_condition(cond, table, c))) {
            ovsdb_where_free(w);
            return NULL;
        }
        w->n++;
    }
    return w;
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
    if (c->function == CONSTANT)
        return c->constant;
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

bool ovsdb_where_all(const struct ovsdb_where *where, const struct db_row *row)
{
    for (size_t i = 0; i < where->n; i++)
        if (!condition_holds(&where->conds[i], row))
            return false;
    return true;
}

bool ovsdb_where_any(const struct ovsdb_where *where, const struct db_row *row)
{
    for (size_t i = 0; i < where->n; i++)
        if (condition_holds(&where->conds[i], row))
            return true;
    return where->n == 0;
}
