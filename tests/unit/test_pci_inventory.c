/* The PCI inventory (host/pci_inventory.c) on the fixture trees of
 * tests/data/pci: the seed's 82576 with 7 VFs, an 82599 whose VFs are on
 * vfio-pci, a ConnectX-5, a machine without IOMMU; and PCI addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/pci_ids.h"
#include "host/pci_inventory.h"
#include "util/strbuf.h"

static char *tree_dir(const char *tree)
{
    const char *slash = strrchr(__FILE__, '/');
    return xasprintf("%.*s/../data/pci/%s", (int)(slash ? slash - __FILE__ : 0), __FILE__,
                     tree);
}

static void read_tree(const char *tree, const struct pci_ids *ids, struct pci_inventory *inv)
{
    char *dir = tree_dir(tree);
    char *error = NULL;
    if (pci_inventory_read(dir, ids, inv, &error))
        fail_msg("%s: %s", dir, error);
    free(dir);
}

static const struct pci_device *find(const struct pci_inventory *inv, const char *address)
{
    const struct pci_device *dev = pci_inventory_find(inv, address);
    if (!dev)
        fail_msg("no %s", address);
    return dev;
}

static void test_82576_pf_and_vfs(void **state)
{
    struct pci_ids *ids = NULL;
    char *error = NULL;
    if (pci_ids_load(NULL, &ids, &error))
        fail_msg("%s", error);
    struct pci_inventory inv;
    read_tree("igb-82576", ids, &inv);
    assert_true(inv.has_iommu);
    assert_int_equal(inv.n_devices, 15);
    /* Sorted by address. */
    for (size_t i = 1; i < inv.n_devices; i++)
        assert_true(strcmp(inv.devices[i - 1].address, inv.devices[i].address) < 0);

    const struct pci_device *pf = find(&inv, "0000:04:00.0");
    assert_int_equal(pf->class_code, 0x020000);
    assert_int_equal(pf->vendor, 0x8086);
    assert_int_equal(pf->device, 0x10c9);
    assert_int_equal(pf->subsystem_vendor, 0x8086);
    assert_int_equal(pf->subsystem_device, 0xa03c);
    assert_int_equal(pf->revision, 1);
    assert_int_equal(pf->bus, 4);
    assert_int_equal(pf->slot, 0);
    assert_int_equal(pf->function, 0);
    assert_string_equal(pf->class_name, "Network controller");
    assert_string_equal(pf->subclass_name, "Ethernet controller");
    assert_null(pf->prog_if_name);
    assert_string_equal(pf->vendor_name, "Intel Corporation");
    assert_string_equal(pf->device_name, "82576 Gigabit Network Connection");
    assert_string_equal(pf->subsystem_name, "Gigabit ET Dual Port Server Adapter");
    assert_string_equal(pf->driver, "igb");
    assert_string_equal(pf->driver_override, "");
    assert_int_equal(pf->numa_node, 0);
    assert_int_equal(pf->iommu_group, 15);
    assert_int_equal(pf->n_group_members, 0);
    assert_string_equal(pf->sysfs_path, "pci0000:00/0000:00:01.0/0000:04:00.0");
    assert_string_equal(pf->parent, "0000:00:01.0");
    assert_string_equal(pf->root_bus, "pci0000:00");
    assert_false(pf->is_bridge);
    assert_int_equal(pf->n_netdevs, 1);
    assert_string_equal(pf->netdevs[0], "eth1");
    assert_int_equal(pf->sriov, PCI_SRIOV_PF);
    assert_int_equal(pf->sriov_totalvfs, 7);
    assert_int_equal(pf->sriov_numvfs, 7);
    assert_int_equal(pf->n_vfs, 7);
    const char *vfs[] = { "0000:04:10.0", "0000:04:10.2", "0000:04:10.4", "0000:04:10.6",
                          "0000:04:11.0", "0000:04:11.2", "0000:04:11.4" };
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(pf->vfs[i], vfs[i]);
        const struct pci_device *vf = find(&inv, vfs[i]);
        assert_int_equal(vf->sriov, PCI_SRIOV_VF);
        assert_string_equal(vf->physfn, "0000:04:00.0");
        assert_int_equal(vf->vf_index, (int)i);
        assert_string_equal(vf->driver, "igbvf");
        assert_int_equal(vf->device, 0x10ca);
        assert_string_equal(vf->device_name, "82576 Virtual Function");
        assert_int_equal(vf->iommu_group, 17 + (int)i);
        assert_string_equal(vf->parent, "0000:00:01.0");
    }
    assert_string_equal(find(&inv, "0000:04:10.0")->netdevs[0], "enp4s16");

    /* The second port: a PF with no VFs enabled. */
    const struct pci_device *port1 = find(&inv, "0000:04:00.1");
    assert_int_equal(port1->sriov, PCI_SRIOV_PF);
    assert_int_equal(port1->sriov_numvfs, 0);
    assert_int_equal(port1->n_vfs, 0);

    /* Bridges, and a group of three. */
    const struct pci_device *host = find(&inv, "0000:00:00.0");
    assert_true(host->is_bridge);
    assert_string_equal(host->driver, "");
    assert_string_equal(host->subclass_name, "Host bridge");
    assert_string_equal(host->parent, "");
    const struct pci_device *port = find(&inv, "0000:00:1c.0");
    assert_true(port->is_bridge);
    assert_string_equal(port->driver, "pcieport");
    assert_int_equal(port->iommu_group, 8);
    assert_int_equal(port->n_group_members, 2);
    assert_string_equal(port->group_members[0], "0000:05:00.0");
    assert_string_equal(port->group_members[1], "0000:05:00.1");
    const struct pci_device *i350 = find(&inv, "0000:05:00.0");
    assert_int_equal(i350->n_group_members, 2);
    assert_string_equal(i350->group_members[0], "0000:00:1c.0");
    assert_string_equal(i350->group_members[1], "0000:05:00.1");
    assert_int_equal(i350->sriov, PCI_SRIOV_NONE);
    assert_string_equal(i350->parent, "0000:00:1c.0");
    pci_inventory_free(&inv);
    pci_ids_free(ids);
}

