/* The OVSDB text syntax of values, as ovs-vsctl reads and prints them
 * (lib/ovsdb-data.c): tokens end at ":=, []{}!<>" outside double quotes,
 * quoted strings use JSON escapes, sets may omit their brackets and integer
 * sets accept ranges such as 10-20. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/datum_private.h"
#include "util/strbuf.h"

/* Set by the CLI for the length of one command chain (single-threaded). */
static datum_symbol_fn *symbol_resolver;
static void *symbol_aux;

void datum_set_symbol_resolver(datum_symbol_fn *fn, void *aux)
{
    symbol_resolver = fn;
    symbol_aux = aux;
}

#define MAX_RANGE_SIZE 4096       /* OVS's MAX_OVSDB_ATOM_RANGE_SIZE */

static bool is_token_delim(char c)
{
    return c != '\0' && strchr(":=, []{}!<>", c) != NULL;
}

static const char *skip_spaces(const char *p)
{
    while (isspace((unsigned char) *p)) {
        p++;
    }
    return p;
}

/* Splits off one token (ovsdb_token_parse): quotes are kept, a backslash
 * outside quotes takes the next character literally. */
static int token_parse(const char **s, char **out, char **error)
{
    struct strbuf sb = STRBUF_INIT;
    bool in_quotes = false;
    const char *p = *s;

    strbuf_puts(&sb, "");
    while (*p) {
        char c = *p++;
        if (c == '\\') {
            if (in_quotes) {
                strbuf_putc(&sb, '\\');
            }
            if (!*p) {
                *error = xasprintf("%s: backslash at end of argument", *s);
                strbuf_free(&sb);
                return -1;
            }
            strbuf_putc(&sb, *p++);
        } else if (!in_quotes && is_token_delim(c)) {
            p--;
            break;
        } else {
            strbuf_putc(&sb, c);
            if (c == '"') {
                in_quotes = !in_quotes;
            }
        }
    }
    if (in_quotes) {
        *error = xasprintf("%s: quoted string extends past end of argument", *s);
        strbuf_free(&sb);
        return -1;
    }
    *out = strbuf_steal(&sb);
    *s = p;
    return 0;
}

