/* Argument parsing as ovs-vsctl does it: global options up to the first
 * non-option (or `--`), then commands separated by `--`, each preceded by its
 * own `--option`s.  Command options found among the global ones belong to the
 * first command (`pontoon --may-exist add-port br-int dev -- set ...`). */
#include "cli/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/strbuf.h"

enum global_option {
    OPT_DB, OPT_RUN_DIR, OPT_TIMEOUT, OPT_NO_WAIT, OPT_FORMAT, OPT_DATA,
    OPT_NO_HEADINGS, OPT_ONELINE, OPT_BARE, OPT_PRETTY, OPT_DRY_RUN,
    OPT_HELP, OPT_VERSION, OPT_VERBOSE, OPT_IGNORED,
    OPT_COMMAND,                  /* a per-command option given globally */
};

enum arg_need { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct global_option_def {
    const char *name;             /* without the leading "--" */
    char short_name;              /* 0 if none */
    enum arg_need arg;
    enum global_option id;
};

static const struct global_option_def global_options[] = {
    { "db", 0, ARG_REQUIRED, OPT_DB },
    { "run-dir", 0, ARG_REQUIRED, OPT_RUN_DIR },
    { "timeout", 't', ARG_REQUIRED, OPT_TIMEOUT },
    { "no-wait", 0, ARG_NONE, OPT_NO_WAIT },
    { "format", 'f', ARG_REQUIRED, OPT_FORMAT },
    { "data", 'd', ARG_REQUIRED, OPT_DATA },
    { "no-headings", 0, ARG_NONE, OPT_NO_HEADINGS },
    { "no-heading", 0, ARG_NONE, OPT_NO_HEADINGS },
    { "oneline", 0, ARG_NONE, OPT_ONELINE },
    { "bare", 0, ARG_NONE, OPT_BARE },
    { "pretty", 0, ARG_NONE, OPT_PRETTY },
    { "dry-run", 0, ARG_NONE, OPT_DRY_RUN },
    { "help", 'h', ARG_NONE, OPT_HELP },
    { "version", 'V', ARG_NONE, OPT_VERSION },
    { "verbose", 'v', ARG_OPTIONAL, OPT_VERBOSE },
    /* Accepted for ovs-vsctl compatibility; they change nothing here. */
    { "retry", 0, ARG_NONE, OPT_IGNORED },
    { "no-syslog", 0, ARG_NONE, OPT_IGNORED },
    /* Per-command options, also valid before the first command. */
    { "may-exist", 0, ARG_NONE, OPT_COMMAND },
    { "if-exists", 0, ARG_NONE, OPT_COMMAND },
    { "all", 0, ARG_NONE, OPT_COMMAND },
    { "fake-iface", 0, ARG_NONE, OPT_COMMAND },
    { "columns", 0, ARG_REQUIRED, OPT_COMMAND },
    { "id", 0, ARG_REQUIRED, OPT_COMMAND },
};
#define N_GLOBAL_OPTIONS (sizeof global_options / sizeof global_options[0])

const char *cli_global_option_name(size_t i, bool *takes_value)
{
    if (i >= N_GLOBAL_OPTIONS)
        return NULL;
    *takes_value = global_options[i].arg == ARG_REQUIRED;
    return global_options[i].name;
}

/* A per-command option as written: "--columns" and its value (or NULL). */
struct command_option {
    char name[32];
    const char *value;
};

struct option_list {
    struct command_option *items;
    size_t n;
};

static int fail(char **error, char *message)
{
    *error = message;
    return -1;
}

static int option_list_add(struct option_list *list, const char *name, size_t name_len,
                           const char *value, char **error)
{
    if (name_len >= sizeof list->items[0].name)
        return fail(error, xasprintf("unknown option '%.*s'", (int)name_len, name));
    for (size_t i = 0; i < list->n; i++)
        if (strlen(list->items[i].name) == name_len
            && !strncmp(list->items[i].name, name, name_len))
            return fail(error, xasprintf("'%.*s' option specified multiple times",
                                         (int)name_len, name));
    struct command_option *items = realloc(list->items, (list->n + 1) * sizeof *items);
    if (!items)
        return fail(error, xasprintf("out of memory"));
    list->items = items;
    memcpy(items[list->n].name, name, name_len);
    items[list->n].name[name_len] = '\0';
    items[list->n].value = value;
    list->n++;
    return 0;
}

/* Finds a long option by exact name, else by unique prefix (as getopt_long). */
static const struct global_option_def *find_long_option(const char *name, size_t len,
                                                        bool *ambiguous)
{
    const struct global_option_def *match = NULL;
    *ambiguous = false;
    for (size_t i = 0; i < N_GLOBAL_OPTIONS; i++) {
        const struct global_option_def *o = &global_options[i];
        if (strncmp(o->name, name, len))
            continue;
        if (strlen(o->name) == len)
            return o;
        if (match && match->id != o->id)
            *ambiguous = true;
        match = o;
    }
    return *ambiguous ? NULL : match;
}

static const struct global_option_def *find_short_option(char c)
{
    for (size_t i = 0; i < N_GLOBAL_OPTIONS; i++)
        if (global_options[i].short_name == c)
            return &global_options[i];
    return NULL;
}

static int parse_format(const char *value, enum output_format *format)
{
    static const struct { const char *name; enum output_format format; } formats[] = {
        { "table", FORMAT_TABLE }, { "text", FORMAT_TABLE }, { "list", FORMAT_LIST },
        { "json", FORMAT_JSON }, { "csv", FORMAT_CSV }, { "bare", FORMAT_BARE },
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (!strcmp(value, formats[i].name)) {
            *format = formats[i].format;
            return 0;
        }
    return -1;
}

static int parse_data(const char *value, enum data_format *data)
{
    if (!strcmp(value, "string"))
        *data = DATA_STRING;
    else if (!strcmp(value, "json"))
        *data = DATA_JSON;
    else if (!strcmp(value, "bare"))
        *data = DATA_BARE;
    else
        return -1;
    return 0;
}

/* --db as ovs-vsctl takes it names an OVSDB server ("unix:/var/run/openvswitch/
 * db.sock"); Pontoon has none and keeps its database in a file.  OVS's default
 * remote means the default database; any other remote is an error rather than
 * a new empty database file named after it. */
static int parse_db_option(const char *value, const char **db_path, char **error)
{
    static const char *const default_remotes[] = {
        "unix:/var/run/openvswitch/db.sock", "unix:/run/openvswitch/db.sock",
    };
    static const char *const schemes[] = { "unix:", "punix:", "tcp:", "ptcp:", "ssl:", "pssl:" };
    for (size_t i = 0; i < sizeof default_remotes / sizeof default_remotes[0]; i++)
        if (!strcmp(value, default_remotes[i])) {
            *db_path = NULL;
            return 0;
        }
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (!strncmp(value, schemes[i], strlen(schemes[i])))
            return fail(error, xasprintf("--db=%s: Pontoon has no database server to connect "
                                         "to; --db takes the database file (default "
                                         "$PONTOON_DB, else %s)", value, DB_DEFAULT_PATH));
    *db_path = value;
    return 0;
}

static int apply_global_option(const struct global_option_def *o, const char *value,
                               struct cli_parse_result *r, struct option_list *pending,
                               char **error)
{
    struct cli_options *opts = &r->options;
    switch (o->id) {
    case OPT_DB:
        if (parse_db_option(value, &opts->db_path, error))
            return -1;
        break;
    case OPT_RUN_DIR:
        opts->run_dir = value;
        break;
    case OPT_TIMEOUT: {
        char *end;
        errno = 0;
        long t = strtol(value, &end, 10);
        if (errno || end == value || *end || t < 0 || t > INT_MAX / 1000)
            return fail(error, xasprintf("value %s on -t or --timeout is invalid", value));
        opts->timeout_s = (int)t;
        break;
    }
    case OPT_NO_WAIT:
        opts->no_wait = true;
        break;
    case OPT_FORMAT:
        if (parse_format(value, &opts->format))
            return fail(error, xasprintf("unknown output format \"%s\"", value));
        opts->format_given = true;
        break;
    case OPT_DATA:
        if (parse_data(value, &opts->data))
            return fail(error, xasprintf("unknown cell format \"%s\"", value));
        break;
    case OPT_NO_HEADINGS:
        opts->no_headings = true;
        break;
    case OPT_ONELINE:
        opts->oneline = true;
        break;
    case OPT_BARE:
        /* As ovs-vsctl: list format, bare data, no headings. */
        opts->format = FORMAT_LIST;
        opts->data = DATA_BARE;
        opts->no_headings = true;
        break;
    case OPT_PRETTY:
        opts->pretty = true;
        break;
    case OPT_DRY_RUN:
        opts->dry_run = true;
        break;
    case OPT_HELP:
        r->help = true;
        break;
    case OPT_VERSION:
        r->version = true;
        break;
    case OPT_VERBOSE:
    case OPT_IGNORED:
        break;
    case OPT_COMMAND: {
        char name[40];
        snprintf(name, sizeof name, "--%s", o->name);
        return option_list_add(pending, name, strlen(name), value, error);
    }
    }
    return 0;
}

/* Global options from argv[1]; returns the index of the first command word
 * (after a `--` that ends the options, if any). */
static int parse_global_options(int argc, char **argv, struct cli_parse_result *r,
                                struct option_list *pending, int *next, char **error)
{
    int i = 1;
    while (i < argc) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0')
            break;
        const struct global_option_def *o;
        const char *value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            bool ambiguous;
            o = find_long_option(name, len, &ambiguous);
            if (ambiguous)
                return fail(error, xasprintf("option '--%.*s' is ambiguous", (int)len, name));
            if (!o)
                return fail(error, xasprintf("unrecognized option '--%.*s'", (int)len, name));
            if (eq && o->arg == ARG_NONE)
                return fail(error, xasprintf("option '--%s' doesn't allow an argument",
                                             o->name));
            if (eq)
                value = eq + 1;
            else if (o->arg == ARG_REQUIRED) {
                if (i + 1 >= argc)
                    return fail(error, xasprintf("option '--%s' requires an argument",
                                                 o->name));
                value = argv[++i];
            }
            i++;
            if (apply_global_option(o, value, r, pending, error))
                return -1;
            continue;
        }
        /* Bundled short options: -t5, -t 5, -hV. */
        for (const char *p = arg + 1; *p; p++) {
            o = find_short_option(*p);
            if (!o)
                return fail(error, xasprintf("invalid option -- '%c'", *p));
            value = NULL;
            if (o->arg != ARG_NONE && p[1]) {
                value = p + 1;
            } else if (o->arg == ARG_REQUIRED) {
                if (i + 1 >= argc)
                    return fail(error, xasprintf("option requires an argument -- '%c'", *p));
                value = argv[++i];
            }
            if (apply_global_option(o, value, r, pending, error))
                return -1;
            if (value)
                break;
        }
        i++;
    }
    *next = i;
    return 0;
}

