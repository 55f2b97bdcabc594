/* The inventory (host/nic_inventory.c) read from the captured trees of
 * tests/data/hosts: a two-socket host with an Intel and a Mellanox NIC, a
 * veth and a tap; a KVM guest with a virtio-net NIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host/nic_inventory.h"
#include "util/strbuf.h"

/* tests/data/hosts/HOST, found from this file's own path (the unit tests
 * run from the top of the tree, as `make check` and scripts/test.sh do). */
static char *host_dir(const char *host)
{
    const char *slash = strrchr(__FILE__, '/');
    return xasprintf("%.*s/../data/hosts/%s", (int)(slash ? slash - __FILE__ : 0), __FILE__,
                     host);
}

static void read_host(const char *host, const char *const *names, size_t n,
                      struct nic_inventory *inv)
{
    char *dir = host_dir(host);
    char *error = NULL;
    if (nic_inventory_read(dir, names, n, inv, &error))
        fail_msg("%s: %s", dir, error);
    free(dir);
}

static void test_two_socket_topology_and_devices(void **state)
{
    struct nic_inventory inv;
    read_host("two-socket", NULL, 0, &inv);
    const struct cpu_topology *topo = &inv.host.topo;
    assert_int_equal(cpu_bitmap_count(&topo->online), 48);
    assert_int_equal(topo->nr_cpu_ids, 48);
    assert_int_equal(topo->n_nodes, 2);
    assert_true(cpu_bitmap_has(cpu_topology_node_cpus(topo, 1), 36));
    assert_false(cpu_bitmap_has(cpu_topology_node_cpus(topo, 1), 24));
    assert_null(cpu_topology_node_cpus(topo, -1));
    assert_int_equal(cpu_bitmap_count(&topo->irq_default), 48);
    /* Every device but lo, sorted. */
    assert_int_equal(inv.n_nics, 4);
    assert_string_equal(inv.nics[0].name, "enp94s0f0np0");
    assert_string_equal(inv.nics[1].name, "eth0");
    assert_string_equal(inv.nics[2].name, "tap0");
    assert_string_equal(inv.nics[3].name, "veth0");
    assert_int_equal(inv.host.n_net_rx, 48);
    assert_int_equal(inv.host.net_rx[0], 9800000);
    assert_string_equal(inv.host.rps_sock_flow_entries, "0");
    nic_inventory_free(&inv);
}

static void test_intel_nic(void **state)
{
    struct nic_inventory inv;
    const char *names[] = { "eth0" };
    read_host("two-socket", names, 1, &inv);
    const struct nic_info *nic = &inv.nics[0];
    assert_string_equal(nic->driver, "ixgbe");
    assert_string_equal(nic->version, "5.19.6");
    assert_string_equal(nic->bus, "0000:3b:00.0");
    assert_null(nic->virtio);
    assert_false(nic->is_virtual);
    assert_int_equal(nic->numa_node, 0);
    assert_int_equal(nic->speed_mbps, 10000);
    assert_int_equal(nic->mtu, 9000);
    assert_true(nic->has_channels);
    assert_int_equal(nic->channels.combined, 8);
    assert_int_equal(nic->channels.max_combined, 63);
    assert_int_equal(nic->n_rxq, 8);
    assert_int_equal(nic->n_txq, 8);
    assert_string_equal(nic->txq[3].xps_cpus, "0000,00000008");
    /* 8 queue vectors and the misc one (found by msi_irqs alone). */
    assert_int_equal(nic->n_irqs, 9);
    for (unsigned q = 0; q < 8; q++) {
        assert_int_equal(nic->irqs[q].irq, 120 + q);
        assert_int_equal(nic->irqs[q].kind, IRQ_RXTX);
        assert_int_equal(nic->irqs[q].queue, (int)q);
        assert_string_equal(nic->irqs[q].affinity, "0");
        assert_int_equal(nic->irqs[q].counts[0], 1834120 + 1000 * q);
        assert_int_equal(nic->irqs[q].counts[47], 0);
    }
    assert_string_equal(nic->irqs[8].name, "eth0");
    assert_int_equal(nic->irqs[8].kind, IRQ_DEVICE);
    assert_int_equal(nic->irqs[8].queue, -1);
    assert_string_equal(nic->irqs[8].affinity, "0-47");
    assert_string_equal(nic->irqs[8].effective, "0");
    nic_inventory_free(&inv);
}

