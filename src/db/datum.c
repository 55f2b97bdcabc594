/* Column values: atoms, sorted sets and maps, and the set operations that
 * ovs-vsctl's add, remove and set COLUMN:KEY=VALUE need. */
#include "db/datum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum_private.h"
#include "util/strbuf.h"

void *datum_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "pontoon: out of memory\n");
        abort();
    }
    return p;
}

void *datum_xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        fprintf(stderr, "pontoon: out of memory\n");
        abort();
    }
    return p;
}

char *datum_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    return memcpy(datum_xmalloc(len), s, len);
}

int atom_compare(const union atom *a, const union atom *b, enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER:
        return a->integer < b->integer ? -1 : a->integer > b->integer;
    case ATOM_REAL:
        return a->real < b->real ? -1 : a->real > b->real;
    case ATOM_BOOLEAN:
        return (int) a->boolean - (int) b->boolean;
    case ATOM_STRING:
    case ATOM_UUID:
        /* Lower-case uuids in canonical form sort like OVS's numeric order. */
        return strcmp(a->string, b->string);
    case ATOM_NONE:
    default:
        return 0;
    }
}

void atom_clone(union atom *dst, const union atom *src, enum atom_type type)
{
    if (type == ATOM_STRING || type == ATOM_UUID) {
        dst->string = datum_xstrdup(src->string);
    } else {
        *dst = *src;
    }
}

void atom_destroy(union atom *atom, enum atom_type type)
{
    if (type == ATOM_STRING || type == ATOM_UUID) {
        free(atom->string);
        atom->string = NULL;
    }
}

/* ASCII only, without the locale lookups of isxdigit/tolower: a Bridge's
 * thousand port uuids are checked at every load. */
static bool is_hex_digit(unsigned char c)
{
    return (unsigned) (c - '0') < 10u || (unsigned) ((c | 0x20) - 'a') < 6u;
}

bool uuid_is_valid(const char *s)
{
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex_digit((unsigned char) s[i])) {
            return false;
        }
    }
    return s[36] == '\0';
}

