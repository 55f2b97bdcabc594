/* VLAN policy of a port, as Open vSwitch defines the Port columns tag, trunks
 * and vlan_mode.  Pure: no I/O. */
#ifndef PONTOON_SWITCHING_VLAN_H
#define PONTOON_SWITCHING_VLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLAN_COUNT 4096

enum vlan_mode {
    VLAN_MODE_TRUNK,
    VLAN_MODE_ACCESS,
    VLAN_MODE_NATIVE_TAGGED,
    VLAN_MODE_NATIVE_UNTAGGED,
};

struct vlan_policy {
    enum vlan_mode mode;
    int tag;                                /* access/native VLAN, -1 when unset */
    bool trunks_all;                        /* trunks column empty: every VLAN */
    uint64_t trunks[VLAN_COUNT / 64];       /* bitmap of trunked VLANs */
};

/* Builds a policy from the Port columns.  tag < 0 means unset; vlan_mode NULL
 * or "" means unset (then: access if tag is set, else trunk, as OVS does).
 * Trunk values outside 0..4095 are ignored.  For native modes the native VLAN
 * is trunked implicitly.  Returns 0, or -EINVAL with *error naming the problem
 * (unknown mode; access or native mode without a tag). */
int vlan_policy_build(struct vlan_policy *policy, int64_t tag, const int64_t *trunks,
                      size_t n_trunks, const char *vlan_mode, const char **error);

/* Ingress: the VLAN a frame received on this port belongs to, or -1 to drop.
 * `tagged` and `vid` describe the frame's 802.1Q header (vid 0 with a tag is
 * priority-tagged and treated as untagged). */
int vlan_admit(const struct vlan_policy *policy, bool tagged, uint16_t vid);

/* Egress: whether a frame in `vlan` may leave through this port; when it may,
 * *tag_it says whether it leaves with an 802.1Q header carrying `vlan`. */
bool vlan_egress(const struct vlan_policy *policy, uint16_t vlan, bool *tag_it);

const char *vlan_mode_name(enum vlan_mode mode);

#endif
