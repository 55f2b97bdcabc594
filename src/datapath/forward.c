/* Receive -> decide -> send for one frame on one bridge: VLAN admission,
 * MAC learning, lookup, then output to one port or a flood within the VLAN.
 * Patch ports hand the frame to the peer bridge in-process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/datapath.h"
#include "packet/headers.h"

#define PATCH_DEPTH_MAX 4   /* bridges chained by patch ports; stops patch loops */

struct dp_worker_scratch {
    struct packet *patch_copy[PATCH_DEPTH_MAX];
};

struct dp_worker_scratch *dp_worker_scratch_new(void)
{
    struct dp_worker_scratch *scratch = calloc(1, sizeof *scratch);
    if (!scratch)
        return NULL;
    for (unsigned i = 0; i < PATCH_DEPTH_MAX; i++) {
        scratch->patch_copy[i] = packet_new();
        if (!scratch->patch_copy[i]) {
            dp_worker_scratch_free(scratch);
            return NULL;
        }
    }
    return scratch;
}

void dp_worker_scratch_free(struct dp_worker_scratch *scratch)
{
    if (!scratch)
        return;
    for (unsigned i = 0; i < PATCH_DEPTH_MAX; i++)
        packet_free(scratch->patch_copy[i]);
    free(scratch);
}

static inline void count_add(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);   /* single writer */
}

/* IEEE 802.1D reserved group addresses 01:80:c2:00:00:0x are never forwarded
 * (OVS's default, other_config:forward-bpdu=false). */
static bool is_reserved_multicast(const uint8_t *mac)
{
    static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };
    return !memcmp(mac, prefix, 5) && (mac[5] & 0xf0) == 0;
}

static void send_to_port(struct dp_port *out, struct packet *pkt, uint64_t now_ms,
                         struct dp_worker_scratch *scratch, unsigned depth)
{
    if (out->is_patch) {
        struct dp_port *peer = out->patch_peer;
        if (!peer || depth + 1 >= PATCH_DEPTH_MAX) {
            count_add(&out->stats->tx_dropped, 1);
            return;
        }
        /* The peer bridge may push or pop tags, so it gets its own copy. */
        struct packet *copy = scratch->patch_copy[depth];
        packet_reset(copy);
        memcpy(copy->data, pkt->data, pkt->len);
        copy->len = pkt->len;
        copy->offload = pkt->offload;
        count_add(&out->stats->tx_packets, 1);
        count_add(&out->stats->tx_bytes, pkt->len);
        dp_bridge_input(peer, copy, now_ms, scratch, depth + 1);
        return;
    }
    if (!out->netdev) {
        count_add(&out->stats->tx_dropped, 1);
        return;
    }
    struct packet *const one[1] = { pkt };
    int sent = out->netdev->class->send(out->netdev, 0, one, 1);
    if (sent == 1) {
        count_add(&out->stats->tx_packets, 1);
        count_add(&out->stats->tx_bytes, pkt->len);
    } else {
        count_add(&out->stats->tx_dropped, 1);
    }
}

static bool port_is_usable(const struct dp_port *port)
{
    return port->netdev || (port->is_patch && port->patch_peer);
}

void dp_bridge_input(struct dp_port *in_port, struct packet *pkt, uint64_t now_ms,
                     struct dp_worker_scratch *scratch, unsigned depth)
{
    struct dp_bridge *bridge = in_port->bridge;
    struct packet_headers hdr;

    count_add(&in_port->stats->rx_packets, 1);
    count_add(&in_port->stats->rx_bytes, pkt->len);
    if (packet_parse(pkt->data, pkt->len, &hdr) < 0 || is_reserved_multicast(hdr.dst_mac)) {
        count_add(&in_port->stats->rx_dropped, 1);
        return;
    }
    int vlan = vlan_admit(&in_port->vlan, hdr.has_vlan, hdr.vlan_tci & VLAN_VID_MASK);
    if (vlan < 0) {
        count_add(&in_port->stats->rx_dropped, 1);
        return;
    }
    /* Inside the switch a frame is untagged; its VLAN travels beside it. */
    if (hdr.has_vlan && packet_pop_vlan(pkt) < 0) {
        count_add(&in_port->stats->rx_dropped, 1);
        return;
    }
    uint8_t src[6], dst[6];
    memcpy(src, pkt->data + 6, 6);
    memcpy(dst, pkt->data, 6);

    uint32_t out_ofport = FDB_NO_PORT;
    pthread_mutex_lock(&bridge->fdb->lock);
    if (!eth_addr_is_multicast(src))
        fdb_learn(bridge->fdb->fdb, (uint16_t)vlan, src, in_port->ofport, now_ms);
    if (!eth_addr_is_multicast(dst))
        out_ofport = fdb_lookup(bridge->fdb->fdb, (uint16_t)vlan, dst, now_ms);
    pthread_mutex_unlock(&bridge->fdb->lock);

    if (out_ofport == in_port->ofport)
        return;    /* destination is behind the port it came from */

    /* Two passes: untagged outputs first, then push the tag once for the rest. */
    bool tagged_pending = false;
    for (size_t i = 0; i < bridge->n_ports; i++) {
        struct dp_port *out = bridge->ports[i];
        bool tag_it;
        if (out == in_port || !port_is_usable(out))
            continue;
        if (out_ofport != FDB_NO_PORT && out->ofport != out_ofport)
            continue;
        if (!vlan_egress(&out->vlan, (uint16_t)vlan, &tag_it))
            continue;
        if (tag_it)
            tagged_pending = true;
        else
            send_to_port(out, pkt, now_ms, scratch, depth);
    }
    if (!tagged_pending || packet_push_vlan(pkt, (uint16_t)vlan) < 0)
        return;
    for (size_t i = 0; i < bridge->n_ports; i++) {
        struct dp_port *out = bridge->ports[i];
        bool tag_it;
        if (out == in_port || !port_is_usable(out))
            continue;
        if (out_ofport != FDB_NO_PORT && out->ofport != out_ofport)
            continue;
        if (vlan_egress(&out->vlan, (uint16_t)vlan, &tag_it) && tag_it)
            send_to_port(out, pkt, now_ms, scratch, depth);
    }
}
