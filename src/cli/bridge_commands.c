/* Bridge, port and interface commands of ovs-vsctl (add-br, add-port,
 * add-bond, del-port, list-ports, port-to-br, ...), with its semantics: the
 * switch is what the Open_vSwitch row reaches through bridges -> ports ->
 * interfaces; a bridge's local port and interface carry the bridge's name. */
#include "cli/command.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/column_set.h"
#include "db/db.h"
#include "db/schema.h"

/* ---- walking the switch as the Open_vSwitch row describes it ---- */

/* Row `i` that a uuid-set column refers to, skipping rows deleted earlier in
 * the chain; NULL past the end. */
static struct db_row *ref_at(const struct cli_context *ctx, const struct db_row *row,
                             const char *column, size_t *i)
{
    const struct datum *refs = db_row_get(row, column);
    while (*i < refs->n) {
        struct db_row *target = db_find_row_by_uuid(ctx->db, refs->keys[(*i)++].string);
        if (target && !target->deleted)
            return target;
    }
    return NULL;
}
#define FOR_EACH_REF(TARGET, CTX, ROW, COLUMN, IDX) \
    for (size_t IDX = 0; ((TARGET) = ref_at((CTX), (ROW), (COLUMN), &IDX)) != NULL;)

static const struct table_def *table(const char *name)
{
    return schema_find_table(name);
}

static const char *row_name(const struct db_row *row)
{
    return db_row_get_string(row, "name");
}

static struct db_row *find_bridge(const struct cli_context *ctx, const char *name)
{
    struct db_row *root = db_root_row(ctx->db), *br;
    if (!root)
        return NULL;
    FOR_EACH_REF(br, ctx, root, "bridges", i)
        if (!strcmp(row_name(br), name))
            return br;
    return NULL;
}

static bool holds_uuid(const struct db_row *row, const char *column, const char *uuid)
{
    const struct datum *refs = db_row_get(row, column);
    for (size_t i = 0; i < refs->n; i++)
        if (!strcmp(refs->keys[i].string, uuid))
            return true;
    return false;
}

/* The bridge (one the Open_vSwitch row lists) that has `port`, or NULL. */
static struct db_row *bridge_of(const struct cli_context *ctx, const struct db_row *port)
{
    struct db_row *root = db_root_row(ctx->db), *br;
    if (!root)
        return NULL;
    FOR_EACH_REF(br, ctx, root, "bridges", i)
        if (holds_uuid(br, "ports", port->uuid))
            return br;
    return NULL;
}

/* Any port named `name` on a bridge, the bridges' local ports included.
 * Looked up by name and then up to its bridge (not by walking every
 * bridge's every port), so it costs the same at 10 ports as at 10,000. */
static struct db_row *find_port(const struct cli_context *ctx, const char *name,
                                struct db_row **bridge)
{
    struct db_row *port = db_find_row_named(ctx->db, table("Port"), name);
    if (!port)
        return NULL;
    *bridge = bridge_of(ctx, port);
    return *bridge ? port : NULL;
}

static struct db_row *find_iface(const struct cli_context *ctx, const char *name,
                                 struct db_row **port_out, struct db_row **bridge)
{
    struct db_row *iface = db_find_row_named(ctx->db, table("Interface"), name);
    if (!iface)
        return NULL;
    struct db_row *port = db_find_referrer(ctx->db, iface, table("Port"));
    if (!port || !(*bridge = bridge_of(ctx, port)))
        return NULL;
    *port_out = port;
    return iface;
}

static bool is_local(const struct db_row *row, const struct db_row *bridge)
{
    return !strcmp(row_name(row), row_name(bridge));
}

static struct db_row *must_find_bridge(struct cli_context *ctx, const char *name)
{
    struct db_row *br = find_bridge(ctx, name);
    if (!br)
        cli_fail(ctx, "no bridge named %s", name);
    return br;
}

struct db_row *cli_must_find_bridge(struct cli_context *ctx, const char *name)
{
    return must_find_bridge(ctx, name);
}

/* ovs-vsctl's check_conflicts: names of bridges, ports and interfaces share
 * one namespace.  `what` is "a bridge", "a port" or "an interface". */
