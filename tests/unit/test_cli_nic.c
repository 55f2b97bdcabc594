/* The nic/ commands in-process (cli/nic_commands.c): per-command --help,
 * nic/show and nic/steer --dry-run on the captured trees of
 * tests/data/hosts, and bad input leaving the database as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_run.h"

static char guest[256], two_socket[256];

static void host_dirs(void)
{
    const char *slash = strrchr(__FILE__, '/');
    int len = (int)(slash ? slash - __FILE__ : 0);
    snprintf(guest, sizeof guest, "%.*s/../data/hosts/kvm-guest", len, __FILE__);
    snprintf(two_socket, sizeof two_socket, "%.*s/../data/hosts/two-socket", len, __FILE__);
}

static int setup(void **state)
{
    host_dirs();
    if (cli_dir_make("/tmp/pontoon-nic-XXXXXX"))
        return -1;
    return run("add-br br0");
}

static int teardown(void **state)
{
    cli_dir_remove();
    return 0;
}

static void test_command_help_is_a_manual_page(void **state)
{
    const char *commands[] = { "nic/show", "nic/steer", "nic/set-channels" };
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
    /* Also with global options first, and for any table's command. */
    assert_int_equal(run("--no-wait nic/steer --help"), 0);
    assert_non_null(strstr(out_text, "--dry-run"));
    assert_int_equal(run("add-br --help"), 0);
    assert_true(!strncmp(out_text, "NAME\n  add-br - ", 16));
    /* The global --help lists them, each on its first line only. */
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out_text, "Host NIC commands"));
    assert_non_null(strstr(out_text, "nic/set-channels DEV N"));
    assert_null(strstr(out_text, "DESCRIPTION"));
}

static void test_show_captured_tree_as_json(void **state)
{
    assert_int_equal(runf("nic/show eth0 --root %s --format=json", two_socket), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    json_t *dev = json_array_get(json_object_get(doc, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(dev, "driver")), "ixgbe");
    assert_int_equal(json_integer_value(json_object_get(dev, "numa_node")), 0);
    json_t *irq = json_array_get(json_object_get(dev, "irqs"), 3);
    assert_string_equal(json_string_value(json_object_get(irq, "name")), "eth0-TxRx-3");
    assert_string_equal(json_string_value(json_object_get(irq, "kind")), "rxtx");
    assert_int_equal(json_integer_value(json_object_get(irq, "queue")), 3);
    assert_int_equal(json_array_size(json_object_get(irq, "counts")), 48);
    json_t *rxq = json_array_get(json_object_get(dev, "rx_queues"), 3);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(rxq, "irqs"), 0)), 123);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "cpus"),
                                                          "online")), "0-47");
    assert_int_equal(json_array_size(json_object_get(doc, "net_rx_softirqs")), 48);
    json_decref(doc);
    /* The global --format=json gives the same document. */
    char *first = strdup(out_text);
    assert_int_equal(runf("--format=json nic/show --root %s eth0", two_socket), 0);
    assert_string_equal(out_text, first);
    free(first);
}

static void test_show_captured_tree_as_text(void **state)
{
    assert_int_equal(runf("nic/show --root %s", guest), 0);
    const char *expected =
        "eth0: driver virtio_net, bus 0000:00:03.0 (virtio0), NUMA node -1, mtu 1500\n"
        "  queues: 2 rx, 2 tx; channels (current/max): combined 2/4\n"
        "  queue  rps_cpus  rps_flow_cnt  irqs\n"
        "  rx-0   0         0             25\n"
        "  rx-1   0         0             27\n"
        "  queue  xps_cpus  xps_rxqs  irqs\n"
        "  tx-0   3         0         26\n"
        "  tx-1   c         0         28\n"
        "  irq  queue  affinity  effective  count per CPU  name\n"
        "  24   -      0-3       0          -              virtio0-config\n"
        "  25   rx-0   0-1       0          0:5230 1:4     virtio0-input.0\n"
        "  26   tx-0   0-1       1          1:3100         virtio0-output.0\n"
        "  27   rx-1   2-3       2          2:4410         virtio0-input.1\n"
        "  28   tx-1   2-3       3          3:2900         virtio0-output.1\n"
        "  29   -      0-3       1          -              virtio0-control\n"
        "\n"
        "CPUs: online 0-3; node 0: 0-3\n"
        "rps_sock_flow_entries: 0\n"
        "NET_RX softirqs per CPU: CPU0 5300 CPU1 3200 CPU2 4500 CPU3 2950\n";
    assert_string_equal(out_text, expected);
}

