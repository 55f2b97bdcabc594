/* Shared by the CLI unit tests: run a whole `pontoon` invocation in-process
 * and keep what it printed.  Header-only: each test is one program. */
#ifndef PONTOON_TESTS_CLI_RUN_H
#define PONTOON_TESTS_CLI_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"

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

#endif
