/* Reconcile: make the running switch match the configuration database.
 * Interfaces whose identity (bridge, name, type, peer, queues) is unchanged
 * keep their open netdev, so live changes such as a port's VLAN tag touch no
 * device and lose no traffic beyond the snapshot swap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "control/bond_columns.h"
#include "control/bond_runtime.h"
#include "control/bridge_columns.h"
#include "control/iface_columns.h"
#include "control/kernel_path.h"
#include "control/root_columns.h"
#include "control/switch_state.h"
#include "datapath/bpf_switch.h"
#include "netdev/netdev_tunnel.h"
#include "netdev/netdev_vhostuser.h"
#include "netdev/tunnel_kernel.h"
#include "util/log.h"
#include "util/strbuf.h"

#define OFPORT_MAX 65279u

int switch_state_init(struct switch_state *st, struct db *db)
{
    memset(st, 0, sizeof *st);
    st->db = db;
    iface_index_init(&st->iface_index);
    st->started_ns = pmd_now_ns();
    return kernel_path_init(st);
}

static void iface_free(struct running_iface *iface)
{
    if (iface->netdev)
        netdev_close(iface->netdev);
    free(iface->error);
    free(iface->tunnel_error);
    free(iface->stats);
    free(iface->rxq_stats);
    free(iface);
}

static void bridge_free(struct running_bridge *bridge)
{
    kernel_path_release(bridge);         /* no-op after kernel_path_remove */
    dp_fdb_destroy(bridge->fdb);
    port_set_free(&bridge->ports);
    free(bridge);
}

void switch_config_free(struct dp_config *config)
{
    if (!config)
        return;
    for (size_t b = 0; b < config->n_bridges; b++) {
        struct dp_bridge *bridge = config->bridges[b];
        for (size_t p = 0; p < bridge->n_ports; p++) {
            const char *at = (const char *)bridge->ports[p];
            free(bridge->ports[p]->members);   /* bonds only */
            if (!config->port_block || at < (const char *)config->port_block
                || at >= (const char *)config->port_block + config->port_block_size)
                free(bridge->ports[p]);
        }
        free(bridge->ports);
        free(bridge);
    }
    free(config->bridges);
    free(config->ports);
    free(config->rxqs);
    free(config->port_block);
    free(config);
}

/* Frees the snapshot the last reconcile retired, once the workers are
 * past it (normally long since: this waits only in the rarest case). */
static void free_retired(struct switch_state *st)
{
    if (!st->retired)
        return;
    if (st->dp)
        datapath_wait_acknowledged(st->dp, st->retired_generation);
    switch_config_free(st->retired);
    st->retired = NULL;
}

void switch_state_destroy(struct switch_state *st)
{
    /* The datapath must stop using the snapshot before netdevs close. */
    free_retired(st);
    if (st->dp) {
        switch_config_free(datapath_publish(st->dp, NULL));
        datapath_stop(st->dp);
        st->dp = NULL;
    }
    st->config = NULL;
    bonds_destroy_all(st);
    for (size_t i = 0; i < st->n_ifaces; i++)
        iface_free(st->ifaces[i]);
    for (size_t i = 0; i < st->n_bridges; i++)
        bridge_free(st->bridges[i]);
    free(st->ifaces);
    free(st->bridges);
    iface_index_destroy(&st->iface_index);
    if (st->kernel_epoll_fd >= 0)
        close(st->kernel_epoll_fd);
    st->kernel_epoll_fd = -1;
    st->ifaces = NULL;
    st->bridges = NULL;
    st->n_ifaces = st->n_bridges = 0;
}

struct running_bridge *switch_find_bridge(const struct switch_state *st, const char *name)
{
    for (size_t i = 0; i < st->n_bridges; i++)
        if (!strcmp(st->bridges[i]->name, name))
            return st->bridges[i];
    return NULL;
}

static struct running_iface *find_iface(const struct switch_state *st, const char *bridge,
                                        const char *name)
{
    return iface_index_find(&st->iface_index, bridge, name);
}

bool switch_tracks_device(const struct switch_state *st, const char *name)
{
    for (size_t i = 0; i < st->n_ifaces; i++)
        if (!strcmp(st->ifaces[i]->name, name) && strcmp(st->ifaces[i]->type, "patch"))
            return true;
    return false;
}

bool switch_holds_device(const struct switch_state *st, const char *name, int ifindex)
{
    for (size_t i = 0; i < st->n_ifaces; i++) {
        const struct running_iface *iface = st->ifaces[i];
        /* Only the devices the daemon makes and holds by file descriptor
         * (internal ports, taps): a system device's link going down and up
         * needs its socket and a bond member its bond looked at again, which
         * a reconcile does. */
        if (!strcmp(iface->name, name) && strcmp(iface->type, "patch"))
            return ifindex > 0 && iface->netdev && iface->netdev->ifindex == ifindex
                   && !iface->bond_port[0]
                   && (!strcmp(iface->type, "internal") || !strcmp(iface->type, "tap"));
    }
    return false;
}

