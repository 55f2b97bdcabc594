/* macvtap/add, macvtap/del, macvtap/show, macvtap/host-access: rows of the
 * Macvtap table, which pontoond keeps created (control/macvtap_keeper.c).
 * The host's side of host-access is a row too, a macvlan, marked with
 * external_ids:pontoon-kind=macvlan. */
#include "cli/command.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "db/db.h"
#include "db/schema.h"
#include "host/macvtap.h"
#include "host/host_address.h"
#include "host/macvtap_host_access.h"
#include "host/macvtap_link.h"

#define KIND_KEY "pontoon-kind"

static const struct table_def *macvtap_table(void)
{
    return schema_find_table("Macvtap");
}

static struct db_row *find_row(const struct cli_context *ctx, const char *name)
{
    struct db_row *row;
    DB_FOR_EACH_ROW(row, ctx->db, macvtap_table(), i)
        if (!row->deleted && !strcmp(db_row_get_string(row, "name"), name))
            return row;
    return NULL;
}

static const char *row_kind(const struct db_row *row)
{
    const char *kind = db_row_get_map_string(row, "external_ids", KIND_KEY);
    return kind && !strcmp(kind, "macvlan") ? "macvlan" : "macvtap";
}

/* A MAC in QEMU's and libvirt's range, 52:54:00:xx:xx:xx: the device keeps
 * it when pontoond re-creates it, so a guest's MAC stays right. */
static int random_mac(struct cli_context *ctx, char *text)
{
    uint8_t mac[6] = { 0x52, 0x54, 0x00 };
    if (getrandom(mac + 3, 3, 0) != 3)
        return cli_fail(ctx, "cannot choose a MAC address: %s", strerror(errno));
    macvtap_format_mac(mac, text);
    return 0;
}

/* The device `name` in this namespace, unless it is one pontoond made for
 * this database (an earlier row's, not yet removed). */
static int check_device_free(struct cli_context *ctx, const char *name)
{
    struct macvtap_link link;
    if (macvtap_link_get(name, &link) < 0)
        return 0;
    char alias[MACVTAP_ALIAS_SIZE];
    const struct db_row *root = db_root_row(ctx->db);
    macvtap_make_alias(alias, root ? root->uuid : "");
    if (!strcmp(link.alias, alias))
        return 0;
    return cli_fail(ctx, "a network device named %s already exists", name);
}

static int check_lower(struct cli_context *ctx, const char *lower)
{
    if (!macvtap_name_is_valid(lower) || !if_nametoindex(lower))
        return cli_fail(ctx, "no network device named %s (the lower device must exist)",
                        lower);
    return 0;
}

/* passthru takes the whole lower device: no other macvtap beside it. */
static int check_passthru(struct cli_context *ctx, const char *lower, const char *name,
                          const char *mode)
{
    struct db_row *row;
    DB_FOR_EACH_ROW(row, ctx->db, macvtap_table(), i) {
        if (row->deleted || strcmp(db_row_get_string(row, "lower"), lower))
            continue;
        const char *other = db_row_get_string(row, "name");
        if (!strcmp(mode, "passthru"))
            return cli_fail(ctx, "mode passthru takes the whole of %s, which already has "
                            "%s %s", lower, row_kind(row), other);
        if (!strcmp(db_row_get_string(row, "mode"), "passthru"))
            return cli_fail(ctx, "%s is taken whole by passthru macvtap %s; %s cannot join it",
                            lower, other, name);
    }
    return 0;
}

/* Inserts a row after every check; `mac` may be NULL (the kernel's choice,
 * for passthru: the lower device's own). */
