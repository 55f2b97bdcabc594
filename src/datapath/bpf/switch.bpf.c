/* Pontoon's kernel switch: one TC program (direct action) on every kernel
 * port of a `system` bridge, at ingress of system ports and egress of tap
 * and internal ones, and one socket filter on the daemon's AF_PACKET
 * sockets of system ports; at the egress of a tunnel device, the program
 * that gives the daemon's frames their tunnel key.  The decisions are in switch_decide.h; the maps,
 * shared with the daemon, in maps.bpf.h and switch_maps.h.  Loaded and
 * attached by ../bpf_switch.c. */
#include "switch_decide.h"

SEC("tc")
int pontoon_switch(struct __sk_buff *skb)
{
    return switch_tc(skb);
}

SEC("tc")
int pontoon_tnl_tx(struct __sk_buff *skb)
{
    return switch_tunnel_tx(skb);
}

SEC("socket")
int pontoon_upcall(struct __sk_buff *skb)
{
    return switch_socket_filter(skb);
}

char LICENSE[] SEC("license") = "GPL";
