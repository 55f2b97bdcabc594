/* VF count rules (host/sriov_count.c) and the sysfs reader and writer
 * (host/sriov_pf.c) on the fixture tree tests/data/sriov/host: the seed's
 * 82576 (igb) PF with 7 VFs, an 82599 (ixgbe) PF whose first VFs are bound
 * to vfio-pci, a ConnectX-5 without VFs, an e1000e without SR-IOV, an 82576
 * with no driver, a veth; and on the PCI tests' trees (tests/data/pci).
 * Every refusal's message exactly; writes go to a copy of the tree in a
 * temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "host/sriov_count.h"
#include "host/sriov_pf.h"
#include "util/strbuf.h"

static char fixture[512];

static void find_fixture(void)
{
    const char *slash = strrchr(__FILE__, '/');
    snprintf(fixture, sizeof fixture, "%.*s/../data/sriov/host",
             (int)(slash ? slash - __FILE__ : 0), __FILE__);
}

static void read_pf(const char *root, const char *name, struct sriov_pf *pf)
{
    char *error = NULL;
    if (sriov_pf_read(root, name, pf, &error))
        fail_msg("%s: %s", name, error);
}

/* The refusal for setting `name` to `want` VFs, or "(planned A -> B)". */
static char *plan_message(const char *name, unsigned want, const struct sriov_user *users,
                          size_t n_users, int *rc)
{
    struct sriov_pf pf;
    read_pf(fixture, name, &pf);
    struct sriov_count_plan plan;
    char *error = NULL;
    *rc = sriov_count_plan(&pf, want, users, n_users, &plan, &error);
    sriov_pf_free(&pf);
    if (*rc == 0) {
        char *text = sriov_count_plan_format(&plan);
        error = xasprintf("(planned %s)", text);
        free(text);
    }
    return error;
}

static void expect(const char *name, unsigned want, const struct sriov_user *users,
                   size_t n_users, int want_rc, const char *message)
{
    int rc;
    char *text = plan_message(name, want, users, n_users, &rc);
    assert_string_equal(text, message);
    assert_int_equal(rc, want_rc);
    free(text);
}

static void test_reads_the_pf_and_its_vfs(void **state)
{
    find_fixture();
    struct sriov_pf pf;
    read_pf(fixture, "eth1", &pf);
    char *label = sriov_pf_label(&pf);
    assert_string_equal(label, "eth1 (igb 0000:04:00.0)");
    free(label);
    assert_string_equal(sriov_pf_name(&pf), "eth1");
    assert_int_equal(pf.pci.sriov, PCI_SRIOV_PF);
    assert_int_equal(pf.pci.sriov_totalvfs, 7);
    assert_int_equal(pf.pci.sriov_numvfs, 7);
    assert_int_equal(pf.n_vfs, 7);
    static const char *const addresses[] = { "0000:04:10.0", "0000:04:10.2", "0000:04:10.4",
                                             "0000:04:10.6", "0000:04:11.0", "0000:04:11.2",
                                             "0000:04:11.4" };
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(pf.vfs[i].address, addresses[i]);
        assert_string_equal(pf.vfs[i].driver, "igbvf");
        assert_int_equal(pf.vfs[i].n_netdevs, 1);
        assert_int_equal(pf.vfs[i].vf_index, (int)i);
    }
    assert_string_equal(pf.vfs[1].netdevs[0], "enp4s16f2");
    sriov_pf_free(&pf);
    /* By PCI address too, short or long. */
    read_pf(fixture, "04:00.1", &pf);
    assert_string_equal(sriov_pf_name(&pf), "eth2");
    assert_string_equal(pf.vfs[0].address, "0000:04:10.1");
    sriov_pf_free(&pf);
    read_pf(fixture, "0000:06:00.0", &pf);
    label = sriov_pf_label(&pf);
    assert_string_equal(label, "0000:06:00.0 (no driver)");
    free(label);
    assert_string_equal(sriov_pf_name(&pf), "0000:06:00.0");
    sriov_pf_free(&pf);
    /* Not there, not PCI. */
    char *error = NULL;
    assert_int_equal(sriov_pf_read(fixture, "eth9", &pf, &error), -1);
    assert_string_equal(error, "no network device or PCI device named eth9");
    free(error);
    sriov_pf_free(&pf);
    assert_int_equal(sriov_pf_read(fixture, "veth0", &pf, &error), -1);
    assert_string_equal(error, "veth0 is not SR-IOV capable: not a PCI device");
    free(error);
    sriov_pf_free(&pf);
    assert_int_equal(sriov_pf_read(fixture, "0000:09:00.0", &pf, &error), -1);
    assert_string_equal(error, "no PCI device 0000:09:00.0");
    free(error);
    sriov_pf_free(&pf);
}

