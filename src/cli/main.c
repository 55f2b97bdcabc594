/* One pontoon invocation: parse, then either forward a runtime command to the
 * daemon or run the configuration commands of the `--` chain as one database
 * transaction and wait until the daemon has applied it. */
#include "cli/command.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/parse.h"
#include "control/control_client.h"
#include "db/db.h"
#include "db/schema.h"
#include "util/clock.h"

/* ovs-vsctl exits through SIGALRM on --timeout; scripts know 128 + 14. */
#define EXIT_TIMEOUT 142

int cli_fail(struct cli_context *ctx, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *message = NULL;
    if (vasprintf(&message, fmt, args) < 0)
        message = NULL;
    va_end(args);
    free(ctx->error);
    ctx->error = message ? message : strdup("out of memory");
    return -1;
}

static const struct cli_command_def *find_in(const struct cli_command_def *table,
                                             const char *name)
{
    for (; table->name; table++)
        if (!strcmp(table->name, name))
            return table;
    return NULL;
}

const struct cli_command_def *const cli_command_tables[] = {
    bridge_commands, database_commands, controller_commands, runtime_commands,
    macvtap_commands, guest_commands, nic_commands, pci_commands, sriov_commands,
};
const size_t cli_n_command_tables = sizeof cli_command_tables / sizeof *cli_command_tables;

const struct cli_command_def *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_n_command_tables; i++) {
        const struct cli_command_def *def = find_in(cli_command_tables[i], name);
        if (def)
            return def;
    }
    /* The daemon may know commands this CLI does not (ovs-appctl forwards
     * whatever it is given). */
    if (strchr(name, '/'))
        return &runtime_forward_command;
    return NULL;
}

/* The name errors start with: the OVS tool's when installed under its name. */
static const char *program = "pontoon";

static const char *program_name(const char *argv0)
{
    static const char *const ovs_names[] = { "ovs-vsctl", "ovs-appctl" };
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    base = base ? base + 1 : argv0;
    for (size_t i = 0; base && i < sizeof ovs_names / sizeof ovs_names[0]; i++)
        if (!strcmp(base, ovs_names[i]))
            return ovs_names[i];
    return "pontoon";
}

int cli_report(FILE *err, const char *message, int status)
{
    fprintf(err, "%s: %s\n", program, message);
    return status;
}

int cli_reportf(FILE *err, int status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(err, "%s: ", program);
    vfprintf(err, fmt, args);
    fputc('\n', err);
    va_end(args);
    return status;
}

int cli_run_runtime(const struct cli_options *opts, const struct cli_invocation *inv,
                    FILE *out, FILE *err)
{
    struct cli_context ctx = { .options = opts, .cmd = inv, .output = STRBUF_INIT };
    int status = 0;
    if (inv->def->run(&ctx)) {
        status = ctx.exit_code ? ctx.exit_code : 1;
        if (ctx.error)
            cli_report(err, ctx.error, status);
    }
    fputs(strbuf_cstr(&ctx.output), out);
    strbuf_free(&ctx.output);
    free(ctx.error);
    return status;
}

/* A command's output; with --oneline on one line, newlines as "\n" (as
 * ovs-vsctl does, so scripts can read one line per command). */
static void print_output(const struct cli_options *opts, struct strbuf *output, FILE *out)
{
    const char *text = strbuf_cstr(output);
    if (!opts->oneline) {
        fputs(text, out);
        return;
    }
    size_t len = strlen(text);
    if (len && text[len - 1] == '\n')
        len--;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            fputs("\\n", out);
        else if (text[i] == '\\')
            fputs("\\\\", out);
        else
            fputc(text[i], out);
    }
    fputc('\n', out);
}

/* Asks the daemon to apply the committed change and waits for it; *applied
 * tells whether a daemon answered that it did. */
