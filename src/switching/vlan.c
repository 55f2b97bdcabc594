/* VLAN policy with Open vSwitch's semantics: bridge.c port_configure() picks
 * the mode, ofproto-dpif.c bundle_set() derives the trunk set, and
 * ofproto-dpif-xlate.c decides ingress (input_vid_is_valid, xlate_input_vlan)
 * and egress (xbundle_includes_vlan, output_vlan_to_vid). */
#include "switching/vlan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void trunk_set(struct vlan_policy *p, unsigned vlan)
{
    p->trunks[vlan / 64] |= UINT64_C(1) << (vlan % 64);
}

static void trunk_clear(struct vlan_policy *p, unsigned vlan)
{
    p->trunks[vlan / 64] &= ~(UINT64_C(1) << (vlan % 64));
}

static bool trunk_has(const struct vlan_policy *p, unsigned vlan)
{
    return p->trunks_all || (p->trunks[vlan / 64] >> (vlan % 64) & 1);
}

static bool is_native(enum vlan_mode mode)
{
    return mode == VLAN_MODE_NATIVE_TAGGED || mode == VLAN_MODE_NATIVE_UNTAGGED;
}

/* The error text must outlive the call and may name the caller's string;
 * one buffer per thread keeps concurrent reconciles apart. */
__attribute__((format(printf, 1, 2)))
static const char *format_error(const char *fmt, ...)
{
    static _Thread_local char buf[128];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    return buf;
}

static int parse_mode(const char *name, int64_t tag, enum vlan_mode *mode,
                      const char **error)
{
    if (!name || !*name) {
        *mode = tag >= 0 ? VLAN_MODE_ACCESS : VLAN_MODE_TRUNK;
        return 0;
    }
    static const enum vlan_mode modes[] = {
        VLAN_MODE_TRUNK, VLAN_MODE_ACCESS, VLAN_MODE_NATIVE_TAGGED, VLAN_MODE_NATIVE_UNTAGGED,
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (!strcmp(name, vlan_mode_name(modes[i]))) {
            *mode = modes[i];
            return 0;
        }
    }
    if (!strcmp(name, "dot1q-tunnel")) {
        *error = "vlan_mode dot1q-tunnel is not supported";
    } else {
        *error = format_error("unknown vlan_mode %.100s", name);
    }
    return -EINVAL;
}

int vlan_policy_build(struct vlan_policy *policy, int64_t tag, const int64_t *trunks,
                      size_t n_trunks, const char *vlan_mode, const char **error)
{
    const char *unused;
    if (!error) {
        error = &unused;
    }
    *error = NULL;
    if (tag >= VLAN_COUNT) {
        *error = "tag is not in the valid range 0 to 4095 (inclusive)";
        return -EINVAL;
    }
    enum vlan_mode mode;
    int err = parse_mode(vlan_mode, tag, &mode, error);
    if (err) {
        return err;
    }
    if (mode == VLAN_MODE_ACCESS && tag < 0) {
        *error = "vlan_mode access requires a tag";
        return -EINVAL;
    }
    if (is_native(mode) && tag < 0) {
        *error = format_error("vlan_mode %s requires a tag", vlan_mode_name(mode));
        return -EINVAL;
    }

    struct vlan_policy p;
    memset(&p, 0, sizeof p);
    p.mode = mode;
    /* A trunk port has no VLAN of its own; an access port trunks nothing. */
    p.tag = mode == VLAN_MODE_TRUNK ? -1 : (int)tag;
    if (mode != VLAN_MODE_ACCESS) {
        size_t n_valid = 0;
        for (size_t i = 0; i < n_trunks; i++) {
            if (trunks[i] >= 0 && trunks[i] < VLAN_COUNT) {
                trunk_set(&p, (unsigned)trunks[i]);
                n_valid++;
            }
        }
        p.trunks_all = n_valid == 0;
    }
    /* Native modes always carry the native VLAN and never trunk VLAN 0, whose
     * untagged frames belong to the native VLAN instead (bundle_set). */
    if (is_native(mode) && p.tag != 0) {
        if (p.trunks_all) {
            memset(p.trunks, 0xff, sizeof p.trunks);
            p.trunks_all = false;
        }
        trunk_set(&p, (unsigned)p.tag);
        trunk_clear(&p, 0);
    }
    *policy = p;
    return 0;
}

int vlan_admit(const struct vlan_policy *policy, bool tagged, uint16_t vid)
{
    vid &= 0x0fff;
    if (!tagged) {
        vid = 0;
    }
    switch (policy->mode) {
    case VLAN_MODE_ACCESS:
        /* Even a tag equal to the port's VLAN is refused, as OVS does. */
        return vid ? -1 : policy->tag;
    case VLAN_MODE_NATIVE_TAGGED:
    case VLAN_MODE_NATIVE_UNTAGGED:
        if (!vid) {
            return policy->tag;
        }
        return trunk_has(policy, vid) ? vid : -1;
    case VLAN_MODE_TRUNK:
        return trunk_has(policy, vid) ? vid : -1;
    }
    return -1;
}

bool vlan_egress(const struct vlan_policy *policy, uint16_t vlan, bool *tag_it)
{
    bool tag = false;
    bool ok;
    if (vlan >= VLAN_COUNT) {
        ok = false;
    } else if (policy->mode == VLAN_MODE_ACCESS) {
        ok = vlan == policy->tag;
    } else {
        ok = vlan == policy->tag || trunk_has(policy, vlan);
        /* VLAN 0 means untagged: it never gets a header. */
        tag = vlan != 0 && !(policy->mode == VLAN_MODE_NATIVE_UNTAGGED && vlan == policy->tag);
    }
    if (tag_it) {
        *tag_it = ok && tag;
    }
    return ok;
}

const char *vlan_mode_name(enum vlan_mode mode)
{
    switch (mode) {
    case VLAN_MODE_TRUNK:           return "trunk";
    case VLAN_MODE_ACCESS:          return "access";
    case VLAN_MODE_NATIVE_TAGGED:   return "native-tagged";
    case VLAN_MODE_NATIVE_UNTAGGED: return "native-untagged";
    }
    return "unknown";
}
