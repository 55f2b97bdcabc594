/* Interface.statistics (control/iface_stats.c): the map the daemon writes
 * and the interval it writes it at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/iface_stats.h"
#include "db/schema.h"
#include "datapath/datapath.h"
#include "netdev/netdev.h"

static const struct column_def *statistics_column(void)
{
    const struct column_def *col;
    char *err = NULL;
    assert_int_equal(schema_find_column(schema_find_table("Interface"), "statistics", &col, &err),
                     0);
    return col;
}

static int64_t value_of(const struct datum *d, const char *key)
{
    const union atom *v = datum_map_get(d, key);
    assert_non_null(v);
    return v->integer;
}

static void test_counters_of_a_port(void **state)
{
    const struct column_def *col = statistics_column();
    struct dp_port_stats dp = { .rx_packets = 10, .rx_bytes = 1000, .rx_dropped = 2,
                                .tx_packets = 7, .tx_bytes = 700, .tx_dropped = 1 };
    /* The netdev's own tx counters are the same frames as the datapath's:
     * only its rx drops (below the datapath) and errors are added. */
    struct netdev_stats ns = { .rx_packets = 12, .rx_dropped = 3, .rx_errors = 4,
                               .tx_packets = 7, .tx_dropped = 1, .tx_errors = 5 };
    struct datum d;
    iface_statistics(&dp, &ns, NULL, col, &d);
    assert_int_equal(d.n, 8);
    /* Sorted, as OVS prints a map. */
    const char *keys[] = { "rx_bytes", "rx_dropped", "rx_errors", "rx_packets",
                           "tx_bytes", "tx_dropped", "tx_errors", "tx_packets" };
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(d.keys[i].string, keys[i]);
    assert_int_equal(value_of(&d, "rx_packets"), 10);
    assert_int_equal(value_of(&d, "rx_bytes"), 1000);
    assert_int_equal(value_of(&d, "rx_dropped"), 2 + 3);
    assert_int_equal(value_of(&d, "rx_errors"), 4);
    assert_int_equal(value_of(&d, "tx_packets"), 7);
    assert_int_equal(value_of(&d, "tx_bytes"), 700);
    assert_int_equal(value_of(&d, "tx_dropped"), 1);
    assert_int_equal(value_of(&d, "tx_errors"), 5);
    datum_destroy(&d, col);
}

static void test_patch_port_has_no_netdev(void **state)
{
    const struct column_def *col = statistics_column();
    struct dp_port_stats dp = { .rx_packets = 3, .tx_packets = 4 };
    struct datum d;
    iface_statistics(&dp, NULL, NULL, col, &d);
    assert_int_equal(d.n, 8);
    assert_int_equal(value_of(&d, "rx_packets"), 3);
    assert_int_equal(value_of(&d, "tx_packets"), 4);
    assert_int_equal(value_of(&d, "rx_errors"), 0);
    datum_destroy(&d, col);
}

static void test_vhost_port_adds_retry_counters(void **state)
{
    const struct column_def *col = statistics_column();
    struct dp_port_stats dp = { 0 };
    const uint64_t vhost[2] = { 6, 9 };
    struct datum d;
    iface_statistics(&dp, NULL, vhost, col, &d);
    assert_int_equal(d.n, 10);
    assert_int_equal(value_of(&d, "ovs_tx_retries"), 6);
    assert_int_equal(value_of(&d, "ovs_tx_failure_drops"), 9);
    assert_string_equal(d.keys[0].string, "ovs_tx_failure_drops");
    datum_destroy(&d, col);
}

static void test_interval_as_ovs(void **state)
{
    assert_int_equal(iface_stats_interval_ms(NULL), 5000);
    assert_int_equal(iface_stats_interval_ms(""), 5000);
    assert_int_equal(iface_stats_interval_ms("10000"), 10000);
    assert_int_equal(iface_stats_interval_ms("1000"), 5000);     /* below the minimum */
    assert_int_equal(iface_stats_interval_ms("5s"), 5000);       /* not a number */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_of_a_port),
        cmocka_unit_test(test_patch_port_has_no_netdev),
        cmocka_unit_test(test_vhost_port_adds_retry_counters),
        cmocka_unit_test(test_interval_as_ovs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