static int check_conflicts(struct cli_context *ctx, const char *what, const char *name)
{
    struct db_row *br, *port;
    if (find_bridge(ctx, name))
        return cli_fail(ctx, "cannot create %s named %s because a bridge named %s "
                        "already exists", what, name, name);
    if (find_port(ctx, name, &br))
        return cli_fail(ctx, "cannot create %s named %s because a port named %s "
                        "already exists on bridge %s", what, name, name, row_name(br));
    if (find_iface(ctx, name, &port, &br)) {
        if (!strcmp(what, "an interface"))
            return cli_fail(ctx, "cannot create an interface named %s because a port "
                            "named %s already has an interface named %s",
                            name, row_name(port), name);
        return cli_fail(ctx, "cannot create %s named %s because an interface named %s "
                        "already exists on bridge %s", what, name, name, row_name(br));
    }
    return 0;
}

static struct db_row *insert_named(struct cli_context *ctx, const char *table_name,
                                   const char *name)
{
    struct db_row *row = db_insert_row(ctx->db, table(table_name));
    db_row_set_string(row, "name", name);
    return row;
}

static void delete_port(struct cli_context *ctx, struct db_row *bridge, struct db_row *port)
{
    struct db_row *iface;
    FOR_EACH_REF(iface, ctx, port, "interfaces", i)
        db_delete_row(ctx->db, iface);
    db_row_remove_ref(bridge, "ports", port->uuid);
    db_delete_row(ctx->db, port);
}

/* ---- output ---- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names, one a line, or a JSON array with --format=json. */
static void print_names(struct cli_context *ctx, const char **names, size_t n)
{
    cli_print_names(ctx, names, n, false);
}

void cli_print_names(struct cli_context *ctx, const char **names, size_t n, bool unique)
{
    if (n > 1)
        qsort(names, n, sizeof *names, compare_names);
    if (unique && n > 1) {
        size_t kept = 1;
        for (size_t i = 1; i < n; i++)
            if (strcmp(names[i], names[kept - 1]))
                names[kept++] = names[i];
        n = kept;
    }
    if (ctx->options->format_given && ctx->options->format == FORMAT_JSON) {
        json_t *array = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(array, json_string(names[i]));
        char *text = json_dumps(array, ctx->options->pretty ? JSON_INDENT(4) : JSON_COMPACT);
        if (text)
            strbuf_printf(&ctx->output, "%s\n", text);
        free(text);
        json_decref(array);
        return;
    }
    for (size_t i = 0; i < n; i++)
        strbuf_printf(&ctx->output, "%s\n", names[i]);
}

struct name_list {
    const char **names;
    size_t n, cap;
};

static void name_list_add(struct name_list *list, const char *name)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        const char **names = realloc(list->names, cap * sizeof *names);
        if (!names)
            abort();  /* out of memory, as strbuf does */
        list->names = names;
        list->cap = cap;
    }
    list->names[list->n++] = name;
}

/* ---- bridges ---- */

static int cmd_init(struct cli_context *ctx)
{
    return 0;   /* db_open already made the Open_vSwitch row */
}

static int cmd_add_br(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[1];
    if (ctx->cmd->argc == 4)
        return cli_fail(ctx, "fake bridges (add-br BR PARENT VLAN) are not supported");
    if (ctx->cmd->argc != 2)
        return cli_fail(ctx, "'add-br' command takes exactly 1 or 3 arguments");
    if (ctx->cmd->may_exist && find_bridge(ctx, name))
        return 0;
    if (check_conflicts(ctx, "a bridge", name))
        return -1;

    struct db_row *root = db_root_row(ctx->db);
    if (!root)
        return cli_fail(ctx, "database has no Open_vSwitch row");
    struct db_row *iface = insert_named(ctx, "Interface", name);
    db_row_set_string(iface, "type", "internal");
    struct db_row *port = insert_named(ctx, "Port", name);
    db_row_add_ref(port, "interfaces", iface->uuid);
    struct db_row *br = insert_named(ctx, "Bridge", name);
    db_row_add_ref(br, "ports", port->uuid);
    db_row_add_ref(root, "bridges", br->uuid);
    return 0;
}

static int cmd_del_br(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[1];
    struct db_row *br = find_bridge(ctx, name);
    if (!br)
        return ctx->cmd->if_exists ? 0 : cli_fail(ctx, "no bridge named %s", name);
    /* delete_port edits `ports`, so always take the first remaining one. */
    for (;;) {
        size_t first = 0;
        struct db_row *port = ref_at(ctx, br, "ports", &first);
        if (!port)
            break;
        delete_port(ctx, br, port);
    }
    db_row_remove_ref(db_root_row(ctx->db), "bridges", br->uuid);
    db_delete_row(ctx->db, br);
    return 0;
}