void switch_link_changed(struct switch_state *st, const char *name, int ifindex)
{
    for (size_t i = 0; i < st->n_ifaces; i++) {
        struct running_iface *iface = st->ifaces[i];
        if (!name || !strcmp(iface->name, name) ||
            (ifindex > 0 && iface->netdev && iface->netdev->ifindex == ifindex)) {
            iface->link_known = false;
            iface->columns_dirty = true;
        }
    }
}

void switch_expire_fdbs(struct switch_state *st, uint64_t now_ms)
{
    for (size_t i = 0; i < st->n_bridges; i++) {
        struct dp_fdb *fdb = st->bridges[i]->fdb;
        dp_fdb_write_lock(fdb);
        fdb_expire(fdb->fdb, now_ms);
        dp_fdb_write_unlock(fdb);
    }
}

static uint32_t parse_uint_option(const char *text, uint32_t dflt, uint32_t min, uint32_t max)
{
    if (!text || !*text)
        return dflt;
    char *end;
    unsigned long value = strtoul(text, &end, 10);
    if (*end || value < min || value > max)
        return dflt;
    return (uint32_t)value;
}

struct reconcile_run {
    struct running_iface **closing;     /* replaced or removed: close after publish */
    size_t n_closing;
    struct flush_request { struct running_bridge *bridge; uint32_t ofport; } *flush;
    size_t n_flush;
    struct dp_fdb **fdbs_to_free;       /* replaced tables: free after publish */
    size_t n_fdbs_to_free;
};

static void schedule_fdb_free(struct reconcile_run *run, struct dp_fdb *fdb)
{
    struct dp_fdb **grown = realloc(run->fdbs_to_free,
                                    (run->n_fdbs_to_free + 1) * sizeof *grown);
    if (!grown)
        return;   /* leaks one table rather than freeing it under a reader */
    run->fdbs_to_free = grown;
    run->fdbs_to_free[run->n_fdbs_to_free++] = fdb;
}


static struct running_bridge *bridge_get(struct switch_state *st, struct reconcile_run *run,
                                         const struct db_row *row)
{
    const char *name = db_row_get_string(row, "name");
    uint32_t aging = parse_uint_option(db_row_get_map_string(row, "other_config",
                                                             "mac-aging-time"),
                                       FDB_DEFAULT_AGING_S, 1, 86400 * 365);
    uint32_t max = parse_uint_option(db_row_get_map_string(row, "other_config",
                                                           "mac-table-size"),
                                     FDB_DEFAULT_MAX, 1, 1u << 24);
    const char *split = db_row_get_map_string(row, "other_config", "tunnel-split-horizon");
    bool split_horizon = !split || strcmp(split, "false");
    struct running_bridge *bridge = switch_find_bridge(st, name);
    if (!bridge) {
        bridge = calloc(1, sizeof *bridge);
        struct running_bridge **grown = realloc(st->bridges,
                                                (st->n_bridges + 1) * sizeof *grown);
        if (grown)
            st->bridges = grown;
        if (!bridge || !grown || !(bridge->fdb = dp_fdb_create(max, aging))) {
            free(bridge);
            return NULL;
        }
        snprintf(bridge->name, sizeof bridge->name, "%s", name);
        bridge->fdb_max = max;
        st->bridges[st->n_bridges++] = bridge;
        log_info("bridge %s: created", name);
    } else if (bridge->fdb_max != max) {
        /* Workers read the table without locks, so it is never resized under
         * them: a new table goes into the next snapshot, the old one is freed
         * after it is published. */
        struct dp_fdb *fresh = dp_fdb_create(max, aging);
        if (fresh) {
            schedule_fdb_free(run, bridge->fdb);
            bridge->fdb = fresh;
            bridge->fdb_max = max;
        }
    } else {
        dp_fdb_write_lock(bridge->fdb);
        fdb_set_limits(bridge->fdb->fdb, max, aging);   /* same size: aging only */
        dp_fdb_write_unlock(bridge->fdb);
    }
    bridge->tunnel_split_horizon = split_horizon;
    bridge->aging_s = aging;
    const char *dp_type = db_row_get_string(row, "datapath_type");
    if (strcmp(bridge->datapath_type, dp_type ? dp_type : ""))
        bridge->kernel_tried = false;    /* a new choice: try loading again */
    snprintf(bridge->datapath_type, sizeof bridge->datapath_type, "%s", dp_type ? dp_type : "");
    bridge->seen = true;
    return bridge;
}

/* A port's VLAN settings from its Port row; on a bad combination the error
 * names the problem and the port stays out of the datapath. */
static int port_vlan_policy(const struct db_row *port, struct vlan_policy *policy,
                            const char **error)
{
    const struct datum *tag = db_row_get(port, "tag");
    const struct datum *trunks = db_row_get(port, "trunks");
    int64_t trunk_values[4096];
    size_t n = trunks->n < 4096 ? trunks->n : 4096;
    for (size_t i = 0; i < n; i++)
        trunk_values[i] = trunks->keys[i].integer;
    const struct datum *mode = db_row_get(port, "vlan_mode");
    return vlan_policy_build(policy, tag->n ? tag->keys[0].integer : -1, trunk_values, n,
                             mode->n ? mode->keys[0].string : NULL, error);
}

