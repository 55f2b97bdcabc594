/* Rendering records as ovs-vsctl's lib/table.c does: list ("%-20s: " per
 * column, a blank line between records), table (headings, dashes, columns
 * padded to their widest cell, trailing spaces trimmed), csv, and json
 * ({"data":[[...]],"headings":[...]} with OVSDB JSON cells). */
#include "cli/table_output.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db/datum.h"

const struct column_def table_output_uuid_column = {
    .name = "_uuid",
    .key = { .type = ATOM_UUID },
    .value = { .type = ATOM_NONE },
    .n_min = 1,
    .n_max = 1,
};

struct table_style table_style_for_records(const struct cli_options *options)
{
    struct table_style style = {
        .format = options->format_given ? options->format : FORMAT_LIST,
        .data = options->data,
        .headings = !options->no_headings,
        .pretty = options->pretty,
    };
    if (style.format == FORMAT_BARE) {
        style.format = FORMAT_LIST;
        style.data = DATA_BARE;
        style.headings = false;
    }
    return style;
}

static int compare_columns(const void *a_, const void *b_)
{
    const struct column_def *const *a = a_, *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

/* One name of --columns=: "_uuid" or a column of the table. */
static int find_column(const struct table_def *t, const char *name,
                       const struct column_def **col, char **error)
{
    if (!strcmp(name, "_uuid")) {
        *col = &table_output_uuid_column;
        return 0;
    }
    return schema_find_column(t, name, col, error);
}

int record_table_init(struct record_table *rt, const struct table_def *t,
                      const char *spec, char **error)
{
    memset(rt, 0, sizeof *rt);
    if (!spec) {
        rt->columns = calloc(t->n_columns + 1, sizeof *rt->columns);
        if (!rt->columns) {
            *error = strdup("out of memory");
            return -1;
        }
        rt->columns[rt->n_columns++] = &table_output_uuid_column;
        for (size_t i = 0; i < t->n_columns; i++)
            rt->columns[rt->n_columns++] = &t->columns[i];
        qsort(rt->columns + 1, t->n_columns, sizeof *rt->columns, compare_columns);
        return 0;
    }

    char *copy = strdup(spec);
    size_t max = 1;
    for (const char *p = spec; *p; p++)
        max += *p == ',';
    rt->columns = calloc(max, sizeof *rt->columns);
    if (!copy || !rt->columns) {
        free(copy);
        record_table_destroy(rt);
        *error = strdup("out of memory");
        return -1;
    }
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        if (find_column(t, name, &rt->columns[rt->n_columns], error)) {
            free(copy);
            record_table_destroy(rt);
            return -1;
        }
        rt->n_columns++;
    }
    free(copy);
    return 0;
}

void record_table_destroy(struct record_table *rt)
{
    for (size_t i = 0; i < rt->n_rows * rt->n_columns; i++)
        datum_destroy(&rt->cells[i], rt->columns[i % rt->n_columns]);
    free(rt->cells);
    free(rt->columns);
    memset(rt, 0, sizeof *rt);
}

void record_table_add_row(struct record_table *rt, const struct db_row *row)
{
    if (rt->n_rows == rt->allocated_rows) {
        size_t n = rt->allocated_rows ? rt->allocated_rows * 2 : 4;
        struct datum *cells = realloc(rt->cells, (n * rt->n_columns + 1) * sizeof *cells);
        if (!cells)
            return;   /* out of memory: the row is left out rather than aborting */
        rt->cells = cells;
        rt->allocated_rows = n;
    }
    struct datum *cells = &rt->cells[rt->n_rows * rt->n_columns];
    for (size_t x = 0; x < rt->n_columns; x++) {
        const struct column_def *col = rt->columns[x];
        if (col == &table_output_uuid_column) {
            union atom *uuid = malloc(sizeof *uuid);
            char *text = strdup(row->uuid);
            if (!uuid || !text) {
                free(uuid);
                free(text);
                datum_init_empty(&cells[x]);
                continue;
            }
            uuid->string = text;
            cells[x] = (struct datum){ 1, uuid, NULL };
        } else {
            datum_clone(&cells[x], &row->columns[schema_column_index(row->table, col)], col);
        }
    }
    rt->n_rows++;
}

/* --data=bare: elements separated by spaces, strings unquoted. */
static char *datum_to_bare(const struct datum *d, const struct column_def *col)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "");
    for (size_t i = 0; i < d->n; i++) {
        const union atom *atoms[2] = { &d->keys[i], d->values ? &d->values[i] : NULL };
        enum atom_type types[2] = { col->key.type, col->value.type };
        if (i)
            strbuf_putc(&sb, ' ');
        for (int k = 0; k < 2 && atoms[k]; k++) {
            if (k)
                strbuf_putc(&sb, '=');
            if (types[k] == ATOM_STRING || types[k] == ATOM_UUID) {
                strbuf_puts(&sb, atoms[k]->string);
            } else {
                char *text = atom_to_string(atoms[k], types[k]);
                strbuf_puts(&sb, text);
                free(text);
            }
        }
    }
    return strbuf_steal(&sb);
}

