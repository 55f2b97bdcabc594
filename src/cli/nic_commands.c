/* Host NIC commands: nic/show (the inventory, no daemon needed), nic/steer
 * and nic/set-channels (stored in the NIC table, applied by pontoond; see
 * control/nic_policy.h).  The inventory and the planner are host/'s, the
 * output cli/nic_output.c's. */
#include "cli/command.h"
#include "cli/trailing_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/nic_output.h"
#include "db/db.h"
#include "db/schema.h"
#include "host/ethtool_channels.h"
#include "host/irq_balance.h"
#include "host/nic_apply.h"
#include "host/nic_inventory.h"
#include "host/nic_plan.h"

static int cmd_nic_show(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "--root --format", 8, &args))
        return -1;
    struct nic_inventory inv;
    char *error = NULL;
    if (nic_inventory_read(args.root, args.words, (size_t)args.n_words, &inv, &error)) {
        cli_fail(ctx, "%s", error ? error : "cannot read the inventory");
        free(error);
        nic_inventory_free(&inv);
        return -1;
    }
    json_t *doc = nic_inventory_json(&inv);
    nic_inventory_free(&inv);
    if (trailing_args_want_json(ctx, &args))
        cli_put_json(ctx, doc);
    else
        nic_inventory_text(doc, &ctx->output);
    json_decref(doc);
    return 0;
}

/* ---- nic/steer ---- */

static const struct table_def *nic_table(void)
{
    return schema_find_table("NIC");
}

/* The workers' CPUs from other_config:pmd-cpu-mask (none when unset). */
static void pmd_cpus_from_db(struct db *db, struct cpu_bitmap *cpus)
{
    cpu_bitmap_clear(cpus);
    const struct db_row *root = db ? db_root_row(db) : NULL;
    const char *mask = root ? db_row_get_map_string(root, "other_config", "pmd-cpu-mask") : NULL;
    if (mask && cpu_mask_parse(mask, cpus))
        cpu_bitmap_clear(cpus);
}

static char *irq_warning(const char *root, const struct nic_info *nic,
                         const struct nic_steering *steering)
{
    long pid = steering->mode == NIC_STEER_OFF || !nic->n_irqs ? 0 : irqbalance_find(root);
    if (!pid)
        return NULL;
    unsigned *irqs = calloc(nic->n_irqs, sizeof *irqs);
    if (!irqs)
        return NULL;
    for (size_t i = 0; i < nic->n_irqs; i++)
        irqs[i] = nic->irqs[i].irq;
    char *cpus = steering->mode == NIC_STEER_CPUS ? cpu_list_format(&steering->cpus) : NULL;
    char *advice = irqbalance_advice(pid, irqs, nic->n_irqs, cpus);
    free(cpus);
    free(irqs);
    return advice;
}

/* What nic/steer and nic/set-channels check after pontoond applied them. */
struct nic_after {
    char dev[16];
    bool restore;                 /* nic/steer off: apply the defaults here too */
    char *warning;                /* irqbalance's */
};

/* NIC.status:error of `dev` as pontoond wrote it. */
static char *status_error(const struct cli_options *opts, const char *dev)
{
    struct db *db = NULL;
    char *error = NULL;
    if (db_open(opts->db_path, &db, &error)) {
        free(error);
        return NULL;
    }
    const struct db_row *row = db_find_row(db, nic_table(), dev);
    const char *text = row ? db_row_get_map_string(row, "status", "error") : NULL;
    char *copy = text ? strdup(text) : NULL;
    db_close(db);
    return copy;
}

static int restore_defaults(const char *dev, FILE *err)
{
    struct nic_inventory inv;
    char *error = NULL;
    const char *names[1] = { dev };
    struct nic_steering off = { .mode = NIC_STEER_OFF };
    struct nic_plan plan = { 0 };
    int status = 0;
    if (nic_inventory_read(NULL, names, 1, &inv, &error)
        || nic_plan_build(&inv.nics[0], &inv.host, NULL, &off, &plan, &error)) {
        status = cli_reportf(err, 1, "%s", error ? error : "cannot plan the defaults");
    } else if (nic_plan_apply(NULL, &plan, NULL, &error)) {
        status = cli_reportf(err, 1, "%s: cannot restore the defaults: %s", dev, error);
    }
    free(error);
    nic_plan_free(&plan);
    nic_inventory_free(&inv);
    return status;
}

static int nic_after_commit(const struct cli_options *opts, void *aux, bool applied, FILE *out,
                            FILE *err)
{
    struct nic_after *after = aux;
    int status = 0;
    if (after->warning)
        fprintf(err, "%s: warning: %s\n", "pontoon", after->warning);
    free(after->warning);
    after->warning = NULL;
    if (after->restore && !nic_device_exists(NULL, after->dev))
        return 0;   /* gone: nothing to restore */
    if (after->restore)
        return restore_defaults(after->dev, err);
    if (applied) {
        char *error = status_error(opts, after->dev);
        if (error)
            status = cli_reportf(err, 1, "%s: %s", after->dev, error);
        free(error);
    }
    return status;
}

