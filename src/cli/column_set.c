/* `COLUMN[:KEY]=VALUE` arguments with ovs-vsctl's tokenizing rules and
 * messages (db-ctl-base.c parse_column_key_value, set_column). */
#include "cli/column_set.h"

#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "util/strbuf.h"

/* Splits off one token the way OVSDB's text syntax does: it ends at
 * ":=, []{}!<>" outside double quotes; quotes are kept (the atom parser
 * removes them) and a backslash outside quotes takes the next character. */
static int token_parse(const char *arg, const char **p, char **out, char **error)
{
    struct strbuf sb = STRBUF_INIT;
    bool in_quotes = false;
    const char *s = *p;

    strbuf_puts(&sb, "");
    for (; *s; s++) {
        if (*s == '\\') {
            if (in_quotes)
                strbuf_putc(&sb, '\\');
            if (!s[1]) {
                strbuf_free(&sb);
                *error = xasprintf("%s: backslash at end of argument", arg);
                return -1;
            }
            strbuf_putc(&sb, *++s);
            continue;
        }
        if (!in_quotes && strchr(":=, []{}!<>", *s))
            break;
        if (*s == '"')
            in_quotes = !in_quotes;
        strbuf_putc(&sb, *s);
    }
    if (in_quotes) {
        strbuf_free(&sb);
        *error = xasprintf("%s: quoted string extends past end of argument", arg);
        return -1;
    }
    *out = strbuf_steal(&sb);
    *p = s;
    return 0;
}

int column_arg_parse(const struct table_def *t, const char *arg,
                     const struct column_def **col, char **key, char **value,
                     char **error)
{
    const char *p = arg;
    char *name = NULL;

    *col = NULL;
    *key = NULL;
    if (value)
        *value = NULL;
    if (token_parse(arg, &p, &name, error))
        return -1;
    if (!name[0]) {
        free(name);
        *error = xasprintf("%s: missing column name", arg);
        return -1;
    }
    if (strcmp(name, "_uuid") && schema_find_column(t, name, col, error)) {
        free(name);
        return -1;
    }
    free(name);

    if (*p == ':') {
        p++;
        if (token_parse(arg, &p, key, error))
            return -1;
    }
    if (value) {
        /* An empty value is refused as OVS does: "=" must be followed by
         * something ("[]" or "{}" for an empty set or map). */
        if (p[0] != '=' || !p[1]) {
            *error = xasprintf("%s: argument does not end in \"=\" followed by a value.", arg);
            goto error;
        }
        *value = strdup(p + 1);
    } else if (*p) {
        *error = xasprintf("%s: trailing garbage \"%s\" in argument", arg, p);
        goto error;
    }
    return 0;

error:
    free(*key);
    *key = NULL;
    return -1;
}

bool column_is_read_only(const struct table_def *t, const struct column_def *col)
{
    /* The schema's "mutable": false, as on the name of bridges, ports and
     * interfaces: it is how every other command finds them. */
    return col->immutable;
}

static void atom_free(union atom *atom, enum atom_type type)
{
    if (type == ATOM_STRING || type == ATOM_UUID)
        free(atom->string);
}

/* The column with KEY set to VALUE, in a fresh datum. */
static int map_with_key(const struct datum *old, const struct column_def *col,
                        const char *key_text, const char *value_text,
                        struct datum *out, char **error)
{
    union atom key, value;
    if (!column_is_map(col)) {
        *error = xasprintf("cannot specify key to set for non-map column %s", col->name);
        return -1;
    }
    if (atom_from_string(&key, &col->key, key_text, error))
        return -1;
    if (atom_from_string(&value, &col->value, value_text, error)) {
        atom_free(&key, col->key.type);
        return -1;
    }
    datum_clone(out, old, col);
    datum_map_set(out, col, &key, &value);
    atom_free(&key, col->key.type);
    atom_free(&value, col->value.type);
    if (datum_check_size(out, col, error)) {
        datum_destroy(out, col);
        return -1;
    }
    return 0;
}

static int apply(struct db_row *row, const char *arg, bool check_read_only, char **error)
{
    const struct table_def *t = row->table;
    const struct column_def *col;
    char *key, *value;
    struct datum d;
    int rc = -1;

    if (column_arg_parse(t, arg, &col, &key, &value, error))
        return -1;
    if (!col) {
        *error = xasprintf("cannot modify read-only column _uuid in table %s", t->name);
        goto out;
    }
    if (check_read_only && column_is_read_only(t, col)) {
        *error = xasprintf("cannot modify read-only column %s in table %s",
                           col->name, t->name);
        goto out;
    }
    const struct datum *old = &row->columns[schema_column_index(t, col)];
    if (key ? map_with_key(old, col, key, value, &d, error)
            : datum_from_string(&d, col, value, error))
        goto out;
    db_row_set_by_def(row, col, &d);
    rc = 0;
out:
    free(key);
    free(value);
    return rc;
}

int column_set_apply(struct db *db, struct db_row *row, const char *arg, char **error)
{
    (void)db;
    return apply(row, arg, true, error);
}

int column_set_apply_new(struct db *db, struct db_row *row, const char *arg, char **error)
{
    (void)db;
    return apply(row, arg, false, error);
}
