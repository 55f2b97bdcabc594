/* CPU sets as the kernel writes them (host/cpu_list.c): lists ("0-3,8") and
 * hex masks in 32-bit groups, including more than 32 CPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/cpu_list.h"

static void assert_list(const struct cpu_bitmap *set, const char *expected)
{
    char *text = cpu_list_format(set);
    assert_string_equal(text, expected);
    free(text);
}

static void assert_mask(const struct cpu_bitmap *set, unsigned nbits, const char *expected)
{
    char *text = cpu_mask_format(set, nbits);
    assert_string_equal(text, expected);
    free(text);
}

static void test_list_parse_and_format(void **state)
{
    struct cpu_bitmap set;
    assert_int_equal(cpu_list_parse("0-3,8", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 5);
    assert_true(cpu_bitmap_has(&set, 8));
    assert_false(cpu_bitmap_has(&set, 4));
    assert_list(&set, "0-3,8");
    /* The kernel's node cpulist of a two-socket host with threads. */
    assert_int_equal(cpu_list_parse("0-11,24-35\n", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 24);
    assert_list(&set, "0-11,24-35");
    /* Unsorted, overlapping and single-CPU ranges collapse. */
    assert_int_equal(cpu_list_parse("8, 3-5,4,0-0", &set), 0);
    assert_list(&set, "0,3-5,8");
    assert_int_equal(cpu_list_parse("", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 0);
    assert_list(&set, "");
    assert_int_equal(cpu_list_parse("4095", &set), 0);
    assert_list(&set, "4095");
}

static void test_list_rejects_malformed(void **state)
{
    struct cpu_bitmap set;
    const char *bad[] = { "a", "1-", "-1", "3-1", "1,,2", "1,", "0x3", "1 2", "8192",
                          "99999999999", "1-2-3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cpu_list_parse(bad[i], &set), -EINVAL);
}

static void test_mask_parse_more_than_32_cpus(void **state)
{
    struct cpu_bitmap set;
    /* CPU 0 and CPUs 32-63, as rps_cpus prints them on a 64-CPU host. */
    assert_int_equal(cpu_mask_parse("ffffffff,00000001", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 33);
    assert_true(cpu_bitmap_has(&set, 0));
    assert_false(cpu_bitmap_has(&set, 1));
    assert_true(cpu_bitmap_has(&set, 32));
    assert_true(cpu_bitmap_has(&set, 63));
    assert_list(&set, "0,32-63");
    /* 48 CPUs: the first group is cut to 4 digits. */
    assert_int_equal(cpu_mask_parse("0100,10101101\n", &set), 0);
    assert_list(&set, "0,8,12,20,28,40");
    /* pmd-cpu-mask's style: 0x, no commas, longer than 8 digits. */
    assert_int_equal(cpu_mask_parse("0x1000000006", &set), 0);
    assert_list(&set, "1-2,36");
    assert_int_equal(cpu_mask_parse("0", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 0);
    assert_int_equal(cpu_mask_parse("00000000,00000000,00000000,00000000", &set), 0);
    assert_int_equal(cpu_bitmap_count(&set), 0);
}

static void test_mask_rejects_malformed(void **state)
{
    struct cpu_bitmap set;
    const char *bad[] = { "", "g", "1,", ",1", "1,,1", "123456789,00000000", "0x", "3-4" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cpu_mask_parse(bad[i], &set), -EINVAL);
}

static void test_mask_format_as_the_kernel(void **state)
{
    struct cpu_bitmap set;
    cpu_list_parse("0-1", &set);
    assert_mask(&set, 2, "3");
    cpu_list_parse("", &set);
    assert_mask(&set, 2, "0");
    assert_mask(&set, 48, "0000,00000000");
    assert_mask(&set, 64, "00000000,00000000");
    assert_mask(&set, 256, "00000000,00000000,00000000,00000000,"
                           "00000000,00000000,00000000,00000000");
    cpu_list_parse("0,8,12,20,28,40", &set);
    assert_mask(&set, 48, "0100,10101101");
    cpu_list_parse("0-47", &set);
    assert_mask(&set, 48, "ffff,ffffffff");
    cpu_list_parse("0", &set);
    assert_mask(&set, 64, "00000000,00000001");
    assert_mask(&set, 4, "1");
    /* A CPU beyond nbits widens the mask rather than vanishing. */
    cpu_list_parse("40", &set);
    assert_mask(&set, 4, "100,00000000");
}

static void test_mask_and_list_round_trip(void **state)
{
    struct cpu_bitmap a, b;
    cpu_list_parse("1,5-9,31-33,63-64,127,200", &a);
    char *mask = cpu_mask_format(&a, 256);
    assert_int_equal(cpu_mask_parse(mask, &b), 0);
    assert_true(cpu_bitmap_equal(&a, &b));
    free(mask);
    assert_int_equal(cpu_bitmap_span(&a), 201);
    assert_int_equal(cpu_bitmap_next(&a, 10), 31);
    assert_int_equal(cpu_bitmap_next(&a, 201), -1);
    int n = 0;
    CPU_BITMAP_FOR_EACH(cpu, &a)
        n += cpu > 0;
    assert_int_equal(n, 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_parse_and_format),
        cmocka_unit_test(test_list_rejects_malformed),
        cmocka_unit_test(test_mask_parse_more_than_32_cpus),
        cmocka_unit_test(test_mask_rejects_malformed),
        cmocka_unit_test(test_mask_format_as_the_kernel),
        cmocka_unit_test(test_mask_and_list_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
