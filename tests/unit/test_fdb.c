/* MAC learning table with a fake clock: learn, lookup, move, aging, the
 * size bound, flushes and dump order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switching/fdb.h"

#define SEC 1000ull

static void mac_of(unsigned n, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = 0;
    mac[2] = (uint8_t)(n >> 24);
    mac[3] = (uint8_t)(n >> 16);
    mac[4] = (uint8_t)(n >> 8);
    mac[5] = (uint8_t)n;
}

static bool learn(struct fdb *fdb, uint16_t vlan, unsigned n, uint32_t port, uint64_t now)
{
    uint8_t mac[6];
    mac_of(n, mac);
    return fdb_learn(fdb, vlan, mac, port, now);
}

static uint32_t lookup(const struct fdb *fdb, uint16_t vlan, unsigned n, uint64_t now)
{
    uint8_t mac[6];
    mac_of(n, mac);
    return fdb_lookup(fdb, vlan, mac, now);
}

static void test_learn_lookup(void **state)
{
    struct fdb *fdb = fdb_create(16, 300);
    assert_non_null(fdb);
    assert_int_equal(fdb_count(fdb), 0);
    assert_int_equal(lookup(fdb, 1, 1, 0), FDB_NO_PORT);

    assert_true(learn(fdb, 1, 1, 5, 1000));
    assert_int_equal(fdb_count(fdb), 1);
    assert_int_equal(lookup(fdb, 1, 1, 1000), 5);
    /* Same MAC, other VLAN: a different entry. */
    assert_int_equal(lookup(fdb, 2, 1, 1000), FDB_NO_PORT);
    assert_true(learn(fdb, 2, 1, 6, 1000));
    assert_int_equal(lookup(fdb, 1, 1, 1000), 5);
    assert_int_equal(lookup(fdb, 2, 1, 1000), 6);
    assert_int_equal(fdb_count(fdb), 2);

    /* Seen again on the same port: refreshed, not reported. */
    assert_false(learn(fdb, 1, 1, 5, 2000));
    assert_int_equal(fdb_count(fdb), 2);
    fdb_destroy(fdb);
    fdb_destroy(NULL);
}

static void test_move(void **state)
{
    struct fdb *fdb = fdb_create(16, 300);
    assert_true(learn(fdb, 1, 1, 5, 0));
    assert_true(learn(fdb, 1, 1, 7, 10));     /* moved */
    assert_int_equal(lookup(fdb, 1, 1, 10), 7);
    assert_int_equal(fdb_count(fdb), 1);
    assert_false(learn(fdb, 1, 1, 7, 20));
    fdb_destroy(fdb);
}

static void test_aging(void **state)
{
    struct fdb *fdb = fdb_create(16, 300);
    learn(fdb, 1, 1, 5, 0);
    learn(fdb, 1, 2, 5, 100 * SEC);
    assert_int_equal(lookup(fdb, 1, 1, 299 * SEC + 999), 5);
    /* At exactly the aging time the entry is gone for lookups... */
    assert_int_equal(lookup(fdb, 1, 1, 300 * SEC), FDB_NO_PORT);
    assert_int_equal(lookup(fdb, 1, 2, 300 * SEC), 5);
    /* ...and for dumps, though still counted until expired. */
    struct fdb_entry out[4];
    assert_int_equal(fdb_dump(fdb, out, 4, 300 * SEC), 1);
    assert_memory_equal(out[0].mac, ((uint8_t[]){ 2, 0, 0, 0, 0, 2 }), 6);
    assert_int_equal(out[0].age_s, 200);
    assert_int_equal(fdb_count(fdb), 2);

    assert_int_equal(fdb_expire(fdb, 300 * SEC), 1);
    assert_int_equal(fdb_count(fdb), 1);
    assert_int_equal(fdb_expire(fdb, 300 * SEC), 0);

    /* Refreshing keeps an entry alive. */
    learn(fdb, 1, 2, 5, 399 * SEC);
    assert_int_equal(fdb_expire(fdb, 400 * SEC), 0);
    assert_int_equal(lookup(fdb, 1, 2, 698 * SEC), 5);
    assert_int_equal(fdb_expire(fdb, 699 * SEC), 1);
    assert_int_equal(fdb_count(fdb), 0);

    /* An expired entry seen again is reported as new. */
    learn(fdb, 1, 3, 5, 0);
    assert_true(learn(fdb, 1, 3, 5, 301 * SEC));
    assert_int_equal(lookup(fdb, 1, 3, 301 * SEC), 5);

    /* A clock that steps back does not age or underflow. */
    assert_int_equal(lookup(fdb, 1, 3, 0), 5);
    assert_int_equal(fdb_dump(fdb, out, 4, 0), 1);
    assert_int_equal(out[0].age_s, 0);
    fdb_destroy(fdb);
}

