/* Moving the host's addresses and default route from one device to another
 * (macvtap/host-access --move-address): pure rtnetlink request builders, and
 * the thin mover that sends them in a safe order.  Acts in the caller's
 * network namespace. */
#ifndef PONTOON_HOST_HOST_ADDRESS_H
#define PONTOON_HOST_HOST_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "host/macvtap_host_access.h"
#include "util/strbuf.h"

struct host_address_request {
    int type;               /* RTM_NEWADDR (add, or replace) or RTM_DELADDR */
    int ifindex;
    const char *cidr;       /* "198.18.5.10/24", "2001:2::5/64" */
};

struct host_route_request {
    int ifindex;            /* the default route goes out of this device */
    const char *gateway;    /* IPv4 */
};

/* Each builds the request into buf (rtnl_ack's builder shape): its length,
 * or 0 for an address that does not parse or no room. */
size_t host_address_build(void *buf, size_t size, uint32_t seq, const void *arg);
size_t host_route_build_default(void *buf, size_t size, uint32_t seq, const void *arg);

/* Moves every address of `state` from `lower` to `name` — each added to
 * `name` before it leaves `lower`, so the host is never without it — then
 * points the default route through `name`.  Says what it did, a line each,
 * on `out`.  0, or a negative errno at the first step that failed (what
 * came before it stays done, and `out` says how far it got). */
int host_address_move(const char *lower, const char *name, const struct host_access_state *state,
                      struct strbuf *out);

#endif