static void test_plans(void **state)
{
    find_fixture();
    expect("eth1", 7, NULL, 0, 0, "(planned 7 (already))");
    /* A non-zero count changes only through 0. */
    expect("eth1", 4, NULL, 0, 0, "(planned 7 -> 0 -> 4)");
    expect("eth1", 0, NULL, 0, 0, "(planned 7 -> 0)");
    expect("enp59s0f0np0", 8, NULL, 0, 0, "(planned 0 -> 8)");
    expect("enp59s0f0np0", 0, NULL, 0, 0, "(planned 0 (already))");
    expect("eth2", 7, NULL, 0, 0, "(planned 2 -> 0 -> 7)");
}

static void test_refusals_name_the_device(void **state)
{
    find_fixture();
    expect("eth1", 8, NULL, 0, -ERANGE, "eth1 (igb 0000:04:00.0) supports at most 7 VFs");
    expect("0000:04:00.0", 4096, NULL, 0, -ERANGE,
           "eth1 (igb 0000:04:00.0) supports at most 7 VFs");
    expect("eno1", 1, NULL, 0, -EOPNOTSUPP,
           "eno1 (e1000e 0000:00:1f.6) is not SR-IOV capable (no sriov_totalvfs)");
    expect("enp4s16", 1, NULL, 0, -EOPNOTSUPP,
           "enp4s16 (igbvf 0000:04:10.0) is itself a VF (of 0000:04:00.0): only a PF has VFs");
    expect("0000:06:00.0", 2, NULL, 0, -ENODEV,
           "0000:06:00.0 has no driver bound: its VFs are made by the PF's driver, bind it "
           "first (echo 0000:06:00.0 > /sys/bus/pci/drivers/DRIVER/bind)");
    /* VFs given to guests through vfio-pci. */
    expect("eth3", 8, NULL, 0, -EBUSY,
           "eth3 (ixgbe 0000:05:00.0): cannot change 4 VFs to 8, VFs are in use: VF 0 "
           "(0000:05:10.0) is bound to vfio-pci (passed through to a guest); VF 1 "
           "(0000:05:10.2) is bound to vfio-pci (passed through to a guest)");
    expect("eth3", 0, NULL, 0, -EBUSY,
           "eth3 (ixgbe 0000:05:00.0): cannot change 4 VFs to 0, VFs are in use: VF 0 "
           "(0000:05:10.0) is bound to vfio-pci (passed through to a guest); VF 1 "
           "(0000:05:10.2) is bound to vfio-pci (passed through to a guest)");
    /* ...but asking for what is there changes nothing and is fine. */
    expect("eth3", 4, NULL, 0, 0, "(planned 4 (already))");
    /* VF netdevs the switch uses. */
    const struct sriov_user users[] = {
        { "enp4s16f2", "a port of bridge br0" },
        { "enp4s17f4", "the lower device of macvtap mvtap0" },
        { "eth1", "a port of bridge br1" },   /* the PF itself stays */
    };
    expect("eth1", 3, users, 3, -EBUSY,
           "eth1 (igb 0000:04:00.0): cannot change 7 VFs to 3, VFs are in use: VF 1 "
           "(0000:04:10.2, enp4s16f2) is a port of bridge br0; VF 6 (0000:04:11.4, enp4s17f4) "
           "is the lower device of macvtap mvtap0");
    expect("eth1", 7, users, 3, 0, "(planned 7 (already))");
    expect("eth2", 1, users, 3, 0, "(planned 2 -> 0 -> 1)");
}