static int add_row(struct cli_context *ctx, const char *kind, const char *lower,
                   const char *name, const char *mode, const char *mac)
{
    struct db_row *row = db_insert_row(ctx->db, macvtap_table());
    db_row_set_string(row, "name", name);
    db_row_set_string(row, "lower", lower);
    db_row_set_string(row, "mode", mode);
    if (mac)
        db_row_set_string(row, "mac", mac);
    if (!strcmp(kind, "macvlan")) {
        const struct column_def *col;
        char *error = NULL;
        struct datum ids;
        if (schema_find_column(row->table, "external_ids", &col, &error) == 0 &&
            datum_from_string(&ids, col, "{" KIND_KEY "=macvlan}", &error) == 0)
            db_row_set_by_def(row, col, &ids);
        free(error);
    }
    return 0;
}

static int check_new_name(struct cli_context *ctx, const char *name, const char *lower)
{
    if (!macvtap_name_is_valid(name))
        return cli_fail(ctx, "\"%s\" is not a valid device name (1-15 characters, no '/', "
                        "':' or spaces)", name);
    if (!strcmp(name, lower))
        return cli_fail(ctx, "%s cannot be its own lower device", name);
    struct db_row *row = find_row(ctx, name);
    if (row)
        return cli_fail(ctx, "a %s named %s already exists (on %s)", row_kind(row), name,
                        db_row_get_string(row, "lower"));
    return check_device_free(ctx, name);
}

/* macvtap/add LOWER NAME [mode=MODE] [mac=MAC] */
static int cmd_macvtap_add(struct cli_context *ctx)
{
    char **argv = ctx->cmd->argv;
    const char *lower = argv[1], *name = argv[2];
    const char *mode = "bridge", *mac = NULL;
    for (int i = 3; i < ctx->cmd->argc; i++) {
        if (!strncmp(argv[i], "mode=", 5)) {
            mode = argv[i] + 5;
            uint32_t value;
            if (macvtap_mode_from_name(mode, &value))
                return cli_fail(ctx, "unknown macvtap mode \"%s\" (bridge, vepa, private or "
                                "passthru)", mode);
        } else if (!strncmp(argv[i], "mac=", 4)) {
            mac = argv[i] + 4;
            uint8_t bytes[6];
            if (macvtap_parse_mac(mac, bytes))
                return cli_fail(ctx, "\"%s\" is not a unicast MAC address "
                                "(XX:XX:XX:XX:XX:XX)", mac);
        } else {
            return cli_fail(ctx, "macvtap/add: unknown setting \"%s\" (mode=MODE, mac=MAC)",
                            argv[i]);
        }
    }
    struct db_row *existing = find_row(ctx, name);
    if (existing && ctx->cmd->may_exist) {
        if (!strcmp(row_kind(existing), "macvtap") &&
            !strcmp(db_row_get_string(existing, "lower"), lower) &&
            !strcmp(db_row_get_string(existing, "mode"), mode) &&
            (!mac || !strcasecmp(db_row_get_string(existing, "mac"), mac)))
            return 0;
        return cli_fail(ctx, "\"--may-exist macvtap/add\" but %s %s is on %s in mode %s%s%s",
                        row_kind(existing), name, db_row_get_string(existing, "lower"),
                        db_row_get_string(existing, "mode"), mac ? " with MAC " : "",
                        mac ? db_row_get_string(existing, "mac") : "");
    }
    if (check_new_name(ctx, name, lower) || check_lower(ctx, lower) ||
        check_passthru(ctx, lower, name, mode))
        return -1;
    /* passthru gives the guest the lower device's own MAC unless one is set. */
    char chosen[18];
    if (!mac && strcmp(mode, "passthru")) {
        if (random_mac(ctx, chosen))
            return -1;
        mac = chosen;
    }
    char lowered[18];
    if (mac) {
        uint8_t bytes[6];
        macvtap_parse_mac(mac, bytes);
        macvtap_format_mac(bytes, lowered);
        mac = lowered;
    }
    return add_row(ctx, "macvtap", lower, name, mode, mac);
}

