/* A port's VLAN policy in the kernel: switching/vlan.c's vlan_admit() and
 * vlan_egress() over the port map's entry, line for line.  The daemon builds
 * the entry from the same struct vlan_policy (bpf_switch_set_port), so the
 * two datapaths cannot disagree on what a mode means. */
#ifndef PONTOON_DATAPATH_BPF_VLAN_POLICY_H
#define PONTOON_DATAPATH_BPF_VLAN_POLICY_H

#include <stdbool.h>

#include "frame.h"
#include "switch_maps.h"

static __always_inline bool port_trunks(const struct pbs_port *port, __u16 vlan)
{
    vlan &= PBS_VID_MASK;
    return port->trunks[vlan / 64] >> (vlan % 64) & 1;
}

/* Ingress: the VLAN a frame received on `port` belongs to, or -1 to drop.
 * A tag with VID 0 is a priority tag: the frame counts as untagged. */
static __always_inline int port_vlan_admit(const struct pbs_port *port, bool tagged, __u16 tci)
{
    __u16 vid = tagged ? tci & PBS_VID_MASK : 0;

    switch (port->vlan_mode) {
    case PBS_VLAN_ACCESS:
        /* Even a tag equal to the port's VLAN is refused, as OVS does. */
        return vid ? -1 : port->tag;
    case PBS_VLAN_NATIVE_TAGGED:
    case PBS_VLAN_NATIVE_UNTAGGED:
        if (!vid)
            return port->tag;
        return port_trunks(port, vid) ? vid : -1;
    case PBS_VLAN_TRUNK:
        return port_trunks(port, vid) ? vid : -1;
    }
    return -1;
}

/* Egress: whether a frame in `vlan` may leave through `port`, and whether
 * with an 802.1Q header carrying `vlan`. */
static __always_inline bool port_vlan_egress(const struct pbs_port *port, __u16 vlan,
                                             bool *tag_it)
{
    bool ok;

    *tag_it = false;
    if (vlan >= PBS_VLAN_COUNT)
        return false;
    if (port->vlan_mode == PBS_VLAN_ACCESS)
        return vlan == port->tag;
    ok = vlan == port->tag || port_trunks(port, vlan);
    /* VLAN 0 means untagged: it never gets a header. */
    *tag_it = ok && vlan != 0 &&
              !(port->vlan_mode == PBS_VLAN_NATIVE_UNTAGGED && vlan == port->tag);
    return ok;
}

#endif
