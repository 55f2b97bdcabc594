/* Interface columns the daemon writes: see iface_columns.h. */
#include "control/iface_columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "netdev/netdev.h"
#include "netdev/netdev_tunnel.h"
#include "netdev/netdev_vhostuser.h"
#include "util/hash.h"
#include "util/log.h"

enum {
    COL_ADMIN_STATE, COL_DUPLEX, COL_ERROR, COL_IFINDEX, COL_LINK_RESETS, COL_LINK_SPEED,
    COL_LINK_STATE, COL_MAC_IN_USE, COL_MTU, COL_OFPORT, COL_STATUS, N_COLS
};
static const char *const column_names[N_COLS] = {
    "admin_state", "duplex", "error", "ifindex", "link_resets", "link_speed", "link_state",
    "mac_in_use", "mtu", "ofport", "status",
};

/* A string-to-string map from keys already in sorted order (as a datum keeps them). */
static void set_string_map(struct datum *d, const char *const *keys, const char *const *values,
                           size_t n)
{
    d->n = n;
    d->keys = calloc(n, sizeof *d->keys);
    d->values = calloc(n, sizeof *d->values);
    for (size_t i = 0; i < n; i++) {
        d->keys[i].string = strdup(keys[i]);
        d->values[i].string = strdup(values[i]);
    }
}

/* Interface.status: for vhost-user ports, whether a guest is attached and
 * how many queues it uses (shown by `show`); empty otherwise. */
static void vhost_status(const struct netdev_vhostuser_status *vhost, struct datum *status)
{
    unsigned ready = 0;
    for (unsigned q = 0; q < vhost->n_queues; q++)
        ready += vhost->queues[q].ready;
    char queues[16];
    snprintf(queues, sizeof queues, "%u", ready);
    const char *keys[2] = { "vhost-queues-ready", "vhost-state" };
    const char *values[2] = { queues, vhost->connected ? "connected" : "waiting" };
    set_string_map(status, keys, values, 2);
}

/* Asks the kernel about the device, only when it is new, reopened or named
 * in a link event since (see running_iface). */
static void refresh_link(struct running_iface *iface)
{
    if (iface->link_known)
        return;
    iface->link_queries++;
    iface->link_rc = netdev_get_link(iface->name, &iface->link);
    iface->ethtool_rc = iface->link_rc < 0 ? iface->link_rc
                                           : netdev_get_ethtool(iface->name, &iface->ethtool);
    iface->link_known = true;
}

/* The kernel's view of a device of ours: none when it is missing or lives in
 * another namespace now (a tap handed to a guest's). */
static void device_columns(struct running_iface *iface, struct datum out[N_COLS])
{
    refresh_link(iface);
    if (iface->link_rc < 0)
        return;
    struct netdev_link link = iface->link;
    /* link_resets: carrier changes since we opened it (the kernel counts
     * them from the device's creation). */
    if (!iface->carrier_changes_known) {
        iface->carrier_changes_known = true;
        iface->carrier_changes_at_open = link.carrier_changes;
    }
    datum_init_integer(&out[COL_LINK_RESETS], link.carrier_changes - iface->carrier_changes_at_open);
    datum_init_string(&out[COL_ADMIN_STATE], link.up ? "up" : "down");
    datum_init_string(&out[COL_LINK_STATE], link.carrier ? "up" : "down");
    datum_init_integer(&out[COL_IFINDEX], link.ifindex);
    if (link.mtu)
        datum_init_integer(&out[COL_MTU], link.mtu);
    if (link.has_mac) {
        char mac[18];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", link.mac[0], link.mac[1],
                 link.mac[2], link.mac[3], link.mac[4], link.mac[5]);
        datum_init_string(&out[COL_MAC_IN_USE], mac);
    }
    if (iface->ethtool_rc < 0)
        return;
    const struct netdev_ethtool eth = iface->ethtool;
    if (eth.speed_mbps)
        datum_init_integer(&out[COL_LINK_SPEED], (int64_t)eth.speed_mbps * 1000000);
    if (eth.duplex >= 0)
        datum_init_string(&out[COL_DUPLEX], eth.duplex ? "full" : "half");
    /* As OVS's status for a kernel device. */
    const char *keys[3] = { "driver_name", "driver_version", "firmware_version" };
    const char *values[3] = { eth.driver, eth.version, eth.fw_version };
    set_string_map(&out[COL_STATUS], keys, values, 3);
}

