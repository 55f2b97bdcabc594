/* One SR-IOV physical function as sysfs shows it under a root (host/
 * nic_files.h): the PF's PCI function (host/pci_inventory.h) and each of
 * its VFs (virtfnN), with their drivers and netdevs; and the one write that
 * changes its VF count (device/sriov_numvfs).  What to write is decided by
 * host/sriov_count.h. */
#ifndef PONTOON_HOST_SRIOV_PF_H
#define PONTOON_HOST_SRIOV_PF_H

#include <stddef.h>

#include "host/pci_inventory.h"

struct sriov_count_plan;

struct sriov_pf {
    struct pci_device pci;        /* the PF; pci.sriov says whether it is one */
    struct pci_device *vfs;       /* pci.n_vfs entries: vfs[i] is virtfn i;
                                     address "" where it could not be read */
    size_t n_vfs;
};

/* Reads the PF named by `text` (a netdev name or a PCI address, as
 * pci_resolve takes them) under root.  0, or -1 with a heap *error ("no
 * network device or PCI device named eth9").  Free with sriov_pf_free,
 * also after an error. */
int sriov_pf_read(const char *root, const char *text, struct sriov_pf *pf, char **error);
void sriov_pf_free(struct sriov_pf *pf);

/* How messages name it: "eth1 (igb 0000:04:00.0)", "0000:06:00.0 (no
 * driver)"; heap. */
char *sriov_pf_label(const struct sriov_pf *pf);
/* Its netdev name when it has exactly one, else its PCI address. */
const char *sriov_pf_name(const struct sriov_pf *pf);

/* The PCI address of VF `vf` of the PF named by `text` (its virtfnN link),
 * without reading anything else: 0, or -ENOENT when there is no such VF
 * (or PF). */
int sriov_vf_address(const char *root, const char *text, unsigned vf,
                     char address[PCI_ADDR_LEN]);

/* The PF's sriov_numvfs now (the PF's PCI address given), -1 when it
 * cannot be read.  Cheap: for the daemon's once-a-second check. */
long sriov_numvfs_read(const char *root, const char *pf_address);

/* Writes the plan's values to the PF's sriov_numvfs under root, in order.
 * 0, or -1 with a heap *error naming the file, the value and the kernel's
 * answer; a failed write stops there. */
int sriov_count_apply(const char *root, const struct sriov_pf *pf,
                      const struct sriov_count_plan *plan, char **error);

#endif
