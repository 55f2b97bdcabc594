/* Bonds at run time: the control thread owns each bond's LACP and bond state
 * machines (pure, from src/switching), feeds them carrier changes and the
 * LACPDUs the workers queue, sends the PDUs they ask for, and writes their
 * decisions into the tables the workers read (struct dp_bond_state). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bond_runtime.h"
#include "control/kernel_path.h"
#include "control/bond_columns.h"
#include "db/db.h"
#include "control/switch_state.h"
#include "packet/headers.h"
#include "util/clock.h"
#include "util/log.h"

#define BOND_TICK_MS 100

static void member_send(void *aux, uint32_t member_id, const uint8_t *frame, size_t len)
{
    struct running_bond *bond = aux;
    for (unsigned i = 0; i < bond->n_members; i++) {
        struct running_iface *iface = bond->members[i];
        if (iface->ofport != member_id || !iface->netdev)
            continue;
        struct packet *pkt = bond->tx_packet;
        packet_reset(pkt);
        if (len > packet_tailroom(pkt))
            return;
        memcpy(pkt->data, frame, len);
        pkt->len = (uint32_t)len;
        struct packet *const one[1] = { pkt };
        iface->netdev->class->send(iface->netdev, 0, one, 1);
        return;
    }
}

static int member_index(const struct running_bond *bond, uint32_t id)
{
    for (unsigned i = 0; i < bond->n_members; i++)
        if (bond->members[i]->ofport == id)
            return (int)i;
    return -1;
}

struct running_bond *bond_find(const struct switch_state *st, const char *name)
{
    for (size_t i = 0; i < st->n_bonds; i++)
        if (!strcmp(st->bonds[i]->name, name))
            return st->bonds[i];
    return NULL;
}

static void bond_free(struct running_bond *bond)
{
    if (!bond)
        return;
    lacp_destroy(bond->lacp);
    bond_destroy(bond->bond);
    dp_bond_state_destroy(&bond->state);
    packet_free(bond->tx_packet);
    free(bond->stats);
    free(bond);
}

static uint32_t map_uint(const struct db_row *row, const char *key, uint32_t dflt)
{
    const char *text = db_row_get_map_string(row, "other_config", key);
    if (!text || !*text)
        return dflt;
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    return *end ? dflt : (uint32_t)v;
}

static bool map_true(const struct db_row *row, const char *key)
{
    const char *text = db_row_get_map_string(row, "other_config", key);
    return text && !strcmp(text, "true");
}

/* The Port row's bond settings, with OVS's defaults. */
static void read_settings(const struct db_row *port, struct bond_settings *bs,
                          struct lacp_settings *ls, bool *lacp_on, bool *miimon,
                          uint32_t *miimon_ms)
{
    const char *name = db_row_get_string(port, "name");
    bond_settings_init(bs, name);
    const struct datum *mode = db_row_get(port, "bond_mode");
    if (mode->n)
        bond_mode_from_name(mode->keys[0].string, &bs->mode);
    bs->updelay_ms = (uint32_t)db_row_get_integer(port, "bond_updelay", 0);
    bs->downdelay_ms = (uint32_t)db_row_get_integer(port, "bond_downdelay", 0);
    bs->rebalance_interval_ms = map_uint(port, "bond-rebalance-interval",
                                         BOND_DEFAULT_REBALANCE_MS);
    bs->hash_basis = map_uint(port, "bond-hash-basis", 0);
    bs->lacp_fallback_ab = map_true(port, "lacp-fallback-ab");
    bs->primary = db_row_get_map_string(port, "other_config", "bond-primary");

    const struct datum *lacp = db_row_get(port, "lacp");
    const char *lacp_mode = lacp->n ? lacp->keys[0].string : "off";
    *lacp_on = strcmp(lacp_mode, "off") != 0;
    memset(ls, 0, sizeof *ls);
    ls->name = name;
    ls->active = !strcmp(lacp_mode, "active");
    const char *time = db_row_get_map_string(port, "other_config", "lacp-time");
    ls->fast = time && !strcmp(time, "fast");
    ls->fallback_ab = bs->lacp_fallback_ab;
    ls->sys_priority = (uint16_t)map_uint(port, "lacp-system-priority", 0);
    const char *detect = db_row_get_map_string(port, "other_config", "bond-detect-mode");
    *miimon = detect && !strcmp(detect, "miimon");
    *miimon_ms = map_uint(port, "bond-miimon-interval", 200);
    if (*miimon_ms < 10)
        *miimon_ms = 10;
}

