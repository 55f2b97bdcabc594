/* Each command builds its answer once as JSON data and renders the text
 * from that same data. */
#include "control/switch_commands.h"
#include "control/bond_runtime.h"
#include "control/kernel_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_server.h"
#include "control/bond_commands.h"
#include "control/pmd_commands.h"
#include "control/switch_state.h"
#include "control/tunnel_commands.h"
#include "netdev/netdev_vhostuser.h"
#include "control/vhost_commands.h"
#include "util/clock.h"
#include "util/strbuf.h"

#define FDB_DUMP_MAX (1u << 16)

static void format_ofport(char *buf, size_t size, uint32_t ofport)
{
    if (ofport == OFPORT_LOCAL)
        snprintf(buf, size, "LOCAL");
    else
        snprintf(buf, size, "%u", ofport);
}

static void command_fdb_show(int argc, const char *const *argv, struct control_reply *reply, void *aux)
{
    struct switch_state *st = aux;
    struct running_bridge *bridge = switch_find_bridge(st, argv[0]);
    if (!bridge) {
        reply->error = xasprintf("no such bridge");
        return;
    }
    struct fdb_entry *entries = malloc(FDB_DUMP_MAX * sizeof *entries);
    if (!entries) {
        reply->error = xasprintf("out of memory");
        return;
    }
    dp_fdb_write_lock(bridge->fdb);
    size_t n = fdb_dump(bridge->fdb->fdb, entries, FDB_DUMP_MAX, clock_monotonic_ms());
    dp_fdb_write_unlock(bridge->fdb);

    json_t *data = json_array();
    struct strbuf text = STRBUF_INIT;
    strbuf_puts(&text, " port  VLAN  MAC                Age\n");
    for (size_t i = 0; i < n; i++) {
        char port[16], mac[18];
        format_ofport(port, sizeof port, entries[i].port);
        const uint8_t *m = entries[i].mac;
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                 m[4], m[5]);
        json_array_append_new(data, json_pack("{s:s, s:i, s:s, s:i}", "port", port, "vlan",
                                              entries[i].vlan, "mac", mac, "age",
                                              entries[i].age_s));
    }
    size_t i;
    json_t *entry;
    json_array_foreach(data, i, entry) {
        strbuf_printf(&text, "%5s  %4d  %s  %3d\n",
                      json_string_value(json_object_get(entry, "port")),
                      (int)json_integer_value(json_object_get(entry, "vlan")),
                      json_string_value(json_object_get(entry, "mac")),
                      (int)json_integer_value(json_object_get(entry, "age")));
    }
    free(entries);
    reply->data = data;
    reply->text = strbuf_steal(&text);
}

static void command_fdb_flush(int argc, const char *const *argv, struct control_reply *reply,
                      void *aux)
{
    struct switch_state *st = aux;
    if (argc == 1 && !switch_find_bridge(st, argv[0])) {
        reply->error = xasprintf("no such bridge");
        return;
    }
    for (size_t i = 0; i < st->n_bridges; i++) {
        struct running_bridge *bridge = st->bridges[i];
        if (argc == 1 && strcmp(bridge->name, argv[0]))
            continue;
        kernel_path_flush(bridge);
        dp_fdb_write_lock(bridge->fdb);
        fdb_flush(bridge->fdb->fdb);
        dp_fdb_write_unlock(bridge->fdb);
    }
    reply->text = xasprintf("table successfully flushed\n");
}

static uint64_t load_counter(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* A kernel port's counters (datapath_type=system): what the program did. */
static json_t *kernel_json(struct switch_state *st, const struct running_bridge *rb,
                           const struct dp_port *port, const struct running_iface *iface)
{
    struct pbs_counters c;
    const struct running_bond *bond = port->bond ? bond_find(st, port->name) : NULL;
    if (bond ? !kernel_path_bond_counters(st, bond, &c)
             : !iface || !kernel_path_port_counters(rb, iface, &c))
        return NULL;
    const char *hook = bond ? "ingress" : iface->kernel_flags & PBS_PORT_HOOK_EGRESS ? "egress"
                                                                                     : "ingress";
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "hook", hook,
                     "attach", kernel_path_hook_kind(rb),
                     "rx_packets", (json_int_t)c.n[PBS_RX], "rx_bytes",
                     (json_int_t)c.n[PBS_RX_BYTES], "forwarded", (json_int_t)c.n[PBS_FORWARDED],
                     "forwarded_bytes", (json_int_t)c.n[PBS_FORWARDED_BYTES], "passed_up",
                     (json_int_t)c.n[PBS_PASSED_UP], "dropped", (json_int_t)c.n[PBS_DROPPED],
                     "unknown_unicast", (json_int_t)c.n[PBS_PASS_UNKNOWN], "floods",
                     (json_int_t)c.n[PBS_PASS_FLOOD], "tx_packets", (json_int_t)c.n[PBS_TX],
                     "too_big", (json_int_t)c.n[PBS_DROP_TOO_BIG]);
}

