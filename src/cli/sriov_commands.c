/* SR-IOV commands: sriov/set (a PF's VF count, stored in NIC.sriov_num_vfs),
 * sriov/vf (one VF's settings, stored in a VF row), both applied and kept
 * by pontoond (control/sriov_policy.h); sriov/show (the PFs, their VFs as
 * the kernel reports them, and what is kept).  The rules are host/'s
 * (sriov_count.h, vf_config.h), the output cli/sriov_output.c's. */
#include "cli/command.h"
#include "cli/trailing_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <linux/if_ether.h>

#include "cli/sriov_output.h"
#include "db/db.h"
#include "db/schema.h"
#include "control/sriov_policy.h"
#include "host/nic_files.h"
#include "host/nic_inventory.h"
#include "host/pci_inventory.h"
#include "host/sriov_count.h"
#include "host/sriov_pf.h"
#include "host/vf_config.h"
#include "host/vf_link.h"


/* This host's sysfs for SR-IOV: "" (/sys), or $PONTOON_SRIOV_ROOT, the copy
 * of a tree pontoond keeps the counts in when given the same (for tests). */
static const char *host_root(void)
{
    const char *root = getenv("PONTOON_SRIOV_ROOT");
    return root ? root : "";
}

static const struct table_def *nic_table(void)
{
    return schema_find_table("NIC");
}

static const struct table_def *vf_table(void)
{
    return schema_find_table("VF");
}

/* ---- after the commit: what pontoond wrote ---- */

struct sriov_after {
    char table[4];                /* "NIC" or "VF" */
    char name[96];                /* the row */
};

/* The row's status error as pontoond wrote it: NIC sriov_error, VF error. */
static char *status_error(const struct cli_options *opts, const struct sriov_after *after)
{
    struct db *db = NULL;
    char *error = NULL;
    if (db_open(opts->db_path, &db, &error)) {
        free(error);
        return NULL;
    }
    bool nic = !strcmp(after->table, "NIC");
    const struct db_row *row = db_find_row(db, nic ? nic_table() : vf_table(), after->name);
    const char *text = row ? db_row_get_map_string(row, "status", nic ? "sriov_error" : "error")
                           : NULL;
    char *copy = text ? strdup(text) : NULL;
    db_close(db);
    return copy;
}

static int sriov_after_commit(const struct cli_options *opts, void *aux, bool applied,
                              FILE *out, FILE *err)
{
    const struct sriov_after *after = aux;
    if (!applied)
        return 0;   /* no daemon (or --no-wait): applied when it runs */
    char *error = status_error(opts, after);
    int status = error ? cli_reportf(err, 1, "%s: %s (the setting is kept; pontoon list %s "
                                     "%s)", after->name, error, after->table, after->name) : 0;
    free(error);
    return status;
}

static void set_after(struct cli_context *ctx, const char *table, const char *name)
{
    struct sriov_after *after = calloc(1, sizeof *after);
    if (after) {
        snprintf(after->table, sizeof after->table, "%s", table);
        snprintf(after->name, sizeof after->name, "%s", name);
        ctx->after_commit = sriov_after_commit;
        ctx->aux = after;
    }
}

/* ---- sriov/set ---- */

static json_t *plan_json(const struct sriov_pf *pf, const struct sriov_count_plan *plan,
                         const char *root, bool written)
{
    char *label = sriov_pf_label(pf);
    json_t *writes = json_array();
    for (size_t i = 0; i < plan->n_writes; i++) {
        char *path = nic_path(root, "/sys/bus/pci/devices/%s/sriov_numvfs", pf->pci.address);
        json_array_append_new(writes, json_pack("{s:s, s:I}", "path", path ? path : "",
                                                "value", (json_int_t)plan->writes[i]));
        free(path);
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:b}", "pf", sriov_pf_name(pf),
                            "label", label ? label : "", "pci", pf->pci.address,
                            "from", (json_int_t)plan->from, "to", (json_int_t)plan->to,
                            "writes", writes, "written", written);
    free(label);
    return doc;
}

