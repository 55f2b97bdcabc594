/* Values: ovs-vsctl text syntax (parse and print), OVSDB JSON, set and map
 * operations, and the schema's name lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db/datum.h"
#include "db/schema.h"

static const struct table_def *table(const char *name)
{
    const struct table_def *t = schema_find_table(name);
    assert_non_null(t);
    return t;
}

static const struct column_def *column(const char *tname, const char *cname)
{
    const struct column_def *col = NULL;
    char *error = NULL;
    assert_int_equal(schema_find_column(table(tname), cname, &col, &error), 0);
    assert_null(error);
    return col;
}

/* Parses `in`, prints it back and compares with `out`. */
static void round_trip(const char *tname, const char *cname, const char *in, const char *out)
{
    const struct column_def *col = column(tname, cname);
    struct datum d;
    char *error = NULL;
    if (datum_from_string(&d, col, in, &error)) {
        fail_msg("%s.%s = %s: %s", tname, cname, in, error);
    }
    char *text = datum_to_string(&d, col);
    assert_string_equal(text, out);

    /* Printing reads back to the same value. */
    struct datum again;
    assert_int_equal(datum_from_string(&again, col, text, &error), 0);
    assert_true(datum_equals(&d, &again, col));

    /* And so does the JSON encoding. */
    json_t *json = datum_to_json(&d, col);
    struct datum from_json;
    assert_int_equal(datum_from_json(&from_json, col, json, &error), 0);
    assert_true(datum_equals(&d, &from_json, col));
    json_decref(json);

    datum_destroy(&from_json, col);
    datum_destroy(&again, col);
    datum_destroy(&d, col);
    free(text);
}

static void parse_error(const char *tname, const char *cname, const char *in,
                        const char *expected)
{
    const struct column_def *col = column(tname, cname);
    struct datum d;
    char *error = NULL;
    assert_int_equal(datum_from_string(&d, col, in, &error), -1);
    assert_non_null(error);
    assert_string_equal(error, expected);
    assert_int_equal(d.n, 0);
    free(error);
}

static void test_schema_tables(void **state)
{
    (void) state;
    assert_string_equal(table("port")->name, "Port");
    assert_string_equal(table("INTERFACE")->name, "Interface");
    assert_string_equal(table("br")->name, "Bridge");
    assert_string_equal(table("open_vswitch")->name, "Open_vSwitch");
    assert_null(schema_find_table("nosuchtable"));
    assert_null(schema_find_table(""));          /* every table matches */
    /* As vswitch.ovsschema 8.3.1 has them. */
    assert_int_equal(schema_n_tables, 19 + 3);
    assert_true(table("Open_vSwitch")->is_root);
    assert_int_equal(table("Open_vSwitch")->max_rows, 1);
    assert_false(table("Bridge")->is_root);
    assert_false(table("Port")->is_root);
    assert_true(table("QoS")->is_root);
    assert_false(table("Mirror")->is_root);
    assert_int_equal(table("SSL")->max_rows, 1);
    assert_null(table("Open_vSwitch")->name_column);
    assert_string_equal(table("Interface")->name_column, "name");
    assert_string_equal(table("Manager")->name_column, "target");
    assert_string_equal(table("Flow_Sample_Collector_Set")->index[1], "bridge");
    assert_true(table("NIC")->is_root);
}

