/* type=vxlan and type=geneve: an Ethernet port whose other end is a remote
 * host, reached through the host's own IP stack (see tunnel_socket.h). */
#ifndef PONTOON_NETDEV_NETDEV_TUNNEL_H
#define PONTOON_NETDEV_NETDEV_TUNNEL_H

#include <stdbool.h>

#include "netdev/netdev.h"
#include "netdev/tunnel_kernel.h"
#include "netdev/tunnel_options.h"

/* The settings a tunnel netdev runs with; NULL if dev is not a tunnel. */
const struct tunnel_config *netdev_tunnel_config(const struct netdev *dev);
/* The largest IP packet a guest may send through it (the underlay route's MTU
 * less the outer headers), probed again on each call; 0 if unknown. */
unsigned netdev_tunnel_inner_mtu(struct netdev *dev);
/* What the last probe found, without asking again. */
unsigned netdev_tunnel_last_inner_mtu(const struct netdev *dev);
/* The number of the listening UDP port it receives on (tnl/ports/show). */
unsigned netdev_tunnel_listener_number(const struct netdev *dev);
/* Frames dropped because they did not fit the underlay with the outer header. */
uint64_t netdev_tunnel_too_big(const struct netdev *dev);

/* Whether the kernel's device carries it (datapath_type=system), and what
 * the bridge's kernel path needs to know of it. */
bool netdev_tunnel_kernel_info(const struct netdev *dev, struct tunnel_kernel_info *info);

#endif
