/* Host commands' trailing options: see trailing_options.h. */
#include "cli/trailing_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is `option` one of the blank-separated names of `accepted`? */
static bool option_accepted(const char *accepted, const char *option)
{
    size_t len = strlen(option);
    for (const char *p = accepted; *p; p += strcspn(p, " "), p += strspn(p, " "))
        if (strcspn(p, " ") == len && !strncmp(p, option, len))
            return true;
    return false;
}

int trailing_args_parse(struct cli_context *ctx, const char *accepted, int max_words,
                        struct trailing_args *args)
{
    const char *name = ctx->cmd->argv[0];
    memset(args, 0, sizeof *args);
    args->json = -1;
    if (max_words > TRAILING_MAX_WORDS)
        max_words = TRAILING_MAX_WORDS;
    for (int i = 1; i < ctx->cmd->argc; i++) {
        const char *arg = ctx->cmd->argv[i];
        if (strncmp(arg, "--", 2)) {
            if (args->n_words >= max_words)
                return cli_fail(ctx, "'%s' takes at most %d arguments (see %s --help)", name,
                                max_words, name);
            args->words[args->n_words++] = arg;
            continue;
        }
        size_t len = strcspn(arg, "=");
        char option[32];
        snprintf(option, sizeof option, "%.*s", (int)len, arg);
        if (!option_accepted(accepted, option))
            return cli_fail(ctx, "'%s' has no option '%s' (see %s --help)", name, option, name);
        const char *value = arg[len] == '=' ? arg + len + 1 : NULL;
        bool takes_value = !strcmp(option, "--root") || !strcmp(option, "--format");
        if (!takes_value && value)
            return cli_fail(ctx, "%s takes no value", option);
        if (takes_value && !value && i + 1 < ctx->cmd->argc)
            value = ctx->cmd->argv[++i];
        if (!strcmp(option, "--dry-run")) {
            args->dry_run = true;
        } else if (!strcmp(option, "--tree")) {
            args->tree = true;
        } else if (!strcmp(option, "--force")) {
            args->force = true;
        } else if (!strcmp(option, "--root")) {
            if (!value || !*value)
                return cli_fail(ctx, "--root needs a directory");
            args->root = value;
        } else if (!strcmp(option, "--format")) {
            if (!value || (strcmp(value, "json") && strcmp(value, "text")
                           && strcmp(value, "table")))
                return cli_fail(ctx, "--format takes json or text");
            args->json = !strcmp(value, "json");
        }
    }
    return 0;
}

bool trailing_args_want_json(const struct cli_context *ctx, const struct trailing_args *args)
{
    if (args->json >= 0)
        return args->json;
    return ctx->options->format_given && ctx->options->format == FORMAT_JSON;
}

void cli_put_json(struct cli_context *ctx, json_t *doc)
{
    char *text = json_dumps(doc, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER
                                 | (ctx->options->pretty ? JSON_INDENT(2) : JSON_COMPACT));
    if (text) {
        strbuf_puts(&ctx->output, text);
        strbuf_putc(&ctx->output, '\n');
    }
    free(text);
}
