/* VLAN policy: every mode's ingress and egress table, as Open vSwitch
 * defines tag, trunks and vlan_mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "switching/vlan.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DROP (-1)
#define NO   0      /* egress refused */
#define UNTAG 1     /* egress without a header */
#define TAG  2      /* egress with a header */

static struct vlan_policy build_ok(int64_t tag, const int64_t *trunks, size_t n,
                                   const char *mode)
{
    struct vlan_policy p;
    const char *error = "unset";
    assert_int_equal(vlan_policy_build(&p, tag, trunks, n, mode, &error), 0);
    assert_null(error);
    return p;
}

static int egress(const struct vlan_policy *p, uint16_t vlan)
{
    bool tag_it = true;
    if (!vlan_egress(p, vlan, &tag_it)) {
        assert_false(tag_it);
        return NO;
    }
    return tag_it ? TAG : UNTAG;
}

/* Ingress: untagged, priority-tagged (vid 0) and a few tagged VIDs. */
struct admit_case { bool tagged; uint16_t vid; int vlan; };
/* Egress per VLAN. */
struct egress_case { uint16_t vlan; int result; };

static void check(const struct vlan_policy *p, const struct admit_case *a, size_t na,
                  const struct egress_case *e, size_t ne)
{
    for (size_t i = 0; i < na; i++) {
        int got = vlan_admit(p, a[i].tagged, a[i].vid);
        if (got != a[i].vlan) {
            fail_msg("admit case %zu (tagged %d vid %u): got %d, want %d", i, a[i].tagged,
                     a[i].vid, got, a[i].vlan);
        }
    }
    for (size_t i = 0; i < ne; i++) {
        int got = egress(p, e[i].vlan);
        if (got != e[i].result) {
            fail_msg("egress case %zu (vlan %u): got %d, want %d", i, e[i].vlan, got,
                     e[i].result);
        }
    }
}

static void test_default_is_trunk_all(void **state)
{
    struct vlan_policy p = build_ok(-1, NULL, 0, NULL);
    assert_int_equal(p.mode, VLAN_MODE_TRUNK);
    assert_int_equal(p.tag, -1);
    assert_true(p.trunks_all);
    const struct admit_case a[] = {
        { false, 0, 0 }, { true, 0, 0 }, { true, 1, 1 }, { true, 100, 100 },
        { true, 4095, 4095 },
    };
    const struct egress_case e[] = { { 0, UNTAG }, { 1, TAG }, { 100, TAG }, { 4095, TAG } };
    check(&p, a, N(a), e, N(e));
    /* "" is unset too. */
    p = build_ok(-1, NULL, 0, "");
    assert_int_equal(p.mode, VLAN_MODE_TRUNK);
}

static void test_tag_alone_is_access(void **state)
{
    /* Trunks are ignored in favour of the implicit access VLAN. */
    const int64_t trunks[] = { 20, 30 };
    struct vlan_policy p = build_ok(10, trunks, N(trunks), NULL);
    assert_int_equal(p.mode, VLAN_MODE_ACCESS);
    assert_int_equal(p.tag, 10);
    const struct admit_case a[] = {
        { false, 0, 10 }, { true, 0, 10 },     /* priority-tagged is untagged */
        { true, 10, DROP },                    /* even its own VLAN tagged */
        { true, 20, DROP }, { true, 30, DROP },
    };
    const struct egress_case e[] = {
        { 10, UNTAG }, { 0, NO }, { 20, NO }, { 30, NO }, { 11, NO },
    };
    check(&p, a, N(a), e, N(e));
}

static void test_explicit_access(void **state)
{
    struct vlan_policy p = build_ok(5, NULL, 0, "access");
    assert_int_equal(p.mode, VLAN_MODE_ACCESS);
    const struct admit_case a[] = { { false, 0, 5 }, { true, 5, DROP }, { true, 6, DROP } };
    const struct egress_case e[] = { { 5, UNTAG }, { 0, NO }, { 6, NO } };
    check(&p, a, N(a), e, N(e));

    /* Access on VLAN 0. */
    p = build_ok(0, NULL, 0, "access");
    const struct admit_case a0[] = { { false, 0, 0 }, { true, 0, 0 }, { true, 1, DROP } };
    const struct egress_case e0[] = { { 0, UNTAG }, { 1, NO } };
    check(&p, a0, N(a0), e0, N(e0));
}

