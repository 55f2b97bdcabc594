/* Bonds in the kernel: bond_path.c's dp_bond_admit and
 * dp_bond_choose_member over the bonds map the control thread keeps, with
 * switching/bond.c's bond_hash_mac (balance-slb) and packet/headers.c's
 * packet_flow_hash (balance-tcp) bit for bit, so that a flow takes the same
 * member whichever datapath sends it. */
#ifndef PONTOON_DATAPATH_BPF_BOND_H
#define PONTOON_DATAPATH_BPF_BOND_H

#include <linux/in.h>

#include "frame.h"
#include "mac_table.h"
#include "switch_maps.h"

static __always_inline __u32 rotl32(__u32 x, int r)
{
    return x << r | x >> (32 - r);
}

/* MurmurHash3 steps: bond.c's mhash_* skip a zero word, headers.c's do not. */
static __always_inline __u32 murmur_add(__u32 hash, __u32 data, bool skip_zero)
{
    if (data || !skip_zero) {
        data *= 0xcc9e2d51u;
        data = rotl32(data, 15);
        data *= 0x1b873593u;
        hash ^= data;
    }
    hash = rotl32(hash, 13);
    return hash * 5 + 0xe6546b64u;
}

static __always_inline __u32 murmur_finish(__u32 hash)
{
    hash ^= hash >> 16;
    hash *= 0x85ebca6bu;
    hash ^= hash >> 13;
    hash *= 0xc2b2ae35u;
    hash ^= hash >> 16;
    return hash;
}

static __always_inline __u32 bond_hash_mac(const __u8 *mac, __u16 vlan, __u32 basis)
{
    __u64 word = (__u64)vlan << 48;
    for (int i = 0; i < 6; i++)
        word |= (__u64)mac[i] << (40 - 8 * i);
    __u32 hash = murmur_add(basis, (__u32)word, true);
    hash = murmur_add(hash, (__u32)(word >> 32), true);
    return murmur_finish(hash ^ 8);
}