static void plan_text(json_t *doc, struct strbuf *out)
{
    strbuf_printf(out, "%s: num_vfs %lld -> %lld\n",
                  json_string_value(json_object_get(doc, "label")),
                  json_integer_value(json_object_get(doc, "from")),
                  json_integer_value(json_object_get(doc, "to")));
    bool written = json_is_true(json_object_get(doc, "written"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(doc, "writes"), i, w)
        strbuf_printf(out, "  %s %lld to %s\n", written ? "wrote" : "write",
                      json_integer_value(json_object_get(w, "value")),
                      json_string_value(json_object_get(w, "path")));
    if (!json_array_size(json_object_get(doc, "writes")))
        strbuf_puts(out, "  nothing to write\n");
}

/* "num_vfs=N": N, or -1. */
static long parse_num_vfs(const char *word)
{
    if (strncmp(word, "num_vfs=", 8))
        return -1;
    const char *n = word + 8;
    if (!*n || strspn(n, "0123456789") != strlen(n) || strlen(n) > 4)
        return -1;
    long value = strtol(n, NULL, 10);
    return value <= 4096 ? value : -1;
}

static int cmd_sriov_set(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "--root --dry-run --format", TRAILING_MAX_WORDS, &args))
        return -1;
    if (args.n_words != 2)
        return cli_fail(ctx, "'sriov/set' needs a PF and num_vfs=N (see sriov/set --help)");
    long want = parse_num_vfs(args.words[1]);
    if (want < 0)
        return cli_fail(ctx, "\"%s\": sriov/set takes num_vfs=N, N from 0 to 4096 (the old "
                        "max_vfs module parameter is not used)", args.words[1]);
    bool dry_run = args.dry_run || ctx->options->dry_run;
    struct sriov_pf pf;
    char *error = NULL;
    int status = 0;
    const char *root = args.root ? args.root : host_root();
    if (sriov_pf_read(root, args.words[0], &pf, &error)) {
        status = cli_fail(ctx, "%s", error);
        goto out;
    }
    struct sriov_user *users = NULL;
    size_t n_users = sriov_users_from_db(ctx->db, &users);
    struct sriov_count_plan plan;
    int rc = sriov_count_plan(&pf, (unsigned)want, users, n_users, &plan, &error);
    sriov_users_free(users, n_users);
    if (rc) {
        status = cli_fail(ctx, "%s", error);
        goto out;
    }
    if (dry_run || args.root) {
        /* A captured tree is not this host's configuration: written at
         * once, nothing stored.  --dry-run: neither. */
        bool written = false;
        if (!dry_run) {
            if (sriov_count_apply(root, &pf, &plan, &error)) {
                status = cli_fail(ctx, "%s", error);
                goto out;
            }
            written = true;
        }
        json_t *doc = plan_json(&pf, &plan, root, written);
        if (trailing_args_want_json(ctx, &args))
            cli_put_json(ctx, doc);
        else
            plan_text(doc, &ctx->output);
        json_decref(doc);
        ctx->no_change = true;
        goto out;
    }
    const char *name = sriov_pf_name(&pf);
    struct db_row *row = db_find_row(ctx->db, nic_table(), name);
    if (!row) {
        row = db_insert_row(ctx->db, nic_table());
        db_row_set_string(row, "name", name);
    }
    struct datum value;
    datum_init_integer(&value, want);
    db_row_set(row, "sriov_num_vfs", &value);
    set_after(ctx, "NIC", name);
out:
    free(error);
    sriov_pf_free(&pf);
    return status;
}

/* ---- sriov/vf ---- */

/* Refuses a VF number the PF cannot have: not below sriov_totalvfs, or
 * not below the count kept (else the PF's count now).  A device that is
 * no PCI PF (a veth) has no known bound: the kernel decides. */
static int check_vf_number(struct cli_context *ctx, const char *pf_name, unsigned vf)
{
    struct sriov_pf pf;
    char *error = NULL;
    bool is_pf = sriov_pf_read(host_root(), pf_name, &pf, &error) == 0
                 && pf.pci.sriov == PCI_SRIOV_PF;
    free(error);
    const struct db_row *nic = db_find_row(ctx->db, nic_table(), pf_name);
    const struct datum *kept = nic ? db_row_get(nic, "sriov_num_vfs") : NULL;
    bool known = (kept && kept->n) || is_pf;
    unsigned limit = kept && kept->n ? (unsigned)kept->keys[0].integer
                     : is_pf ? pf.pci.sriov_numvfs : 0;
    int status = 0;
    if (is_pf && vf >= pf.pci.sriov_totalvfs) {
        char *label = sriov_pf_label(&pf);
        status = cli_fail(ctx, "%s supports at most %u VFs", label ? label : pf_name,
                          pf.pci.sriov_totalvfs);
        free(label);
    } else if (known && !limit) {
        status = cli_fail(ctx, "%s has no VFs: set their number first (pontoon sriov/set %s "
                          "num_vfs=N)", pf_name, pf_name);
    } else if (known && vf >= limit) {
        status = cli_fail(ctx, "%s has %u VFs (0-%u): no VF %u", pf_name, limit, limit - 1, vf);
    }
    sriov_pf_free(&pf);
    return status;
}

