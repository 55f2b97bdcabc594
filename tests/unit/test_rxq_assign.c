/* Which worker polls which rx queue: round robin, keeping, pinning, rebalance by load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "datapath/rxq_assign.h"

static const int CPUS[2] = { 0, 1 };

static void reset(struct rxq_assign_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        items[i] = (struct rxq_assign_item){ .load = 0, .pinned_cpu = -1, .current = -1 };
}

static void test_new_queues_spread_round_robin(void **state)
{
    struct rxq_assign_item items[4];
    reset(items, 4);
    rxq_assign(items, 4, CPUS, 2, false, NULL);
    unsigned count[2] = { 0 };
    for (int i = 0; i < 4; i++)
        count[items[i].worker]++;
    assert_int_equal(count[0], 2);
    assert_int_equal(count[1], 2);
}

static void test_existing_queues_keep_their_worker(void **state)
{
    struct rxq_assign_item items[3];
    reset(items, 3);
    items[0].current = 1;
    items[1].current = 1;
    rxq_assign(items, 3, CPUS, 2, false, NULL);
    assert_int_equal(items[0].worker, 1);
    assert_int_equal(items[1].worker, 1);
    assert_int_equal(items[2].worker, 0);   /* the new one goes where fewer queues are */
}

static void test_pinned_queue_isolates_its_worker(void **state)
{
    struct rxq_assign_item items[3];
    bool isolated[2];
    reset(items, 3);
    items[0].pinned_cpu = 1;
    items[1].current = 1;                   /* must leave the now isolated worker */
    rxq_assign(items, 3, CPUS, 2, false, isolated);
    assert_int_equal(items[0].worker, 1);
    assert_int_equal(items[1].worker, 0);
    assert_int_equal(items[2].worker, 0);
    assert_false(isolated[0]);
    assert_true(isolated[1]);
}

static void test_pin_to_unknown_core_is_ignored(void **state)
{
    struct rxq_assign_item items[1];
    reset(items, 1);
    items[0].pinned_cpu = 7;
    rxq_assign(items, 1, CPUS, 2, false, NULL);
    assert_true(items[0].worker < 2);
}

static void test_rebalance_spreads_by_load(void **state)
{
    struct rxq_assign_item items[4];
    reset(items, 4);
    /* All on worker 0; loads 90, 50, 40, 10 → heaviest first, least loaded worker. */
    uint64_t loads[4] = { 90, 50, 40, 10 };
    for (int i = 0; i < 4; i++) {
        items[i].load = loads[i];
        items[i].current = 0;
    }
    rxq_assign(items, 4, CPUS, 2, true, NULL);
    assert_int_equal(items[0].worker, 0);   /* 90 */
    assert_int_equal(items[1].worker, 1);   /* 50 */
    assert_int_equal(items[2].worker, 1);   /* 40 → worker 1 has 50 < 90 */
    assert_int_equal(items[3].worker, 0);   /* 10 → tie at 90: the worker with fewer queues */
}

static void test_single_worker_takes_everything(void **state)
{
    struct rxq_assign_item items[3];
    reset(items, 3);
    items[1].pinned_cpu = 0;                /* isolated, but it is the only worker */
    rxq_assign(items, 3, CPUS, 1, false, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(items[i].worker, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_queues_spread_round_robin),
        cmocka_unit_test(test_existing_queues_keep_their_worker),
        cmocka_unit_test(test_pinned_queue_isolates_its_worker),
        cmocka_unit_test(test_pin_to_unknown_core_is_ignored),
        cmocka_unit_test(test_rebalance_spreads_by_load),
        cmocka_unit_test(test_single_worker_takes_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
