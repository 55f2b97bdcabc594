/* Invoked as ovs-appctl: that tool's arguments, `ovs-appctl [-t TARGET]
 * [-T SECS] COMMAND [ARG...]`, every command sent to the daemon as it is.
 * The target OVS scripts name is ovs-vswitchd; here that is pontoond. */
#include "cli/command.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/control_client.h"

static void appctl_help(FILE *out)
{
    fputs("ovs-appctl (Pontoon), for querying and controlling pontoond\n"
          "usage: ovs-appctl [TARGET] COMMAND [ARG...]\n"
          "Targets:\n"
          "  -t, --target=TARGET  ovs-vswitchd or pontoond (the running switch), or the path\n"
          "                       of its control socket (RUN_DIR/pontoond.ctl)\n"
          "Common commands:\n"
          "  list-commands      List commands supported by the target\n"
          "  version            Print version of the target\n"
          "  fdb/show BRIDGE    Show the MAC addresses BRIDGE has learned\n"
          "  bond/show [PORT]   Show the state of bonds\n"
          "  (pontoon --help lists them all)\n"
          "Other options:\n"
          "  -T, --timeout=SECS wait at most SECS seconds for a response\n"
          "  -f, --format=json  print the command's data as JSON (text: the default)\n"
          "  --pretty           indent that JSON\n"
          "  -h, --help         Print this helpful information\n"
          "  -V, --version      Display ovs-appctl version information\n",
          out);
}

/* The value of option `arg` (argv[*i]) spelled -x VALUE, --name=VALUE or
 * --name VALUE; NULL if `arg` is not that option.  Sets *missing when the
 * value is absent. */
static const char *option_value(int argc, char **argv, int *i, char short_name,
                                const char *long_name, bool *missing)
{
    const char *arg = argv[*i];
    size_t n = strlen(long_name);
    if ((arg[1] == short_name && !arg[2]) ||
        (!strncmp(arg, "--", 2) && !strcmp(arg + 2, long_name))) {
        if (*i + 1 >= argc) {
            *missing = true;
            return arg;
        }
        return argv[++*i];
    }
    if (!strncmp(arg, "--", 2) && !strncmp(arg + 2, long_name, n) && arg[2 + n] == '=')
        return arg + 3 + n;
    return NULL;
}

/* run_dir for TARGET: the daemon's own names, or the path of a control socket. */
static int resolve_target(const char *target, const char **run_dir, char **owned, FILE *err)
{
    if (!strcmp(target, "ovs-vswitchd") || !strcmp(target, "pontoond"))
        return 0;
    const char *slash = strrchr(target, '/');
    struct stat st;
    if (slash && !strcmp(slash + 1, "pontoond.ctl") && stat(target, &st) == 0 &&
        S_ISSOCK(st.st_mode)) {
        *owned = strndup(target, (size_t)(slash - target));
        *run_dir = *owned;
        return 0;
    }
    return cli_reportf(err, 1, "cannot contact \"%s\": the only target is ovs-vswitchd "
                       "(pontoond) or its control socket", target);
}

int cli_run_appctl(int argc, char **argv, FILE *out, FILE *err)
{
    struct cli_options opts = { .run_dir = control_default_run_dir() };
    const char *target = "ovs-vswitchd";
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *arg = argv[i], *value;
        bool missing = false;
        if (!strcmp(arg, "--")) {
            i++;
            break;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            appctl_help(out);
            return 0;
        } else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
            fprintf(out, "ovs-appctl (Pontoon) %s\n", PONTOON_VERSION);
            return 0;
        } else if (!strcmp(arg, "--pretty")) {
            opts.pretty = true;
        } else if ((value = option_value(argc, argv, &i, 't', "target", &missing))) {
            target = value;
        } else if ((value = option_value(argc, argv, &i, 'T', "timeout", &missing))) {
            char *end;
            long t = strtol(value, &end, 10);
            if (!missing && (end == value || *end || t < 0 || t > INT_MAX / 1000)) {
                return cli_reportf(err, 1, "value %s on -T or --timeout is invalid", value);
            }
            opts.timeout_s = (int)t;
        } else if ((value = option_value(argc, argv, &i, 'f', "format", &missing))) {
            if (!missing && strcmp(value, "json") && strcmp(value, "text")) {
                return cli_reportf(err, 1, "unknown output format \"%s\"", value);
            }
            opts.format_given = !strcmp(value, "json");
            opts.format = FORMAT_JSON;
        } else {
            return cli_reportf(err, 1, "unrecognized option '%s' (use --help for help)", arg);
        }
        if (missing) {
            return cli_reportf(err, 1, "option '%s' requires an argument", arg);
        }
    }
    if (i >= argc)
        return cli_report(err, "at least one non-option argument is required "
                               "(use --help for help)", 1);
    char *owned = NULL;
    int status = resolve_target(target, &opts.run_dir, &owned, err);
    if (status)
        return status;
    const struct cli_command_def *def = cli_find_command(argv[i]);
    struct cli_invocation inv = {
        /* As ovs-appctl: whatever the name, the daemon decides. */
        .def = def && def->kind == COMMAND_RUNTIME ? def : &runtime_forward_command,
        .argc = argc - i,
        .argv = argv + i,
    };
    status = cli_run_runtime(&opts, &inv, out, err);
    free(owned);
    fflush(out);
    fflush(err);
    return status;
}