static bool ofport_in_use(const struct switch_state *st, const char *bridge, uint32_t ofport)
{
    for (size_t i = 0; i < st->n_ifaces; i++)
        /* Every running interface counts, seen yet or not: rows are walked
         * in uuid order, so a port kept from before may come later. */
        if (!strcmp(st->ifaces[i]->bridge, bridge) && st->ifaces[i]->ofport == ofport)
            return true;
    return false;
}

static uint32_t choose_ofport(const struct switch_state *st, const char *bridge,
                              const struct db_row *iface_row, bool is_local)
{
    if (is_local)
        return OFPORT_LOCAL;
    int64_t request = db_row_get_integer(iface_row, "ofport_request", 0);
    if (request >= 1 && request <= OFPORT_MAX && !ofport_in_use(st, bridge, (uint32_t)request))
        return (uint32_t)request;
    /* The lowest free number: one pass over the bridge's interfaces marks
     * the numbers below n + 2 in use (one of them is free), not a pass per
     * number tried. */
    size_t limit = st->n_ifaces + 2;
    bool *used = calloc(limit, sizeof *used);
    if (!used)
        return 0;
    for (size_t i = 0; i < st->n_ifaces; i++) {
        uint32_t ofport = st->ifaces[i]->ofport;
        if (ofport < limit && !strcmp(st->ifaces[i]->bridge, bridge))
            used[ofport] = true;
    }
    uint32_t chosen = 0;
    for (uint32_t ofport = 1; ofport < limit && ofport <= OFPORT_MAX && !chosen; ofport++)
        if (!used[ofport])
            chosen = ofport;
    free(used);
    return chosen;
}

static void iface_set_error(struct running_iface *iface, char *error)
{
    iface->columns_dirty = true;
    free(iface->error);
    iface->error = error;
}

static void iface_open(struct running_iface *iface)
{
    if (!strcmp(iface->type, "patch")) {
        iface_set_error(iface, iface->peer[0] ? NULL
                                              : xasprintf("%s: patch port has no peer",
                                                          iface->name));
        return;
    }
    if (!strcmp(iface->type, "dpdkvhostuserclient")) {
        if (!iface->server_path[0]) {
            iface_set_error(iface, xasprintf("%s: dpdkvhostuserclient needs "
                                             "options:vhost-server-path", iface->name));
            return;
        }
        netdev_vhostuser_set_server_path(iface->name, iface->server_path);
    }
    bool tunnel = tunnel_type_is_tunnel(iface->type);
    if (tunnel && iface->tunnel_error) {
        /* The commit path refuses these; a database written by another
         * tool may still hold them. */
        iface_set_error(iface, xasprintf("%s: %s", iface->name, iface->tunnel_error));
        log_warn("%s", iface->error);
        return;
    }
    iface->link_known = false;   /* (re)opened: ask the kernel again */
    iface->columns_dirty = true;
    int err = netdev_open_config(iface->name, iface->type, iface->n_rxq,
                                 tunnel ? &iface->tunnel : NULL, &iface->netdev);
    if (err < 0) {
        iface->netdev = NULL;
        if (tunnel && err == -EADDRINUSE)
            iface_set_error(iface, xasprintf("%s: another tunnel port has the same remote_ip "
                                             "and key, or UDP port %u is taken by another "
                                             "tunnel type or program", iface->name,
                                             iface->tunnel.dst_port));
        else
            iface_set_error(iface, xasprintf("could not open network device %s (%s)",
                                             iface->name, strerror(-err)));
        log_warn("%s", iface->error);
        return;
    }
    iface_set_error(iface, NULL);
    log_info("%s: added to bridge %s as port %u (%s)", iface->name, iface->bridge,
             iface->ofport, iface->type[0] ? iface->type : "system");
}

/* A system device that was deleted (or deleted and re-created) under an open
 * socket has a different or no ifindex now. */
static bool iface_device_changed(const struct running_iface *iface)
{
    /* Taps and internal ports hold their device by file descriptor: one moved
     * into another namespace (a guest's or a test host's) is still ours and
     * must not be re-created here. */
    if (!iface->netdev || !iface->netdev->ifindex || strcmp(iface->netdev->class->type, "system"))
        return false;
    return netdev_ifindex_by_name(iface->name) != iface->netdev->ifindex;
}

static void schedule_close(struct reconcile_run *run, struct running_iface *iface)
{
    struct running_iface **grown = realloc(run->closing, (run->n_closing + 1) * sizeof *grown);
    if (!grown)
        return;   /* leaks one iface rather than closing a netdev still in use */
    run->closing = grown;
    run->closing[run->n_closing++] = iface;
}

static void schedule_flush(struct reconcile_run *run, struct running_bridge *bridge,
                           uint32_t ofport)
{
    struct flush_request *grown = realloc(run->flush, (run->n_flush + 1) * sizeof *grown);
    if (!grown)
        return;
    run->flush = grown;
    run->flush[run->n_flush++] = (struct flush_request){ bridge, ofport };
}

/* options:tx-retries-max of a vhost-user port, changed while it runs.  As
 * in OVS, a value outside 0-32 means the default (and a warning here). */