static void put_utf8(struct strbuf *sb, unsigned long cp)
{
    if (cp < 0x80) {
        strbuf_putc(sb, (char) cp);
    } else if (cp < 0x800) {
        strbuf_putc(sb, (char) (0xc0 | (cp >> 6)));
        strbuf_putc(sb, (char) (0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        strbuf_putc(sb, (char) (0xe0 | (cp >> 12)));
        strbuf_putc(sb, (char) (0x80 | ((cp >> 6) & 0x3f)));
        strbuf_putc(sb, (char) (0x80 | (cp & 0x3f)));
    } else {
        strbuf_putc(sb, (char) (0xf0 | (cp >> 18)));
        strbuf_putc(sb, (char) (0x80 | ((cp >> 12) & 0x3f)));
        strbuf_putc(sb, (char) (0x80 | ((cp >> 6) & 0x3f)));
        strbuf_putc(sb, (char) (0x80 | (cp & 0x3f)));
    }
}

static bool read_hex4(const char *p, unsigned long *out)
{
    char buf[5];
    for (int i = 0; i < 4; i++) {
        if (!isxdigit((unsigned char) p[i])) {
            return false;
        }
        buf[i] = p[i];
    }
    buf[4] = '\0';
    *out = strtoul(buf, NULL, 16);
    return true;
}

/* JSON string unescaping of s[0..len); returns NULL and sets *why on error. */
static char *json_unescape(const char *s, size_t len, const char **why)
{
    struct strbuf sb = STRBUF_INIT;
    const char *end = s + len;

    strbuf_puts(&sb, "");
    while (s < end) {
        char c = *s++;
        if (c == '"') {
            *why = "quoted string may not include unescaped \"";
            goto error;
        }
        if (c != '\\') {
            strbuf_putc(&sb, c);
            continue;
        }
        if (s >= end) {
            *why = "quoted string may not end with backslash";
            goto error;
        }
        c = *s++;
        switch (c) {
        case '"': case '\\': case '/': strbuf_putc(&sb, c); break;
        case 'b': strbuf_putc(&sb, '\b'); break;
        case 'f': strbuf_putc(&sb, '\f'); break;
        case 'n': strbuf_putc(&sb, '\n'); break;
        case 'r': strbuf_putc(&sb, '\r'); break;
        case 't': strbuf_putc(&sb, '\t'); break;
        case 'u': {
            unsigned long cp, lo;
            if (end - s < 4 || !read_hex4(s, &cp)) {
                *why = "malformed \\u escape";
                goto error;
            }
            s += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || !read_hex4(s + 2, &lo)
                    || lo < 0xdc00 || lo > 0xdfff) {
                    *why = "malformed escaped surrogate pair";
                    goto error;
                }
                s += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (!cp || (cp >= 0xdc00 && cp <= 0xdfff)) {
                *why = "invalid code point in \\u escape";
                goto error;
            }
            put_utf8(&sb, cp);
            break;
        }
        default:
            *why = "bad escape";
            goto error;
        }
    }
    return strbuf_steal(&sb);

error:
    strbuf_free(&sb);
    return NULL;
}

static bool parse_llong(const char *s, char **tail, long long *out)
{
    if (!*s || isspace((unsigned char) *s)) {
        return false;
    }
    errno = 0;
    *out = strtoll(s, tail, 10);
    return errno == 0 && *tail != s;
}

static bool str_to_llong(const char *s, long long *out)
{
    char *tail;
    return parse_llong(s, &tail, out) && *tail == '\0';
}

/* One atom without constraint checks; `range_end` (may be NULL) receives the
 * end of an integer range "A-B". */
static int atom_parse(union atom *atom, bool *is_range, int64_t *range_end,
                      const struct base_type *type, const char *s, char **error)
{
    long long value, end;
    char *tail;

    if (is_range) {
        *is_range = false;
    }
    switch (type->type) {
    case ATOM_INTEGER:
        if (is_range && parse_llong(s, &tail, &value) && *tail == '-'
            && str_to_llong(tail + 1, &end)) {
            if (end < value) {
                *error = xasprintf("\"%s\" is not a valid range. "
                                   "Range end cannot be before start.", s);
                return -1;
            }
            *is_range = true;
            *range_end = end;
        } else if (!str_to_llong(s, &value)) {
            *error = xasprintf(is_range ? "\"%s\" is not a valid integer or range"
                                        : "\"%s\" is not a valid integer", s);
            return -1;
        }
        atom->integer = value;
        return 0;

    case ATOM_REAL: {
        errno = 0;
        double d = strtod(s, &tail);
        if (!*s || *tail || errno == ERANGE || isspace((unsigned char) *s)) {
            *error = xasprintf("\"%s\" is not a valid real number", s);
            return -1;
        }
        atom->real = d == 0.0 ? 0.0 : d;    /* no negative zero, as OVS */
        return 0;
    }

    case ATOM_BOOLEAN:
        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1")) {
            atom->boolean = true;
        } else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")
                   || !strcmp(s, "0")) {
            atom->boolean = false;
        } else {
            *error = xasprintf("\"%s\" is not a valid boolean (use \"true\" or \"false\")", s);
            return -1;
        }
        return 0;

    case ATOM_STRING:
        if (*s == '\0') {
            *error = datum_xstrdup("An empty string is not valid as input; "
                                   "use \"\" to represent the empty string");
            return -1;
        }
        if (*s == '"') {
            size_t len = strlen(s);
            const char *why = NULL;
            if (len < 2 || s[len - 1] != '"') {
                *error = xasprintf("%s: missing quote at end of quoted string", s);
                return -1;
            }
            atom->string = json_unescape(s + 1, len - 2, &why);
            if (!atom->string) {
                *error = xasprintf("%s: %s", s, why);
                return -1;
            }
        } else {
            atom->string = datum_xstrdup(s);
        }
        return 0;

    case ATOM_UUID:
        if (*s == '@' && symbol_resolver) {
            const char *uuid = symbol_resolver(s, symbol_aux);
            if (uuid && uuid_is_valid(uuid)) {
                atom->string = datum_xmalloc(37);
                uuid_normalize(atom->string, uuid);
                return 0;
            }
        }
        if (!uuid_is_valid(s)) {
            *error = xasprintf("\"%s\" is not a valid UUID", s);
            return -1;
        }
        atom->string = datum_xmalloc(37);
        uuid_normalize(atom->string, s);
        return 0;

    case ATOM_NONE:
    default:
        *error = datum_xstrdup("value of no type");
        return -1;
    }
}

int atom_from_string(union atom *atom, const struct base_type *type, const char *text,
                     char **error)
{
    if (atom_parse(atom, NULL, NULL, type, text, error)) {
        return -1;
    }
    if (atom_check_constraints(atom, type, error)) {
        atom_destroy(atom, type->type);
        return -1;
    }
    return 0;
}

/* ovsdb-data.c's string_needs_quotes. */
static bool string_needs_quotes(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    if (!isalpha(*p) && *p != '_') {
        return true;
    }
    for (p++; *p; p++) {
        if (!isalnum(*p) && *p != '_' && *p != '-' && *p != '.') {
            return true;
        }
    }
    return !strcmp(s, "true") || !strcmp(s, "false") || uuid_is_valid(s);
}

