/* The underlay of tunnel ports: one UDP socket per (address family, local
 * address, UDP port), shared by every tunnel port that uses it, whatever its
 * bridge.  Received datagrams are demultiplexed to the port whose remote
 * address and VNI they match; the kernel routes and resolves what is sent. */
#ifndef PONTOON_NETDEV_TUNNEL_SOCKET_H
#define PONTOON_NETDEV_TUNNEL_SOCKET_H

#include <stdint.h>

#include "netdev/tunnel_options.h"
#include "packet/packet.h"

struct tunnel_endpoint;

/* Counters of one endpoint, for its netdev's stats. */
struct tunnel_endpoint_stats {
    uint64_t rx_dropped;        /* its queue of frames read by another port was full */
    uint64_t rx_errors;         /* malformed headers (counted on the endpoint that read them) */
    uint64_t tx_errors;         /* the kernel refused a datagram */
};

/* Attaches a tunnel port to the socket for its local address and UDP port,
 * creating the socket on first use.  -EADDRINUSE if another tunnel port
 * already has the same remote address and received VNI on that socket, or
 * the port is taken by a tunnel of the other type. */
int tunnel_endpoint_open(const struct tunnel_config *config, struct tunnel_endpoint **out);
void tunnel_endpoint_close(struct tunnel_endpoint *ep);
/* Readable when the socket or this endpoint's queue has frames. */
int tunnel_endpoint_fd(const struct tunnel_endpoint *ep);
/* Receives up to max inner frames for this endpoint into packets[0..max)
 * (pointers within the array may be swapped).  Frames for other endpoints
 * of the socket are copied into their queues.  Returns the count. */
int tunnel_endpoint_recv(struct tunnel_endpoint *ep, struct packet **packets, unsigned max);
/* Sends frames[0..n) each behind `header` (hdr_len bytes) to the remote
 * address in one sendmmsg() where possible.  Returns the number sent. */
int tunnel_endpoint_send(struct tunnel_endpoint *ep, const uint8_t *header, size_t hdr_len,
                         struct packet *const *frames, unsigned n);
void tunnel_endpoint_get_stats(const struct tunnel_endpoint *ep,
                               struct tunnel_endpoint_stats *stats);
/* The largest inner frame payload (an IP packet) that fits the route to the
 * remote with the outer headers, asked of the kernel now; 0 if unknown. */
unsigned tunnel_endpoint_probe_mtu(const struct tunnel_endpoint *ep);
/* The same for a tunnel the kernel carries. */
unsigned tunnel_probe_mtu(const struct tunnel_config *config);

/* One listening UDP port, for tnl/ports/show: what OVS shows as the
 * datapath port vxlan_sys_4789 or genev_sys_6081. */
struct tunnel_listener {
    enum tunnel_kind kind;
    uint16_t port;
    unsigned ref_cnt;           /* tunnel ports receiving on it */
    unsigned number;            /* its datapath port number: 1, 2, ... in the order
                                   pontoond first listened on each (kind, UDP port) */
};
/* Fills up to max listeners (grouped by kind and port, in number order);
 * returns the count. */
size_t tunnel_listeners(struct tunnel_listener *out, size_t max);
/* A tunnel port the kernel's device receives for, on (kind, port), comes
 * (delta 1) or goes (-1): tnl/ports/show lists it too.  Returns the
 * listener's number. */
unsigned tunnel_listener_ref(enum tunnel_kind kind, uint16_t port, int delta);
/* The number of the listener the endpoint receives on (dpif/show's "1/N"). */
unsigned tunnel_endpoint_listener_number(const struct tunnel_endpoint *ep);

#endif
