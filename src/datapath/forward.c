/* Receive -> decide -> send for one frame on one bridge: VLAN admission,
 * MAC learning, lookup, then output to one port or a flood within the VLAN.
 * A frame with one known destination waits in that port's output queue so a
 * whole batch leaves in one send; floods go out at once.  Patch ports hand
 * the frame to the peer bridge in-process. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/bpf/switch_maps.h"
#include "datapath/datapath.h"
#include "packet/headers.h"

#define PATCH_DEPTH_MAX 4          /* bridges chained by patch ports; stops patch loops */
#define FDB_REFRESH_MS 1000        /* re-learn a known MAC at most this often */
#define ETH_TYPE_SLOW_PROTOCOLS 0x8809

struct dp_output_queue {
    unsigned count;
    struct packet *packets[PACKET_BATCH_MAX];
};

struct dp_output {
    struct packet *patch_copy[PATCH_DEPTH_MAX];
    struct dp_output_queue *queues;     /* by dp_port.index */
    struct dp_port **ports;             /* the port behind each pending queue */
    uint32_t *pending;                  /* indexes of non-empty queues */
    size_t n_pending;
    size_t n_ports;
};

struct dp_output *dp_output_new(void)
{
    struct dp_output *out = calloc(1, sizeof *out);
    if (!out)
        return NULL;
    for (unsigned i = 0; i < PATCH_DEPTH_MAX; i++) {
        out->patch_copy[i] = packet_new();
        if (!out->patch_copy[i]) {
            dp_output_free(out);
            return NULL;
        }
    }
    return out;
}

void dp_output_free(struct dp_output *out)
{
    if (!out)
        return;
    for (unsigned i = 0; i < PATCH_DEPTH_MAX; i++)
        packet_free(out->patch_copy[i]);
    free(out->queues);
    free(out->ports);
    free(out->pending);
    free(out);
}

int dp_output_resize(struct dp_output *out, size_t n_ports)
{
    size_t n = n_ports ? n_ports : 1;
    struct dp_output_queue *queues = calloc(n, sizeof *queues);
    struct dp_port **ports = calloc(n, sizeof *ports);
    uint32_t *pending = calloc(n, sizeof *pending);
    if (!queues || !ports || !pending) {
        free(queues);
        free(ports);
        free(pending);
        return -ENOMEM;
    }
    free(out->queues);
    free(out->ports);
    free(out->pending);
    out->queues = queues;
    out->ports = ports;
    out->pending = pending;
    out->n_pending = 0;
    out->n_ports = n_ports;
    return 0;
}

static inline void count_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* IEEE 802.1D reserved group addresses 01:80:c2:00:00:0x are never forwarded
 * (OVS's default, other_config:forward-bpdu=false). */
static bool is_reserved_multicast(const uint8_t *mac)
{
    static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };
    return !memcmp(mac, prefix, 5) && (mac[5] & 0xf0) == 0;
}

static void send_now(struct dp_port *port, struct packet *const *packets, unsigned n)
{
    int sent = port->netdev->class->send(port->netdev, 0, packets, n);
    unsigned ok = sent > 0 ? (unsigned)sent : 0;
    uint64_t bytes = 0;
    for (unsigned i = 0; i < ok; i++)
        bytes += packets[i]->len;
    count_add(&port->stats->tx_packets, ok);
    count_add(&port->stats->tx_bytes, bytes);
    if (ok < n)
        count_add(&port->stats->tx_dropped, n - ok);
}

unsigned dp_output_flush(struct dp_output *out, struct dp_worker_stats *stats)
{
    unsigned total = 0;
    for (size_t i = 0; i < out->n_pending; i++) {
        uint32_t index = out->pending[i];
        struct dp_output_queue *queue = &out->queues[index];
        send_now(out->ports[index], queue->packets, queue->count);
        total += queue->count;
        if (stats) {
            stats->tx_packets += queue->count;
            stats->tx_batches++;
        }
        queue->count = 0;
    }
    out->n_pending = 0;
    return total;
}

