/* Bridge datapath_id as the daemon derives it (control/bridge_columns.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "control/bridge_columns.h"

static void test_from_the_bridge_mac(void **state)
{
    const uint8_t mac[6] = { 0x0e, 0xb9, 0x22, 0x5e, 0x0d, 0x44 };
    char dpid[17];
    assert_true(bridge_datapath_id(NULL, mac, dpid));
    assert_string_equal(dpid, "00000eb9225e0d44");        /* as OVS 3.1 printed it */
}

static void test_configured_wins_when_valid(void **state)
{
    const uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 };
    char dpid[17];
    assert_true(bridge_datapath_id("00000000000000AB", mac, dpid));
    assert_string_equal(dpid, "00000000000000ab");
    /* Not 16 hex digits: ignored, as OVS does. */
    assert_true(bridge_datapath_id("0xab", mac, dpid));
    assert_string_equal(dpid, "0000010203040506");
    assert_true(bridge_datapath_id("000000000000000g", mac, dpid));
    assert_string_equal(dpid, "0000010203040506");
    assert_false(bridge_datapath_id("nothex", NULL, dpid));
    assert_true(bridge_datapath_id("0123456789abcdef", NULL, dpid));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_the_bridge_mac),
        cmocka_unit_test(test_configured_wins_when_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
