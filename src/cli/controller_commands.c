/* ovs-vsctl's manager, controller and fail-mode commands: set-manager,
 * get-manager, del-manager, set-controller, get-controller,
 * del-controller, set-fail-mode, get-fail-mode, del-fail-mode.
 *
 * Pontoon keeps these rows (OVSDB clients and `show` see them) but does
 * not act on them: it has no OpenFlow and no manager connections, and its
 * bridges always switch as a standalone learning switch. */
#include "cli/command.h"

#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

/* Replaces what `parent`'s uuid-set `column` refers to with new rows of
 * `table`, one per target; the rows it referred to go with the commit's
 * garbage collection (Manager and Controller are not root tables). */
static void set_targets(struct cli_context *ctx, struct db_row *parent, const char *column,
                        const char *table, int first_arg)
{
    struct datum none;
    datum_init_empty(&none);
    db_row_set(parent, column, &none);
    for (int i = first_arg; i < ctx->cmd->argc; i++) {
        struct db_row *row = db_insert_row(ctx->db, schema_find_table(table));
        db_row_set_string(row, "target", ctx->cmd->argv[i]);
        db_row_add_ref(parent, column, row->uuid);
    }
}

static void print_targets(struct cli_context *ctx, const struct db_row *parent,
                          const char *column)
{
    const struct datum *refs = db_row_get(parent, column);
    const char **targets = calloc(refs->n ? refs->n : 1, sizeof *targets);
    size_t n = 0;
    for (size_t i = 0; targets && i < refs->n; i++) {
        const struct db_row *row = db_find_row_by_uuid(ctx->db, refs->keys[i].string);
        if (row && !row->deleted)
            targets[n++] = db_row_get_string(row, "target");
    }
    cli_print_names(ctx, targets, n, true);
    free(targets);
}

static void clear_column(struct db_row *row, const char *column)
{
    struct datum none;
    datum_init_empty(&none);
    db_row_set(row, column, &none);
}

static struct db_row *root_row(struct cli_context *ctx)
{
    struct db_row *root = db_root_row(ctx->db);
    if (!root)
        cli_fail(ctx, "the database has no Open_vSwitch row (run `pontoon init`)");
    return root;
}

static int cmd_set_manager(struct cli_context *ctx)
{
    struct db_row *root = root_row(ctx);
    if (!root)
        return -1;
    set_targets(ctx, root, "manager_options", "Manager", 1);
    return 0;
}

static int cmd_get_manager(struct cli_context *ctx)
{
    struct db_row *root = root_row(ctx);
    if (!root)
        return -1;
    print_targets(ctx, root, "manager_options");
    return 0;
}

static int cmd_del_manager(struct cli_context *ctx)
{
    struct db_row *root = root_row(ctx);
    if (!root)
        return -1;
    clear_column(root, "manager_options");
    return 0;
}

static int cmd_set_controller(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    set_targets(ctx, br, "controller", "Controller", 2);
    return 0;
}

static int cmd_get_controller(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    print_targets(ctx, br, "controller");
    return 0;
}

static int cmd_del_controller(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    clear_column(br, "controller");
    return 0;
}

static int cmd_set_fail_mode(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    const char *mode = ctx->cmd->argv[2];
    if (strcmp(mode, "standalone") && strcmp(mode, "secure"))
        return cli_fail(ctx, "fail-mode must be \"standalone\" or \"secure\"");
    db_row_set_string(br, "fail_mode", mode);
    return 0;
}

static int cmd_get_fail_mode(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    const char *mode = db_row_get_string(br, "fail_mode");
    if (*mode)
        strbuf_printf(&ctx->output, "%s\n", mode);
    return 0;
}

static int cmd_del_fail_mode(struct cli_context *ctx)
{
    struct db_row *br = cli_must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    clear_column(br, "fail_mode");
    return 0;
}

const struct cli_command_def controller_commands[] = {
    { "set-manager", 1, -1, "", COMMAND_WRITE, cmd_set_manager, "set-manager TARGET...",
      "set the OVSDB managers (kept for OVSDB clients; Pontoon does not connect to them)" },
    { "get-manager", 0, 0, "", COMMAND_READ, cmd_get_manager, "get-manager",
      "print the OVSDB managers" },
    { "del-manager", 0, 0, "", COMMAND_WRITE, cmd_del_manager, "del-manager",
      "delete the OVSDB managers" },
    { "set-controller", 2, -1, "", COMMAND_WRITE, cmd_set_controller,
      "set-controller BRIDGE TARGET...",
      "set BRIDGE's OpenFlow controllers (kept; Pontoon speaks no OpenFlow)" },
    { "get-controller", 1, 1, "", COMMAND_READ, cmd_get_controller, "get-controller BRIDGE",
      "print BRIDGE's controllers" },
    { "del-controller", 1, 1, "", COMMAND_WRITE, cmd_del_controller, "del-controller BRIDGE",
      "delete BRIDGE's controllers" },
    { "set-fail-mode", 2, 2, "", COMMAND_WRITE, cmd_set_fail_mode,
      "set-fail-mode BRIDGE standalone|secure",
      "set BRIDGE's fail mode (kept; Pontoon's bridges always switch standalone)" },
    { "get-fail-mode", 1, 1, "", COMMAND_READ, cmd_get_fail_mode, "get-fail-mode BRIDGE",
      "print BRIDGE's fail mode" },
    { "del-fail-mode", 1, 1, "", COMMAND_WRITE, cmd_del_fail_mode, "del-fail-mode BRIDGE",
      "clear BRIDGE's fail mode" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
