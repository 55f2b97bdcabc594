/* Private to the loader's files (bpf_switch.c, bpf_switch_tunnel.c): the
 * switch's state and the helpers they share. */
#ifndef PONTOON_DATAPATH_BPF_SWITCH_INTERNAL_H
#define PONTOON_DATAPATH_BPF_SWITCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "datapath/bpf_switch.h"

#define MAX_LINKS      (2 * PBS_PORTS_MAX)

struct bpf_switch {
    struct bpf_object *object;
    struct bpf_program *program, *filter, *tunnel_tx;
    int ports_fd, fdb_fd, config_fd, counters_fd, decision_fd, events_fd, bonds_fd,
        bond_bytes_fd, tunnels_fd, tunnel_in_fd, upcalls_fd;
    struct ring_buffer *events;
    bool no_tcx;                     /* the kernel refused a tcx link: clsact from then on */
    struct { int ifindex; uint8_t flags; int fd; } links[MAX_LINKS];   /* tcx links held */
    unsigned n_links;
    bpf_switch_learn_fn *learn_fn;
    void *learn_ctx;
    int n_cpus;
    char *pin_dir;
    /* Counter slots in use, as the ports map says; rebuilt from the map
     * after an entry left it.  A full map then refuses a port at once
     * instead of walking the map for each port it cannot take. */
    bool slots_known;
    bool slot_used[PBS_PORTS_MAX];
};

/* Sets bpf_switch_last_error() from fmt; returns err as a negative errno. */
__attribute__((format(printf, 2, 3)))
int bpf_switch_fail(int err, const char *fmt, ...);
/* A per-CPU map's value for every CPU, each rounded up to 8 bytes. */
void *bpf_switch_percpu_alloc(const struct bpf_switch *sw, size_t value_size, size_t *stride);
/* An entry left the ports map: its counter slot is free again. */
static inline void bpf_switch_port_deleted(struct bpf_switch *sw)
{
    sw->slots_known = false;
}
/* Adds or updates the port map's entry `key` (counters cleared when new). */
int bpf_switch_set_port_entry(struct bpf_switch *sw, __u32 key, uint32_t bridge_id,
                              const struct vlan_policy *policy, uint8_t flags,
                              uint8_t bond_slot, uint8_t member, uint16_t tunnel_id);

#endif
