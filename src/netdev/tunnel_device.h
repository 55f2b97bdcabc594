/* The kernel's collect-metadata vxlan device of one UDP port, named as
 * OVS's kernel datapath names its own ("vxlan_sys_4789"): one per UDP port
 * in the daemon's network namespace, shared by every tunnel port on that
 * UDP port whatever its bridge.  It encapsulates what it is given with the
 * tunnel key set on the skb, and receives for every VNI and remote.
 * Pontoon's carry the alias TUNNEL_DEVICE_ALIAS: only those are adopted or
 * deleted.  Request builders are pure; the rest is one rtnetlink exchange
 * each. */
#ifndef PONTOON_NETDEV_TUNNEL_DEVICE_H
#define PONTOON_NETDEV_TUNNEL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#define TUNNEL_DEVICE_ALIAS "pontoon tunnel"
#define TUNNEL_DEVICE_MTU   65000       /* as OVS: the underlay route's MTU is what limits */

/* "vxlan_sys_<port>". */
void tunnel_device_name(uint16_t port, char name[16]);

size_t tunnel_device_build_create(void *buf, size_t size, const char *name, uint16_t port,
                                  uint32_t seq);
/* Alias, no IPv6 link-local address (nothing may leave without a key), up. */
size_t tunnel_device_build_setup(void *buf, size_t size, int ifindex, uint32_t seq);

/* The device for `port`, made when missing or adopted when a previous
 * daemon made it: its ifindex, or -EADDRINUSE (the UDP port is another
 * socket's, or the name another's device), -EOPNOTSUPP (no vxlan in this
 * kernel), another negative errno. */
int tunnel_device_open(uint16_t port);
int tunnel_device_delete(int ifindex);
/* Calls fn for each of Pontoon's tunnel devices in this namespace. */
int tunnel_device_each(void (*fn)(void *ctx, const char *name, int ifindex), void *ctx);

#endif