static struct nic_after *set_after(struct cli_context *ctx, const char *dev)
{
    struct nic_after *after = calloc(1, sizeof *after);
    if (after) {
        snprintf(after->dev, sizeof after->dev, "%s", dev);
        ctx->after_commit = nic_after_commit;
        ctx->aux = after;
    }
    return after;
}

static int cmd_nic_steer(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "--dry-run --root --format", 2, &args))
        return -1;
    if (args.n_words != 2)
        return cli_fail(ctx, "'nic/steer' needs a device and a mode (see nic/steer --help)");
    const char *dev = args.words[0];
    bool dry_run = args.dry_run || ctx->options->dry_run;
    if (args.root && !dry_run)
        return cli_fail(ctx, "--root plans for a captured tree: only with --dry-run");
    struct nic_steering steering;
    char *error = NULL;
    if (nic_steering_parse(args.words[1], &steering, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        return -1;
    }
    struct nic_inventory inv;
    const char *names[1] = { dev };
    struct nic_plan plan = { 0 };
    struct cpu_bitmap pmd;
    pmd_cpus_from_db(ctx->db, &pmd);
    char *canonical = nic_steering_format(&steering);
    int status = 0;
    if (nic_inventory_read(args.root, names, 1, &inv, &error)
        || nic_plan_build(&inv.nics[0], &inv.host, &pmd, &steering, &plan, &error)) {
        status = cli_fail(ctx, "%s", error ? error : "cannot plan");
        goto out;
    }
    char *warning = irq_warning(inv.root, &inv.nics[0], &steering);
    if (dry_run) {
        json_t *doc = nic_plan_json(dev, canonical, &plan, warning);
        if (trailing_args_want_json(ctx, &args))
            cli_put_json(ctx, doc);
        else
            nic_plan_text(doc, &ctx->output);
        json_decref(doc);
        free(warning);
        ctx->no_change = true;
        goto out;
    }
    struct db_row *row = db_find_row(ctx->db, nic_table(), dev);
    struct nic_after *after = set_after(ctx, dev);
    if (after)
        after->warning = warning;
    else
        free(warning);
    if (steering.mode == NIC_STEER_OFF) {
        /* The defaults are applied once (here, after the commit, and by
         * pontoond, which saw the policy); then there is nothing to keep. */
        if (after)
            after->restore = true;
        if (row && !db_row_get(row, "channels")->n)
            db_delete_row(ctx->db, row);
        else if (row)
            db_row_set(row, "steering", &(struct datum)DATUM_EMPTY);
        goto out;
    }
    if (!row) {
        row = db_insert_row(ctx->db, nic_table());
        db_row_set_string(row, "name", dev);
    }
    struct datum value;
    datum_init_string(&value, canonical);
    db_row_set(row, "steering", &value);
out:
    free(error);
    free(canonical);
    nic_plan_free(&plan);
    nic_inventory_free(&inv);
    return status;
}

/* ---- nic/set-channels ---- */

static int cmd_nic_set_channels(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "", 2, &args))
        return -1;
    if (args.n_words != 2)
        return cli_fail(ctx, "'nic/set-channels' needs a device and a count");
    const char *dev = args.words[0];
    char *end;
    long n = strtol(args.words[1], &end, 10);
    if (end == args.words[1] || *end || n < 1 || n > 4096)
        return cli_fail(ctx, "\"%s\" is not a channel count (1 to 4096)", args.words[1]);
    if (!nic_device_exists(NULL, dev))
        return cli_fail(ctx, "no network device named %s", dev);
    struct nic_channels channels;
    if (ethtool_get_channels(dev, &channels) == 0 && channels.max_combined
        && (uint32_t)n > channels.max_combined)
        return cli_fail(ctx, "%s has at most %u combined channels", dev, channels.max_combined);
    struct db_row *row = db_find_row(ctx->db, nic_table(), dev);
    if (!row) {
        row = db_insert_row(ctx->db, nic_table());
        db_row_set_string(row, "name", dev);
    }
    struct datum value;
    datum_init_integer(&value, n);
    db_row_set(row, "channels", &value);
    set_after(ctx, dev);
    return 0;
}

/* ---- the table ---- */