static void test_schema_columns(void **state)
{
    (void) state;
    const struct column_def *col;
    char *error = NULL;

    assert_string_equal(column("Port", "trunk")->name, "trunks");
    assert_string_equal(column("Port", "ta")->name, "tag");
    assert_string_equal(column("Interface", "external-ids")->name, "external_ids");
    assert_string_equal(column("Interface", "EXTERNAL_IDS")->name, "external_ids");
    assert_string_equal(column("Interface", "type")->name, "type");
    assert_string_equal(column("Port", "name")->name, "name");

    assert_int_equal(schema_find_column(table("Port"), "nocolumn", &col, &error), -1);
    assert_null(col);
    assert_string_equal(error, "Port does not contain a column whose name matches \"nocolumn\"");
    free(error);

    assert_int_equal(schema_find_column(table("Port"), "t", &col, &error), -1);
    assert_string_equal(error,
                        "Port contains more than one column whose name matches \"t\": tag, trunks");
    free(error);

    /* Every column that ovs-vsctl 3.1 lists. */
    static const char *const port_cols[] = {
        "bond_active_slave", "bond_downdelay", "bond_fake_iface", "bond_mode", "bond_updelay",
        "cvlans", "external_ids", "fake_bridge", "interfaces", "lacp", "mac", "name",
        "other_config", "protected", "qos", "rstp_statistics", "rstp_status", "statistics",
        "status", "tag", "trunks", "vlan_mode",
    };
    const struct table_def *port = table("Port");
    assert_int_equal(port->n_columns, sizeof port_cols / sizeof *port_cols);
    for (size_t i = 0; i < port->n_columns; i++) {
        assert_string_equal(port->columns[i].name, port_cols[i]);
        assert_int_equal(schema_column_index(port, &port->columns[i]), i);
    }
    assert_int_equal(table("Interface")->n_columns, 35);
    assert_int_equal(table("Bridge")->n_columns, 22);

    col = column("Port", "interfaces");
    assert_int_equal(col->n_min, 1);
    assert_string_equal(col->key.ref_table, "Interface");
    assert_false(col->key.weak);
    assert_true(column("Mirror", "select_src_port")->key.weak);
    assert_string_equal(column("Port", "qos")->key.ref_table, "QoS");
    assert_true(column("Interface", "statistics")->ephemeral);
    assert_false(column("Interface", "ofport")->ephemeral);
    assert_true(column("Interface", "name")->immutable);
    assert_false(column("Interface", "type")->immutable);
}