static int cmd_macvtap_del(struct cli_context *ctx)
{
    const char *name = ctx->cmd->argv[1];
    struct db_row *row = find_row(ctx, name);
    if (!row)
        return ctx->cmd->if_exists ? 0 : cli_fail(ctx, "no macvtap named %s", name);
    db_delete_row(ctx->db, row);
    return 0;
}

/* ---- show ---- */

struct show_entry {
    const char *name, *kind, *lower, *mode, *mac, *ifindex, *device, *error;
};

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct show_entry *)a)->name, ((const struct show_entry *)b)->name);
}

static const char *or_dash(const char *text)
{
    return text && *text ? text : "-";
}

static void show_text(struct cli_context *ctx, const struct show_entry *e, size_t n)
{
    static const char *const head[] = { "NAME", "KIND", "LOWER", "MODE", "MAC", "IFINDEX",
                                        "DEVICE" };
    enum { N_COLS = sizeof head / sizeof head[0] };
    int width[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        width[c] = (int)strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        const char *cells[N_COLS] = { e[i].name, e[i].kind, e[i].lower, e[i].mode,
                                      or_dash(e[i].mac), or_dash(e[i].ifindex),
                                      or_dash(e[i].device) };
        for (int c = 0; c < N_COLS; c++)
            if ((int)strlen(cells[c]) > width[c])
                width[c] = (int)strlen(cells[c]);
    }
    for (size_t i = 0; i <= n; i++) {
        if (i == 0 && ctx->options->no_headings)
            continue;
        const char *const *cells = head;
        const char *row[N_COLS];
        if (i > 0) {
            const struct show_entry *r = &e[i - 1];
            const char *values[N_COLS] = { r->name, r->kind, r->lower, r->mode, or_dash(r->mac),
                                           or_dash(r->ifindex), or_dash(r->device) };
            memcpy(row, values, sizeof row);
            cells = row;
        }
        for (int c = 0; c + 1 < N_COLS; c++)
            strbuf_printf(&ctx->output, "%-*s  ", width[c], cells[c]);
        strbuf_printf(&ctx->output, "%s\n", cells[N_COLS - 1]);
        if (i > 0 && e[i - 1].error)
            strbuf_printf(&ctx->output, "  error: %s\n", e[i - 1].error);
    }
}

static void show_json(struct cli_context *ctx, const struct show_entry *e, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *obj = json_object();
        json_object_set_new(obj, "name", json_string(e[i].name));
        json_object_set_new(obj, "kind", json_string(e[i].kind));
        json_object_set_new(obj, "lower", json_string(e[i].lower));
        json_object_set_new(obj, "mode", json_string(e[i].mode));
        json_object_set_new(obj, "mac", e[i].mac ? json_string(e[i].mac) : json_null());
        json_object_set_new(obj, "ifindex",
                            e[i].ifindex ? json_integer(atoll(e[i].ifindex)) : json_null());
        json_object_set_new(obj, "device", e[i].device ? json_string(e[i].device) : json_null());
        json_object_set_new(obj, "error", e[i].error ? json_string(e[i].error) : json_null());
        json_array_append_new(array, obj);
    }
    char *text = json_dumps(array, ctx->options->pretty ? JSON_INDENT(4) : JSON_COMPACT);
    if (text)
        strbuf_printf(&ctx->output, "%s\n", text);
    free(text);
    json_decref(array);
}

static const char *nonempty(const char *text)
{
    return text && *text ? text : NULL;
}

