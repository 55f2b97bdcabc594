/* Collect-metadata vxlan devices: see tunnel_device.h. */
#include "netdev/tunnel_device.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

void tunnel_device_name(uint16_t port, char name[16])
{
    snprintf(name, 16, "vxlan_sys_%u", port);
}

size_t tunnel_device_build_create(void *buf, size_t size, const char *name, uint16_t port,
                                  uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK,
                                                NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, 0);
    if (!nlh || !mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) ||
        !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, TUNNEL_DEVICE_MTU))
        return 0;
    struct nlattr *linkinfo = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);
    if (!linkinfo || !mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "vxlan"))
        return 0;
    struct nlattr *data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
    if (!data || !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_COLLECT_METADATA, 1) ||
        !mnl_attr_put_u16_check(nlh, size, IFLA_VXLAN_PORT, htons(port)) ||
        !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_LEARNING, 0) ||
        !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 1) ||
        !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 1))
        return 0;
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nlh->nlmsg_len;
}

size_t tunnel_device_build_setup(void *buf, size_t size, int ifindex, uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);
    if (!nlh)
        return 0;
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFALIAS, TUNNEL_DEVICE_ALIAS))
        return 0;
    struct nlattr *af = mnl_attr_nest_start_check(nlh, size, IFLA_AF_SPEC);
    struct nlattr *inet6 = af ? mnl_attr_nest_start_check(nlh, size, AF_INET6) : NULL;
    if (!inet6 ||
        !mnl_attr_put_u8_check(nlh, size, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE))
        return 0;
    mnl_attr_nest_end(nlh, inet6);
    mnl_attr_nest_end(nlh, af);
    return nlh->nlmsg_len;
}

/* What a link dump or get says of a device: enough to tell ours. */
struct device_seen {
    int ifindex;
    char name[IFNAMSIZ];
    char kind[16];
    char alias[64];
};

static void copy_attr_string(char *dst, size_t size, const struct nlattr *attr)
{
    if (mnl_attr_validate(attr, MNL_TYPE_STRING) < 0) {
        dst[0] = '\0';
        return;
    }
    size_t len = strnlen(mnl_attr_get_str(attr), mnl_attr_get_payload_len(attr));
    if (len >= size)
        len = size - 1;
    memcpy(dst, mnl_attr_get_str(attr), len);
    dst[len] = '\0';
}

static int parse_device(const struct nlmsghdr *nlh, struct device_seen *seen)
{
    memset(seen, 0, sizeof *seen);
    if (nlh->nlmsg_type != RTM_NEWLINK ||
        nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return -EINVAL;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    seen->ifindex = ifi->ifi_index;
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof *ifi) {
        int type = mnl_attr_get_type(attr);
        if (type == IFLA_IFNAME) {
            copy_attr_string(seen->name, sizeof seen->name, attr);
        } else if (type == IFLA_IFALIAS) {
            copy_attr_string(seen->alias, sizeof seen->alias, attr);
        } else if (type == IFLA_LINKINFO && mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0) {
            const struct nlattr *info;
            mnl_attr_for_each_nested(info, attr)
                if (mnl_attr_get_type(info) == IFLA_INFO_KIND)
                    copy_attr_string(seen->kind, sizeof seen->kind, info);
        }
    }
    return 0;
}

static bool is_ours(const struct device_seen *seen)
{
    return !strcmp(seen->kind, "vxlan") && !strcmp(seen->alias, TUNNEL_DEVICE_ALIAS);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
    parse_device(nlh, data);
    return MNL_CB_OK;
}

static int get_device(const char *name, struct device_seen *seen)
{
    struct rtnl_exchange *x;
    int rc = rtnl_open(&x);
    if (rc)
        return rc;
    size_t size;
    void *buf = rtnl_buffer(x, &size);
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_GETLINK, 0, rtnl_next_seq(x), 0);
    memset(seen, 0, sizeof *seen);
    if (!nlh || !mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name))
        rc = -EMSGSIZE;
    else
        rc = rtnl_run_one(x, nlh->nlmsg_len, get_cb, seen);
    rtnl_close(x);
    if (!rc && !seen->ifindex)
        rc = -ENODEV;
    return rc;
}

struct create_args {
    const char *name;
    uint16_t port;
};

static size_t build_create(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct create_args *a = arg;
    return tunnel_device_build_create(buf, size, a->name, a->port, seq);
}

static size_t build_setup(void *buf, size_t size, uint32_t seq, const void *arg)
{
    return tunnel_device_build_setup(buf, size, *(const int *)arg, seq);
}

static size_t build_delete(void *buf, size_t size, uint32_t seq, const void *arg)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_DELLINK, NLM_F_ACK, seq,
                                                *(const int *)arg);
    return nlh ? nlh->nlmsg_len : 0;
}

int tunnel_device_open(uint16_t port)
{
    char name[16];
    tunnel_device_name(port, name);
    struct device_seen seen;
    int rc = get_device(name, &seen);
    if (rc == 0 && !is_ours(&seen))
        return -EADDRINUSE;             /* somebody else's device of that name */
    if (rc == -ENODEV) {
        struct create_args args = { name, port };
        rc = rtnl_ack(build_create, &args);
        if (rc == -EOPNOTSUPP || rc == -ENOENT)
            return -EOPNOTSUPP;          /* no vxlan driver: "Unknown device type" */
        if (rc == 0)
            rc = get_device(name, &seen);
    }
    if (rc)
        return rc;
    rc = rtnl_ack(build_setup, &seen.ifindex);
    /* Up binds the UDP port: taken by another socket, it fails here. */
    if (rc) {
        if (!is_ours(&seen))             /* made just now, never announced as ours */
            rtnl_ack(build_delete, &seen.ifindex);
        return rc;
    }
    return seen.ifindex;
}

int tunnel_device_delete(int ifindex)
{
    return rtnl_ack(build_delete, &ifindex);
}

struct each_aux {
    void (*fn)(void *ctx, const char *name, int ifindex);
    void *ctx;
};

static int each_cb(const struct nlmsghdr *nlh, void *data)
{
    struct each_aux *aux = data;
    struct device_seen seen;
    if (parse_device(nlh, &seen) == 0 && is_ours(&seen))
        aux->fn(aux->ctx, seen.name, seen.ifindex);
    return MNL_CB_OK;
}

int tunnel_device_each(void (*fn)(void *ctx, const char *name, int ifindex), void *ctx)
{
    struct rtnl_exchange *x;
    int rc = rtnl_open(&x);
    if (rc)
        return rc;
    size_t size;
    void *buf = rtnl_buffer(x, &size);
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_GETLINK, NLM_F_DUMP,
                                                rtnl_next_seq(x), 0);
    struct each_aux aux = { fn, ctx };
    rc = nlh ? rtnl_run(x, nlh->nlmsg_len, each_cb, &aux) : -EMSGSIZE;
    rtnl_close(x);
    return rc;
}
