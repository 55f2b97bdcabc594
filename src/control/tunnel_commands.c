/* Tunnel ports at run time: see tunnel_commands.h. */
#include "control/tunnel_commands.h"

#include <stdio.h>
#include <string.h>

#include "control/control_server.h"
#include "netdev/netdev_tunnel.h"
#include "netdev/tunnel_socket.h"

#define LISTENERS_MAX 64

json_t *tunnel_port_json(struct netdev *dev)
{
    const struct tunnel_config *c = netdev_tunnel_config(dev);
    if (!c)
        return NULL;
    struct netdev_stats stats;
    dev->class->get_stats(dev, &stats);
    char remote[64], local[64];
    tunnel_addr_format(&c->remote, remote, sizeof remote);
    tunnel_addr_format(&c->local, local, sizeof local);
    unsigned default_port = c->kind == TUNNEL_GENEVE ? GENEVE_DEFAULT_PORT : VXLAN_DEFAULT_PORT;
    struct tunnel_kernel_info kernel;
    bool in_kernel = netdev_tunnel_kernel_info(dev, &kernel);
    return json_pack("{s:s, s:s, s:I, s:I, s:i, s:b, s:i, s:i, s:b, s:b, s:i, "
                     "s:I, s:I, s:I, s:I, s:i, s:s}",
                     "remote_ip", remote, "local_ip", local,
                     "in_key", (json_int_t)c->in_key, "out_key", (json_int_t)c->out_key,
                     "dst_port", c->dst_port, "default_port", c->dst_port == default_port,
                     "tos", c->tos, "ttl", c->ttl, "df_default", c->df, "csum", c->csum,
                     "inner_mtu", (int)netdev_tunnel_inner_mtu(dev),
                     "too_big", (json_int_t)netdev_tunnel_too_big(dev),
                     "rx_errors", (json_int_t)stats.rx_errors,
                     "rx_queue_dropped", (json_int_t)stats.rx_dropped,
                     "tx_errors", (json_int_t)stats.tx_errors,
                     "datapath_port", (int)netdev_tunnel_listener_number(dev),
                     /* Who encapsulates: the kernel's vxlan_sys device, or pontoond. */
                     "datapath", in_kernel ? "kernel" : "userspace");
}

static json_int_t get_int(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

void tunnel_port_text(const json_t *t, struct strbuf *options, struct strbuf *line)
{
    /* As OVS lists a tunnel's options: sorted, defaults left out. */
    const char *sep = ": ";
    if (json_is_true(json_object_get(t, "csum"))) {
        strbuf_printf(options, "%scsum=true", sep);
        sep = ", ";
    }
    if (!json_is_true(json_object_get(t, "df_default"))) {
        strbuf_printf(options, "%sdf_default=false", sep);
        sep = ", ";
    }
    if (!json_is_true(json_object_get(t, "default_port"))) {
        strbuf_printf(options, "%sdst_port=%lld", sep, (long long)get_int(t, "dst_port"));
        sep = ", ";
    }
    json_int_t in = get_int(t, "in_key"), out = get_int(t, "out_key");
    if (in == out)
        strbuf_printf(options, "%skey=%lld", sep, (long long)in);
    else
        strbuf_printf(options, "%sin_key=%lld, out_key=%lld", sep, (long long)in,
                      (long long)out);
    sep = ", ";
    const char *local = json_string_value(json_object_get(t, "local_ip"));
    if (local && *local)
        strbuf_printf(options, "%slocal_ip=%s", sep, local);
    strbuf_printf(options, "%sremote_ip=%s", sep,
                  json_string_value(json_object_get(t, "remote_ip")));
    if (get_int(t, "tos"))
        strbuf_printf(options, ", tos=%lld", (long long)get_int(t, "tos"));
    if (get_int(t, "ttl"))
        strbuf_printf(options, ", ttl=%lld", (long long)get_int(t, "ttl"));
    strbuf_printf(line, "        TUNNEL remote:%s vni:%lld inner_mtu:%lld too_big:%lld "
                  "rx_errors:%lld tx_errors:%lld datapath:%s\n",
                  json_string_value(json_object_get(t, "remote_ip")), (long long)out,
                  (long long)get_int(t, "inner_mtu"), (long long)get_int(t, "too_big"),
                  (long long)get_int(t, "rx_errors"), (long long)get_int(t, "tx_errors"),
                  json_string_value(json_object_get(t, "datapath")));
}

/* As OVS 3.1 prints it: each listening UDP port as the datapath port
 * "vxlan_sys_4789" or "genev_sys_6081" with its number in parentheses, in the
 * order they were first listened on; ref_cnt is how many tunnel ports
 * receive on it. */
static void command_tnl_ports_show(int argc, const char *const *argv,
                                   struct control_reply *reply, void *aux)
{
    struct tunnel_listener listeners[LISTENERS_MAX];
    size_t n = tunnel_listeners(listeners, LISTENERS_MAX);
    json_t *ports = json_array();
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s_sys_%u",
                 listeners[i].kind == TUNNEL_GENEVE ? "genev" : "vxlan", listeners[i].port);
        json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:i}", "name", name,
                                               "datapath_port", listeners[i].number,
                                               "udp_port", listeners[i].port,
                                               "ref_cnt", listeners[i].ref_cnt));
    }
    struct strbuf text = STRBUF_INIT;
    strbuf_puts(&text, "Listening ports:\n");
    size_t i;
    json_t *port;
    json_array_foreach(ports, i, port)
        strbuf_printf(&text, "%s (%lld) ref_cnt=%lld\n",
                      json_string_value(json_object_get(port, "name")),
                      (long long)get_int(port, "datapath_port"),
                      (long long)get_int(port, "ref_cnt"));
    reply->data = ports;
    reply->text = strbuf_steal(&text);
}

void tunnel_commands_register(struct control_server *server, struct switch_state *st)
{
    control_server_register(server, "tnl/ports/show", "", 0, 0, command_tnl_ports_show, st);
}
