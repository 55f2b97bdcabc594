/* NIC policies kept applied by the daemon: see nic_policy.h. */
#include "control/nic_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "host/ethtool_channels.h"
#include "host/irq_balance.h"
#include "host/nic_apply.h"
#include "host/nic_files.h"
#include "host/nic_inventory.h"
#include "host/nic_plan.h"
#include "util/log.h"
#include "util/strbuf.h"

/* A device the daemon applied a row to. */
struct kept_nic {
    char name[16];
    int ifindex;                  /* when last applied; 0: absent */
    unsigned n_rxq, n_txq;        /* when last applied */
    bool steered;                 /* a policy other than off is applied: restore
                                     the defaults when it goes */
    bool seen;                    /* has a row in this run */
};

struct nic_policy {
    struct kept_nic *nics;
    size_t n_nics;
};

struct nic_policy *nic_policy_create(void)
{
    return calloc(1, sizeof(struct nic_policy));
}

void nic_policy_destroy(struct nic_policy *np)
{
    if (!np)
        return;
    free(np->nics);
    free(np);
}

static struct kept_nic *find_kept(struct nic_policy *np, const char *name)
{
    for (size_t i = 0; i < np->n_nics; i++)
        if (!strcmp(np->nics[i].name, name))
            return &np->nics[i];
    return NULL;
}

