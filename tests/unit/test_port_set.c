/* port_set: a bridge's ports as the last reconcile saw them, and the
 * merge that finds what a change added and removed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/port_set.h"

static const char *const U[] = {
    "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004",
    "00000000-0000-4000-8000-000000000005",
};

static void datum_of(struct datum *d, const int *which, size_t n)
{
    datum_init_empty(d);
    d->n = n;
    d->keys = calloc(n ? n : 1, sizeof *d->keys);
    for (size_t i = 0; i < n; i++)
        d->keys[i].string = (char *) U[which[i]];
}

struct seen {
    char log[512];
};

static void on_removed(void *aux, const char *uuid)
{
    struct seen *s = aux;
    strcat(s->log, "-");
    strncat(s->log, uuid + 35, 1);
}

static void on_added(void *aux, const char *uuid)
{
    struct seen *s = aux;
    strcat(s->log, "+");
    strncat(s->log, uuid + 35, 1);
}

static void test_diff_finds_added_and_removed(void **state)
{
    (void) state;
    struct datum a, b;
    /* Unsorted on purpose: the datum's order is not the set's. */
    int old_ports[] = { 3, 0, 1 }, new_ports[] = { 4, 1, 2, 3 };
    datum_of(&a, old_ports, 3);
    datum_of(&b, new_ports, 4);
    struct port_set old, now;
    assert_int_equal(port_set_build(&old, &a), 0);
    assert_int_equal(port_set_build(&now, &b), 0);
    assert_int_equal(old.n, 3);
    assert_true(port_set_has(&old, U[3]));
    assert_false(port_set_has(&old, U[4]));
    struct seen s = { "" };
    port_set_diff(&old, &now, on_removed, on_added, &s);
    assert_string_equal(s.log, "-1+3+5");     /* U[0] gone; U[2], U[4] new */

    /* From nothing (a new bridge), and to nothing (all ports gone). */
    struct port_set empty = { 0 };
    struct seen all = { "" }, none = { "" };
    port_set_diff(&empty, &now, on_removed, on_added, &all);
    assert_string_equal(all.log, "+2+3+4+5");
    port_set_diff(&now, &empty, on_removed, on_added, &none);
    assert_string_equal(none.log, "-2-3-4-5");
    assert_false(port_set_has(&empty, U[0]));
    port_set_free(&old);
    port_set_free(&now);
    free(a.keys);
    free(b.keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_finds_added_and_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
