/* SR-IOV kept applied (control/sriov_policy.c) against a copy of the
 * fixture tree tests/data/sriov/host: a stored count is written (through 0),
 * written again after it was changed behind the policy's back (the check
 * says so; after applying it says nothing, so nothing spins), a count that
 * is refused leaves the tree alone with the reason in NIC.status beside
 * nic_policy's keys, and a VF row of an absent PF gets its error.  Also the
 * rows' readers shared with the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>

#include "db/db.h"
#include "control/sriov_policy.h"
#include "host/nic_files.h"
#include "host/sriov_count.h"
#include "host/vf_config.h"
#include "util/strbuf.h"

static char dir[64], tree[128], db_path[128];
static struct db *db;

static int setup(void **state)
{
    const char *slash = strrchr(__FILE__, '/');
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%.*s/../data/sriov/host",
             (int)(slash ? slash - __FILE__ : 0), __FILE__);
    strcpy(dir, "/tmp/pontoon-sriov-policy-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(tree, sizeof tree, "%s/tree", dir);
    snprintf(db_path, sizeof db_path, "%s/conf.db", dir);
    char *cmd = xasprintf("cp -a '%s' '%s'", fixture, tree);
    int rc = system(cmd);
    free(cmd);
    char *error = NULL;
    if (rc || db_open(db_path, &db, &error))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    db_close(db);
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
    return 0;
}

/* Edits in one committed transaction, as the CLI makes them. */
static struct db_row *begin_row(const char *table, const char *name)
{
    char *error = NULL;
    assert_int_equal(db_begin(db, 1000, &error), 0);
    struct db_row *row = db_find_row(db, schema_find_table(table), name);
    if (!row) {
        row = db_insert_row(db, schema_find_table(table));
        db_row_set_string(row, "name", name);
    }
    return row;
}

static void set_int(struct db_row *row, const char *column, int64_t value)
{
    struct datum d;
    datum_init_integer(&d, value);
    db_row_set(row, column, &d);
}

static void set_string(struct db_row *row, const char *column, const char *value)
{
    struct datum d;
    datum_init_string(&d, value);
    db_row_set(row, column, &d);
}

static void commit(void)
{
    char *error = NULL;
    if (db_commit(db, &error))
        fail_msg("commit: %s", error);
}

static char *numvfs(const char *address)
{
    return nic_read_file(tree, "/sys/bus/pci/devices/%s/sriov_numvfs", address);
}

static const char *status_of(const char *table, const char *name, const char *key)
{
    const struct db_row *row = db_find_row(db, schema_find_table(table), name);
    assert_non_null(row);
    return db_row_get_map_string(row, "status", key);
}

static void test_count_kept_in_the_tree(void **state)
{
    struct sriov_policy *sp = sriov_policy_create(tree);
    assert_non_null(sp);
    struct db_row *row = begin_row("NIC", "eth1");
    set_int(row, "sriov_num_vfs", 4);
    commit();
    sriov_policy_run(sp, db);
    char *now = numvfs("0000:04:00.0");
    assert_string_equal(now, "4");
    free(now);
    assert_string_equal(status_of("NIC", "eth1", "sriov_applied"), "true");
    assert_string_equal(status_of("NIC", "eth1", "sriov_num_vfs"), "4");
    assert_string_equal(status_of("NIC", "eth1", "sriov_total_vfs"), "7");
    assert_null(status_of("NIC", "eth1", "sriov_error"));
    /* Applied: nothing to do, nothing to wake up for. */
    assert_false(sriov_policy_check(sp));
    /* A driver reload leaves the PF with no VFs: the check sees it, the
     * next run writes the count again. */
    assert_int_equal(nic_write_file(tree, "/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs", "0"),
                     0);
    assert_true(sriov_policy_check(sp));
    sriov_policy_run(sp, db);
    now = numvfs("0000:04:00.0");
    assert_string_equal(now, "4");
    free(now);
    assert_false(sriov_policy_check(sp));
    sriov_policy_destroy(sp);
}

