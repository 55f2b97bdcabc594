/* (bridge, VLAN, MAC) learning in the kernel: switching/fdb.c's learn and
 * lookup over an LRU hash map.  Aging is checked at lookup (an entry older
 * than the configured time is not used), as fdb_lookup does; the LRU map
 * bounds the table's size and forgets the least recently used entry. */
#ifndef PONTOON_DATAPATH_BPF_MAC_TABLE_H
#define PONTOON_DATAPATH_BPF_MAC_TABLE_H

#include "frame.h"
#include "switch_maps.h"

/* Re-learn a known MAC at most this often: the common case (known here,
 * seen recently) writes nothing (forward.c's FDB_REFRESH_MS). */
#define PBS_FDB_REFRESH_NS 1000000000ull

static __always_inline void mac_table_key(struct pbs_fdb_key *key, __u32 bridge_id,
                                          __u16 vlan, const __u8 *mac)
{
    key->bridge_id = bridge_id;
    key->vlan = vlan;
    __builtin_memcpy(key->mac, mac, PBS_ETH_ALEN);
}

/* Every write is told to the daemon (`events`, a ring buffer): when it is
 * full the daemon learns the MAC from a later refresh instead. */
static __always_inline void mac_table_learn(void *fdb, void *events, __u32 bridge_id,
                                            __u16 vlan, const __u8 *mac, __u32 ifindex,
                                            __u64 now_ns)
{
    struct pbs_fdb_key key;
    mac_table_key(&key, bridge_id, vlan, mac);
    struct pbs_fdb_entry *known = bpf_map_lookup_elem(fdb, &key);
    if (known && known->ifindex == ifindex && now_ns - known->seen_ns < PBS_FDB_REFRESH_NS)
        return;
    struct pbs_fdb_entry entry = { .ifindex = ifindex, .seen_ns = now_ns };
    bpf_map_update_elem(fdb, &key, &entry, BPF_ANY);
    struct pbs_learn_event event = { .bridge_id = bridge_id, .ifindex = ifindex, .vlan = vlan };
    __builtin_memcpy(event.mac, mac, PBS_ETH_ALEN);
    bpf_ringbuf_output(events, &event, sizeof event, 0);
}

/* The ifindex `mac` was learned on in `vlan`, or 0 (also when aged). */
static __always_inline __u32 mac_table_lookup(void *fdb, __u32 bridge_id, __u16 vlan,
                                              const __u8 *mac, __u64 now_ns, __u64 aging_ns)
{
    struct pbs_fdb_key key;
    mac_table_key(&key, bridge_id, vlan, mac);
    struct pbs_fdb_entry *known = bpf_map_lookup_elem(fdb, &key);
    /* seen_ns may be a moment ahead of now_ns when another CPU just learned. */
    if (!known || (now_ns > known->seen_ns && now_ns - known->seen_ns >= aging_ns) ||
        !aging_ns)
        return 0;
    /* PBS_IFINDEX_USERSPACE is returned as it is: the caller finds no
     * kernel port by it and sends the frame up. */
    return known->ifindex;
}

#endif