static void configure_tx_retries(const struct running_iface *iface, const struct db_row *row)
{
    if (!iface->netdev || strncmp(iface->type, "dpdkvhostuser", strlen("dpdkvhostuser")))
        return;
    const char *text = db_row_get_map_string(row, "options", "tx-retries-max");
    uint32_t n = parse_uint_option(text, UINT32_MAX, 0, NETDEV_VHOSTUSER_TX_RETRIES_MAX);
    if (n == UINT32_MAX) {
        if (text && *text)
            log_warn("%s: options:tx-retries-max=\"%s\" is not 0-%d; using %d", iface->name,
                     text, NETDEV_VHOSTUSER_TX_RETRIES_MAX, NETDEV_VHOSTUSER_TX_RETRIES_DEFAULT);
        n = NETDEV_VHOSTUSER_TX_RETRIES_DEFAULT;
    }
    netdev_vhostuser_set_tx_retries_max(iface->netdev, n);
}

/* A vxlan/geneve Interface's options; zero (and no error) for other types. */
static void iface_tunnel_options(const struct db_row *row, const char *type,
                                 struct tunnel_config *config, char **error)
{
    memset(config, 0, sizeof *config);   /* compared with memcmp: no stray padding */
    *error = NULL;
    if (!tunnel_type_is_tunnel(type))
        return;
    const struct datum *options = db_row_get(row, "options");
    const char *keys[options->n ? options->n : 1], *values[options->n ? options->n : 1];
    for (size_t i = 0; i < options->n; i++) {
        keys[i] = options->keys[i].string;
        values[i] = options->values[i].string;
    }
    struct tunnel_config parsed;
    if (tunnel_options_parse(type, keys, values, options->n, &parsed, error) == 0)
        *config = parsed;
}

static struct running_iface *configure_iface(struct switch_state *st, struct reconcile_run *run,
                            struct running_bridge *rbridge, const struct db_row *bridge_row, const struct db_row *port_row,
                            const struct db_row *iface_row, const struct vlan_policy *vlan,
                            const char *vlan_error)
{
    const char *bridge = db_row_get_string(bridge_row, "name");
    const char *name = db_row_get_string(iface_row, "name");
    const char *type = db_row_get_string(iface_row, "type");
    const char *peer = db_row_get_map_string(iface_row, "options", "peer");
    const char *server_path = db_row_get_map_string(iface_row, "options", "vhost-server-path");
    if (!server_path)
        server_path = "";
    unsigned n_rxq = parse_uint_option(db_row_get_map_string(iface_row, "options", "n_rxq"),
                                       1, 1, 16);
    struct running_iface *iface = find_iface(st, bridge, name);
    struct tunnel_config tunnel;
    char *tunnel_error = NULL;
    iface_tunnel_options(iface_row, type, &tunnel, &tunnel_error);
    /* A system bridge's tunnels ride the kernel's device where they can. */
    tunnel.kernel = tunnel_type_is_tunnel(type) && kernel_path_active(rbridge);

    bool same = iface && !strcmp(iface->type, type) && !strcmp(iface->peer, peer ? peer : "")
                && !strcmp(iface->server_path, server_path) && iface->n_rxq == n_rxq
                && !memcmp(&iface->tunnel, &tunnel, sizeof tunnel)
                && !strcmp(iface->tunnel_error ? iface->tunnel_error : "",
                           tunnel_error ? tunnel_error : "")
                && !iface_device_changed(iface);
    if (iface && !same) {
        /* Replace: the old one leaves the snapshot and closes after publish. */
        for (size_t i = 0; i < st->n_ifaces; i++)
            if (st->ifaces[i] == iface)
                st->ifaces[i] = st->ifaces[--st->n_ifaces];
        iface_index_remove(&st->iface_index, iface);
        schedule_close(run, iface);
    }
    if (!same) {
        struct running_iface *fresh = calloc(1, sizeof *fresh);
        struct running_iface **grown = realloc(st->ifaces, (st->n_ifaces + 1) * sizeof *grown);
        if (fresh) {
            snprintf(fresh->bridge, sizeof fresh->bridge, "%s", bridge);
            snprintf(fresh->name, sizeof fresh->name, "%s", name);
        }
        if (!fresh || !grown || !(fresh->stats = calloc(1, sizeof *fresh->stats)) ||
            !(fresh->rxq_stats = calloc(DP_MAX_RXQ, sizeof *fresh->rxq_stats)) ||
            iface_index_add(&st->iface_index, fresh) < 0) {
            if (fresh) {
                free(fresh->stats);
                free(fresh->rxq_stats);
            }
            free(fresh);
            if (grown)
                st->ifaces = grown;
            free(tunnel_error);
            return NULL;
        }
        st->ifaces = grown;
        snprintf(fresh->type, sizeof fresh->type, "%s", type);
        snprintf(fresh->peer, sizeof fresh->peer, "%s", peer ? peer : "");
        snprintf(fresh->server_path, sizeof fresh->server_path, "%s", server_path);
        fresh->n_rxq = n_rxq;
        fresh->tunnel = tunnel;
        fresh->tunnel_error = tunnel_error;
        tunnel_error = NULL;
        bool is_local = !strcmp(name, bridge) && !strcmp(type, "internal");
        fresh->ofport = iface ? iface->ofport : choose_ofport(st, bridge, iface_row, is_local);
        for (unsigned q = 0; q < DP_MAX_RXQ; q++)
            fresh->rxq_worker[q] = -1;
        if (iface) {
            *fresh->stats = *iface->stats;
        }
        st->ifaces[st->n_ifaces++] = fresh;
        iface = fresh;
        iface->seen = true;
        iface_open(iface);
    } else if (!iface->netdev && strcmp(iface->type, "patch")) {
        iface_open(iface);   /* was missing: the device may be back */
    }
    free(tunnel_error);
    iface->seen = true;
    iface->columns_dirty = true;
    snprintf(iface->uuid, sizeof iface->uuid, "%s", iface_row->uuid);
    configure_tx_retries(iface, iface_row);
    iface->vlan_invalid = vlan_error != NULL;
    if (vlan_error) {
        iface_set_error(iface, xasprintf("port %s: %s", db_row_get_string(port_row, "name"),
                                         vlan_error));
    } else if (memcmp(&iface->vlan, vlan, sizeof *vlan)) {
        /* What was learned on this port belongs to its old VLANs. */
        schedule_flush(run, rbridge, iface->ofport);
        iface->vlan = *vlan;
    }
    return iface;
}

