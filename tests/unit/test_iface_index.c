/* The running interfaces by (bridge, name) (control/iface_index.c): found
 * again after growth, the same name on two bridges kept apart, removals
 * (with the markers they leave) and re-adds, and lookups that agree with a
 * linear search through churn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/iface_index.h"
#include "control/switch_state.h"

#define N_IFACES 3000

static void make(struct running_iface *iface, const char *bridge, unsigned i)
{
    memset(iface, 0, sizeof *iface);
    snprintf(iface->bridge, sizeof iface->bridge, "%s", bridge);
    snprintf(iface->name, sizeof iface->name, "p%u", i);
}

static void test_add_find_grow(void **state)
{
    (void)state;
    struct iface_index index;
    iface_index_init(&index);
    assert_null(iface_index_find(&index, "br0", "p0"));
    iface_index_remove(&index, &(struct running_iface){ .name = "p0" });   /* empty: no-op */
    struct running_iface *a = calloc(N_IFACES, sizeof *a);
    struct running_iface *b = calloc(N_IFACES, sizeof *b);
    for (unsigned i = 0; i < N_IFACES; i++) {
        make(&a[i], "br0", i);
        make(&b[i], "br1", i);
        assert_int_equal(iface_index_add(&index, &a[i]), 0);
        assert_int_equal(iface_index_add(&index, &b[i]), 0);
    }
    char name[16];
    for (unsigned i = 0; i < N_IFACES; i++) {
        snprintf(name, sizeof name, "p%u", i);
        assert_ptr_equal(iface_index_find(&index, "br0", name), &a[i]);
        assert_ptr_equal(iface_index_find(&index, "br1", name), &b[i]);
    }
    assert_null(iface_index_find(&index, "br2", "p1"));
    assert_null(iface_index_find(&index, "br0", "p999999"));
    /* The key is bridge and name, not their concatenation. */
    assert_null(iface_index_find(&index, "br0p", "1"));

    /* Remove the even ones of br0; the odd ones and br1 stay. */
    for (unsigned i = 0; i < N_IFACES; i += 2)
        iface_index_remove(&index, &a[i]);
    for (unsigned i = 0; i < N_IFACES; i++) {
        snprintf(name, sizeof name, "p%u", i);
        assert_ptr_equal(iface_index_find(&index, "br0", name), i % 2 ? &a[i] : NULL);
        assert_ptr_equal(iface_index_find(&index, "br1", name), &b[i]);
    }
    /* Removing an interface not indexed (or twice) changes nothing. */
    iface_index_remove(&index, &a[0]);
    assert_int_equal(index.n_live, N_IFACES + N_IFACES / 2);
    /* A replacement under the same key is found in place of the old one. */
    struct running_iface fresh;
    make(&fresh, "br0", 0);
    assert_int_equal(iface_index_add(&index, &fresh), 0);
    assert_ptr_equal(iface_index_find(&index, "br0", "p0"), &fresh);
    iface_index_destroy(&index);
    assert_null(iface_index_find(&index, "br0", "p1"));
    free(a);
    free(b);
}

static struct running_iface *linear(struct running_iface **set, size_t n, const char *bridge,
                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(set[i]->bridge, bridge) && !strcmp(set[i]->name, name))
            return set[i];
    return NULL;
}

/* Adds and removes as reconcile does (many replacements, so many removal
 * markers) and checks every lookup against a linear search. */
static void test_churn_matches_linear(void **state)
{
    (void)state;
    enum { KEYS = 200, ROUNDS = 20000 };
    struct iface_index index;
    iface_index_init(&index);
    struct running_iface *set[KEYS];
    size_t n = 0;
    unsigned seed = 12345;
    for (unsigned r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        unsigned key = (seed >> 8) % KEYS;
        char name[16];
        snprintf(name, sizeof name, "p%u", key);
        const char *bridge = key % 3 ? "br0" : "br1";
        struct running_iface *have = linear(set, n, bridge, name);
        assert_ptr_equal(iface_index_find(&index, bridge, name), have);
        if (have) {
            for (size_t i = 0; i < n; i++)
                if (set[i] == have)
                    set[i] = set[--n];
            iface_index_remove(&index, have);
            free(have);
        }
        if (!have || (seed >> 20) % 2) {
            struct running_iface *iface = calloc(1, sizeof *iface);
            make(iface, bridge, key);
            assert_int_equal(iface_index_add(&index, iface), 0);
            set[n++] = iface;
        }
        assert_int_equal(index.n_live, n);
    }
    for (size_t i = 0; i < n; i++)
        free(set[i]);
    iface_index_destroy(&index);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find_grow),
        cmocka_unit_test(test_churn_matches_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