static int cmd_macvtap_show(struct cli_context *ctx)
{
    const char *only = ctx->cmd->argc > 1 ? ctx->cmd->argv[1] : NULL;
    size_t n_rows = db_count_rows(ctx->db, macvtap_table());
    struct show_entry *entries = calloc(n_rows ? n_rows : 1, sizeof *entries);
    if (!entries)
        return cli_fail(ctx, "out of memory");
    size_t n = 0;
    struct db_row *row;
    DB_FOR_EACH_ROW(row, ctx->db, macvtap_table(), i) {
        const char *name = db_row_get_string(row, "name");
        if (row->deleted || (only && strcmp(name, only)))
            continue;
        const char *mac = nonempty(db_row_get_string(row, "mac"));
        entries[n++] = (struct show_entry){
            .name = name, .kind = row_kind(row), .lower = db_row_get_string(row, "lower"),
            .mode = db_row_get_string(row, "mode"),
            .mac = mac ? mac : nonempty(db_row_get_map_string(row, "status", "mac")),
            .ifindex = nonempty(db_row_get_map_string(row, "status", "ifindex")),
            .device = nonempty(db_row_get_map_string(row, "status", "device")),
            .error = nonempty(db_row_get_map_string(row, "status", "error")),
        };
    }
    if (only && !n) {
        free(entries);
        return cli_fail(ctx, "no macvtap named %s", only);
    }
    qsort(entries, n, sizeof *entries, compare_entries);
    if (ctx->options->format_given && ctx->options->format == FORMAT_JSON)
        show_json(ctx, entries, n);
    else
        show_text(ctx, entries, n);
    free(entries);
    return 0;
}

/* ---- host-access ---- */

/* --move-address: what to move, read before the change; moved once
 * pontoond has made the macvlan.  Held in place (no pointers): the CLI
 * frees an after_commit's aux with free() alone, also when the chain fails. */
#define HOST_ACCESS_MAX_ADDRESSES 32

struct host_access_move {
    char lower[MACVTAP_NAME_SIZE], name[MACVTAP_NAME_SIZE];
    struct host_address addresses[HOST_ACCESS_MAX_ADDRESSES];
    size_t n_addresses;
    char gateway[64];
};

static int host_access_after_commit(const struct cli_options *opts, void *aux, bool applied,
                                    FILE *out, FILE *err)
{
    struct host_access_move *move = aux;
    int status = 0;
    if (!applied) {
        /* Stored all the same, as every change is when no daemon runs. */
        fprintf(err, "pontoon: warning: %s is made by pontoond, which is not running: no "
                "address moved; once it runs: pontoon --may-exist macvtap/host-access %s %s "
                "--move-address\n", move->name, move->lower, move->name);
    } else {
        struct strbuf done = STRBUF_INIT;
        struct host_access_state state = { move->addresses, move->n_addresses, "" };
        snprintf(state.gateway, sizeof state.gateway, "%s", move->gateway);
        int rc = host_address_move(move->lower, move->name, &state, &done);
        fputs(strbuf_cstr(&done), out);
        if (rc < 0)
            status = cli_reportf(err, 1, "moving the host's addresses to %s stopped: %s",
                                 move->name, strerror(-rc));
        strbuf_free(&done);
    }
    return status;
}

