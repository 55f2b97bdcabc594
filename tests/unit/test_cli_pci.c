/* The pci/ commands in-process (cli/pci_commands.c, cli/pci_output.c):
 * per-command --help, pci/show (list, one device, --tree, JSON) on the
 * fixture trees of tests/data/pci, pci/detach and pci/reattach on copies of
 * them (what is written, what is refused, Pontoon's own ports read from
 * the database), and guest/xml --pci. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_run.h"
#include "host/guest_xml.h"
#include "host/nic_files.h"
#include "host/pci_inventory.h"

static char igb[256], ixgbe[256], mlx5[256], no_iommu[256];
static char copy[160];

static int setup(void **state)
{
    const char *slash = strrchr(__FILE__, '/');
    int len = (int)(slash ? slash - __FILE__ : 0);
    snprintf(igb, sizeof igb, "%.*s/../data/pci/igb-82576", len, __FILE__);
    snprintf(ixgbe, sizeof ixgbe, "%.*s/../data/pci/ixgbe-vfio", len, __FILE__);
    snprintf(mlx5, sizeof mlx5, "%.*s/../data/pci/mlx5", len, __FILE__);
    snprintf(no_iommu, sizeof no_iommu, "%.*s/../data/pci/no-iommu", len, __FILE__);
    if (cli_dir_make("/tmp/pontoon-cli-pci-XXXXXX"))
        return -1;
    snprintf(copy, sizeof copy, "%s/tree", dir);
    return 0;
}

static int teardown(void **state)
{
    cli_dir_remove();
    return 0;
}

/* A fresh copy of a fixture tree at `copy`, for the commands to write. */
static void copy_tree(const char *tree)
{
    char *cmd = xasprintf("rm -rf '%s' && cp -a '%s' '%s'", copy, tree, copy);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
    free(cmd);
}

static char *tree_file(const char *path)
{
    char *text = nic_read_file(copy, "%s", path);
    if (!text)
        fail_msg("cannot read %s%s", copy, path);
    return text;
}

static void assert_tree_file(const char *path, const char *expected)
{
    char *text = tree_file(path);
    assert_string_equal(text, expected);
    free(text);
}

static json_t *parse_output(void)
{
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    if (!doc)
        fail_msg("not JSON (%s): %s", jerr.text, out_text);
    return doc;
}

static const char *jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void test_command_help_is_a_manual_page(void **state)
{
    const char *commands[] = { "pci/show", "pci/detach", "pci/reattach" };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(runf("%s --help", commands[i]), 0);
        char *name = xasprintf("NAME\n  %s - ", commands[i]);
        assert_true(!strncmp(out_text, name, strlen(name)));
        free(name);
        assert_non_null(strstr(out_text, "\nSYNOPSIS\n  pontoon [OPTIONS] "));
        assert_non_null(strstr(out_text, "\nDESCRIPTION\n"));
        assert_non_null(strstr(out_text, "\nEXAMPLES\n"));
        assert_string_equal(err_text, "");
    }
    assert_int_equal(run("pci/show --help"), 0);
    assert_non_null(strstr(out_text, "pci/show [ADDR|DEV] [--tree] [--root DIR]"));
    assert_non_null(strstr(out_text, "--tree"));
    assert_int_equal(run("pci/detach --help"), 0);
    assert_non_null(strstr(out_text, "intel_iommu=on"));
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out_text, "PCI commands"));
    assert_non_null(strstr(out_text, "pci/reattach ADDR|DEV"));
}

