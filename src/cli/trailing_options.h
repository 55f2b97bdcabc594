/* The options the host commands (nic/, pci/, sriov/) take after their name
 * — `nic/steer eth0 off --dry-run`, `pci/show --tree --root DIR` — parsed
 * once for all of them, and their JSON output. */
#ifndef PONTOON_CLI_TRAILING_OPTIONS_H
#define PONTOON_CLI_TRAILING_OPTIONS_H

#include <stdbool.h>

#include <jansson.h>

#include "cli/command.h"

#define TRAILING_MAX_WORDS 16

struct trailing_args {
    const char *words[TRAILING_MAX_WORDS];  /* the other arguments, in order */
    int n_words;
    const char *root;             /* --root DIR */
    bool dry_run;                 /* --dry-run */
    bool tree;                    /* --tree */
    bool force;                   /* --force */
    int json;                     /* --format=json: 1, --format=text: 0, else -1 */
};

/* Splits the command's arguments into words and the options named, blank-
 * separated, in `accepted` (of --root, --dry-run, --tree, --force,
 * --format); at most max_words words.  0, or -1 with ctx->error set
 * ("'nic/show' has no option '--bogus' (see nic/show --help)"). */
int trailing_args_parse(struct cli_context *ctx, const char *accepted, int max_words,
                        struct trailing_args *args);

/* --format=json after the name, or pontoon's own --format=json before it. */
bool trailing_args_want_json(const struct cli_context *ctx, const struct trailing_args *args);

/* doc as one line (or indented with --pretty) on the command's output. */
void cli_put_json(struct cli_context *ctx, json_t *doc);

#endif
