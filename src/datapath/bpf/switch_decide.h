/* Receive -> decide -> output for one frame arriving on a kernel port: the
 * kernel's half of forward.c's dp_bridge_input, in the same order (parse,
 * reserved multicast, VLAN admission, learning, lookup, hairpin, egress
 * policy, tag, send).
 *
 * What the kernel decides: known unicast whose entry is fresh goes out of
 * its port with the tag set for that port (bpf_redirect: to the device's
 * egress for a system port, to its ingress for a tap or internal port); a
 * frame the VLAN policy refuses, or one whose destination is behind its own
 * input port, is dropped.  Everything else goes up to the userspace
 * datapath: reserved multicast (LACP, STP: the daemon's), floods
 * (broadcast, multicast, unknown unicast: userspace floods them to every
 * kind of port at once) and frames for MACs behind ports the kernel does
 * not switch.
 *
 * Deciding (switch_decide: learns, writes nothing else) is apart from
 * carrying out (switch_act: tags, redirects, counts), because on a system
 * port the daemon's socket filter decides first and TC ingress carries the
 * plan out (the handoff, switch_maps.h). */
#ifndef PONTOON_DATAPATH_BPF_SWITCH_DECIDE_H
#define PONTOON_DATAPATH_BPF_SWITCH_DECIDE_H

#include <linux/pkt_cls.h>

#include "bond.h"
#include "frame.h"
#include "mac_table.h"
#include "maps.bpf.h"
#include "tunnel.h"
#include "vlan_policy.h"

static __always_inline int plan_end(struct pbs_plan *plan, enum pbs_action action,
                                    enum pbs_counter reason)
{
    plan->action = action;
    plan->reason = reason;
    return 0;
}

/* Fills `plan` for frame `f` received on `in_port`, the port map's entry
 * under `in_key` (the device's ifindex, or a tunnel's port key); learns
 * its source. */
static __always_inline int switch_decide(struct __sk_buff *skb, __u32 in_key,
                                         const struct pbs_port *in_port,
                                         const struct pbs_frame *f, struct pbs_plan *plan)
{
    plan->in_ifindex = skb->ifindex;
    plan->net_word = frame_net_word(skb);
    __builtin_memcpy(plan->dst, f->dst, PBS_ETH_ALEN);
    __builtin_memcpy(plan->src, f->src, PBS_ETH_ALEN);
    plan->admitted_vlan = -1;
    plan->out_ifindex = 0;
    plan->tag_it = 0;
    plan->out_flags = 0;
    plan->bond_slot = ~0u;
    plan->bucket = PBS_BOND_BUCKETS;

    if (f->outer_8021ad)
        return plan_end(plan, PBS_ACT_UP, PBS_PASS_UNSUPPORTED);
    if (eth_is_reserved_multicast(f->dst))
        return plan_end(plan, PBS_ACT_UP, PBS_PASS_RESERVED);
    int vlan = port_vlan_admit(in_port, f->tagged, f->tci);
    if (vlan < 0)
        return plan_end(plan, PBS_ACT_DROP, PBS_DROP_VLAN_INGRESS);
    plan->admitted_vlan = vlan;
    plan->vlan = (__u16)vlan;

    __u32 zero = 0;
    const struct pbs_config *config = bpf_map_lookup_elem(&pbs_config, &zero);
    __u64 aging_ns = config ? config->aging_ns : 0;
    __u64 now_ns = bpf_ktime_get_ns();
    __u32 bridge_id = in_port->bridge_id;
    /* A bond member's frames belong to the bond: learned behind it, and
     * admitted as the bond's rules say. */
    __u32 in_id = in_key;
    if (in_port->flags & PBS_PORT_BOND_MEMBER) {
        __u32 slot = in_port->bond_slot;
        const struct pbs_bond *bond = bpf_map_lookup_elem(&pbs_bonds, &slot);
        in_id = PBS_BOND_PORT_BASE + slot;
        __u32 src_port = bond && bond->mode == PBS_BOND_BALANCE_SLB
                             ? mac_table_lookup(&pbs_fdb, bridge_id, (__u16)vlan, f->src, now_ns,
                                                aging_ns)
                             : 0;
        if (!bond || !bond_admit(bond, in_port->member, in_id, eth_is_multicast(f->dst),
                                 src_port))
            return plan_end(plan, PBS_ACT_DROP, PBS_DROP_BOND_ADMIT);
    }
    if (!eth_is_multicast(f->src))
        mac_table_learn(&pbs_fdb, &pbs_learn_events, bridge_id, (__u16)vlan, f->src, in_id,
                        now_ns);
    if (eth_is_multicast(f->dst))
        return plan_end(plan, PBS_ACT_UP, PBS_PASS_FLOOD);
    __u32 out_ifindex = mac_table_lookup(&pbs_fdb, bridge_id, (__u16)vlan, f->dst, now_ns,
                                         aging_ns);
    if (!out_ifindex)
        return plan_end(plan, PBS_ACT_UP, PBS_PASS_UNKNOWN);
    if (out_ifindex == in_id)
        return plan_end(plan, PBS_ACT_DROP, PBS_DROP_HAIRPIN);  /* behind its own port */

    const struct pbs_port *out_port = bpf_map_lookup_elem(&pbs_ports, &out_ifindex);
    if (!out_port || out_port->bridge_id != bridge_id ||
        (out_port->flags & PBS_PORT_BOND_MEMBER))
        return plan_end(plan, PBS_ACT_UP, PBS_PASS_NO_OUTPUT);   /* userspace's port */
    bool tag_it;
    if (!port_vlan_egress(out_port, (__u16)vlan, &tag_it))
        return plan_end(plan, PBS_ACT_DROP, PBS_DROP_VLAN_EGRESS);
    plan->tag_it = tag_it;
    plan->out_ifindex = out_ifindex;
    plan->out_flags = out_port->flags;
    plan->out_slot = out_port->counter_slot;
    plan->l3_offset = f->l3_offset;
    if (out_port->flags & PBS_PORT_BOND)
        plan->bond_slot = out_port->bond_slot;   /* the member is chosen at TC */
    return plan_end(plan, PBS_ACT_FORWARD, PBS_FORWARDED);
}

