/* Passthrough (pci/detach, pci/reattach, as virsh nodedev-detach and
 * nodedev-reattach): whether a PCI device may be handed to vfio-pci, or given
 * back to its driver, and which sysfs files to write for it.  Pure: the
 * inventory (host/pci_inventory.h) and the host facts (host/vfio_facts.h)
 * come in; a verdict, its message and the writes go out.  host/vfio_apply.h
 * writes them. */
#ifndef PONTOON_HOST_VFIO_PLAN_H
#define PONTOON_HOST_VFIO_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "host/pci_inventory.h"
#include "host/vfio_facts.h"

enum vfio_verdict {
    VFIO_GO,                      /* do the writes (message: NULL, or the warnings
                                     --force overrode) */
    VFIO_NOTHING,                 /* already so: nothing to write (message says what) */
    VFIO_REFUSED,                 /* message says why; nothing is written */
};

/* One write, as `echo VALUE > PATH`; path below the root ("/sys/..."). */
struct vfio_write {
    char *path;
    char *value;
};

struct vfio_plan {
    enum vfio_verdict verdict;
    char *message;
    bool forceable;               /* VFIO_REFUSED that --force would override */
    struct vfio_write *writes;
    size_t n_writes;
};

/* Detach `address` (canonical) to vfio-pci: driver_override = vfio-pci, unbind
 * from its driver, drivers_probe.  Refused, in this order, for: an unknown
 * device; a bridge; no IOMMU (no /sys/kernel/iommu_groups entries: the
 * message names intel_iommu=on / amd_iommu=on and iommu=pt); a device in no
 * IOMMU group; vfio-pci not loaded (modprobe vfio-pci); and, unless `force`,
 * a group that is not viable (another endpoint bound to a host driver;
 * bridges and devices without a driver, on vfio-pci or pci-stub do not
 * count) and a device carrying the host (a netdev with an address, or under
 * an upper device with one; the default route; a port of a Pontoon bridge or
 * member of a Pontoon bond; a PF whose enabled VFs unbinding would remove).
 * 0, or -ENOMEM.  Free with vfio_plan_free. */
int vfio_plan_detach(const struct pci_inventory *inv, const char *address,
                     const struct vfio_host_facts *facts, bool force, struct vfio_plan *plan);

/* Give `address` back: clear driver_override, unbind from vfio-pci,
 * drivers_probe (the kernel then binds the device's own driver).  Refused
 * for an unknown device and for a device whose IOMMU group a process (the
 * guest's QEMU) holds open: the unbind would wait for it forever.  Nothing
 * to do when it is not on vfio-pci and has no driver_override. */
int vfio_plan_reattach(const struct pci_inventory *inv, const char *address,
                       const struct vfio_host_facts *facts, struct vfio_plan *plan);

void vfio_plan_free(struct vfio_plan *plan);

#endif