const struct cli_command_def nic_commands[] = {
    { "nic/show", 0, -1, "", COMMAND_LOCAL, cmd_nic_show, "nic/show [DEV...] [--root DIR]",
      "show network devices' queues, interrupts, RPS/XPS and NET_RX softirqs\n"
      "DESCRIPTION\n"
      "  For each network device (all but lo, or those named): its driver and\n"
      "  version, bus address, NUMA node (-1: none), speed, MTU, channels (as\n"
      "  ethtool -l), rx and tx queues with their RPS (rps_cpus, rps_flow_cnt)\n"
      "  and XPS (xps_cpus, xps_rxqs) settings, and its interrupts: for each the\n"
      "  queue it serves (found by the names drivers give them in\n"
      "  /proc/interrupts: virtioN-input.Q / virtioN-output.Q, DEV-TxRx-Q,\n"
      "  mlx5_compQ@pci:ADDR, DEV-rx-Q / DEV-tx-Q; the device's own interrupts,\n"
      "  from its msi_irqs, show queue -), smp_affinity_list, effective\n"
      "  affinity and count per CPU (CPU:count, CPUs with none left out).  Then\n"
      "  the machine's CPUs and NUMA nodes and the NET_RX softirqs per CPU.\n"
      "  Runs without pontoond.\n"
      "\n"
      "OPTIONS\n"
      "  --root DIR        read DIR/sys and DIR/proc, a captured tree (as a\n"
      "                    sosreport keeps them) instead of this machine's;\n"
      "                    channels then come from DIR/sos_commands/networking/\n"
      "                    ethtool_-l_DEV when present, else show as unknown\n"
      "  --format=json     the same data as JSON (as the global -f json)\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon nic/show eth0\n"
      "  pontoon nic/show --root /tmp/sosreport-host1 --format=json\n" },
    { "nic/steer", 2, -1, "", COMMAND_WRITE, cmd_nic_steer,
      "nic/steer DEV performance|power-save|CPULIST|off [--dry-run [--root DIR]]",
      "steer DEV's interrupts, RPS and XPS; kept applied by pontoond\n"
      "DESCRIPTION\n"
      "  Stores a steering policy for DEV in the NIC table; pontoond applies it\n"
      "  at once, at every start, whenever DEV appears again (hot plug, driver\n"
      "  reload) and when its number of queues changes, and writes what it did\n"
      "  in the NIC row's status (`pontoon list NIC`): applied=true|false,\n"
      "  error, steering, irqs, rx_queues, tx_queues, irqbalance.\n"
      "\n"
      "  performance  each queue's interrupt on a CPU of its own, the CPUs of\n"
      "               DEV's NUMA node first and Pontoon's worker CPUs\n"
      "               (other_config:pmd-cpu-mask) last; XPS so that each tx\n"
      "               queue is used by the CPU taking the matching interrupt;\n"
      "               for a device with fewer rx queues than the node has CPUs\n"
      "               (virtio, veth, tap) RPS over the node's CPUs, with RFS\n"
      "               (rps_flow_cnt, net.core.rps_sock_flow_entries) sized\n"
      "  power-save   all of DEV's interrupts on one CPU (the node's first),\n"
      "               RPS, RFS and XPS cleared\n"
      "  CPULIST      as performance over exactly these CPUs (such as 0-3,8)\n"
      "  off          the kernel's defaults (interrupts on default_smp_affinity,\n"
      "               RPS, RFS and XPS 0), applied once; the policy is removed\n"
      "\n"
      "  The change is one transaction: an unknown mode, a malformed CPU list, a\n"
      "  CPU that is not online or a device that does not exist changes nothing.\n"
      "  When irqbalance runs it would undo the steering of interrupts: pontoon\n"
      "  says so, and how to keep irqbalance off them (--banirq).\n"
      "\n"
      "OPTIONS\n"
      "  --dry-run         print the plan (each file, its value now -> planned)\n"
      "                    and change nothing; needs no pontoond\n"
      "  --root DIR        with --dry-run: plan for a captured tree\n"
      "  --format=json     the plan as JSON\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon nic/steer eth0 performance --dry-run\n"
      "  pontoon nic/steer eth0 2-5\n"
      "  pontoon nic/steer eth0 off\n" },
    { "nic/set-channels", 2, 2, "", COMMAND_WRITE, cmd_nic_set_channels,
      "nic/set-channels DEV N",
      "set DEV's combined channels to N (ethtool -L DEV combined N); kept applied\n"
      "DESCRIPTION\n"
      "  Stores channels=N in DEV's NIC row; pontoond sets the device's combined\n"
      "  channel count (ETHTOOL_SCHANNELS) to N now, at every start and when the\n"
      "  device appears again.  A count above the device's maximum is refused;\n"
      "  an error from the driver is written to the row's status (error=...)\n"
      "  and reported by this command (exit 1; the setting stays stored).\n"
      "  `pontoon clear NIC DEV channels` stops keeping it (the count stays).\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon nic/set-channels eth0 8\n" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