static void test_dry_run_prints_the_plan_and_changes_nothing(void **state)
{
    char *before = dump_db(db_path);
    assert_int_equal(runf("nic/steer eth0 performance --dry-run --root %s", guest), 0);
    const char *expected =
        "eth0: performance: 15 settings, 11 to change\n"
        "  /proc/irq/24/smp_affinity_list                0-3  ->  0-3  (unchanged)\n"
        "  /proc/irq/25/smp_affinity_list                0-1  ->  0\n"
        "  /proc/irq/26/smp_affinity_list                0-1  ->  0\n"
        "  /proc/irq/27/smp_affinity_list                2-3  ->  1\n"
        "  /proc/irq/28/smp_affinity_list                2-3  ->  1\n"
        "  /proc/irq/29/smp_affinity_list                0-3  ->  0-3  (unchanged)\n"
        "  /sys/class/net/eth0/queues/rx-0/rps_cpus      0    ->  5\n"
        "  /sys/class/net/eth0/queues/rx-0/rps_flow_cnt  0    ->  16384\n"
        "  /sys/class/net/eth0/queues/rx-1/rps_cpus      0    ->  a\n"
        "  /sys/class/net/eth0/queues/rx-1/rps_flow_cnt  0    ->  16384\n"
        "  /sys/class/net/eth0/queues/tx-0/xps_cpus      3    ->  5\n"
        "  /sys/class/net/eth0/queues/tx-0/xps_rxqs      0    ->  0  (unchanged)\n"
        "  /sys/class/net/eth0/queues/tx-1/xps_cpus      c    ->  a\n"
        "  /sys/class/net/eth0/queues/tx-1/xps_rxqs      0    ->  0  (unchanged)\n"
        "  /proc/sys/net/core/rps_sock_flow_entries      0    ->  32768\n";
    assert_string_equal(out_text, expected);
    /* The global --dry-run is the same; the workers' CPUs come from the
     * database (pmd-cpu-mask 0x1: CPU 0 last). */
    assert_int_equal(run("set Open_vSwitch . other_config:pmd-cpu-mask=0x1"), 0);
    char *with_pmd = dump_db(db_path);
    assert_int_equal(runf("--dry-run nic/steer eth0 performance --root %s", guest), 0);
    assert_non_null(strstr(out_text, "/proc/irq/25/smp_affinity_list                0-1  ->  1\n"));
    assert_non_null(strstr(out_text, "/proc/irq/24/smp_affinity_list                0-3  ->  1-3\n"));
    char *after = dump_db(db_path);
    assert_string_equal(after, with_pmd);
    free(before);
    free(with_pmd);
    free(after);
    /* irqbalance runs in the two-socket capture.  With CPU 0 a worker's,
     * power-save moves all 9 interrupts to CPU 1 and clears 8 XPS maps. */
    assert_int_equal(runf("nic/steer eth0 power-save --dry-run --root %s --format=json",
                          two_socket), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "changes")), 17);
    assert_int_equal(json_array_size(json_object_get(doc, "settings")), 41);
    const char *warning = json_string_value(json_object_get(doc, "warning"));
    assert_non_null(warning);
    assert_non_null(strstr(warning, "irqbalance (pid 1187) is running"));
    assert_non_null(strstr(warning, "--banirq=120 --banirq=121"));
    json_decref(doc);
}

static void test_bad_input_changes_nothing(void **state)
{
    assert_int_equal(run("nic/steer lo performance --no-wait"), 1);   /* no such option */
    char *before = dump_db(db_path);
    const struct { const char *line, *error; } cases[] = {
        { "nic/steer lo fast", "pontoon: unknown steering mode \"fast\" (performance, "
                               "power-save, off, or a CPU list such as 0-3,8)\n" },
        { "nic/steer lo 1-0", "pontoon: \"1-0\" is not a CPU list (such as 0-3,8)\n" },
        { "nic/steer lo 0,8191", NULL },
        { "nic/steer ptnone0 performance", "pontoon: no network device named ptnone0\n" },
        { "nic/steer lo", "pontoon: 'nic/steer' command requires at least 2 arguments\n" },
        { "nic/steer lo off extra", "pontoon: 'nic/steer' takes at most 2 arguments (see "
                                    "nic/steer --help)\n" },
        { "nic/steer lo performance --root /tmp", "pontoon: --root plans for a captured "
                                                  "tree: only with --dry-run\n" },
        { "nic/steer lo performance --dry-run --root /nonexistent",
          "pontoon: /nonexistent has no sys/class/net: not a captured /sys and /proc\n" },
        { "nic/set-channels lo 0", "pontoon: \"0\" is not a channel count (1 to 4096)\n" },
        { "nic/set-channels ptnone0 2", "pontoon: no network device named ptnone0\n" },
        { "nic/show ptnone0", "pontoon: no network device named ptnone0\n" },
        { "nic/show --bogus", "pontoon: 'nic/show' has no option '--bogus' (see nic/show "
                              "--help)\n" },
        { "nic/show lo -- list-br", "pontoon: 'nic/show' cannot be chained with other "
                                    "commands\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (run(cases[i].line) != 1)
            fail_msg("%s: did not fail", cases[i].line);
        if (cases[i].error && strcmp(err_text, cases[i].error))
            fail_msg("%s: %s", cases[i].line, err_text);
        if (!cases[i].error && !strstr(err_text, "8191 is not online"))
            fail_msg("%s: %s", cases[i].line, err_text);
        char *after = dump_db(db_path);
        assert_string_equal(after, before);
        free(after);
    }
    free(before);
}

/* Stored without a daemon: applied when pontoond starts. */
static void test_policy_is_stored(void **state)
{
    assert_int_equal(run("nic/steer lo performance"), 0);
    assert_string_equal(out_text, "");
    assert_int_equal(run("get NIC lo steering"), 0);
    assert_string_equal(out_text, "performance\n");
    assert_int_equal(run("nic/steer lo 0"), 0);
    assert_int_equal(run("get NIC lo steering"), 0);
    assert_string_equal(out_text, "\"0\"\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_command_help_is_a_manual_page),
        T(test_show_captured_tree_as_json),
        T(test_show_captured_tree_as_text),
        T(test_dry_run_prints_the_plan_and_changes_nothing),
        T(test_bad_input_changes_nothing),
        T(test_policy_is_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