static void test_tree_of_the_82576_host(void **state)
{
    assert_int_equal(runf("pci/show --tree --root %s", igb), 0);
    const char *expected =
        "pci0000:00\n"
        "  +- 0000:00:00.0 Host bridge: Intel Corporation Xeon E5/Core i7 DMI2 [no driver]\n"
        "  +- 0000:00:01.0 PCI bridge: Intel Corporation Xeon E5/Core i7 IIO PCI Express Root "
        "Port 1a [pcieport]\n"
        "  |  +- 0000:04:00.0 Ethernet controller: Intel Corporation 82576 Gigabit Network "
        "Connection [igb] eth1 (PF, 7 of 7 VFs enabled)\n"
        "  |  +- 0000:04:00.1 Ethernet controller: Intel Corporation 82576 Gigabit Network "
        "Connection [igb] eth2 (PF, 0 of 7 VFs enabled)\n"
        "  |  +- 0000:04:10.0 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s16 (VF 0 of 0000:04:00.0)\n"
        "  |  +- 0000:04:10.2 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s16f2 (VF 1 of 0000:04:00.0)\n"
        "  |  +- 0000:04:10.4 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s16f4 (VF 2 of 0000:04:00.0)\n"
        "  |  +- 0000:04:10.6 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s16f6 (VF 3 of 0000:04:00.0)\n"
        "  |  +- 0000:04:11.0 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s17 (VF 4 of 0000:04:00.0)\n"
        "  |  +- 0000:04:11.2 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s17f2 (VF 5 of 0000:04:00.0)\n"
        "  |  +- 0000:04:11.4 Ethernet controller: Intel Corporation 82576 Virtual Function "
        "[igbvf] enp4s17f4 (VF 6 of 0000:04:00.0)\n"
        "  +- 0000:00:19.0 Ethernet controller: Intel Corporation 82579LM Gigabit Network "
        "Connection (Lewisville) [e1000e] eth0\n"
        "  +- 0000:00:1c.0 PCI bridge: Intel Corporation 6 Series/C200 Series Chipset Family "
        "PCI Express Root Port 1 [pcieport]\n"
        "     +- 0000:05:00.0 Ethernet controller: Intel Corporation I350 Gigabit Network "
        "Connection [igb] eth3\n"
        "     +- 0000:05:00.1 Ethernet controller: Intel Corporation I350 Gigabit Network "
        "Connection [igb] eth4\n";
    assert_string_equal(out_text, expected);

    /* As JSON: buses, then devices nested under their bridges. */
    assert_int_equal(runf("pci/show --tree --root %s --format=json", ixgbe), 0);
    json_t *doc = parse_output();
    json_t *tree = json_object_get(doc, "tree");
    assert_int_equal(json_array_size(tree), 2);
    assert_string_equal(jstr(json_array_get(tree, 0), "bus"), "pci0000:00");
    json_t *bus = json_array_get(tree, 1);
    assert_string_equal(jstr(bus, "bus"), "pci0000:3a");
    json_t *port = json_array_get(json_object_get(bus, "devices"), 0);
    assert_string_equal(jstr(port, "address"), "0000:3a:00.0");
    json_t *children = json_object_get(port, "children");
    assert_int_equal(json_array_size(children), 6);
    assert_string_equal(jstr(json_array_get(children, 2), "address"), "0000:3b:10.0");
    assert_string_equal(jstr(json_array_get(children, 2), "driver"), "vfio-pci");
    json_decref(doc);
}

static void test_one_device(void **state)
{
    assert_int_equal(runf("pci/show 04:00.0 --root %s", igb), 0);
    const char *expected =
        "device          0000:04:00.0\n"
        "path            /sys/devices/pci0000:00/0000:00:01.0/0000:04:00.0\n"
        "parent          0000:00:01.0\n"
        "class           0x020000 Network controller / Ethernet controller\n"
        "vendor          0x8086 Intel Corporation\n"
        "product         0x10c9 82576 Gigabit Network Connection\n"
        "subsystem       0x8086:0xa03c Intel Corporation Gigabit ET Dual Port Server Adapter\n"
        "revision        0x01\n"
        "driver          igb\n"
        "driver_override none\n"
        "numa_node       0\n"
        "iommu_group     15\n"
        "net             eth1\n"
        "sriov           PF, 7 of 7 VFs enabled\n"
        "  vf 0          0000:04:10.0 igbvf enp4s16\n"
        "  vf 1          0000:04:10.2 igbvf enp4s16f2\n"
        "  vf 2          0000:04:10.4 igbvf enp4s16f4\n"
        "  vf 3          0000:04:10.6 igbvf enp4s16f6\n"
        "  vf 4          0000:04:11.0 igbvf enp4s17\n"
        "  vf 5          0000:04:11.2 igbvf enp4s17f2\n"
        "  vf 6          0000:04:11.4 igbvf enp4s17f4\n";
    assert_string_equal(out_text, expected);
    /* By the full address, libvirt's node device name and the netdev: the same. */
    char *first = strdup(out_text);
    assert_int_equal(runf("pci/show 0000:04:00.0 --root %s", igb), 0);
    assert_string_equal(out_text, first);
    assert_int_equal(runf("pci/show pci_0000_04_00_0 --root %s", igb), 0);
    assert_string_equal(out_text, first);
    assert_int_equal(runf("pci/show eth1 --root %s", igb), 0);
    assert_string_equal(out_text, first);
    free(first);

    /* A device in a shared group, a VF, as JSON. */
    assert_int_equal(runf("pci/show 05:00.0 --root %s", igb), 0);
    assert_non_null(strstr(out_text, "iommu_group     8 (with 0000:00:1c.0 pcieport, "
                                     "0000:05:00.1 igb)\n"));
    assert_int_equal(runf("--format=json pci/show enp4s16f4 --root %s", igb), 0);
    json_t *doc = parse_output();
    json_t *dev = json_object_get(doc, "device");
    assert_string_equal(jstr(dev, "address"), "0000:04:10.4");
    json_t *sriov = json_object_get(dev, "sriov");
    assert_string_equal(jstr(sriov, "role"), "vf");
    assert_string_equal(jstr(sriov, "pf"), "0000:04:00.0");
    assert_int_equal(json_integer_value(json_object_get(sriov, "index")), 2);
    json_decref(doc);
}

