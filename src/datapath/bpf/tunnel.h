/* Tunnel ports in the kernel: frames a collect-metadata vxlan device
 * decapsulated are matched to their tunnel port by (device, VNI, remote);
 * frames for a tunnel port get its key (bpf_skb_set_tunnel_key) and go to
 * the device's egress, which encapsulates them; frames from a tunnel that
 * go up are copied into that tunnel's ring buffer, the daemon's receive
 * queue for the port (the device has no socket of the daemon's: the
 * tunnel's identity is in the skb's metadata, which a socket cannot see). */
#ifndef PONTOON_DATAPATH_BPF_TUNNEL_H
#define PONTOON_DATAPATH_BPF_TUNNEL_H

#include "frame.h"
#include "maps.bpf.h"

/* The id of the tunnel port a decapsulated frame came from, or -1 (not
 * ours: another bridge's program on the same device may know it). */
static __always_inline int tunnel_rx_id(struct __sk_buff *skb)
{
    struct bpf_tunnel_key key;
    struct pbs_tunnel_key match;
    __builtin_memset(&key, 0, sizeof key);
    __builtin_memset(&match, 0, sizeof match);
    match.ifindex = skb->ifindex;
    if (bpf_skb_get_tunnel_key(skb, &key, sizeof key, 0) == 0) {
        match.remote[0] = key.remote_ipv4;
    } else if (bpf_skb_get_tunnel_key(skb, &key, sizeof key, BPF_F_TUNINFO_IPV6) == 0) {
        match.remote[0] = key.remote_ipv6[0];
        match.remote[1] = key.remote_ipv6[1];
        match.remote[2] = key.remote_ipv6[2];
        match.remote[3] = key.remote_ipv6[3];
    } else {
        return -1;
    }
    match.vni = key.tunnel_id;
    const __u32 *id = bpf_map_lookup_elem(&pbs_tunnel_in, &match);
    return id && *id < PBS_TUNNELS_MAX ? (int)*id : -1;
}

/* Whether a frame whose IP packet starts `l3_offset` bytes in fits the
 * tunnel's underlay.  A GSO packet is cut to segments that fit by whoever
 * made it (the guest's MSS): the kernel checks those itself. */
static __always_inline bool tunnel_fits(struct __sk_buff *skb, const struct pbs_tunnel *t,
                                        __u32 l3_offset)
{
    if (!t->inner_mtu || skb->gso_size)
        return true;
    return skb->len <= l3_offset || skb->len - l3_offset <= t->inner_mtu;
}

static __always_inline int tunnel_set_key(struct __sk_buff *skb, const struct pbs_tunnel *t)
{
    struct bpf_tunnel_key key;
    __u64 flags = 0;
    __builtin_memset(&key, 0, sizeof key);
    key.tunnel_id = t->out_key;
    key.tunnel_tos = t->tos;
    key.tunnel_ttl = t->ttl;
    if (t->flags & PBS_TUNNEL_IPV6) {
        flags |= BPF_F_TUNINFO_IPV6;
        for (int i = 0; i < 4; i++) {
            key.remote_ipv6[i] = t->remote[i];
            key.local_ipv6[i] = t->local[i];
        }
    } else {
        key.remote_ipv4 = t->remote[0];
        key.local_ipv4 = t->local[0];
    }
    if (!(t->flags & PBS_TUNNEL_CSUM))
        flags |= BPF_F_ZERO_CSUM_TX;
    if (t->flags & PBS_TUNNEL_DF)
        flags |= BPF_F_DONT_FRAGMENT;
    return bpf_skb_set_tunnel_key(skb, &key, sizeof key, flags);
}

/* Copies the frame, with its tag back in place when the stack moved it to
 * the metadata, into tunnel `id`'s ring.  False when it could not. */
static __always_inline bool tunnel_upcall(struct __sk_buff *skb, __u32 id)
{
    void *ring = bpf_map_lookup_elem(&pbs_upcalls, &id);
    __u32 zero = 0;
    struct pbs_upcall_scratch *s = bpf_map_lookup_elem(&pbs_upcall_scratch, &zero);
    if (!ring || !s)
        return false;
    __u32 len = skb->len;
    if (len < 2 * PBS_ETH_ALEN + 2 || len > PBS_UPCALL_FRAME_MAX - 4)
        return false;
    if (!skb->vlan_present) {
        if (bpf_skb_load_bytes(skb, 0, s->data, len) < 0)
            return false;
        return bpf_ringbuf_output(ring, s->data, len, 0) == 0;
    }
    if (bpf_skb_load_bytes(skb, 0, s->data, 2 * PBS_ETH_ALEN) < 0)
        return false;
    __u16 proto = bpf_ntohs(skb->vlan_proto), tci = (__u16)skb->vlan_tci;
    s->data[12] = (__u8)(proto >> 8);
    s->data[13] = (__u8)proto;
    s->data[14] = (__u8)(tci >> 8);
    s->data[15] = (__u8)tci;
    __u32 rest = len - 2 * PBS_ETH_ALEN;
    if (bpf_skb_load_bytes(skb, 2 * PBS_ETH_ALEN, s->data + 16, rest) < 0)
        return false;
    return bpf_ringbuf_output(ring, s->data, len + 4, 0) == 0;
}

#endif