static int cmd_macvtap_host_access(struct cli_context *ctx)
{
    const char *lower = ctx->cmd->argv[1];
    char name[MACVTAP_NAME_SIZE];
    bool move_address = false;
    int argc = ctx->cmd->argc;
    if (argc > 2 && !strcmp(ctx->cmd->argv[argc - 1], "--move-address")) {
        move_address = true;
        argc--;
    }
    for (int i = 2; i < argc; i++)
        if (ctx->cmd->argv[i][0] == '-')
            return cli_fail(ctx, "macvtap/host-access: unknown option %s", ctx->cmd->argv[i]);
    if (move_address && (ctx->options->no_wait || ctx->options->dry_run))
        return cli_fail(ctx, "macvtap/host-access --move-address waits for pontoond to make "
                        "the macvlan: not with --no-wait or --dry-run");
    if (argc > 3)
        return cli_fail(ctx, "macvtap/host-access takes LOWER [NAME] [--move-address]");
    if (argc > 2) {
        snprintf(name, sizeof name, "%s", ctx->cmd->argv[2]);
        if (strlen(ctx->cmd->argv[2]) >= sizeof name)
            return cli_fail(ctx, "\"%s\" is not a valid device name (1-15 characters, no "
                            "'/', ':' or spaces)", ctx->cmd->argv[2]);
    } else if (strlen(lower) + strlen("-host") < sizeof name) {
        snprintf(name, sizeof name, "%s-host", lower);
    } else {
        return cli_fail(ctx, "%s-host is too long for a device name: name the host's "
                        "macvlan (macvtap/host-access %s NAME)", lower, lower);
    }
    struct db_row *row;
    bool exists = false;
    DB_FOR_EACH_ROW(row, ctx->db, macvtap_table(), i) {
        if (row->deleted || strcmp(db_row_get_string(row, "lower"), lower) ||
            strcmp(row_kind(row), "macvlan"))
            continue;
        if (ctx->cmd->may_exist && !strcmp(db_row_get_string(row, "name"), name)) {
            if (!move_address)
                return 0;
            exists = true;      /* there already: still move the addresses */
            break;
        }
        return cli_fail(ctx, "%s already has the host's macvlan %s", lower,
                        db_row_get_string(row, "name"));
    }
    if (!exists) {
        if (check_new_name(ctx, name, lower) || check_lower(ctx, lower) ||
            check_passthru(ctx, lower, name, "bridge"))
            return -1;
        char mac[18];
        if (random_mac(ctx, mac) || add_row(ctx, "macvlan", lower, name, "bridge", mac))
            return -1;
    }
    /* What to move, read now; printed once the change is committed. */
    struct host_access_state state;
    int rc = host_access_read(lower, "/proc", &state);
    if (rc < 0)
        return cli_fail(ctx, "cannot read the addresses of %s: %s", lower, strerror(-rc));
    strbuf_printf(&ctx->output, "%s: the host's macvlan on %s (bridge mode).  With the "
                  "host's addresses on it,\nthe host reaches its macvtap guests on %s.\n",
                  name, lower, lower);
    if (!move_address) {
        host_access_plan(lower, name, &state, &ctx->output);
        host_access_state_free(&state);
        return 0;
    }
    if (state.n_addresses > HOST_ACCESS_MAX_ADDRESSES) {
        host_access_state_free(&state);
        return cli_fail(ctx, "%s has more addresses than --move-address moves (%d): move "
                        "them as macvtap/host-access %s prints", lower,
                        HOST_ACCESS_MAX_ADDRESSES, lower);
    }
    struct host_access_move *move = calloc(1, sizeof *move);
    if (!move) {
        host_access_state_free(&state);
        return cli_fail(ctx, "out of memory");
    }
    snprintf(move->lower, sizeof move->lower, "%s", lower);
    snprintf(move->name, sizeof move->name, "%s", name);
    if (state.n_addresses)
        memcpy(move->addresses, state.addresses, state.n_addresses * sizeof *state.addresses);
    move->n_addresses = state.n_addresses;
    snprintf(move->gateway, sizeof move->gateway, "%s", state.gateway);
    host_access_state_free(&state);
    ctx->after_commit = host_access_after_commit;
    ctx->aux = move;
    return 0;
}

/* ---- the table ---- */

/* Each command's manual page (`pontoon COMMAND --help`), after the line
 * the global --help prints. */
