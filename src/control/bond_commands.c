/* bond/show, lacp/show, lacp/show-stats, bond/set-active-member,
 * bond/enable-member, bond/disable-member, bond/hash: in OVS's layouts (the
 * text comes from src/switching/bond_show.c), with JSON built from the same
 * status snapshots. */
#include "control/bond_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bond_runtime.h"
#include "control/control_server.h"
#include "control/switch_state.h"
#include "switching/bond_show.h"
#include "util/clock.h"
#include "util/strbuf.h"

static json_t *bond_json(const struct running_bond *bond)
{
    json_t *members = json_array();
    struct bond_member_status s;
    for (size_t i = 0; bond_get_member_status(bond->bond, i, &s) == 0; i++)
        json_array_append_new(members, json_pack("{s:s, s:b, s:b, s:b, s:b}", "name", s.name,
                                                 "enabled", s.enabled, "may_enable",
                                                 s.may_enable, "active", s.active, "carrier",
                                                 s.carrier));
    return json_pack("{s:s, s:s, s:s, s:o}", "name", bond->name, "bond_mode",
                     bond_mode_name(bond_get_mode(bond->bond)), "lacp_status",
                     lacp_get_status(bond->lacp) == LACP_STATUS_NEGOTIATED ? "negotiated"
                     : lacp_get_status(bond->lacp) == LACP_STATUS_CONFIGURED ? "configured"
                                                                             : "off",
                     "members", members);
}

static json_t *lacp_json(const struct running_bond *bond)
{
    json_t *members = json_array();
    struct lacp_member_status s;
    for (size_t i = 0; lacp_get_member_status(bond->lacp, i, &s) == 0; i++)
        json_array_append_new(
            members, json_pack("{s:s, s:b, s:b, s:s, s:i, s:i, s:i, s:i}", "name", s.name,
                               "attached", s.attached, "may_enable", s.may_enable, "rx_state",
                               s.rx_state == LACP_RX_CURRENT ? "current"
                               : s.rx_state == LACP_RX_EXPIRED ? "expired" : "defaulted",
                               "actor_state", s.actor.state, "partner_state",
                               s.partner.state, "tx_pdus", (int)s.stats.tx_pdus, "rx_pdus",
                               (int)s.stats.rx_pdus));
    return json_pack("{s:s, s:b, s:o}", "name", bond->name, "negotiated",
                     lacp_get_status(bond->lacp) == LACP_STATUS_NEGOTIATED, "members", members);
}

/* Bonds sorted by name, as OVS lists them; only `name` when given. */
static size_t select_bonds(const struct switch_state *st, const char *name, bool need_lacp,
                           struct running_bond **out)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n_bonds; i++) {
        if ((name && strcmp(st->bonds[i]->name, name)) || (need_lacp && !st->bonds[i]->lacp))
            continue;
        size_t j = n++;
        while (j > 0 && strcmp(out[j - 1]->name, st->bonds[i]->name) > 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = st->bonds[i];
    }
    return n;
}

static void command_bond_show(int argc, const char *const *argv, struct control_reply *reply,
                              void *aux)
{
    struct switch_state *st = aux;
    struct running_bond **bonds = calloc(st->n_bonds + 1, sizeof *bonds);
    size_t n = select_bonds(st, argc ? argv[0] : NULL, false, bonds);
    if (argc && !n) {
        reply->error = xasprintf("no such bond");
        free(bonds);
        return;
    }
    struct strbuf text = STRBUF_INIT;
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++) {
        bond_format_show(&text, bonds[i]->bond, clock_monotonic_ms());
        json_array_append_new(data, bond_json(bonds[i]));
    }
    free(bonds);
    reply->text = strbuf_steal(&text);
    reply->data = data;
}

static void lacp_show(int argc, const char *const *argv, struct control_reply *reply,
                      void *aux, bool stats)
{
    struct switch_state *st = aux;
    struct running_bond **bonds = calloc(st->n_bonds + 1, sizeof *bonds);
    size_t n = select_bonds(st, argc ? argv[0] : NULL, true, bonds);
    if (argc && !n) {
        reply->error = xasprintf("%s: no such lacp object", argv[0]);
        free(bonds);
        return;
    }
    struct strbuf text = STRBUF_INIT;
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++) {
        if (stats)
            lacp_format_stats(&text, bonds[i]->lacp);
        else
            lacp_format_show(&text, bonds[i]->lacp);
        json_array_append_new(data, lacp_json(bonds[i]));
    }
    free(bonds);
    reply->text = strbuf_steal(&text);
    reply->data = data;
}