static void test_integers(void **state)
{
    (void) state;
    round_trip("Port", "tag", "2", "2");
    round_trip("Port", "tag", "[]", "[]");
    round_trip("Port", "tag", "[5]", "5");
    round_trip("Port", "bond_updelay", "-100", "-100");
    round_trip("Interface", "link_speed", "10000000000", "10000000000");
    parse_error("Port", "tag", "5000",
                "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
    parse_error("Port", "tag", "abc", "\"abc\" is not a valid integer or range");
    parse_error("Port", "tag", "1,2", "1,2: 2 value(s) specified but the maximum number is 1");
    parse_error("Interface", "ingress_policing_rate", "-1",
                "constraint violation: -1 is less than minimum allowed value 0");
    parse_error("Port", "tag", "", "use \"[]\" to specify the empty set");
    parse_error("Port", "bond_updelay", "99999999999999999999",
                "\"99999999999999999999\" is not a valid integer or range");

    /* A single atom takes no range. */
    const struct column_def *tag = column("Port", "tag");
    union atom atom;
    char *error = NULL;
    assert_int_equal(atom_from_string(&atom, &tag->key, "abc", &error), -1);
    assert_string_equal(error, "\"abc\" is not a valid integer");
    free(error);
    assert_int_equal(atom_from_string(&atom, &tag->key, "42", &error), 0);
    assert_int_equal(atom.integer, 42);
}

static void test_sets(void **state)
{
    (void) state;
    round_trip("Port", "trunks", "[2,3]", "[2, 3]");
    round_trip("Port", "trunks", "3, 2", "[2, 3]");
    round_trip("Port", "trunks", "42,47", "[42, 47]");
    round_trip("Port", "trunks", "[]", "[]");
    round_trip("Port", "trunks", "7", "[7]");
    round_trip("Port", "trunks", " [ 1 , 2 ] ", "[1, 2]");
    round_trip("Port", "trunks", "10-12,20", "[10, 11, 12, 20]");
    round_trip("Bridge", "protocols", "OpenFlow13,OpenFlow10", "[OpenFlow10, OpenFlow13]");
    parse_error("Port", "trunks", "[1,1]", "[1,1]: set contains duplicate value");
    parse_error("Port", "trunks", "[1,2", "[1,2: missing \"]\" at end of data");
    parse_error("Port", "trunks", "[1] x", "[1] x: trailing garbage after \"]\"");
    parse_error("Port", "trunks", "1,4096",
                "constraint violation: 4096 is not in the valid range 0 to 4095 (inclusive)");
    parse_error("Port", "trunks", "5-3",
                "\"5-3\" is not a valid range. Range end cannot be before start.");
    parse_error("Port", "trunks", "{1}", "{1}: unexpected \"{\" parsing set of up to 4096 integers");
}

static void test_uuids(void **state)
{
    (void) state;
    round_trip("Port", "interfaces",
               "[620a04da-7a5c-45cb-a1b1-7c76f8a9d7f2, 5FA21732-87A2-4D3F-9293-311CEC1E05D5]",
               "[5fa21732-87a2-4d3f-9293-311cec1e05d5, 620a04da-7a5c-45cb-a1b1-7c76f8a9d7f2]");
    round_trip("Port", "qos", "5fa21732-87a2-4d3f-9293-311cec1e05d5",
               "5fa21732-87a2-4d3f-9293-311cec1e05d5");
    parse_error("Port", "qos", "nope", "\"nope\" is not a valid UUID");
    parse_error("Port", "interfaces", "[]",
                "[]: 0 value(s) specified but the minimum number is 1");
}

static void test_strings_and_enums(void **state)
{
    (void) state;
    round_trip("Interface", "type", "internal", "internal");
    round_trip("Interface", "type", "\"\"", "\"\"");
    round_trip("Port", "mac", "\"52:54:00:12:34:56\"", "\"52:54:00:12:34:56\"");
    round_trip("Port", "bond_active_slave", "\"1a:56:b8:05:d5:88\"", "\"1a:56:b8:05:d5:88\"");
    round_trip("Port", "mac", "[]", "[]");
    round_trip("Interface", "name", "\"true\"", "\"true\"");
    round_trip("Interface", "name", "\"a b\\\"c\\n\"", "\"a b\\\"c\\n\"");
    round_trip("Interface", "name", "vnet0", "vnet0");
    round_trip("Interface", "name", "\"1.6\"", "\"1.6\"");
    round_trip("Interface", "name", "\"caf\\u00e9\"", "\"caf\xc3\xa9\"");
    /* A uuid-looking string is quoted so it does not read back as a uuid. */
    round_trip("Interface", "name", "\"6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11\"",
               "\"6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11\"");
    /* A backslash outside quotes takes the next character literally. */
    round_trip("Interface", "name", "a\\,b", "\"a,b\"");
    round_trip("Port", "vlan_mode", "native-untagged", "native-untagged");
    round_trip("Port", "vlan_mode", "[]", "[]");
    round_trip("Bridge", "fail_mode", "secure", "secure");
    parse_error("Port", "vlan_mode", "foo",
                "constraint violation: foo is not one of the allowed values ([access, "
                "dot1q-tunnel, native-tagged, native-untagged, trunk])");
    parse_error("Interface", "name", "\"abc", "\"abc: quoted string extends past end of argument");
    parse_error("Interface", "name", "\"a\\q\"", "\"a\\q\": bad escape");
    parse_error("Interface", "name", "a:b", "a:b: unexpected \":\" parsing string");

    const struct column_def *name = column("Interface", "name");
    union atom atom;
    char *error = NULL;
    assert_int_equal(atom_from_string(&atom, &name->key, "\"52:54:00:12:34:56\"", &error), 0);
    assert_string_equal(atom.string, "52:54:00:12:34:56");
    free(atom.string);
    assert_int_equal(atom_from_string(&atom, &name->key, "", &error), -1);
    free(error);
    assert_int_equal(atom_from_string(&atom, &name->key, "\xff", &error), -1);
    assert_string_equal(error, "constraint violation: not a valid UTF-8 string");
    free(error);
}

static void test_booleans_and_reals(void **state)
{
    (void) state;
    round_trip("Bridge", "stp_enable", "true", "true");
    round_trip("Bridge", "stp_enable", "false", "false");
    round_trip("Interface", "lacp_current", "[]", "[]");
    parse_error("Bridge", "stp_enable", "maybe",
                "\"maybe\" is not a valid boolean (use \"true\" or \"false\")");

    static const struct column_def real_col = {
        .name = "r", .key = { .type = ATOM_REAL }, .value = { .type = ATOM_NONE },
        .n_min = 1, .n_max = 1,
    };
    struct datum d;
    char *error = NULL;
    assert_int_equal(datum_from_string(&d, &real_col, "1.5", &error), 0);
    char *text = datum_to_string(&d, &real_col);
    assert_string_equal(text, "1.5");
    free(text);
    json_t *json = datum_to_json(&d, &real_col);
    assert_true(json_is_real(json));
    json_decref(json);
    datum_destroy(&d, &real_col);
    assert_int_equal(datum_from_string(&d, &real_col, "x", &error), -1);
    assert_string_equal(error, "\"x\" is not a valid real number");
    free(error);
}

static void test_maps(void **state)
{
    (void) state;
    round_trip("Interface", "external_ids", "{}", "{}");
    round_trip("Interface", "external_ids", "{attached-mac=\"52:54:00:12:34:56\", iface-id=x}",
               "{attached-mac=\"52:54:00:12:34:56\", iface-id=x}");
    round_trip("Interface", "external_ids", "iface-status=active",
               "{iface-status=active}");
    round_trip("Interface", "options", "b=2,a=1", "{a=\"1\", b=\"2\"}");
    round_trip("Interface", "status",
               "{driver_name=tun, driver_version=\"1.6\", firmware_version=\"\"}",
               "{driver_name=tun, driver_version=\"1.6\", firmware_version=\"\"}");
    round_trip("Interface", "statistics", "{rx_bytes=0, collisions=0}",
               "{collisions=0, rx_bytes=0}");
    round_trip("Interface", "options", "peer=patch-to-br1", "{peer=patch-to-br1}");
    parse_error("Interface", "options", "a", "a: syntax error at \"\" expecting \"=\"");
    parse_error("Interface", "options", "a=1,a=2", "a=1,a=2: map contains duplicate key");
    parse_error("Interface", "options", "", "use \"{}\" to specify the empty map");
    parse_error("Interface", "options", "a=",
                "An empty string is not valid as input; use \"\" to represent the empty string");
    parse_error("Interface", "statistics", "a=b", "\"b\" is not a valid integer");
}

static void test_json(void **state)
{
    (void) state;
    struct {
        const char *table, *column, *text, *json;
    } cases[] = {
        { "Port", "tag", "[]", "[\"set\", []]" },
        { "Port", "tag", "2", "2" },
        { "Port", "trunks", "[2,3]", "[\"set\", [2, 3]]" },
        { "Port", "trunks", "[2]", "2" },
        { "Bridge", "datapath_id", "\"00000eb9225e0d44\"", "\"00000eb9225e0d44\"" },
        { "Bridge", "stp_enable", "false", "false" },
        { "Bridge", "other_config", "{}", "[\"map\", []]" },
        { "Bridge", "ports", "[5d7e58cf-9bab-4569-a9a1-c70d6e7515d6,"
          "f2008b78-5536-49ff-8306-0257f7fc77bb]",
          "[\"set\", [[\"uuid\", \"5d7e58cf-9bab-4569-a9a1-c70d6e7515d6\"], "
          "[\"uuid\", \"f2008b78-5536-49ff-8306-0257f7fc77bb\"]]]" },
        { "Port", "interfaces", "5d7e58cf-9bab-4569-a9a1-c70d6e7515d6",
          "[\"uuid\", \"5d7e58cf-9bab-4569-a9a1-c70d6e7515d6\"]" },
        { "Interface", "external_ids", "{a=b}", "[\"map\", [[\"a\", \"b\"]]]" },
        { "Interface", "statistics", "{rx=1}", "[\"map\", [[\"rx\", 1]]]" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct column_def *col = column(cases[i].table, cases[i].column);
        struct datum d;
        char *error = NULL;
        assert_int_equal(datum_from_string(&d, col, cases[i].text, &error), 0);
        json_t *json = datum_to_json(&d, col);
        char *dumped = json_dumps(json, JSON_ENCODE_ANY);
        assert_string_equal(dumped, cases[i].json);
        free(dumped);
        json_decref(json);
        datum_destroy(&d, col);

        json_error_t jerr;
        json = json_loads(cases[i].json, JSON_DECODE_ANY, &jerr);
        assert_non_null(json);
        assert_int_equal(datum_from_json(&d, col, json, &error), 0);
        json_decref(json);
        datum_destroy(&d, col);
    }

    const struct column_def *tag = column("Port", "tag");
    struct datum d;
    char *error = NULL;
    json_t *json = json_pack("[s[ii]]", "set", 1, 2);
    assert_int_equal(datum_from_json(&d, tag, json, &error), -1);
    assert_string_equal(error, "column tag: 2 value(s) specified but the maximum number is 1");
    free(error);
    json_decref(json);
    json = json_string("x");
    assert_int_equal(datum_from_json(&d, tag, json, &error), -1);
    assert_string_equal(error, "column tag: expected integer");
    free(error);
    json_decref(json);
    json = json_integer(9999);
    assert_int_equal(datum_from_json(&d, tag, json, &error), -1);
    assert_string_equal(error, "column tag: constraint violation: 9999 is not in the valid "
                        "range 0 to 4095 (inclusive)");
    free(error);
    json_decref(json);
}

/* update2's differences (ovsdb-server(7) 4.1.14). */
static void diff_is(const char *tname, const char *cname, const char *old, const char *new,
                    const char *want)
{
    const struct column_def *col = column(tname, cname);
    struct datum a, b, diff;
    char *error = NULL;
    assert_int_equal(datum_from_string(&a, col, old, &error), 0);
    assert_int_equal(datum_from_string(&b, col, new, &error), 0);
    datum_diff(&diff, &a, &b, col);
    char *text = datum_to_string(&diff, col);
    if (strcmp(text, want))
        fail_msg("%s.%s: diff of %s and %s is %s, not %s", tname, cname, old, new, text, want);
    free(text);
    datum_destroy(&a, col);
    datum_destroy(&b, col);
    datum_destroy(&diff, col);
}

static void test_diff(void **state)
{
    (void) state;
    /* One value at most: the new one, even when it is none. */
    diff_is("Port", "tag", "5", "7", "7");
    diff_is("Port", "tag", "5", "[]", "[]");
    diff_is("Interface", "name", "a", "b", "b");
    /* Sets: what is in only one of them. */
    diff_is("Port", "trunks", "1,2,3", "2,3,4", "[1, 4]");
    diff_is("Port", "trunks", "[]", "7", "[7]");
    diff_is("Port", "trunks", "5", "5", "[]");
    /* Maps: keys in one only (with its value), changed keys (new value). */
    diff_is("Interface", "external_ids", "{a=1, b=2, c=3}", "{b=2, c=9, d=4}",
            "{a=\"1\", c=\"9\", d=\"4\"}");
}

static void test_set_operations(void **state)
{
    (void) state;
    const struct column_def *trunks = column("Port", "trunks");
    const struct column_def *ids = column("Interface", "external_ids");
    struct datum d, other;
    char *error = NULL;
    char *text;

    assert_int_equal(datum_from_string(&d, trunks, "1,5", &error), 0);
    char *add_args[] = { "3", "5,7" };
    assert_int_equal(datum_from_strings(&other, trunks, add_args, 2, &error), 0);
    datum_union(&d, &other, trunks);
    datum_destroy(&other, trunks);
    text = datum_to_string(&d, trunks);
    assert_string_equal(text, "[1, 3, 5, 7]");
    free(text);
    char *rm_args[] = { "1", "7", "9" };
    assert_int_equal(datum_from_strings(&other, trunks, rm_args, 3, &error), 0);
    datum_subtract(&d, &other, trunks);
    datum_destroy(&other, trunks);
    text = datum_to_string(&d, trunks);
    assert_string_equal(text, "[3, 5]");
    free(text);
    datum_destroy(&d, trunks);

    assert_int_equal(datum_from_string(&d, ids, "{a=1, b=2, c=3}", &error), 0);
    char *map_add[] = { "a=9", "d=4" };
    assert_int_equal(datum_from_strings(&other, ids, map_add, 2, &error), 0);
    datum_union(&d, &other, ids);              /* existing a keeps its value */
    datum_destroy(&other, ids);
    text = datum_to_string(&d, ids);
    assert_string_equal(text, "{a=\"1\", b=\"2\", c=\"3\", d=\"4\"}");
    free(text);
    char *map_rm_keys[] = { "a", "c" };
    assert_int_equal(datum_from_strings(&other, ids, map_rm_keys, 2, &error), 0);
    assert_null(other.values);
    datum_subtract(&d, &other, ids);
    datum_destroy(&other, ids);
    char *map_rm_pairs[] = { "b=9", "d=4" };   /* b stays: its value differs */
    assert_int_equal(datum_from_strings(&other, ids, map_rm_pairs, 2, &error), 0);
    datum_subtract(&d, &other, ids);
    datum_destroy(&other, ids);
    text = datum_to_string(&d, ids);
    assert_string_equal(text, "{b=\"2\"}");
    free(text);
    char *mixed[] = { "a", "b=1" };
    assert_int_equal(datum_from_strings(&other, ids, mixed, 2, &error), -1);
    free(error);

    union atom key = { .string = "z" }, value = { .string = "26" };
    datum_map_set(&d, ids, &key, &value);
    value.string = "x";
    datum_map_set(&d, ids, &key, &value);
    assert_string_equal(datum_map_get(&d, "z")->string, "x");
    assert_null(datum_map_get(&d, "nope"));
    text = datum_to_string(&d, ids);
    assert_string_equal(text, "{b=\"2\", z=x}");
    free(text);

    struct datum copy;
    datum_clone(&copy, &d, ids);
    assert_true(datum_equals(&copy, &d, ids));
    datum_destroy(&copy, ids);
    datum_destroy(&d, ids);
}

static void test_defaults_and_sizes(void **state)
{
    (void) state;
    struct {
        const char *table, *column, *text;
    } cases[] = {
        { "Port", "tag", "[]" },
        { "Port", "bond_updelay", "0" },
        { "Port", "fake_bridge", "false" },
        { "Interface", "type", "\"\"" },
        { "Interface", "options", "{}" },
        { "Port", "trunks", "[]" },
        { "Port", "interfaces", "[]" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct column_def *col = column(cases[i].table, cases[i].column);
        struct datum d;
        datum_default(&d, col);
        char *text = datum_to_string(&d, col);
        assert_string_equal(text, cases[i].text);
        free(text);
        datum_destroy(&d, col);
    }

    const struct column_def *ifaces = column("Port", "interfaces");
    struct datum d = DATUM_EMPTY;
    char *error = NULL;
    assert_int_equal(datum_check_size(&d, ifaces, &error), -1);
    assert_string_equal(error, "column interfaces: 0 value(s) specified but the minimum "
                        "number is 1");
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_tables),
        cmocka_unit_test(test_schema_columns),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_sets),
        cmocka_unit_test(test_uuids),
        cmocka_unit_test(test_strings_and_enums),
        cmocka_unit_test(test_booleans_and_reals),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_set_operations),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_defaults_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