static void put_quoted(struct strbuf *sb, const char *s)
{
    strbuf_putc(sb, '"');
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        switch (*p) {
        case '"': strbuf_puts(sb, "\\\""); break;
        case '\\': strbuf_puts(sb, "\\\\"); break;
        case '\b': strbuf_puts(sb, "\\b"); break;
        case '\f': strbuf_puts(sb, "\\f"); break;
        case '\n': strbuf_puts(sb, "\\n"); break;
        case '\r': strbuf_puts(sb, "\\r"); break;
        case '\t': strbuf_puts(sb, "\\t"); break;
        default:
            if (*p < 0x20) {
                strbuf_printf(sb, "\\u%04x", *p);
            } else {
                strbuf_putc(sb, (char) *p);
            }
        }
    }
    strbuf_putc(sb, '"');
}

static void put_atom(struct strbuf *sb, const union atom *atom, enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER:
        strbuf_printf(sb, "%" PRId64, atom->integer);
        break;
    case ATOM_REAL:
        strbuf_printf(sb, "%.*g", DBL_DIG, atom->real);
        break;
    case ATOM_BOOLEAN:
        strbuf_puts(sb, atom->boolean ? "true" : "false");
        break;
    case ATOM_STRING:
        if (string_needs_quotes(atom->string)) {
            put_quoted(sb, atom->string);
        } else {
            strbuf_puts(sb, atom->string);
        }
        break;
    case ATOM_UUID:
        strbuf_puts(sb, atom->string);
        break;
    case ATOM_NONE:
    default:
        break;
    }
}

char *atom_to_string(const union atom *atom, enum atom_type type)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "");
    put_atom(&sb, atom, type);
    return strbuf_steal(&sb);
}

char *datum_to_string(const struct datum *d, const struct column_def *col)
{
    struct strbuf sb = STRBUF_INIT;
    bool is_map = column_is_map(col);
    bool brackets = col->n_max > 1 || !d->n;

    strbuf_puts(&sb, "");
    if (brackets) {
        strbuf_putc(&sb, is_map ? '{' : '[');
    }
    for (size_t i = 0; i < d->n; i++) {
        if (i) {
            strbuf_puts(&sb, ", ");
        }
        put_atom(&sb, &d->keys[i], col->key.type);
        if (is_map && d->values) {
            strbuf_putc(&sb, '=');
            put_atom(&sb, &d->values[i], col->value.type);
        }
    }
    if (brackets) {
        strbuf_putc(&sb, is_map ? '}' : ']');
    }
    return strbuf_steal(&sb);
}

/* A short English description of a column's type for syntax errors. */
static char *type_to_english(const struct column_def *col)
{
    const char *key = schema_atom_type_name(col->key.type);
    if (column_is_map(col)) {
        return xasprintf("map from %s to %s", key, schema_atom_type_name(col->value.type));
    }
    if (col->n_max == 1) {
        return xasprintf("%s%s", col->n_min ? "" : "optional ", key);
    }
    if (col->n_max == UINT32_MAX) {
        return col->n_min ? xasprintf("set of %u or more %ss", col->n_min, key)
                          : xasprintf("set of %ss", key);
    }
    return xasprintf("set of up to %u %ss", col->n_max, key);
}

static int parse_atom_token(const char **s, const struct base_type *type, union atom *atom,
                            bool *is_range, int64_t *range_end, char **error)
{
    char *token;
    if (token_parse(s, &token, error)) {
        return -1;
    }
    int r = atom_parse(atom, is_range, range_end, type, token, error);
    free(token);
    if (r) {
        return -1;
    }
    if (atom_check_constraints(atom, type, error)) {
        atom_destroy(atom, type->type);
        return -1;
    }
    if (is_range && *is_range) {
        union atom end = { .integer = *range_end };
        if (atom_check_constraints(&end, type, error)) {
            return -1;
        }
        if ((uint64_t) *range_end - (uint64_t) atom->integer >= MAX_RANGE_SIZE) {
            *error = xasprintf("constraint violation: Range \"%" PRId64 "-%" PRId64 "\" is "
                               "too big. Maximum allowed size is %d.", atom->integer,
                               *range_end, MAX_RANGE_SIZE);
            return -1;
        }
    }
    return 0;
}

/* Parses one KEY or KEY=VALUE element and appends it (a range appends one
 * element per integer). */