struct running_bond *bond_configure(struct switch_state *st, const char *bridge,
                                    const struct db_row *port_row,
                                    struct running_iface **members, size_t n_members)
{
    struct bond_settings bs;
    struct lacp_settings ls;
    bool lacp_on, miimon;
    uint32_t miimon_ms;
    read_settings(port_row, &bs, &ls, &lacp_on, &miimon, &miimon_ms);
    uint64_t now = clock_monotonic_ms();

    struct running_bond *bond = bond_find(st, bs.name);
    if (bond && strcmp(bond->bridge, bridge)) {
        bond->seen = false;   /* moved to another bridge: start over */
        bond = NULL;
    }
    if (!bond) {
        bond = calloc(1, sizeof *bond);
        if (bond)
            bond->kernel_slot = -1;
        struct running_bond **grown = realloc(st->bonds, (st->n_bonds + 1) * sizeof *grown);
        if (grown)
            st->bonds = grown;
        if (!bond || !grown || dp_bond_state_init(&bond->state) < 0 ||
            !(bond->stats = calloc(1, sizeof *bond->stats)) ||
            !(bond->tx_packet = packet_new()) || !(bond->bond = bond_create(&bs, now))) {
            bond_free(bond);
            return NULL;
        }
        snprintf(bond->name, sizeof bond->name, "%s", bs.name);
        snprintf(bond->bridge, sizeof bond->bridge, "%s", bridge);
        /* As OVS: the member that was active before a restart stays so. */
        uint8_t active_mac[6];
        if (bond_columns_parse_mac(db_row_get_string(port_row, "bond_active_slave"),
                                   active_mac))
            bond_set_active_member_mac(bond->bond, active_mac);
        st->bonds[st->n_bonds++] = bond;
        log_info("bond %s: created on bridge %s", bond->name, bridge);
    } else {
        bond_reconfigure(bond->bond, &bs, now);
    }
    bond->seen = true;
    bond->miimon = miimon;
    bond->miimon_ms = miimon_ms;
    snprintf(bond->uuid, sizeof bond->uuid, "%s", port_row->uuid);

    /* LACP's system id is the first member's MAC, as OVS uses the bond's. */
    if (n_members && members[0]->netdev)
        memcpy(ls.sys_id, members[0]->netdev->mac, 6);
    if (lacp_on && !bond->lacp) {
        bond->lacp = lacp_create(&ls);
    } else if (lacp_on) {
        lacp_configure(bond->lacp, &ls);
    } else if (bond->lacp) {
        lacp_destroy(bond->lacp);
        bond->lacp = NULL;
    }

    /* Members: drop the ones gone, add the new ones (ids are ofports). */
    for (unsigned i = 0; i < bond->n_ids; i++) {
        bool still = false;
        for (size_t m = 0; m < n_members; m++)
            still |= members[m]->ofport == bond->ids[i];
        if (!still) {
            bond_member_remove(bond->bond, bond->ids[i]);
            if (bond->lacp)
                lacp_member_remove(bond->lacp, bond->ids[i]);
        }
    }
    bond->n_ids = 0;
    bond->n_members = 0;
    for (size_t m = 0; m < n_members; m++) {
        struct running_iface *iface = members[m];
        bool carrier = false;
        if (iface->netdev)
            netdev_get_carrier(iface->name, &carrier);
        struct bond_member_settings ms = { .name = iface->name };
        if (iface->netdev)
            memcpy(ms.mac, iface->netdev->mac, 6);
        bond_member_add(bond->bond, iface->ofport, &ms);
        bond_member_set_carrier(bond->bond, iface->ofport, carrier);
        if (bond->lacp) {
            struct lacp_member_settings lms = {
                .name = iface->name, .port_id = (uint16_t)iface->ofport, .carrier = carrier,
            };
            memcpy(lms.mac, ms.mac, 6);
            if (lacp_find_member_status(bond->lacp, iface->ofport, &(struct lacp_member_status){0}) < 0)
                lacp_member_add(bond->lacp, iface->ofport, &lms);
            lacp_member_set_carrier(bond->lacp, iface->ofport, carrier);
        }
        bond->members[bond->n_members++] = iface;
        bond->ids[bond->n_ids++] = iface->ofport;
    }
    bond->vlan = members && n_members ? members[0]->vlan : bond->vlan;
    bond->vlan_invalid = n_members ? members[0]->vlan_invalid : false;
    bonds_run_one(st, bond, now);
    return bond;
}