static json_t *port_json(const struct dp_port *port, const struct running_iface *iface)
{
    const struct dp_port_stats *s = port->stats;
    const char *type = iface && iface->type[0] ? iface->type : "system";
    json_t *j = json_pack("{s:s, s:i, s:s, s:b, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}",
                          "name", port->name, "ofport", (json_int_t)port->ofport,
                          "type", type, "present", port->netdev != NULL || port->is_patch,
                          "rx", "packets", (json_int_t)load_counter(&s->rx_packets), "bytes",
                          (json_int_t)load_counter(&s->rx_bytes), "dropped",
                          (json_int_t)load_counter(&s->rx_dropped), "tx", "packets",
                          (json_int_t)load_counter(&s->tx_packets), "bytes",
                          (json_int_t)load_counter(&s->tx_bytes), "dropped",
                          (json_int_t)load_counter(&s->tx_dropped));
    if (port->is_patch && iface)
        json_object_set_new(j, "peer", json_string(iface->peer));
    if (iface) {   /* the kernel asked about its device, a reconcile its port (for tests) */
        json_object_set_new(j, "link_queries", json_integer((json_int_t)iface->link_queries));
        json_object_set_new(j, "port_visits", json_integer((json_int_t)iface->port_visits));
        json_object_set_new(j, "kernel_syncs", json_integer((json_int_t)iface->kernel_syncs));
    }
    if (port->bond) {
        json_object_set_new(j, "type", json_string("bond"));
        json_object_set_new(j, "present", json_true());
        json_t *members = json_array();
        for (unsigned m = 0; m < port->n_members; m++)
            json_array_append_new(members, json_string(port->members[m].name));
        json_object_set_new(j, "members", members);
    }
    if (port->netdev && port->netdev->ifindex)
        json_object_set_new(j, "ifindex", json_integer(port->netdev->ifindex));
    if (port->netdev) {
        json_object_set_new(j, "n_rxq", json_integer(port->netdev->n_rxq));
        json_object_set_new(j, "rx_rings", json_integer(netdev_rx_rings(port->netdev)));
    }
    json_t *tunnel = port->netdev ? tunnel_port_json(port->netdev) : NULL;
    if (tunnel)
        json_object_set_new(j, "tunnel", tunnel);
    struct netdev_vhostuser_status vhost;
    if (port->netdev && netdev_vhostuser_get_status(port->netdev, &vhost) == 0) {
        unsigned ready = 0;
        for (unsigned q = 0; q < vhost.n_queues; q++)
            ready += vhost.queues[q].ready;
        json_object_set_new(j, "vhost", json_pack("{s:s, s:i}", "state",
                                                  vhost.connected ? "connected" : "waiting",
                                                  "ready_queues", ready));
    }
    return j;
}

static const struct running_iface *find_running(const struct switch_state *st,
                                                const char *bridge, const char *name)
{
    return iface_index_find(&st->iface_index, bridge, name);
}

static void format_datapath(json_t *bridges, const char *datapath, struct strbuf *out);

static void command_dpif_show(int argc, const char *const *argv, struct control_reply *reply,
                      void *aux)
{
    struct switch_state *st = aux;
    json_t *bridges = json_array();
    for (size_t b = 0; st->config && b < st->config->n_bridges; b++) {
        const struct dp_bridge *bridge = st->config->bridges[b];
        const struct running_bridge *rb = switch_find_bridge(st, bridge->name);
        json_t *ports = json_array();
        for (size_t p = 0; p < bridge->n_ports; p++) {
            const struct running_iface *iface = find_running(st, bridge->name,
                                                             bridge->ports[p]->name);
            json_t *port = port_json(bridge->ports[p], iface);
            json_t *kernel = rb ? kernel_json(st, rb, bridge->ports[p], iface) : NULL;
            json_t *tunnel = json_object_get(port, "tunnel");
            if (kernel && tunnel)   /* the kernel's drops of frames too big for it, too */
                json_object_set_new(tunnel, "too_big",
                                    json_integer(json_integer_value(json_object_get(
                                                     tunnel, "too_big")) +
                                                 json_integer_value(json_object_get(
                                                     kernel, "too_big"))));
            if (kernel)
                json_object_set_new(port, "kernel", kernel);
            json_array_append_new(ports, port);
        }
        json_array_append_new(bridges, json_pack("{s:s, s:s, s:o}", "name", bridge->name,
                                                 "datapath", bridge->kernel_path ? "system"
                                                                                 : "netdev",
                                                 "ports", ports));
    }

    /* OVS's layout: the bridges under their datapath ("netdev@ovs-netdev:",
     * "system@ovs-system:"), "name ofport/ifindex: (type)" for each port,
     * with the counters below it. */
    struct strbuf text = STRBUF_INIT;
    static const char *const datapaths[] = { "netdev", "system" };
    for (size_t d = 0; d < 2; d++)
        format_datapath(bridges, datapaths[d], &text);
    reply->data = bridges;
    reply->text = strbuf_steal(&text);
}