static int cmd_list_br(struct cli_context *ctx)
{
    struct name_list list = { 0 };
    struct db_row *root = db_root_row(ctx->db), *br;
    if (root)
        FOR_EACH_REF(br, ctx, root, "bridges", i)
            name_list_add(&list, row_name(br));
    print_names(ctx, list.names, list.n);
    free(list.names);
    return 0;
}

static int cmd_br_exists(struct cli_context *ctx)
{
    if (find_bridge(ctx, ctx->cmd->argv[1]))
        return 0;
    ctx->exit_code = 2;   /* as ovs-vsctl: absent is status 2, no message */
    return -1;
}

static int cmd_br_to_vlan(struct cli_context *ctx)
{
    if (!must_find_bridge(ctx, ctx->cmd->argv[1]))
        return -1;
    strbuf_puts(&ctx->output, "0\n");   /* no fake bridges: never a VLAN */
    return 0;
}

static int cmd_br_to_parent(struct cli_context *ctx)
{
    struct db_row *br = must_find_bridge(ctx, ctx->cmd->argv[1]);
    if (!br)
        return -1;
    strbuf_printf(&ctx->output, "%s\n", row_name(br));
    return 0;
}

/* ---- ports ---- */

/* With --may-exist, an existing port is fine only where the command would
 * have put it, with the same interfaces. */
static int check_existing_port(struct cli_context *ctx, const char *br_name,
                               struct db_row *port, struct db_row *port_bridge,
                               char **ifaces, size_t n_ifaces)
{
    const char *name = row_name(port);
    if (strcmp(row_name(port_bridge), br_name))
        return cli_fail(ctx, "cannot create a port named %s on bridge %s because a port "
                        "named %s already exists on bridge %s",
                        name, br_name, name, row_name(port_bridge));
    struct name_list have = { 0 };
    struct db_row *iface;
    FOR_EACH_REF(iface, ctx, port, "interfaces", i)
        name_list_add(&have, row_name(iface));
    bool same = have.n == n_ifaces;
    for (size_t i = 0; same && i < n_ifaces; i++) {
        bool found = false;
        for (size_t j = 0; j < have.n && !found; j++)
            found = !strcmp(have.names[j], ifaces[i]);
        same = found;
    }
    int rc = 0;
    if (!same) {
        if (have.n > 1)
            qsort(have.names, have.n, sizeof *have.names, compare_names);
        struct strbuf list = STRBUF_INIT;
        for (size_t i = 0; i < have.n; i++)
            strbuf_printf(&list, "%s%s", i ? ", " : "", have.names[i]);
        rc = cli_fail(ctx, "\"--may-exist %s %s %s\" but %s actually has interface(s) %s",
                      ctx->cmd->argv[0], br_name, name, name, strbuf_cstr(&list));
        strbuf_free(&list);
    }
    free(have.names);
    return rc;
}

/* add-port and add-bond: a Port named `name` on bridge `br_name` with the
 * given interfaces, then COLUMN[:KEY]=VALUE settings applied to the Port. */
static int add_port(struct cli_context *ctx, const char *br_name, const char *name,
                    char **ifaces, size_t n_ifaces, char **settings, size_t n_settings)
{
    if (ctx->cmd->may_exist) {
        struct db_row *port_bridge;
        struct db_row *port = find_port(ctx, name, &port_bridge);
        if (port && !is_local(port, port_bridge))
            return check_existing_port(ctx, br_name, port, port_bridge, ifaces, n_ifaces);
    }
    if (check_conflicts(ctx, "a port", name))
        return -1;
    for (size_t i = 0; i < n_ifaces; i++)
        if (check_conflicts(ctx, "an interface", ifaces[i]))
            return -1;
    struct db_row *br = must_find_bridge(ctx, br_name);
    if (!br)
        return -1;

    struct db_row *port = insert_named(ctx, "Port", name);
    for (size_t i = 0; i < n_ifaces; i++) {
        struct db_row *iface = insert_named(ctx, "Interface", ifaces[i]);
        db_row_add_ref(port, "interfaces", iface->uuid);
    }
    if (ctx->cmd->fake_iface) {
        struct datum yes;
        char *error = NULL;
        const struct column_def *col;
        if (schema_find_column(port->table, "bond_fake_iface", &col, &error) == 0
            && datum_from_string(&yes, col, "true", &error) == 0)
            db_row_set_by_def(port, col, &yes);
        free(error);
    }
    for (size_t i = 0; i < n_settings; i++) {
        char *error = NULL;
        if (column_set_apply(ctx->db, port, settings[i], &error)) {
            cli_fail(ctx, "%s", error ? error : settings[i]);
            free(error);
            return -1;
        }
    }
    db_row_add_ref(br, "ports", port->uuid);
    return 0;
}

