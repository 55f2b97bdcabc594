/* Turns pontoon's argv into global options and a `--` chain of command
 * invocations, with ovs-vsctl's rules and messages.  Pure: no environment,
 * no I/O, commands looked up through the caller's function. */
#ifndef PONTOON_CLI_PARSE_H
#define PONTOON_CLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/command.h"

typedef const struct cli_command_def *cli_lookup_fn(const char *name);

struct cli_parse_result {
    struct cli_options options;   /* db_path/run_dir NULL unless given */
    struct cli_invocation *commands;
    size_t n_commands;
    bool help;                    /* -h/--help: nothing else is checked */
    bool version;                 /* -V/--version */
};

/* Fills *result (free with cli_parse_result_free, also after an error).
 * Strings in the result point into argv.  Returns 0, or -1 with a heap
 * *error such as "'add-br' command has no '--if-exists' option". */
int cli_parse(int argc, char **argv, cli_lookup_fn *lookup,
              struct cli_parse_result *result, char **error);
void cli_parse_result_free(struct cli_parse_result *result);

/* The long options (without "--"), i from 0 until NULL; *takes_value for
 * those written --NAME=VALUE (for completion). */
const char *cli_global_option_name(size_t i, bool *takes_value);

#endif
