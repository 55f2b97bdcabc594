/* The thin rtnetlink shell around vf_netlink.h: read a PF's VFs as the
 * kernel reports them, and set one VF's settings through its PF.  Each call
 * opens a socket, sends one request and waits for the answer, in the
 * caller's network namespace. */
#ifndef PONTOON_HOST_VF_LINK_H
#define PONTOON_HOST_VF_LINK_H

#include "host/vf_netlink.h"

/* The device `name` with its VFs (RTM_GETLINK, RTEXT_FILTER_VF): 0,
 * -ENODEV when there is no such device, or another negative errno.  Free
 * with vf_link_free. */
int vf_link_get(const char *name, struct vf_link *link);

/* Sends the settings `which` of `cfg` for VF cfg->vf of the PF `ifindex`
 * in one RTM_NEWLINK (as `ip link set PF vf N ...`).  0 or the kernel's
 * negative errno (-EOPNOTSUPP: the PF's driver has no such VF operation;
 * -EINVAL: it refused the value or the VF). */
int vf_link_set(int ifindex, const struct vf_config *cfg, unsigned which);

#endif