/* Does the command's option spec ("--may-exist,--columns=") list `name`?
 * *takes_value tells whether it is written with a trailing '='. */
static bool command_accepts(const struct cli_command_def *def, const char *name,
                            bool *takes_value)
{
    const char *spec = def->options ? def->options : "";
    size_t len = strlen(name);
    while (*spec) {
        size_t n = strcspn(spec, " ,|[]");
        if (n == 0) {
            spec++;
            continue;
        }
        size_t name_n = n;
        if (spec[n - 1] == '=')
            name_n--;
        if (name_n == len && !strncmp(spec, name, len)) {
            *takes_value = name_n != n;
            return true;
        }
        spec += n;
    }
    return false;
}

static int apply_command_options(struct cli_invocation *inv, const struct option_list *opts,
                                 char **error)
{
    const char *shown = inv->argv[0];
    for (size_t i = 0; i < opts->n; i++) {
        const struct command_option *o = &opts->items[i];
        bool takes_value = false;
        if (!command_accepts(inv->def, o->name, &takes_value))
            return fail(error, xasprintf("'%s' command has no '%s' option", shown, o->name));
        if (takes_value && !o->value)
            return fail(error, xasprintf("missing argument to '%s' option on '%s' command",
                                         o->name, shown));
        if (!takes_value && o->value)
            return fail(error, xasprintf("'%s' option on '%s' does not accept an argument",
                                         o->name, shown));
        if (!strcmp(o->name, "--may-exist"))
            inv->may_exist = true;
        else if (!strcmp(o->name, "--if-exists"))
            inv->if_exists = true;
        else if (!strcmp(o->name, "--all"))
            inv->all = true;
        else if (!strcmp(o->name, "--fake-iface"))
            inv->fake_iface = true;
        else if (!strcmp(o->name, "--columns"))
            inv->columns = o->value;
        else if (!strcmp(o->name, "--id"))
            inv->id = o->value;
        /* Other options a table lists (none today) are accepted and unused. */
    }
    return 0;
}