/* One KEY=VALUE (or KEY= to stop keeping it) into the row's column. */
static int set_column(struct cli_context *ctx, struct db_row *row, const char *key,
                      const char *value, const struct vf_config *cfg)
{
    static const struct { const char *word, *column; } names[] = {
        { "mac", "mac" }, { "vlan", "vlan" }, { "qos", "qos" }, { "proto", "proto" },
        { "spoofchk", "spoofchk" }, { "trust", "trust" }, { "link-state", "link_state" },
        { "min-rate", "min_rate" }, { "max-rate", "max_rate" },
    };
    const char *column = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !column; i++)
        if (!strcmp(names[i].word, key))
            column = names[i].column;
    if (!column)
        return cli_fail(ctx, "unknown VF setting \"%s\"", key);
    struct datum d;
    if (!*value) {
        datum_init_empty(&d);
    } else if (!strcmp(key, "mac")) {
        char mac[18];
        const uint8_t *m = cfg->mac;
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                 m[5]);
        datum_init_string(&d, mac);
    } else if (!strcmp(key, "proto")) {
        datum_init_string(&d, vf_vlan_proto_name(cfg->vlan_proto));
    } else if (!strcmp(key, "link-state")) {
        datum_init_string(&d, vf_link_state_name(cfg->link_state));
    } else if (!strcmp(key, "spoofchk") || !strcmp(key, "trust")) {
        datum_init_boolean(&d, key[0] == 's' ? cfg->spoofchk : cfg->trust);
    } else {
        datum_init_integer(&d, strtoll(value, NULL, 10));
    }
    db_row_set(row, column, &d);
    return 0;
}

static int cmd_sriov_vf(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "", TRAILING_MAX_WORDS, &args))
        return -1;
    if (args.n_words < 2)
        return cli_fail(ctx, "'sriov/vf' needs a PF, a VF number and settings (see sriov/vf "
                        "--help)");
    const char *pf = args.words[0], *number = args.words[1];
    if (!*number || strspn(number, "0123456789") != strlen(number) || strlen(number) > 4
        || atoi(number) > 4095)
        return cli_fail(ctx, "\"%s\" is not a VF number (0 to 4095)", number);
    unsigned vf = (unsigned)atoi(number);
    if (args.n_words < 3)
        return cli_fail(ctx, "'sriov/vf' needs at least one setting: mac=, vlan=, qos=, proto=, "
                        "spoofchk=, trust=, link-state=, min-rate=, max-rate= (see sriov/vf "
                        "--help)");
    bool exists = strlen(pf) < 16 && !strchr(pf, '/')
                  && (nic_device_exists(NULL, pf) || nic_device_exists(host_root(), pf));
    if (!exists && !db_find_row(ctx->db, nic_table(), pf))
        return cli_fail(ctx, "no network device named %s", pf);

    /* Each word on its own, for its own message. */
    struct vf_config cfg = { .vf = vf };
    unsigned seen = 0;
    static const char *const keys[] = { "mac", "vlan", "qos", "proto", "spoofchk", "trust",
                                        "link-state", "min-rate", "max-rate" };
    for (int i = 2; i < args.n_words; i++) {
        const char *word = args.words[i];
        const char *eq = strchr(word, '=');
        if (!eq)
            return cli_fail(ctx, "\"%s\": a VF setting is KEY=VALUE (see sriov/vf --help)", word);
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)(eq - word), word);
        unsigned bit = 0;
        for (unsigned k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!strcmp(keys[k], key))
                bit = 1u << k;
        if (bit & seen)
            return cli_fail(ctx, "%s is given twice", key);
        seen |= bit;
        char *error = NULL;
        if (eq[1] && vf_config_add(&cfg, key, eq + 1, &error)) {
            cli_fail(ctx, "%s", error);
            free(error);
            return -1;
        }
        if (!eq[1] && !bit)
            return cli_fail(ctx, "unknown VF setting \"%s\" (mac, vlan, qos, proto, spoofchk, "
                            "trust, link-state, min-rate, max-rate)", key);
    }
    if (check_vf_number(ctx, pf, vf))
        return -1;

    char *name = xasprintf("%s/vf%u", pf, vf);
    if (!name)
        return cli_fail(ctx, "out of memory");
    struct db_row *row = db_find_row(ctx->db, vf_table(), name);
    if (!row) {
        row = db_insert_row(ctx->db, vf_table());
        db_row_set_string(row, "name", name);
        db_row_set_string(row, "pf", pf);
        struct datum d;
        datum_init_integer(&d, vf);
        db_row_set(row, "vf", &d);
    }
    int status = 0;
    for (int i = 2; i < args.n_words && !status; i++) {
        const char *eq = strchr(args.words[i], '=');
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)(eq - args.words[i]), args.words[i]);
        status = set_column(ctx, row, key, eq + 1, &cfg);
    }
    /* The row as a whole: qos or proto with no vlan kept, min above max. */
    struct vf_config whole;
    char *error = NULL;
    if (!status && sriov_vf_config_from_row(row, &whole, &error)) {
        status = cli_fail(ctx, "%s: %s", name, error);
        free(error);
    }
    if (!status)
        set_after(ctx, "VF", name);
    free(name);
    return status;
}

