/* Receive -> decide -> output for one frame arriving on a kernel port: the
 * kernel's half of forward.c's dp_bridge_input, in the same order (parse,
 * reserved multicast, VLAN admission, learning, lookup, hairpin, egress
 * policy, tag, send).
 *
 * What the kernel decides: known unicast whose entry is fresh goes out of
 * its port with the tag set for that port (bpf_redirect to the device's
 * egress); a frame the VLAN policy refuses, or one whose destination is
 * behind its own input port, is dropped.  Everything else is passed up
 * (TC_ACT_OK) to the stack, where the userspace datapath's socket on the port
 * gets it: reserved multicast (LACP, STP: the daemon's), and in this first
 * version every flood (broadcast, multicast, unknown unicast).  Flooding in
 * the kernel (clone-redirect over the VLAN's ports) is left to be chosen by
 * measurement against the userspace flood, as issue 14 asks. */
#ifndef PONTOON_DATAPATH_BPF_SWITCH_DECIDE_H
#define PONTOON_DATAPATH_BPF_SWITCH_DECIDE_H

#include <linux/pkt_cls.h>

#include "frame.h"
#include "mac_table.h"
#include "maps.bpf.h"
#include "vlan_policy.h"

/* One frame's bookkeeping: where it came from, its counters, the VLAN. */
struct pbs_verdict {
    struct pbs_counters *counters;       /* NULL when the slot is out of range */
    __u32 in_ifindex;
    __s32 vlan;
    bool record;                         /* PBS_CONFIG_RECORD_DECISION */
};

static __always_inline void count(struct pbs_verdict *v, enum pbs_counter which, __u64 n)
{
    if (v->counters)
        v->counters->n[which] += n;      /* per CPU, TC runs with BH off: no atomics */
}

static __always_inline int finish(struct __sk_buff *skb, struct pbs_verdict *v, int verdict,
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
            d->in_ifindex = v->in_ifindex;
            d->out_ifindex = out_ifindex;
            d->vlan = v->vlan;
            frame_current_tag(skb, &d->out_vlan_present, &d->out_vlan_tci);
        }
    }
    return verdict;
}

static __always_inline int pass_up(struct __sk_buff *skb, struct pbs_verdict *v,
                                   enum pbs_counter reason)
{
    return finish(skb, v, TC_ACT_OK, PBS_PASSED_UP, reason, 0);
}

static __always_inline int drop(struct __sk_buff *skb, struct pbs_verdict *v,
                                enum pbs_counter reason)
{
    return finish(skb, v, TC_ACT_SHOT, PBS_DROPPED, reason, 0);
}

static __always_inline int forward(struct __sk_buff *skb, struct pbs_verdict *v,
                                   __u32 out_ifindex)
{
    count(v, PBS_FORWARDED_BYTES, skb->len);
    /* Decide first, record, then ask for the redirect: bpf_redirect's
     * return value is the verdict (TC_ACT_REDIRECT). */
    finish(skb, v, TC_ACT_REDIRECT, PBS_FORWARDED, PBS_FORWARDED, out_ifindex);
    return bpf_redirect(out_ifindex, 0);
}

static __always_inline int switch_input(struct __sk_buff *skb)
{
    __u32 in_ifindex = skb->ifindex;
    const struct pbs_port *in_port = bpf_map_lookup_elem(&pbs_ports, &in_ifindex);
    if (!in_port)
        return TC_ACT_OK;                /* not a port of this switch */

    __u32 zero = 0;
    const struct pbs_config *config = bpf_map_lookup_elem(&pbs_config, &zero);
    __u64 aging_ns = config ? config->aging_ns : 0;
    __u32 slot = in_port->counter_slot;
    struct pbs_verdict v = {
        .counters = bpf_map_lookup_elem(&pbs_counters, &slot),
        .in_ifindex = in_ifindex,
        .vlan = -1,
        .record = config && (config->flags & PBS_CONFIG_RECORD_DECISION),
    };
    count(&v, PBS_RX, 1);
    count(&v, PBS_RX_BYTES, skb->len);

    struct pbs_frame f;
    if (frame_parse(skb, &f) < 0)
        return drop(skb, &v, PBS_DROP_MALFORMED);
    if (f.outer_8021ad)
        return pass_up(skb, &v, PBS_PASS_UNSUPPORTED);
    if (eth_is_reserved_multicast(f.dst))
        return pass_up(skb, &v, PBS_PASS_RESERVED);
    int vlan = port_vlan_admit(in_port, f.tagged, f.tci);
    if (vlan < 0)
        return drop(skb, &v, PBS_DROP_VLAN_INGRESS);
    v.vlan = vlan;

    __u64 now_ns = bpf_ktime_get_ns();
    __u32 bridge_id = in_port->bridge_id;
    if (!eth_is_multicast(f.src))
        mac_table_learn(&pbs_fdb, bridge_id, (__u16)vlan, f.src, in_ifindex, now_ns);
    if (eth_is_multicast(f.dst))
        return pass_up(skb, &v, PBS_PASS_FLOOD);
    __u32 out_ifindex = mac_table_lookup(&pbs_fdb, bridge_id, (__u16)vlan, f.dst, now_ns,
                                         aging_ns);
    if (!out_ifindex)
        return pass_up(skb, &v, PBS_PASS_UNKNOWN);
    if (out_ifindex == in_ifindex)
        return drop(skb, &v, PBS_DROP_HAIRPIN);   /* behind the port it came from */

    const struct pbs_port *out_port = bpf_map_lookup_elem(&pbs_ports, &out_ifindex);
    if (!out_port || out_port->bridge_id != bridge_id)
        return pass_up(skb, &v, PBS_PASS_NO_OUTPUT);   /* userspace floods it */
    bool tag_it;
    if (!port_vlan_egress(out_port, (__u16)vlan, &tag_it))
        return drop(skb, &v, PBS_DROP_VLAN_EGRESS);
    if (frame_set_tag(skb, &f, tag_it, (__u16)vlan) < 0)
        return drop(skb, &v, PBS_DROP_TAG_ERROR);
    return forward(skb, &v, out_ifindex);
}

#endif
