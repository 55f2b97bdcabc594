/* vhost/show [PORT]: per vhost-user port, whether a front-end (guest) is on
 * the socket, the features it negotiated, its queue pairs, and each ring's
 * size and packet counter.  JSON data first, the text rendered from it. */
#include "control/vhost_commands.h"

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_server.h"
#include "control/switch_state.h"
#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "util/strbuf.h"

#ifndef VHOST_USER_F_PROTOCOL_FEATURES
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#endif

struct bit_name {
    unsigned bit;
    const char *name;
};

static const struct bit_name feature_names[] = {
    { VIRTIO_NET_F_CSUM, "VIRTIO_NET_F_CSUM" },
    { VIRTIO_NET_F_GUEST_CSUM, "VIRTIO_NET_F_GUEST_CSUM" },
    { VIRTIO_NET_F_MTU, "VIRTIO_NET_F_MTU" },
    { VIRTIO_NET_F_MAC, "VIRTIO_NET_F_MAC" },
    { VIRTIO_NET_F_GUEST_TSO4, "VIRTIO_NET_F_GUEST_TSO4" },
    { VIRTIO_NET_F_GUEST_TSO6, "VIRTIO_NET_F_GUEST_TSO6" },
    { VIRTIO_NET_F_GUEST_ECN, "VIRTIO_NET_F_GUEST_ECN" },
    { VIRTIO_NET_F_GUEST_UFO, "VIRTIO_NET_F_GUEST_UFO" },
    { VIRTIO_NET_F_HOST_TSO4, "VIRTIO_NET_F_HOST_TSO4" },
    { VIRTIO_NET_F_HOST_TSO6, "VIRTIO_NET_F_HOST_TSO6" },
    { VIRTIO_NET_F_HOST_ECN, "VIRTIO_NET_F_HOST_ECN" },
    { VIRTIO_NET_F_HOST_UFO, "VIRTIO_NET_F_HOST_UFO" },
    { VIRTIO_NET_F_MRG_RXBUF, "VIRTIO_NET_F_MRG_RXBUF" },
    { VIRTIO_NET_F_STATUS, "VIRTIO_NET_F_STATUS" },
    { VIRTIO_NET_F_CTRL_VQ, "VIRTIO_NET_F_CTRL_VQ" },
    { VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX" },
    { VIRTIO_NET_F_CTRL_VLAN, "VIRTIO_NET_F_CTRL_VLAN" },
    { VIRTIO_NET_F_GUEST_ANNOUNCE, "VIRTIO_NET_F_GUEST_ANNOUNCE" },
    { VIRTIO_NET_F_MQ, "VIRTIO_NET_F_MQ" },
    { VIRTIO_NET_F_CTRL_MAC_ADDR, "VIRTIO_NET_F_CTRL_MAC_ADDR" },
    { VIRTIO_RING_F_INDIRECT_DESC, "VIRTIO_RING_F_INDIRECT_DESC" },
    { VIRTIO_RING_F_EVENT_IDX, "VIRTIO_RING_F_EVENT_IDX" },
    { VHOST_USER_F_PROTOCOL_FEATURES, "VHOST_USER_F_PROTOCOL_FEATURES" },
    { VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1" },
};

static const struct bit_name protocol_feature_names[] = {
    { 0, "MQ" },           { 1, "LOG_SHMFD" },      { 2, "RARP" },
    { 3, "REPLY_ACK" },    { 4, "NET_MTU" },        { 5, "SLAVE_REQ" },
    { 6, "CROSS_ENDIAN" }, { 7, "CRYPTO_SESSION" }, { 8, "PAGEFAULT" },
    { 9, "CONFIG" },       { 10, "SLAVE_SEND_FD" }, { 11, "HOST_NOTIFIER" },
    { 12, "INFLIGHT_SHMFD" }, { 13, "RESET_DEVICE" }, { 15, "STATUS" },
};

static json_t *bits_json(uint64_t bits, const struct bit_name *names, size_t n_names)
{
    json_t *list = json_array();
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(bits & (1ull << bit)))
            continue;
        const char *name = NULL;
        for (size_t i = 0; i < n_names; i++)
            if (names[i].bit == bit)
                name = names[i].name;
        if (name) {
            json_array_append_new(list, json_string(name));
        } else {
            char unknown[16];
            snprintf(unknown, sizeof unknown, "bit %u", bit);
            json_array_append_new(list, json_string(unknown));
        }
    }
    return list;
}

static bool is_vhost_type(const char *type)
{
    return !strcmp(type, "dpdkvhostuser") || !strcmp(type, "dpdkvhostuserclient");
}

