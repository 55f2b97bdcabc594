/* Runtime commands (the ovs-appctl set): sent as they are to pontoond over
 * its control socket, the reply's text printed, or its data with
 * --format=json.  The table is for --help and argument checks; names with a
 * '/' that it lacks are forwarded all the same. */
#include "cli/command.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/control_client.h"

const struct cli_command_def runtime_commands[] = {
    { "fdb/show", 1, 1, "", COMMAND_RUNTIME, runtime_forward, "fdb/show BRIDGE",
      "show the MAC addresses BRIDGE has learned" },
    { "fdb/flush", 0, 1, "", COMMAND_RUNTIME, runtime_forward, "fdb/flush [BRIDGE]",
      "forget the learned MAC addresses of BRIDGE (default: every bridge)" },
    { "dpif/show", 0, 0, "", COMMAND_RUNTIME, runtime_forward, "dpif/show",
      "show the datapath's ports and counters" },
    { "tnl/ports/show", 0, 0, "", COMMAND_RUNTIME, runtime_forward, "tnl/ports/show",
      "show the UDP ports tunnel ports receive on" },
    { "bond/show", 0, 1, "", COMMAND_RUNTIME, runtime_forward, "bond/show [PORT]",
      "show the state of bond PORT (default: every bond)" },
    { "lacp/show", 0, 1, "", COMMAND_RUNTIME, runtime_forward, "lacp/show [PORT]",
      "show the LACP state of bond PORT (default: every LACP bond)" },
    { "lacp/show-stats", 0, 1, "", COMMAND_RUNTIME, runtime_forward,
      "lacp/show-stats [PORT]", "show the LACP PDU counters of bond PORT" },
    { "dpif-netdev/pmd-rxq-show", 0, -1, "", COMMAND_RUNTIME, runtime_forward,
      "dpif-netdev/pmd-rxq-show [PORT]",
      "show which worker thread polls each rx queue, and its load" },
    { "dpif-netdev/pmd-stats-show", 0, -1, "", COMMAND_RUNTIME, runtime_forward,
      "dpif-netdev/pmd-stats-show", "show the worker threads' packet counters" },
    { "dpif-netdev/pmd-stats-clear", 0, -1, "", COMMAND_RUNTIME, runtime_forward,
      "dpif-netdev/pmd-stats-clear", "reset the worker threads' packet counters" },
    { "bond/set-active-member", 2, 2, "", COMMAND_RUNTIME, runtime_forward,
      "bond/set-active-member PORT MEMBER", "make MEMBER the active member of bond PORT" },
    { "bond/enable-member", 2, 2, "", COMMAND_RUNTIME, runtime_forward,
      "bond/enable-member PORT MEMBER", "let MEMBER of bond PORT carry traffic again" },
    { "bond/disable-member", 2, 2, "", COMMAND_RUNTIME, runtime_forward,
      "bond/disable-member PORT MEMBER", "take MEMBER of bond PORT out of service" },
    { "bond/hash", 1, 3, "", COMMAND_RUNTIME, runtime_forward, "bond/hash MAC [VLAN] [BASIS]",
      "show the balance-slb hash bucket of MAC on VLAN" },
    { "dpif-netdev/pmd-rxq-rebalance", 0, 0, "", COMMAND_RUNTIME, runtime_forward,
      "dpif-netdev/pmd-rxq-rebalance",
      "reassign rx queues to worker threads by their measured load" },
    { "vhost/show", 0, 1, "", COMMAND_RUNTIME, runtime_forward, "vhost/show [PORT]",
      "show vhost-user ports: connection, features, queues and their counters, tx retries "
      "and drops on a full guest ring" },
    { "vlog/reopen", 0, 0, "", COMMAND_RUNTIME, runtime_forward, "vlog/reopen",
      "reopen the daemon's log file, after logrotate renamed it (as SIGHUP does)" },
    { "list-commands", 0, 0, "", COMMAND_RUNTIME, runtime_forward, "list-commands",
      "list the commands the running daemon accepts" },
    { "version", 0, 0, "", COMMAND_RUNTIME, runtime_forward, "version",
      "print the running daemon's version" },
    { "exit", 0, 1, "", COMMAND_RUNTIME, runtime_forward, "exit [--cleanup]",
      "stop the daemon, as SIGTERM does: a datapath_type=system bridge's kernel programs "
      "stay attached and pinned, so known unicast keeps flowing until the next daemon "
      "adopts them.\n"
      "With --cleanup, remove them first (every bridge's TC programs and its pins under "
      "/sys/fs/bpf/pontoon); the configuration is kept either way." },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};

const struct cli_command_def runtime_forward_command = {
    "(runtime)", 0, -1, "", COMMAND_RUNTIME, runtime_forward, "COMMAND/NAME [ARG...]",
    "any other command the running daemon knows (see list-commands)",
};

static void print_result(struct cli_context *ctx, json_t *result)
{
    if (ctx->options->format_given && ctx->options->format == FORMAT_JSON) {
        json_t *data = json_object_get(result, "data");
        char *text = json_dumps(data ? data : json_null(),
                                JSON_ENCODE_ANY | (ctx->options->pretty ? JSON_INDENT(4) : JSON_COMPACT));
        if (text) {
            strbuf_puts(&ctx->output, text);
            strbuf_putc(&ctx->output, '\n');
            free(text);
        }
        return;
    }
    const char *text = json_string_value(json_object_get(result, "text"));
    if (text)
        strbuf_puts(&ctx->output, text);
}

int runtime_forward(struct cli_context *ctx)
{
    const struct cli_invocation *inv = ctx->cmd;
    json_t *result = NULL;
    char *error = NULL;
    int rc = control_call(ctx->options->run_dir, inv->argv[0], inv->argc - 1, inv->argv + 1,
                          ctx->options->timeout_s * 1000, &result, &error);
    if (rc == 0) {
        print_result(ctx, result);
        json_decref(result);
        free(error);
        return 0;
    }
    if (rc == -ENOENT || rc == -ECONNREFUSED) {
        cli_fail(ctx, "cannot connect to pontoond (is it running?): %s", strerror(-rc));
    } else if (rc == -EREMOTEIO) {
        /* As ovs-appctl: the daemon refused the command. */
        cli_fail(ctx, "%s", error ? error : "the daemon reported an error");
        ctx->exit_code = 2;
    } else if (rc == -ETIMEDOUT) {
        cli_fail(ctx, "timeout: pontoond did not answer within %d seconds",
                 ctx->options->timeout_s);
    } else {
        cli_fail(ctx, "%s", error ? error : strerror(-rc));
    }
    json_decref(result);
    free(error);
    return -1;
}
