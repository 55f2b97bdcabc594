/* What the kernel switch reads of a frame (Ethernet and one 802.1Q tag, as
 * packet/headers.c's packet_parse) and how it sets the tag on the way out.
 *
 * Where the tag is: a device with VLAN receive offload (veth has it, as most
 * NICs) and the stack's own skb_vlan_untag() before TC ingress both leave it
 * in the skb's metadata (skb->vlan_present, vlan_tci); a frame built by
 * BPF_PROG_TEST_RUN, or from a device without it, carries it inline after
 * the MACs.  Both are read; bpf_skb_vlan_pop() removes either and
 * bpf_skb_vlan_push() puts the new one in the metadata, which the output
 * device inserts (or its driver, with transmit offload). */
#ifndef PONTOON_DATAPATH_BPF_FRAME_H
#define PONTOON_DATAPATH_BPF_FRAME_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PBS_ETH_ALEN     6
#define PBS_VID_MASK     0x0fff

struct pbs_frame {
    __u8 dst[PBS_ETH_ALEN];
    __u8 src[PBS_ETH_ALEN];
    __u16 tci;                  /* valid when tagged */
    __u16 ethertype;            /* after the tag, host order (packet_parse's) */
    __u8 l3_offset;             /* from the MAC header: 14, or 18 with an inline tag */
    bool tagged;                /* one 802.1Q tag, in the metadata or inline */
    bool outer_8021ad;          /* the metadata holds an 802.1ad tag: not ours */
};

/* 0, or -1 when the frame is shorter than its Ethernet (+ announced tag)
 * header.  Copies the MACs: the helpers that set the tag later move the
 * packet's bytes.  Reads from the MAC header, wherever skb->data is: TC
 * sees the frame from its first byte, a socket filter run by
 * BPF_PROG_TEST_RUN from its network header. */
static __always_inline int frame_parse(struct __sk_buff *skb, struct pbs_frame *f)
{
    struct {
        struct ethhdr eth;
        __be16 tci;
        __be16 inner_proto;
    } hdr;

    if (bpf_skb_load_bytes_relative(skb, 0, &hdr.eth, sizeof hdr.eth, BPF_HDR_START_MAC) < 0)
        return -1;
    __builtin_memcpy(f->dst, hdr.eth.h_dest, PBS_ETH_ALEN);
    __builtin_memcpy(f->src, hdr.eth.h_source, PBS_ETH_ALEN);
    f->tagged = false;
    f->outer_8021ad = false;
    f->tci = 0;
    f->ethertype = bpf_ntohs(hdr.eth.h_proto);
    f->l3_offset = sizeof hdr.eth;
    if (skb->vlan_present) {
        f->tagged = true;
        f->tci = (__u16)skb->vlan_tci;
        f->outer_8021ad = skb->vlan_proto != bpf_htons(ETH_P_8021Q);
    } else if (hdr.eth.h_proto == bpf_htons(ETH_P_8021Q)) {
        if (bpf_skb_load_bytes_relative(skb, 0, &hdr, sizeof hdr, BPF_HDR_START_MAC) < 0)
            return -1;
        f->tagged = true;
        f->tci = bpf_ntohs(hdr.tci);
        f->ethertype = bpf_ntohs(hdr.inner_proto);
        f->l3_offset = sizeof hdr.eth + 4;
    }
    return 0;
}

/* The first four bytes after the link header (IPv4's version and total
 * length, ...), 0 when there are none: with the MACs, what tells one frame
 * from the next at the same port. */
static __always_inline __u32 frame_net_word(struct __sk_buff *skb)
{
    __u32 word = 0;
    bpf_skb_load_bytes_relative(skb, 0, &word, sizeof word, BPF_HDR_START_NET);
    return word;
}

static __always_inline bool eth_is_multicast(const __u8 *mac)
{
    return mac[0] & 1;
}

/* IEEE 802.1D reserved group addresses 01:80:c2:00:00:0x (forward.c's
 * is_reserved_multicast). */
static __always_inline bool eth_is_reserved_multicast(const __u8 *mac)
{
    return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 && mac[3] == 0 && mac[4] == 0 &&
           (mac[5] & 0xf0) == 0;
}

/* Leaves the frame untagged, or tagged with exactly `vlan` (PCP 0), as the
 * userspace path does: it pops any tag on input and pushes the VLAN alone on
 * output.  A tag that is already exactly that stays.  0 or -1. */
static __always_inline int frame_set_tag(struct __sk_buff *skb, const struct pbs_frame *f,
                                         bool tag_it, __u16 vlan)
{
    if (f->tagged) {
        if (tag_it && f->tci == vlan)
            return 0;
        if (bpf_skb_vlan_pop(skb) < 0)
            return -1;
    }
    if (tag_it && bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vlan) < 0)
        return -1;
    return 0;
}

/* The tag the frame carries now, in the metadata or inline (for the
 * decision record only: it reads the packet again). */
static __always_inline void frame_current_tag(struct __sk_buff *skb, __u8 *tagged, __u16 *tci)
{
    __be16 inline_tag[2];

    *tagged = 0;
    *tci = 0;
    if (skb->vlan_present) {
        *tagged = 1;
        *tci = (__u16)skb->vlan_tci;
    } else if (bpf_skb_load_bytes(skb, 2 * PBS_ETH_ALEN, inline_tag, sizeof inline_tag) == 0 &&
               inline_tag[0] == bpf_htons(ETH_P_8021Q)) {
        *tagged = 1;
        *tci = bpf_ntohs(inline_tag[1]);
    }
}

#endif