static void test_ixgbe_vfs_on_vfio(void **state)
{
    struct pci_inventory inv;
    read_tree("ixgbe-vfio", NULL, &inv);
    const struct pci_device *pf = find(&inv, "0000:3b:00.0");
    assert_null(pf->vendor_name);   /* read without names */
    assert_int_equal(pf->device, 0x10fb);
    assert_string_equal(pf->driver, "ixgbe");
    assert_int_equal(pf->sriov_totalvfs, 63);
    assert_int_equal(pf->sriov_numvfs, 4);
    assert_string_equal(pf->root_bus, "pci0000:3a");
    assert_string_equal(pf->parent, "0000:3a:00.0");
    for (int i = 0; i < 4; i++) {
        const struct pci_device *vf = find(&inv, pf->vfs[i]);
        assert_int_equal(vf->vf_index, i);
        assert_string_equal(vf->driver, i < 3 ? "vfio-pci" : "ixgbevf");
        assert_string_equal(vf->driver_override, i < 3 ? "vfio-pci" : "");
        assert_int_equal(pci_driver_is_vfio(vf->driver), i < 3);
        assert_int_equal(vf->n_netdevs, i < 3 ? 0 : 1);
    }
    assert_string_equal(find(&inv, "0000:3b:10.6")->netdevs[0], "ens1f0v3");
    pci_inventory_free(&inv);
}

static void test_mellanox_pf(void **state)
{
    struct pci_ids *ids = NULL;
    char *error = NULL;
    if (pci_ids_load(NULL, &ids, &error))
        fail_msg("%s", error);
    struct pci_inventory inv;
    read_tree("mlx5", ids, &inv);
    const struct pci_device *pf = find(&inv, "0000:5e:00.0");
    assert_string_equal(pf->vendor_name, "Mellanox Technologies");
    assert_string_equal(pf->device_name, "MT27800 Family [ConnectX-5]");
    assert_string_equal(pf->subsystem_name, "Mellanox ConnectX-5 MCX516A-CCAT");
    assert_string_equal(pf->driver, "mlx5_core");
    assert_int_equal(pf->numa_node, 1);
    assert_int_equal(pf->sriov_totalvfs, 8);
    assert_int_equal(pf->sriov_numvfs, 2);
    assert_string_equal(pf->vfs[0], "0000:5e:00.2");
    assert_string_equal(pf->vfs[1], "0000:5e:00.3");
    const struct pci_device *vf = find(&inv, "0000:5e:00.3");
    assert_string_equal(vf->device_name, "MT27800 Family [ConnectX-5 Virtual Function]");
    assert_string_equal(vf->driver, "mlx5_core");
    assert_int_equal(vf->vf_index, 1);
    assert_string_equal(vf->netdevs[0], "enp94s0f0v1");
    pci_inventory_free(&inv);
    pci_ids_free(ids);
}

