/* SR-IOV kept applied by the daemon: see sriov_policy.h. */
#include "control/sriov_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "host/nic_files.h"
#include "host/sriov_count.h"
#include "host/sriov_pf.h"
#include "host/vf_config.h"
#include "host/vf_link.h"
#include "util/log.h"
#include "util/strbuf.h"

/* A PF the policy keeps something on (a count, VF settings or both). */
struct kept_pf {
    char name[64];                /* as in the rows: a netdev name or a PCI address */
    int ifindex;                  /* live, when last applied or seen; 0: absent */
    bool carrier;                 /* live, likewise */
    bool has_count;               /* a NIC row with sriov_num_vfs */
    char address[PCI_ADDR_LEN];   /* the PF's, when last applied; "" unknown */
    long numvfs_seen;             /* sriov_numvfs under the root after applying; -1 */
    bool have_link;               /* this run's answer from the kernel, read once */
    int link_rc;
    struct vf_link link;
    bool seen;
};

/* Errors are logged when they first occur, not again while they last. */
struct error_log {
    char **lines;
    size_t n;
};

struct sriov_policy {
    char *root;
    struct kept_pf *pfs;
    size_t n_pfs;
    struct error_log logged, logging;   /* the last run's errors, this run's */
};

static void error_log_clear(struct error_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->lines[i]);
    free(log->lines);
    log->lines = NULL;
    log->n = 0;
}

struct sriov_policy *sriov_policy_create(const char *root)
{
    struct sriov_policy *sp = calloc(1, sizeof *sp);
    if (sp && !(sp->root = nic_root_normalize(root))) {
        free(sp);
        sp = NULL;
    }
    return sp;
}

void sriov_policy_destroy(struct sriov_policy *sp)
{
    if (!sp)
        return;
    free(sp->pfs);
    free(sp->root);
    error_log_clear(&sp->logged);
    error_log_clear(&sp->logging);
    free(sp);
}

static struct kept_pf *find_kept(struct sriov_policy *sp, const char *name)
{
    for (size_t i = 0; i < sp->n_pfs; i++)
        if (!strcmp(sp->pfs[i].name, name))
            return &sp->pfs[i];
    return NULL;
}