static void test_refused_count_is_reported_once(void **state)
{
    struct sriov_policy *sp = sriov_policy_create(tree);
    /* nic_policy's keys are kept beside ours. */
    char *error = NULL;
    struct db_row *row = begin_row("NIC", "eth3");
    set_int(row, "sriov_num_vfs", 8);
    commit();
    row = db_find_row(db, schema_find_table("NIC"), "eth3");
    const struct column_def *col = NULL;
    assert_int_equal(schema_find_column(row->table, "status", &col, &error), 0);
    struct datum d;
    datum_init_empty(&d);
    union atom k = { .string = "rx_queues" }, v = { .string = "8" };
    datum_map_set(&d, col, &k, &v);
    db_report_ephemeral(db, row, col, &d);

    sriov_policy_run(sp, db);
    char *now = numvfs("0000:05:00.0");
    assert_string_equal(now, "4");
    free(now);
    assert_string_equal(status_of("NIC", "eth3", "sriov_applied"), "false");
    assert_string_equal(status_of("NIC", "eth3", "sriov_error"),
                        "eth3 (ixgbe 0000:05:00.0): cannot change 4 VFs to 8, VFs are in use: "
                        "VF 0 (0000:05:10.0) is bound to vfio-pci (passed through to a guest); "
                        "VF 1 (0000:05:10.2) is bound to vfio-pci (passed through to a guest)");
    assert_string_equal(status_of("NIC", "eth3", "rx_queues"), "8");
    /* Refused: not tried again until something changes. */
    assert_false(sriov_policy_check(sp));
    /* The count dropped: the sriov_* keys go, nic_policy's stay. */
    row = begin_row("NIC", "eth3");
    db_row_set(row, "sriov_num_vfs", &(struct datum)DATUM_EMPTY);
    commit();
    sriov_policy_run(sp, db);
    assert_null(status_of("NIC", "eth3", "sriov_applied"));
    assert_null(status_of("NIC", "eth3", "sriov_error"));
    assert_string_equal(status_of("NIC", "eth3", "rx_queues"), "8");
    sriov_policy_destroy(sp);
}

static void test_absent_pf(void **state)
{
    struct sriov_policy *sp = sriov_policy_create(tree);
    struct db_row *row = begin_row("NIC", "ptnone0");
    set_int(row, "sriov_num_vfs", 2);
    commit();
    row = begin_row("VF", "ptnone0/vf1");
    set_string(row, "pf", "ptnone0");
    set_int(row, "vf", 1);
    set_int(row, "vlan", 7);
    commit();
    sriov_policy_run(sp, db);
    assert_string_equal(status_of("NIC", "ptnone0", "sriov_error"),
                        "no network device or PCI device named ptnone0");
    assert_string_equal(status_of("VF", "ptnone0/vf1", "applied"), "false");
    assert_string_equal(status_of("VF", "ptnone0/vf1", "error"),
                        "no network device named ptnone0");
    assert_false(sriov_policy_check(sp));
    /* Link events: only a kept PF's, and only when it came back. */
    assert_false(sriov_policy_link_event(sp, "eth0", 2, true, true));
    assert_true(sriov_policy_link_event(sp, "ptnone0", 42, true, false));
    sriov_policy_destroy(sp);
}

static void test_rows_read_for_the_cli(void **state)
{
    struct db_row *row = begin_row("VF", "eth1/vf2");
    set_string(row, "pf", "eth1");
    set_int(row, "vf", 2);
    set_string(row, "mac", "52:54:00:12:34:56");
    set_int(row, "vlan", 100);
    set_int(row, "qos", 5);
    set_string(row, "proto", "802.1ad");
    set_string(row, "link_state", "disable");
    set_int(row, "max_rate", 500);
    commit();
    row = db_find_row(db, schema_find_table("VF"), "eth1/vf2");
    struct vf_config cfg;
    char *error = NULL;
    assert_int_equal(sriov_vf_config_from_row(row, &cfg, &error), 0);
    assert_int_equal(cfg.vf, 2);
    assert_int_equal(cfg.set, VF_SET_MAC | VF_SET_VLAN | VF_SET_LINK_STATE | VF_SET_RATE);
    assert_int_equal(cfg.vlan, 100);
    assert_int_equal(cfg.qos, 5);
    assert_int_equal(cfg.vlan_proto, ETH_P_8021AD);
    assert_int_equal(cfg.link_state, IFLA_VF_LINK_STATE_DISABLE);
    assert_true(cfg.has_max_rate);
    assert_false(cfg.has_min_rate);
    /* A malformed MAC written with `pontoon set`: the row says so. */
    row = begin_row("VF", "eth1/vf2");
    set_string(row, "mac", "ff:ff:ff:ff:ff:ff");
    commit();
    row = db_find_row(db, schema_find_table("VF"), "eth1/vf2");
    assert_int_equal(sriov_vf_config_from_row(row, &cfg, &error), -EINVAL);
    assert_string_equal(error, "mac \"ff:ff:ff:ff:ff:ff\" is not a unicast MAC address "
                        "(xx:xx:xx:xx:xx:xx; 00:00:00:00:00:00 lets the VF choose)");
    free(error);

    /* The netdevs a bridge or a macvtap uses. */
    struct sriov_user *users;
    assert_int_equal(sriov_users_from_db(db, &users), 0);
    sriov_users_free(users, 0);
    row = begin_row("Macvtap", "mvt0");
    set_string(row, "lower", "enp4s16");
    set_string(row, "mode", "bridge");
    commit();
    size_t n = sriov_users_from_db(db, &users);
    assert_int_equal(n, 1);
    assert_string_equal(users[0].netdev, "enp4s16");
    assert_string_equal(users[0].what, "the lower device of macvtap mvt0");
    sriov_users_free(users, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_count_kept_in_the_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_count_is_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absent_pf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_read_for_the_cli, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