int bond_member_by_name(const struct running_bond *bond, const char *name)
{
    for (unsigned i = 0; i < bond->n_members; i++)
        if (!strcmp(bond->members[i]->name, name))
            return (int)i;
    return -1;
}

void bonds_begin_reconcile(struct switch_state *st)
{
    for (size_t i = 0; i < st->n_bonds; i++)
        st->bonds[i]->seen = false;
}

void bonds_end_reconcile(struct switch_state *st)
{
    for (size_t i = 0; i < st->n_bonds;) {
        if (st->bonds[i]->seen) {
            i++;
            continue;
        }
        log_info("bond %s: deleted", st->bonds[i]->name);
        bond_free(st->bonds[i]);
        st->bonds[i] = st->bonds[--st->n_bonds];
    }
}

void bonds_destroy_all(struct switch_state *st)
{
    for (size_t i = 0; i < st->n_bonds; i++)
        bond_free(st->bonds[i]);
    free(st->bonds);
    st->bonds = NULL;
    st->n_bonds = 0;
}

int bonds_build_ports(struct switch_state *st, const char *bridge, struct dp_config *config,
                      struct dp_bridge *dp_bridge)
{
    for (size_t b = 0; b < st->n_bonds; b++) {
        struct running_bond *bond = st->bonds[b];
        /* An unseen bond is leaving (its members may already be plain ports
         * or closing): it is freed once this snapshot is published. */
        if (!bond->seen || strcmp(bond->bridge, bridge) || !bond->n_members ||
            bond->vlan_invalid)
            continue;
        struct dp_port *port = aligned_alloc(16, (sizeof *port + 15) & ~(size_t)15);
        struct dp_bond_member *members = calloc(bond->n_members, sizeof *members);
        if (!port || !members) {
            free(port);
            free(members);
            return -ENOMEM;
        }
        memset(port, 0, sizeof *port);
        /* fdb/show names a bond by its first member's port number, as OVS does. */
        port->ofport = bond->members[0]->ofport;
        snprintf(port->name, sizeof port->name, "%s", bond->name);
        port->vlan = bond->vlan;
        port->bridge = dp_bridge;
        port->stats = bond->stats;
        port->bond = &bond->state;
        port->in_kernel = dp_bridge->kernel_path && bond->kernel_slot >= 0;
        port->members = members;
        port->n_members = bond->n_members;
        port->index = (uint32_t)config->n_ports;
        config->ports[config->n_ports++] = port;
        dp_bridge->ports[dp_bridge->n_ports++] = port;
        for (unsigned m = 0; m < bond->n_members; m++) {
            struct running_iface *iface = bond->members[m];
            snprintf(members[m].name, sizeof members[m].name, "%s", iface->name);
            members[m].ofport = iface->ofport;
            members[m].netdev = iface->netdev;
            members[m].stats = iface->stats;
            for (unsigned q = 0; iface->netdev && q < iface->netdev->n_rxq && q < DP_MAX_RXQ;
                 q++) {
                if (iface->rxq_worker[q] >= 0)
                    config->rxqs[config->n_rxqs++] = (struct dp_rxq){
                        port, q, (unsigned)iface->rxq_worker[q], iface->netdev, (int)m
                    };
            }
        }
    }
    return 0;
}

/* After the active member changed: frames from every MAC learned elsewhere on
 * the bridge, sent through the new active member, so that the upstream
 * switch learns the new path at once (OVS sends RARPs the same way). */
