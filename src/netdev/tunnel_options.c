/* Tunnel Interface options: see tunnel_options.h. */
#include "netdev/tunnel_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/strbuf.h"

bool tunnel_type_is_tunnel(const char *type)
{
    return type && (!strcmp(type, "vxlan") || !strcmp(type, "geneve"));
}

static int parse_addr(const char *text, struct tunnel_addr *addr)
{
    memset(addr, 0, sizeof *addr);
    if (inet_pton(AF_INET, text, &addr->v4) == 1) {
        addr->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &addr->v6) == 1) {
        addr->family = AF_INET6;
        return 0;
    }
    return -EINVAL;
}

static int parse_number(const char *text, unsigned long long min, unsigned long long max,
                        unsigned long long *out)
{
    if (!text[0] || text[0] == '-' || text[0] == '+' || text[0] == ' ')
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);   /* OVS takes 0x... keys too */
    if (errno || *end || value < min || value > max)
        return -EINVAL;
    *out = value;
    return 0;
}

static int parse_bool(const char *text, bool *out)
{
    if (!strcmp(text, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(text, "false")) {
        *out = false;
        return 0;
    }
    return -EINVAL;
}

/* Options OVS reads from OpenFlow actions or flow metadata when set to "flow". */
static bool flow_option(const char *key)
{
    static const char *const keys[] = { "remote_ip", "local_ip", "key", "in_key", "out_key",
                                        "tos", "ttl" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(key, keys[i]))
            return true;
    return false;
}

static int fail(char **error, char *message)
{
    *error = message;
    return -EINVAL;
}

int tunnel_options_parse(const char *type, const char *const *keys, const char *const *values,
                         size_t n, struct tunnel_config *config, char **error)
{
    *error = NULL;
    memset(config, 0, sizeof *config);
    config->kind = !strcmp(type, "geneve") ? TUNNEL_GENEVE : TUNNEL_VXLAN;
    config->dst_port = config->kind == TUNNEL_GENEVE ? GENEVE_DEFAULT_PORT : VXLAN_DEFAULT_PORT;
    config->df = true;
    bool have_in = false, have_out = false;
    unsigned long long key = 0, number;

    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i], *v = values[i];
        if (!strcmp(v, "flow") && flow_option(k))
            return fail(error, xasprintf("options:%s=flow: OpenFlow-based tunnels (options "
                                         "set to \"flow\") are not supported; give a fixed "
                                         "value", k));
        if (!strcmp(k, "remote_ip") || !strcmp(k, "local_ip")) {
            struct tunnel_addr *addr = k[0] == 'r' ? &config->remote : &config->local;
            if (parse_addr(v, addr) < 0)
                return fail(error, xasprintf("options:%s=%s: not an IPv4 or IPv6 address",
                                             k, v));
        } else if (!strcmp(k, "key") || !strcmp(k, "in_key") || !strcmp(k, "out_key")) {
            if (parse_number(v, 0, TUNNEL_VNI_MAX, &number) < 0)
                return fail(error, xasprintf("options:%s=%s: a %s VNI is a number from 0 "
                                             "to 16777215", k, v, type));
            if (!strcmp(k, "key")) {
                key = number;
            } else if (!strcmp(k, "in_key")) {
                config->in_key = (uint32_t)number;
                have_in = true;
            } else {
                config->out_key = (uint32_t)number;
                have_out = true;
            }
        } else if (!strcmp(k, "dst_port")) {
            if (parse_number(v, 1, 65535, &number) < 0)
                return fail(error, xasprintf("options:dst_port=%s: not a UDP port (1-65535)",
                                             v));
            config->dst_port = (uint16_t)number;
        } else if (!strcmp(k, "tos")) {
            if (parse_number(v, 0, 255, &number) < 0)
                return fail(error, xasprintf("options:tos=%s: a number from 0 to 255 "
                                             "(\"inherit\" is not supported)", v));
            config->tos = (uint8_t)number;
        } else if (!strcmp(k, "ttl")) {
            if (parse_number(v, 1, 255, &number) < 0)
                return fail(error, xasprintf("options:ttl=%s: a number from 1 to 255 "
                                             "(\"inherit\" is not supported)", v));
            config->ttl = (uint8_t)number;
        } else if (!strcmp(k, "df_default") || !strcmp(k, "csum")) {
            if (parse_bool(v, k[0] == 'd' ? &config->df : &config->csum) < 0)
                return fail(error, xasprintf("options:%s=%s: true or false", k, v));
        } else {
            return fail(error, xasprintf("options:%s: not an option of %s tunnels (known: "
                                         "remote_ip, local_ip, key, in_key, out_key, "
                                         "dst_port, tos, ttl, df_default, csum)", k, type));
        }
    }
    if (!config->remote.family)
        return fail(error, xasprintf("a %s tunnel needs options:remote_ip", type));
    if (config->local.family && config->local.family != config->remote.family)
        return fail(error, xasprintf("options:local_ip and options:remote_ip are not of "
                                     "the same address family"));
    if (!have_in)
        config->in_key = (uint32_t)key;
    if (!have_out)
        config->out_key = (uint32_t)key;
    return 0;
}

const char *tunnel_addr_format(const struct tunnel_addr *addr, char *buf, size_t size)
{
    if (!addr->family || !inet_ntop(addr->family, &addr->v6, buf, (socklen_t)size))
        snprintf(buf, size, "%s", "");
    return buf;
}

bool tunnel_addr_equal(const struct tunnel_addr *a, const struct tunnel_addr *b)
{
    if (a->family != b->family)
        return false;
    if (a->family == AF_INET)
        return a->v4.s_addr == b->v4.s_addr;
    if (a->family == AF_INET6)
        return !memcmp(&a->v6, &b->v6, sizeof a->v6);
    return true;
}