#define ADD_MANUAL \
    "DESCRIPTION\n" \
    "  Creates a macvtap device NAME on the network device LOWER and stores it\n" \
    "  in the Macvtap table, so that pontoond keeps it: it makes the device\n" \
    "  (rtnetlink, kind macvtap, on LOWER, in MODE, with MAC), brings it up, and\n" \
    "  makes it again after a restart of pontoond, after NAME is deleted, and\n" \
    "  when LOWER is deleted and comes back.  pontoon returns once pontoond has\n" \
    "  made it (unless --no-wait).  macvtap/show then names the character device\n" \
    "  /dev/tapN (N its ifindex) that QEMU opens: -netdev tap,fd=FD with FD open\n" \
    "  on /dev/tapN, and -device virtio-net-pci,mac=MAC; guest/xml NAME prints\n" \
    "  libvirt's element for it.  pontoond makes /dev/tapN itself when neither\n" \
    "  udev nor devtmpfs did.\n" \
    "\n" \
    "  In bridge mode the host itself cannot reach its guests through LOWER:\n" \
    "  see macvtap/host-access.\n" \
    "\n" \
    "  pontoond leaves the device in place when it stops (a guest keeps its\n" \
    "  network through a restart); macvtap/del removes it.\n" \
    "\n" \
    "OPTIONS\n" \
    "  mode=MODE      bridge (default): guests on LOWER's macvtaps reach each\n" \
    "                 other directly; vepa: everything goes out through LOWER\n" \
    "                 (a hairpin switch returns it); private: macvtaps on LOWER\n" \
    "                 never reach each other; passthru: the one macvtap on\n" \
    "                 LOWER, which takes all of LOWER's traffic\n" \
    "  mac=MAC        the guest's MAC (unicast, XX:XX:XX:XX:XX:XX); default a\n" \
    "                 random one in 52:54:00:xx:xx:xx, chosen now and stored, so\n" \
    "                 the device keeps it when made again.  passthru without\n" \
    "                 mac= keeps LOWER's own.\n" \
    "  --may-exist    an existing NAME on LOWER with the same mode (and MAC, if\n" \
    "                 given) is not an error\n" \
    "\n" \
    "ERRORS\n" \
    "  Nothing is stored when LOWER does not exist, NAME is taken (by a macvtap,\n" \
    "  or by a device pontoond did not make), the mode or MAC is bad, or passthru\n" \
    "  would share LOWER with another macvtap.  What keeps pontoond from making\n" \
    "  the device later (LOWER gone, a MAC in use) shows in macvtap/show.\n" \
    "\n" \
    "EXAMPLES\n" \
    "  pontoon macvtap/add eth1 mvtap0\n" \
    "  pontoon macvtap/add eth1 mvtap1 mode=vepa mac=52:54:00:12:34:56\n"

#define DEL_MANUAL \
    "DESCRIPTION\n" \
    "  Removes macvtap NAME (or the host's macvlan NAME) from the Macvtap table;\n" \
    "  pontoond deletes the device (a guest using it loses its network) and the\n" \
    "  /dev/tapN node if it made that itself.  pontoon returns once that is\n" \
    "  done (unless --no-wait).\n" \
    "\n" \
    "OPTIONS\n" \
    "  --if-exists    a missing NAME is not an error\n"

#define SHOW_MANUAL \
    "DESCRIPTION\n" \
    "  Lists the macvtaps (and the host's macvlans) of the Macvtap table, or\n" \
    "  only NAME, one a line:\n" \
    "    NAME     the device\n" \
    "    KIND     macvtap (a guest's), or macvlan (the host's, host-access)\n" \
    "    LOWER    the device it sits on\n" \
    "    MODE     bridge, vepa, private or passthru\n" \
    "    MAC      its MAC address\n" \
    "    IFINDEX  its interface index\n" \
    "    DEVICE   the character device QEMU opens, /dev/tapIFINDEX\n" \
    "  and under it, \"error: ...\" when pontoond cannot make it (a missing lower\n" \
    "  device, a MAC in use).  IFINDEX, DEVICE and errors are what the running\n" \
    "  pontoond reported (the Macvtap status column); \"-\" when it has not.\n" \
    "\n" \
    "OPTIONS\n" \
    "  --format=json  the same fields as a list of objects: name, kind, lower,\n" \
    "                 mode, mac, ifindex (a number), device, error (null for\n" \
    "                 \"-\")\n" \
    "  --no-headings  no header line\n"

