/* What a host's PCI bus holds, as /sys/bus/pci/devices shows it: for each
 * function its address, class, vendor/device/subsystem ids (and their names
 * from pci.ids, when a struct pci_ids is given), driver, NUMA node, IOMMU
 * group with the group's other members, netdevs, its place in the bus tree
 * (/sys/devices/pciDDDD:BB/...), and its SR-IOV role: a PF with
 * sriov_totalvfs / sriov_numvfs and its VFs (virtfnN links), a VF with its
 * PF (physfn link) and index.  Read from /sys under a root ("" or "/": this
 * machine; a directory: a captured tree, `--root DIR`).  Nothing here decides
 * or writes anything: host/vfio_plan.h decides passthrough, host/sriov_*
 * VF counts.
 *
 * For other host/ code (SR-IOV, the daemon): the API below is stable.
 *   struct pci_inventory inv;
 *   char *error = NULL;
 *   if (pci_inventory_read(root, NULL, &inv, &error)) ... error names the problem
 *   const struct pci_device *pf = pci_inventory_find(&inv, "0000:04:00.0");
 *   pf->sriov == PCI_SRIOV_PF, pf->sriov_totalvfs, pf->vfs[i] (index i = virtfn i),
 *   pf->driver ("" when none), pf->netdevs
 *   pci_inventory_free(&inv);   (also after an error)
 * pci_device_read() reads one device without the others (the daemon's cheap
 * check); pci_resolve() turns "04:00.0", "0000:04:00.0" or a netdev name
 * ("eth1", its PCI function) into the canonical address. */
#ifndef PONTOON_HOST_PCI_INVENTORY_H
#define PONTOON_HOST_PCI_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_ids;                   /* host/pci_ids.h; NULL: no names */

/* "0000:04:00.0" and its NUL. */
#define PCI_ADDR_LEN 13

enum pci_sriov_role {
    PCI_SRIOV_NONE,               /* neither (no sriov_totalvfs, no physfn) */
    PCI_SRIOV_PF,                 /* physical function: sriov_totalvfs > 0 */
    PCI_SRIOV_VF,                 /* virtual function: a physfn link */
};

struct pci_device {
    char address[PCI_ADDR_LEN];   /* "0000:04:00.0": domain:bus:slot.function */
    unsigned domain, bus, slot, function;
    uint32_t class_code;          /* 0x020000: class 02, subclass 00, prog-if 00 */
    uint16_t vendor, device;      /* 0x8086, 0x10c9 */
    uint16_t subsystem_vendor, subsystem_device;   /* 0 when absent */
    int revision;                 /* -1 when absent */

    /* Names from pci.ids; NULL when unknown or read without ids. */
    char *class_name;             /* "Network controller" */
    char *subclass_name;          /* "Ethernet controller" */
    char *prog_if_name;           /* only some classes have them: "XHCI" */
    char *vendor_name;            /* "Intel Corporation" */
    char *device_name;            /* "82576 Gigabit Network Connection" */
    char *subsystem_vendor_name;
    char *subsystem_name;         /* the subsystem's own name, if pci.ids has one */

    char *driver;                 /* driver link's basename ("igb"); "" when none */
    char *driver_override;        /* "vfio-pci"; "" when none ("(null)" in sysfs) */
    int numa_node;                /* -1: none or unknown */
    int iommu_group;              /* -1: none (no iommu_group link) */
    char (*group_members)[PCI_ADDR_LEN];   /* the group's OTHER devices, sorted */
    size_t n_group_members;

    char *sysfs_path;             /* below /sys/devices: "pci0000:00/0000:00:1c.0/0000:04:00.0" */
    char parent[PCI_ADDR_LEN];    /* the bridge above it; "" on a root bus */
    char root_bus[16];            /* "pci0000:00": the host bridge's bus it hangs from */
    bool is_bridge;               /* a host bridge (class 0x0600) or PCI-to-PCI bridge
                                     (0x0604, 0x0609): not an endpoint of its group */

    char **netdevs;               /* net/ and virtioN/net/ entries, sorted */
    size_t n_netdevs;

    enum pci_sriov_role sriov;
    unsigned sriov_totalvfs;      /* PF */
    unsigned sriov_numvfs;        /* PF: VFs enabled now */
    char (*vfs)[PCI_ADDR_LEN];    /* PF: vfs[i] is virtfn i ("" where a link is missing) */
    size_t n_vfs;                 /* PF: highest virtfnN + 1 */
    char physfn[PCI_ADDR_LEN];    /* VF: its PF */
    int vf_index;                 /* VF: N of the PF's virtfnN pointing at it; -1 unknown */
};

struct pci_inventory {
    char *root;                   /* normalized: "" live */
    bool has_iommu;               /* /sys/kernel/iommu_groups has entries */
    struct pci_device *devices;   /* sorted by address */
    size_t n_devices;
};

/* Reads every device of /sys/bus/pci/devices under root; names from `ids`
 * (NULL: none).  0, or -1 with a heap *error ("no PCI devices under
 * /tmp/x/sys/bus/pci/devices: not a sysfs tree").  Free with
 * pci_inventory_free, also after an error. */
int pci_inventory_read(const char *root, const struct pci_ids *ids, struct pci_inventory *inv,
                       char **error);
void pci_inventory_free(struct pci_inventory *inv);

/* The device with that address (canonical "0000:04:00.0"), or NULL. */
const struct pci_device *pci_inventory_find(const struct pci_inventory *inv, const char *address);

/* One device only (address canonical): 0, -ENOENT when absent, or another
 * negative errno.  Free with pci_device_free. */
int pci_device_read(const char *root, const char *address, const struct pci_ids *ids,
                    struct pci_device *dev);
void pci_device_free(struct pci_device *dev);

/* "0000:04:00.0" from "0000:04:00.0", "04:00.0" (hex, any case) or libvirt's
 * node device name "pci_0000_04_00_0".  0 or -EINVAL. */
int pci_address_parse(const char *text, char address[PCI_ADDR_LEN]);

/* Like pci_address_parse, and a netdev name (its /sys/class/net/DEV/device,
 * also through a virtio device) too; the device must exist under root.
 * 0, or -1 with a heap *error ("no PCI device 0000:09:00.0", "no network
 * device or PCI device named eth9", "eth5 is not a PCI device"). */
int pci_resolve(const char *root, const char *text, char address[PCI_ADDR_LEN], char **error);

/* Whether `driver` lets a device be given to a guest: vfio-pci (or a
 * vendor's vfio-pci variant such as mlx5_vfio_pci), pci-stub. */
bool pci_driver_is_vfio(const char *driver);

#endif