static void test_list_as_lspci_and_json(void **state)
{
    assert_int_equal(runf("pci/show --root %s", mlx5), 0);
    const char *pf =
        "0000:5e:00.0 Ethernet controller [0200]: Mellanox Technologies MT27800 Family "
        "[ConnectX-5] [15b3:1017]\n"
        "\tSubsystem: Mellanox Technologies Mellanox ConnectX-5 MCX516A-CCAT [15b3:0007]\n"
        "\tKernel driver in use: mlx5_core\n"
        "\tNUMA node: 1, IOMMU group: 51\n"
        "\tNetwork devices: enp94s0f0np0\n"
        "\tSR-IOV: PF, 2 of 8 VFs enabled\n"
        "0000:5e:00.2 ";
    assert_non_null(strstr(out_text, pf));
    assert_null(strstr(out_text, "no IOMMU"));
    assert_int_equal(runf("pci/show --root %s", no_iommu), 0);
    assert_non_null(strstr(out_text, "0000:00:01.0 Ethernet controller [0200]: Red Hat, Inc. "
                                     "Virtio 1.0 network device [1af4:1041] (rev 01)\n"));
    assert_non_null(strstr(out_text, "\tNUMA node: -1, IOMMU group: none\n"));
    assert_true(strstr(out_text, "(no IOMMU: no /sys/kernel/iommu_groups entries; devices "
                                 "cannot be passed through)\n") != NULL);

    assert_int_equal(runf("pci/show --root %s --format=json", igb), 0);
    json_t *doc = parse_output();
    assert_true(json_is_true(json_object_get(doc, "iommu")));
    json_t *devices = json_object_get(doc, "devices");
    assert_int_equal(json_array_size(devices), 15);
    json_t *dev = json_array_get(devices, 4);
    assert_string_equal(jstr(dev, "address"), "0000:04:00.0");
    assert_string_equal(jstr(dev, "class"), "020000");
    assert_string_equal(jstr(dev, "vendor"), "8086");
    assert_string_equal(jstr(dev, "device"), "10c9");
    assert_string_equal(jstr(dev, "device_name"), "82576 Gigabit Network Connection");
    assert_string_equal(jstr(dev, "driver"), "igb");
    assert_true(json_is_null(json_object_get(dev, "driver_override")));
    assert_int_equal(json_integer_value(json_object_get(dev, "iommu_group")), 15);
    json_t *sriov = json_object_get(dev, "sriov");
    assert_int_equal(json_integer_value(json_object_get(sriov, "totalvfs")), 7);
    json_t *vfs = json_object_get(sriov, "vfs");
    assert_int_equal(json_array_size(vfs), 7);
    assert_string_equal(jstr(json_array_get(vfs, 6), "address"), "0000:04:11.4");
    assert_string_equal(jstr(json_array_get(vfs, 6), "driver"), "igbvf");
    json_t *host = json_array_get(devices, 0);
    assert_true(json_is_true(json_object_get(host, "bridge")));
    assert_true(json_is_null(json_object_get(host, "driver")));
    assert_true(json_is_null(json_object_get(host, "sriov")));
    json_decref(doc);
}