static struct kept_pf *keep(struct sriov_policy *sp, const char *name)
{
    struct kept_pf *k = find_kept(sp, name);
    if (k)
        return k;
    struct kept_pf *grown = realloc(sp->pfs, (sp->n_pfs + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    sp->pfs = grown;
    k = &sp->pfs[sp->n_pfs++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->numvfs_seen = -1;
    return k;
}

/* Live: the netdev's ifindex (0: none) and carrier. */
static int live_ifindex(const char *name)
{
    if (strchr(name, '/') || strlen(name) >= 16)
        return 0;
    char *text = nic_read_file(NULL, "/sys/class/net/%s/ifindex", name);
    int ifindex = text ? atoi(text) : 0;
    free(text);
    return ifindex;
}

static bool live_carrier(const char *name)
{
    if (strchr(name, '/') || strlen(name) >= 16)
        return false;
    char *text = nic_read_file(NULL, "/sys/class/net/%s/carrier", name);
    bool up = text && !strcmp(text, "1");   /* EINVAL while the device is down */
    free(text);
    return up;
}

/* Logs "WHAT: ERROR" (ERROR alone when what is NULL) unless the last run
 * logged it already. */
static void note_error(struct sriov_policy *sp, const char *what, const char *error)
{
    char *line = !error ? NULL : what ? xasprintf("%s: %s", what, error) : strdup(error);
    if (!line)
        return;
    bool known = false;
    for (size_t i = 0; i < sp->logged.n && !known; i++)
        known = !strcmp(sp->logged.lines[i], line);
    if (!known)
        log_warn("sriov %s", line);
    char **grown = realloc(sp->logging.lines, (sp->logging.n + 1) * sizeof *grown);
    if (!grown) {
        free(line);
        return;
    }
    sp->logging.lines = grown;
    grown[sp->logging.n++] = line;
}

/* ---- status ---- */

static const struct column_def *status_column(const struct db_row *row)
{
    const struct column_def *col = NULL;
    char *error = NULL;
    if (schema_find_column(row->table, "status", &col, &error))
        col = NULL;
    free(error);
    return col;
}

static void map_put(struct datum *d, const struct column_def *col, const char *key,
                    const char *value)
{
    union atom k = { .string = (char *)key }, v = { .string = (char *)value };
    if (value)
        datum_map_set(d, col, &k, &v);
}

/* NIC.status: what is there but Pontoon's sriov_* keys, then ours. */
static void write_nic_status(struct db *db, const struct db_row *row, const char *applied,
                             const char *error, long num_vfs, long total_vfs)
{
    const struct column_def *col = status_column(row);
    if (!col)
        return;
    const struct datum *now = db_row_get(row, "status");
    struct datum d;
    datum_init_empty(&d);
    for (size_t i = 0; i < now->n; i++)
        if (strncmp(now->keys[i].string, "sriov_", 6))
            map_put(&d, col, now->keys[i].string, now->values[i].string);
    char num[24], total[24];
    snprintf(num, sizeof num, "%ld", num_vfs);
    snprintf(total, sizeof total, "%ld", total_vfs);
    if (applied) {
        map_put(&d, col, "sriov_applied", applied);
        map_put(&d, col, "sriov_error", error);
        map_put(&d, col, "sriov_num_vfs", num_vfs >= 0 ? num : NULL);
        map_put(&d, col, "sriov_total_vfs", total_vfs >= 0 ? total : NULL);
    }
    db_report_ephemeral(db, row, col, &d);
}

static void write_vf_status(struct db *db, const struct db_row *row, const char *error,
                            const char *pci)
{
    const struct column_def *col = status_column(row);
    if (!col)
        return;
    struct datum d;
    datum_init_empty(&d);
    map_put(&d, col, "applied", error ? "false" : "true");
    map_put(&d, col, "error", error);
    map_put(&d, col, "pci", pci && *pci ? pci : NULL);
    db_report_ephemeral(db, row, col, &d);
}

/* ---- what the configuration uses ---- */

static bool add_user(struct sriov_user **users, size_t *n, const char *netdev, char *what)
{
    struct sriov_user *grown = what ? realloc(*users, (*n + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(what);
        return false;
    }
    *users = grown;
    grown[*n].netdev = netdev;
    grown[*n].what = what;
    (*n)++;
    return true;
}

static struct db_row *live_ref(const struct db *db, const struct datum *refs, size_t i)
{
    struct db_row *row = db_find_row_by_uuid(db, refs->keys[i].string);
    return row && !row->deleted ? row : NULL;
}

size_t sriov_users_from_db(const struct db *db, struct sriov_user **users)
{
    size_t n = 0;
    *users = NULL;
    const struct db_row *root = db_root_row(db);
    const struct datum *bridges = root ? db_row_get(root, "bridges") : NULL;
    for (size_t b = 0; bridges && b < bridges->n; b++) {
        const struct db_row *bridge = live_ref(db, bridges, b);
        const struct datum *ports = bridge ? db_row_get(bridge, "ports") : NULL;
        for (size_t p = 0; ports && p < ports->n; p++) {
            const struct db_row *port = live_ref(db, ports, p);
            const struct datum *ifaces = port ? db_row_get(port, "interfaces") : NULL;
            for (size_t i = 0; ifaces && i < ifaces->n; i++) {
                const struct db_row *iface = live_ref(db, ifaces, i);
                if (iface)
                    add_user(users, &n, db_row_get_string(iface, "name"),
                             xasprintf("a port of bridge %s", db_row_get_string(bridge, "name")));
            }
        }
    }
    const struct table_def *macvtaps = schema_find_table("Macvtap");
    struct db_row *row;
    DB_FOR_EACH_ROW(row, db, macvtaps, i)
        if (!row->deleted)
            add_user(users, &n, db_row_get_string(row, "lower"),
                     xasprintf("the lower device of macvtap %s", db_row_get_string(row, "name")));
    return n;
}

void sriov_users_free(struct sriov_user *users, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)users[i].what);
    free(users);
}

/* ---- the count ---- */

static void apply_count(struct sriov_policy *sp, struct db *db, const struct db_row *row,
                        struct kept_pf *k, const struct sriov_user *users, size_t n_users)
{
    const char *name = db_row_get_string(row, "name");
    unsigned want = (unsigned)db_row_get(row, "sriov_num_vfs")->keys[0].integer;
    struct sriov_pf pf;
    struct sriov_count_plan plan;
    char *error = NULL;
    long total = -1;
    if (sriov_pf_read(sp->root, name, &pf, &error) == 0) {
        total = pf.pci.sriov == PCI_SRIOV_PF ? (long)pf.pci.sriov_totalvfs : -1;
        if (sriov_count_plan(&pf, want, users, n_users, &plan, &error) == 0 && plan.n_writes) {
            char *steps = sriov_count_plan_format(&plan);
            if (sriov_count_apply(sp->root, &pf, &plan, &error) == 0)
                log_info("sriov %s: %s VFs", name, steps ? steps : "?");
            free(steps);
        }
    }
    if (pf.pci.address[0])
        snprintf(k->address, sizeof k->address, "%s", pf.pci.address);
    sriov_pf_free(&pf);
    k->numvfs_seen = k->address[0] ? sriov_numvfs_read(sp->root, k->address) : -1;
    note_error(sp, NULL, error);   /* errors name the PF */
    write_nic_status(db, row, error ? "false" : "true", error, k->numvfs_seen, total);
    free(error);
}

/* ---- VF settings ---- */

int sriov_vf_config_from_row(const struct db_row *row, struct vf_config *cfg, char **error)
{
    memset(cfg, 0, sizeof *cfg);
    *error = NULL;
    cfg->vf = (unsigned)db_row_get_integer(row, "vf", 0);
    const struct datum *d;
    if ((d = db_row_get(row, "mac"))->n && vf_config_add(cfg, "mac", d->keys[0].string, error))
        return -EINVAL;
    if ((d = db_row_get(row, "vlan"))->n) {
        cfg->vlan = (uint16_t)d->keys[0].integer;
        cfg->vlan_proto = ETH_P_8021Q;
        cfg->set |= VF_SET_VLAN;
    }
    if ((d = db_row_get(row, "qos"))->n) {
        cfg->qos = (uint8_t)d->keys[0].integer;
        cfg->has_qos = true;
    }
    if ((d = db_row_get(row, "proto"))->n
        && vf_config_add(cfg, "proto", d->keys[0].string, error))
        return -EINVAL;
    if ((d = db_row_get(row, "spoofchk"))->n) {
        cfg->spoofchk = d->keys[0].boolean;
        cfg->set |= VF_SET_SPOOFCHK;
    }
    if ((d = db_row_get(row, "trust"))->n) {
        cfg->trust = d->keys[0].boolean;
        cfg->set |= VF_SET_TRUST;
    }
    if ((d = db_row_get(row, "link_state"))->n
        && vf_config_add(cfg, "link-state", d->keys[0].string, error))
        return -EINVAL;
    static const char *const rates[] = { "min_rate", "max_rate" };
    for (int i = 0; i < 2; i++) {
        if (!(d = db_row_get(row, rates[i]))->n)
            continue;
        if (d->keys[0].integer > UINT32_MAX) {
            *error = xasprintf("%s %lld is above what the kernel takes (%u)", rates[i],
                               (long long)d->keys[0].integer, UINT32_MAX);
            return -EINVAL;
        }
        if (i == 0) {
            cfg->min_rate = (uint32_t)d->keys[0].integer;
            cfg->has_min_rate = true;
        } else {
            cfg->max_rate = (uint32_t)d->keys[0].integer;
            cfg->has_max_rate = true;
        }
        cfg->set |= VF_SET_RATE;
    }
    return vf_config_check(cfg, cfg->set & VF_SET_VLAN, error);
}

/* A setting in ip link's words: "vlan 10 qos 3 proto 802.1ad". */
static char *setting_words(const struct vf_config *cfg, unsigned setting)
{
    switch (setting) {
    case VF_SET_MAC: {
        const uint8_t *m = cfg->mac;
        return xasprintf("mac %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                         m[5]);
    }
    case VF_SET_VLAN:
        return xasprintf("vlan %u%s%.0u%s%s", cfg->vlan, cfg->qos ? " qos " : "", cfg->qos,
                         cfg->vlan_proto == ETH_P_8021AD ? " proto " : "",
                         cfg->vlan_proto == ETH_P_8021AD ? "802.1ad" : "");
    case VF_SET_SPOOFCHK: return xasprintf("spoofchk %s", cfg->spoofchk ? "on" : "off");
    case VF_SET_TRUST: return xasprintf("trust %s", cfg->trust ? "on" : "off");
    case VF_SET_LINK_STATE: return xasprintf("state %s", vf_link_state_name(cfg->link_state));
    case VF_SET_RATE:
        return xasprintf("min_tx_rate %u max_tx_rate %u", cfg->min_rate, cfg->max_rate);
    }
    return xasprintf("?");
}

/* Sends what differs; returns the errors ("; " between), NULL when none. */
static char *send_settings(const char *pf, const struct vf_link *link, struct vf_config *cfg)
{
    const struct vf_state *have = link->has_num_vf ? vf_link_find(link, cfg->vf) : NULL;
    if (link->has_num_vf && cfg->vf >= link->num_vf)
        return link->num_vf
               ? xasprintf("%s has %u VFs (0-%u): no VF %u", pf, link->num_vf,
                           link->num_vf - 1, cfg->vf)
               : xasprintf("%s has no VFs: set their number first (pontoon sriov/set %s "
                           "num_vfs=N)", pf, pf);
    /* One rate given: the other stays as the kernel has it, as ip link does. */
    if ((cfg->set & VF_SET_RATE) && !cfg->has_min_rate)
        cfg->min_rate = have && have->has_rate ? have->min_tx_rate : 0;
    if ((cfg->set & VF_SET_RATE) && !cfg->has_max_rate)
        cfg->max_rate = have && have->has_rate ? have->max_tx_rate : 0;
    unsigned diff = vf_config_diff(cfg, have);
    struct strbuf errors = STRBUF_INIT;
    /* One request per setting: a driver that refuses one still gets the
     * others, and the error names the one it refused. */
    for (unsigned bit = 1; bit & VF_SET_ALL; bit <<= 1) {
        if (!(diff & bit))
            continue;
        int rc = vf_link_set(link->ifindex, cfg, bit);
        char *words = setting_words(cfg, bit);
        if (rc)
            strbuf_printf(&errors, "%s%s: %s", errors.len ? "; " : "", words ? words : "?",
                          strerror(-rc));
        else if (have && ((bit == VF_SET_SPOOFCHK && have->spoofchk < 0)
                          || (bit == VF_SET_TRUST && have->trust < 0)))
            /* The driver does not report it: sent on every run, so only at dbg. */
            log_dbg("sriov %s vf %u: %s", pf, cfg->vf, words ? words : "?");
        else
            log_info("sriov %s vf %u: %s", pf, cfg->vf, words ? words : "?");
        free(words);
    }
    if (errors.len && !link->has_num_vf)
        strbuf_printf(&errors, " (the kernel reports no VFs on %s: not an SR-IOV PF)", pf);
    return errors.len ? strbuf_steal(&errors) : NULL;
}

/* The PF's VFs as the kernel reports them, asked once per run. */
static const struct vf_link *pf_link(struct kept_pf *k, int *rc)
{
    if (!k->have_link) {
        k->link_rc = vf_link_get(k->name, &k->link);
        k->have_link = true;
    }
    *rc = k->link_rc;
    return k->link_rc ? NULL : &k->link;
}

static void forget_link(struct kept_pf *k)
{
    if (k->have_link && !k->link_rc)
        vf_link_free(&k->link);
    k->have_link = false;
}

static void apply_vf(struct sriov_policy *sp, struct db *db, const struct db_row *row,
                     struct kept_pf *k)
{
    const char *pf = db_row_get_string(row, "pf");
    struct vf_config cfg;
    char *error = NULL;
    char pci[PCI_ADDR_LEN] = "";
    if (sriov_vf_config_from_row(row, &cfg, &error) == 0) {
        sriov_vf_address(sp->root, pf, cfg.vf, pci);
        int rc = 0;
        const struct vf_link *link = cfg.set ? pf_link(k, &rc) : NULL;
        if (rc == -ENODEV)
            error = xasprintf("no network device named %s", pf);
        else if (rc)
            error = xasprintf("cannot read the VFs of %s: %s", pf, strerror(-rc));
        else if (link)
            error = send_settings(pf, link, &cfg);
    }
    char *what = xasprintf("%s vf %u", pf, cfg.vf);
    note_error(sp, what ? what : pf, error);
    free(what);
    write_vf_status(db, row, error, pci);
    free(error);
}

/* ---- the run ---- */

void sriov_policy_run(struct sriov_policy *sp, struct db *db)
{
    const struct table_def *nics = schema_find_table("NIC"), *vfs = schema_find_table("VF");
    if (!sp || !nics || !vfs)
        return;
    for (size_t i = 0; i < sp->n_pfs; i++) {
        sp->pfs[i].seen = false;
        sp->pfs[i].has_count = false;
    }
    /* Who uses which device (every port of every bridge): only asked for
     * when some NIC keeps a VF count, not at every change of a big bridge. */
    struct sriov_user *users = NULL;
    size_t n_users = 0;
    bool users_known = false;
    struct db_row *row;
    DB_FOR_EACH_ROW(row, db, nics, i) {
        if (!db_row_get(row, "sriov_num_vfs")->n) {
            /* No count kept (any more): no sriov_* status either. */
            if (db_row_get_map_string(row, "status", "sriov_applied"))
                write_nic_status(db, row, NULL, NULL, -1, -1);
            continue;
        }
        struct kept_pf *k = keep(sp, db_row_get_string(row, "name"));
        if (!k)
            continue;
        if (!users_known) {
            n_users = sriov_users_from_db(db, &users);
            users_known = true;
        }
        k->seen = k->has_count = true;
        k->ifindex = live_ifindex(k->name);
        k->carrier = live_carrier(k->name);
        apply_count(sp, db, row, k, users, n_users);
    }
    /* Settings after counts: VFs made just now get theirs in this run. */
    DB_FOR_EACH_ROW(row, db, vfs, i) {
        struct kept_pf *k = keep(sp, db_row_get_string(row, "pf"));
        if (!k)
            continue;
        if (!k->seen) {
            k->ifindex = live_ifindex(k->name);
            k->carrier = live_carrier(k->name);
        }
        k->seen = true;
        apply_vf(sp, db, row, k);
    }
    sriov_users_free(users, n_users);
    for (size_t i = 0; i < sp->n_pfs;) {
        forget_link(&sp->pfs[i]);
        if (sp->pfs[i].seen)
            i++;
        else
            sp->pfs[i] = sp->pfs[--sp->n_pfs];
    }
    error_log_clear(&sp->logged);
    sp->logged = sp->logging;
    sp->logging = (struct error_log){ NULL, 0 };
}

bool sriov_policy_link_event(struct sriov_policy *sp, const char *name, int ifindex,
                             bool exists, bool carrier)
{
    struct kept_pf *k = sp ? find_kept(sp, name) : NULL;
    if (!k)
        return false;
    bool changed = exists ? ifindex != k->ifindex || (carrier && !k->carrier)
                          : k->ifindex != 0;
    /* Remember the carrier going down, so that its return is seen. */
    k->carrier = exists && carrier;
    return changed;
}

bool sriov_policy_watching(const struct sriov_policy *sp)
{
    return sp && sp->n_pfs;
}

bool sriov_policy_check(struct sriov_policy *sp)
{
    for (size_t i = 0; sp && i < sp->n_pfs; i++) {
        const struct kept_pf *k = &sp->pfs[i];
        if (live_ifindex(k->name) != k->ifindex
            || (k->has_count && k->address[0]
                && sriov_numvfs_read(sp->root, k->address) != k->numvfs_seen))
            return true;
    }
    return false;
}