static void test_trunk_list(void **state)
{
    const int64_t trunks[] = { 10, 20, 5000, -3 };   /* out of range ignored */
    struct vlan_policy p = build_ok(-1, trunks, N(trunks), "trunk");
    assert_false(p.trunks_all);
    const struct admit_case a[] = {
        { false, 0, DROP }, { true, 0, DROP },  /* VLAN 0 not in the list */
        { true, 10, 10 }, { true, 20, 20 }, { true, 30, DROP }, { true, 4095, DROP },
    };
    const struct egress_case e[] = {
        { 0, NO }, { 10, TAG }, { 20, TAG }, { 30, NO }, { 4095, NO },
    };
    check(&p, a, N(a), e, N(e));
}

static void test_trunk_list_with_zero(void **state)
{
    const int64_t trunks[] = { 0, 10 };
    struct vlan_policy p = build_ok(-1, trunks, N(trunks), NULL);
    const struct admit_case a[] = { { false, 0, 0 }, { true, 10, 10 }, { true, 11, DROP } };
    const struct egress_case e[] = { { 0, UNTAG }, { 10, TAG }, { 11, NO } };
    check(&p, a, N(a), e, N(e));
}

static void test_trunk_ignores_tag(void **state)
{
    const int64_t trunks[] = { 10 };
    struct vlan_policy p = build_ok(7, trunks, N(trunks), "trunk");
    assert_int_equal(p.tag, -1);
    const struct admit_case a[] = { { false, 0, DROP }, { true, 7, DROP }, { true, 10, 10 } };
    const struct egress_case e[] = { { 7, NO }, { 10, TAG } };
    check(&p, a, N(a), e, N(e));

    /* Only out-of-range trunks: as if the column were empty. */
    const int64_t bad[] = { 4096 };
    p = build_ok(-1, bad, N(bad), "trunk");
    assert_true(p.trunks_all);
}

static void test_native_tagged(void **state)
{
    const int64_t trunks[] = { 20, 30 };
    struct vlan_policy p = build_ok(10, trunks, N(trunks), "native-tagged");
    assert_int_equal(p.mode, VLAN_MODE_NATIVE_TAGGED);
    assert_int_equal(p.tag, 10);
    const struct admit_case a[] = {
        { false, 0, 10 }, { true, 0, 10 },
        { true, 10, 10 },                      /* native VLAN implicitly trunked */
        { true, 20, 20 }, { true, 30, 30 }, { true, 40, DROP },
    };
    const struct egress_case e[] = {
        { 10, TAG }, { 20, TAG }, { 30, TAG }, { 40, NO }, { 0, NO },
    };
    check(&p, a, N(a), e, N(e));
}

static void test_native_untagged(void **state)
{
    const int64_t trunks[] = { 20 };
    struct vlan_policy p = build_ok(10, trunks, N(trunks), "native-untagged");
    assert_int_equal(p.mode, VLAN_MODE_NATIVE_UNTAGGED);
    const struct admit_case a[] = {
        { false, 0, 10 }, { true, 0, 10 }, { true, 10, 10 }, { true, 20, 20 },
        { true, 21, DROP },
    };
    const struct egress_case e[] = { { 10, UNTAG }, { 20, TAG }, { 21, NO }, { 0, NO } };
    check(&p, a, N(a), e, N(e));
}

static void test_native_without_trunks_carries_all(void **state)
{
    /* Trunks empty: every VLAN but 0 (OVS never trunks VLAN 0 on a native port). */
    struct vlan_policy p = build_ok(10, NULL, 0, "native-untagged");
    const struct admit_case a[] = {
        { false, 0, 10 }, { true, 0, 10 }, { true, 10, 10 }, { true, 4095, 4095 },
        { true, 1, 1 },
    };
    const struct egress_case e[] = {
        { 0, NO }, { 1, TAG }, { 10, UNTAG }, { 4095, TAG },
    };
    check(&p, a, N(a), e, N(e));

    /* Trunks naming 0 explicitly: still not trunked. */
    const int64_t trunks[] = { 0, 5 };
    p = build_ok(10, trunks, N(trunks), "native-tagged");
    const struct egress_case e2[] = { { 0, NO }, { 5, TAG }, { 10, TAG }, { 6, NO } };
    check(&p, NULL, 0, e2, N(e2));
}

