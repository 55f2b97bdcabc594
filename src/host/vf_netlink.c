/* VF rtnetlink messages, built and parsed: see vf_netlink.h. */
#include "host/vf_netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

/* A nest as iproute2's addattr_nest makes it: without NLA_F_NESTED, which
 * libmnl's mnl_attr_nest_start sets. */
static struct nlattr *nest_start(struct nlmsghdr *nlh, size_t size, uint16_t type)
{
    struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, type);
    if (nest)
        nest->nla_type = type;
    return nest;
}

/* Each attribute in the order iproute2's iplink_parse_vf adds them for the
 * words mac, vlan, spoofchk, trust, state, then the rate after the loop.
 * The structs are zeroed first: their padding goes on the wire. */
static bool put_settings(struct nlmsghdr *nlh, size_t size, const struct vf_config *cfg,
                         unsigned which)
{
    if (which & VF_SET_MAC) {
        struct ifla_vf_mac ivm;
        memset(&ivm, 0, sizeof ivm);
        ivm.vf = cfg->vf;
        memcpy(ivm.mac, cfg->mac, 6);
        if (!mnl_attr_put_check(nlh, size, IFLA_VF_MAC, sizeof ivm, &ivm))
            return false;
    }
    if (which & VF_SET_VLAN) {
        /* iproute2 keeps the old attribute for 802.1Q ("in case of older
         * kernel"); only 802.1ad goes in the list. */
        if (cfg->vlan_proto != ETH_P_8021AD) {
            struct ifla_vf_vlan ivv;
            memset(&ivv, 0, sizeof ivv);
            ivv.vf = cfg->vf;
            ivv.vlan = cfg->vlan;
            ivv.qos = cfg->qos;
            if (!mnl_attr_put_check(nlh, size, IFLA_VF_VLAN, sizeof ivv, &ivv))
                return false;
        } else {
            struct ifla_vf_vlan_info ivvi;
            memset(&ivvi, 0, sizeof ivvi);
            ivvi.vf = cfg->vf;
            ivvi.vlan = cfg->vlan;
            ivvi.qos = cfg->qos;
            ivvi.vlan_proto = htons(cfg->vlan_proto);
            struct nlattr *list = nest_start(nlh, size, IFLA_VF_VLAN_LIST);
            if (!list || !mnl_attr_put_check(nlh, size, IFLA_VF_VLAN_INFO, sizeof ivvi, &ivvi))
                return false;
            mnl_attr_nest_end(nlh, list);
        }
    }
    if (which & VF_SET_SPOOFCHK) {
        struct ifla_vf_spoofchk ivs = { .vf = cfg->vf, .setting = cfg->spoofchk };
        if (!mnl_attr_put_check(nlh, size, IFLA_VF_SPOOFCHK, sizeof ivs, &ivs))
            return false;
    }
    if (which & VF_SET_TRUST) {
        struct ifla_vf_trust ivt = { .vf = cfg->vf, .setting = cfg->trust };
        if (!mnl_attr_put_check(nlh, size, IFLA_VF_TRUST, sizeof ivt, &ivt))
            return false;
    }
    if (which & VF_SET_LINK_STATE) {
        struct ifla_vf_link_state ivl = { .vf = cfg->vf, .link_state = cfg->link_state };
        if (!mnl_attr_put_check(nlh, size, IFLA_VF_LINK_STATE, sizeof ivl, &ivl))
            return false;
    }
    if (which & VF_SET_RATE) {
        struct ifla_vf_rate ivr = { .vf = cfg->vf, .min_tx_rate = cfg->min_rate,
                                    .max_tx_rate = cfg->max_rate };
        if (!mnl_attr_put_check(nlh, size, IFLA_VF_RATE, sizeof ivr, &ivr))
            return false;
    }
    return true;
}

size_t vf_build_set(void *buf, size_t size, int ifindex, const struct vf_config *cfg,
                    unsigned which, uint32_t seq)
{
    which &= VF_SET_ALL;
    if (!which)
        return 0;
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);
    if (!nlh)
        return 0;
    struct nlattr *list = nest_start(nlh, size, IFLA_VFINFO_LIST);
    struct nlattr *info = list ? nest_start(nlh, size, IFLA_VF_INFO) : NULL;
    if (!info || !put_settings(nlh, size, cfg, which))
        return 0;
    mnl_attr_nest_end(nlh, info);
    mnl_attr_nest_end(nlh, list);
    return nlh->nlmsg_len;
}

size_t vf_build_get(void *buf, size_t size, const char *name, uint32_t seq)
{
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_GETLINK, 0, seq, 0);
    if (!nlh || !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
                                        RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS)
        || !mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name))
        return 0;
    return nlh->nlmsg_len;
}

/* The payload of attr when it holds at least `len` bytes, else NULL. */
static const void *payload_of(const struct nlattr *attr, size_t len)
{
    return mnl_attr_get_payload_len(attr) >= len ? mnl_attr_get_payload(attr) : NULL;
}

static void parse_vlan_list(const struct nlattr *list, struct vf_state *vf)
{
    const struct nlattr *attr;
    mnl_attr_for_each_nested(attr, list) {
        const struct ifla_vf_vlan_info *info = payload_of(attr, sizeof *info);
        if (mnl_attr_get_type(attr) != IFLA_VF_VLAN_INFO || !info)
            continue;
        vf->vlan = info->vlan;
        vf->qos = info->qos;
        if (info->vlan_proto)
            vf->vlan_proto = ntohs(info->vlan_proto);
        return;   /* the kernel reports one */
    }
}