/* ---- sriov/show ---- */

struct show_entry {
    char name[64];
};

static void add_entry(struct show_entry **entries, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*entries)[i].name, name))
            return;
    struct show_entry *grown = realloc(*entries, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *entries = grown;
    snprintf(grown[*n].name, sizeof grown[*n].name, "%s", name);
    (*n)++;
}

/* One PF's JSON: its files under root, the kernel's report (live only),
 * and its rows. */
static json_t *show_one(struct cli_context *ctx, const char *root, const char *text,
                        char **error)
{
    struct sriov_pf pf;
    bool have_pf = sriov_pf_read(root, text, &pf, error) == 0;
    const char *name = have_pf ? sriov_pf_name(&pf) : text;
    struct vf_link link;
    bool have_link = nic_root_is_live(root) && strlen(name) < 16 && !strchr(name, '/')
                     && nic_device_exists(NULL, name) && vf_link_get(name, &link) == 0;
    const struct db_row *nic = db_find_row(ctx->db, nic_table(), name);
    const struct table_def *vfs = vf_table();
    const struct db_row **rows = calloc(db_count_rows(ctx->db, vfs) + 1, sizeof *rows);
    size_t n_rows = 0;
    struct db_row *row;
    DB_FOR_EACH_ROW(row, ctx->db, vfs, i)
        if (rows && !strcmp(db_row_get_string(row, "pf"), name))
            rows[n_rows++] = row;
    json_t *doc = NULL;
    if (have_pf || have_link || nic || n_rows) {
        doc = sriov_pf_json(name, have_pf ? &pf : NULL, have_link ? &link : NULL, nic, rows,
                            n_rows);
        free(*error);
        *error = NULL;
    }
    free(rows);
    if (have_link)
        vf_link_free(&link);
    sriov_pf_free(&pf);
    return doc;
}

static int cmd_sriov_show(struct cli_context *ctx)
{
    struct trailing_args args;
    if (trailing_args_parse(ctx, "--root --format", TRAILING_MAX_WORDS, &args))
        return -1;
    if (!args.root)
        args.root = host_root();
    if (args.n_words > 1)
        return cli_fail(ctx, "'sriov/show' takes at most one PF (see sriov/show --help)");
    struct show_entry *entries = NULL;
    size_t n = 0;
    if (args.n_words) {
        add_entry(&entries, &n, args.words[0]);
    } else {
        struct pci_inventory inv;
        char *error = NULL;
        if (pci_inventory_read(args.root, NULL, &inv, &error) == 0) {
            for (size_t i = 0; i < inv.n_devices; i++) {
                const struct pci_device *dev = &inv.devices[i];
                if (dev->sriov == PCI_SRIOV_PF)
                    add_entry(&entries, &n, dev->n_netdevs == 1 ? dev->netdevs[0]
                                                                : dev->address);
            }
        } else if (!nic_root_is_live(args.root)) {
            cli_fail(ctx, "%s", error);
            free(error);
            pci_inventory_free(&inv);
            return -1;
        }
        free(error);
        pci_inventory_free(&inv);
        /* And what is kept for devices that are not (or no longer) there. */
        struct db_row *row;
        DB_FOR_EACH_ROW(row, ctx->db, nic_table(), i)
            if (db_row_get(row, "sriov_num_vfs")->n)
                add_entry(&entries, &n, db_row_get_string(row, "name"));
        DB_FOR_EACH_ROW(row, ctx->db, vf_table(), i)
            add_entry(&entries, &n, db_row_get_string(row, "pf"));
    }
    json_t *pfs = json_array();
    int status = 0;
    for (size_t i = 0; i < n && !status; i++) {
        char *error = NULL;
        json_t *one = show_one(ctx, args.root, entries[i].name, &error);
        if (one)
            json_array_append_new(pfs, one);
        else if (args.n_words)
            status = cli_fail(ctx, "%s", error ? error : "no such PF");
        free(error);
    }
    free(entries);
    if (!status) {
        char *root = nic_root_normalize(args.root);
        json_t *doc = json_pack("{s:o, s:o}", "root", root && *root ? json_string(root)
                                                                    : json_null(), "pfs", pfs);
        free(root);
        if (trailing_args_want_json(ctx, &args))
            cli_put_json(ctx, doc);
        else
            sriov_show_text(doc, &ctx->output);
        json_decref(doc);
    } else {
        json_decref(pfs);
    }
    return status;
}

