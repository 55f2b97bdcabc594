/* macvtap devices, the pure part: see macvtap.h. */
#include "host/macvtap.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

static const struct { const char *name; uint32_t mode; } modes[] = {
    { "bridge", MACVLAN_MODE_BRIDGE },
    { "vepa", MACVLAN_MODE_VEPA },
    { "private", MACVLAN_MODE_PRIVATE },
    { "passthru", MACVLAN_MODE_PASSTHRU },
};

int macvtap_mode_from_name(const char *name, uint32_t *mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(name, modes[i].name)) {
            *mode = modes[i].mode;
            return 0;
        }
    return -EINVAL;
}

const char *macvtap_mode_name(uint32_t mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (modes[i].mode == mode)
            return modes[i].name;
    return "?";
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int macvtap_parse_mac(const char *text, uint8_t mac[6])
{
    uint8_t out[6];
    for (int i = 0; i < 6; i++) {
        const char *p = text + 3 * i;
        int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
        if (hi < 0 || lo < 0 || p[2] != (i == 5 ? '\0' : ':'))
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    bool zero = !(out[0] | out[1] | out[2] | out[3] | out[4] | out[5]);
    if (zero || (out[0] & 1))
        return -EINVAL;   /* all-zero, or a multicast/broadcast address */
    memcpy(mac, out, 6);
    return 0;
}

void macvtap_format_mac(const uint8_t mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
}

bool macvtap_name_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= MACVTAP_NAME_SIZE || !strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' ||
            (unsigned char)*p < 0x20)
            return false;
    return true;
}

void macvtap_make_alias(char *buf, const char *db_uuid)
{
    snprintf(buf, MACVTAP_ALIAS_SIZE, "pontoon %s", db_uuid);
}

size_t macvtap_build_create(void *buf, size_t size, const struct macvtap_spec *spec,
                            uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK,
                                      NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, 0);
    if (!nlh)
        return 0;
    uint32_t lower = (uint32_t)spec->lower_ifindex;
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, spec->name) ||
        !mnl_attr_put_u32_check(nlh, size, IFLA_LINK, lower) ||
        (spec->has_mac && !mnl_attr_put_check(nlh, size, IFLA_ADDRESS, 6, spec->mac)))
        return 0;
    struct nlattr *linkinfo = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);
    if (!linkinfo || !mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, spec->kind))
        return 0;
    struct nlattr *data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
    if (!data || !mnl_attr_put_u32_check(nlh, size, IFLA_MACVLAN_MODE, spec->mode))
        return 0;
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nlh->nlmsg_len;
}

size_t macvtap_build_set_up(void *buf, size_t size, int ifindex, const char *alias,
                            uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);
    if (!nlh)
        return 0;
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    if (alias && !mnl_attr_put_strz_check(nlh, size, IFLA_IFALIAS, alias))
        return 0;
    return nlh->nlmsg_len;
}

size_t macvtap_build_delete(void *buf, size_t size, int ifindex, uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_DELLINK, NLM_F_ACK, seq, ifindex);
    return nlh ? nlh->nlmsg_len : 0;
}

size_t macvtap_build_get(void *buf, size_t size, const char *name, uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_GETLINK, name ? 0 : NLM_F_DUMP,
                                                seq, 0);
    if (!nlh || (name && !mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name)))
        return 0;
    return nlh->nlmsg_len;
}

static void copy_string(char *dst, size_t size, const struct nlattr *attr)
{
    const char *text = mnl_attr_get_str(attr);
    size_t len = strnlen(text, mnl_attr_get_payload_len(attr));
    if (len >= size)
        len = size - 1;
    memcpy(dst, text, len);
    dst[len] = '\0';
}

static void parse_linkinfo(const struct nlattr *linkinfo, struct macvtap_link *link)
{
    const struct nlattr *attr;
    mnl_attr_for_each_nested(attr, linkinfo) {
        if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
            mnl_attr_validate(attr, MNL_TYPE_STRING) == 0) {
            copy_string(link->kind, sizeof link->kind, attr);
        } else if (mnl_attr_get_type(attr) == IFLA_INFO_DATA &&
                   mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0 &&
                   (!strcmp(link->kind, "macvtap") || !strcmp(link->kind, "macvlan"))) {
            const struct nlattr *data;
            mnl_attr_for_each_nested(data, attr)
                if (mnl_attr_get_type(data) == IFLA_MACVLAN_MODE &&
                    mnl_attr_validate(data, MNL_TYPE_U32) == 0)
                    link->mode = mnl_attr_get_u32(data);
        }
    }
}

int macvtap_parse_link(const struct nlmsghdr *nlh, struct macvtap_link *link)
{
    memset(link, 0, sizeof *link);
    if (nlh->nlmsg_type != RTM_NEWLINK ||
        nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return -EINVAL;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    link->ifindex = ifi->ifi_index;
    link->up = ifi->ifi_flags & IFF_UP;
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof *ifi) {
        switch (mnl_attr_get_type(attr)) {
        case IFLA_IFNAME:
            if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
                copy_string(link->name, sizeof link->name, attr);
            break;
        case IFLA_IFALIAS:
            if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
                copy_string(link->alias, sizeof link->alias, attr);
            break;
        case IFLA_LINK:
            if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
                link->lower_ifindex = (int)mnl_attr_get_u32(attr);
            break;
        case IFLA_ADDRESS:
            if (mnl_attr_get_payload_len(attr) == 6) {
                memcpy(link->mac, mnl_attr_get_payload(attr), 6);
                link->has_mac = true;
            }
            break;
        case IFLA_LINKINFO:
            if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
                parse_linkinfo(attr, link);
            break;
        }
    }
    return 0;
}

enum macvtap_action macvtap_plan(const struct macvtap_spec *want,
                                 const struct macvtap_link *have)
{
    if (!have)
        return MACVTAP_CREATE;
    if (strcmp(have->alias, want->alias))
        return MACVTAP_FOREIGN;
    if (strcmp(have->kind, want->kind) || have->lower_ifindex != want->lower_ifindex ||
        have->mode != want->mode ||
        (want->has_mac && (!have->has_mac || memcmp(have->mac, want->mac, 6))))
        return MACVTAP_RECREATE;
    return have->up ? MACVTAP_KEEP : MACVTAP_SET_UP;
}

const char *macvtap_action_name(enum macvtap_action action)
{
    switch (action) {
    case MACVTAP_KEEP: return "keep";
    case MACVTAP_SET_UP: return "set up";
    case MACVTAP_CREATE: return "create";
    case MACVTAP_RECREATE: return "re-create";
    case MACVTAP_FOREIGN: return "foreign";
    }
    return "?";
}

int macvtap_parse_devnum(const char *text, unsigned *major, unsigned *minor)
{
    unsigned a, b;
    char tail[2];
    int n = sscanf(text, "%u:%u%1s", &a, &b, tail);
    if (n != 2)
        return -EINVAL;
    *major = a;
    *minor = b;
    return 0;
}