static int cmd_add_port(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    return add_port(ctx, argv[1], argv[2], &argv[2], 1, &argv[3],
                    (size_t)(ctx->cmd->argc - 3));
}

static int cmd_add_bond(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    int argc = ctx->cmd->argc;
    int first_setting = 3;
    while (first_setting < argc && !strchr(argv[first_setting], '='))
        first_setting++;
    size_t n_ifaces = (size_t)(first_setting - 3);
    if (n_ifaces < 2)
        return cli_fail(ctx, "add-bond requires at least 2 interfaces, but only %zu "
                        "were specified", n_ifaces);
    return add_port(ctx, argv[1], argv[2], &argv[3], n_ifaces, &argv[first_setting],
                    (size_t)(argc - first_setting));
}

/* add-bond-iface BOND IFACE: one more member for a bond, live. */
static int cmd_add_bond_iface(struct cli_context *ctx)
{
    const char *bond_name = ctx->cmd->argv[1], *name = ctx->cmd->argv[2];
    struct db_row *bridge;
    struct db_row *port = find_port(ctx, bond_name, &bridge);
    if (!port)
        return cli_fail(ctx, "no port named %s", bond_name);
    if (ctx->cmd->may_exist) {
        struct db_row *iface;
        FOR_EACH_REF(iface, ctx, port, "interfaces", i)
            if (!strcmp(row_name(iface), name))
                return 0;
    }
    if (check_conflicts(ctx, "an interface", name))
        return -1;
    struct db_row *iface = insert_named(ctx, "Interface", name);
    db_row_add_ref(port, "interfaces", iface->uuid);
    return 0;
}

/* del-bond-iface [BOND] IFACE: a member leaves its bond, live. */
static int cmd_del_bond_iface(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[ctx->cmd->argc - 1];
    struct db_row *port = NULL, *bridge = NULL;
    struct db_row *iface = find_iface(ctx, name, &port, &bridge);
    if (!iface || is_local(iface, bridge)) {
        if (ctx->cmd->if_exists)
            return 0;
        return cli_fail(ctx, "no interface named %s", name);
    }
    if (ctx->cmd->argc == 3 && strcmp(row_name(port), ctx->cmd->argv[1]))
        return cli_fail(ctx, "port %s does not have an interface %s", ctx->cmd->argv[1],
                        name);
    if (db_row_get(port, "interfaces")->n < 2)
        return cli_fail(ctx, "cannot delete the last interface %s of port %s (use del-port)",
                        name, row_name(port));
    db_row_remove_ref(port, "interfaces", iface->uuid);
    db_delete_row(ctx->db, iface);
    return 0;
}

static int cmd_del_port(struct cli_context *ctx)
{
    const struct cli_invocation *cmd = ctx->cmd;
    const char *name = cmd->argv[cmd->argc - 1];
    struct db_row *port_bridge = NULL;
    struct db_row *port = find_port(ctx, name, &port_bridge);
    if (port && is_local(port, port_bridge))
        return cli_fail(ctx, "cannot delete port %s because it is the local port for "
                        "bridge %s (deleting this port requires deleting the entire "
                        "bridge)", name, row_name(port_bridge));
    if (!port)
        return cmd->if_exists ? 0 : cli_fail(ctx, "no port named %s", name);
    if (cmd->argc == 3) {
        struct db_row *br = must_find_bridge(ctx, cmd->argv[1]);
        if (!br)
            return -1;
        if (br != port_bridge)
            return cli_fail(ctx, "bridge %s does not have a port %s", cmd->argv[1], name);
    }
    delete_port(ctx, port_bridge, port);
    return 0;
}

static int cmd_list_ports(struct cli_context *ctx)
{
    struct db_row *br = must_find_bridge(ctx, ctx->cmd->argv[1]), *port;
    if (!br)
        return -1;
    struct name_list list = { 0 };
    FOR_EACH_REF(port, ctx, br, "ports", i)
        if (!is_local(port, br))
            name_list_add(&list, row_name(port));
    print_names(ctx, list.names, list.n);
    free(list.names);
    return 0;
}

