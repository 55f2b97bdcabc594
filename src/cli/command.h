/* The CLI's command table and the context a configuration command runs in.
 * Every command, configuration (ovs-vsctl set) or runtime (ovs-appctl set),
 * is one entry: name, argument counts, options, handler, help. */
#ifndef PONTOON_CLI_COMMAND_H
#define PONTOON_CLI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/symbols.h"

#include "db/db.h"
#include "util/strbuf.h"

enum output_format { FORMAT_TABLE, FORMAT_LIST, FORMAT_JSON, FORMAT_CSV, FORMAT_BARE };
enum data_format { DATA_STRING, DATA_JSON, DATA_BARE };

/* Global options (before the first command). */
struct cli_options {
    int timeout_s;                /* --timeout=N, 0 = wait forever */
    bool no_wait;                 /* --no-wait */
    bool format_given;            /* --format was given explicitly */
    enum output_format format;    /* --format=table|list|json|csv|bare */
    enum data_format data;        /* --data=string|json|bare */
    bool no_headings;             /* --no-headings */
    bool oneline;                 /* --oneline */
    bool pretty;                  /* --pretty (indented JSON) */
    bool dry_run;                 /* --dry-run: run, then roll back */
    const char *db_path;          /* $PONTOON_DB or default */
    const char *run_dir;          /* $PONTOON_RUN_DIR or /run/pontoon */
};

/* One command of a `--` chain, as parsed. */
struct cli_invocation {
    const struct cli_command_def *def;
    int argc;
    char **argv;                  /* argv[0] is the command name */
    /* Per-command options (those before the command name in its segment). */
    bool may_exist;               /* --may-exist */
    bool if_exists;               /* --if-exists */
    bool all;                     /* --all */
    bool fake_iface;              /* --fake-iface */
    const char *columns;          /* --columns=a,b */
    const char *id;               /* --id=@name (create) */
};

/* A command's exit_code meaning "not yet": run the whole chain again
 * (wait-until); never an exit status. */
#define CLI_EXIT_RETRY (-1000)

struct cli_context {
    struct db *db;                /* loaded inside the write transaction */
    const struct cli_options *options;
    const struct cli_invocation *cmd;
    struct strbuf output;         /* printed only once the whole chain commits */
    FILE *err;                    /* for warnings, printed at once */
    struct cli_symbols *symbols;  /* the chain's --id=@name rows */
    char *error;                  /* set (heap) by a failing handler */
    int exit_code;                /* non-zero: the exit status instead of 0/1
                                     (br-exists: 2, runtime errors: 2) */
    bool no_change;               /* set by a COMMAND_WRITE handler that changed
                                     nothing (nic/steer --dry-run): no commit, no wait */
    /* Set by a handler to run once the chain committed and pontoond applied it
     * (or did not: `applied` false with --no-wait or no daemon running), e.g.
     * to report what the daemon wrote into a status column.  Returns the exit
     * status; `aux` is the handler's (heap, freed by the caller afterwards). */
    int (*after_commit)(const struct cli_options *opts, void *aux, bool applied,
                        FILE *out, FILE *err);
    void *aux;
};