static void parse_vf_info(const struct nlattr *nest, struct vf_state *vf)
{
    memset(vf, 0, sizeof *vf);
    vf->vlan_proto = ETH_P_8021Q;
    vf->spoofchk = vf->trust = vf->query_rss = -1;
    const struct nlattr *attr;
    mnl_attr_for_each_nested(attr, nest) {
        switch (mnl_attr_get_type(attr)) {
        case IFLA_VF_MAC: {
            const struct ifla_vf_mac *p = payload_of(attr, sizeof *p);
            if (p) {
                vf->vf = p->vf;
                memcpy(vf->mac, p->mac, sizeof vf->mac);
            }
            break;
        }
        case IFLA_VF_BROADCAST: {
            const struct ifla_vf_broadcast *p = payload_of(attr, sizeof *p);
            if (p) {
                memcpy(vf->broadcast, p->broadcast, sizeof vf->broadcast);
                vf->has_broadcast = true;
            }
            break;
        }
        case IFLA_VF_VLAN: {
            const struct ifla_vf_vlan *p = payload_of(attr, sizeof *p);
            if (p) {
                vf->vlan = p->vlan;
                vf->qos = p->qos;
            }
            break;
        }
        case IFLA_VF_VLAN_LIST:
            parse_vlan_list(attr, vf);
            break;
        case IFLA_VF_TX_RATE: {
            const struct ifla_vf_tx_rate *p = payload_of(attr, sizeof *p);
            if (p)
                vf->tx_rate = p->rate;
            break;
        }
        case IFLA_VF_RATE: {
            const struct ifla_vf_rate *p = payload_of(attr, sizeof *p);
            if (p) {
                vf->min_tx_rate = p->min_tx_rate;
                vf->max_tx_rate = p->max_tx_rate;
                vf->has_rate = true;
            }
            break;
        }
        case IFLA_VF_SPOOFCHK: {
            const struct ifla_vf_spoofchk *p = payload_of(attr, sizeof *p);
            if (p)
                vf->spoofchk = p->setting == (uint32_t)-1 ? -1 : p->setting != 0;
            break;
        }
        case IFLA_VF_TRUST: {
            const struct ifla_vf_trust *p = payload_of(attr, sizeof *p);
            if (p)
                vf->trust = p->setting == (uint32_t)-1 ? -1 : p->setting != 0;
            break;
        }
        case IFLA_VF_RSS_QUERY_EN: {
            const struct ifla_vf_rss_query_en *p = payload_of(attr, sizeof *p);
            if (p)
                vf->query_rss = p->setting == (uint32_t)-1 ? -1 : p->setting != 0;
            break;
        }
        case IFLA_VF_LINK_STATE: {
            const struct ifla_vf_link_state *p = payload_of(attr, sizeof *p);
            if (p) {
                vf->link_state = p->link_state;
                vf->has_link_state = true;
            }
            break;
        }
        }
    }
}

static int parse_vfinfo_list(const struct nlattr *list, struct vf_link *link)
{
    size_t n = 0;
    const struct nlattr *attr;
    mnl_attr_for_each_nested(attr, list)
        n += mnl_attr_get_type(attr) == IFLA_VF_INFO;
    if (!n)
        return 0;
    struct vf_state *vfs = calloc(n, sizeof *vfs);
    if (!vfs)
        return -ENOMEM;
    free(link->vfs);
    link->vfs = vfs;
    link->n_vfs = 0;
    mnl_attr_for_each_nested(attr, list)
        if (mnl_attr_get_type(attr) == IFLA_VF_INFO)
            parse_vf_info(attr, &link->vfs[link->n_vfs++]);
    return 0;
}

int vf_parse_link(const struct nlmsghdr *nlh, struct vf_link *link)
{
    memset(link, 0, sizeof *link);
    if (nlh->nlmsg_type != RTM_NEWLINK
        || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return -EINVAL;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    link->ifindex = ifi->ifi_index;
    link->type = ifi->ifi_type;
    link->flags = ifi->ifi_flags;
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof *ifi) {
        switch (mnl_attr_get_type(attr)) {
        case IFLA_IFNAME:
            if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0) {
                size_t len = strnlen(mnl_attr_get_str(attr), mnl_attr_get_payload_len(attr));
                if (len >= sizeof link->name)
                    len = sizeof link->name - 1;
                memcpy(link->name, mnl_attr_get_str(attr), len);
            }
            break;
        case IFLA_NUM_VF:
            if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
                link->num_vf = mnl_attr_get_u32(attr);
                link->has_num_vf = true;
            }
            break;
        case IFLA_VFINFO_LIST:
            if (parse_vfinfo_list(attr, link))
                return -ENOMEM;
            break;
        }
    }
    return 0;
}

void vf_link_free(struct vf_link *link)
{
    if (!link)
        return;
    free(link->vfs);
    link->vfs = NULL;
    link->n_vfs = 0;
}

const struct vf_state *vf_link_find(const struct vf_link *link, unsigned vf)
{
    for (size_t i = 0; link && i < link->n_vfs; i++)
        if (link->vfs[i].vf == vf)
            return &link->vfs[i];
    return NULL;
}
