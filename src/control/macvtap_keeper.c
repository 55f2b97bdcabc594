/* The Macvtap table kept applied: see macvtap_keeper.h.  What to do with
 * each device is host/macvtap.c's macvtap_plan(); this file reads the rows
 * and the kernel's devices, acts, and reports. */
#include "control/macvtap_keeper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "host/macvtap.h"
#include "host/macvtap_dev.h"
#include "host/macvtap_link.h"
#include "util/log.h"
#include "util/strbuf.h"

#define SYS_DIR "/sys"
#define DEV_DIR "/dev"

/* A /dev/tapN node this daemon made (no devtmpfs or udev did), to remove
 * with its device. */
struct made_node {
    int ifindex;
    unsigned major, minor;
};

struct macvtap_keeper {
    struct db *db;
    char **watched;               /* rows' names and lower devices, from the last run */
    size_t n_watched;
    struct made_node *nodes;
    size_t n_nodes;
    /* Whether the next run with no rows still has devices to look for: set
     * until the first dump (devices made before a restart), while rows
     * exist (their devices must go when the rows do), and while a device
     * of ours could not be deleted.  Without rows or devices the run skips
     * the dump of every link. */
    bool may_have_devices;
    char last_alias[MACVTAP_ALIAS_SIZE];   /* the alias that was looked for */
};

/* Every device of the namespace, from one dump. */
struct link_list {
    struct macvtap_link *links;
    size_t n, cap;
};

static int collect(const struct macvtap_link *link, void *aux)
{
    struct link_list *list = aux;
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        struct macvtap_link *grown = realloc(list->links, cap * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        list->links = grown;
        list->cap = cap;
    }
    list->links[list->n++] = *link;
    return 0;
}

static const struct macvtap_link *find_link(const struct link_list *list, const char *name)
{
    for (size_t i = 0; i < list->n; i++)
        if (!strcmp(list->links[i].name, name))
            return &list->links[i];
    return NULL;
}

int macvtap_keeper_create(struct db *db, struct macvtap_keeper **out)
{
    struct macvtap_keeper *k = calloc(1, sizeof *k);
    if (!k)
        return -ENOMEM;
    k->db = db;
    k->may_have_devices = true;
    *out = k;
    return 0;
}

static void clear_watched(struct macvtap_keeper *k)
{
    for (size_t i = 0; i < k->n_watched; i++)
        free(k->watched[i]);
    free(k->watched);
    k->watched = NULL;
    k->n_watched = 0;
}

void macvtap_keeper_destroy(struct macvtap_keeper *k)
{
    if (!k)
        return;
    clear_watched(k);
    free(k->nodes);
    free(k);
}

bool macvtap_keeper_watches(const struct macvtap_keeper *k, const char *name)
{
    for (size_t i = 0; k && i < k->n_watched; i++)
        if (!strcmp(k->watched[i], name))
            return true;
    return false;
}

static void watch(struct macvtap_keeper *k, const char *name)
{
    char **grown = realloc(k->watched, (k->n_watched + 1) * sizeof *grown);
    char *copy = strdup(name);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            k->watched = grown;
        return;
    }
    k->watched = grown;
    k->watched[k->n_watched++] = copy;
}

static void remember_node(struct macvtap_keeper *k, int ifindex, unsigned major, unsigned minor)
{
    for (size_t i = 0; i < k->n_nodes; i++)
        if (k->nodes[i].ifindex == ifindex) {
            k->nodes[i] = (struct made_node){ ifindex, major, minor };
            return;
        }
    struct made_node *grown = realloc(k->nodes, (k->n_nodes + 1) * sizeof *grown);
    if (!grown)
        return;
    k->nodes = grown;
    k->nodes[k->n_nodes++] = (struct made_node){ ifindex, major, minor };
}

/* Removes the node made for a device being deleted (devtmpfs removes its own). */
static void forget_node(struct macvtap_keeper *k, int ifindex)
{
    for (size_t i = 0; i < k->n_nodes; i++)
        if (k->nodes[i].ifindex == ifindex) {
            macvtap_dev_remove(DEV_DIR, ifindex, k->nodes[i].major, k->nodes[i].minor);
            k->nodes[i] = k->nodes[--k->n_nodes];
            return;
        }
}