/* Whether the bridge's datapath (kernel fast path or not) is what it was at
 * the end of the last reconcile: its ports' tunnels depend on it. */
static bool kernel_state_same(const struct running_bridge *rbridge)
{
    return rbridge->kernel_state_known && rbridge->kernel_was_active == kernel_path_active(rbridge);
}

/* The running interface of a one-interface port that nothing has touched
 * since the last reconcile (its rows not read again, its device the same,
 * its bridge's datapath the same), or NULL: such a port runs on as it is.
 * Bonds always go the whole way (their members are re-counted each time). */
static struct running_iface *port_unchanged(const struct switch_state *st,
                                            const struct running_bridge *rbridge,
                                            const struct db_row *bridge_row,
                                            const struct db_row *port_row)
{
    uint64_t since = st->reconciled_generation;
    const struct datum *ifaces = db_row_get(port_row, "interfaces");
    if (!since || port_row->generation > since || ifaces->n != 1 || !kernel_state_same(rbridge))
        return NULL;
    const struct db_row *iface_row = db_find_row_by_uuid(st->db, ifaces->keys[0].string);
    if (!iface_row || iface_row->generation > since)
        return NULL;
    struct running_iface *iface = find_iface(st, db_row_get_string(bridge_row, "name"),
                                             db_row_get_string(iface_row, "name"));
    if (!iface || strcmp(iface->uuid, iface_row->uuid) || iface->bond_port[0]
        || iface_device_changed(iface))
        return NULL;
    return iface;
}

static void configure_port(struct switch_state *st, struct reconcile_run *run,
                           struct running_bridge *rbridge, const struct db_row *bridge_row,
                           const struct db_row *port_row)
{
    struct running_iface *same = port_unchanged(st, rbridge, bridge_row, port_row);
    if (same) {
        same->port_visits++;
        same->visited_run = st->runs;
        same->seen = true;
        if (!same->netdev && strcmp(same->type, "patch"))
            iface_open(same);   /* was missing: the device may be back */
        return;
    }
    struct vlan_policy vlan;
    memset(&vlan, 0, sizeof vlan);   /* compared with memcmp: no stray padding */
    const char *vlan_error = NULL;
    if (port_vlan_policy(port_row, &vlan, &vlan_error) < 0 && !vlan_error)
        vlan_error = "invalid VLAN settings";
    const struct datum *ifaces = db_row_get(port_row, "interfaces");
    struct running_iface *members[DP_BOND_MAX_MEMBERS];
    size_t n_members = 0;
    for (size_t i = 0; i < ifaces->n; i++) {
        const struct db_row *iface_row = db_find_row_by_uuid(st->db, ifaces->keys[i].string);
        if (!iface_row)
            continue;
        if (i >= DP_BOND_MAX_MEMBERS) {
            log_warn("port %s: more than %d interfaces; %s left out",
                     db_row_get_string(port_row, "name"), DP_BOND_MAX_MEMBERS,
                     db_row_get_string(iface_row, "name"));
            continue;
        }
        struct running_iface *iface = configure_iface(st, run, rbridge, bridge_row, port_row,
                                                      iface_row, &vlan, vlan_error);
        if (!iface)
            continue;
        snprintf(iface->port_uuid, sizeof iface->port_uuid, "%s", port_row->uuid);
        iface->port_visits++;
        iface->visited_run = st->runs;
        /* A port with two or more interfaces is a bond (as in OVS). */
        snprintf(iface->bond_port, sizeof iface->bond_port, "%s",
                 ifaces->n > 1 ? db_row_get_string(port_row, "name") : "");
        members[n_members++] = iface;
    }
    if (ifaces->n > 1)
        bond_configure(st, rbridge->name, port_row, members, n_members);
}

static struct running_iface *find_patch_peer(const struct switch_state *st,
                                             const struct running_iface *iface)
{
    for (size_t i = 0; i < st->n_ifaces; i++) {
        const struct running_iface *other = st->ifaces[i];
        if (other != iface && !strcmp(other->type, "patch") &&
            !strcmp(other->name, iface->peer) && !strcmp(other->peer, iface->name))
            return st->ifaces[i];
    }
    return NULL;
}