static void test_show_errors(void **state)
{
    const struct { const char *line, *error; } cases[] = {
        { "pci/show 09:00.0", "pontoon: no PCI device 0000:09:00.0\n" },
        { "pci/show eth9", "pontoon: no network device or PCI device named eth9\n" },
        { "pci/show br1", "pontoon: br1 is not a PCI device\n" },
        { "pci/show 04:00.0 --tree", "pontoon: --tree shows every device: leave out "
                                               "04:00.0, or drop --tree to see that one\n" },
        { "pci/show 04:00.0 04:00.1", "pontoon: 'pci/show' takes one device, not "
                                                "'04:00.1' too (see pci/show --help)\n" },
        { "pci/show --force", "pontoon: 'pci/show' has no option '--force' (see "
                                        "pci/show --help)\n" },
        { "pci/show --format=xml", "pontoon: --format takes json or text\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = xasprintf("%s --root %s", cases[i].line, igb);
        int status = run(line);
        free(line);
        if (status != 1)
            fail_msg("%s: did not fail", cases[i].line);
        if (strcmp(err_text, cases[i].error))
            fail_msg("%s: %s", cases[i].line, err_text);
    }
    assert_int_equal(run("pci/show --root /nonexistent"), 1);
    assert_string_equal(err_text, "pontoon: no PCI devices under /nonexistent/sys/bus/pci/devices: "
                                  "not a sysfs tree\n");
}

static void test_detach_and_reattach_a_copy(void **state)
{
    copy_tree(igb);
    /* --dry-run: the writes, none done. */
    assert_int_equal(runf("pci/detach 04:10.6 --dry-run --root %s", copy), 0);
    assert_string_equal(out_text,
        "would write \"vfio-pci\" > /sys/bus/pci/devices/0000:04:10.6/driver_override\n"
        "would write \"0000:04:10.6\" > /sys/bus/pci/drivers/igbvf/unbind\n"
        "would write \"0000:04:10.6\" > /sys/bus/pci/drivers_probe\n");
    assert_tree_file("/sys/bus/pci/drivers_probe", "");
    /* Done. */
    assert_int_equal(runf("pci/detach enp4s16f6 --root %s", copy), 0);
    assert_string_equal(out_text,
        "wrote \"vfio-pci\" > /sys/bus/pci/devices/0000:04:10.6/driver_override\n"
        "wrote \"0000:04:10.6\" > /sys/bus/pci/drivers/igbvf/unbind\n"
        "wrote \"0000:04:10.6\" > /sys/bus/pci/drivers_probe\n");
    assert_string_equal(err_text, "");
    assert_tree_file("/sys/bus/pci/devices/0000:04:10.6/driver_override", "vfio-pci");
    assert_tree_file("/sys/bus/pci/drivers/igbvf/unbind", "0000:04:10.6");
    assert_tree_file("/sys/bus/pci/drivers_probe", "0000:04:10.6");

    /* Refused: the message, exit 1, nothing written. */
    assert_int_equal(runf("pci/detach 00:19.0 --root %s", copy), 1);
    assert_string_equal(out_text, "");
    assert_string_equal(err_text, "pontoon: refusing to detach 0000:00:19.0: it carries the "
                        "host: eth0 has the host's address 192.0.2.10/24; the default route "
                        "goes out of eth0 (--force detaches it anyway)\n");
    assert_tree_file("/sys/bus/pci/devices/0000:00:19.0/driver_override", "(null)");
    assert_tree_file("/sys/bus/pci/drivers/e1000e/unbind", "");
    /* As JSON too, on stdout, with the same message on stderr. */
    assert_int_equal(runf("pci/detach 00:19.0 --root %s --format=json", copy), 1);
    json_t *doc = parse_output();
    assert_string_equal(jstr(doc, "verdict"), "refused");
    assert_true(json_is_true(json_object_get(doc, "forceable")));
    assert_int_equal(json_array_size(json_object_get(doc, "writes")), 0);
    assert_non_null(strstr(err_text, "refusing to detach 0000:00:19.0"));
    json_decref(doc);
    /* --force: done, with the warning. */
    assert_int_equal(runf("pci/detach 00:19.0 --force --root %s", copy), 0);
    assert_true(!strncmp(out_text, "warning: detaching 0000:00:19.0 although it carries the "
                                   "host: eth0 has the host's address", 66));
    assert_tree_file("/sys/bus/pci/drivers/e1000e/unbind", "0000:00:19.0");

    /* Pontoon's own bridge port and bond members, from the database. */
    assert_int_equal(run("add-br br0"), 0);
    assert_int_equal(run("add-port br0 enp4s16"), 0);
    assert_int_equal(run("add-bond br0 bond0 enp4s17 enp4s17f2"), 0);
    assert_int_equal(runf("pci/detach 04:10.0 --root %s", copy), 1);
    assert_string_equal(err_text, "pontoon: refusing to detach 0000:04:10.0: it carries the "
                        "host: enp4s16 is a port of Pontoon bridge br0 (--force detaches it "
                        "anyway)\n");
    assert_int_equal(runf("pci/detach 04:11.2 --root %s", copy), 1);
    assert_string_equal(err_text, "pontoon: refusing to detach 0000:04:11.2: it carries the "
                        "host: enp4s17f2 is a member of Pontoon bond bond0 on bridge br0 "
                        "(--force detaches it anyway)\n");

    /* None of this changed the database. */
    char *before = dump_db(db_path);
    assert_int_equal(runf("pci/detach 04:10.0 --force --root %s", copy), 0);
    char *after = dump_db(db_path);
    assert_string_equal(after, before);
    free(before);
    free(after);

    /* No IOMMU: refused even with --force. */
    copy_tree(no_iommu);
    assert_int_equal(runf("pci/detach eth1 --force --root %s", copy), 1);
    assert_non_null(strstr(err_text, "pontoon: cannot detach 0000:00:02.0: this machine has no "
                                     "IOMMU (no /sys/kernel/iommu_groups entries)"));
    assert_non_null(strstr(err_text, "intel_iommu=on"));
    assert_non_null(strstr(err_text, "amd_iommu=on"));
    assert_non_null(strstr(err_text, "iommu=pt"));
    assert_tree_file("/sys/bus/pci/devices/0000:00:02.0/driver_override", "(null)");
    assert_tree_file("/sys/bus/pci/drivers/igb/unbind", "");
    assert_tree_file("/sys/bus/pci/drivers_probe", "");

    /* vfio-pci not loaded. */
    copy_tree(mlx5);
    char *cmd = xasprintf("rm -rf '%s/sys/bus/pci/drivers/vfio-pci'", copy);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    assert_int_equal(runf("pci/detach 5e:00.2 --root %s", copy), 1);
    assert_string_equal(err_text, "pontoon: cannot detach 0000:5e:00.2: vfio-pci is not loaded "
                        "(no /sys/bus/pci/drivers/vfio-pci); load it with: modprobe vfio-pci\n");

    /* Reattach: given back; refused while a guest holds the group. */
    copy_tree(ixgbe);
    assert_int_equal(runf("pci/reattach 3b:10.2 --root %s", copy), 0);
    assert_string_equal(out_text,
        "wrote \"\" > /sys/bus/pci/devices/0000:3b:10.2/driver_override\n"
        "wrote \"0000:3b:10.2\" > /sys/bus/pci/drivers/vfio-pci/unbind\n"
        "wrote \"0000:3b:10.2\" > /sys/bus/pci/drivers_probe\n");
    assert_tree_file("/sys/bus/pci/devices/0000:3b:10.2/driver_override", "");
    assert_tree_file("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:3b:10.2");
    assert_int_equal(runf("pci/reattach 3b:10.0 --root %s", copy), 1);
    assert_string_equal(err_text, "pontoon: cannot reattach 0000:3b:10.0: its IOMMU group 33 is "
                        "in use by qemu-system-x86 (pid 4242), which holds /dev/vfio/33; shut "
                        "the guest down or detach the device from it first (unbinding now would "
                        "wait until it lets go)\n");
    assert_int_equal(runf("pci/reattach ens1f0v3 --root %s", copy), 0);
    assert_string_equal(out_text, "0000:3b:10.6 is not detached: it is bound to ixgbevf\n");
    assert_int_equal(runf("pci/detach 3b:10.4 --root %s", copy), 0);
    assert_string_equal(out_text, "0000:3b:10.4 is already detached: bound to vfio-pci\n");
    assert_int_equal(run("pci/detach"), 1);
    assert_string_equal(err_text, "pontoon: 'pci/detach' command requires at least 1 arguments\n");
    assert_int_equal(runf("pci/reattach 3b:10.2 --force --root %s", copy), 1);
    assert_string_equal(err_text, "pontoon: 'pci/reattach' has no option '--force' (see "
                        "pci/reattach --help)\n");
}

/* A device of this machine whose class is (or is not) a bridge, or NULL. */
static char *live_device(bool bridge)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    if (!d)
        return NULL;
    char *found = NULL;
    for (struct dirent *e; !found && (e = readdir(d));) {
        struct pci_device dev;
        if (e->d_name[0] == '.')
            continue;
        if (pci_device_read(NULL, e->d_name, NULL, &dev) == 0 && dev.is_bridge == bridge)
            found = strdup(dev.address);
        pci_device_free(&dev);
    }
    closedir(d);
    return found;
}

