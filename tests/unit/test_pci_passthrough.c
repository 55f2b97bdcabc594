/* Passthrough to vfio-pci: the host facts read from the fixture trees of
 * tests/data/pci (host/vfio_facts.c), every verdict of the pure planner
 * with its exact message (host/vfio_plan.c), and the applier writing the
 * right files in a copy of a tree (host/vfio_apply.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "host/pci_inventory.h"
#include "host/vfio_apply.h"
#include "host/vfio_facts.h"
#include "host/vfio_plan.h"
#include "util/strbuf.h"

static char *tree_dir(const char *tree)
{
    const char *slash = strrchr(__FILE__, '/');
    return xasprintf("%.*s/../data/pci/%s", (int)(slash ? slash - __FILE__ : 0), __FILE__,
                     tree);
}

/* The inventory and facts of a tree. */
struct host {
    char *root;
    struct pci_inventory inv;
    struct vfio_host_facts facts;
};

static void host_read(struct host *h, const char *tree_or_dir)
{
    h->root = tree_or_dir[0] == '/' ? strdup(tree_or_dir) : tree_dir(tree_or_dir);
    char *error = NULL;
    if (pci_inventory_read(h->root, NULL, &h->inv, &error)
        || vfio_host_facts_read(h->root, &h->facts, &error))
        fail_msg("%s: %s", h->root, error);
}

static void host_free(struct host *h)
{
    pci_inventory_free(&h->inv);
    vfio_host_facts_free(&h->facts);
    free(h->root);
}

static struct pci_device *device(struct host *h, const char *address)
{
    struct pci_device *dev = (struct pci_device *)pci_inventory_find(&h->inv, address);
    if (!dev)
        fail_msg("no %s", address);
    return dev;
}

/* Plans detach (or reattach) and checks the verdict and message. */
static void expect(struct host *h, bool detach, const char *address, bool force,
                   enum vfio_verdict verdict, const char *message, struct vfio_plan *plan)
{
    int rc = detach ? vfio_plan_detach(&h->inv, address, &h->facts, force, plan)
                    : vfio_plan_reattach(&h->inv, address, &h->facts, plan);
    assert_int_equal(rc, 0);
    assert_int_equal(plan->verdict, verdict);
    if (message)
        assert_string_equal(plan->message, message);
    else
        assert_null(plan->message);
    if (verdict != VFIO_GO)
        assert_int_equal(plan->n_writes, 0);
}

static void refused(struct host *h, const char *address, const char *message, bool forceable)
{
    struct vfio_plan plan;
    expect(h, true, address, false, VFIO_REFUSED, message, &plan);
    assert_int_equal(plan.forceable, forceable);
    vfio_plan_free(&plan);
}

static void expect_write(const struct vfio_plan *plan, size_t i, const char *path,
                         const char *value)
{
    assert_true(i < plan->n_writes);
    assert_string_equal(plan->writes[i].path, path);
    assert_string_equal(plan->writes[i].value, value);
}

/* ---- facts ---- */

static void test_facts_of_the_82576_host(void **state)
{
    struct host h;
    host_read(&h, "igb-82576");
    const struct vfio_host_facts *f = &h.facts;
    assert_true(f->vfio_loaded);
    const struct vfio_netdev *eth0 = vfio_host_facts_netdev(f, "eth0");
    assert_non_null(eth0);
    assert_string_equal(eth0->addresses, "192.0.2.10/24");   /* the link-local one left out */
    assert_true(eth0->default_route);
    const struct vfio_netdev *eth2 = vfio_host_facts_netdev(f, "eth2");
    assert_string_equal(eth2->master, "br1");
    assert_null(eth2->addresses);
    assert_false(eth2->default_route);
    assert_string_equal(vfio_host_facts_netdev(f, "br1")->addresses, "198.51.100.7/24");
    assert_false(vfio_host_facts_netdev(f, "br1")->default_route);
    /* eth1 has only a link-local address: nothing carries the host there. */
    const struct vfio_netdev *eth1 = vfio_host_facts_netdev(f, "eth1");
    assert_true(!eth1 || (!eth1->addresses && !eth1->default_route && !eth1->master[0]));
    assert_null(vfio_host_facts_netdev(f, "lo"));
    assert_int_equal(f->n_users, 0);
    host_free(&h);
}