static struct kept_nic *add_kept(struct nic_policy *np, const char *name)
{
    struct kept_nic *grown = realloc(np->nics, (np->n_nics + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    np->nics = grown;
    struct kept_nic *k = &np->nics[np->n_nics++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    return k;
}

static int read_ifindex(const char *name)
{
    char *text = nic_read_file(NULL, "/sys/class/net/%s/ifindex", name);
    int ifindex = text ? atoi(text) : 0;
    free(text);
    return ifindex;
}

/* NIC.status as it is built: keys added in any order, sorted when written. */
#define STATUS_MAX_KEYS 16

struct status_map {
    const char *keys[STATUS_MAX_KEYS];
    char *values[STATUS_MAX_KEYS];
    size_t n;
};

static void status_put(struct status_map *s, const char *key, char *value)
{
    if (s->n < STATUS_MAX_KEYS && value) {
        s->keys[s->n] = key;
        s->values[s->n++] = value;
    } else {
        free(value);
    }
}

static void status_write(struct db *db, const struct db_row *row, struct status_map *s)
{
    /* sriov_policy.c writes its sriov_* keys into the same map: they stay. */
    const struct datum *now = db_row_get(row, "status");
    for (size_t i = 0; now && i < now->n; i++)
        if (!strncmp(now->keys[i].string, "sriov_", 6))
            status_put(s, now->keys[i].string, strdup(now->values[i].string));
    /* A map datum keeps its keys sorted. */
    for (size_t i = 1; i < s->n; i++)
        for (size_t j = i; j > 0 && strcmp(s->keys[j - 1], s->keys[j]) > 0; j--) {
            const char *key = s->keys[j];
            char *value = s->values[j];
            s->keys[j] = s->keys[j - 1];
            s->values[j] = s->values[j - 1];
            s->keys[j - 1] = key;
            s->values[j - 1] = value;
        }
    const struct column_def *col = NULL;
    char *error = NULL;
    if (schema_find_column(row->table, "status", &col, &error) == 0) {
        struct datum d = { s->n, calloc(s->n ? s->n : 1, sizeof(union atom)),
                           calloc(s->n ? s->n : 1, sizeof(union atom)) };
        for (size_t i = 0; i < s->n && d.keys && d.values; i++) {
            d.keys[i].string = strdup(s->keys[i]);
            d.values[i].string = s->values[i];
            s->values[i] = NULL;
        }
        if (d.keys && d.values)
            db_report_ephemeral(db, row, col, &d);
        else
            datum_destroy(&d, col);
    }
    free(error);
    for (size_t i = 0; i < s->n; i++)
        free(s->values[i]);
}

/* Plans and writes `steering` for one device.  Returns 0, or -1 with a heap
 * *error; fills the counts for the status. */
static int steer(const char *name, const struct nic_steering *steering,
                 const struct cpu_bitmap *pmd, struct status_map *status, char **error)
{
    struct nic_inventory inv;
    struct nic_plan plan = { 0 };
    const char *names[1] = { name };
    int rc = 0;
    if (nic_inventory_read(NULL, names, 1, &inv, error)
        || nic_plan_build(&inv.nics[0], &inv.host, pmd, steering, &plan, error)) {
        rc = -1;
        goto out;
    }
    size_t written = 0;
    char *failures = NULL;
    if (nic_plan_apply(NULL, &plan, &written, &failures)) {
        *error = xasprintf("%s: %s", name, failures);
        rc = -1;
    }
    free(failures);
    char *mode = nic_steering_format(steering);
    if (written)
        log_info("nic %s: steering %s: %zu of %zu settings written", name, mode ? mode : "?",
                 written, plan.n);
    free(mode);
    const struct nic_info *nic = &inv.nics[0];
    status_put(status, "irqs", xasprintf("%zu", nic->n_irqs));
    long pid = steering->mode != NIC_STEER_OFF && nic->n_irqs ? irqbalance_find(NULL) : 0;
    if (pid) {
        log_warn("nic %s: irqbalance (pid %ld) is running and will undo the interrupt "
                 "steering (see nic/steer --help)", name, pid);
        status_put(status, "irqbalance", xasprintf("running (pid %ld)", pid));
    }
out:
    nic_plan_free(&plan);
    nic_inventory_free(&inv);
    return rc;
}

static int set_channels(const char *name, int64_t combined, struct status_map *status,
                        char **error)
{
    struct nic_channels ch;
    int rc = ethtool_get_channels(name, &ch);
    if (rc == 0 && ch.combined == (uint64_t)combined) {
        status_put(status, "channels", xasprintf("%u", ch.combined));
        return 0;
    }
    rc = ethtool_set_combined(name, (uint32_t)combined);
    if (rc) {
        *error = xasprintf("cannot set %lld combined channels: %s", (long long)combined,
                           strerror(-rc));
        return -1;
    }
    log_info("nic %s: %lld combined channels", name, (long long)combined);
    status_put(status, "channels", xasprintf("%lld", (long long)combined));
    return 0;
}

static void apply_row(struct nic_policy *np, struct db *db, const struct db_row *row,
                      const struct cpu_bitmap *pmd)
{
    const char *name = db_row_get_string(row, "name");
    struct kept_nic *kept = find_kept(np, name);
    /* A row with only sriov_num_vfs is sriov_policy.c's (unless it held a
     * steering policy before: then the defaults come back once, below). */
    if (!db_row_get(row, "steering")->n && !db_row_get(row, "channels")->n
        && !(kept && kept->steered))
        return;
    if (!kept && !(kept = add_kept(np, name)))
        return;
    kept->seen = true;
    struct status_map status = { .n = 0 };
    struct strbuf errors = STRBUF_INIT;
    kept->ifindex = read_ifindex(name);
    if (!nic_device_exists(NULL, name) || !kept->ifindex) {
        kept->ifindex = 0;
        strbuf_printf(&errors, "no network device named %s", name);
        goto done;
    }
    char *error = NULL;
    const struct datum *channels = db_row_get(row, "channels");
    if (channels->n && set_channels(name, channels->keys[0].integer, &status, &error)) {
        strbuf_printf(&errors, "%s", error);
        free(error);
        error = NULL;
    }
    const struct datum *steering_text = db_row_get(row, "steering");
    struct nic_steering steering = { .mode = NIC_STEER_OFF };
    bool restore = false;
    if (steering_text->n) {
        if (nic_steering_parse(steering_text->keys[0].string, &steering, &error)) {
            strbuf_printf(&errors, "%s%s", errors.len ? "; " : "", error);
            free(error);
            goto done;
        }
        status_put(&status, "steering", nic_steering_format(&steering));
    } else if (!kept->steered) {
        goto done;   /* channels only */
    } else {
        restore = true;   /* the policy was cleared: the defaults, once */
    }
    if (steer(name, &steering, pmd, &status, &error)) {
        strbuf_printf(&errors, "%s%s", errors.len ? "; " : "", error);
        free(error);
    }
    kept->steered = steering.mode != NIC_STEER_OFF && !restore;
done:
    /* As the device is now (a channel count changes its queues). */
    kept->n_rxq = nic_count_queues(NULL, name, true);
    kept->n_txq = nic_count_queues(NULL, name, false);
    status_put(&status, "applied", strdup(errors.len ? "false" : "true"));
    status_put(&status, "rx_queues", xasprintf("%u", kept->n_rxq));
    status_put(&status, "tx_queues", xasprintf("%u", kept->n_txq));
    if (errors.len) {
        log_warn("nic %s: %s", name, strbuf_cstr(&errors));
        status_put(&status, "error", strbuf_steal(&errors));
    }
    strbuf_free(&errors);
    status_write(db, row, &status);
}

void nic_policy_run(struct nic_policy *np, struct db *db)
{
    const struct table_def *table = schema_find_table("NIC");
    if (!np || !table)
        return;
    struct cpu_bitmap pmd;
    cpu_bitmap_clear(&pmd);
    const struct db_row *root = db_root_row(db);
    const char *mask = root ? db_row_get_map_string(root, "other_config", "pmd-cpu-mask") : NULL;
    if (mask && cpu_mask_parse(mask, &pmd))
        cpu_bitmap_clear(&pmd);   /* pmd_config.c warns about a bad mask */

    for (size_t i = 0; i < np->n_nics; i++)
        np->nics[i].seen = false;
    struct db_row *row;
    DB_FOR_EACH_ROW(row, db, table, i)
        apply_row(np, db, row, &pmd);

    /* Rows that went away: the device goes back to the kernel's defaults. */
    for (size_t i = 0; i < np->n_nics;) {
        struct kept_nic *kept = &np->nics[i];
        if (kept->seen) {
            i++;
            continue;
        }
        if (kept->steered && nic_device_exists(NULL, kept->name)) {
            struct nic_steering off = { .mode = NIC_STEER_OFF };
            struct status_map ignored = { .n = 0 };
            char *error = NULL;
            if (steer(kept->name, &off, NULL, &ignored, &error)) {
                log_warn("nic %s: cannot restore the defaults: %s", kept->name, error);
                free(error);
            } else {
                log_info("nic %s: policy removed, kernel defaults restored", kept->name);
            }
            for (size_t k = 0; k < ignored.n; k++)
                free(ignored.values[k]);
        }
        np->nics[i] = np->nics[--np->n_nics];
    }
}

bool nic_policy_link_event(struct nic_policy *np, const char *name, int ifindex, bool exists)
{
    struct kept_nic *kept = np ? find_kept(np, name) : NULL;
    if (!kept)
        return false;
    return exists ? ifindex != kept->ifindex : kept->ifindex != 0;
}

bool nic_policy_watching(const struct nic_policy *np)
{
    return np && np->n_nics;
}

bool nic_policy_check(struct nic_policy *np)
{
    for (size_t i = 0; np && i < np->n_nics; i++) {
        const struct kept_nic *kept = &np->nics[i];
        if (read_ifindex(kept->name) != kept->ifindex
            || nic_count_queues(NULL, kept->name, true) != kept->n_rxq
            || nic_count_queues(NULL, kept->name, false) != kept->n_txq)
            return true;
    }
    return false;
}
