/* The kernel switch's userspace side: loads and verifies bpf/switch.bpf.o
 * with libbpf, keeps its maps (config, ports, bonds, MAC table, counters),
 * attaches the program at devices' TC hooks (tcx links, or clsact filters
 * on kernels before 6.6), pins it all under a bridge's directory in bpffs.  Thin: the switching itself is in the program.
 * Every function returns 0 (or a count) or a negative errno; the message
 * saying what failed (with the verifier's log on a load failure) is then
 * bpf_switch_last_error(). */
#ifndef PONTOON_DATAPATH_BPF_SWITCH_H
#define PONTOON_DATAPATH_BPF_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/bpf/switch_maps.h"
#include "switching/vlan.h"

#define BPF_SWITCH_PIN_ROOT "/sys/fs/bpf/pontoon"

struct bpf_switch;

struct bpf_switch_options {
    const char *object_path;   /* NULL: bpf_switch_default_object() */
    const char *pin_dir;       /* NULL: nothing pinned; else maps pinned there are
                                * reused (a restarted daemon adopts them) and the
                                * program and new maps are pinned there */
    uint32_t fdb_max;          /* MAC table bound; 0: PBS_FDB_MAX */
    bool clsact;               /* attach with clsact even where the kernel has tcx */
};

struct bpf_switch_fdb_entry {
    uint32_t bridge_id;
    uint16_t vlan;
    uint8_t mac[6];
    uint32_t ifindex;
    uint64_t seen_ns;          /* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
};

/* The message of the last failure in this thread ("" when none). */
const char *bpf_switch_last_error(void);

/* Where the object is: $PONTOON_BPF_OBJECT, else bpf/switch.bpf.o beside the
 * running binary or one directory up (build/ and build/tests/).  0 or
 * -ENOENT. */
int bpf_switch_default_object(char *path, size_t size);
/* Where pin directories go: $PONTOON_BPF_PIN_ROOT, else BPF_SWITCH_PIN_ROOT.
 * A daemon started by `ip netns exec` sees a /sys of its own, and a bpffs
 * mounted there dies with it (and its pins with it): such a daemon needs a
 * root on a bpffs mounted outside /sys, in the host's mount namespace, for
 * its kernel path to outlive it. */
const char *bpf_switch_pin_root(void);
/* bpf_switch_pin_root() "/" bridge ":ns" and the inode of the caller's
 * network namespace (the bridge's dots as colons: bpffs refuses dots);
 * -ENAMETOOLONG or -EINVAL for a bad name. */
int bpf_switch_pin_dir(const char *bridge, char *path, size_t size);

int bpf_switch_open(const struct bpf_switch_options *options, struct bpf_switch **out);
/* Closes the descriptors; whatever is pinned and attached stays. */
void bpf_switch_close(struct bpf_switch *sw);
/* Removes the pins and the pin directory (and the pin root when it
 * is left empty).  The maps live on while a program or descriptor uses them. */
int bpf_switch_unpin(struct bpf_switch *sw);

int bpf_switch_prog_fd(const struct bpf_switch *sw);
/* The socket filter for the daemon's AF_PACKET sockets on system ports
 * (SO_ATTACH_BPF): it decides for TC ingress and keeps what goes up. */
int bpf_switch_filter_fd(const struct bpf_switch *sw);

/* Learn events: the program wrote (bridge, vlan, mac) -> ifindex. */
typedef void bpf_switch_learn_fn(void *ctx, uint32_t bridge_id, uint16_t vlan,
                                 const uint8_t mac[6], uint32_t ifindex);
/* A descriptor that polls readable when events wait; `fn` gets them from
 * bpf_switch_events_consume(), which returns how many it handled. */
int bpf_switch_events_fd(struct bpf_switch *sw, bpf_switch_learn_fn *fn, void *ctx);
int bpf_switch_events_consume(struct bpf_switch *sw);

/* aging_ns 0 makes every entry stale: everything unicast goes up. */
int bpf_switch_set_config(struct bpf_switch *sw, uint64_t aging_ns, uint32_t flags);
/* Adds or updates (at once: the next frame sees it) a port; `flags` are
 * PBS_PORT_* (where its hook is).  Its counters start at zero when the port
 * is new and are kept on an update. */
int bpf_switch_set_port(struct bpf_switch *sw, int ifindex, uint32_t bridge_id,
                        const struct vlan_policy *policy, uint8_t flags);
int bpf_switch_remove_port(struct bpf_switch *sw, int ifindex);

/* Bonds: slot (0..PBS_BONDS_MAX-1) -> the control thread's decisions, and
 * the bond as a port (PBS_BOND_PORT_BASE + slot) with its VLAN policy.
 * update_bond changes the decisions only (every bond tick). */
int bpf_switch_set_bond(struct bpf_switch *sw, unsigned slot, uint32_t bridge_id,
                        const struct vlan_policy *policy, const struct pbs_bond *bond);
int bpf_switch_update_bond(struct bpf_switch *sw, unsigned slot, const struct pbs_bond *bond);
int bpf_switch_remove_bond(struct bpf_switch *sw, unsigned slot);
/* A member device of bond `slot`, member index `member`, with the bond's policy. */
int bpf_switch_set_bond_member(struct bpf_switch *sw, int ifindex, uint32_t bridge_id,
                               const struct vlan_policy *policy, unsigned slot,
                               unsigned member);
/* Tunnel ports (vxlan on a collect-metadata device, which bridges share):
 * the device is in the port map flagged PBS_PORT_TUNNEL_DEVICE, with the
 * switch at its ingress and the program that keys the daemon's frames at
 * its egress. */
int bpf_switch_set_tunnel_device(struct bpf_switch *sw, int ifindex);
int bpf_switch_remove_tunnel_device(struct bpf_switch *sw, int ifindex);
/* Tunnel `id` (0..PBS_TUNNELS_MAX-1) as a port (PBS_TUNNEL_PORT_BASE + id):
 * how it encapsulates, what it receives (`in`), its VLAN policy and the
 * ring its frames go up in (a BPF_MAP_TYPE_RINGBUF of PBS_UPCALL_RING_SIZE
 * bytes).  MACs learned behind the id are forgotten when its encapsulation
 * changes. */
int bpf_switch_set_tunnel(struct bpf_switch *sw, unsigned id, uint32_t bridge_id,
                          const struct vlan_policy *policy, const struct pbs_tunnel *tunnel,
                          const struct pbs_tunnel_key *in, int ring_fd);
int bpf_switch_remove_tunnel(struct bpf_switch *sw, unsigned id);
/* Bytes the kernel sent into each hash bucket of bond `slot`, summed over CPUs. */
int bpf_switch_bond_bytes(struct bpf_switch *sw, unsigned slot,
                          uint64_t out[PBS_BOND_BUCKETS]);
/* Sum over the CPUs of the port's counters. */
int bpf_switch_port_counters(struct bpf_switch *sw, int ifindex, struct pbs_counters *out);

/* Copies up to `max` entries; returns how many there are in all (more than
 * `max` when some did not fit). */
int bpf_switch_fdb_dump(struct bpf_switch *sw, struct bpf_switch_fdb_entry *out, size_t max);
int bpf_switch_fdb_set(struct bpf_switch *sw, const struct bpf_switch_fdb_entry *entry);
int bpf_switch_fdb_delete(struct bpf_switch *sw, uint32_t bridge_id, uint16_t vlan,
                          const uint8_t mac[6]);
/* Removes every entry of the bridge; returns how many. */
int bpf_switch_fdb_flush(struct bpf_switch *sw, uint32_t bridge_id);
/* Removes every entry behind port `ifindex`; returns how many. */
int bpf_switch_fdb_flush_port(struct bpf_switch *sw, uint32_t ifindex);
/* The MAC table's descriptor, for the userspace datapath's writes (a MAC
 * it learned behind a port the kernel does not switch). */
int bpf_switch_fdb_fd(const struct bpf_switch *sw);
/* The configured ports: up to `max` ifindexes with their PBS_PORT_* flags;
 * returns how many there are. */
int bpf_switch_ports(struct bpf_switch *sw, int *ifindexes, uint8_t *flags, size_t max);

/* The last recorded decision (PBS_CONFIG_RECORD_DECISION), taken from
 * whichever CPU recorded one, and cleared.  -ENOENT when none was. */
int bpf_switch_decision_take(struct bpf_switch *sw, struct pbs_decision *out);

/* Runs the program once (or `repeat` times) on a frame as if received on
 * `ifindex` (BPF_PROG_TEST_RUN; the device must exist in the caller's
 * network namespace).  *verdict gets the TC action; out/out_len, when given,
 * the frame as the program left it; *duration_ns, when given, the kernel's
 * average time per run. */
int bpf_switch_test_run(struct bpf_switch *sw, int ifindex, const void *frame, size_t len,
                        unsigned repeat, int *verdict, void *out, size_t *out_len,
                        uint32_t *duration_ns);

/* The same for the socket filter: *kept gets how many bytes a socket
 * would keep (0: none). */
int bpf_switch_test_run_filter(struct bpf_switch *sw, int ifindex, const void *frame,
                               size_t len, int *kept);

/* The same for the tunnel device's egress program, the skb carrying `mark`
 * (SO_MARK of the socket that sent it). */
int bpf_switch_test_run_tunnel_tx(struct bpf_switch *sw, int ifindex, uint32_t mark,
                                  const void *frame, size_t len, int *verdict);

/* TC ingress of a device, or egress with PBS_PORT_HOOK_EGRESS in `flags`:
 * a tcx link where the kernel has tcx (6.6 and later; pinned beside the
 * maps as link_<ifindex>_<hook>), else a clsact qdisc's filter (created
 * when missing).  Attaching again points the hook at this program (a new
 * daemon's); detaching removes only this bridge's program (a clsact filter
 * is checked to use this switch's port map) and leaves any qdisc. */
int bpf_switch_attach(struct bpf_switch *sw, int ifindex, uint8_t flags);
int bpf_switch_detach(struct bpf_switch *sw, int ifindex, uint8_t flags);
/* The names (and ids, when prog_ids is given) of the programs on a
 * device's tcx hook (ingress, or egress with PBS_PORT_HOOK_EGRESS), up to
 * `max`; how many, or a negative errno (-EINVAL on a kernel without tcx). */
int bpf_switch_tcx_programs(int ifindex, uint8_t flags, char (*names)[16], uint32_t *prog_ids,
                            size_t max);
/* "tcx" or "clsact": what attach uses. */
const char *bpf_switch_hook_kind(const struct bpf_switch *sw);

#endif