static void test_facts_group_users(void **state)
{
    struct host h;
    host_read(&h, "ixgbe-vfio");
    assert_int_equal(h.facts.n_users, 1);
    assert_int_equal(h.facts.users[0].group, 33);
    assert_int_equal(h.facts.users[0].pid, 4242);
    assert_string_equal(h.facts.users[0].comm, "qemu-system-x86");
    assert_true(vfio_host_facts_netdev(&h.facts, "ens1f1")->default_route);
    host_free(&h);
}

struct collected {
    char text[512];
};

static void collect(void *aux, const char *dev, const char *cidr)
{
    struct collected *c = aux;
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof c->text - len, "%s=%s ", dev, cidr);
}

static void test_ip_addr_parser(void **state)
{
    const char *text =
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n"
        "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\\       valid_lft\n"
        "2: eth0    inet6 2001:db8::10/64 scope global \\       valid_lft forever\n"
        "2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever\n"
        "5: eth0.10@eth0    inet 10.1.0.1/16 scope global eth0.10\\       valid_lft\n"
        "garbage\n";
    struct collected c = { "" };
    assert_int_equal(vfio_parse_ip_addr(text, collect, &c), 3);
    assert_string_equal(c.text, "eth0=192.0.2.10/24 eth0=2001:db8::10/64 eth0.10=10.1.0.1/16 ");
}

/* ---- detach: every refusal ---- */

static void test_refusals_on_the_82576_host(void **state)
{
    struct host h;
    host_read(&h, "igb-82576");
    refused(&h, "0000:09:00.0", "no PCI device 0000:09:00.0", false);
    refused(&h, "0000:00:01.0", "cannot detach 0000:00:01.0: it is a PCI bridge, not a device "
            "a guest can use; detach the devices behind it instead", false);
    refused(&h, "0000:00:00.0", "cannot detach 0000:00:00.0: it is a host bridge, not a device "
            "a guest can use; detach the devices behind it instead", false);
    /* The host's own NIC: its address and the default route. */
    refused(&h, "0000:00:19.0", "refusing to detach 0000:00:19.0: it carries the host: eth0 "
            "has the host's address 192.0.2.10/24; the default route goes out of eth0 "
            "(--force detaches it anyway)", true);
    /* A port of the kernel bridge that holds the host's address. */
    refused(&h, "0000:04:00.1", "refusing to detach 0000:04:00.1: it carries the host: eth2 is "
            "a port of br1, which has the host's address 198.51.100.7/24 (--force detaches it "
            "anyway)", true);
    /* The PF whose 7 VFs would go. */
    refused(&h, "0000:04:00.0", "refusing to detach 0000:04:00.0: it has 7 VFs enabled, which "
            "unbinding igb removes, also from guests using them (--force detaches it anyway)",
            true);
    /* A group with a bridge and two endpoints, the other on igb. */
    refused(&h, "0000:05:00.0", "refusing to detach 0000:05:00.0: its IOMMU group 8 is not "
            "viable: 0000:05:00.1 (eth4) is bound to igb, a host driver, and a guest gets the "
            "whole group (detach 0000:05:00.1 too) (--force detaches it anyway)", true);
    host_free(&h);
}

static void test_refusals_for_pontoon_ports(void **state)
{
    struct host h;
    host_read(&h, "igb-82576");
    assert_int_equal(vfio_host_facts_add_port(&h.facts, "enp4s16", "br0", NULL), 0);
    assert_int_equal(vfio_host_facts_add_port(&h.facts, "enp4s16f2", "br0", "bond0"), 0);
    refused(&h, "0000:04:10.0", "refusing to detach 0000:04:10.0: it carries the host: enp4s16 "
            "is a port of Pontoon bridge br0 (--force detaches it anyway)", true);
    refused(&h, "0000:04:10.2", "refusing to detach 0000:04:10.2: it carries the host: "
            "enp4s16f2 is a member of Pontoon bond bond0 on bridge br0 (--force detaches it "
            "anyway)", true);
    /* All the reasons at once. */
    assert_int_equal(vfio_host_facts_add_port(&h.facts, "eth0", "br-ex", NULL), 0);
    refused(&h, "0000:00:19.0", "refusing to detach 0000:00:19.0: it carries the host: eth0 "
            "has the host's address 192.0.2.10/24; the default route goes out of eth0; eth0 is "
            "a port of Pontoon bridge br-ex (--force detaches it anyway)", true);
    host_free(&h);
}

