/* macvtap/host-access's plan and its reader: see macvtap_host_access.h. */
#include "host/macvtap_host_access.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned prefix_length(const struct sockaddr *mask)
{
    const unsigned char *bytes;
    size_t len;
    if (mask->sa_family == AF_INET) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
        len = 4;
    } else {
        bytes = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
        len = 16;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++)
        bits += (unsigned)__builtin_popcount(bytes[i]);
    return bits;
}

static int add_address(struct host_access_state *state, const struct ifaddrs *ifa)
{
    char addr[INET6_ADDRSTRLEN];
    int family = ifa->ifa_addr->sa_family;
    const void *raw = family == AF_INET
        ? (const void *)&((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr
        : (const void *)&((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
    if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)raw))
        return 0;   /* fe80::/10 belongs to each device; nothing to move */
    if (!inet_ntop(family, raw, addr, sizeof addr))
        return -errno;
    struct host_address *grown = realloc(state->addresses,
                                         (state->n_addresses + 1) * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    state->addresses = grown;
    snprintf(grown[state->n_addresses++].text, sizeof grown->text, "%s/%u", addr,
             ifa->ifa_netmask ? prefix_length(ifa->ifa_netmask) : (family == AF_INET ? 32 : 128));
    return 0;
}

/* /proc/net/route: "Iface Destination Gateway Flags ..." in hex, host order. */
static void read_gateway(const char *dev, const char *proc, struct host_access_state *state)
{
    char path[256], line[512];
    snprintf(path, sizeof path, "%s/net/route", proc);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char iface[64];
        unsigned dest, gateway, flags;
        if (sscanf(line, "%63s %x %x %x", iface, &dest, &gateway, &flags) != 4)
            continue;
        if (strcmp(iface, dev) || dest != 0 || !(flags & 0x2))   /* RTF_GATEWAY */
            continue;
        struct in_addr addr = { .s_addr = gateway };
        inet_ntop(AF_INET, &addr, state->gateway, sizeof state->gateway);
        break;
    }
    fclose(f);
}

int host_access_read(const char *dev, const char *proc, struct host_access_state *state)
{
    memset(state, 0, sizeof *state);
    struct ifaddrs *list;
    if (getifaddrs(&list) < 0)
        return -errno;
    int rc = 0;
    for (const struct ifaddrs *ifa = list; ifa && !rc; ifa = ifa->ifa_next)
        if (ifa->ifa_addr && !strcmp(ifa->ifa_name, dev) &&
            (ifa->ifa_addr->sa_family == AF_INET || ifa->ifa_addr->sa_family == AF_INET6))
            rc = add_address(state, ifa);
    freeifaddrs(list);
    if (!rc)
        read_gateway(dev, proc, state);
    return rc;
}

void host_access_state_free(struct host_access_state *state)
{
    free(state->addresses);
    memset(state, 0, sizeof *state);
}

void host_access_plan(const char *lower, const char *name, const struct host_access_state *state,
                      struct strbuf *out)
{
    if (!state->n_addresses) {
        strbuf_printf(out, "%s has no address to move: give the host's address to %s "
                           "(ip address add ADDR/LEN dev %s)\n", lower, name, name);
        return;
    }
    strbuf_printf(out, "Move the host's addresses from %s to %s, each added before it is "
                       "deleted:\n", lower, name);
    for (size_t i = 0; i < state->n_addresses; i++)
        strbuf_printf(out, "  ip address add %s dev %s\n", state->addresses[i].text, name);
    for (size_t i = 0; i < state->n_addresses; i++)
        strbuf_printf(out, "  ip address del %s dev %s\n", state->addresses[i].text, lower);
    if (state->gateway[0])
        strbuf_printf(out, "  ip route replace default via %s dev %s\n", state->gateway, name);
}