static void test_mellanox_nic(void **state)
{
    struct nic_inventory inv;
    const char *names[] = { "enp94s0f0np0" };
    read_host("two-socket", names, 1, &inv);
    const struct nic_info *nic = &inv.nics[0];
    assert_string_equal(nic->driver, "mlx5_core");
    assert_string_equal(nic->version, "");
    assert_int_equal(nic->numa_node, 1);
    assert_int_equal(nic->n_irqs, 5);
    assert_string_equal(nic->irqs[0].name, "mlx5_async0@pci:0000:5e:00.0");
    assert_int_equal(nic->irqs[0].kind, IRQ_DEVICE);
    for (unsigned q = 0; q < 4; q++) {
        assert_int_equal(nic->irqs[1 + q].kind, IRQ_RXTX);
        assert_int_equal(nic->irqs[1 + q].queue, (int)q);
        assert_int_equal(nic->irqs[1 + q].counts[12 + q], 90210 + q);
    }
    nic_inventory_free(&inv);
}

static void test_virtual_devices_have_no_irqs(void **state)
{
    struct nic_inventory inv;
    const char *names[] = { "veth0", "tap0" };
    read_host("two-socket", names, 2, &inv);
    const struct nic_info *veth = &inv.nics[0], *tap = &inv.nics[1];
    assert_true(veth->is_virtual);
    assert_int_equal(veth->numa_node, -1);
    assert_string_equal(veth->bus, "");
    assert_string_equal(veth->driver, "");   /* a captured tree does not say */
    assert_int_equal(veth->n_irqs, 0);
    assert_int_equal(veth->n_rxq, 1);
    assert_null(veth->txq[0].xps_cpus);      /* one tx queue: not readable */
    assert_string_equal(veth->txq[0].xps_rxqs, "0");
    assert_false(veth->has_channels);
    assert_string_equal(tap->driver, "tun");
    assert_int_equal(tap->n_rxq, 2);
    assert_int_equal(tap->n_txq, 2);
    assert_int_equal(tap->n_irqs, 0);
    nic_inventory_free(&inv);
}

static void test_virtio_guest(void **state)
{
    struct nic_inventory inv;
    read_host("kvm-guest", NULL, 0, &inv);
    assert_int_equal(inv.n_nics, 1);
    const struct nic_info *nic = &inv.nics[0];
    assert_string_equal(nic->driver, "virtio_net");
    assert_string_equal(nic->virtio, "virtio0");
    assert_string_equal(nic->bus, "0000:00:03.0");
    assert_int_equal(nic->numa_node, -1);
    assert_int_equal(nic->speed_mbps, -1);
    assert_int_equal(nic->channels.combined, 2);
    /* config, input/output of two queue pairs, control; not virtio1's disk. */
    assert_int_equal(nic->n_irqs, 6);
    const struct { unsigned irq; enum irq_queue_kind kind; int queue; } want[] = {
        { 24, IRQ_DEVICE, -1 }, { 25, IRQ_RX, 0 }, { 26, IRQ_TX, 0 },
        { 27, IRQ_RX, 1 }, { 28, IRQ_TX, 1 }, { 29, IRQ_DEVICE, -1 },
    };
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(nic->irqs[i].irq, want[i].irq);
        assert_int_equal(nic->irqs[i].kind, want[i].kind);
        assert_int_equal(nic->irqs[i].queue, want[i].queue);
    }
    assert_int_equal(nic->irqs[1].counts[0], 5230);
    assert_int_equal(nic->irqs[1].counts[1], 4);
    nic_inventory_free(&inv);
}

static void test_errors_name_the_problem(void **state)
{
    struct nic_inventory inv;
    char *dir = host_dir("kvm-guest");
    char *error = NULL;
    const char *names[] = { "eth9" };
    assert_int_equal(nic_inventory_read(dir, names, 1, &inv, &error), -1);
    char *want = xasprintf("no network device named eth9 in %s", dir);
    assert_string_equal(error, want);
    free(want);
    free(error);
    nic_inventory_free(&inv);
    const char *bad[] = { "../../etc" };
    assert_int_equal(nic_inventory_read(dir, bad, 1, &inv, &error), -1);
    free(error);
    nic_inventory_free(&inv);
    free(dir);
    assert_int_equal(nic_inventory_read("/nonexistent", NULL, 0, &inv, &error), -1);
    assert_string_equal(error, "/nonexistent has no sys/class/net: not a captured /sys and /proc");
    free(error);
    nic_inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_socket_topology_and_devices),
        cmocka_unit_test(test_intel_nic),
        cmocka_unit_test(test_mellanox_nic),
        cmocka_unit_test(test_virtual_devices_have_no_irqs),
        cmocka_unit_test(test_virtio_guest),
        cmocka_unit_test(test_errors_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
