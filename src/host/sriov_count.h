/* The rules for a PF's VF count (Documentation/PCI/pci-iov-howto.rst,
 * sysfs-bus-pci sriov_numvfs): the PF must be SR-IOV capable (have
 * sriov_totalvfs) and have its driver bound (the driver creates the VFs);
 * at most sriov_totalvfs; a non-zero count changes only through 0 (the
 * kernel answers EBUSY otherwise), which destroys every VF, so no VF may be
 * in use: bound to vfio-pci (passed through to a guest), or its netdev a
 * port of a Pontoon bridge or the lower device of a macvtap.  Pure: the
 * caller reads the PF (host/sriov_pf.h) and says what uses which netdev. */
#ifndef PONTOON_HOST_SRIOV_COUNT_H
#define PONTOON_HOST_SRIOV_COUNT_H

#include <stddef.h>

struct sriov_pf;

/* A netdev the switch uses, and how: "a port of bridge br0", "the lower
 * device of macvtap mvtap0". */
struct sriov_user {
    const char *netdev;
    const char *what;
};

struct sriov_count_plan {
    unsigned from, to;            /* sriov_numvfs now, and wanted */
    unsigned writes[2];           /* values written to sriov_numvfs, in order */
    size_t n_writes;              /* 0: already so */
};

/* Plans setting the PF's VF count to `want`.  0, or a negative errno with
 * a heap *error naming the PF and the problem:
 *   -EOPNOTSUPP "eth0 (e1000e 0000:00:1f.6) is not SR-IOV capable (no sriov_totalvfs)"
 *   -ENODEV     "0000:06:00.0 (no driver) has no driver bound: ..."
 *   -ERANGE     "eth1 (igb 0000:04:00.0) supports at most 7 VFs"
 *   -EBUSY      "eth1 (igb 0000:04:00.0): cannot change 4 VFs to 2, VFs are in use:
 *                VF 1 (0000:04:10.2) is bound to vfio-pci (passed through to a guest)" */
int sriov_count_plan(const struct sriov_pf *pf, unsigned want, const struct sriov_user *users,
                     size_t n_users, struct sriov_count_plan *plan, char **error);

/* "4 -> 0 -> 7", "7 (already)"; heap. */
char *sriov_count_plan_format(const struct sriov_count_plan *plan);

#endif