static int cmd_port_to_br(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[1];
    struct db_row *br = NULL;
    struct db_row *port = find_port(ctx, name, &br);
    if (!port || is_local(port, br))
        return cli_fail(ctx, "no port named %s", name);
    strbuf_printf(&ctx->output, "%s\n", row_name(br));
    return 0;
}

/* ---- interfaces ---- */

static int cmd_list_ifaces(struct cli_context *ctx)
{
    struct db_row *br = must_find_bridge(ctx, ctx->cmd->argv[1]), *port, *iface;
    if (!br)
        return -1;
    struct name_list list = { 0 };
    FOR_EACH_REF(port, ctx, br, "ports", i)
        FOR_EACH_REF(iface, ctx, port, "interfaces", j)
            if (!is_local(iface, br))
                name_list_add(&list, row_name(iface));
    print_names(ctx, list.names, list.n);
    free(list.names);
    return 0;
}

static int cmd_iface_to_br(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[1];
    struct db_row *br = NULL, *port = NULL;
    struct db_row *iface = find_iface(ctx, name, &port, &br);
    if (!iface || is_local(iface, br))
        return cli_fail(ctx, "no interface named %s", name);
    strbuf_printf(&ctx->output, "%s\n", row_name(br));
    return 0;
}

const struct cli_command_def bridge_commands[] = {
    { "init", 0, 0, "", COMMAND_WRITE, cmd_init, "init",
      "initialize the database if it is empty" },
    { "show", 0, 0, "", COMMAND_READ, cmd_show, "show",
      "print an overview of the switch's configuration" },
    { "add-br", 1, 3, "--may-exist", COMMAND_WRITE, cmd_add_br, "[--may-exist] add-br BRIDGE",
      "create a new bridge named BRIDGE" },
    { "del-br", 1, 1, "--if-exists", COMMAND_WRITE, cmd_del_br, "[--if-exists] del-br BRIDGE",
      "delete BRIDGE and all of its ports" },
    { "list-br", 0, 0, "", COMMAND_READ, cmd_list_br, "list-br",
      "print the names of all the bridges" },
    { "br-exists", 1, 1, "", COMMAND_READ, cmd_br_exists, "br-exists BRIDGE",
      "exit 2 if BRIDGE does not exist" },
    { "br-to-vlan", 1, 1, "", COMMAND_READ, cmd_br_to_vlan, "br-to-vlan BRIDGE",
      "print the VLAN which BRIDGE is on (always 0: no fake bridges)" },
    { "br-to-parent", 1, 1, "", COMMAND_READ, cmd_br_to_parent, "br-to-parent BRIDGE",
      "print the parent of BRIDGE (BRIDGE itself: no fake bridges)" },
    { "add-port", 2, -1, "--may-exist", COMMAND_WRITE, cmd_add_port,
      "[--may-exist] add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...",
      "add network device PORT to BRIDGE, with the given Port settings" },
    { "add-bond", 4, -1, "--may-exist,--fake-iface", COMMAND_WRITE, cmd_add_bond,
      "[--fake-iface] add-bond BRIDGE PORT IFACE... [COLUMN[:KEY]=VALUE]...",
      "add bonded port PORT to BRIDGE from at least two IFACEs (also with --may-exist)" },
    { "add-bond-iface", 2, 2, "--may-exist", COMMAND_WRITE, cmd_add_bond_iface,
      "[--may-exist] add-bond-iface BOND IFACE", "add interface IFACE to bond BOND" },
    { "del-bond-iface", 1, 2, "--if-exists", COMMAND_WRITE, cmd_del_bond_iface,
      "[--if-exists] del-bond-iface [BOND] IFACE", "remove interface IFACE from its bond" },
    { "del-port", 1, 2, "--if-exists", COMMAND_WRITE, cmd_del_port,
      "[--if-exists] del-port [BRIDGE] PORT",
      "delete PORT (which must be on BRIDGE if one is given)" },
    { "list-ports", 1, 1, "", COMMAND_READ, cmd_list_ports, "list-ports BRIDGE",
      "print the names of all the ports on BRIDGE" },
    { "port-to-br", 1, 1, "", COMMAND_READ, cmd_port_to_br, "port-to-br PORT",
      "print the name of the bridge that contains PORT" },
    { "list-ifaces", 1, 1, "", COMMAND_READ, cmd_list_ifaces, "list-ifaces BRIDGE",
      "print the names of all the interfaces on BRIDGE" },
    { "iface-to-br", 1, 1, "", COMMAND_READ, cmd_iface_to_br, "iface-to-br IFACE",
      "print the name of the bridge that contains IFACE" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