/* Counters and the decision record of one frame. */
struct pbs_verdict {
    struct pbs_counters *counters;       /* NULL when the slot is out of range */
    bool record;                         /* PBS_CONFIG_RECORD_DECISION */
};

static __always_inline void count(struct pbs_verdict *v, enum pbs_counter which, __u64 n)
{
    /* `which` may come from the handoff map: bounded for the verifier. */
    if (v->counters && (__u32)which < PBS_COUNTER_MAX)
        v->counters->n[which] += n;      /* per CPU, TC runs with BH off: no atomics */
}

static __always_inline int finish(struct __sk_buff *skb, struct pbs_verdict *v,
                                  const struct pbs_plan *plan, int verdict,
                                  enum pbs_counter total, enum pbs_counter reason,
                                  __u32 out_ifindex)
{
    count(v, total, 1);
    if (reason != total)
        count(v, reason, 1);
    if (v->record) {
        __u32 zero = 0;
        struct pbs_decision *d = bpf_map_lookup_elem(&pbs_decision, &zero);
        if (d) {
            d->count++;
            d->verdict = verdict;
            d->reason = reason;
            d->in_ifindex = skb->ifindex;
            d->out_ifindex = out_ifindex;
            d->vlan = plan->admitted_vlan;
            frame_current_tag(skb, &d->out_vlan_present, &d->out_vlan_tci);
        }
    }
    return verdict;
}

/* Carries out `plan` at the TC hook of port `in_port`.  `taken`: the
 * daemon's socket filter decided and kept the frame if it goes up. */