static void test_eviction_lru(void **state)
{
    struct fdb *fdb = fdb_create(4, 300);
    for (unsigned i = 1; i <= 4; i++) {
        assert_true(learn(fdb, 1, i, i, i));
    }
    /* Touch 1: now 2 is the least recently seen. */
    learn(fdb, 1, 1, 1, 10);
    assert_true(learn(fdb, 1, 5, 5, 11));
    assert_int_equal(fdb_count(fdb), 4);
    assert_int_equal(lookup(fdb, 1, 2, 11), FDB_NO_PORT);
    assert_int_equal(lookup(fdb, 1, 1, 11), 1);
    assert_int_equal(lookup(fdb, 1, 3, 11), 3);
    assert_int_equal(lookup(fdb, 1, 5, 11), 5);

    /* A flood of new MACs never grows the table past its bound. */
    for (unsigned i = 100; i < 1100; i++) {
        learn(fdb, (uint16_t)(i % 7), i, i, 20 + i);
        assert_true(fdb_count(fdb) <= 4);
    }
    for (unsigned i = 1096; i < 1100; i++) {
        assert_int_equal(lookup(fdb, (uint16_t)(i % 7), i, 2000), i);
    }
    assert_int_equal(lookup(fdb, 1095 % 7, 1095, 2000), FDB_NO_PORT);
    fdb_destroy(fdb);
}

static void test_flush(void **state)
{
    struct fdb *fdb = fdb_create(8, 300);
    for (unsigned i = 0; i < 6; i++) {
        learn(fdb, 1, i, i % 2 ? 10 : 20, i);
    }
    fdb_flush_port(fdb, 10);
    assert_int_equal(fdb_count(fdb), 3);
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(lookup(fdb, 1, i, 10), i % 2 ? FDB_NO_PORT : 20);
    }
    fdb_flush_port(fdb, 99);
    assert_int_equal(fdb_count(fdb), 3);
    fdb_flush(fdb);
    assert_int_equal(fdb_count(fdb), 0);
    assert_int_equal(lookup(fdb, 1, 0, 10), FDB_NO_PORT);
    /* Usable to full size again after a flush. */
    for (unsigned i = 0; i < 8; i++) {
        assert_true(learn(fdb, 2, i, 1, 20));
    }
    assert_int_equal(fdb_count(fdb), 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(lookup(fdb, 2, i, 20), 1);
    }
    fdb_destroy(fdb);
}

static void test_dump_order(void **state)
{
    struct fdb *fdb = fdb_create(8, 300);
    learn(fdb, 1, 1, 11, 0);
    learn(fdb, 2, 2, 12, 5 * SEC);
    learn(fdb, 3, 3, 13, 9 * SEC);
    learn(fdb, 1, 1, 11, 10 * SEC);   /* refreshed: now the newest */

    struct fdb_entry out[8];
    assert_int_equal(fdb_dump(fdb, out, 8, 12 * SEC), 3);
    assert_int_equal(out[0].vlan, 2);
    assert_int_equal(out[0].port, 12);
    assert_int_equal(out[0].age_s, 7);
    assert_int_equal(out[0].mac[5], 2);
    assert_int_equal(out[1].vlan, 3);
    assert_int_equal(out[1].age_s, 3);
    assert_int_equal(out[2].vlan, 1);
    assert_int_equal(out[2].port, 11);
    assert_int_equal(out[2].age_s, 2);

    /* Bounded by max. */
    assert_int_equal(fdb_dump(fdb, out, 2, 12 * SEC), 2);
    assert_int_equal(out[1].vlan, 3);
    assert_int_equal(fdb_dump(fdb, out, 0, 12 * SEC), 0);
    fdb_destroy(fdb);
}