static void send_learning_frames(struct switch_state *st, struct running_bond *bond,
                                 uint32_t active_id)
{
    struct running_bridge *bridge = switch_find_bridge(st, bond->bridge);
    int m = member_index(bond, active_id);
    if (!bridge || m < 0 || !bond->members[m]->netdev)
        return;
    enum { MAX_ANNOUNCE = 1024 };
    struct fdb_entry *entries = malloc(MAX_ANNOUNCE * sizeof *entries);
    if (!entries)
        return;
    dp_fdb_write_lock(bridge->fdb);
    size_t n = fdb_dump(bridge->fdb->fdb, entries, MAX_ANNOUNCE, clock_monotonic_ms());
    dp_fdb_write_unlock(bridge->fdb);
    uint32_t bond_ofport = bond->members[0]->ofport;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].port == bond_ofport)
            continue;
        bool tag_it = false;
        if (!vlan_egress(&bond->vlan, entries[i].vlan, &tag_it))
            continue;
        uint8_t frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        memcpy(frame + 6, entries[i].mac, 6);
        frame[12] = 0x80;   /* RARP (0x8035): request reverse, as OVS sends */
        frame[13] = 0x35;
        static const uint8_t rarp[8] = { 0, 1, 8, 0, 6, 4, 0, 3 };
        memcpy(frame + 14, rarp, 8);
        memcpy(frame + 22, entries[i].mac, 6);
        memcpy(frame + 32, entries[i].mac, 6);
        struct packet *pkt = bond->tx_packet;
        packet_reset(pkt);
        memcpy(pkt->data, frame, sizeof frame);
        pkt->len = 60;
        if (tag_it)
            packet_push_vlan(pkt, entries[i].vlan);
        struct packet *const one[1] = { pkt };
        bond->members[m]->netdev->class->send(bond->members[m]->netdev, 0, one, 1);
    }
    free(entries);
}

/* Copies the bond's decisions into the tables the workers read. */
static void publish_decisions(struct running_bond *bond)
{
    struct dp_bond_state *state = &bond->state;
    enum bond_mode mode = bond_get_mode(bond->bond);
    __atomic_store_n(&state->mode, (uint8_t)(mode == BOND_MODE_BALANCE_TCP
                                                 ? DP_BOND_BALANCE_TCP
                                                 : mode == BOND_MODE_BALANCE_SLB
                                                       ? DP_BOND_BALANCE_SLB
                                                       : DP_BOND_ACTIVE_BACKUP),
                     __ATOMIC_RELAXED);
    __atomic_store_n(&state->hash_basis, bond_get_settings(bond->bond)->hash_basis,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&state->fallback_ab,
                     (uint8_t)bond_get_settings(bond->bond)->lacp_fallback_ab, __ATOMIC_RELAXED);
    __atomic_store_n(&state->lacp_negotiated,
                     (uint8_t)(lacp_get_status(bond->lacp) == LACP_STATUS_NEGOTIATED),
                     __ATOMIC_RELAXED);
    for (unsigned m = 0; m < DP_BOND_MAX_MEMBERS; m++) {
        bool enabled = false;
        struct bond_member_status status;
        for (size_t k = 0; m < bond->n_members &&
                           bond_get_member_status(bond->bond, k, &status) == 0; k++)
            if (status.id == bond->members[m]->ofport)
                enabled = status.enabled;
        __atomic_store_n(&state->rx_enabled[m], (uint8_t)enabled, __ATOMIC_RELAXED);
    }
    int active = member_index(bond, bond_get_active_member(bond->bond));
    __atomic_store_n(&state->active, (uint8_t)(active < 0 ? DP_BOND_NO_MEMBER : active),
                     __ATOMIC_RELAXED);
    for (unsigned b = 0; b < DP_BOND_BUCKETS; b++) {
        int m = member_index(bond, bond_bucket_member(bond->bond, b, NULL));
        __atomic_store_n(&state->bucket_member[b], (uint8_t)(m < 0 ? DP_BOND_NO_MEMBER : m),
                         __ATOMIC_RELAXED);
    }
}