/* The PCI helper's trees (tests/data/pci) read the same way. */
static void test_rules_on_the_pci_fixtures(void **state)
{
    const char *slash = strrchr(__FILE__, '/');
    char root[512];
    struct {
        const char *tree, *pf;
        unsigned want;
        int rc;
        const char *message;
    } cases[] = {
        { "igb-82576", "eth1", 8, -ERANGE, "eth1 (igb 0000:04:00.0) supports at most 7 VFs" },
        { "igb-82576", "eth1", 2, 0, "(planned 7 -> 0 -> 2)" },
        { "igb-82576", "eth2", 7, 0, "(planned 0 -> 7)" },
        { "ixgbe-vfio", "ens1f0", 0, -EBUSY,
          "ens1f0 (ixgbe 0000:3b:00.0): cannot change 4 VFs to 0, VFs are in use: VF 0 "
          "(0000:3b:10.0) is bound to vfio-pci (passed through to a guest); VF 1 (0000:3b:10.2) "
          "is bound to vfio-pci (passed through to a guest); VF 2 (0000:3b:10.4) is bound to "
          "vfio-pci (passed through to a guest)" },
        { "mlx5", "enp94s0f0np0", 4, 0, "(planned 2 -> 0 -> 4)" },
        { "no-iommu", "eth1", 7, 0, "(planned 0 -> 7)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(root, sizeof root, "%.*s/../data/pci/%s", (int)(slash ? slash - __FILE__ : 0),
                 __FILE__, cases[i].tree);
        struct sriov_pf pf;
        char *error = NULL;
        if (sriov_pf_read(root, cases[i].pf, &pf, &error))
            fail_msg("%s %s: %s", cases[i].tree, cases[i].pf, error);
        struct sriov_count_plan plan;
        int rc = sriov_count_plan(&pf, cases[i].want, NULL, 0, &plan, &error);
        char *text = NULL;
        if (!rc) {
            char *steps = sriov_count_plan_format(&plan);
            text = xasprintf("(planned %s)", steps);
            free(steps);
        }
        assert_int_equal(rc, cases[i].rc);
        assert_string_equal(rc ? error : text, cases[i].message);
        free(text);
        free(error);
        sriov_pf_free(&pf);
    }
}

static char *copy_fixture(void)
{
    char *dir = strdup("/tmp/pontoon-sriov-count-XXXXXX");
    if (!mkdtemp(dir))
        fail_msg("mkdtemp");
    char *cmd = xasprintf("cp -a '%s/.' '%s/'", fixture, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return dir;
}

static void remove_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
    free(dir);
}

static void test_apply_writes_the_copy(void **state)
{
    find_fixture();
    char *root = copy_fixture();
    struct sriov_pf pf;
    read_pf(root, "eth1", &pf);
    struct sriov_count_plan plan;
    char *error = NULL;
    assert_int_equal(sriov_count_plan(&pf, 3, NULL, 0, &plan, &error), 0);
    assert_int_equal(sriov_count_apply(root, &pf, &plan, &error), 0);
    char *now = nic_read_file(root, "/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs");
    assert_string_equal(now, "3");
    free(now);
    /* The fixture itself is untouched. */
    now = nic_read_file(fixture, "/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs");
    assert_string_equal(now, "7");
    free(now);
    /* What the kernel refuses comes back with the file and the value. */
    char *path = nic_path(root, "/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    free(path);
    assert_int_equal(sriov_count_apply(root, &pf, &plan, &error), -1);
    assert_string_equal(error, "cannot write 0 to /sys/bus/pci/devices/0000:04:00.0/"
                        "sriov_numvfs: Is a directory");
    free(error);
    sriov_pf_free(&pf);
    remove_dir(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_the_pf_and_its_vfs),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_refusals_name_the_device),
        cmocka_unit_test(test_apply_writes_the_copy),
        cmocka_unit_test(test_rules_on_the_pci_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
