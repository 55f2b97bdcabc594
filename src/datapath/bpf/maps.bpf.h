/* The maps of the kernel switch, declared once beside its program; their
 * layouts are in switch_maps.h, shared with the daemon (bpf_switch.c), which
 * pins them under /sys/fs/bpf/pontoon/<bridge>/. */
#ifndef PONTOON_DATAPATH_BPF_MAPS_BPF_H
#define PONTOON_DATAPATH_BPF_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "switch_maps.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PBS_PORTS_MAX);
    __type(key, __u32);                      /* ifindex */
    __type(value, struct pbs_port);
} pbs_ports SEC(".maps");

/* LRU: a full table forgets its least recently used entry, as fdb.c evicts
 * its least recently seen one.  The daemon may set max_entries before load
 * (mac-table-size). */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, PBS_FDB_MAX);
    __type(key, struct pbs_fdb_key);
    __type(value, struct pbs_fdb_entry);
} pbs_fdb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pbs_config);
} pbs_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PBS_PORTS_MAX);
    __type(key, __u32);                      /* pbs_port.counter_slot */
    __type(value, struct pbs_counters);
} pbs_counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pbs_decision);
} pbs_decision SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pbs_plan);
} pbs_handoff SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PBS_BONDS_MAX);
    __type(key, __u32);
    __type(value, struct pbs_bond);
} pbs_bonds SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PBS_BONDS_MAX);
    __type(key, __u32);
    __type(value, struct pbs_bond_bytes);
} pbs_bond_bytes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, PBS_EVENTS_SIZE);
} pbs_learn_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, PBS_TUNNELS_MAX);
    __type(key, __u32);
    __type(value, struct pbs_tunnel);
} pbs_tunnels SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, PBS_TUNNELS_MAX);
    __type(key, struct pbs_tunnel_key);
    __type(value, __u32);                    /* tunnel id */
} pbs_tunnel_in SEC(".maps");

/* One ring per tunnel id, made by the tunnel's netdev and put here by the
 * daemon; the template's size is every ring's. */
struct pbs_upcall_ring {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, PBS_UPCALL_RING_SIZE);
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, PBS_TUNNELS_MAX);
    __type(key, __u32);
    __array(values, struct pbs_upcall_ring);
} pbs_upcalls SEC(".maps");

struct pbs_upcall_scratch {
    __u8 data[PBS_UPCALL_FRAME_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct pbs_upcall_scratch);
} pbs_upcall_scratch SEC(".maps");

#endif