/* What one row asks for; NULL error when it is well-formed. */
static char *row_spec(const struct db_row *row, const char *alias, const struct link_list *links,
                      struct macvtap_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    const char *name = db_row_get_string(row, "name");
    const char *lower = db_row_get_string(row, "lower");
    const char *kind = db_row_get_map_string(row, "external_ids", "pontoon-kind");
    spec->kind = kind && !strcmp(kind, "macvlan") ? "macvlan" : "macvtap";
    if (!macvtap_name_is_valid(name))
        return xasprintf("\"%s\" is not a valid device name", name);
    snprintf(spec->name, sizeof spec->name, "%s", name);
    snprintf(spec->alias, sizeof spec->alias, "%s", alias);
    if (macvtap_mode_from_name(db_row_get_string(row, "mode"), &spec->mode))
        return xasprintf("unknown mode \"%s\"", db_row_get_string(row, "mode"));
    const char *mac = db_row_get_string(row, "mac");
    if (*mac) {
        if (macvtap_parse_mac(mac, spec->mac))
            return xasprintf("\"%s\" is not a unicast MAC address", mac);
        spec->has_mac = true;
    }
    const struct macvtap_link *lower_link = find_link(links, lower);
    if (!lower_link)
        return xasprintf("no lower device %s (waiting for it)", lower);
    spec->lower_ifindex = lower_link->ifindex;
    return NULL;
}

/* Makes the device as `spec` says; returns NULL or the error for status. */
static char *apply(struct macvtap_keeper *k, const struct macvtap_spec *spec,
                   const struct macvtap_link *have, struct macvtap_link *now)
{
    enum macvtap_action action = macvtap_plan(spec, have);
    int rc = 0;
    switch (action) {
    case MACVTAP_KEEP:
        *now = *have;
        return NULL;
    case MACVTAP_FOREIGN:
        return xasprintf("a device named %s exists that pontoond did not make", spec->name);
    case MACVTAP_SET_UP:
        rc = macvtap_link_set_up(have->ifindex, NULL);
        break;
    case MACVTAP_RECREATE:
        log_info("%s %s: not as configured; deleting it to make it again", spec->kind,
                 spec->name);
        forget_node(k, have->ifindex);
        rc = macvtap_link_delete(have->ifindex);
        /* fall through */
    case MACVTAP_CREATE:
        if (rc == 0 || rc == -ENODEV)
            rc = macvtap_link_create(spec);
        if (rc == 0) {
            struct macvtap_link made;
            rc = macvtap_link_get(spec->name, &made);
            if (rc == 0)
                rc = macvtap_link_set_up(made.ifindex, spec->alias);
        }
        break;
    }
    if (rc < 0)
        return xasprintf("cannot %s %s %s: %s", macvtap_action_name(action), spec->kind,
                         spec->name, strerror(-rc));
    rc = macvtap_link_get(spec->name, now);
    if (rc < 0)
        return xasprintf("%s %s vanished: %s", spec->kind, spec->name, strerror(-rc));
    if (action != MACVTAP_SET_UP) {
        char mac[18];
        macvtap_format_mac(now->mac, mac);
        log_info("%s %s: made (lower ifindex %d, mode %s, MAC %s, ifindex %d)", spec->kind,
                 spec->name, spec->lower_ifindex, macvtap_mode_name(spec->mode), mac,
                 now->ifindex);
    }
    return NULL;
}

/* /dev/tapN for a macvtap, made when nothing else made it. */
static char *tap_device(struct macvtap_keeper *k, const struct macvtap_link *link, char *path,
                        size_t size)
{
    unsigned major, minor;
    int rc = macvtap_dev_number(SYS_DIR, link->name, link->ifindex, &major, &minor);
    bool made = false;
    if (rc == 0)
        rc = macvtap_dev_ensure(DEV_DIR, link->ifindex, major, minor, path, size, &made);
    if (rc < 0)
        return xasprintf("cannot make the character device of %s: %s", link->name,
                         strerror(-rc));
    if (made) {
        remember_node(k, link->ifindex, major, minor);
        log_info("macvtap %s: made %s (%u:%u)", link->name, path, major, minor);
    }
    return NULL;
}

