/* Pontoon's kernel switch: one TC ingress program (direct action) on every
 * kernel port of a `system` bridge.  The decisions are in switch_decide.h;
 * the maps, shared with the daemon, in maps.bpf.h and switch_maps.h.
 * Loaded and attached by ../bpf_switch.c. */
#include "switch_decide.h"

SEC("tc")
int pontoon_switch(struct __sk_buff *skb)
{
    return switch_input(skb);
}

char LICENSE[] SEC("license") = "GPL";