/* Sets ctx->error from a printf format; returns -1 for `return cli_fail(...)`. */
int cli_fail(struct cli_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The bridge named `name` that the Open_vSwitch row lists; NULL with
 * ctx->error "no bridge named NAME" when there is none. */
struct db_row *cli_must_find_bridge(struct cli_context *ctx, const char *name);

/* Prints names sorted (without repeats if `unique`), one a line, or as a
 * JSON array with --format=json; sorts `names` in place. */
void cli_print_names(struct cli_context *ctx, const char **names, size_t n, bool unique);

enum command_kind {
    COMMAND_READ,                 /* reads the database */
    COMMAND_WRITE,                /* changes the database */
    COMMAND_RUNTIME,              /* asks the running daemon (ovs-appctl set) */
    COMMAND_LOCAL,                /* runs in the CLI alone, no database, no daemon
                                     (nic/show: ctx->db is NULL); not chained */
};

struct cli_command_def {
    const char *name;
    int min_args, max_args;       /* not counting the name; max -1 = unlimited */
    const char *options;          /* per-command options accepted, e.g. "--may-exist" */
    enum command_kind kind;
    int (*run)(struct cli_context *ctx);  /* 0, or -1 with ctx->error set */
    const char *usage;            /* "add-br BRIDGE" */
    const char *help;             /* one line for --help; may go on after a '\n' with
                                     the command's manual page (see below) */
};

/* `pontoon COMMAND --help` (`--help` as the command's only argument) prints
 * the command's manual page: NAME (name and the help's first line),
 * SYNOPSIS (usage), then whatever `help` holds after its first '\n', as is:
 * DESCRIPTION, OPTIONS, EXAMPLES... sections, indented two spaces, lines
 * under 80 columns.  The global --help prints only the first line.  E.g.
 *   { "nic/show", 0, -1, "", COMMAND_LOCAL, cmd_nic_show, "nic/show [DEV...] [--root DIR]",
 *     "show network devices' queues, interrupts and steering\n"
 *     "DESCRIPTION\n  ...\n" },
 * Options written after a command's name (`nic/steer eth0 off --dry-run`)
 * reach its handler as arguments; the handler parses them. */
void cli_print_command_help(FILE *out, const struct cli_command_def *def);   /* cli/help.c */
/* `pontoon --man`: pontoon(8) in roff (cli/man.c). */
void cli_print_man(FILE *out);
/* `pontoon --bash-completion`: the bash completion script (cli/completion.c). */
void cli_print_bash_completion(FILE *out);

/* Tables of commands, each ending with a zeroed entry; cli/main.c searches
 * them in the order of cli_command_tables (which the man page and the
 * completion walk too). */
extern const struct cli_command_def bridge_commands[];   /* add-br, add-port, show, ... */
extern const struct cli_command_def database_commands[]; /* list, find, get, set, ... */
extern const struct cli_command_def controller_commands[]; /* set-manager, set-fail-mode, ... */
extern const struct cli_command_def runtime_commands[];  /* fdb/show, dpif/show, ... */
extern const struct cli_command_def nic_commands[];      /* nic/show, nic/steer, ... */
extern const struct cli_command_def macvtap_commands[];  /* macvtap/add, macvtap/show, ... */
extern const struct cli_command_def guest_commands[];    /* guest/xml */
extern const struct cli_command_def pci_commands[];      /* pci/show, pci/detach, ... */
extern const struct cli_command_def sriov_commands[];    /* sriov/set, sriov/vf, sriov/show */
extern const struct cli_command_def *const cli_command_tables[];   /* all of the above */
extern const size_t cli_n_command_tables;

/* A command by name from the tables above; a name with '/' that no table
 * knows gets runtime_forward_command (sent to the daemon as is). */
const struct cli_command_def *cli_find_command(const char *name);
extern const struct cli_command_def runtime_forward_command;

/* Handlers that live outside their table's file. */
int cmd_show(struct cli_context *ctx);                   /* cli/show.c */
int runtime_forward(struct cli_context *ctx);            /* cli/runtime.c */

/* Runs one whole pontoon invocation; returns the exit status.  Installed
 * (linked) as ovs-vsctl it is the same with that name on its errors; as
 * ovs-appctl it takes ovs-appctl's arguments (cli/appctl.c). */
int cli_run(int argc, char **argv, FILE *out, FILE *err);
int cli_run_appctl(int argc, char **argv, FILE *out, FILE *err);
/* Asks the daemon (a runtime command) and prints its answer; exit status. */
int cli_run_runtime(const struct cli_options *opts, const struct cli_invocation *inv,
                    FILE *out, FILE *err);
/* "PROGRAM: message" on err; returns status. */
int cli_report(FILE *err, const char *message, int status);
int cli_reportf(FILE *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_print_help(FILE *out);                          /* cli/help.c */
#ifndef PONTOON_VERSION
#define PONTOON_VERSION "0.1.0"
#endif

#endif