static void status_put(struct datum *status, const struct column_def *col, const char *key,
                       const char *value)
{
    union atom k = { .string = (char *)key }, v = { .string = (char *)value };
    datum_map_set(status, col, &k, &v);
}

static void keep_row(struct macvtap_keeper *k, const struct db_row *row, const char *alias,
                     const struct link_list *links, const struct column_def *status_col)
{
    struct macvtap_spec spec;
    struct macvtap_link now;
    char path[64] = "";
    char *error = row_spec(row, alias, links, &spec);
    if (!error)
        error = apply(k, &spec, find_link(links, spec.name), &now);
    if (!error && !strcmp(spec.kind, "macvtap"))
        error = tap_device(k, &now, path, sizeof path);

    struct datum status = DATUM_EMPTY;
    if (error) {
        status_put(&status, status_col, "error", error);
        const char *previous = db_row_get_map_string(row, "status", "error");
        if (!previous || strcmp(previous, error))
            log_warn("%s %s: %s", spec.kind ? spec.kind : "macvtap",
                     db_row_get_string(row, "name"), error);
        free(error);
    } else {
        char mac[18], ifindex[16];
        macvtap_format_mac(now.mac, mac);
        snprintf(ifindex, sizeof ifindex, "%d", now.ifindex);
        status_put(&status, status_col, "ifindex", ifindex);
        status_put(&status, status_col, "mac", mac);
        if (*path)
            status_put(&status, status_col, "device", path);
    }
    db_report_ephemeral(k->db, row, status_col, &status);
}

static bool has_row(struct db *db, const struct table_def *table, const char *name)
{
    struct db_row *row;
    DB_FOR_EACH_ROW(row, db, table, i)
        if (!strcmp(db_row_get_string(row, "name"), name))
            return true;
    return false;
}

void macvtap_keeper_run(struct macvtap_keeper *k)
{
    const struct table_def *table = schema_find_table("Macvtap");
    const struct db_row *root = db_root_row(k->db);
    const struct column_def *status_col;
    char *error = NULL;
    if (!table || !root || schema_find_column(table, "status", &status_col, &error)) {
        free(error);
        return;
    }
    char alias[MACVTAP_ALIAS_SIZE];
    macvtap_make_alias(alias, root->uuid);
    size_t n_rows = db_count_rows(k->db, table);
    if (!n_rows && !k->may_have_devices && !strcmp(alias, k->last_alias)) {
        /* Nothing to keep, none of ours to delete: as the dump would find. */
        clear_watched(k);
        return;
    }
    struct link_list links = { 0 };
    int rc = macvtap_link_for_each(collect, &links);
    if (rc < 0) {
        log_err("macvtap: cannot list the network devices: %s", strerror(-rc));
        free(links.links);
        return;
    }

    clear_watched(k);
    struct db_row *row;
    DB_FOR_EACH_ROW(row, k->db, table, i) {
        watch(k, db_row_get_string(row, "name"));
        watch(k, db_row_get_string(row, "lower"));
        keep_row(k, row, alias, &links, status_col);
    }
    /* Devices made for this database whose rows are gone (also while
     * pontoond was not running). */
    bool left = n_rows > 0;
    for (size_t i = 0; i < links.n; i++) {
        const struct macvtap_link *link = &links.links[i];
        if (strcmp(link->alias, alias) || has_row(k->db, table, link->name))
            continue;
        forget_node(k, link->ifindex);
        rc = macvtap_link_delete(link->ifindex);
        if (rc < 0 && rc != -ENODEV) {
            left = true;
            log_warn("%s %s: cannot delete it: %s", link->kind, link->name, strerror(-rc));
        } else {
            log_info("%s %s: deleted (no longer configured)", link->kind, link->name);
        }
    }
    free(links.links);
    k->may_have_devices = left;
    snprintf(k->last_alias, sizeof k->last_alias, "%s", alias);
}
