/* macvtap/host-access: what to tell the operator to move from the lower
 * device onto the host's macvlan.  The plan is pure (addresses and gateways
 * in, command lines out); the reader takes them from this namespace. */
#ifndef PONTOON_HOST_MACVTAP_HOST_ACCESS_H
#define PONTOON_HOST_MACVTAP_HOST_ACCESS_H

#include <stddef.h>

#include "util/strbuf.h"

struct host_address {
    char text[64];          /* "198.18.5.10/24", "2001:db8::1/64" */
};

struct host_access_state {
    struct host_address *addresses;   /* global addresses on the lower device */
    size_t n_addresses;
    char gateway[64];                 /* IPv4 default gateway through it, "" if none */
};

/* The global IPv4 and IPv6 addresses of `dev` and the IPv4 default route
 * through it (/proc/net/route, under `proc`, normally "/proc").  0 or a
 * negative errno; free with host_access_state_free. */
int host_access_read(const char *dev, const char *proc, struct host_access_state *state);
void host_access_state_free(struct host_access_state *state);

/* The commands, in a safe order: every address added to `name` before it
 * leaves `lower`, then the default route. */
void host_access_plan(const char *lower, const char *name, const struct host_access_state *state,
                      struct strbuf *out);

#endif
