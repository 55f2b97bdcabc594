/* Tunnel ports in the kernel switch's maps: see bpf_switch.h. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "datapath/bpf_switch_internal.h"

static int check_id(unsigned id)
{
    return id < PBS_TUNNELS_MAX ? 0
                                : bpf_switch_fail(-EINVAL, "tunnel id %u is out of range", id);
}

int bpf_switch_set_tunnel_device(struct bpf_switch *sw, int ifindex)
{
    struct vlan_policy none;
    memset(&none, 0, sizeof none);
    int err = bpf_switch_set_port_entry(sw, (__u32)ifindex, 0, &none,
                                        PBS_PORT_TUNNEL_DEVICE, 0, 0, 0);
    if (!err)
        err = bpf_switch_attach(sw, ifindex, PBS_PORT_TUNNEL_DEVICE);
    if (!err)
        err = bpf_switch_attach(sw, ifindex, PBS_PORT_TUNNEL_DEVICE | PBS_PORT_HOOK_EGRESS);
    if (err)
        bpf_switch_remove_tunnel_device(sw, ifindex);
    return err;
}

int bpf_switch_remove_tunnel_device(struct bpf_switch *sw, int ifindex)
{
    bpf_switch_detach(sw, ifindex, PBS_PORT_TUNNEL_DEVICE);
    bpf_switch_detach(sw, ifindex, PBS_PORT_TUNNEL_DEVICE | PBS_PORT_HOOK_EGRESS);
    __u32 key = (__u32)ifindex;
    bpf_map_delete_elem(sw->ports_fd, &key);
    bpf_switch_port_deleted(sw);
    return 0;
}

/* Deletes the tunnel_in entries that lead to `id`, except `keep`. */
static void forget_receive_keys(struct bpf_switch *sw, unsigned id,
                                const struct pbs_tunnel_key *keep)
{
    struct pbs_tunnel_key key, next, stale[PBS_TUNNELS_MAX];
    unsigned n_stale = 0;
    __u32 value;
    int err = bpf_map_get_next_key(sw->tunnel_in_fd, NULL, &next);
    while (err == 0) {
        key = next;
        if (bpf_map_lookup_elem(sw->tunnel_in_fd, &key, &value) == 0 && value == id &&
            (!keep || memcmp(&key, keep, sizeof key)) && n_stale < PBS_TUNNELS_MAX)
            stale[n_stale++] = key;
        err = bpf_map_get_next_key(sw->tunnel_in_fd, &key, &next);
    }
    for (unsigned i = 0; i < n_stale; i++)
        bpf_map_delete_elem(sw->tunnel_in_fd, &stale[i]);
}

int bpf_switch_set_tunnel(struct bpf_switch *sw, unsigned id, uint32_t bridge_id,
                          const struct vlan_policy *policy, const struct pbs_tunnel *tunnel,
                          const struct pbs_tunnel_key *in, int ring_fd)
{
    int err = check_id(id);
    if (err)
        return err;
    __u32 key = id, port = PBS_TUNNEL_PORT_BASE + id, ring = (__u32)ring_fd;
    struct pbs_tunnel old;
    bool changed = bpf_map_lookup_elem(sw->tunnels_fd, &key, &old) < 0 ||
                   memcmp(&old, tunnel, sizeof old);
    if (bpf_map_update_elem(sw->upcalls_fd, &key, &ring, BPF_ANY) < 0)
        return bpf_switch_fail(-errno, "cannot set tunnel %u's upcall ring: %s", id,
                               strerror(errno));
    if (bpf_map_update_elem(sw->tunnels_fd, &key, tunnel, BPF_ANY) < 0)
        return bpf_switch_fail(-errno, "cannot set tunnel %u: %s", id, strerror(errno));
    forget_receive_keys(sw, id, in);
    __u32 value = id;
    if (bpf_map_update_elem(sw->tunnel_in_fd, in, &value, BPF_ANY) < 0)
        return bpf_switch_fail(-errno, "cannot set tunnel %u's receive key: %s", id,
                               strerror(errno));
    err = bpf_switch_set_port_entry(sw, port, bridge_id, policy, PBS_PORT_TUNNEL, 0, 0,
                                    (uint16_t)id);
    /* A MAC learned behind the id when it led elsewhere (a previous
     * daemon's tunnel of that number) is not behind this one. */
    if (!err && changed)
        bpf_switch_fdb_flush_port(sw, port);
    return err;
}

int bpf_switch_remove_tunnel(struct bpf_switch *sw, unsigned id)
{
    int err = check_id(id);
    if (err)
        return err;
    __u32 key = id, port = PBS_TUNNEL_PORT_BASE + id;
    struct pbs_tunnel none;
    memset(&none, 0, sizeof none);
    bpf_map_delete_elem(sw->ports_fd, &port);
    bpf_switch_port_deleted(sw);
    forget_receive_keys(sw, id, NULL);
    bpf_map_delete_elem(sw->upcalls_fd, &key);
    if (bpf_map_update_elem(sw->tunnels_fd, &key, &none, BPF_ANY) < 0)
        return bpf_switch_fail(-errno, "cannot clear tunnel %u: %s", id, strerror(errno));
    bpf_switch_fdb_flush_port(sw, port);
    return 0;
}
