/* /proc/interrupts and /proc/softirqs as the kernel prints them, and which
 * interrupt serves which queue by the names drivers give them
 * (host/irq_table.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/irq_balance.h"
#include "host/irq_table.h"

/* As a 2-vCPU KVM guest prints it (kernel/irq/proc.c's layout). */
static const char guest_interrupts[] =
    "           CPU0       CPU1       \n"
    "  0:         45          0   IO-APIC   2-edge      timer\n"
    " 28:          0          0 PCI-MSIX-0000:00:01.0   0-edge      virtio0-config\n"
    " 37:          0          0 PCI-MSIX-0000:00:03.0   0-edge      virtio2-config\n"
    " 38:          0      20774 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
    " 39:      15528          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"
    " 44:          3          4   IO-APIC  11-fasteoi   uhci_hcd:usb1, virtio5\n"
    " 45:          0          0  PCI-MSI 2621440-edge\n"
    "NMI:          0          0   Non-maskable interrupts\n"
    "LOC:     418451     420221   Local timer interrupts\n"
    "ERR:          0\n";

static void test_interrupts_parse(void **state)
{
    struct irq_table t;
    assert_int_equal(irq_table_parse(guest_interrupts, &t), 0);
    assert_int_equal(t.n_cpus, 2);
    assert_int_equal(t.n_lines, 7);     /* NMI, LOC, ERR are not device interrupts */
    const struct irq_line *l = irq_table_find(&t, 38);
    assert_non_null(l);
    assert_string_equal(l->names, "virtio2-input.0");
    assert_int_equal(l->counts[0], 0);
    assert_int_equal(l->counts[1], 20774);
    assert_string_equal(irq_table_find(&t, 0)->names, "timer");
    assert_string_equal(irq_table_find(&t, 44)->names, "uhci_hcd:usb1, virtio5");
    assert_string_equal(irq_table_find(&t, 45)->names, "");
    assert_null(irq_table_find(&t, 46));
    irq_table_free(&t);
}

/* Offline CPUs are missing from the header: counts go by CPU number. */
static void test_interrupts_with_an_offline_cpu(void **state)
{
    struct irq_table t;
    assert_int_equal(irq_table_parse("      CPU0  CPU2\n"
                                     " 30:  5  7  IR-PCI-MSI 1-edge  eth0-TxRx-0\n", &t), 0);
    assert_int_equal(t.n_cpus, 3);
    assert_int_equal(t.lines[0].counts[0], 5);
    assert_int_equal(t.lines[0].counts[1], 0);
    assert_int_equal(t.lines[0].counts[2], 7);
    irq_table_free(&t);
    assert_int_equal(irq_table_parse("no header\n", &t), -EINVAL);
    irq_table_free(&t);
}