static void format_datapath(json_t *bridges, const char *datapath, struct strbuf *out)
{
    struct strbuf text = STRBUF_INIT;
    bool any = false;
    size_t i, j;
    json_t *bridge, *port;
    json_array_foreach(bridges, i, bridge) {
        if (strcmp(json_string_value(json_object_get(bridge, "datapath")), datapath))
            continue;
        if (!any)
            strbuf_printf(&text, "%s@ovs-%s:\n", datapath, datapath);
        any = true;
        strbuf_printf(&text, "  %s:\n", json_string_value(json_object_get(bridge, "name")));
        json_array_foreach(json_object_get(bridge, "ports"), j, port) {
            char ofport[16], where[32];
            format_ofport(ofport, sizeof ofport,
                          (uint32_t)json_integer_value(json_object_get(port, "ofport")));
            json_t *ifindex = json_object_get(port, "ifindex");
            json_t *listener = json_object_get(json_object_get(port, "tunnel"), "datapath_port");
            if (ifindex)
                snprintf(where, sizeof where, "%lld", (long long)json_integer_value(ifindex));
            else if (json_integer_value(listener))   /* a tunnel: its UDP port's, as OVS */
                snprintf(where, sizeof where, "%lld", (long long)json_integer_value(listener));
            else
                snprintf(where, sizeof where, "none");
            const char *type = json_string_value(json_object_get(port, "type"));
            json_t *peer = json_object_get(port, "peer");
            struct strbuf config = STRBUF_INIT, tunnel_line = STRBUF_INIT;
            json_int_t rings = json_integer_value(json_object_get(port, "rx_rings"));
            json_t *tunnel = json_object_get(port, "tunnel");
            if (peer)
                strbuf_printf(&config, ": peer=%s", json_string_value(peer));
            else if (tunnel)
                tunnel_port_text(tunnel, &config, &tunnel_line);
            else if (rings)
                strbuf_printf(&config, ": rx_rings=%lld", (long long)rings);
            strbuf_printf(&text, "    %s %s/%s: (%s%s)%s",
                          json_string_value(json_object_get(port, "name")), ofport, where,
                          type, strbuf_cstr(&config),
                          json_is_true(json_object_get(port, "present")) ? "" : " missing");
            json_t *vhost = json_object_get(port, "vhost");
            if (vhost)
                strbuf_printf(&text, " vhost: %s, %d queues ready",
                              json_string_value(json_object_get(vhost, "state")),
                              (int)json_integer_value(json_object_get(vhost, "ready_queues")));
            size_t k;
            json_t *member;
            json_array_foreach(json_object_get(port, "members"), k, member)
                strbuf_printf(&text, "%s%s", k ? "," : " members:", json_string_value(member));
            strbuf_putc(&text, '\n');
            json_t *rx = json_object_get(port, "rx"), *tx = json_object_get(port, "tx");
            strbuf_printf(&text,
                          "        RX packets:%lld bytes:%lld dropped:%lld\n"
                          "        TX packets:%lld bytes:%lld dropped:%lld\n",
                          (long long)json_integer_value(json_object_get(rx, "packets")),
                          (long long)json_integer_value(json_object_get(rx, "bytes")),
                          (long long)json_integer_value(json_object_get(rx, "dropped")),
                          (long long)json_integer_value(json_object_get(tx, "packets")),
                          (long long)json_integer_value(json_object_get(tx, "bytes")),
                          (long long)json_integer_value(json_object_get(tx, "dropped")));
            json_t *kernel = json_object_get(port, "kernel");
            if (kernel)
                strbuf_printf(&text,
                              "        kernel (%s %s): RX packets:%lld forwarded:%lld "
                              "up:%lld dropped:%lld TX packets:%lld\n",
                              json_string_value(json_object_get(kernel, "attach")),
                              json_string_value(json_object_get(kernel, "hook")),
                              (long long)json_integer_value(json_object_get(kernel, "rx_packets")),
                              (long long)json_integer_value(json_object_get(kernel, "forwarded")),
                              (long long)json_integer_value(json_object_get(kernel, "passed_up")),
                              (long long)json_integer_value(json_object_get(kernel, "dropped")),
                              (long long)json_integer_value(json_object_get(kernel, "tx_packets")));
            strbuf_puts(&text, strbuf_cstr(&tunnel_line));
            strbuf_free(&config);
            strbuf_free(&tunnel_line);
        }
    }
    strbuf_puts(out, strbuf_cstr(&text));
    strbuf_free(&text);
}

static void command_version(int argc, const char *const *argv, struct control_reply *reply, void *aux)
{
    reply->data = json_pack("{s:s}", "version", PONTOON_VERSION);
    reply->text = xasprintf("pontoond (Pontoon) %s\n", PONTOON_VERSION);
}

void switch_commands_register(struct control_server *server, struct switch_state *st)
{
    control_server_register(server, "fdb/show", "bridge", 1, 1, command_fdb_show, st);
    control_server_register(server, "fdb/flush", "[bridge]", 0, 1, command_fdb_flush, st);
    control_server_register(server, "dpif/show", "", 0, 0, command_dpif_show, st);
    control_server_register(server, "version", "", 0, 0, command_version, st);
    pmd_commands_register(server, st);
    vhost_commands_register(server, st);
    bond_commands_register(server, st);
    tunnel_commands_register(server, st);
}
