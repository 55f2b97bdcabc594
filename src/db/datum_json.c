/* The OVSDB JSON encoding of values (RFC 7047 section 5.1): atoms as JSON
 * values, uuids as ["uuid", "..."], sets as ["set", [...]] except that a set
 * of exactly one element is the bare atom, maps as ["map", [[k, v], ...]]. */
#include <string.h>

#include "db/datum.h"
#include "db/datum_private.h"
#include "util/strbuf.h"

static json_t *atom_to_json(const union atom *atom, enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER:
        return json_integer(atom->integer);
    case ATOM_REAL:
        return json_real(atom->real);
    case ATOM_BOOLEAN:
        return json_boolean(atom->boolean);
    case ATOM_STRING:
        /* Values were checked for UTF-8 on the way in; nocheck keeps a bad
         * one from turning into a NULL here. */
        return json_stringn_nocheck(atom->string, strlen(atom->string));
    case ATOM_UUID:
        return json_pack("[ss]", "uuid", atom->string);
    case ATOM_NONE:
    default:
        return json_null();
    }
}

json_t *datum_to_json(const struct datum *d, const struct column_def *col)
{
    if (column_is_map(col)) {
        json_t *pairs = json_array();
        for (size_t i = 0; i < d->n && d->values; i++) {
            json_t *pair = json_array();
            json_array_append_new(pair, atom_to_json(&d->keys[i], col->key.type));
            json_array_append_new(pair, atom_to_json(&d->values[i], col->value.type));
            json_array_append_new(pairs, pair);
        }
        return json_pack("[so]", "map", pairs);
    }
    if (d->n == 1) {
        return atom_to_json(&d->keys[0], col->key.type);
    }
    json_t *elems = json_array();
    for (size_t i = 0; i < d->n; i++) {
        json_array_append_new(elems, atom_to_json(&d->keys[i], col->key.type));
    }
    return json_pack("[so]", "set", elems);
}

static int atom_from_json(union atom *atom, const struct base_type *type, const json_t *json,
                          const struct column_def *col, char **error)
{
    switch (type->type) {
    case ATOM_INTEGER:
        if (json_is_integer(json)) {
            atom->integer = json_integer_value(json);
            goto check;
        }
        break;
    case ATOM_REAL:
        if (json_is_number(json)) {
            atom->real = json_number_value(json);
            goto check;
        }
        break;
    case ATOM_BOOLEAN:
        if (json_is_boolean(json)) {
            atom->boolean = json_is_true(json);
            goto check;
        }
        break;
    case ATOM_STRING:
        if (json_is_string(json)) {
            atom->string = datum_xstrdup(json_string_value(json));
            goto check;
        }
        break;
    case ATOM_UUID:
        if (json_is_array(json) && json_array_size(json) == 2
            && json_is_string(json_array_get(json, 0))
            && !strcmp(json_string_value(json_array_get(json, 0)), "uuid")
            && json_is_string(json_array_get(json, 1))
            && uuid_is_valid(json_string_value(json_array_get(json, 1)))) {
            atom->string = datum_xmalloc(37);
            uuid_normalize(atom->string, json_string_value(json_array_get(json, 1)));
            return 0;
        }
        break;
    case ATOM_NONE:
    default:
        break;
    }
    *error = xasprintf("column %s: expected %s", col->name, schema_atom_type_name(type->type));
    return -1;

check:
    if (atom_check_constraints(atom, type, error)) {
        atom_destroy(atom, type->type);
        char *inner = *error;
        *error = xasprintf("column %s: %s", col->name, inner);
        free(inner);
        return -1;
    }
    return 0;
}

/* True if json is [tag, array]; sets *elems to the array. */
static bool is_tagged(const json_t *json, const char *tag, json_t **elems)
{
    if (!json_is_array(json) || json_array_size(json) != 2
        || !json_is_string(json_array_get(json, 0))
        || strcmp(json_string_value(json_array_get(json, 0)), tag)
        || !json_is_array(json_array_get(json, 1))) {
        return false;
    }
    *elems = json_array_get(json, 1);
    return true;
}

int datum_from_json(struct datum *d, const struct column_def *col, const json_t *json,
                    char **error)
{
    bool is_map = column_is_map(col);
    json_t *elems;
    size_t i;
    json_t *elem;

    datum_init_empty(d);
    if (is_map) {
        if (!is_tagged(json, "map", &elems)) {
            *error = xasprintf("column %s: expected [\"map\", [...]]", col->name);
            return -1;
        }
        json_array_foreach(elems, i, elem) {
            union atom key, value;
            if (!json_is_array(elem) || json_array_size(elem) != 2) {
                *error = xasprintf("column %s: map element is not a [key, value] pair",
                                   col->name);
                goto error;
            }
            if (atom_from_json(&key, &col->key, json_array_get(elem, 0), col, error)) {
                goto error;
            }
            if (atom_from_json(&value, &col->value, json_array_get(elem, 1), col, error)) {
                atom_destroy(&key, col->key.type);
                goto error;
            }
            datum_append(d, col, &key, &value);
        }
    } else if (is_tagged(json, "set", &elems)) {
        json_array_foreach(elems, i, elem) {
            union atom key;
            if (atom_from_json(&key, &col->key, elem, col, error)) {
                goto error;
            }
            datum_append(d, col, &key, NULL);
        }
    } else {
        union atom key;
        if (atom_from_json(&key, &col->key, json, col, error)) {
            goto error;
        }
        datum_append(d, col, &key, NULL);
    }

    if (datum_sort(d, col)) {
        *error = xasprintf(is_map ? "column %s: map contains duplicate key"
                                  : "column %s: set contains duplicate value", col->name);
        goto error;
    }
    if (datum_check_size(d, col, error)) {
        goto error;
    }
    return 0;

error:
    datum_destroy(d, col);
    return -1;
}