static void enqueue(struct dp_output *out, struct dp_port *port, struct packet *pkt)
{
    if (port->index >= out->n_ports) {   /* not sized for this snapshot: send alone */
        send_now(port, &pkt, 1);
        return;
    }
    struct dp_output_queue *queue = &out->queues[port->index];
    if (queue->count == PACKET_BATCH_MAX) {
        send_now(port, queue->packets, queue->count);
        queue->count = 0;
    }
    if (queue->count == 0) {
        bool listed = false;
        for (size_t i = 0; i < out->n_pending && !listed; i++)
            listed = out->pending[i] == port->index;
        if (!listed)
            out->pending[out->n_pending++] = port->index;
        out->ports[port->index] = port;
    }
    queue->packets[queue->count++] = pkt;
}

static void send_to_bond(struct dp_port *port, struct packet *pkt, uint16_t vlan)
{
    int member = dp_bond_choose_member(port, pkt, vlan);
    if (member < 0) {
        count_add(&port->stats->tx_dropped, 1);
        return;
    }
    struct dp_bond_member *m = &port->members[member];
    struct packet *const one[1] = { pkt };
    int sent = m->netdev->class->send(m->netdev, 0, one, 1);
    if (sent == 1) {
        count_add(&port->stats->tx_packets, 1);
        count_add(&port->stats->tx_bytes, pkt->len);
        count_add(&m->stats->tx_packets, 1);
        count_add(&m->stats->tx_bytes, pkt->len);
    } else {
        count_add(&port->stats->tx_dropped, 1);
    }
}

static void send_to_port(struct dp_port *port, struct packet *pkt, uint16_t vlan,
                         uint64_t now_ms, struct dp_output *out, unsigned depth,
                         bool only_output)
{
    if (port->bond) {
        send_to_bond(port, pkt, vlan);
        return;
    }
    if (port->is_patch) {
        struct dp_port *peer = port->patch_peer;
        if (!peer || depth + 1 >= PATCH_DEPTH_MAX) {
            count_add(&port->stats->tx_dropped, 1);
            return;
        }
        /* The peer bridge may push or pop tags, so it gets its own copy. */
        struct packet *copy = out->patch_copy[depth];
        packet_reset(copy);
        memcpy(copy->data, pkt->data, pkt->len);
        copy->len = pkt->len;
        copy->offload = pkt->offload;
        count_add(&port->stats->tx_packets, 1);
        count_add(&port->stats->tx_bytes, pkt->len);
        dp_bridge_input(peer, -1, copy, now_ms, out, depth + 1);
        return;
    }
    if (!port->netdev) {
        count_add(&port->stats->tx_dropped, 1);
        return;
    }
    /* Only a frame received from a port (depth 0) with this one output may
     * wait: its buffer stays untouched until the flush. */
    if (only_output && depth == 0)
        enqueue(out, port, pkt);
    else
        send_now(port, &pkt, 1);
}

static bool port_is_usable(const struct dp_port *port)
{
    return port->netdev || port->bond || (port->is_patch && port->patch_peer);
}

/* The kernel's entry for a MAC behind a port only userspace switches: its
 * frames from kernel ports come up here (a kernel port learns its own MACs
 * in the program).  Once per learn or refresh, as the table above. */
static void kernel_fdb_learn_userspace(int fd, uint16_t vlan, const uint8_t *mac,
                                       uint64_t now_ms)
{
    struct pbs_fdb_key key;
    memset(&key, 0, sizeof key);
    key.bridge_id = KERNEL_BRIDGE_ID;
    key.vlan = vlan;
    memcpy(key.mac, mac, sizeof key.mac);
    struct pbs_fdb_entry entry = { .ifindex = PBS_IFINDEX_USERSPACE,
                                   .seen_ns = now_ms * 1000000ull };
    bpf_map_update_elem(fd, &key, &entry, BPF_ANY);
}

static void learn_source(struct dp_bridge *bridge, struct dp_port *in_port, uint16_t vlan,
                         const uint8_t *src, uint64_t now_ms)
{
    uint64_t seen_ms = 0;
    uint32_t known = dp_fdb_lookup(bridge->fdb, vlan, src, now_ms, &seen_ms);
    /* The common case (known here, seen recently) writes nothing. */
    if (known == in_port->ofport && now_ms - seen_ms < FDB_REFRESH_MS)
        return;
    dp_fdb_learn(bridge->fdb, vlan, src, in_port->ofport, now_ms);
    if (bridge->kernel_path && !in_port->in_kernel)
        kernel_fdb_learn_userspace(bridge->kernel_fdb_fd, vlan, src, now_ms);
}

