/* datapath_type=system: a bridge's kernel fast path (datapath/bpf_switch.c)
 * kept in step with the running switch.  The control thread loads the
 * program for the bridge (or adopts the one a previous daemon left pinned),
 * puts every kernel-device port in its port map with the port's VLAN
 * policy, attaches it at each port's TC hook and the socket filter to each
 * system port's sockets, and follows the kernel's learning into the
 * userspace table.  When the kernel refuses the program the bridge runs on
 * the userspace datapath and its status says why. */
#ifndef PONTOON_CONTROL_KERNEL_PATH_H
#define PONTOON_CONTROL_KERNEL_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath/bpf/switch_maps.h"

struct switch_state;
struct running_bridge;
struct running_iface;

/* Creates st->kernel_epoll_fd (the learn events of every bridge). */
int kernel_path_init(struct switch_state *st);
/* Loads (or removes) the bridge's kernel path as its datapath_type and
 * settings say; run by every reconcile before the interfaces are opened,
 * so that a system bridge's tunnels open on the kernel's device. */
void kernel_path_prepare(struct switch_state *st, struct running_bridge *rb);
/* Makes the bridge's kernel path match its ports; run by every reconcile
 * after the interfaces are open.  After a reconcile that visited only some
 * of the bridge's ports, only those are synced (and the map searched for
 * stale entries only when `ports_left`): a change costs what it touches. */
void kernel_path_sync(struct switch_state *st, struct running_bridge *rb, bool ports_left);
/* Detaches everything and removes the pins: del-br, datapath_type=netdev,
 * `exit --cleanup`. */
void kernel_path_remove(struct switch_state *st, struct running_bridge *rb);
/* Lets go, leaving the programs attached and pinned: the kernel keeps
 * switching known unicast until the next daemon adopts them. */
void kernel_path_release(struct running_bridge *rb);
/* Readable when learn events wait; kernel_path_consume_events takes them. */
int kernel_path_epoll_fd(const struct switch_state *st);
void kernel_path_consume_events(struct switch_state *st, uint64_t now_ms);

bool kernel_path_active(const struct running_bridge *rb);
/* "tcx" or "clsact": how its programs are attached ("" when not loaded). */
const char *kernel_path_hook_kind(const struct running_bridge *rb);
struct running_bond;
/* Copies a bond's decisions (active member, enabled members, buckets) into
 * the kernel's bond map; bonds_run_one calls it after every tick. */
void kernel_path_bond_publish(struct switch_state *st, const struct running_bond *bond);
/* A bond's counters in the kernel (as a port); false when not there. */
bool kernel_path_bond_counters(struct switch_state *st, const struct running_bond *bond,
                               struct pbs_counters *out);
/* Bytes the kernel sent into each of the bond's hash buckets; false when
 * the bond is not in a kernel fast path. */
bool kernel_path_bond_bytes(struct switch_state *st, const struct running_bond *bond,
                            uint64_t out[PBS_BOND_BUCKETS]);
/* Bridge.status's kernel_fast_path value (NULL: a netdev bridge). */
const char *kernel_path_status(const struct running_bridge *rb, char *buf, size_t size);
/* fdb/flush: the kernel's entries too. */
void kernel_path_flush(struct running_bridge *rb);
/* A port's counters in the kernel; false when it is not a kernel port. */
bool kernel_path_port_counters(const struct running_bridge *rb,
                               const struct running_iface *iface, struct pbs_counters *out);

#endif
