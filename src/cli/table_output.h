/* Records as a table of cells (headings + one datum per cell), rendered in
 * ovs-vsctl's output formats: list, table, json, csv, bare.  The records are
 * gathered once; every format is drawn from the same cells. */
#ifndef PONTOON_CLI_TABLE_OUTPUT_H
#define PONTOON_CLI_TABLE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/command.h"
#include "db/db.h"
#include "db/schema.h"
#include "util/strbuf.h"

/* The "_uuid" pseudo-column: a uuid scalar holding the row's own uuid. */
extern const struct column_def table_output_uuid_column;

struct record_table {
    const struct column_def **columns;   /* headings are the columns' names */
    size_t n_columns;
    struct datum *cells;                 /* n_rows * n_columns, owned */
    size_t n_rows, allocated_rows;
};

struct table_style {
    enum output_format format;
    enum data_format data;
    bool headings;
    bool pretty;
};

/* The style list/find use: ovs-vsctl lists records unless --format says
 * otherwise; --format=bare is list with bare cells and no headings. */
struct table_style table_style_for_records(const struct cli_options *options);

/* Columns of `t`: all of them, "_uuid" first then by name, when `spec` is
 * NULL; else the comma-separated names of --columns=, in that order, found
 * with schema_find_column (or "_uuid").  Returns 0 or -1 with a heap *error. */
int record_table_init(struct record_table *rt, const struct table_def *t,
                      const char *spec, char **error);
void record_table_destroy(struct record_table *rt);
/* Appends a copy of the selected columns of `row`. */
void record_table_add_row(struct record_table *rt, const struct db_row *row);

/* Appends the rendering to `out`. */
void record_table_render(const struct record_table *rt, const struct table_style *style,
                         struct strbuf *out);

/* One cell's text in a --data format (string, json, bare); heap string. */
char *cell_to_text(const struct datum *d, const struct column_def *col,
                   enum data_format data);

#endif