static void command_lacp_show(int argc, const char *const *argv, struct control_reply *reply,
                              void *aux)
{
    lacp_show(argc, argv, reply, aux, false);
}

static void command_lacp_stats(int argc, const char *const *argv, struct control_reply *reply,
                               void *aux)
{
    lacp_show(argc, argv, reply, aux, true);
}

/* PORT IFACE arguments: the bond and the member's id, or an error reply. */
static struct running_bond *bond_and_member(struct switch_state *st, const char *const *argv,
                                            uint32_t *id, struct control_reply *reply)
{
    struct running_bond *bond = bond_find(st, argv[0]);
    if (!bond) {
        reply->error = xasprintf("no such bond");
        return NULL;
    }
    int m = bond_member_by_name(bond, argv[1]);
    if (m < 0) {
        reply->error = xasprintf("no such member");
        return NULL;
    }
    *id = bond->members[m]->ofport;
    return bond;
}

static void command_set_active(int argc, const char *const *argv, struct control_reply *reply,
                               void *aux)
{
    struct switch_state *st = aux;
    uint32_t id;
    struct running_bond *bond = bond_and_member(st, argv, &id, reply);
    if (!bond)
        return;
    if (bond_set_active_member(bond->bond, id) < 0) {
        reply->error = xasprintf("cannot make disabled member active");
        return;
    }
    bonds_run_one(st, bond, clock_monotonic_ms());
    reply->text = xasprintf("device %s: %s is now the active member\n", argv[0], argv[1]);
}

static void enable_member(int argc, const char *const *argv, struct control_reply *reply,
                          void *aux, bool enable)
{
    struct switch_state *st = aux;
    uint32_t id;
    struct running_bond *bond = bond_and_member(st, argv, &id, reply);
    if (!bond)
        return;
    bond_enable_member(bond->bond, id, enable);
    bonds_run_one(st, bond, clock_monotonic_ms());
    reply->text = xasprintf("%s\n", enable ? "enabled" : "disabled");
}

static void command_enable(int argc, const char *const *argv, struct control_reply *reply,
                           void *aux)
{
    enable_member(argc, argv, reply, aux, true);
}

static void command_disable(int argc, const char *const *argv, struct control_reply *reply,
                            void *aux)
{
    enable_member(argc, argv, reply, aux, false);
}

static void command_hash(int argc, const char *const *argv, struct control_reply *reply,
                         void *aux)
{
    unsigned m[6];
    if (sscanf(argv[0], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
        reply->error = xasprintf("invalid mac");
        return;
    }
    uint8_t mac[6];
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)m[i];
    unsigned long vlan = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
    unsigned long basis = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    if (vlan > 4095) {
        reply->error = xasprintf("invalid vlan");
        return;
    }
    unsigned bucket = bond_hash_bucket(bond_hash_mac(mac, (uint16_t)vlan, (uint32_t)basis));
    reply->data = json_pack("{s:i}", "bucket", bucket);
    reply->text = xasprintf("%u\n", bucket);
}

void bond_commands_register(struct control_server *server, struct switch_state *st)
{
    control_server_register(server, "bond/show", "[port]", 0, 1, command_bond_show, st);
    control_server_register(server, "lacp/show", "[port]", 0, 1, command_lacp_show, st);
    control_server_register(server, "lacp/show-stats", "[port]", 0, 1, command_lacp_stats, st);
    control_server_register(server, "bond/set-active-member", "port member", 2, 2,
                            command_set_active, st);
    control_server_register(server, "bond/enable-member", "port member", 2, 2,
                            command_enable, st);
    control_server_register(server, "bond/disable-member", "port member", 2, 2,
                            command_disable, st);
    control_server_register(server, "bond/hash", "mac [vlan] [basis]", 1, 3, command_hash, st);
}