static void test_set_limits(void **state)
{
    struct fdb *fdb = fdb_create(8, 300);
    for (unsigned i = 0; i < 8; i++) {
        learn(fdb, 1, i, i, i * SEC);
    }
    /* Shrinking keeps the most recently seen, in order. */
    fdb_set_limits(fdb, 3, 300);
    assert_int_equal(fdb_count(fdb), 3);
    struct fdb_entry out[8];
    assert_int_equal(fdb_dump(fdb, out, 8, 10 * SEC), 3);
    assert_int_equal(out[0].mac[5], 5);
    assert_int_equal(out[1].mac[5], 6);
    assert_int_equal(out[2].mac[5], 7);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(lookup(fdb, 1, i, 10 * SEC), FDB_NO_PORT);
    }
    assert_int_equal(lookup(fdb, 1, 6, 10 * SEC), 6);
    /* The new bound holds: 5 evicts the oldest (5). */
    assert_true(learn(fdb, 1, 100, 1, 11 * SEC));
    assert_int_equal(fdb_count(fdb), 3);
    assert_int_equal(lookup(fdb, 1, 5, 11 * SEC), FDB_NO_PORT);

    /* Growing keeps everything; the aging time changes immediately. */
    fdb_set_limits(fdb, 100, 5);
    assert_int_equal(fdb_count(fdb), 3);
    assert_int_equal(lookup(fdb, 1, 100, 15 * SEC), 1);
    assert_int_equal(lookup(fdb, 1, 6, 15 * SEC), FDB_NO_PORT);
    assert_int_equal(fdb_expire(fdb, 15 * SEC), 2);
    for (unsigned i = 0; i < 100; i++) {
        learn(fdb, 2, i, 2, 16 * SEC);
    }
    assert_int_equal(fdb_count(fdb), 100);
    assert_int_equal(lookup(fdb, 1, 100, 16 * SEC), FDB_NO_PORT);   /* evicted */
    assert_int_equal(lookup(fdb, 2, 0, 16 * SEC), 2);

    /* Same size: only aging changes.  Size 0 is clamped to one entry. */
    fdb_set_limits(fdb, 100, 300);
    assert_int_equal(fdb_count(fdb), 100);
    fdb_set_limits(fdb, 0, 300);
    assert_int_equal(fdb_count(fdb), 1);
    assert_int_equal(lookup(fdb, 2, 99, 16 * SEC), 2);
    fdb_destroy(fdb);
}

static void test_many_entries(void **state)
{
    /* Enough to make chains and the free list do real work. */
    struct fdb *fdb = fdb_create(FDB_DEFAULT_MAX, FDB_DEFAULT_AGING_S);
    for (unsigned i = 0; i < FDB_DEFAULT_MAX; i++) {
        assert_true(learn(fdb, (uint16_t)(i & 0xfff), i, i, 0));
    }
    assert_int_equal(fdb_count(fdb), FDB_DEFAULT_MAX);
    for (unsigned i = 0; i < FDB_DEFAULT_MAX; i++) {
        assert_int_equal(lookup(fdb, (uint16_t)(i & 0xfff), i, 0), i);
    }
    for (unsigned i = 0; i < FDB_DEFAULT_MAX; i += 2) {
        fdb_flush_port(fdb, i);
    }
    assert_int_equal(fdb_count(fdb), FDB_DEFAULT_MAX / 2);
    for (unsigned i = 0; i < FDB_DEFAULT_MAX; i++) {
        assert_int_equal(lookup(fdb, (uint16_t)(i & 0xfff), i, 0), i % 2 ? i : FDB_NO_PORT);
    }
    assert_int_equal(fdb_expire(fdb, FDB_DEFAULT_AGING_S * SEC), FDB_DEFAULT_MAX / 2);
    assert_int_equal(fdb_count(fdb), 0);
    fdb_destroy(fdb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_lookup),
        cmocka_unit_test(test_move),
        cmocka_unit_test(test_aging),
        cmocka_unit_test(test_eviction_lru),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_dump_order),
        cmocka_unit_test(test_set_limits),
        cmocka_unit_test(test_many_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