void dp_bridge_input(struct dp_port *in_port, int member, struct packet *pkt, uint64_t now_ms,
                     struct dp_output *out, unsigned depth)
{
    struct dp_bridge *bridge = in_port->bridge;
    struct packet_headers hdr;

    if (depth > 0) {   /* frames from a port were counted per batch by the worker */
        count_add(&in_port->stats->rx_packets, 1);
        count_add(&in_port->stats->rx_bytes, pkt->len);
    }
    if (packet_parse(pkt->data, pkt->len, &hdr) < 0) {
        count_add(&in_port->stats->rx_dropped, 1);
        return;
    }
    if (in_port->bond && hdr.ethertype == ETH_TYPE_SLOW_PROTOCOLS && !hdr.has_vlan) {
        dp_bond_admit(in_port, member, pkt, 0, FDB_NO_PORT);   /* LACP: to control */
        return;
    }
    if (is_reserved_multicast(hdr.dst_mac)) {
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
    const uint8_t *dst = pkt->data, *src = pkt->data + 6;
    if (in_port->bond) {
        uint64_t seen_ms;
        uint32_t src_port = dp_fdb_lookup(bridge->fdb, (uint16_t)vlan, src, now_ms, &seen_ms);
        if (!dp_bond_admit(in_port, member, pkt, (uint16_t)vlan, src_port))
            return;
    }
    if (!eth_addr_is_multicast(src))
        learn_source(bridge, in_port, (uint16_t)vlan, src, now_ms);
    uint32_t out_ofport = FDB_NO_PORT;
    if (!eth_addr_is_multicast(dst)) {
        uint64_t seen_ms;
        out_ofport = dp_fdb_lookup(bridge->fdb, (uint16_t)vlan, dst, now_ms, &seen_ms);
    }
    if (out_ofport == in_port->ofport)
        return;    /* destination is behind the port it came from */

    if (out_ofport != FDB_NO_PORT) {
        for (size_t i = 0; i < bridge->n_ports; i++) {
            struct dp_port *port = bridge->ports[i];
            bool tag_it;
            if (port->ofport != out_ofport)
                continue;
            if (!port_is_usable(port) || !vlan_egress(&port->vlan, (uint16_t)vlan, &tag_it))
                return;
            if (tag_it && packet_push_vlan(pkt, (uint16_t)vlan) < 0)
                return;
            send_to_port(port, pkt, (uint16_t)vlan, now_ms, out, depth, true);
            return;
        }
        /* Learned on a port that is gone: flood like an unknown destination. */
    }

    /* Flood within the VLAN: untagged outputs first, then push the tag once.
     * Split horizon: in a full mesh every host floods to every other itself,
     * so a frame from one tunnel goes out of no other. */
    bool from_tunnel = in_port->is_tunnel && bridge->tunnel_split_horizon;
    bool tagged_pending = false;
    for (size_t i = 0; i < bridge->n_ports; i++) {
        struct dp_port *port = bridge->ports[i];
        bool tag_it;
        if (port == in_port || !port_is_usable(port) || (from_tunnel && port->is_tunnel) ||
            !vlan_egress(&port->vlan, (uint16_t)vlan, &tag_it))
            continue;
        if (tag_it)
            tagged_pending = true;
        else
            send_to_port(port, pkt, (uint16_t)vlan, now_ms, out, depth, false);
    }
    if (!tagged_pending || packet_push_vlan(pkt, (uint16_t)vlan) < 0)
        return;
    for (size_t i = 0; i < bridge->n_ports; i++) {
        struct dp_port *port = bridge->ports[i];
        bool tag_it;
        if (port != in_port && port_is_usable(port) && !(from_tunnel && port->is_tunnel) &&
            vlan_egress(&port->vlan, (uint16_t)vlan, &tag_it) && tag_it)
            send_to_port(port, pkt, (uint16_t)vlan, now_ms, out, depth, false);
    }
}