static void test_softirqs_net_rx(void **state)
{
    uint64_t *counts;
    unsigned n;
    assert_int_equal(softirqs_parse_net_rx("                    CPU0       CPU1\n"
                                           "          HI:          0          0\n"
                                           "      NET_TX:        858       1076\n"
                                           "      NET_RX:    9252420   10087627\n"
                                           "       BLOCK:          0     666015\n",
                                           &counts, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(counts[0], 9252420);
    assert_int_equal(counts[1], 10087627);
    free(counts);
    assert_int_equal(softirqs_parse_net_rx("   CPU0\n  HI:  0\n", &counts, &n), -ENOENT);
    assert_null(counts);
}

struct name_case {
    const char *name;
    bool match;
    enum irq_queue_kind kind;
    int queue;
};

static void check_names(const struct irq_owner *owner, const struct name_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        enum irq_queue_kind kind;
        int queue;
        bool match = irq_name_match(cases[i].name, owner, &kind, &queue);
        if (match != cases[i].match || (match && (kind != cases[i].kind
                                                  || queue != cases[i].queue)))
            fail_msg("%s: got match %d kind %d queue %d", cases[i].name, match, kind, queue);
    }
}

static void test_virtio_names_by_the_devices_index(void **state)
{
    const struct irq_owner owner = { "eth0", "virtio2", "0000:00:03.0" };
    const struct name_case cases[] = {
        { "virtio2-input.0", true, IRQ_RX, 0 },
        { "virtio2-output.0", true, IRQ_TX, 0 },
        { "virtio2-input.15", true, IRQ_RX, 15 },
        { "virtio2-config", true, IRQ_DEVICE, -1 },
        { "virtio2-control", true, IRQ_DEVICE, -1 },
        { "virtio2-virtqueues", true, IRQ_DEVICE, -1 },     /* one vector for all */
        { "virtio2-input.x", true, IRQ_DEVICE, -1 },
        { "virtio0-input.0", false, IRQ_DEVICE, -1 },       /* another virtio device */
        { "virtio20-input.0", false, IRQ_DEVICE, -1 },
        { "virtio1-req.0", false, IRQ_DEVICE, -1 },
    };
    check_names(&owner, cases, sizeof cases / sizeof cases[0]);
}

static void test_intel_mellanox_and_generic_names(void **state)
{
    const struct irq_owner intel = { "eth0", NULL, "0000:3b:00.0" };
    const struct name_case intel_cases[] = {
        { "eth0-TxRx-0", true, IRQ_RXTX, 0 },
        { "eth0-TxRx-7", true, IRQ_RXTX, 7 },
        { "ice-eth0-TxRx-3", true, IRQ_RXTX, 3 },          /* ice, i40e: DRIVER-DEV-... */
        { "eth0-rx-2", true, IRQ_RX, 2 },
        { "eth0-tx-2", true, IRQ_TX, 2 },
        { "eth0", false, IRQ_DEVICE, -1 },                  /* misc: found by msi_irqs */
        { "veth0-TxRx-0", false, IRQ_DEVICE, -1 },
        { "eth01-TxRx-0", false, IRQ_DEVICE, -1 },
        { "eth0-TxRx-", false, IRQ_DEVICE, -1 },
        { "eth0-TxRx-1a", false, IRQ_DEVICE, -1 },
        { "eth1-TxRx-0", false, IRQ_DEVICE, -1 },
    };
    check_names(&intel, intel_cases, sizeof intel_cases / sizeof intel_cases[0]);

    const struct irq_owner mlx = { "enp94s0f0np0", NULL, "0000:5e:00.0" };
    const struct name_case mlx_cases[] = {
        { "mlx5_comp0@pci:0000:5e:00.0", true, IRQ_RXTX, 0 },
        { "mlx5_comp11@pci:0000:5e:00.0", true, IRQ_RXTX, 11 },
        { "mlx5_async0@pci:0000:5e:00.0", true, IRQ_DEVICE, -1 },
        { "mlx5_pages_eq@pci:0000:5e:00.0", true, IRQ_DEVICE, -1 },
        { "mlx5_comp0@pci:0000:5e:00.1", false, IRQ_DEVICE, -1 },   /* the other port */
    };
    check_names(&mlx, mlx_cases, sizeof mlx_cases / sizeof mlx_cases[0]);

    /* Shared lines: any of the names. */
    enum irq_queue_kind kind;
    int queue;
    assert_true(irq_names_match("i8042, eth0-rx-1", &intel, &kind, &queue));
    assert_int_equal(kind, IRQ_RX);
    assert_int_equal(queue, 1);
    assert_false(irq_names_match("i8042, timer", &intel, &kind, &queue));
    assert_int_equal(queue, -1);
}

static void test_irqbalance_advice(void **state)
{
    const unsigned irqs[] = { 120, 121 };
    char *text = irqbalance_advice(1187, irqs, 2, "2-5");
    assert_string_equal(text, "irqbalance (pid 1187) is running: it moves interrupts and will "
                              "undo this steering.  Keep it off these interrupts in "
                              "/etc/default/irqbalance with IRQBALANCE_ARGS=\"--banirq=120 "
                              "--banirq=121\" (or off their CPUs with "
                              "IRQBALANCE_BANNED_CPULIST=2-5), then restart irqbalance; or "
                              "stop it.");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupts_parse),
        cmocka_unit_test(test_interrupts_with_an_offline_cpu),
        cmocka_unit_test(test_softirqs_net_rx),
        cmocka_unit_test(test_virtio_names_by_the_devices_index),
        cmocka_unit_test(test_intel_mellanox_and_generic_names),
        cmocka_unit_test(test_irqbalance_advice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