/* One segment of the chain: [--OPTION[=VALUE]]... NAME [ARG]... */
static int parse_command(char **args, int n, struct option_list *opts,
                         cli_lookup_fn *lookup, struct cli_invocation *inv, char **error)
{
    int i = 0;
    for (; i < n && !strncmp(args[i], "--", 2) && args[i][2]; i++) {
        const char *eq = strchr(args[i], '=');
        size_t len = eq ? (size_t)(eq - args[i]) : strlen(args[i]);
        if (option_list_add(opts, args[i], len, eq ? eq + 1 : NULL, error))
            return -1;
    }
    if (i == n)
        return fail(error, xasprintf("missing command name (use --help for help)"));

    memset(inv, 0, sizeof *inv);
    inv->argv = args + i;
    inv->argc = n - i;
    inv->def = lookup(inv->argv[0]);
    if (!inv->def)
        return fail(error, xasprintf("unknown command '%s'; use --help for help",
                                     inv->argv[0]));
    if (apply_command_options(inv, opts, error))
        return -1;

    int n_args = inv->argc - 1;
    if (n_args < inv->def->min_args)
        return fail(error, xasprintf("'%s' command requires at least %d arguments",
                                     inv->argv[0], inv->def->min_args));
    if (inv->def->max_args >= 0 && n_args > inv->def->max_args)
        return fail(error, xasprintf("'%s' command takes at most %d arguments",
                                     inv->argv[0], inv->def->max_args));
    return 0;
}