static void test_refusals_that_force_does_not_override(void **state)
{
    struct host h;
    host_read(&h, "no-iommu");
    struct vfio_plan plan;
    const char *no_iommu =
        "cannot detach 0000:00:02.0: this machine has no IOMMU (no /sys/kernel/iommu_groups "
        "entries), and vfio-pci needs one to give a device to a guest; turn it on with the "
        "kernel parameter intel_iommu=on (Intel VT-d) or amd_iommu=on (AMD-Vi), plus iommu=pt "
        "to keep the host's own devices fast, with VT-d/AMD-Vi enabled in the firmware, and "
        "reboot";
    refused(&h, "0000:00:02.0", no_iommu, false);
    expect(&h, true, "0000:00:02.0", true, VFIO_REFUSED, no_iommu, &plan);
    vfio_plan_free(&plan);
    host_free(&h);

    host_read(&h, "igb-82576");
    /* vfio-pci not loaded. */
    h.facts.vfio_loaded = false;
    expect(&h, true, "0000:04:10.0", true, VFIO_REFUSED,
           "cannot detach 0000:04:10.0: vfio-pci is not loaded (no "
           "/sys/bus/pci/drivers/vfio-pci); load it with: modprobe vfio-pci", &plan);
    assert_false(plan.forceable);
    vfio_plan_free(&plan);
    h.facts.vfio_loaded = true;
    /* An IOMMU, but the device in no group. */
    device(&h, "0000:04:10.0")->iommu_group = -1;
    expect(&h, true, "0000:04:10.0", true, VFIO_REFUSED,
           "cannot detach 0000:04:10.0: it is in no IOMMU group (no iommu_group link), so "
           "vfio-pci cannot give it to a guest", &plan);
    vfio_plan_free(&plan);
    host_free(&h);
}

/* ---- detach: what gets written ---- */

static void test_detach_writes(void **state)
{
    struct host h;
    host_read(&h, "igb-82576");
    struct vfio_plan plan;
    expect(&h, true, "0000:04:10.0", false, VFIO_GO, NULL, &plan);
    assert_int_equal(plan.n_writes, 3);
    expect_write(&plan, 0, "/sys/bus/pci/devices/0000:04:10.0/driver_override", "vfio-pci");
    expect_write(&plan, 1, "/sys/bus/pci/drivers/igbvf/unbind", "0000:04:10.0");
    expect_write(&plan, 2, "/sys/bus/pci/drivers_probe", "0000:04:10.0");
    vfio_plan_free(&plan);

    /* Forced: the same writes, and the warning. */
    expect(&h, true, "0000:00:19.0", true, VFIO_GO, "warning: detaching 0000:00:19.0 although "
           "it carries the host: eth0 has the host's address 192.0.2.10/24; the default route "
           "goes out of eth0", &plan);
    assert_int_equal(plan.n_writes, 3);
    expect_write(&plan, 1, "/sys/bus/pci/drivers/e1000e/unbind", "0000:00:19.0");
    vfio_plan_free(&plan);

    /* The group becomes viable once the other endpoint is on vfio-pci (the
     * bridge in it never counted). */
    struct pci_device *other = device(&h, "0000:05:00.1");
    free(other->driver);
    other->driver = strdup("vfio-pci");
    expect(&h, true, "0000:05:00.0", false, VFIO_GO, NULL, &plan);
    vfio_plan_free(&plan);
    /* ... or has no driver. */
    other->driver[0] = '\0';
    expect(&h, true, "0000:05:00.0", false, VFIO_GO, NULL, &plan);
    vfio_plan_free(&plan);

    /* A device with no driver: nothing to unbind. */
    struct pci_device *vf = device(&h, "0000:04:10.4");
    vf->driver[0] = '\0';
    expect(&h, true, "0000:04:10.4", false, VFIO_GO, NULL, &plan);
    assert_int_equal(plan.n_writes, 2);
    expect_write(&plan, 0, "/sys/bus/pci/devices/0000:04:10.4/driver_override", "vfio-pci");
    expect_write(&plan, 1, "/sys/bus/pci/drivers_probe", "0000:04:10.4");
    vfio_plan_free(&plan);
    host_free(&h);
}