static void test_native_vlan_zero(void **state)
{
    /* Native VLAN 0 leaves untagged even in native-tagged mode. */
    const int64_t trunks[] = { 10 };
    struct vlan_policy p = build_ok(0, trunks, N(trunks), "native-tagged");
    const struct admit_case a[] = { { false, 0, 0 }, { true, 10, 10 }, { true, 11, DROP } };
    const struct egress_case e[] = { { 0, UNTAG }, { 10, TAG }, { 11, NO } };
    check(&p, a, N(a), e, N(e));
}

static void test_errors(void **state)
{
    struct vlan_policy p;
    const char *error = NULL;
    assert_int_equal(vlan_policy_build(&p, -1, NULL, 0, "access", &error), -EINVAL);
    assert_string_equal(error, "vlan_mode access requires a tag");
    assert_int_equal(vlan_policy_build(&p, -1, NULL, 0, "native-tagged", &error), -EINVAL);
    assert_string_equal(error, "vlan_mode native-tagged requires a tag");
    assert_int_equal(vlan_policy_build(&p, -1, NULL, 0, "native-untagged", &error), -EINVAL);
    assert_string_equal(error, "vlan_mode native-untagged requires a tag");
    assert_int_equal(vlan_policy_build(&p, 10, NULL, 0, "dot1q-tunnel", &error), -EINVAL);
    assert_string_equal(error, "vlan_mode dot1q-tunnel is not supported");
    assert_int_equal(vlan_policy_build(&p, 10, NULL, 0, "bogus", &error), -EINVAL);
    assert_string_equal(error, "unknown vlan_mode bogus");
    assert_int_equal(vlan_policy_build(&p, 4096, NULL, 0, NULL, &error), -EINVAL);
    assert_non_null(error);
    /* Case matters, as in the OVS schema. */
    assert_int_equal(vlan_policy_build(&p, 10, NULL, 0, "Access", &error), -EINVAL);
    /* A NULL error pointer is allowed. */
    assert_int_equal(vlan_policy_build(&p, -1, NULL, 0, "access", NULL), -EINVAL);
}

static void test_names_and_bounds(void **state)
{
    assert_string_equal(vlan_mode_name(VLAN_MODE_TRUNK), "trunk");
    assert_string_equal(vlan_mode_name(VLAN_MODE_ACCESS), "access");
    assert_string_equal(vlan_mode_name(VLAN_MODE_NATIVE_TAGGED), "native-tagged");
    assert_string_equal(vlan_mode_name(VLAN_MODE_NATIVE_UNTAGGED), "native-untagged");
    struct vlan_policy p = build_ok(-1, NULL, 0, NULL);
    /* Egress of an impossible VLAN, and a NULL tag_it. */
    assert_false(vlan_egress(&p, 4096, NULL));
    assert_true(vlan_egress(&p, 5, NULL));
    /* Bits above the VID (PCP/DEI) are ignored at ingress. */
    const int64_t trunks[] = { 5 };
    p = build_ok(-1, trunks, N(trunks), NULL);
    assert_int_equal(vlan_admit(&p, true, 0xa005), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_trunk_all),
        cmocka_unit_test(test_tag_alone_is_access),
        cmocka_unit_test(test_explicit_access),
        cmocka_unit_test(test_trunk_list),
        cmocka_unit_test(test_trunk_list_with_zero),
        cmocka_unit_test(test_trunk_ignores_tag),
        cmocka_unit_test(test_native_tagged),
        cmocka_unit_test(test_native_untagged),
        cmocka_unit_test(test_native_without_trunks_carries_all),
        cmocka_unit_test(test_native_vlan_zero),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_names_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
