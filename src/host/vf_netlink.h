/* The rtnetlink messages of SR-IOV VF settings, as iproute2 6.1 builds and
 * reads them: RTM_NEWLINK on the PF carrying
 *   IFLA_VFINFO_LIST { IFLA_VF_INFO { IFLA_VF_MAC, IFLA_VF_VLAN (802.1Q) or
 *   IFLA_VF_VLAN_LIST { IFLA_VF_VLAN_INFO } (802.1ad), IFLA_VF_SPOOFCHK,
 *   IFLA_VF_TRUST, IFLA_VF_LINK_STATE, IFLA_VF_RATE } }
 * (`ip link set PF vf N mac M vlan V qos Q spoofchk on trust on state auto
 * min_tx_rate A max_tx_rate B` sends exactly those attributes in that
 * order), and the kernel's answer to RTM_GETLINK with IFLA_EXT_MASK
 * RTEXT_FILTER_VF: IFLA_NUM_VF and per VF the uapi structs of
 * <linux/if_link.h>.  Pure: buffers in and out; host/vf_link.h sends. */
#ifndef PONTOON_HOST_VF_NETLINK_H
#define PONTOON_HOST_VF_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/vf_config.h"

struct nlmsghdr;

/* One VF as the kernel reports it (rtnl_fill_vfinfo). */
struct vf_state {
    unsigned vf;
    uint8_t mac[32];              /* ifla_vf_mac.mac: 6 bytes used on Ethernet */
    bool has_broadcast;
    uint8_t broadcast[32];
    uint32_t vlan, qos;
    uint16_t vlan_proto;          /* host order; ETH_P_8021Q when not reported */
    uint32_t tx_rate;             /* IFLA_VF_TX_RATE (the old max) */
    bool has_rate;
    uint32_t min_tx_rate, max_tx_rate;
    int spoofchk;                 /* 0, 1, or -1: the driver does not say */
    int trust;                    /* likewise */
    int query_rss;                /* likewise */
    bool has_link_state;
    uint32_t link_state;          /* IFLA_VF_LINK_STATE_* */
};

/* A PF's RTM_NEWLINK. */
struct vf_link {
    char name[16];
    int ifindex;
    unsigned short type;          /* ifi_type: ARPHRD_ETHER, ARPHRD_INFINIBAND... */
    unsigned flags;               /* ifi_flags */
    bool has_num_vf;              /* IFLA_NUM_VF present: the device has SR-IOV */
    unsigned num_vf;
    struct vf_state *vfs;         /* in the order the kernel lists them */
    size_t n_vfs;
};

/* RTM_NEWLINK (NLM_F_REQUEST | NLM_F_ACK) setting the settings of `cfg`
 * named by `which` (VF_SET_*) on VF cfg->vf of the PF with `ifindex`, into
 * buf; the message's length, or 0 when buf (size bytes) is too small or
 * `which` names nothing.  The rate goes as IFLA_VF_RATE with both values. */
size_t vf_build_set(void *buf, size_t size, int ifindex, const struct vf_config *cfg,
                    unsigned which, uint32_t seq);

/* RTM_GETLINK of one device by name with IFLA_EXT_MASK RTEXT_FILTER_VF |
 * RTEXT_FILTER_SKIP_STATS, as `ip link show DEV` asks.  Length or 0. */
size_t vf_build_get(void *buf, size_t size, const char *name, uint32_t seq);

/* Parses an RTM_NEWLINK; 0, -EINVAL if it is not one, -ENOMEM.  Free with
 * vf_link_free (also after an error). */
int vf_parse_link(const struct nlmsghdr *nlh, struct vf_link *link);
void vf_link_free(struct vf_link *link);
const struct vf_state *vf_link_find(const struct vf_link *link, unsigned vf);

#endif