static int wait_for_daemon(const struct cli_options *opts, FILE *err, bool *applied)
{
    json_t *result = NULL;
    char *error = NULL;
    int rc = control_call(opts->run_dir, "reload", 0, NULL, opts->timeout_s * 1000,
                          &result, &error);
    int status = 0;
    *applied = rc == 0;
    if (rc == 0 || rc == -ENOENT || rc == -ECONNREFUSED) {
        status = 0;   /* no daemon: it applies the change when it starts */
    } else if (rc == -ETIMEDOUT) {
        status = cli_reportf(err, EXIT_TIMEOUT, "timeout: pontoond did not apply the change "
                             "within %d seconds", opts->timeout_s);
    } else {
        cli_report(err, error ? error : strerror(-rc), 1);
        status = 1;
    }
    json_decref(result);
    free(error);
    return status;
}

static int run_transaction(const struct cli_options *opts, struct cli_invocation *cmds,
                           size_t n, FILE *out, FILE *err)
{
    struct db *db = NULL;
    char *error = NULL;
    if (db_open_lazy(opts->db_path, &db, &error)) {
        int status = cli_report(err, error ? error : "cannot open the database", 1);
        free(error);
        return status;
    }
    int timeout_ms = opts->timeout_s ? opts->timeout_s * 1000 : INT_MAX;
    uint64_t deadline_ms = opts->timeout_s ? clock_monotonic_ms() + (uint64_t)timeout_ms
                                           : UINT64_MAX;
    struct cli_context *ctxs = calloc(n, sizeof *ctxs);
    if (!ctxs) {
        db_close(db);
        return cli_report(err, "out of memory", 1);
    }
    int status = 0;
    bool writes = false;
    for (;;) {
        if (db_begin(db, timeout_ms, &error)) {
            status = cli_report(err, error ? error : "cannot start a transaction", 1);
            free(error);
            free(ctxs);
            db_close(db);
            return status;
        }
        status = 0;
        writes = false;
        struct cli_symbols symbols;
        cli_symbols_init(&symbols);
        cli_symbols_resolve_in_values(&symbols);
        for (size_t i = 0; i < n; i++) {
            struct cli_context *ctx = &ctxs[i];
            *ctx = (struct cli_context){ .db = db, .options = opts, .cmd = &cmds[i],
                                         .output = STRBUF_INIT, .err = err,
                                         .symbols = &symbols };
            if (cmds[i].def->run(ctx)) {
                status = ctx->exit_code ? ctx->exit_code : 1;
                if (ctx->error && status != CLI_EXIT_RETRY)
                    cli_report(err, ctx->error, status);
                break;
            }
            writes |= cmds[i].def->kind == COMMAND_WRITE && !ctx->no_change;
        }
        cli_symbols_resolve_in_values(NULL);
        /* As ovs-vsctl: every @name used is some create's --id. */
        const struct cli_symbol *dangling = status ? NULL : cli_symbols_dangling(&symbols);
        if (dangling)
            status = cli_reportf(err, 1, "row id \"%s\" is referenced but never created "
                                 "(e.g. with \"-- --id=%s create ...\")", dangling->name,
                                 dangling->name);
        cli_symbols_destroy(&symbols);
        if (status != CLI_EXIT_RETRY)
            break;
        /* wait-until: not yet.  Let go of the database (the daemon writes
         * what is waited for), then run the whole chain again, as
         * ovs-vsctl does. */
        db_rollback(db);
        for (size_t i = 0; i < n; i++) {
            strbuf_free(&ctxs[i].output);
            free(ctxs[i].error);
            free(ctxs[i].aux);
        }
        memset(ctxs, 0, n * sizeof *ctxs);   /* a later round may stop sooner */
        if (clock_monotonic_ms() >= deadline_ms) {
            free(ctxs);
            db_close(db);
            return cli_reportf(err, EXIT_TIMEOUT, "timeout: still waiting after %d seconds",
                               opts->timeout_s);
        }
        struct timespec pause = { 0, 100 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }

    /* As ovs-vsctl: a change it waits for counts next_cfg up; the daemon
     * sets cur_cfg to it once applied. */
    struct db_row *root = writes && !status ? db_root_row(db) : NULL;
    if (root && !opts->no_wait && !opts->dry_run) {
        const struct column_def *next_cfg = NULL;
        char *ignored = NULL;
        if (schema_find_column(root->table, "next_cfg", &next_cfg, &ignored) == 0) {
            struct datum next;
            datum_init_integer(&next, db_row_get_integer(root, "next_cfg", 0) + 1);
            db_row_set_by_def(root, next_cfg, &next);
        }
        free(ignored);
    }
    if (status || !writes || opts->dry_run) {
        db_rollback(db);
    } else if (db_commit(db, &error)) {
        status = cli_report(err, error ? error : "cannot commit the transaction", 1);
        free(error);
    }
    if (!status)
        for (size_t i = 0; i < n; i++)
            print_output(opts, &ctxs[i].output, out);
    for (size_t i = 0; i < n; i++) {
        strbuf_free(&ctxs[i].output);
        free(ctxs[i].error);
    }
    db_close(db);

    bool applied = false;
    if (!status && writes && !opts->no_wait && !opts->dry_run) {
        fflush(out);
        status = wait_for_daemon(opts, err, &applied);
    }
    /* Commands that look at what the daemon did with the change. */
    for (size_t i = 0; i < n; i++) {
        if (!status && writes && !opts->dry_run && ctxs[i].after_commit)
            status = ctxs[i].after_commit(opts, ctxs[i].aux, applied, out, err);
        free(ctxs[i].aux);
    }
    free(ctxs);
    return status;
}

int cli_run(int argc, char **argv, FILE *out, FILE *err)
{
    program = program_name(argc > 0 ? argv[0] : NULL);
    if (!strcmp(program, "ovs-appctl"))
        return cli_run_appctl(argc, argv, out, err);
    /* Generated from the tables, for the package (make man, make completion). */
    if (argc == 2 && !strcmp(argv[1], "--man")) {
        cli_print_man(out);
        fflush(out);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--bash-completion")) {
        cli_print_bash_completion(out);
        fflush(out);
        return 0;
    }
    /* `pontoon [OPTIONS] COMMAND --help`: that command's manual page. */
    const struct cli_command_def *help_def = argc >= 3 && !strcmp(argv[argc - 1], "--help")
                                             ? cli_find_command(argv[argc - 2]) : NULL;
    if (help_def && help_def != &runtime_forward_command) {
        cli_print_command_help(out, help_def);
        fflush(out);
        return 0;
    }
    struct cli_parse_result parsed;
    char *error = NULL;
    int status;
    if (cli_parse(argc, argv, cli_find_command, &parsed, &error)) {
        status = cli_report(err, error ? error : "invalid arguments", 1);
        goto done;
    }
    if (parsed.help) {
        cli_print_help(out);
        status = 0;
        goto done;
    }
    if (parsed.version) {
        fprintf(out, "pontoon (Pontoon) %s\n", PONTOON_VERSION);
        status = 0;
        goto done;
    }

    struct cli_options *opts = &parsed.options;
    if (!opts->db_path)
        opts->db_path = db_default_path();
    if (!opts->run_dir)
        opts->run_dir = control_default_run_dir();

    for (size_t i = 0; i < parsed.n_commands; i++) {
        const struct cli_invocation *inv = &parsed.commands[i];
        if (inv->def->kind == COMMAND_RUNTIME && parsed.n_commands > 1) {
            status = cli_reportf(err, 1, "'%s' asks the running daemon and cannot be chained "
                                 "with other commands", inv->argv[0]);
            goto done;
        }
        if (inv->def->kind == COMMAND_LOCAL && parsed.n_commands > 1) {
            status = cli_reportf(err, 1, "'%s' cannot be chained with other commands",
                                 inv->argv[0]);
            goto done;
        }
    }
    /* A local command runs as a runtime one does, outside any transaction
     * (its handler asks no daemon). */
    if (parsed.commands[0].def->kind == COMMAND_RUNTIME
        || parsed.commands[0].def->kind == COMMAND_LOCAL)
        status = cli_run_runtime(opts, &parsed.commands[0], out, err);
    else
        status = run_transaction(opts, parsed.commands, parsed.n_commands, out, err);

done:
    free(error);
    cli_parse_result_free(&parsed);
    fflush(out);
    fflush(err);
    return status;
}
