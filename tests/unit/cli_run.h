/* Shared by the CLI unit tests: run a whole `pontoon` invocation in-process
 * and keep what it printed.  Header-only: each test is one program. */
#ifndef PONTOON_TESTS_CLI_RUN_H
#define PONTOON_TESTS_CLI_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/command.h"
#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

static char *out_text, *err_text;

/* The test's private directory: the database (db_path) and the control
 * socket's run dir inside it, given to the commands as PONTOON_DB and
 * PONTOON_RUN_DIR. */
static char dir[64], db_path[128], run_dir[128];

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

/* run() with a printf format. */
static int runf(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int runf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *line = NULL;
    if (vasprintf(&line, fmt, args) < 0)
        line = NULL;
    va_end(args);
    int status = run(line ? line : "");
    free(line);
    return status;
}

/* Makes `dir` from template ("/tmp/pontoon-cli-XXXXXX") with the database
 * and run dir in it, and points the commands there.  0 or -1. */
static __attribute__((unused)) int cli_dir_make(const char *template)
{
    snprintf(dir, sizeof dir, "%s", template);
    if (!mkdtemp(dir))
        return -1;
    snprintf(db_path, sizeof db_path, "%s/conf.db", dir);
    snprintf(run_dir, sizeof run_dir, "%s/run", dir);
    mkdir(run_dir, 0755);
    setenv("PONTOON_DB", db_path, 1);
    setenv("PONTOON_RUN_DIR", run_dir, 1);
    return 0;
}

/* Removes `dir` and forgets what the last command printed. */
static __attribute__((unused)) void cli_dir_remove(void)
{
    char *cmd;
    if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        free(cmd);
    }
    free(out_text);
    free(err_text);
    out_text = err_text = NULL;
}

/* Every row of every table, as text, to compare before and after (needs
 * cmocka included first, for fail_msg). */
static char *dump_db(const char *path)
{
    struct db *db;
    char *error = NULL;
    if (db_open(path, &db, &error))
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