/* ---- the table ---- */

const struct cli_command_def sriov_commands[] = {
    { "sriov/set", 0, -1, "", COMMAND_WRITE, cmd_sriov_set,
      "sriov/set PF num_vfs=N [--dry-run] [--root DIR]",
      "set PF's number of VFs (sriov_numvfs), kept applied by pontoond\n"
      "DESCRIPTION\n"
      "  Stores sriov_num_vfs=N in PF's NIC row (PF: a network device or a PCI\n"
      "  address, 0000:04:00.0 or 04:00.0); pontoond writes N to the PF's\n"
      "  /sys/bus/pci/devices/ADDR/sriov_numvfs now, at every start, when the PF\n"
      "  appears again (driver reload, reset) and when the count was changed\n"
      "  behind its back, and writes what it did in the row's status\n"
      "  (`pontoon list NIC`): sriov_applied=true|false, sriov_error,\n"
      "  sriov_num_vfs, sriov_total_vfs.  A non-zero count changes through 0, as\n"
      "  the kernel requires (it destroys every VF).  Then pontoond sets the VFs'\n"
      "  settings kept with sriov/vf.\n"
      "\n"
      "  This replaces the igb/ixgbe module parameter of old (modprobe igb\n"
      "  max_vfs=7, or options igb max_vfs=7 in /etc/modprobe.d/igb.conf): most\n"
      "  drivers no longer take max_vfs, and sriov_numvfs works for every driver\n"
      "  with SR-IOV; leave max_vfs out of modprobe.d.\n"
      "\n"
      "  Refused, changing nothing, with the reason:\n"
      "    a device that is not SR-IOV capable (no sriov_totalvfs), or a VF;\n"
      "    a PF with no driver bound (its driver makes the VFs);\n"
      "    more than sriov_totalvfs (\"eth1 (igb 0000:04:00.0) supports at most\n"
      "      7 VFs\");\n"
      "    a change while VFs are in use: a VF bound to vfio-pci (passed through\n"
      "      to a guest), or whose netdev is a port of a Pontoon bridge or the\n"
      "      lower device of a macvtap (each one named).\n"
      "  An error from the kernel is written to the status and reported by this\n"
      "  command (exit 1; the setting stays stored).  `pontoon clear NIC PF\n"
      "  sriov_num_vfs` stops keeping the count (the VFs stay).\n"
      "\n"
      "OPTIONS\n"
      "  --dry-run         print what would be written and change nothing\n"
      "  --root DIR        a captured sysfs tree (DIR/sys): check the rules against\n"
      "                    it and write its sriov_numvfs at once; nothing is stored\n"
      "  --format=json     with --dry-run or --root: the plan as JSON\n"
      "\n"
      "ENVIRONMENT\n"
      "  PONTOON_SRIOV_ROOT=DIR   this host's sysfs is DIR/sys instead of /sys, for\n"
      "                    this command, sriov/show and guest/xml, and for pontoond\n"
      "                    keeping the count: how the tests check it on a copy of\n"
      "                    a fixture tree\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon sriov/set eth1 num_vfs=7\n"
      "  pontoon sriov/set 0000:04:00.0 num_vfs=0 --dry-run\n" },
    { "sriov/vf", 0, -1, "", COMMAND_WRITE, cmd_sriov_vf,
      "sriov/vf PF N SETTING=VALUE...",
      "set VF N of PF (as ip link set PF vf N ...), kept applied\n"
      "DESCRIPTION\n"
      "  Stores the settings in the VF row PF/vfN (`pontoon list VF`); pontoond\n"
      "  sends them to the kernel through PF's rtnetlink (RTM_SETLINK with\n"
      "  IFLA_VFINFO_LIST, the request `ip link set PF vf N ...` sends) now, at\n"
      "  every start and whenever PF appears again or its link comes back\n"
      "  (driver reload, reset), each setting that differs from what the kernel\n"
      "  reports, and writes the outcome in the row's status: applied=true|false,\n"
      "  error (the kernel's answer, naming the setting), pci (the VF's address).\n"
      "  Settings not given keep their stored value; SETTING= (empty) stops\n"
      "  keeping one.  `pontoon destroy VF PF/vfN` stops keeping them all.\n"
      "\n"
      "SETTINGS (ip link's words after each)\n"
      "  mac=MAC           the VF's MAC; 00:00:00:00:00:00 lets the VF's driver\n"
      "                    choose                                  (mac MAC)\n"
      "  vlan=VLAN         0-4095: the port VLAN the PF adds and strips; 0: none\n"
      "                                                            (vlan VLAN)\n"
      "  qos=QOS           0-7: the tag's priority (with a vlan)   (qos QOS)\n"
      "  proto=PROTO       802.1Q (the default) or 802.1ad (with a vlan)\n"
      "                                                            (proto PROTO)\n"
      "  spoofchk=on|off   drop frames the VF sends from another MAC\n"
      "  trust=on|off      let the VF change its MAC, go promiscuous...\n"
      "  link-state=auto|enable|disable\n"
      "                    the VF's link follows the PF's, is always up, always\n"
      "                    down                                    (state STATE)\n"
      "  min-rate=MBPS, max-rate=MBPS\n"
      "                    tx rate limits in Mb/s, 0: none; given alone, one keeps\n"
      "                    the other as the kernel has it  (min_tx_rate, max_tx_rate)\n"
      "\n"
      "  The change is one transaction; bad input changes nothing: an unknown PF,\n"
      "  a VF number not below the PF's VF count (the count kept, else the\n"
      "  PF's now), a malformed MAC, a VLAN or qos out of range, qos or proto\n"
      "  without a vlan, min-rate above max-rate, an unknown setting.  A setting\n"
      "  the kernel refuses (a driver without it, a device without VFs:\n"
      "  \"Operation not supported\") is reported by this command (exit 1) and\n"
      "  stays stored, for when the device can take it.\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon sriov/vf eth1 0 mac=52:54:00:12:34:56 vlan=10 spoofchk=on trust=off\n"
      "  pontoon sriov/vf eth1 3 vlan=100 qos=5 proto=802.1ad max-rate=1000\n"
      "  pontoon sriov/vf eth1 3 qos= proto=\n" },
    { "sriov/show", 0, -1, "", COMMAND_READ, cmd_sriov_show, "sriov/show [PF] [--root DIR]",
      "show SR-IOV PFs, their VFs as ip link shows them, what is kept\n"
      "DESCRIPTION\n"
      "  For each SR-IOV physical function (or PF alone): driver, PCI address,\n"
      "  VFs enabled of sriov_totalvfs, the count kept (sriov/set) and whether it\n"
      "  is applied; then each VF: the line `ip link show PF` prints for it\n"
      "  (\"vf 0     link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff, vlan 10,\n"
      "  spoof checking on, link-state auto, trust off\", read with RTM_GETLINK\n"
      "  and RTEXT_FILTER_VF), its PCI address, driver and netdevs, and the\n"
      "  settings kept (sriov/vf) with their status.  PFs that have something\n"
      "  kept but are absent, or are no PCI device, are listed too.  Needs no\n"
      "  pontoond.\n"
      "\n"
      "OPTIONS\n"
      "  --root DIR        read a captured sysfs tree (DIR/sys); no netlink\n"
      "  --format=json     the same data as JSON (VFs as `ip -j link show`)\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon sriov/show eth1\n"
      "  pontoon sriov/show --root /tmp/sosreport-host1 --format=json\n" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