static char *json_text(json_t *json, size_t flags)
{
    char *text = json ? json_dumps(json, flags | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(json);
    return text ? text : strdup("");
}

char *cell_to_text(const struct datum *d, const struct column_def *col,
                   enum data_format data)
{
    switch (data) {
    case DATA_JSON:
        return json_text(datum_to_json(d, col), JSON_COMPACT);
    case DATA_BARE:
        return datum_to_bare(d, col);
    case DATA_STRING:
    default:
        return datum_to_string(d, col);
    }
}

/* Every cell's text, row-major. */
static char **cell_texts(const struct record_table *rt, enum data_format data)
{
    size_t n = rt->n_rows * rt->n_columns;
    char **texts = calloc(n + 1, sizeof *texts);
    for (size_t i = 0; texts && i < n; i++) {
        texts[i] = cell_to_text(&rt->cells[i], rt->columns[i % rt->n_columns], data);
        if (!texts[i])
            texts[i] = strdup("");
    }
    return texts;
}

static void free_texts(char **texts, size_t n)
{
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
}

static void finish_line(struct strbuf *out)
{
    while (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    strbuf_putc(out, '\n');
}

static void render_list(const struct record_table *rt, const struct table_style *style,
                        char **texts, struct strbuf *out)
{
    for (size_t y = 0; y < rt->n_rows; y++) {
        if (y)
            strbuf_putc(out, '\n');
        for (size_t x = 0; x < rt->n_columns; x++) {
            if (style->headings)
                strbuf_printf(out, "%-20s: ", rt->columns[x]->name);
            strbuf_printf(out, "%s\n", texts[y * rt->n_columns + x]);
        }
    }
}

static void render_table(const struct record_table *rt, const struct table_style *style,
                         char **texts, struct strbuf *out)
{
    size_t *widths = calloc(rt->n_columns + 1, sizeof *widths);
    if (!widths)
        return;
    for (size_t x = 0; x < rt->n_columns; x++) {
        widths[x] = style->headings ? strlen(rt->columns[x]->name) : 0;
        for (size_t y = 0; y < rt->n_rows; y++) {
            size_t len = strlen(texts[y * rt->n_columns + x]);
            if (len > widths[x])
                widths[x] = len;
        }
    }
    if (style->headings) {
        for (size_t x = 0; x < rt->n_columns; x++)
            strbuf_printf(out, "%s%-*s", x ? " " : "", (int)widths[x], rt->columns[x]->name);
        finish_line(out);
        for (size_t x = 0; x < rt->n_columns; x++) {
            if (x)
                strbuf_putc(out, ' ');
            for (size_t i = 0; i < widths[x]; i++)
                strbuf_putc(out, '-');
        }
        finish_line(out);
    }
    for (size_t y = 0; y < rt->n_rows; y++) {
        for (size_t x = 0; x < rt->n_columns; x++)
            strbuf_printf(out, "%s%-*s", x ? " " : "", (int)widths[x],
                          texts[y * rt->n_columns + x]);
        finish_line(out);
    }
    free(widths);
}

/* CSV quoting: only cells holding a newline, quote or comma are quoted. */
static void put_csv_cell(struct strbuf *out, const char *text)
{
    if (!strpbrk(text, "\n\",")) {
        strbuf_puts(out, text);
        return;
    }
    strbuf_putc(out, '"');
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            strbuf_putc(out, '"');
        strbuf_putc(out, *p);
    }
    strbuf_putc(out, '"');
}

static void render_csv(const struct record_table *rt, const struct table_style *style,
                       char **texts, struct strbuf *out)
{
    if (style->headings) {
        for (size_t x = 0; x < rt->n_columns; x++) {
            if (x)
                strbuf_putc(out, ',');
            put_csv_cell(out, rt->columns[x]->name);
        }
        strbuf_putc(out, '\n');
    }
    for (size_t y = 0; y < rt->n_rows; y++) {
        for (size_t x = 0; x < rt->n_columns; x++) {
            if (x)
                strbuf_putc(out, ',');
            put_csv_cell(out, texts[y * rt->n_columns + x]);
        }
        strbuf_putc(out, '\n');
    }
}

/* JSON cells are always OVSDB JSON, whatever --data says (as OVS). */
static void render_json(const struct record_table *rt, const struct table_style *style,
                        struct strbuf *out)
{
    json_t *headings = json_array(), *data = json_array();
    for (size_t x = 0; x < rt->n_columns; x++)
        json_array_append_new(headings, json_string(rt->columns[x]->name));
    for (size_t y = 0; y < rt->n_rows; y++) {
        json_t *row = json_array();
        for (size_t x = 0; x < rt->n_columns; x++) {
            size_t i = y * rt->n_columns + x;
            json_t *cell = datum_to_json(&rt->cells[i], rt->columns[x]);
            json_array_append_new(row, cell ? cell : json_null());
        }
        json_array_append_new(data, row);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "headings", headings);
    json_object_set_new(doc, "data", data);
    char *text = json_text(doc, style->pretty ? JSON_INDENT(2) : JSON_COMPACT);
    strbuf_printf(out, "%s\n", text);
    free(text);
}

void record_table_render(const struct record_table *rt, const struct table_style *style,
                         struct strbuf *out)
{
    if (style->format == FORMAT_JSON) {
        render_json(rt, style, out);
        return;
    }
    enum data_format data = style->format == FORMAT_BARE ? DATA_BARE : style->data;
    char **texts = cell_texts(rt, data);
    if (!texts)
        return;
    switch (style->format) {
    case FORMAT_TABLE:
        render_table(rt, style, texts, out);
        break;
    case FORMAT_CSV:
        render_csv(rt, style, texts, out);
        break;
    case FORMAT_LIST:
    case FORMAT_BARE:
    case FORMAT_JSON:
    default:
        render_list(rt, style, texts, out);
        break;
    }
    free_texts(texts, rt->n_rows * rt->n_columns);
}
