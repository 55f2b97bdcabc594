/* The settings of one SR-IOV virtual function, as `ip link set PF vf N ...`
 * takes them: MAC, VLAN (with its priority and protocol), spoof checking,
 * trust, link state, minimum and maximum tx rate.  Pure: parsing the words
 * sriov/vf takes, and what differs between wanted and current settings.
 * host/vf_netlink.h turns them into requests. */
#ifndef PONTOON_HOST_VF_CONFIG_H
#define PONTOON_HOST_VF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct vf_state;

/* Which settings a struct vf_config carries (a request sends only these). */
enum vf_setting {
    VF_SET_MAC = 1 << 0,
    VF_SET_VLAN = 1 << 1,         /* vlan, qos and vlan_proto together */
    VF_SET_SPOOFCHK = 1 << 2,
    VF_SET_TRUST = 1 << 3,
    VF_SET_LINK_STATE = 1 << 4,
    VF_SET_RATE = 1 << 5,         /* min_rate and max_rate together */
};
#define VF_SET_ALL 0x3f

struct vf_config {
    unsigned vf;
    unsigned set;                 /* VF_SET_* */
    uint8_t mac[6];
    uint16_t vlan;                /* 0-4095; 0 clears the VF's VLAN */
    uint8_t qos;                  /* 0-7 */
    uint16_t vlan_proto;          /* ETH_P_8021Q or ETH_P_8021AD (host order) */
    bool has_qos, has_proto;      /* given (vf_config_check: not without a vlan) */
    bool spoofchk;
    bool trust;
    uint32_t link_state;          /* IFLA_VF_LINK_STATE_AUTO, _ENABLE, _DISABLE */
    bool has_min_rate, has_max_rate;   /* VF_SET_RATE: which the user gave */
    uint32_t min_rate, max_rate;  /* Mb/s; 0: no limit */
};

/* "02:00:00:00:00:01" (either case) into 6 bytes: a unicast address, or
 * all zeros (which lets the VF's driver choose).  0 or -EINVAL. */
int vf_parse_mac(const char *text, uint8_t mac[6]);
/* "on"/"off" as ip link takes them.  0 or -EINVAL. */
int vf_parse_on_off(const char *text, bool *on);
/* "auto", "enable", "disable": IFLA_VF_LINK_STATE_*.  0 or -EINVAL. */
int vf_parse_link_state(const char *text, uint32_t *state);
const char *vf_link_state_name(uint32_t state);   /* "auto"...; "?" if unknown */
/* "802.1Q", "802.1ad" (as ip link, any case): ETH_P_8021Q, ETH_P_8021AD. */
int vf_parse_vlan_proto(const char *text, uint16_t *proto);
const char *vf_vlan_proto_name(uint16_t proto);   /* "802.1Q", "802.1ad", "?" */

/* Adds one sriov/vf word KEY=VALUE to `cfg` (keys: mac, vlan, qos, proto,
 * spoofchk, trust, link-state, min-rate, max-rate).  qos and proto go with
 * the VLAN: vf_config_check says whether a vlan came with them.  0, or
 * -EINVAL with a heap *error naming the word and the accepted values. */
int vf_config_add(struct vf_config *cfg, const char *key, const char *value, char **error);

/* What vf_config_add cannot see word by word: qos or proto without a vlan,
 * min-rate above a non-zero max-rate (as ip link refuses it).  `has_vlan`:
 * a vlan is given or already kept.  0 or -EINVAL with a heap *error. */
int vf_config_check(const struct vf_config *cfg, bool has_vlan, char **error);

/* The settings of `want` that differ from what the kernel reports for the
 * VF (`have`; NULL: unknown, every setting of want).  A setting the driver
 * does not report (spoofchk or trust -1) counts as different. */
unsigned vf_config_diff(const struct vf_config *want, const struct vf_state *have);

/* "mac", "vlan", "spoofchk", "trust", "link-state", "rate" for one VF_SET_*. */
const char *vf_setting_name(unsigned setting);

#endif