static int parse_element(const char **s, const struct column_def *col, struct datum *d,
                         char **error)
{
    const char *start = *s;
    bool is_map = column_is_map(col);
    union atom key, value;
    bool is_range;
    int64_t range_end = 0;

    if (parse_atom_token(s, &col->key, &key, &is_range, &range_end, error)) {
        return -1;
    }
    if (is_map) {
        *s = skip_spaces(*s);
        if (**s != '=') {
            if (**s) {
                *error = xasprintf("%s: syntax error at \"%c\" expecting \"=\"", start, **s);
            } else {
                *error = xasprintf("%s: syntax error at \"\" expecting \"=\"", start);
            }
            atom_destroy(&key, col->key.type);
            return -1;
        }
        *s = skip_spaces(*s + 1);
        if (parse_atom_token(s, &col->value, &value, NULL, NULL, error)) {
            atom_destroy(&key, col->key.type);
            return -1;
        }
    }
    if (!is_range) {
        datum_append(d, col, &key, is_map ? &value : NULL);
        return 0;
    }
    for (int64_t i = key.integer; ; i++) {
        union atom k = { .integer = i }, v;
        if (is_map) {
            atom_clone(&v, &value, col->value.type);
        }
        datum_append(d, col, &k, is_map ? &v : NULL);
        if (i == range_end) {
            break;
        }
    }
    if (is_map) {
        atom_destroy(&value, col->value.type);
    }
    return 0;
}

int datum_from_string(struct datum *d, const struct column_def *col, const char *text,
                      char **error)
{
    bool is_map = column_is_map(col);
    const char *p = skip_spaces(text);
    char end_delim;

    datum_init_empty(d);
    if (*p == (is_map ? '{' : '[')) {
        end_delim = is_map ? '}' : ']';
        p = skip_spaces(p + 1);
    } else if (!*p) {
        *error = datum_xstrdup(is_map ? "use \"{}\" to specify the empty map"
                                      : "use \"[]\" to specify the empty set");
        return -1;
    } else {
        end_delim = '\0';
    }

    while (*p && *p != end_delim) {
        if (is_token_delim(*p)) {
            char *english = type_to_english(col);
            *error = xasprintf("%s: unexpected \"%c\" parsing %s", text, *p, english);
            free(english);
            goto error;
        }
        if (parse_element(&p, col, d, error)) {
            goto error;
        }
        p = skip_spaces(p);
        if (*p == ',') {
            p = skip_spaces(p + 1);
        }
    }

    if (*p != end_delim) {
        *error = xasprintf("%s: missing \"%c\" at end of data", text, end_delim);
        goto error;
    }
    if (end_delim && *skip_spaces(p + 1)) {
        *error = xasprintf("%s: trailing garbage after \"%c\"", text, end_delim);
        goto error;
    }

    const char *what = is_map ? "pair(s)" : "value(s)";
    if (d->n < col->n_min) {
        *error = xasprintf("%s: %zu %s specified but the minimum number is %u",
                           text, d->n, what, col->n_min);
        goto error;
    }
    if (d->n > col->n_max) {
        *error = xasprintf("%s: %zu %s specified but the maximum number is %u",
                           text, d->n, what, col->n_max);
        goto error;
    }
    if (datum_sort(d, col)) {
        *error = xasprintf(is_map ? "%s: map contains duplicate key"
                                  : "%s: set contains duplicate value", text);
        goto error;
    }
    return 0;

error:
    datum_destroy(d, col);
    return -1;
}

int datum_from_strings(struct datum *d, const struct column_def *col, char *const *texts,
                       size_t n, char **error)
{
    /* Each argument may hold any number of elements (add, remove). */
    struct column_def relaxed = *col;
    relaxed.n_min = 0;
    relaxed.n_max = UINT32_MAX;
    struct column_def keys_only = relaxed;
    keys_only.value.type = ATOM_NONE;
    bool any_pairs = false, any_keys = false;

    datum_init_empty(d);
    for (size_t i = 0; i < n; i++) {
        struct datum part;
        const struct column_def *part_col = &relaxed;
        if (datum_from_string(&part, &relaxed, texts[i], error)) {
            if (!column_is_map(col)) {
                goto error;
            }
            /* As ovs-vsctl remove: a map argument may name keys alone. */
            char *map_error = *error;
            if (datum_from_string(&part, &keys_only, texts[i], error)) {
                free(*error);
                *error = map_error;
                goto error;
            }
            free(map_error);
            part_col = &keys_only;
        }
        if (part.n) {
            *(part_col == &keys_only ? &any_keys : &any_pairs) = true;
        }
        if (any_keys && any_pairs) {
            datum_destroy(&part, part_col);
            *error = xasprintf("%s: cannot mix keys and key=value pairs", texts[i]);
            goto error;
        }
        for (size_t j = 0; j < part.n; j++) {
            datum_append(d, part_col, &part.keys[j], part.values ? &part.values[j] : NULL);
        }
        free(part.keys);
        free(part.values);
    }
    datum_sort_unique(d, any_keys ? &keys_only : &relaxed);
    return 0;

error:
    datum_destroy(d, any_keys ? &keys_only : &relaxed);
    return -1;
}