static int compare_ofport(const void *a_, const void *b_)
{
    const struct dp_port *a = *(const struct dp_port *const *)a_;
    const struct dp_port *b = *(const struct dp_port *const *)b_;
    return a->ofport < b->ofport ? -1 : a->ofport > b->ofport;
}

/* Ports come in database order, which is mostly ofport order already: one
 * pass says so, and the sort is skipped. */
static bool ports_in_ofport_order(const struct dp_bridge *bridge)
{
    for (size_t i = 1; i < bridge->n_ports; i++)
        if (bridge->ports[i - 1]->ofport > bridge->ports[i]->ofport)
            return false;
    return true;
}

/* Builds the datapath's snapshot from the running state (bridges in database
 * order, ports in database order within them). */
static struct dp_config *build_config(struct switch_state *st)
{
    struct dp_config *config = calloc(1, sizeof *config);
    if (!config)
        return NULL;
    size_t n_ifaces = st->n_ifaces ? st->n_ifaces : 1;
    config->bridges = calloc(st->n_bridges ? st->n_bridges : 1, sizeof *config->bridges);
    config->ports = calloc(n_ifaces, sizeof *config->ports);
    config->rxqs = calloc(n_ifaces * DP_MAX_RXQ, sizeof *config->rxqs);
    config->busy_poll = st->busy_poll;
    config->poll_after_traffic_us = st->poll_after_traffic_us;
    struct dp_port **by_iface = calloc(n_ifaces, sizeof *by_iface);
    const size_t stride = (sizeof(struct dp_port) + 15) & ~(size_t)15;
    config->port_block_size = n_ifaces * stride;
    config->port_block = aligned_alloc(16, config->port_block_size);
    size_t n_block = 0;
    if (!config->bridges || !config->ports || !config->rxqs || !by_iface || !config->port_block)
        goto fail;
    for (size_t b = 0; b < st->n_bridges; b++) {
        struct running_bridge *rb = st->bridges[b];
        struct dp_bridge *bridge = calloc(1, sizeof *bridge);
        if (!bridge)
            goto fail;
        config->bridges[config->n_bridges++] = bridge;
        snprintf(bridge->name, sizeof bridge->name, "%s", rb->name);
        bridge->tunnel_split_horizon = rb->tunnel_split_horizon;
        bridge->fdb = rb->fdb;
        bridge->kernel_path = rb->kernel != NULL;
        bridge->kernel_fdb_fd = rb->kernel ? bpf_switch_fdb_fd(rb->kernel) : -1;
        bridge->ports = calloc(st->n_ifaces ? st->n_ifaces : 1, sizeof *bridge->ports);
        if (!bridge->ports)
            goto fail;
        for (size_t i = 0; i < st->n_ifaces; i++) {
            struct running_iface *iface = st->ifaces[i];
            if (strcmp(iface->bridge, rb->name) || iface->vlan_invalid || iface->bond_port[0])
                continue;   /* contradictory VLAN settings stay out; bonds come below */
            struct dp_port *port = (struct dp_port *)((char *)config->port_block
                                                      + n_block++ * stride);
            memset(port, 0, sizeof *port);
            port->ofport = iface->ofport;
            /* memset above: a bounded copy (snprintf per port showed in the profile) */
            memcpy(port->name, iface->name, strnlen(iface->name, sizeof port->name - 1));
            port->netdev = iface->netdev;
            port->is_patch = !strcmp(iface->type, "patch");
            port->is_tunnel = tunnel_type_is_tunnel(iface->type);
            port->in_kernel = bridge->kernel_path && iface->kernel_ifindex;
            port->vlan = iface->vlan;
            port->bridge = bridge;
            port->stats = iface->stats;
            port->rxq_stats = iface->rxq_stats;
            port->index = (uint32_t)config->n_ports;
            config->ports[config->n_ports++] = port;
            bridge->ports[bridge->n_ports++] = port;
            by_iface[i] = port;
            for (unsigned q = 0; iface->netdev && q < iface->netdev->n_rxq && q < DP_MAX_RXQ;
                 q++) {
                if (iface->rxq_worker[q] >= 0)
                    config->rxqs[config->n_rxqs++] = (struct dp_rxq){
                        port, q, (unsigned)iface->rxq_worker[q], iface->netdev, -1
                    };
            }
        }
        if (bonds_build_ports(st, rb->name, config, bridge) < 0)
            goto fail;
        if (!ports_in_ofport_order(bridge))
            qsort(bridge->ports, bridge->n_ports, sizeof *bridge->ports, compare_ofport);
    }
    for (size_t i = 0; i < st->n_ifaces; i++) {
        if (!by_iface[i] || !by_iface[i]->is_patch)
            continue;
        struct running_iface *peer = find_patch_peer(st, st->ifaces[i]);
        for (size_t j = 0; peer && j < st->n_ifaces; j++)
            if (st->ifaces[j] == peer)
                by_iface[i]->patch_peer = by_iface[j];
    }
    free(by_iface);
    return config;
fail:
    free(by_iface);
    switch_config_free(config);
    return NULL;
}

