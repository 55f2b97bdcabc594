/* Shared by the CLI unit tests: run a whole `pontoon` invocation in-process
 * and keep what it printed.  Header-only: each test is one program. */
#ifndef PONTOON_TESTS_CLI_RUN_H
#define PONTOON_TESTS_CLI_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "control/datum.h"
#include "control/db.h"
#include "control/schema.h"

static char *out_text, *err_text;

/* Runs pontoon with the words of `line` (split on spaces, no quoting). */
static int run(const char *line)
{
    free(out_text);
    free(err_text);
    char *copy = strdup(line);
    char *argv[128];
    int argc = 0;
    argv[argc++] = "pontoon";
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && argc < 127;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    argv[argc] = NULL;
    size_t out_len, err_len;
    FILE *out = open_memstream(&out_text, &out_len);
    FILE *err = open_memstream(&err_text, &err_len);
    int status = cli_run(argc, argv, out, err);
    fclose(out);
    fclose(err);
    free(copy);
    return status;
}

/* Every row of every table, as text, to compare before and after (needs
 * cmocka included first, for fail_msg). */
static char *dump_db(const char *db_path)
{
    struct db *db;
    char *error = NULL;
    if (db_open(db_path, &db, &error))
        fail_msg("db_open: %s", error);
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        struct db_row *row;
        DB_FOR_EACH_ROW(row, db, table, i) {
            fprintf(f, "%s %s", table->name, row->uuid);
            for (size_t c = 0; c < table->n_columns; c++) {
                char *v = datum_to_string(&row->columns[c], &table->columns[c]);
                fprintf(f, " %s=%s", table->columns[c].name, v);
                free(v);
            }
            fputc('\n', f);
        }
    }
    fclose(f);
    db_close(db);
    return text;
}

#endif