static void test_detach_already_done(void **state)
{
    struct host h;
    host_read(&h, "ixgbe-vfio");
    struct vfio_plan plan;
    expect(&h, true, "0000:3b:10.2", false, VFIO_NOTHING,
           "0000:3b:10.2 is already detached: bound to vfio-pci", &plan);
    vfio_plan_free(&plan);
    /* The ixgbevf VF goes; the PF carrying the host's address does not. */
    expect(&h, true, "0000:3b:10.6", false, VFIO_GO, NULL, &plan);
    expect_write(&plan, 1, "/sys/bus/pci/drivers/ixgbevf/unbind", "0000:3b:10.6");
    vfio_plan_free(&plan);
    refused(&h, "0000:3b:00.1", "refusing to detach 0000:3b:00.1: it carries the host: ens1f1 "
            "has the host's address 172.16.0.20/16; the default route goes out of ens1f1 "
            "(--force detaches it anyway)", true);
    host_free(&h);
}

/* ---- reattach ---- */

static void test_reattach(void **state)
{
    struct host h;
    host_read(&h, "ixgbe-vfio");
    struct vfio_plan plan;
    expect(&h, false, "0000:3b:10.2", false, VFIO_GO, NULL, &plan);
    assert_int_equal(plan.n_writes, 3);
    expect_write(&plan, 0, "/sys/bus/pci/devices/0000:3b:10.2/driver_override", "");
    expect_write(&plan, 1, "/sys/bus/pci/drivers/vfio-pci/unbind", "0000:3b:10.2");
    expect_write(&plan, 2, "/sys/bus/pci/drivers_probe", "0000:3b:10.2");
    vfio_plan_free(&plan);
    /* A guest holds VF 0's group. */
    expect(&h, false, "0000:3b:10.0", false, VFIO_REFUSED,
           "cannot reattach 0000:3b:10.0: its IOMMU group 33 is in use by qemu-system-x86 "
           "(pid 4242), which holds /dev/vfio/33; shut the guest down or detach the device "
           "from it first (unbinding now would wait until it lets go)", &plan);
    vfio_plan_free(&plan);
    expect(&h, false, "0000:3b:10.6", false, VFIO_NOTHING,
           "0000:3b:10.6 is not detached: it is bound to ixgbevf", &plan);
    vfio_plan_free(&plan);
    expect(&h, false, "0000:3b:20.0", false, VFIO_REFUSED, "no PCI device 0000:3b:20.0", &plan);
    vfio_plan_free(&plan);
    /* driver_override left behind with no driver: cleared, then probed. */
    struct pci_device *vf = device(&h, "0000:3b:10.4");
    vf->driver[0] = '\0';
    expect(&h, false, "0000:3b:10.4", false, VFIO_GO, NULL, &plan);
    assert_int_equal(plan.n_writes, 2);
    expect_write(&plan, 0, "/sys/bus/pci/devices/0000:3b:10.4/driver_override", "");
    expect_write(&plan, 1, "/sys/bus/pci/drivers_probe", "0000:3b:10.4");
    vfio_plan_free(&plan);
    host_free(&h);
}

/* ---- the applier, on a copy ---- */

static char *copy_tree(const char *tree)
{
    char tmp[] = "/tmp/pontoon-pci-XXXXXX";
    if (!mkdtemp(tmp))
        fail_msg("mkdtemp");
    char *src = tree_dir(tree);
    char *cmd = xasprintf("cp -a '%s/.' '%s/'", src, tmp);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
    free(cmd);
    free(src);
    return strdup(tmp);
}