static int reconcile(struct switch_state *st, bool changes_only);

/* ---- a reconcile started by a database change: the changed ports only ---- */

struct bridge_changes {
    struct switch_state *st;
    struct reconcile_run *run;
    struct running_bridge *rbridge;
    const struct db_row *bridge_row;
};

/* The port leaves (or is about to be configured afresh): its interfaces
 * count as gone unless configure_port finds them again. */
static void forget_port(void *aux, const char *port_uuid)
{
    struct bridge_changes *c = aux;
    for (size_t i = 0; i < c->st->n_ifaces; i++)
        if (!strcmp(c->st->ifaces[i]->port_uuid, port_uuid))
            c->st->ifaces[i]->seen = false;
}

static void configure_port_uuid(void *aux, const char *port_uuid)
{
    struct bridge_changes *c = aux;
    const struct db_row *port_row = db_find_row_by_uuid(c->st->db, port_uuid);
    if (port_row)
        configure_port(c->st, c->run, c->rbridge, c->bridge_row, port_row);
}

static void reconfigure_port(struct bridge_changes *c, const char *port_uuid)
{
    forget_port(c, port_uuid);
    configure_port_uuid(c, port_uuid);
}

/* The Port a changed row belongs to: itself, or an Interface's port. */
static const char *changed_port_uuid(const struct switch_state *st, const struct db_row *row)
{
    if (!strcmp(row->table->name, "Port"))
        return row->uuid;
    if (strcmp(row->table->name, "Interface"))
        return NULL;
    for (size_t i = 0; i < st->n_ifaces; i++)
        if (!strcmp(st->ifaces[i]->uuid, row->uuid))
            return st->ifaces[i]->port_uuid;
    return NULL;     /* a new interface: its port's row changed too */
}

/* Ports added to or removed from the bridge since the last reconcile, the
 * ones whose Port or Interface rows were read again, and its bonds (few,
 * and their members are re-counted). */
static void reconcile_bridge_changes(struct bridge_changes *c, const struct port_set *now)
{
    port_set_diff(&c->rbridge->ports, now, forget_port, configure_port_uuid, c);
    bool all;
    size_t n = db_changed_rows(c->st->db, &all);
    for (size_t i = 0; i < n; i++) {
        const char *port_uuid = changed_port_uuid(c->st, db_changed_row_at(c->st->db, i));
        if (port_uuid && port_set_has(now, port_uuid) && port_set_has(&c->rbridge->ports,
                                                                      port_uuid))
            reconfigure_port(c, port_uuid);
    }
    for (size_t b = 0; b < c->st->n_bonds; b++) {
        struct running_bond *bond = c->st->bonds[b];
        if (!bond->seen && !strcmp(bond->bridge, c->rbridge->name)
            && port_set_has(now, bond->uuid))
            reconfigure_port(c, bond->uuid);
    }
}

/* Configures the bridge's ports: all of them, or (changes_only, and the
 * bridge known from the last reconcile with the same datapath) only what
 * changed. */
static void reconcile_bridge(struct switch_state *st, struct reconcile_run *run,
                             struct running_bridge *rbridge, const struct db_row *bridge_row,
                             bool changes_only)
{
    const struct datum *ports = db_row_get(bridge_row, "ports");
    struct port_set now;
    if (port_set_build(&now, ports) < 0)
        changes_only = false;
    rbridge->walked_whole = !(changes_only && rbridge->ports_known
                              && kernel_state_same(rbridge));
    if (!rbridge->walked_whole) {
        struct bridge_changes c = { st, run, rbridge, bridge_row };
        reconcile_bridge_changes(&c, &now);
    } else {
        for (size_t p = 0; p < ports->n; p++) {
            const struct db_row *port_row = db_find_row_by_uuid(st->db, ports->keys[p].string);
            if (port_row)
                configure_port(st, run, rbridge, bridge_row, port_row);
        }
    }
    port_set_free(&rbridge->ports);
    rbridge->ports = now;
    rbridge->ports_known = now.uuids != NULL;
}

int switch_reconcile(struct switch_state *st)
{
    return reconcile(st, false);
}

int switch_reconcile_changes(struct switch_state *st)
{
    bool all;
    db_changed_rows(st->db, &all);
    return reconcile(st, !all && st->reconciled_generation);
}