static __always_inline int switch_act(struct __sk_buff *skb, const struct pbs_port *in_port,
                                      const struct pbs_frame *f, const struct pbs_plan *plan,
                                      bool taken)
{
    __u32 zero = 0, slot = in_port->counter_slot;
    const struct pbs_config *config = bpf_map_lookup_elem(&pbs_config, &zero);
    struct pbs_verdict v = {
        .counters = bpf_map_lookup_elem(&pbs_counters, &slot),
        .record = config && (config->flags & PBS_CONFIG_RECORD_DECISION),
    };
    count(&v, PBS_RX, 1);
    count(&v, PBS_RX_BYTES, skb->len);

    if (plan->action == PBS_ACT_DROP)
        return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, plan->reason, 0);
    if (plan->action == PBS_ACT_UP) {
        if (in_port->flags & PBS_PORT_TUNNEL) {
            bool sent = tunnel_upcall(skb, in_port->tunnel_id);
            count(&v, sent ? PBS_UP_TAKEN : PBS_DROP_UPCALL, 1);
            return finish(skb, &v, plan, TC_ACT_SHOT, PBS_PASSED_UP, plan->reason, 0);
        }
        if (taken)
            count(&v, PBS_UP_TAKEN, 1);
        /* At egress, up is the tap's file the daemon reads.  At ingress the
         * daemon's socket already has its copy (or there is no daemon): the
         * frame is the switch's, not the host stack's. */
        int verdict = in_port->flags & PBS_PORT_HOOK_EGRESS ? TC_ACT_OK : TC_ACT_SHOT;
        return finish(skb, &v, plan, verdict, PBS_PASSED_UP, plan->reason, 0);
    }
    /* To a bond: one of its members, chosen on the frame as it arrived
     * (the hash looks at the tag it will leave with, not at the bytes). */
    __u32 out_ifindex = plan->out_ifindex, out_flags = plan->out_flags;
    __u32 bond_slot = plan->bond_slot, bucket = PBS_BOND_BUCKETS;
    const struct pbs_port *member_port = NULL;
    if (bond_slot != ~0u) {
        const struct pbs_bond *bond = bpf_map_lookup_elem(&pbs_bonds, &bond_slot);
        int member = bond ? bond_choose(skb, f, bond, plan->vlan, plan->tag_it, &bucket) : -1;
        if (member < 0 || member >= PBS_BOND_MEMBERS_MAX)
            return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, PBS_DROP_BOND_NO_MEMBER,
                          0);
        out_ifindex = bond->member_ifindex[member];
        member_port = bpf_map_lookup_elem(&pbs_ports, &out_ifindex);
        out_flags = member_port ? member_port->flags : 0;
    }
    __u32 out_slot = plan->out_slot;
    struct pbs_verdict out = { .counters = bpf_map_lookup_elem(&pbs_counters, &out_slot) };
    /* To a tunnel: its device encapsulates with the key set here. */
    const struct pbs_tunnel *tunnel = NULL;
    if (out_flags & PBS_PORT_TUNNEL) {
        __u32 id = out_ifindex - PBS_TUNNEL_PORT_BASE;
        tunnel = bpf_map_lookup_elem(&pbs_tunnels, &id);
        if (!tunnel || !tunnel->ifindex)
            return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, PBS_DROP_TUNNEL_KEY, 0);
        if (!tunnel_fits(skb, tunnel, plan->l3_offset)) {
            count(&out, PBS_DROP_TOO_BIG, 1);
            return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, PBS_DROP_TOO_BIG, 0);
        }
        out_ifindex = tunnel->ifindex;
        out_flags = 0;
    }
    if (frame_set_tag(skb, f, plan->tag_it, plan->vlan) < 0)
        return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, PBS_DROP_TAG_ERROR, 0);
    if (tunnel && tunnel_set_key(skb, tunnel) < 0)
        return finish(skb, &v, plan, TC_ACT_SHOT, PBS_DROPPED, PBS_DROP_TUNNEL_KEY, 0);
    count(&v, PBS_FORWARDED_BYTES, skb->len);
    count(&out, PBS_TX, 1);
    count(&out, PBS_TX_BYTES, skb->len);
    if (member_port) {
        __u32 member_slot = member_port->counter_slot;
        struct pbs_verdict m = { .counters = bpf_map_lookup_elem(&pbs_counters, &member_slot) };
        count(&m, PBS_TX, 1);
        count(&m, PBS_TX_BYTES, skb->len);
    }
    if (bucket < PBS_BOND_BUCKETS) {
        struct pbs_bond_bytes *bytes = bpf_map_lookup_elem(&pbs_bond_bytes, &bond_slot);
        if (bytes)
            bytes->bucket[bucket & (PBS_BOND_BUCKETS - 1)] += skb->len;
    }
    /* Record first: bpf_redirect's return value is the verdict. */
    finish(skb, &v, plan, TC_ACT_REDIRECT, PBS_FORWARDED, PBS_FORWARDED, out_ifindex);
    return bpf_redirect(out_ifindex, out_flags & PBS_PORT_HOOK_EGRESS ? BPF_F_INGRESS : 0);
}

static __always_inline bool mac_equal(const __u8 *a, const __u8 *b)
{
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
            (a[5] ^ b[5])) == 0;
}

static __always_inline bool plan_is_for(const struct pbs_plan *plan, struct __sk_buff *skb,
                                        const struct pbs_frame *f)
{
    return plan->valid && plan->in_ifindex == skb->ifindex &&
           plan->net_word == frame_net_word(skb) &&
           mac_equal(plan->dst, f->dst) && mac_equal(plan->src, f->src);
}