static void build_columns(struct running_iface *iface, struct datum out[N_COLS])
{
    for (int c = 0; c < N_COLS; c++)
        datum_init_empty(&out[c]);
    if (iface->error)
        datum_init_string(&out[COL_ERROR], iface->error);
    datum_init_integer(&out[COL_OFPORT], iface->ofport);
    struct netdev_vhostuser_status vhost;
    if (iface->netdev && netdev_vhostuser_get_status(iface->netdev, &vhost) == 0) {
        vhost_status(&vhost, &out[COL_STATUS]);
        /* No kernel device: the link is the guest (as OVS's vhost ports). */
        datum_init_string(&out[COL_ADMIN_STATE], "up");
        datum_init_string(&out[COL_LINK_STATE], vhost.connected ? "up" : "down");
    } else if (!strcmp(iface->type, "patch")) {
        if (!iface->error) {
            datum_init_string(&out[COL_ADMIN_STATE], "up");
            datum_init_string(&out[COL_LINK_STATE], "up");
        }
    } else if (netdev_tunnel_config(iface->netdev)) {
        /* No kernel device: up while it runs; mtu is what fits inside. */
        datum_init_string(&out[COL_ADMIN_STATE], "up");
        datum_init_string(&out[COL_LINK_STATE], "up");
        unsigned mtu = netdev_tunnel_last_inner_mtu(iface->netdev);   /* probed by column_inputs */
        if (mtu)
            datum_init_integer(&out[COL_MTU], mtu);
    } else if (iface->netdev) {
        device_columns(iface, out);
    }
}

#define HASH_VALUE(hash, v) hash_fnv1a_bytes(hash, &(v), sizeof(v))

/* A hash of everything build_columns reads (the row's uuid too: a new row
 * for the same interface is written afresh). */
static uint64_t column_inputs(struct running_iface *iface)
{
    uint64_t h = HASH_FNV_BASIS;
    h = hash_fnv1a_bytes(h, iface->uuid, strlen(iface->uuid));
    h = hash_fnv1a_bytes(h, iface->type, strlen(iface->type) + 1);
    if (iface->error)
        h = hash_fnv1a_bytes(h, iface->error, strlen(iface->error) + 1);
    h = HASH_VALUE(h, iface->ofport);
    const void *netdev = iface->netdev;
    h = HASH_VALUE(h, netdev);
    struct netdev_vhostuser_status vhost;
    if (iface->netdev && netdev_vhostuser_get_status(iface->netdev, &vhost) == 0) {
        unsigned ready = 0;
        for (unsigned q = 0; q < vhost.n_queues; q++)
            ready += vhost.queues[q].ready;
        h = HASH_VALUE(h, vhost.connected);
        h = HASH_VALUE(h, ready);
        return h;
    }
    if (netdev_tunnel_config(iface->netdev)) {
        unsigned mtu = netdev_tunnel_inner_mtu(iface->netdev);
        return HASH_VALUE(h, mtu);
    }
    if (!iface->netdev || !strcmp(iface->type, "patch"))
        return h;
    refresh_link(iface);
    const struct netdev_link *l = &iface->link;
    h = HASH_VALUE(h, iface->link_rc);
    h = HASH_VALUE(h, iface->ethtool_rc);
    h = HASH_VALUE(h, iface->carrier_changes_known);
    h = HASH_VALUE(h, iface->carrier_changes_at_open);
    h = HASH_VALUE(h, l->ifindex);
    h = HASH_VALUE(h, l->up);
    h = HASH_VALUE(h, l->carrier);
    h = HASH_VALUE(h, l->mtu);
    h = hash_fnv1a_bytes(h, l->mac, sizeof l->mac);
    h = HASH_VALUE(h, l->has_mac);
    h = HASH_VALUE(h, l->carrier_changes);
    const struct netdev_ethtool *e = &iface->ethtool;
    h = hash_fnv1a_bytes(h, e->driver, strnlen(e->driver, sizeof e->driver));
    h = hash_fnv1a_bytes(h, e->version, strnlen(e->version, sizeof e->version));
    h = hash_fnv1a_bytes(h, e->fw_version, strnlen(e->fw_version, sizeof e->fw_version));
    h = HASH_VALUE(h, e->speed_mbps);
    return HASH_VALUE(h, e->duplex);
}

static void destroy_columns(struct datum cols[N_COLS], const struct column_def *defs[N_COLS])
{
    for (int c = 0; c < N_COLS; c++)
        datum_destroy(&cols[c], defs[c]);
}