static int reconcile(struct switch_state *st, bool changes_only)
{
    struct reconcile_run run = { 0 };
    st->runs++;
    for (size_t i = 0; i < st->n_bridges; i++)
        st->bridges[i]->seen = false;
    /* Only what is visited can change; the rest runs on as it is. */
    for (size_t i = 0; i < st->n_ifaces; i++) {
        st->ifaces[i]->seen = changes_only;
        st->ifaces[i]->columns_dirty |= !changes_only;
    }
    bonds_begin_reconcile(st);

    const struct db_row *root = db_root_row(st->db);
    const struct datum *bridge_refs = root ? db_row_get(root, "bridges") : NULL;
    for (size_t b = 0; bridge_refs && b < bridge_refs->n; b++) {
        const struct db_row *bridge_row = db_find_row_by_uuid(st->db,
                                                              bridge_refs->keys[b].string);
        if (!bridge_row)
            continue;
        struct running_bridge *rbridge = bridge_get(st, &run, bridge_row);
        if (!rbridge)
            continue;
        kernel_path_prepare(st, rbridge);
        reconcile_bridge(st, &run, rbridge, bridge_row, changes_only);
    }

    /* A bridge the database no longer has takes its ports along (a
     * reconcile of changes did not unmark them). */
    for (size_t i = 0; changes_only && i < st->n_ifaces; i++) {
        struct running_bridge *rb = switch_find_bridge(st, st->ifaces[i]->bridge);
        if (!rb || !rb->seen)
            st->ifaces[i]->seen = false;
    }
    /* Whatever the database no longer has leaves the running switch. */
    for (size_t i = 0; i < st->n_ifaces;) {
        if (st->ifaces[i]->seen) {
            i++;
            continue;
        }
        struct running_iface *iface = st->ifaces[i];
        log_info("%s: removed from bridge %s", iface->name, iface->bridge);
        struct running_bridge *rbridge = switch_find_bridge(st, iface->bridge);
        if (rbridge)
            schedule_flush(&run, rbridge, iface->ofport);
        iface_index_remove(&st->iface_index, iface);
        schedule_close(&run, iface);
        st->ifaces[i] = st->ifaces[--st->n_ifaces];
    }
    struct running_bridge **gone = calloc(st->n_bridges ? st->n_bridges : 1, sizeof *gone);
    size_t n_gone = 0;
    for (size_t i = 0; i < st->n_bridges;) {
        if (st->bridges[i]->seen || !gone) {
            i++;
            continue;
        }
        log_info("bridge %s: deleted", st->bridges[i]->name);
        gone[n_gone++] = st->bridges[i];
        st->bridges[i] = st->bridges[--st->n_bridges];
    }

    for (size_t i = 0; i < n_gone; i++)
        kernel_path_remove(st, gone[i]);
    for (size_t i = 0; i < st->n_bridges; i++)
        kernel_path_sync(st, st->bridges[i], run.n_closing > 0);
    for (size_t i = 0; i < st->n_bridges; i++) {
        st->bridges[i]->kernel_state_known = true;
        st->bridges[i]->kernel_was_active = kernel_path_active(st->bridges[i]);
    }
    st->reconciled_generation = db_load_generation(st->db);

    free_retired(st);
    int result = pmd_configure(st);
    pmd_assign_rxqs(st);
    struct dp_config *config = st->dp ? build_config(st) : NULL;
    if (!st->dp) {
        log_err("reconcile: no datapath threads: %s", strerror(-result));
    } else if (config) {
        /* With nothing leaving (no device to close, bond, bridge or table
         * to free) the workers may take the new snapshot at their pace:
         * the old one is freed at the next reconcile, not waited for. */
        bool leaving = run.n_closing || n_gone || run.n_fdbs_to_free;
        for (size_t i = 0; i < st->n_bonds && !leaving; i++)
            leaving = !st->bonds[i]->seen;
        if (leaving)
            switch_config_free(datapath_publish(st->dp, config));
        else
            st->retired = datapath_publish_async(st->dp, config, &st->retired_generation);
        st->config = config;
    } else {
        log_err("reconcile: out of memory building the datapath configuration");
        result = -ENOMEM;
    }
    /* The datapath no longer sees anything below: safe to close and free. */
    bonds_end_reconcile(st);
    for (size_t i = 0; i < run.n_closing; i++)
        iface_free(run.closing[i]);
    tunnel_kernel_remove_unused_devices(false);
    /* A tunnel port re-made in this run (its bridge's datapath_type changed)
     * opened while its old self still held the UDP port; now that the old
     * one is closed, open it again at once rather than at the next change. */
    bool retry = false;
    for (size_t i = 0; run.n_closing && i < st->n_ifaces; i++) {
        const struct running_iface *iface = st->ifaces[i];
        retry |= tunnel_type_is_tunnel(iface->type) && !iface->netdev && !iface->tunnel_error;
    }
    for (size_t i = 0; i < n_gone; i++)
        bridge_free(gone[i]);
    for (size_t i = 0; i < run.n_flush; i++) {
        bool bridge_alive = false;
        for (size_t b = 0; b < st->n_bridges; b++)
            bridge_alive |= st->bridges[b] == run.flush[i].bridge;
        if (!bridge_alive)
            continue;
        struct dp_fdb *fdb = run.flush[i].bridge->fdb;
        dp_fdb_write_lock(fdb);
        fdb_flush_port(fdb->fdb, run.flush[i].ofport);
        dp_fdb_write_unlock(fdb);
    }
    for (size_t i = 0; i < run.n_fdbs_to_free; i++)
        dp_fdb_destroy(run.fdbs_to_free[i]);
    free(run.fdbs_to_free);
    free(gone);
    free(run.closing);
    free(run.flush);
    iface_columns_write(st);
    root_columns_write(st);
    bond_columns_write(st);
    bridge_columns_write(st);
    if (retry && !st->reconcile_retrying) {
        st->reconcile_retrying = true;
        result = switch_reconcile(st);
        st->reconcile_retrying = false;
    }
    return result;
}
