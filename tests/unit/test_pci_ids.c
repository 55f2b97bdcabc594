/* The pci.ids parser (host/pci_ids.c): an excerpt of the real file in
 * tests/data/pci (vendors, devices, subsystems, classes, subclasses,
 * prog-ifs, comments and a line that is no entry), and Debian's own
 * /usr/share/misc/pci.ids (package pci.ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host/pci_ids.h"
#include "util/strbuf.h"

static char *excerpt_path(void)
{
    const char *slash = strrchr(__FILE__, '/');
    return xasprintf("%.*s/../data/pci/pci.ids.excerpt", (int)(slash ? slash - __FILE__ : 0),
                     __FILE__);
}

static struct pci_ids *load(const char *path)
{
    struct pci_ids *ids = NULL;
    char *error = NULL;
    if (pci_ids_load(path, &ids, &error))
        fail_msg("%s", error);
    return ids;
}

static void test_excerpt_vendors_devices_subsystems(void **state)
{
    char *path = excerpt_path();
    struct pci_ids *ids = load(path);
    free(path);
    assert_string_equal(pci_ids_vendor(ids, 0x8086), "Intel Corporation");
    assert_string_equal(pci_ids_vendor(ids, 0x1af4), "Red Hat, Inc.");
    /* A vendor whose id is also an Intel device id: no confusion. */
    assert_string_equal(pci_ids_vendor(ids, 0x10c9), "Dataexpert Corporation");
    assert_null(pci_ids_device(ids, 0x10c9, 0x10c9));
    assert_string_equal(pci_ids_device(ids, 0x8086, 0x10c9), "82576 Gigabit Network Connection");
    assert_string_equal(pci_ids_device(ids, 0x8086, 0x10ca), "82576 Virtual Function");
    /* After the comment and the line that is no entry, parsing goes on. */
    assert_string_equal(pci_ids_device(ids, 0x8086, 0x10fb),
                        "82599ES 10-Gigabit SFI/SFP+ Network Connection");
    assert_string_equal(pci_ids_device(ids, 0x1af4, 0x1041), "Virtio 1.0 network device");
    assert_string_equal(pci_ids_subsystem(ids, 0x8086, 0x10c9, 0x8086, 0xa03c),
                        "Gigabit ET Dual Port Server Adapter");
    assert_null(pci_ids_subsystem(ids, 0x8086, 0x10ca, 0x8086, 0xa03c));
    assert_null(pci_ids_vendor(ids, 0x15b3));
    assert_null(pci_ids_device(ids, 0x8086, 0x1521));
    pci_ids_free(ids);
}

static void test_excerpt_classes(void **state)
{
    char *path = excerpt_path();
    struct pci_ids *ids = load(path);
    free(path);
    assert_string_equal(pci_ids_class(ids, 0x02), "Network controller");
    assert_string_equal(pci_ids_subclass(ids, 0x02, 0x00), "Ethernet controller");
    assert_string_equal(pci_ids_subclass(ids, 0x06, 0x04), "PCI bridge");
    assert_string_equal(pci_ids_prog_if(ids, 0x06, 0x04, 0x01), "Subtractive decode");
    assert_string_equal(pci_ids_prog_if(ids, 0x0c, 0x03, 0x30), "XHCI");
    assert_null(pci_ids_prog_if(ids, 0x02, 0x00, 0x00));
    assert_null(pci_ids_subclass(ids, 0x02, 0x80));
    assert_null(pci_ids_class(ids, 0x01));
    /* Class ids do not leak into the vendors (C 02 is no vendor 0002). */
    assert_null(pci_ids_vendor(ids, 0x0002));
    pci_ids_free(ids);
}

static void test_debian_pci_ids(void **state)
{
    struct pci_ids *ids = load(NULL);   /* /usr/share/misc/pci.ids */
    assert_string_equal(pci_ids_device(ids, 0x8086, 0x10c9), "82576 Gigabit Network Connection");
    assert_string_equal(pci_ids_device(ids, 0x8086, 0x10ca), "82576 Virtual Function");
    assert_string_equal(pci_ids_vendor(ids, 0x15b3), "Mellanox Technologies");
    assert_string_equal(pci_ids_device(ids, 0x15b3, 0x1017), "MT27800 Family [ConnectX-5]");
    assert_string_equal(pci_ids_subclass(ids, 0x02, 0x00), "Ethernet controller");
    assert_string_equal(pci_ids_class(ids, 0xff), "Unassigned class");
    assert_null(pci_ids_device(ids, 0x8086, 0xfffe));
    pci_ids_free(ids);
}

static void test_missing_file_names_the_package(void **state)
{
    struct pci_ids *ids = NULL;
    char *error = NULL;
    assert_int_equal(pci_ids_load("/nonexistent/pci.ids", &ids, &error), -1);
    assert_null(ids);
    assert_string_equal(error, "cannot read /nonexistent/pci.ids: No such file or directory");
    free(error);
    /* Lookups without a database answer nothing. */
    assert_null(pci_ids_vendor(NULL, 0x8086));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_excerpt_vendors_devices_subsystems),
        cmocka_unit_test(test_excerpt_classes),
        cmocka_unit_test(test_debian_pci_ids),
        cmocka_unit_test(test_missing_file_names_the_package),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