void uuid_normalize(char out[37], const char *s)
{
    for (int i = 0; i < 36; i++) {
        unsigned char c = (unsigned char) s[i];
        out[i] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[36] = '\0';
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_is_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        unsigned c = *p++;
        int n;
        unsigned long cp;
        if (c < 0x80) {
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 0; i < n; i++, p++) {
            if ((*p & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (*p & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
    }
    return true;
}

int atom_check_constraints(const union atom *atom, const struct base_type *type,
                           char **error)
{
    if (type->type == ATOM_STRING && !utf8_is_valid(atom->string)) {
        *error = datum_xstrdup("constraint violation: not a valid UTF-8 string");
        return -1;
    }
    if (type->type == ATOM_STRING && type->enum_values) {
        for (const char *const *v = type->enum_values; *v; v++) {
            if (!strcmp(*v, atom->string)) {
                return 0;
            }
        }
        struct strbuf sb = STRBUF_INIT;
        char *actual = atom_to_string(atom, ATOM_STRING);
        strbuf_printf(&sb, "constraint violation: %s is not one of the allowed values ([",
                      actual);
        free(actual);
        for (const char *const *v = type->enum_values; *v; v++) {
            union atom a = { .string = (char *) *v };
            char *text = atom_to_string(&a, ATOM_STRING);
            strbuf_printf(&sb, "%s%s", v == type->enum_values ? "" : ", ", text);
            free(text);
        }
        strbuf_puts(&sb, "])");
        *error = strbuf_steal(&sb);
        return -1;
    }
    if (type->type == ATOM_INTEGER && type->has_range) {
        int64_t i = atom->integer;
        if (i >= type->min_int && i <= type->max_int) {
            return 0;
        }
        if (type->min_int != INT64_MIN && type->max_int != INT64_MAX) {
            *error = xasprintf("constraint violation: %lld is not in the valid range "
                               "%lld to %lld (inclusive)", (long long) i,
                               (long long) type->min_int, (long long) type->max_int);
        } else if (type->min_int != INT64_MIN) {
            *error = xasprintf("constraint violation: %lld is less than minimum allowed "
                               "value %lld", (long long) i, (long long) type->min_int);
        } else {
            *error = xasprintf("constraint violation: %lld is greater than maximum "
                               "allowed value %lld", (long long) i,
                               (long long) type->max_int);
        }
        return -1;
    }
    return 0;
}

void datum_init_empty(struct datum *d)
{
    d->n = 0;
    d->keys = NULL;
    d->values = NULL;
}

/* One atom, for a scalar or optional column. */
static union atom *datum_init_one(struct datum *d)
{
    d->n = 1;
    d->keys = datum_xmalloc(sizeof *d->keys);
    d->values = NULL;
    return &d->keys[0];
}

void datum_init_string(struct datum *d, const char *value)
{
    datum_init_one(d)->string = datum_xstrdup(value);
}

void datum_init_integer(struct datum *d, int64_t value)
{
    datum_init_one(d)->integer = value;
}

void datum_init_boolean(struct datum *d, bool value)
{
    datum_init_one(d)->boolean = value;
}

void datum_destroy(struct datum *d, const struct column_def *col)
{
    for (size_t i = 0; i < d->n; i++) {
        atom_destroy(&d->keys[i], col->key.type);
        if (d->values) {
            atom_destroy(&d->values[i], col->value.type);
        }
    }
    free(d->keys);
    free(d->values);
    datum_init_empty(d);
}

void datum_clone(struct datum *dst, const struct datum *src, const struct column_def *col)
{
    datum_init_empty(dst);
    if (!src->n) {
        return;
    }
    dst->n = src->n;
    dst->keys = datum_xmalloc(src->n * sizeof *dst->keys);
    for (size_t i = 0; i < src->n; i++) {
        atom_clone(&dst->keys[i], &src->keys[i], col->key.type);
    }
    if (src->values) {
        dst->values = datum_xmalloc(src->n * sizeof *dst->values);
        for (size_t i = 0; i < src->n; i++) {
            atom_clone(&dst->values[i], &src->values[i], col->value.type);
        }
    }
}

bool datum_equals(const struct datum *a, const struct datum *b, const struct column_def *col)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (atom_compare(&a->keys[i], &b->keys[i], col->key.type)) {
            return false;
        }
        if (column_is_map(col) && a->values && b->values
            && atom_compare(&a->values[i], &b->values[i], col->value.type)) {
            return false;
        }
    }
    return true;
}

static void atom_default(union atom *atom, enum atom_type type)
{
    switch (type) {
    case ATOM_STRING:
        atom->string = datum_xstrdup("");
        break;
    case ATOM_UUID:
        atom->string = datum_xstrdup("00000000-0000-0000-0000-000000000000");
        break;
    case ATOM_REAL:
        atom->real = 0.0;
        break;
    case ATOM_BOOLEAN:
        atom->boolean = false;
        break;
    case ATOM_INTEGER:
    case ATOM_NONE:
    default:
        atom->integer = 0;
        break;
    }
}

void datum_default(struct datum *d, const struct column_def *col)
{
    datum_init_empty(d);
    if (column_is_scalar(col)) {
        union atom key;
        atom_default(&key, col->key.type);
        datum_append(d, col, &key, NULL);
    }
}

void datum_append(struct datum *d, const struct column_def *col, union atom *key,
                  union atom *value)
{
    d->keys = datum_xrealloc(d->keys, (d->n + 1) * sizeof *d->keys);
    d->keys[d->n] = *key;
    if (column_is_map(col) && value) {
        d->values = datum_xrealloc(d->values, (d->n + 1) * sizeof *d->values);
        d->values[d->n] = *value;
    }
    d->n++;
}

struct sort_ctx {
    const struct datum *d;
    enum atom_type type;
};

/* Ties fall back to the original position so that sorting is stable. */
static int compare_index(const void *a_, const void *b_, void *ctx_)
{
    const struct sort_ctx *ctx = ctx_;
    size_t a = *(const size_t *) a_, b = *(const size_t *) b_;
    int cmp = atom_compare(&ctx->d->keys[a], &ctx->d->keys[b], ctx->type);
    return cmp ? cmp : (a < b ? -1 : a > b);
}

/* Sorts stably by key; with `unique`, drops later duplicates.  Returns the
 * number of duplicate keys seen. */
static size_t datum_sort__(struct datum *d, const struct column_def *col, bool unique)
{
    if (d->n < 2) {
        return 0;
    }
    /* Stored cells come sorted (a Bridge's thousand ports at every reload):
     * one pass says so. */
    bool sorted = true;
    for (size_t i = 1; i < d->n && sorted; i++)
        sorted = atom_compare(&d->keys[i - 1], &d->keys[i], col->key.type) < 0;
    if (sorted)
        return 0;
    size_t *order = datum_xmalloc(d->n * sizeof *order);
    for (size_t i = 0; i < d->n; i++) {
        order[i] = i;
    }
    struct sort_ctx ctx = { d, col->key.type };
    qsort_r(order, d->n, sizeof *order, compare_index, &ctx);

    union atom *keys = datum_xmalloc(d->n * sizeof *keys);
    union atom *values = d->values ? datum_xmalloc(d->n * sizeof *values) : NULL;
    size_t n = 0, dups = 0;
    for (size_t i = 0; i < d->n; i++) {
        size_t j = order[i];
        if (n && !atom_compare(&keys[n - 1], &d->keys[j], col->key.type)) {
            dups++;
            if (unique) {
                atom_destroy(&d->keys[j], col->key.type);
                if (values) {
                    atom_destroy(&d->values[j], col->value.type);
                }
                continue;
            }
        }
        keys[n] = d->keys[j];
        if (values) {
            values[n] = d->values[j];
        }
        n++;
    }
    free(order);
    free(d->keys);
    free(d->values);
    d->keys = keys;
    d->values = values;
    d->n = n;
    return dups;
}

int datum_sort(struct datum *d, const struct column_def *col)
{
    return datum_sort__(d, col, false) ? -1 : 0;
}

void datum_sort_unique(struct datum *d, const struct column_def *col)
{
    datum_sort__(d, col, true);
}

long datum_find_key(const struct datum *d, const union atom *key, enum atom_type type)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = atom_compare(key, &d->keys[mid], type);
        if (!cmp) {
            return (long) mid;
        }
        if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return -1;
}

void datum_union(struct datum *dst, const struct datum *add, const struct column_def *col)
{
    bool is_map = column_is_map(col);
    if (is_map && add->n && !add->values) {
        return;                 /* keys alone cannot be added to a map */
    }
    size_t n0 = dst->n;
    for (size_t i = 0; i < add->n; i++) {
        /* Only search the original elements: `add` itself is unique. */
        struct datum orig = { n0, dst->keys, dst->values };
        if (datum_find_key(&orig, &add->keys[i], col->key.type) >= 0) {
            continue;
        }
        union atom key, value;
        atom_clone(&key, &add->keys[i], col->key.type);
        if (is_map) {
            atom_clone(&value, &add->values[i], col->value.type);
        }
        datum_append(dst, col, &key, is_map ? &value : NULL);
    }
    if (dst->n != n0) {
        datum_sort_unique(dst, col);
    }
}

/* Appends a copy of element i of `from` to `d` (kept sorted by the caller). */
static void append_copy(struct datum *d, const struct datum *from, size_t i,
                        const struct column_def *col)
{
    union atom key, value;
    atom_clone(&key, &from->keys[i], col->key.type);
    if (from->values)
        atom_clone(&value, &from->values[i], col->value.type);
    datum_append(d, col, &key, from->values ? &value : NULL);
}

void datum_diff(struct datum *diff, const struct datum *old, const struct datum *new,
                const struct column_def *col)
{
    datum_init_empty(diff);
    if (col->n_max == 1) {
        datum_clone(diff, new, col);
        return;
    }
    /* Both are sorted by key: one merge walk keeps the result sorted. */
    size_t i = 0, j = 0;
    while (i < old->n || j < new->n) {
        int cmp = i == old->n ? 1 : j == new->n ? -1
                  : atom_compare(&old->keys[i], &new->keys[j], col->key.type);
        if (cmp < 0) {
            append_copy(diff, old, i++, col);
        } else if (cmp > 0) {
            append_copy(diff, new, j++, col);
        } else {
            if (new->values && atom_compare(&old->values[i], &new->values[j], col->value.type))
                append_copy(diff, new, j, col);
            i++, j++;
        }
    }
}

void datum_subtract(struct datum *dst, const struct datum *remove, const struct column_def *col)
{
    bool is_map = column_is_map(col);
    size_t n = 0;
    for (size_t i = 0; i < dst->n; i++) {
        long j = datum_find_key(remove, &dst->keys[i], col->key.type);
        bool drop = j >= 0;
        if (drop && is_map && remove->values && dst->values) {
            drop = !atom_compare(&remove->values[j], &dst->values[i], col->value.type);
        }
        if (drop) {
            atom_destroy(&dst->keys[i], col->key.type);
            if (dst->values) {
                atom_destroy(&dst->values[i], col->value.type);
            }
            continue;
        }
        dst->keys[n] = dst->keys[i];
        if (dst->values) {
            dst->values[n] = dst->values[i];
        }
        n++;
    }
    dst->n = n;
    if (!n) {
        free(dst->keys);
        free(dst->values);
        datum_init_empty(dst);
    }
}

void datum_map_set(struct datum *d, const struct column_def *col, const union atom *key,
                   const union atom *value)
{
    long i = datum_find_key(d, key, col->key.type);
    if (i >= 0) {
        atom_destroy(&d->values[i], col->value.type);
        atom_clone(&d->values[i], value, col->value.type);
        return;
    }
    union atom k, v;
    atom_clone(&k, key, col->key.type);
    atom_clone(&v, value, col->value.type);
    datum_append(d, col, &k, &v);
    datum_sort_unique(d, col);
}

const union atom *datum_map_get(const struct datum *d, const char *key)
{
    if (!d->values) {
        return NULL;
    }
    union atom k = { .string = (char *) key };
    long i = datum_find_key(d, &k, ATOM_STRING);
    return i >= 0 ? &d->values[i] : NULL;
}

int datum_check_size(const struct datum *d, const struct column_def *col, char **error)
{
    const char *what = column_is_map(col) ? "pair(s)" : "value(s)";
    if (d->n < col->n_min) {
        *error = xasprintf("column %s: %zu %s specified but the minimum number is %u",
                           col->name, d->n, what, col->n_min);
        return -1;
    }
    if (d->n > col->n_max) {
        *error = xasprintf("column %s: %zu %s specified but the maximum number is %u",
                           col->name, d->n, what, col->n_max);
        return -1;
    }
    return 0;
}