#define HOST_ACCESS_MANUAL \
    "DESCRIPTION\n" \
    "  In bridge mode, macvtap's usual one, the host cannot reach its own\n" \
    "  macvtap guests through LOWER: the kernel sends what the host sends from\n" \
    "  LOWER straight to the wire, never to the macvtaps beside it, and nothing\n" \
    "  comes back.  The fix is a macvlan of the host's own, in bridge mode on\n" \
    "  the same LOWER, holding the host's address: macvlans in bridge mode on\n" \
    "  one lower device reach each other directly, and macvtaps are macvlans.\n" \
    "\n" \
    "  This command stores that macvlan, NAME (default LOWER-host), in the\n" \
    "  Macvtap table, in bridge mode, with a random MAC in 52:54:00:xx:xx:xx\n" \
    "  that it keeps; pontoond makes it, brings it up and keeps it as it keeps\n" \
    "  macvtaps.  That is all it changes.  It does not touch LOWER, its\n" \
    "  addresses or its routes, so a connection through LOWER (an ssh session)\n" \
    "  goes on as before; it prints the commands that move the host's\n" \
    "  addresses onto NAME, to run when you choose.  Until then the host keeps\n" \
    "  its addresses on LOWER and still cannot reach the guests.  Move each\n" \
    "  address by adding it to NAME first and then deleting it from LOWER, so\n" \
    "  that the host holds it throughout, then the routes that went through\n" \
    "  LOWER.  With --move-address the command does exactly that itself, once\n" \
    "  pontoond has made NAME, and says what it moved.\n" \
    "\n" \
    "OPTIONS\n" \
    "  --may-exist    LOWER already having the host's macvlan NAME is not an\n" \
    "                 error\n" \
    "  --move-address after pontoond made NAME, move LOWER's global IPv4 and\n" \
    "                 IPv6 addresses onto it (each added before it is deleted)\n" \
    "                 and point the IPv4 default route through it.  A session\n" \
    "                 to one of those addresses may see a short pause.  The\n" \
    "                 addresses are the host's own configuration: make the move\n" \
    "                 last across reboots in /etc/network/interfaces or the\n" \
    "                 like, on NAME\n" \
    "\n" \
    "ERRORS\n" \
    "  Nothing is stored when LOWER does not exist, already has a host macvlan,\n" \
    "  or has a passthru macvtap, or when NAME is taken.  macvtap/del NAME\n" \
    "  removes the macvlan again (move the addresses back to LOWER first).\n" \
    "\n" \
    "EXAMPLES\n" \
    "  pontoon macvtap/host-access eth1\n" \
    "  pontoon macvtap/host-access enp1s0f0np0 hostmv0\n"

const struct cli_command_def macvtap_commands[] = {
    { "macvtap/add", 2, 4, "--may-exist", COMMAND_WRITE, cmd_macvtap_add,
      "[--may-exist] macvtap/add LOWER NAME [mode=MODE] [mac=MAC]",
      "create macvtap NAME on device LOWER (mode bridge, vepa, private or passthru), kept "
      "by pontoond\n" ADD_MANUAL },
    { "macvtap/del", 1, 1, "--if-exists", COMMAND_WRITE, cmd_macvtap_del,
      "[--if-exists] macvtap/del NAME", "delete macvtap NAME\n" DEL_MANUAL },
    { "macvtap/show", 0, 1, "", COMMAND_READ, cmd_macvtap_show, "macvtap/show [NAME]",
      "list the macvtaps: lower device, mode, MAC, ifindex and the /dev/tapN QEMU opens\n"
      SHOW_MANUAL },
    { "macvtap/host-access", 1, 3, "--may-exist", COMMAND_WRITE, cmd_macvtap_host_access,
      "[--may-exist] macvtap/host-access LOWER [NAME] [--move-address]",
      "create the host's macvlan on LOWER, so that the host can reach its macvtap guests "
      "(prints how to move the host's addresses onto it, or moves them)\n"
      HOST_ACCESS_MANUAL },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