static bool row_differs(const struct db_row *row, const struct datum cols[N_COLS],
                        const struct column_def *defs[N_COLS])
{
    for (int c = 0; c < N_COLS; c++)
        if (!datum_equals(&cols[c], db_row_get(row, column_names[c]), defs[c]))
            return true;
    return false;
}

void iface_columns_write(struct switch_state *st)
{
    const struct table_def *table = schema_find_table("Interface");
    const struct column_def *defs[N_COLS];
    for (int c = 0; c < N_COLS; c++) {
        char *err = NULL;
        if (schema_find_column(table, column_names[c], &defs[c], &err) < 0) {
            log_err("schema: %s", err);
            free(err);
            return;
        }
    }
    /* Built once: the link columns cost a netlink request each.  Only for
     * interfaces something may have moved for (columns_dirty), and of those
     * only the ones whose inputs did: a change to one port of a 1000-port
     * bridge builds one row's columns, not 1000. */
    size_t n = 0;
    struct running_iface **dirty = calloc(st->n_ifaces ? st->n_ifaces : 1, sizeof *dirty);
    for (size_t i = 0; dirty && i < st->n_ifaces; i++)
        if (st->ifaces[i]->columns_dirty)
            dirty[n++] = st->ifaces[i];
    struct datum (*cols)[N_COLS] = calloc(n ? n : 1, sizeof *cols);
    uint64_t *inputs = calloc(n ? n : 1, sizeof *inputs);
    bool *built = calloc(n ? n : 1, sizeof *built);
    if (!dirty || !cols || !inputs || !built) {
        free(dirty);
        free(cols);
        free(inputs);
        free(built);
        return;
    }
    bool differs = false, failed = false;
    for (size_t i = 0; i < n; i++) {
        struct running_iface *iface = dirty[i];
        inputs[i] = column_inputs(iface);
        if (iface->reported_valid && iface->reported_inputs == inputs[i]) {
            for (int c = 0; c < N_COLS; c++)
                datum_init_empty(&cols[i][c]);
            continue;
        }
        build_columns(iface, cols[i]);
        built[i] = true;
        const struct db_row *row = db_find_row_by_uuid(st->db, iface->uuid);
        differs = differs || (row && row_differs(row, cols[i], defs));
    }
    if (differs) {
        /* Only the cells whose values moved, in one transaction with no
         * reload and no whole-database commit checks: a change to one port
         * writes one row's cells, not a pass over every row. */
        size_t max = 0, n_cells = 0;
        for (size_t i = 0; i < n; i++)
            max += built[i] ? N_COLS : 0;
        const char **uuids = calloc(max ? max : 1, sizeof *uuids);
        const char **names = calloc(max ? max : 1, sizeof *names);
        struct datum *values = calloc(max ? max : 1, sizeof *values);
        for (size_t i = 0; uuids && names && values && i < n; i++) {
            const struct db_row *row = built[i] ? db_find_row_by_uuid(st->db,
                                                                      dirty[i]->uuid)
                                                : NULL;
            for (int c = 0; row && c < N_COLS; c++) {
                if (datum_equals(&cols[i][c], db_row_get(row, column_names[c]), defs[c]))
                    continue;
                uuids[n_cells] = dirty[i]->uuid;
                names[n_cells] = column_names[c];
                values[n_cells++] = cols[i][c];     /* copied by the write; ours to free */
            }
        }
        char *err = NULL;
        if ((!uuids || !names || !values) ||
            (n_cells && db_write_ephemeral_cells(st->db, "Interface", n_cells, uuids, names,
                                                 values, 5000, &err) < 0)) {
            log_warn("cannot write interface status: %s", err ? err : "out of memory");
            free(err);
            for (size_t i = 0; i < n; i++)
                built[i] = false;        /* not written: try again next time */
            failed = true;
        }
        free(uuids);
        free(names);
        free(values);
    }
    for (size_t i = 0; i < n; i++) {
        bool has_row = db_find_row_by_uuid(st->db, dirty[i]->uuid) != NULL;
        if (built[i] && has_row) {
            dirty[i]->reported_inputs = inputs[i];
            dirty[i]->reported_valid = true;
        }
        /* Looked at and written (or unchanged): clean until something moves.
         * A failed write, or a row not there yet, leaves it to be tried again. */
        if (!failed && has_row)
            dirty[i]->columns_dirty = false;
        destroy_columns(cols[i], defs);
    }
    free(dirty);
    free(cols);
    free(inputs);
    free(built);
}
