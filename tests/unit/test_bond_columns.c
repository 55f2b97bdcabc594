/* Port bond_active_slave as the daemon reads it back (control/bond_columns.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "control/bond_columns.h"

static void test_parses_a_mac(void **state)
{
    uint8_t mac[6];
    assert_true(bond_columns_parse_mac("1a:56:b8:05:d5:88", mac));
    const uint8_t want[6] = { 0x1a, 0x56, 0xb8, 0x05, 0xd5, 0x88 };
    assert_memory_equal(mac, want, 6);
    assert_true(bond_columns_parse_mac("1A:56:B8:05:D5:88", mac));
}

static void test_refuses_what_is_not_one(void **state)
{
    uint8_t mac[6];
    assert_false(bond_columns_parse_mac(NULL, mac));
    assert_false(bond_columns_parse_mac("", mac));
    assert_false(bond_columns_parse_mac("00:00:00:00:00:00", mac));   /* "none active" */
    assert_false(bond_columns_parse_mac("1a:56:b8:05:d5", mac));
    assert_false(bond_columns_parse_mac("1a:56:b8:05:d5:88:00", mac));
    assert_false(bond_columns_parse_mac("1a:56:b8:05:d5:88 ", mac));
    assert_false(bond_columns_parse_mac("zz:56:b8:05:d5:88", mac));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_a_mac),
        cmocka_unit_test(test_refuses_what_is_not_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