int cli_parse(int argc, char **argv, cli_lookup_fn *lookup,
              struct cli_parse_result *r, char **error)
{
    memset(r, 0, sizeof *r);
    r->options.format = FORMAT_TABLE;
    r->options.data = DATA_STRING;
    *error = NULL;

    struct option_list pending = { NULL, 0 };
    int start;
    int rc = parse_global_options(argc, argv, r, &pending, &start, error);
    if (rc || r->help || r->version)
        goto out;

    /* At most one command per `--`-separated segment. */
    r->commands = calloc((size_t)(argc - start) + 1, sizeof *r->commands);
    if (!r->commands) {
        rc = fail(error, xasprintf("out of memory"));
        goto out;
    }
    for (int i = start, seg = start; i <= argc; i++) {
        if (i < argc && strcmp(argv[i], "--"))
            continue;
        if (i > seg) {
            /* Options given globally belong to the first command only. */
            struct option_list opts = pending;
            if (r->n_commands) {
                opts.items = NULL;
                opts.n = 0;
            }
            rc = parse_command(argv + seg, i - seg, &opts, lookup,
                               &r->commands[r->n_commands], error);
            if (r->n_commands)
                free(opts.items);
            else
                pending = opts;
            if (rc)
                goto out;
            r->n_commands++;
        }
        seg = i + 1;
    }
    if (!r->n_commands)
        rc = fail(error, xasprintf("missing command name (use --help for help)"));
out:
    free(pending.items);
    return rc;
}

void cli_parse_result_free(struct cli_parse_result *r)
{
    free(r->commands);
    r->commands = NULL;
    r->n_commands = 0;
}