static void remove_tree(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
    free(dir);
}

static void test_apply_writes_the_files_of_a_copy(void **state)
{
    char *copy = copy_tree("igb-82576");
    struct host h;
    host_read(&h, copy);
    struct vfio_plan plan;
    expect(&h, true, "0000:04:10.0", false, VFIO_GO, NULL, &plan);
    char *error = NULL;
    assert_int_equal(vfio_plan_apply(copy, &plan, &error), 0);
    vfio_plan_free(&plan);
    char *text = nic_read_file(copy, "/sys/bus/pci/devices/0000:04:10.0/driver_override");
    assert_string_equal(text, "vfio-pci");
    free(text);
    /* Through the bus link: the device's own file in sys/devices. */
    text = nic_read_file(copy, "/sys/devices/pci0000:00/0000:00:01.0/0000:04:10.0/"
                               "driver_override");
    assert_string_equal(text, "vfio-pci");
    free(text);
    text = nic_read_file(copy, "/sys/bus/pci/drivers/igbvf/unbind");
    assert_string_equal(text, "0000:04:10.0");
    free(text);
    text = nic_read_file(copy, "/sys/bus/pci/drivers_probe");
    assert_string_equal(text, "0000:04:10.0");
    free(text);
    /* Nothing else was touched. */
    text = nic_read_file(copy, "/sys/bus/pci/drivers/igb/unbind");
    assert_string_equal(text, "");
    free(text);
    /* A refusal writes nothing even when applied. */
    assert_int_equal(vfio_plan_detach(&h.inv, "0000:00:19.0", &h.facts, false, &plan), 0);
    assert_int_equal(plan.verdict, VFIO_REFUSED);
    assert_int_equal(vfio_plan_apply(copy, &plan, &error), 0);
    vfio_plan_free(&plan);
    text = nic_read_file(copy, "/sys/bus/pci/drivers/e1000e/unbind");
    assert_string_equal(text, "");
    free(text);
    host_free(&h);
    remove_tree(copy);
}

static void test_apply_stops_at_a_refused_write(void **state)
{
    char *copy = copy_tree("ixgbe-vfio");
    struct host h;
    host_read(&h, copy);
    struct vfio_plan plan;
    expect(&h, false, "0000:3b:10.2", false, VFIO_GO, NULL, &plan);
    /* vfio-pci's unbind file gone: the second write fails, the third is not done. */
    char *path = nic_path(copy, "/sys/bus/pci/drivers/vfio-pci/unbind");
    assert_int_equal(unlink(path), 0);
    free(path);
    char *error = NULL;
    assert_int_equal(vfio_plan_apply(copy, &plan, &error), -1);
    assert_string_equal(error, "writing \"0000:3b:10.2\" to /sys/bus/pci/drivers/vfio-pci/unbind: "
                               "No such file or directory (the writes before it were done)");
    free(error);
    vfio_plan_free(&plan);
    char *text = nic_read_file(copy, "/sys/bus/pci/devices/0000:3b:10.2/driver_override");
    assert_string_equal(text, "");
    free(text);
    text = nic_read_file(copy, "/sys/bus/pci/drivers_probe");
    assert_string_equal(text, "");
    free(text);
    host_free(&h);
    remove_tree(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_of_the_82576_host),
        cmocka_unit_test(test_facts_group_users),
        cmocka_unit_test(test_ip_addr_parser),
        cmocka_unit_test(test_refusals_on_the_82576_host),
        cmocka_unit_test(test_refusals_for_pontoon_ports),
        cmocka_unit_test(test_refusals_that_force_does_not_override),
        cmocka_unit_test(test_detach_writes),
        cmocka_unit_test(test_detach_already_done),
        cmocka_unit_test(test_reattach),
        cmocka_unit_test(test_apply_writes_the_files_of_a_copy),
        cmocka_unit_test(test_apply_stops_at_a_refused_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