/* TC (ingress of a system port or a tunnel device, egress of a tap or
 * internal one). */
static __always_inline int switch_tc(struct __sk_buff *skb)
{
    __u32 in_key = skb->ifindex;
    const struct pbs_port *in_port = bpf_map_lookup_elem(&pbs_ports, &in_key);
    if (!in_port)
        return TC_ACT_UNSPEC;            /* not a port of this switch: the next program's */
    if (in_port->flags & PBS_PORT_TUNNEL_DEVICE) {
        int id = tunnel_rx_id(skb);
        if (id < 0)
            return TC_ACT_UNSPEC;        /* another bridge's tunnel, or nobody's */
        in_key = PBS_TUNNEL_PORT_BASE + (__u32)id;
        in_port = bpf_map_lookup_elem(&pbs_ports, &in_key);
        if (!in_port)
            return TC_ACT_UNSPEC;
    }

    struct pbs_frame f;
    struct pbs_plan fresh;
    if (frame_parse(skb, &f) < 0) {
        fresh.action = PBS_ACT_DROP;
        fresh.reason = PBS_DROP_MALFORMED;
        fresh.admitted_vlan = -1;
        return switch_act(skb, in_port, &f, &fresh, false);
    }
    __u32 zero = 0;
    struct pbs_plan *handed = bpf_map_lookup_elem(&pbs_handoff, &zero);
    if (handed && plan_is_for(handed, skb, &f)) {
        handed->valid = 0;
        return switch_act(skb, in_port, &f, handed, true);
    }
    if (handed)
        handed->valid = 0;               /* a stale plan never applies later */
    switch_decide(skb, in_key, in_port, &f, &fresh);
    return switch_act(skb, in_port, &f, &fresh, false);
}

/* Egress of a tunnel device: what the daemon sends to tunnel port `id`
 * carries PBS_TUNNEL_MARK | id (its socket's SO_MARK) and gets that
 * tunnel's key.  Frames the program redirected here have theirs already. */
static __always_inline int switch_tunnel_tx(struct __sk_buff *skb)
{
    if ((skb->mark & PBS_TUNNEL_MARK_MASK) != PBS_TUNNEL_MARK)
        return TC_ACT_UNSPEC;
    __u32 id = skb->mark & ~PBS_TUNNEL_MARK_MASK;
    __u32 key = PBS_TUNNEL_PORT_BASE + id;
    const struct pbs_port *port = bpf_map_lookup_elem(&pbs_ports, &key);
    const struct pbs_tunnel *tunnel = bpf_map_lookup_elem(&pbs_tunnels, &id);
    if (!port || !tunnel || !tunnel->ifindex)
        return TC_ACT_UNSPEC;            /* another bridge's tunnel */
    __u32 slot = port->counter_slot;
    struct pbs_verdict v = { .counters = bpf_map_lookup_elem(&pbs_counters, &slot) };
    struct pbs_frame f;
    skb->mark = 0;
    if (frame_parse(skb, &f) < 0)
        return TC_ACT_SHOT;
    if (!tunnel_fits(skb, tunnel, f.l3_offset)) {
        count(&v, PBS_DROP_TOO_BIG, 1);
        return TC_ACT_SHOT;
    }
    if (tunnel_set_key(skb, tunnel) < 0) {
        count(&v, PBS_DROP_TUNNEL_KEY, 1);
        return TC_ACT_SHOT;
    }
    return TC_ACT_OK;
}

/* The daemon's AF_PACKET sockets on system ports: keep what goes up. */
static __always_inline int switch_socket_filter(struct __sk_buff *skb)
{
    __u32 in_ifindex = skb->ifindex;
    const struct pbs_port *in_port = bpf_map_lookup_elem(&pbs_ports, &in_ifindex);
    if (!in_port || (in_port->flags & PBS_PORT_HOOK_EGRESS))
        return PBS_FILTER_KEEP;                   /* not switched here: userspace's */
    struct pbs_frame f;
    if (frame_parse(skb, &f) < 0)
        return 0;                        /* TC drops and counts it */
    __u32 zero = 0;
    struct pbs_plan *plan = bpf_map_lookup_elem(&pbs_handoff, &zero);
    if (!plan)
        return PBS_FILTER_KEEP;
    switch_decide(skb, in_ifindex, in_port, &f, plan);
    plan->valid = 1;
    return plan->action == PBS_ACT_UP ? PBS_FILTER_KEEP : 0;
}

#endif
