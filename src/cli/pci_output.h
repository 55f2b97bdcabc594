/* The pci/ commands' output (cli/pci_commands.c): each as one JSON document,
 * which --format=json prints and from which the text is printed. */
#ifndef PONTOON_CLI_PCI_OUTPUT_H
#define PONTOON_CLI_PCI_OUTPUT_H

#include <jansson.h>

#include "host/pci_inventory.h"
#include "host/vfio_plan.h"
#include "util/strbuf.h"

/* A device: {address, class, class_name, subclass_name, prog_if_name,
 * vendor, vendor_name, device, device_name, subsystem_vendor,
 * subsystem_vendor_name, subsystem_device, subsystem_name, revision, driver,
 * driver_override, numa_node, iommu_group, iommu_group_members: [{address,
 * driver, bridge}], sysfs_path, parent, root_bus, bridge, netdevs, sriov:
 * null | {role: "pf", totalvfs, numvfs, vfs: [{index, address, driver,
 * netdevs}]} | {role: "vf", pf, index}}.  Ids are hex strings as lspci -n
 * prints them ("8086", "0200"), absent names null. */
json_t *pci_device_json(const struct pci_inventory *inv, const struct pci_device *dev);

/* pci/show: {"root", "iommu", "devices": [device...]}; with a device:
 * {"root", "iommu", "device": device}; --tree: {"root", "iommu", "tree":
 * [{"bus": "pci0000:00", "devices": [device + "children": [...]]}]}. */
json_t *pci_inventory_json(const struct pci_inventory *inv);
json_t *pci_one_json(const struct pci_inventory *inv, const struct pci_device *dev);
json_t *pci_tree_json(const struct pci_inventory *inv);
void pci_show_text(json_t *doc, struct strbuf *out);

/* pci/detach and pci/reattach: {"device", "action": "detach"|"reattach",
 * "verdict": "ok"|"nothing"|"refused", "message", "writes": [{path, value}],
 * "applied": bool, "driver": the driver bound afterwards}. */
json_t *vfio_plan_json(const char *address, const char *action, const struct vfio_plan *plan,
                       bool applied, const char *driver_after);
void vfio_plan_text(json_t *doc, struct strbuf *out);

#endif
