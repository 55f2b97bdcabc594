/* Interface options of type=vxlan and type=geneve (OVS's names and
 * defaults) parsed into what a tunnel port needs.  Pure: the commit path
 * uses it to refuse bad options before they reach the database, and the
 * daemon again before it opens a port. */
#ifndef PONTOON_NETDEV_TUNNEL_OPTIONS_H
#define PONTOON_NETDEV_TUNNEL_OPTIONS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/tunnel_header.h"

#define VXLAN_DEFAULT_PORT  4789
#define GENEVE_DEFAULT_PORT 6081

/* An IPv4 or IPv6 address; IPv4 is kept in the first 4 bytes. */
struct tunnel_addr {
    int family;                 /* AF_INET, AF_INET6, or 0 for none */
    union {
        struct in_addr v4;
        struct in6_addr v6;
    };
};

struct tunnel_config {
    enum tunnel_kind kind;
    struct tunnel_addr remote;  /* options:remote_ip (required) */
    struct tunnel_addr local;   /* options:local_ip; family 0: any */
    uint32_t in_key, out_key;   /* VNI received / sent: options:key, in_key, out_key */
    uint16_t dst_port;          /* options:dst_port, 4789 / 6081 */
    uint8_t tos;                /* options:tos; 0: the kernel's default */
    uint8_t ttl;                /* options:ttl; 0: the kernel's default (64) */
    bool df;                    /* options:df_default, default true */
    bool csum;                  /* options:csum: outer UDP checksum, default false */
    bool kernel;                /* not an option: the daemon asks the kernel's
                                 * device to carry it (a system bridge's) */
};

/* True for "vxlan" and "geneve". */
bool tunnel_type_is_tunnel(const char *type);

/* Parses the options map keys[i] = values[i] of an Interface of `type`
 * ("vxlan" or "geneve").  Returns 0, or -EINVAL with *error a malloc'd
 * message that names the option and the problem (the caller frees it). */
int tunnel_options_parse(const char *type, const char *const *keys, const char *const *values,
                         size_t n, struct tunnel_config *config, char **error);

/* "198.18.0.1" or "2001:db8::1"; buf holds INET6_ADDRSTRLEN bytes. */
const char *tunnel_addr_format(const struct tunnel_addr *addr, char *buf, size_t size);
bool tunnel_addr_equal(const struct tunnel_addr *a, const struct tunnel_addr *b);

#endif
