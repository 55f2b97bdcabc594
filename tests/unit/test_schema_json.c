/* The schema as OVSDB JSON (db/schema_json.c) against the vswitch
 * schema Open vSwitch 3.1 itself ships (Debian's openvswitch-switch, which
 * scripts/install-deps.sh installs for the interoperability tests): every
 * OVS table, column, type, constraint, reference, root flag, row limit and
 * index the same, compared after normalizing the forms OVSDB allows
 * ("integer" and {"type": "integer"} are one type). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "db/schema.h"
#include "db/schema_json.h"

#define OVS_SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

static int compare_json_strings(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *) a),
                  json_string_value(*(json_t *const *) b));
}

/* {"type": ..., constraints}: enum always ["set", [sorted...]], no
 * "refType": "strong". */
static json_t *normal_base(json_t *base)
{
    if (json_is_string(base))
        return json_pack("{s:O}", "type", base);
    json_t *b = json_deep_copy(base);
    json_t *ref_type = json_object_get(b, "refType");
    if (ref_type && !strcmp(json_string_value(ref_type), "strong"))
        json_object_del(b, "refType");
    json_t *e = json_object_get(b, "enum");
    if (e) {
        json_t *values = json_is_array(e) ? json_deep_copy(json_array_get(e, 1))
                                          : json_pack("[O]", e);
        size_t n = json_array_size(values);
        json_t **items = malloc((n ? n : 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = json_incref(json_array_get(values, i));
        qsort(items, n, sizeof *items, compare_json_strings);
        json_t *sorted = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(sorted, items[i]);
        free(items);
        json_decref(values);
        json_object_set_new(b, "enum", json_pack("[s o]", "set", sorted));
    }
    return b;
}

/* {"key": base, "value": base?, "min": n, "max": n | "unlimited"}. */
static json_t *normal_type(json_t *type)
{
    if (json_is_string(type))
        return json_pack("{s:o, s:i, s:i}", "key", normal_base(type), "min", 1, "max", 1);
    json_t *t = json_pack("{s:o}", "key", normal_base(json_object_get(type, "key")));
    json_t *value = json_object_get(type, "value");
    if (value)
        json_object_set_new(t, "value", normal_base(value));
    json_t *min = json_object_get(type, "min"), *max = json_object_get(type, "max");
    json_object_set_new(t, "min", min ? json_incref(min) : json_integer(1));
    json_object_set_new(t, "max", max ? json_incref(max) : json_integer(1));
    return t;
}

static bool flag(json_t *o, const char *key, bool dflt)
{
    json_t *v = json_object_get(o, key);
    return v ? json_is_true(v) : dflt;
}

static void assert_same_column(const char *table, const char *name, json_t *ovs, json_t *ours)
{
    if (!ours)
        fail_msg("%s: column %s is missing", table, name);
    json_t *a = normal_type(json_object_get(ovs, "type"));
    json_t *b = normal_type(json_object_get(ours, "type"));
    if (!json_equal(a, b)) {
        char *ta = json_dumps(a, JSON_SORT_KEYS), *tb = json_dumps(b, JSON_SORT_KEYS);
        fail_msg("%s.%s: OVS has %s, Pontoon %s", table, name, ta, tb);
    }
    json_decref(a);
    json_decref(b);
    if (flag(ovs, "ephemeral", false) != flag(ours, "ephemeral", false)
        || flag(ovs, "mutable", true) != flag(ours, "mutable", true))
        fail_msg("%s.%s: ephemeral or mutable differs", table, name);
}

static void test_every_ovs_table_is_as_ovs_ships_it(void **state)
{
    (void) state;
    json_error_t error;
    json_t *ovs = json_load_file(OVS_SCHEMA, 0, &error);
    if (!ovs)
        fail_msg("%s: %s (install the packages: scripts/install-deps.sh)", OVS_SCHEMA,
                 error.text);
    json_t *ours = schema_to_json();
    assert_string_equal(json_string_value(json_object_get(ours, "name")), "Open_vSwitch");
    assert_string_equal(json_string_value(json_object_get(ours, "version")),
                        json_string_value(json_object_get(ovs, "version")));

    const char *table_name;
    json_t *ovs_table;
    size_t n_tables = 0;
    json_object_foreach(json_object_get(ovs, "tables"), table_name, ovs_table) {
        n_tables++;
        json_t *table = json_object_get(json_object_get(ours, "tables"), table_name);
        if (!table)
            fail_msg("table %s is missing", table_name);
        json_t *ovs_columns = json_object_get(ovs_table, "columns");
        json_t *columns = json_object_get(table, "columns");
        assert_int_equal(json_object_size(columns), json_object_size(ovs_columns));
        const char *column_name;
        json_t *ovs_column;
        json_object_foreach(ovs_columns, column_name, ovs_column)
            assert_same_column(table_name, column_name, ovs_column,
                               json_object_get(columns, column_name));
        if (flag(ovs_table, "isRoot", false) != flag(table, "isRoot", false))
            fail_msg("%s: isRoot differs", table_name);
        json_t *max_rows = json_object_get(ovs_table, "maxRows");
        assert_int_equal(json_integer_value(json_object_get(table, "maxRows")),
                         max_rows ? json_integer_value(max_rows) : 0);
        json_t *indexes = json_object_get(ovs_table, "indexes");
        json_t *empty = json_array();
        if (!json_equal(indexes ? indexes : empty, json_object_get(table, "indexes")
                                                   ? json_object_get(table, "indexes") : empty))
            fail_msg("%s: indexes differ", table_name);
        json_decref(empty);
    }
    assert_int_equal(n_tables, 19);
    /* Pontoon's own tables come after, as roots. */
    assert_true(flag(json_object_get(json_object_get(ours, "tables"), "NIC"), "isRoot", false));
    json_decref(ovs);
    json_decref(ours);
}

/* The forms ovsdb-server prints: a plain atomic type by its bare name,
 * min and max only when not 1, "unlimited" spelled out. */
static void test_compact_forms(void **state)
{
    (void) state;
    json_t *ours = schema_to_json();
    json_t *bridge = json_object_get(json_object_get(ours, "tables"), "Bridge");
    json_t *columns = json_object_get(bridge, "columns");
    char *name = json_dumps(json_object_get(columns, "name"), JSON_SORT_KEYS);
    assert_string_equal(name, "{\"mutable\": false, \"type\": \"string\"}");
    char *ports = json_dumps(json_object_get(columns, "ports"), JSON_SORT_KEYS);
    assert_string_equal(ports, "{\"type\": {\"key\": {\"refTable\": \"Port\", \"type\": \"uuid\"}, "
                               "\"max\": \"unlimited\", \"min\": 0}}");
    free(name);
    free(ports);
    json_decref(ours);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ovs_table_is_as_ovs_ships_it),
        cmocka_unit_test(test_compact_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
