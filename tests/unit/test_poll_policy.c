/* Poll or sleep (datapath/poll_policy.c) with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "datapath/poll_policy.h"

#define MS 1000000ull
#define US 1000ull

static void test_sleeps_at_once_without_a_window(void **state)
{
    struct poll_policy p = { .window_ns = 0 };
    assert_false(poll_policy_should_poll(&p, 1 * MS));
    poll_policy_traffic(&p, 1 * MS);
    assert_false(poll_policy_should_poll(&p, 1 * MS + 1));
    poll_policy_traffic(&p, 1 * MS + 1);
    assert_false(poll_policy_should_poll(&p, 1 * MS + 2));
}

static void test_polls_for_the_window_after_traffic(void **state)
{
    struct poll_policy p = { .window_ns = 5 * MS };
    assert_false(poll_policy_should_poll(&p, 10 * MS));     /* idle: sleeps */
    poll_policy_traffic(&p, 9 * MS);
    poll_policy_traffic(&p, 10 * MS);
    assert_true(poll_policy_should_poll(&p, 10 * MS));
    assert_true(poll_policy_yields(&p));
    assert_true(poll_policy_after_yield(&p, 2 * US));       /* nobody else wanted the core */
    assert_true(poll_policy_should_poll(&p, 14 * MS));
    /* More traffic moves the window on. */
    poll_policy_traffic(&p, 14 * MS);
    assert_true(poll_policy_should_poll(&p, 18 * MS));
    assert_false(poll_policy_should_poll(&p, 19 * MS));     /* over: sleeps */
    assert_false(poll_policy_should_poll(&p, 500 * MS));
}

static void test_a_lone_packet_does_not_start_polling(void **state)
{
    struct poll_policy p = { .window_ns = 5 * MS };
    poll_policy_traffic(&p, 0);                             /* the first ever */
    assert_true(poll_policy_should_poll(&p, POLL_LONE_NS - 1));     /* for an answer */
    assert_false(poll_policy_should_poll(&p, POLL_LONE_NS));
    poll_policy_traffic(&p, 3000 * MS);                     /* seconds later: still lone */
    assert_false(poll_policy_should_poll(&p, 3000 * MS + POLL_LONE_NS));
    poll_policy_traffic(&p, 3004 * MS);                     /* the next within the window */
    assert_true(poll_policy_should_poll(&p, 3008 * MS));
    assert_false(poll_policy_should_poll(&p, 3009 * MS));
    poll_policy_traffic(&p, 3020 * MS);                     /* after the window ran out */
    assert_false(poll_policy_should_poll(&p, 3020 * MS + POLL_LONE_NS));
}

static void test_a_long_yield_ends_polling_until_the_next_traffic(void **state)
{
    struct poll_policy p = { .window_ns = 5 * MS };
    poll_policy_traffic(&p, 0);
    poll_policy_traffic(&p, 0);
    assert_true(poll_policy_after_yield(&p, POLL_YIELD_BUSY_NS - 1));
    /* Another thread held the core: the worker sleeps, inside the window too. */
    assert_false(poll_policy_after_yield(&p, POLL_YIELD_BUSY_NS));
    assert_false(poll_policy_should_poll(&p, 1 * MS));
    poll_policy_traffic(&p, 2 * MS);
    assert_true(poll_policy_should_poll(&p, 3 * MS));
}

static void test_busy_poll_never_sleeps_nor_yields(void **state)
{
    struct poll_policy p = { .busy_poll = true };
    assert_true(poll_policy_should_poll(&p, 0));
    assert_false(poll_policy_yields(&p));
    assert_true(poll_policy_after_yield(&p, 10 * MS));
    assert_true(poll_policy_should_poll(&p, 1000 * MS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleeps_at_once_without_a_window),
        cmocka_unit_test(test_polls_for_the_window_after_traffic),
        cmocka_unit_test(test_a_lone_packet_does_not_start_polling),
        cmocka_unit_test(test_a_long_yield_ends_polling_until_the_next_traffic),
        cmocka_unit_test(test_busy_poll_never_sleeps_nor_yields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