void bonds_run_one(struct switch_state *st, struct running_bond *bond, uint64_t now_ms)
{
    struct dp_bond_pdu pdu;
    while (dp_bond_take_pdu(&bond->state, &pdu)) {
        if (bond->lacp && pdu.member < bond->n_members)
            lacp_rx_pdu(bond->lacp, bond->members[pdu.member]->ofport, pdu.data, pdu.len,
                        now_ms);
    }
    /* miimon polls at its interval.  Carrier mode has netlink events, but the
     * kernel may delay those by up to a second (linkwatch), so it also reads
     * the carrier on every tick. */
    if (!bond->miimon || now_ms >= bond->next_miimon_ms) {
        bond->next_miimon_ms = now_ms + bond->miimon_ms;
        for (unsigned m = 0; m < bond->n_members; m++) {
            bool carrier = false;
            if (bond->members[m]->netdev)
                netdev_get_carrier(bond->members[m]->name, &carrier);
            bond_member_set_carrier(bond->bond, bond->members[m]->ofport, carrier);
            if (bond->lacp)
                lacp_member_set_carrier(bond->lacp, bond->members[m]->ofport, carrier);
        }
    }
    if (bond->lacp)
        lacp_run(bond->lacp, now_ms, member_send, bond);
    for (unsigned m = 0; m < bond->n_members; m++) {
        uint32_t id = bond->members[m]->ofport;
        bond_member_set_may_enable(bond->bond, id,
                                   !bond->lacp || lacp_member_may_enable(bond->lacp, id));
    }
    uint32_t old_active = bond_get_active_member(bond->bond);
    unsigned flags = bond_run(bond->bond, lacp_get_status(bond->lacp), now_ms);
    uint64_t delta[DP_BOND_BUCKETS];
    uint64_t kernel_bytes[DP_BOND_BUCKETS];
    bool in_kernel = kernel_path_bond_bytes(st, bond, kernel_bytes);
    for (unsigned b = 0; b < DP_BOND_BUCKETS; b++) {
        /* Both datapaths' loads: a bond on a system bridge sends in both. */
        uint64_t now_bytes = __atomic_load_n(&bond->state.bucket_tx_bytes[b], __ATOMIC_RELAXED) +
                             (in_kernel ? kernel_bytes[b] : 0);
        if (now_bytes < bond->last_bucket_bytes[b])
            bond->last_bucket_bytes[b] = now_bytes;   /* the kernel's count started afresh */
        delta[b] = now_bytes - bond->last_bucket_bytes[b];
    }
    if (bond_rebalance(bond->bond, now_ms, delta) >= 0 &&
        bond_get_next_rebalance(bond->bond) > now_ms) {
        for (unsigned b = 0; b < DP_BOND_BUCKETS; b++)
            bond->last_bucket_bytes[b] += delta[b];
    }
    publish_decisions(bond);
    kernel_path_bond_publish(st, bond);
    uint32_t active = bond_get_active_member(bond->bond);
    if ((flags & BOND_RUN_ACTIVE_CHANGED) || (active != old_active && active != BOND_NO_MEMBER)) {
        log_info("bond %s: active member is now %s", bond->name,
                 member_index(bond, active) >= 0
                     ? bond->members[member_index(bond, active)]->name : "none");
        if (active != BOND_NO_MEMBER)
            send_learning_frames(st, bond, active);
    }
}

void bonds_run(struct switch_state *st, uint64_t now_ms)
{
    for (size_t i = 0; i < st->n_bonds; i++)
        bonds_run_one(st, st->bonds[i], now_ms);
}

bool bonds_link_event(struct switch_state *st, const char *name, bool carrier)
{
    bool member = false;
    for (size_t i = 0; i < st->n_bonds; i++) {
        struct running_bond *bond = st->bonds[i];
        int m = bond_member_by_name(bond, name);
        if (m < 0 || bond->miimon)
            continue;
        member = true;
        bond_member_set_carrier(bond->bond, bond->members[m]->ofport, carrier);
        if (bond->lacp)
            lacp_member_set_carrier(bond->lacp, bond->members[m]->ofport, carrier);
        bonds_run_one(st, bond, clock_monotonic_ms());
    }
    return member;
}

uint64_t bonds_next_wake(const struct switch_state *st)
{
    uint64_t wake = UINT64_MAX;
    for (size_t i = 0; i < st->n_bonds; i++) {
        const struct running_bond *bond = st->bonds[i];
        uint64_t t = bond_next_wake(bond->bond);
        if (bond->lacp && lacp_next_wake(bond->lacp) < t)
            t = lacp_next_wake(bond->lacp);
        if (bond->miimon && bond->next_miimon_ms < t)
            t = bond->next_miimon_ms;
        if (t < wake)
            wake = t;
    }
    return wake;
}