static json_t *port_json(const struct running_iface *iface)
{
    json_t *port = json_pack("{s:s, s:s}", "name", iface->name, "type", iface->type);
    struct netdev_vhostuser_status s;
    if (!iface->netdev || netdev_vhostuser_get_status(iface->netdev, &s)) {
        json_object_set_new(port, "state", json_string("not open"));
        if (iface->error)
            json_object_set_new(port, "error", json_string(iface->error));
        return port;
    }
    unsigned active = 0;
    json_t *queues = json_array();
    for (unsigned i = 0; i < s.n_queues; i++) {
        const struct netdev_vhostuser_queue_status *q = &s.queues[i];
        if (i % 2 == 1 && q->ready && s.queues[i - 1].ready)
            active++;
        json_array_append_new(
            queues, json_pack("{s:i, s:s, s:i, s:b, s:b, s:I}", "queue", (int)i, "direction",
                              i % 2 ? "guest tx" : "guest rx", "size", (int)q->size, "enabled",
                              q->enabled, "ready", q->ready, "packets", (json_int_t)q->packets));
    }
    json_object_set_new(port, "mode", json_string(s.client ? "client" : "server"));
    json_object_set_new(port, "socket", json_string(s.path));
    json_object_set_new(port, "state", json_string(s.connected ? "connected" : "waiting"));
    json_object_set_new(port, "features",
                        bits_json(s.features, feature_names,
                                  sizeof feature_names / sizeof feature_names[0]));
    json_object_set_new(port, "features_bits", json_integer((json_int_t)s.features));
    json_object_set_new(port, "protocol_features",
                        bits_json(s.protocol_features, protocol_feature_names,
                                  sizeof protocol_feature_names / sizeof protocol_feature_names[0]));
    json_object_set_new(port, "tx_retries_max", json_integer(s.tx_retries_max));
    json_object_set_new(port, "tx_retries", json_integer((json_int_t)s.tx_retries));
    json_object_set_new(port, "tx_failure_drops", json_integer((json_int_t)s.tx_failure_drops));
    json_object_set_new(port, "queue_pairs", json_integer(s.n_pairs));
    json_object_set_new(port, "active_queue_pairs", json_integer(active));
    json_object_set_new(port, "queues", queues);
    return port;
}

static void render_names(struct strbuf *text, const char *label, json_t *names)
{
    size_t i;
    json_t *name;
    strbuf_printf(text, "  %s:", label);
    if (!json_array_size(names))
        strbuf_puts(text, " (none)");
    json_array_foreach(names, i, name) {
        strbuf_printf(text, " %s", json_string_value(name));
    }
    strbuf_putc(text, '\n');
}

static void render_port(struct strbuf *text, json_t *port)
{
#define STR(key) json_string_value(json_object_get(port, key))
#define INT(obj, key) ((long long)json_integer_value(json_object_get(obj, key)))
    strbuf_printf(text, "%s:\n", STR("name"));
    json_t *mode = json_object_get(port, "mode");
    strbuf_printf(text, "  type: %s%s%s%s\n", STR("type"), mode ? " (" : "",
                  mode ? json_string_value(mode) : "", mode ? ")" : "");
    if (json_object_get(port, "socket"))
        strbuf_printf(text, "  socket: %s\n", STR("socket"));
    strbuf_printf(text, "  state: %s\n", STR("state"));
    if (json_object_get(port, "error"))
        strbuf_printf(text, "  error: %s\n", STR("error"));
    json_t *queues = json_object_get(port, "queues");
    if (!queues)
        return;
    render_names(text, "features", json_object_get(port, "features"));
    render_names(text, "protocol features", json_object_get(port, "protocol_features"));
    strbuf_printf(text, "  queue pairs: %lld (%lld active)\n", INT(port, "queue_pairs"),
                  INT(port, "active_queue_pairs"));
    strbuf_printf(text, "  tx retries: %lld (at most %lld per burst), tx failure drops: %lld\n",
                  INT(port, "tx_retries"), INT(port, "tx_retries_max"),
                  INT(port, "tx_failure_drops"));
    size_t i;
    json_t *q;
    json_array_foreach(queues, i, q) {
        json_t *direction = json_object_get(q, "direction");
        strbuf_printf(text, "  queue %lld (%s): size %lld, %s, packets %lld\n", INT(q, "queue"),
                      json_string_value(direction), INT(q, "size"),
                      json_is_true(json_object_get(q, "ready"))     ? "ready"
                      : json_is_true(json_object_get(q, "enabled")) ? "enabled"
                                                                    : "stopped",
                      INT(q, "packets"));
    }
#undef STR
#undef INT
}

static void command_vhost_show(int argc, const char *const *argv, struct control_reply *reply,
                               void *aux)
{
    struct switch_state *st = aux;
    json_t *ports = json_array();
    bool found = false;
    for (size_t i = 0; i < st->n_ifaces; i++) {
        const struct running_iface *iface = st->ifaces[i];
        if (argc == 1 && strcmp(iface->name, argv[0]))
            continue;
        found = true;
        if (!is_vhost_type(iface->type)) {
            if (argc == 1) {
                json_decref(ports);
                reply->error = xasprintf("%s: not a vhost-user port (type %s)", argv[0],
                                         *iface->type ? iface->type : "system");
                return;
            }
            continue;
        }
        json_array_append_new(ports, port_json(iface));
    }
    if (argc == 1 && !found) {
        json_decref(ports);
        reply->error = xasprintf("%s: no such port", argv[0]);
        return;
    }
    struct strbuf text = STRBUF_INIT;
    size_t i;
    json_t *port;
    json_array_foreach(ports, i, port) {
        render_port(&text, port);
    }
    reply->data = ports;
    reply->text = strbuf_steal(&text);
}

void vhost_commands_register(struct control_server *server, struct switch_state *st)
{
    control_server_register(server, "vhost/show", "[port]", 0, 1, command_vhost_show, st);
}
