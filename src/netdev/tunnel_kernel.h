/* A tunnel port the kernel carries (datapath_type=system): the kernel's
 * collect-metadata vxlan device of its UDP port (tunnel_device.h)
 * encapsulates and decapsulates, the bridge's eBPF program matches and
 * keys (datapath/bpf/tunnel.h).  What the daemon itself sends to the port
 * (floods, frames from userspace-only ports) leaves through an AF_PACKET
 * socket on the device marked with the port's id; what comes up from the
 * tunnel arrives in the port's own ring buffer.  Each port has an id,
 * unique in the daemon (the program's tunnel map index). */
#ifndef PONTOON_NETDEV_TUNNEL_KERNEL_H
#define PONTOON_NETDEV_TUNNEL_KERNEL_H

#include "netdev/tunnel_options.h"
#include "packet/packet.h"

struct tunnel_kernel;

/* What the bridge's kernel path puts in its maps for the port. */
struct tunnel_kernel_info {
    int device_ifindex;
    unsigned id;                    /* < PBS_TUNNELS_MAX */
    int ring_fd;                    /* the upcall ring (BPF_MAP_TYPE_RINGBUF) */
};

/* -EOPNOTSUPP: a kind or kernel the device cannot do (geneve here: no
 * module); -EEXIST: another port has the same remote and VNI;
 * -EADDRINUSE: the UDP port is another socket's; -ENOSPC: every id is
 * taken. */
int tunnel_kernel_open(const struct tunnel_config *config, struct tunnel_kernel **out);
void tunnel_kernel_close(struct tunnel_kernel *tk);
/* Readable when frames came up. */
int tunnel_kernel_fd(const struct tunnel_kernel *tk);
int tunnel_kernel_recv(struct tunnel_kernel *tk, struct packet **packets, unsigned max);
/* Sends packets[0..n) (offloads as virtio-net headers: the device
 * segments and checksums); returns how many went, *errors the refused. */
int tunnel_kernel_send(struct tunnel_kernel *tk, struct packet *const *packets, unsigned n,
                       unsigned *errors);
void tunnel_kernel_get_info(const struct tunnel_kernel *tk, struct tunnel_kernel_info *info);
/* Frames that came up too large for a packet buffer. */
uint64_t tunnel_kernel_rx_dropped(const struct tunnel_kernel *tk);

/* Deletes Pontoon's tunnel devices that no open port uses (all of this
 * namespace's, found by their alias, when `scan`; else those this daemon
 * opened).  The daemon's stop keeps them: the kernel keeps forwarding. */
void tunnel_kernel_remove_unused_devices(bool scan);

#endif