static __always_inline __u32 le_word(const __u8 *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

struct pbs_l4_ports {
    __be16 src, dst;
};

/* packet_flow_hash over the frame as it leaves: `vid` is its tag's VID (0
 * when it leaves untagged). */
static __always_inline __u32 bond_flow_hash(struct __sk_buff *skb, const struct pbs_frame *f,
                                            __u32 vid, __u32 basis)
{
    __u32 hash = basis, n = 12;
    hash = murmur_add(hash, le_word(f->dst), false);
    hash = murmur_add(hash, (__u32)(f->dst[4] | f->dst[5] << 8 | f->src[0] << 16) |
                                (__u32)f->src[1] << 24, false);
    hash = murmur_add(hash, le_word(f->src + 2), false);
    hash = murmur_add(hash, vid << 16 | f->ethertype, false);
    n += 4;
    /* headers.c keeps the L2 view only beyond 64 KiB. */
    if (skb->len > 0xffff)
        return murmur_finish(hash ^ n);

    __u32 l3 = f->l3_offset, l4 = 0, words = 0;
    __u8 proto = 0;
    __u32 addr[8];
    if (f->ethertype == ETH_P_IP) {
        struct {
            __u8 version_ihl, tos;
            __be16 tot_len, id, frag_off;
            __u8 ttl, protocol;
            __be16 check;
            __u32 saddr, daddr;
        } ip;
        if (bpf_skb_load_bytes_relative(skb, l3, &ip, sizeof ip, BPF_HDR_START_MAC) < 0)
            return murmur_finish(hash ^ n);
        __u32 ihl = (ip.version_ihl & 0x0f) * 4;
        if (ip.version_ihl >> 4 != 4 || ihl < sizeof ip || skb->len - l3 < ihl)
            return murmur_finish(hash ^ n);
        words = 1;
        proto = ip.protocol;
        addr[0] = ip.saddr;
        addr[4] = ip.daddr;
        if (!(ip.frag_off & bpf_htons(0x1fff)))
            l4 = l3 + ihl;
    } else if (f->ethertype == ETH_P_IPV6) {
        __u8 ip6[40];
        if (bpf_skb_load_bytes_relative(skb, l3, ip6, sizeof ip6, BPF_HDR_START_MAC) < 0 ||
            ip6[0] >> 4 != 6)
            return murmur_finish(hash ^ n);
        words = 4;
        proto = ip6[6];
        for (int i = 0; i < 4; i++) {
            addr[i] = le_word(ip6 + 8 + 4 * i);
            addr[4 + i] = le_word(ip6 + 24 + 4 * i);
        }
        l4 = l3 + sizeof ip6;
    } else {
        return murmur_finish(hash ^ n);
    }
    for (__u32 i = 0; i < 4; i++) {
        if (i < words) {
            hash = murmur_add(hash, addr[i], false);
            hash = murmur_add(hash, addr[4 + i], false);
        }
    }
    __u32 need = proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP ? 8
               : proto == IPPROTO_SCTP ? 12 : 0;
    struct pbs_l4_ports ports = { 0, 0 };
    if (l4 && need && l4 <= skb->len && skb->len - l4 >= need &&
        bpf_skb_load_bytes_relative(skb, l4, &ports, sizeof ports, BPF_HDR_START_MAC) < 0)
        ports.src = ports.dst = 0;       /* headers.c: no ports then */
    hash = murmur_add(hash, proto, false);
    hash = murmur_add(hash, (__u32)bpf_ntohs(ports.src) << 16 | bpf_ntohs(ports.dst), false);
    n += 8 * words + 8;
    return murmur_finish(hash ^ n);
}

/* Whether a frame may come in on member `member` of `bond` (its source
 * learned behind `src_port`, 0 if unknown): dp_bond_admit's rules. */
static __always_inline bool bond_admit(const struct pbs_bond *bond, __u32 member, __u32 bond_id,
                                       bool dst_multicast, __u32 src_port)
{
    if (member >= PBS_BOND_MEMBERS_MAX || member >= bond->n_members ||
        !bond->rx_enabled[member])
        return false;
    if (bond->lacp_negotiated)
        return true;
    if (dst_multicast && member != bond->active)
        return false;                    /* broadcast and multicast on one member only */
    switch (bond->mode) {
    case PBS_BOND_ACTIVE_BACKUP:
        return member == bond->active;
    case PBS_BOND_BALANCE_SLB:
        /* Our own frames coming back from a switch that does not know the bond. */
        return !src_port || src_port == bond_id;
    default:
        return bond->fallback_ab && member == bond->active;
    }
}

/* The member a frame leaves the bond on (dp_bond_choose_member), or -1;
 * *bucket gets the hash bucket of the balance modes (PBS_BOND_BUCKETS
 * for active-backup). */
static __always_inline int bond_choose(struct __sk_buff *skb, const struct pbs_frame *f,
                                       const struct pbs_bond *bond, __u16 vlan, bool tag_it,
                                       __u32 *bucket)
{
    __u32 member;
    *bucket = PBS_BOND_BUCKETS;
    if (bond->mode == PBS_BOND_ACTIVE_BACKUP) {
        member = bond->active;
    } else {
        __u32 hash = bond->mode == PBS_BOND_BALANCE_TCP
                         ? bond_flow_hash(skb, f, tag_it ? vlan : 0, bond->hash_basis)
                         : bond_hash_mac(f->src, vlan, bond->hash_basis);
        *bucket = hash & (PBS_BOND_BUCKETS - 1);
        member = bond->bucket_member[*bucket & (PBS_BOND_BUCKETS - 1)];
    }
    if (member >= PBS_BOND_MEMBERS_MAX || member >= bond->n_members ||
        !bond->rx_enabled[member] || !bond->member_ifindex[member])
        return -1;
    return (int)member;
}

#endif
