/* Addresses and the default route moved over rtnetlink: see host_address.h. */
#include "host/host_address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

/* The largest request here: header, ifaddrmsg and two 16-byte attributes. */
#define REQUEST_ROOM 128

/* "ADDR/LEN" into family, bytes and prefix length; 0 or -EINVAL. */
static int parse_cidr(const char *cidr, int *family, unsigned char bytes[16], unsigned *plen)
{
    char text[64];
    const char *slash = strchr(cidr, '/');
    size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (n >= sizeof text)
        return -EINVAL;
    memcpy(text, cidr, n);
    text[n] = '\0';
    *family = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(*family, text, bytes) != 1)
        return -EINVAL;
    unsigned max = *family == AF_INET ? 32 : 128;
    char *end;
    unsigned long len = slash ? strtoul(slash + 1, &end, 10) : max;
    if ((slash && (end == slash + 1 || *end)) || len > max)
        return -EINVAL;
    *plen = (unsigned)len;
    return 0;
}

size_t host_address_build(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct host_address_request *req = arg;
    int family;
    unsigned char bytes[16];
    unsigned plen;
    if (parse_cidr(req->cidr, &family, bytes, &plen) || size < REQUEST_ROOM)
        return 0;
    size_t alen = family == AF_INET ? 4 : 16;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (uint16_t)req->type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    if (req->type == RTM_NEWADDR)
        nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
    nlh->nlmsg_seq = seq;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)family;
    ifa->ifa_prefixlen = (uint8_t)plen;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (uint32_t)req->ifindex;
    /* As ip address add: IFA_LOCAL is the address itself (IPv4 only). */
    if (family == AF_INET)
        mnl_attr_put(nlh, IFA_LOCAL, alen, bytes);
    mnl_attr_put(nlh, IFA_ADDRESS, alen, bytes);
    return nlh->nlmsg_len;
}

size_t host_route_build_default(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct host_route_request *req = arg;
    struct in_addr gateway;
    if (inet_pton(AF_INET, req->gateway, &gateway) != 1 || size < REQUEST_ROOM)
        return 0;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    nlh->nlmsg_seq = seq;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 0;                   /* default */
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;        /* as ip route replace */
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put(nlh, RTA_GATEWAY, sizeof gateway, &gateway);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)req->ifindex);
    return nlh->nlmsg_len;
}

int host_address_move(const char *lower, const char *name, const struct host_access_state *state,
                      struct strbuf *out)
{
    int lower_index = (int)if_nametoindex(lower);
    int name_index = (int)if_nametoindex(name);
    if (!lower_index || !name_index) {
        strbuf_printf(out, "%s is not there: nothing moved\n", lower_index ? name : lower);
        return -ENODEV;
    }
    for (size_t i = 0; i < state->n_addresses; i++) {
        const char *cidr = state->addresses[i].text;
        struct host_address_request add = { RTM_NEWADDR, name_index, cidr };
        int rc = rtnl_ack(host_address_build, &add);
        if (rc < 0) {
            strbuf_printf(out, "cannot add %s to %s: %s\n", cidr, name, strerror(-rc));
            return rc;
        }
        struct host_address_request del = { RTM_DELADDR, lower_index, cidr };
        rc = rtnl_ack(host_address_build, &del);
        if (rc < 0) {
            strbuf_printf(out, "added %s to %s, but cannot delete it from %s: %s\n", cidr,
                          name, lower, strerror(-rc));
            return rc;
        }
        strbuf_printf(out, "moved %s from %s to %s\n", cidr, lower, name);
    }
    if (state->gateway[0]) {
        struct host_route_request route = { name_index, state->gateway };
        int rc = rtnl_ack(host_route_build_default, &route);
        if (rc < 0) {
            strbuf_printf(out, "cannot point the default route via %s through %s: %s\n",
                          state->gateway, name, strerror(-rc));
            return rc;
        }
        strbuf_printf(out, "default route via %s now through %s\n", state->gateway, name);
    }
    return 0;
}