static void test_no_iommu(void **state)
{
    struct pci_inventory inv;
    read_tree("no-iommu", NULL, &inv);
    assert_false(inv.has_iommu);
    assert_int_equal(inv.n_devices, 3);
    for (size_t i = 0; i < inv.n_devices; i++) {
        assert_int_equal(inv.devices[i].iommu_group, -1);
        assert_int_equal(inv.devices[i].n_group_members, 0);
        assert_int_equal(inv.devices[i].numa_node, -1);
    }
    /* virtio-net: the netdev below virtio0. */
    const struct pci_device *virtio = find(&inv, "0000:00:01.0");
    assert_string_equal(virtio->driver, "virtio-pci");
    assert_int_equal(virtio->n_netdevs, 1);
    assert_string_equal(virtio->netdevs[0], "eth0");
    pci_inventory_free(&inv);
}

static void test_one_device_and_errors(void **state)
{
    char *dir = tree_dir("igb-82576");
    struct pci_device dev;
    assert_int_equal(pci_device_read(dir, "0000:04:10.4", NULL, &dev), 0);
    assert_int_equal(dev.sriov, PCI_SRIOV_VF);
    assert_int_equal(dev.vf_index, 2);
    assert_string_equal(dev.physfn, "0000:04:00.0");
    pci_device_free(&dev);
    assert_int_equal(pci_device_read(dir, "0000:09:00.0", NULL, &dev), -ENOENT);
    pci_device_free(&dev);
    assert_int_equal(pci_device_read(dir, "04:10.4", NULL, &dev), -EINVAL);
    pci_device_free(&dev);
    free(dir);

    struct pci_inventory inv;
    char *error = NULL;
    assert_int_equal(pci_inventory_read("/nonexistent", NULL, &inv, &error), -1);
    assert_string_equal(error, "no PCI devices under /nonexistent/sys/bus/pci/devices: not a "
                               "sysfs tree");
    free(error);
    pci_inventory_free(&inv);
}

static void test_addresses(void **state)
{
    char a[PCI_ADDR_LEN];
    assert_int_equal(pci_address_parse("0000:04:00.0", a), 0);
    assert_string_equal(a, "0000:04:00.0");
    assert_int_equal(pci_address_parse("04:10.2", a), 0);
    assert_string_equal(a, "0000:04:10.2");
    assert_int_equal(pci_address_parse("0000:5E:00.0", a), 0);
    assert_string_equal(a, "0000:5e:00.0");
    assert_int_equal(pci_address_parse("pci_0000_04_00_0", a), 0);
    assert_string_equal(a, "0000:04:00.0");
    assert_int_equal(pci_address_parse("10000:04:00.0", a), -EINVAL);
    assert_int_equal(pci_address_parse("04:20.0", a), -EINVAL);   /* slot > 1f */
    assert_int_equal(pci_address_parse("04:00.8", a), -EINVAL);
    assert_int_equal(pci_address_parse("04:00", a), -EINVAL);
    assert_int_equal(pci_address_parse("eth0", a), -EINVAL);
    assert_int_equal(pci_address_parse("", a), -EINVAL);
    assert_int_equal(pci_address_parse(" 4:00.0", a), -EINVAL);
    assert_int_equal(pci_address_parse("04:00.0x", a), -EINVAL);
}

static void test_resolve(void **state)
{
    char *dir = tree_dir("igb-82576");
    char a[PCI_ADDR_LEN];
    char *error = NULL;
    assert_int_equal(pci_resolve(dir, "04:00.0", a, &error), 0);
    assert_string_equal(a, "0000:04:00.0");
    assert_int_equal(pci_resolve(dir, "eth1", a, &error), 0);
    assert_string_equal(a, "0000:04:00.0");
    assert_int_equal(pci_resolve(dir, "enp4s17f4", a, &error), 0);
    assert_string_equal(a, "0000:04:11.4");
    assert_int_equal(pci_resolve(dir, "09:00.0", a, &error), -1);
    assert_string_equal(error, "no PCI device 0000:09:00.0");
    free(error);
    assert_int_equal(pci_resolve(dir, "eth9", a, &error), -1);
    assert_string_equal(error, "no network device or PCI device named eth9");
    free(error);
    /* A device with no PCI function: the kernel bridge br1. */
    assert_int_equal(pci_resolve(dir, "br1", a, &error), -1);
    assert_string_equal(error, "br1 is not a PCI device");
    free(error);
    free(dir);
    /* virtio-net: the function holding virtio0. */
    dir = tree_dir("no-iommu");
    assert_int_equal(pci_resolve(dir, "eth0", a, &error), 0);
    assert_string_equal(a, "0000:00:01.0");
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_82576_pf_and_vfs),
        cmocka_unit_test(test_ixgbe_vfs_on_vfio),
        cmocka_unit_test(test_mellanox_pf),
        cmocka_unit_test(test_no_iommu),
        cmocka_unit_test(test_one_device_and_errors),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