static void test_guest_xml_hostdev(void **state)
{
    struct strbuf xml = STRBUF_INIT;
    char *error = NULL;
    assert_int_equal(guest_xml_hostdev_pci("0000:04:00.0", &xml, &error), 0);
    assert_string_equal(strbuf_cstr(&xml),
                        "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                        "  <source>\n"
                        "    <address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n"
                        "  </source>\n"
                        "</hostdev>\n");
    strbuf_clear(&xml);
    assert_int_equal(guest_xml_hostdev_pci("0001:5e:11.4", &xml, &error), 0);
    assert_non_null(strstr(strbuf_cstr(&xml), "<address domain='0x0001' bus='0x5e' "
                                              "slot='0x11' function='0x4'/>"));
    strbuf_clear(&xml);
    assert_int_equal(guest_xml_hostdev_pci("04:00.0", &xml, &error), -EINVAL);
    assert_string_equal(error, "\"04:00.0\" is not a PCI address (0000:04:00.0)");
    assert_string_equal(strbuf_cstr(&xml), "");
    free(error);
    strbuf_free(&xml);

    /* The command, on this machine's devices. */
    char *endpoint = live_device(false);
    if (endpoint) {
        char address[PCI_ADDR_LEN];
        assert_int_equal(pci_address_parse(endpoint, address), 0);
        assert_int_equal(runf("guest/xml --pci %s", endpoint + 5), 0);   /* no domain */
        assert_non_null(strstr(out_text, "<hostdev mode='subsystem' type='pci' managed='yes'>"));
        assert_int_equal(runf("--format=json guest/xml --pci=%s", endpoint), 0);
        json_t *doc = parse_output();
        assert_string_equal(jstr(doc, "name"), endpoint);
        assert_string_equal(jstr(doc, "type"), "hostdev");
        json_decref(doc);
        free(endpoint);
    }
    char *bridge = live_device(true);
    if (bridge) {
        assert_int_equal(runf("guest/xml --pci %s", bridge), 1);
        char *expected = xasprintf("pontoon: %s is a bridge: a guest is given the devices "
                                   "behind it, not the bridge\n", bridge);
        assert_string_equal(err_text, expected);
        free(expected);
        free(bridge);
    }
    assert_int_equal(run("guest/xml --pci 0000:7f:1f.7"), 1);
    assert_string_equal(err_text, "pontoon: no PCI device 0000:7f:1f.7\n");
    assert_int_equal(run("guest/xml --pci"), 1);
    assert_string_equal(err_text, "pontoon: --pci needs a PCI address (0000:04:00.0)\n");
    assert_int_equal(run("guest/xml vnet0 --pci 04:00.0"), 1);
    assert_string_equal(err_text, "pontoon: 'guest/xml' takes a port, a macvtap or --pci ADDR, "
                                  "not both\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_command_help_is_a_manual_page),
        T(test_tree_of_the_82576_host),
        T(test_one_device),
        T(test_list_as_lspci_and_json),
        T(test_show_errors),
        T(test_detach_and_reattach_a_copy),
        T(test_guest_xml_hostdev),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#undef T
}
