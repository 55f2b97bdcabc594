/* The generic database commands (list, find, get, set, add, remove, clear,
 * create, destroy) and the list/find output formats, run as whole pontoon
 * invocations against a temporary database with no daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/column_set.h"
#include "cli/command.h"
#include "cli/table_output.h"
#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "cli_run.h"


static void expect_ok(const char *line)
{
    int status = run(line);
    if (status)
        fail_msg("`pontoon %s` exited %d: %s", line, status, err_text);
    assert_string_equal(err_text, "");
}

/* Runs `line` and compares its whole output. */
static void expect_output(const char *line, const char *output)
{
    expect_ok(line);
    if (strcmp(out_text, output))
        fail_msg("`pontoon %s` printed\n%s\nnot\n%s", line, out_text, output);
}

/* A command that must fail with `message` and leave the database as it was. */
static void expect_error(const char *line, const char *message)
{
    char *before = dump_db(db_path);
    int got = run(line);
    char *expected = NULL;
    if (asprintf(&expected, "pontoon: %s\n", message) < 0)
        fail();
    if (got != 1)
        fail_msg("`pontoon %s` exited %d, not 1: %s", line, got, err_text);
    assert_string_equal(err_text, expected);
    assert_string_equal(out_text, "");
    char *after = dump_db(db_path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(expected);
}

/* The output of `get`, without its newline (static buffer). */
static const char *get(const char *args)
{
    static char value[512];
    char line[256];
    snprintf(line, sizeof line, "get %s", args);
    expect_ok(line);
    snprintf(value, sizeof value, "%s", out_text);
    value[strcspn(value, "\n")] = '\0';
    return value;
}

/* bra with ports tap1 (tag 2) and vnet0 (libvirt's external-ids). */
static int setup(void **state)
{
    if (cli_dir_make("/tmp/pontoon-db-XXXXXX"))
        return -1;
    if (run("add-br bra -- add-port bra tap1 tag=2 -- add-port bra vnet0"
            " -- set Interface vnet0 external-ids:attached-mac=\"52:54:00:12:34:56\""
            " external-ids:iface-id=abc"))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    cli_dir_remove();
    return 0;
}

/* ---- list ---- */

static void test_list_record(void **state)
{
    char uuid[64], iface[64], expected[2048];
    snprintf(uuid, sizeof uuid, "%s", get("port tap1 _uuid"));
    snprintf(iface, sizeof iface, "%s", get("interface tap1 _uuid"));
    snprintf(expected, sizeof expected,
             "_uuid               : %s\n"
             "bond_active_slave   : []\n"
             "bond_downdelay      : 0\n"
             "bond_fake_iface     : false\n"
             "bond_mode           : []\n"
             "bond_updelay        : 0\n"
             "cvlans              : []\n"
             "external_ids        : {}\n"
             "fake_bridge         : false\n"
             "interfaces          : [%s]\n"
             "lacp                : []\n"
             "mac                 : []\n"
             "name                : tap1\n"
             "other_config        : {}\n"
             "protected           : false\n"
             "qos                 : []\n"
             "rstp_statistics     : {}\n"
             "rstp_status         : {}\n"
             "statistics          : {}\n"
             "status              : {}\n"
             "tag                 : 2\n"
             "trunks              : []\n"
             "vlan_mode           : []\n", uuid, iface);
    expect_output("list port tap1", expected);
    /* Table names: any case, any unique prefix; records by uuid too. */
    char line[128];
    snprintf(line, sizeof line, "list PO %s", uuid);
    expect_output(line, expected);
}

static void test_list_all_and_columns(void **state)
{
    expect_output("--columns=name,tag list Port",
                  "name                : bra\ntag                 : []\n\n"
                  "name                : tap1\ntag                 : 2\n\n"
                  "name                : vnet0\ntag                 : []\n");
    /* --columns orders as given, takes prefixes and '-' for '_'. */
    expect_output("--columns=tag,external-i list Port tap1",
                  "tag                 : 2\nexternal_ids        : {}\n");
    /* As ovs-vsctl: options follow no command name; these are records. */
    expect_error("list port tap1 --columns=name", "no row \"--columns=name\" in table Port");
    char expected[128];
    snprintf(expected, sizeof expected, "bridges             : [%s]\n",
             get("bridge bra _uuid"));
    expect_output("--columns=bridges list Open_vSwitch .", expected);
}

static void test_list_errors(void **state)
{
    expect_error("list nosuchtable", "unknown table \"nosuchtable\"");
    expect_error("list Port nosuch", "no row \"nosuch\" in table Port");
    expect_error("--columns=nocolumn list Port",
                 "Port does not contain a column whose name matches \"nocolumn\"");
    expect_error("--columns=t list Port",
                 "Port contains more than one column whose name matches \"t\": tag, trunks");
    expect_output("--if-exists --columns=name list Port nosuch tap1",
                  "name                : tap1\n");
}

/* The command line libvirt runs for interface statistics. */
static void test_list_libvirt_statistics(void **state)
{
    const char *line = "--if-exists --format=list --data=json --no-headings "
                       "--columns=statistics list Interface vnet0";
    expect_output(line, "[\"map\",[]]\n");
    expect_ok("set Interface vnet0 statistics:rx_bytes=1500 statistics:tx_packets=3");
    expect_output(line, "[\"map\",[[\"rx_bytes\",1500],[\"tx_packets\",3]]]\n");
    expect_output("--if-exists --format=list --data=json --no-headings "
                  "--columns=statistics list Interface vnet9", "");
}

/* ---- output formats ---- */

static void test_format_table(void **state)
{
    expect_output("--format=table --columns=name,type,external_ids list Interface",
                  "name  type     external_ids\n"
                  "----- -------- ------------------------------------------------\n"
                  "bra   internal {}\n"
                  "tap1  \"\"       {}\n"
                  "vnet0 \"\"       {attached-mac=\"52:54:00:12:34:56\", iface-id=abc}\n");
    expect_output("--format=table --no-headings --columns=name,tag list Port",
                  "bra   []\ntap1  2\nvnet0 []\n");
    expect_output("--format=table --data=json --columns=name,tag list Port tap1",
                  "name   tag\n------ ---\n\"tap1\" 2\n");
    /* No rows: still the headings. */
    expect_output("--format=table --columns=name find Port tag=4000", "name\n----\n");
}

static void test_format_json(void **state)
{
    char uuid[64], expected[512];
    snprintf(uuid, sizeof uuid, "%s", get("port tap1 _uuid"));
    snprintf(expected, sizeof expected,
             "{\"data\":[[[\"uuid\",\"%s\"],\"tap1\",2,[\"set\",[]]]],"
             "\"headings\":[\"_uuid\",\"name\",\"tag\",\"trunks\"]}\n", uuid);
    expect_output("--format=json --columns=_uuid,name,tag,trunks list Port tap1", expected);
    /* --data does not change JSON cells. */
    expect_output("--format=json --data=bare --columns=_uuid,name,tag,trunks list Port tap1",
                  expected);

    /* Every column, headings sorted with _uuid first, one cell each. */
    expect_ok("--format=json list Bridge bra");
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    json_t *headings = json_object_get(doc, "headings");
    json_t *rows = json_object_get(doc, "data");
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_array_size(json_array_get(rows, 0)), json_array_size(headings));
    assert_int_equal(json_array_size(headings), schema_find_table("Bridge")->n_columns + 1);
    assert_string_equal(json_string_value(json_array_get(headings, 0)), "_uuid");
    for (size_t i = 2; i < json_array_size(headings); i++)
        assert_true(strcmp(json_string_value(json_array_get(headings, i - 1)),
                           json_string_value(json_array_get(headings, i))) < 0);
    json_decref(doc);

    expect_ok("--format=json --pretty --columns=name list Port tap1");
    doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    assert_non_null(strchr(out_text, '\n'));
    json_decref(doc);

    expect_output("--format=json --columns=name --if-exists list Port nosuch",
                  "{\"data\":[],\"headings\":[\"name\"]}\n");
}

static void test_format_csv_and_bare(void **state)
{
    expect_output("--format=csv --columns=name,type,external_ids list Interface vnet0",
                  "name,type,external_ids\n"
                  "vnet0,\"\"\"\"\"\",\"{attached-mac=\"\"52:54:00:12:34:56\"\", iface-id=abc}\"\n");
    expect_output("--format=csv --no-headings --columns=name,trunks list Port tap1",
                  "tap1,[]\n");
    expect_output("--bare --columns=name,external_ids list Interface vnet0",
                  "vnet0\nattached-mac=52:54:00:12:34:56 iface-id=abc\n");
    expect_output("--format=bare --columns=name,tag list Port tap1 vnet0",
                  "tap1\n2\n\nvnet0\n\n");
    expect_output("--data=bare --columns=name,external_ids list Interface vnet0",
                  "name                : vnet0\n"
                  "external_ids        : attached-mac=52:54:00:12:34:56 iface-id=abc\n");
}

/* ---- find ---- */

static void test_find(void **state)
{
    expect_output("--columns=name find Port tag=2", "name                : tap1\n");
    expect_output("--columns=name find Port tag=[]",
                  "name                : bra\n\nname                : vnet0\n");
    expect_output("--columns=name find Interface external-ids:iface-id=abc",
                  "name                : vnet0\n");
    expect_output("--columns=name find Interface external_ids:attached-mac=\"52:54:00:12:34:56\"",
                  "name                : vnet0\n");
    expect_output("--columns=name find Interface external_ids:iface-id=nope", "");
    expect_output("--columns=name find Interface external_ids={}",
                  "name                : bra\n\nname                : tap1\n");
    expect_output("--columns=name find Port tag=2 name=tap1", "name                : tap1\n");
    expect_output("--columns=name find Port tag=2 name=vnet0", "");
    char line[128];
    snprintf(line, sizeof line, "--columns=name find Port _uuid=%s", get("port vnet0 _uuid"));
    expect_output(line, "name                : vnet0\n");
    expect_output("--format=csv --columns=name find Bridge", "name\nbra\n");

    expect_error("find nosuchtable", "unknown table \"nosuchtable\"");
    expect_error("find Port tag:x=1", "cannot specify key to check for non-map column tag");
    expect_error("find Port tag=", "tag=: argument does not end in \"=\" followed by a value.");
    expect_error("find Port nocolumn=1",
                 "Port does not contain a column whose name matches \"nocolumn\"");
}

/* ---- get ---- */

static void test_get(void **state)
{
    expect_output("get port tap1 tag", "2\n");
    expect_output("get Interface vnet0 external_ids",
                  "{attached-mac=\"52:54:00:12:34:56\", iface-id=abc}\n");
    expect_output("get Interface vnet0 external-ids:attached-mac", "\"52:54:00:12:34:56\"\n");
    expect_output("get Port tap1 name tag trunks", "tap1\n2\n[]\n");
    char expected[64];
    snprintf(expected, sizeof expected, "[%s]\n", get("bridge bra _uuid"));
    expect_output("get Open_vSwitch . bridges", expected);
    expect_output("--if-exists get Port tap1 other_config:x", "");
    expect_output("--if-exists get Port nosuch tag", "");

    expect_error("get port nosuch tag", "no row \"nosuch\" in table Port");
    expect_error("get nosuchtable x tag", "unknown table \"nosuchtable\"");
    expect_error("get Port tap1 other_config:x",
                 "no key \"x\" in Port record \"tap1\" column other_config");
    expect_error("get Port tap1 tag:x", "cannot specify key to get for non-map column tag");
    expect_error("get Port tap1 t",
                 "Port contains more than one column whose name matches \"t\": tag, trunks");
    expect_error("get Port tap1 tag=3", "tag=3: trailing garbage \"=3\" in argument");
}

/* ---- set ---- */

static void test_set(void **state)
{
    expect_ok("set port tap1 tag=3");
    expect_output("get port tap1 tag", "3\n");
    expect_ok("set Interface vnet0 type=patch options:peer=y");
    expect_output("get Interface vnet0 type options", "patch\n{peer=y}\n");
    expect_ok("set Interface vnet0 options:peer=z options:x=1");
    expect_output("get Interface vnet0 options:peer options", "z\n{peer=z, x=\"1\"}\n");
    /* libvirt's quoted values are stored without the quotes. */
    expect_ok("set Interface vnet0 external-ids:vm-id=\"0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22\"");
    struct db *db;
    char *error = NULL;
    assert_int_equal(db_open(db_path, &db, &error), 0);
    struct db_row *row = db_find_row(db, schema_find_table("Interface"), "vnet0");
    assert_non_null(row);
    assert_string_equal(db_row_get_map_string(row, "external_ids", "vm-id"),
                        "0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22");
    assert_string_equal(db_row_get_map_string(row, "external_ids", "attached-mac"),
                        "52:54:00:12:34:56");
    db_close(db);
    /* Unique prefixes: trunk= is trunks. */
    expect_ok("set Port vnet0 trunk=42,47 vlan_mode=native-untagged");
    expect_output("get Port vnet0 trunks vlan_mode", "[42, 47]\nnative-untagged\n");
    expect_ok("--if-exists set Port nosuch tag=1");
}

static void test_set_errors(void **state)
{
    expect_error("set Interface vnet0 type=patch options:peer=",
                 "options:peer=: argument does not end in \"=\" followed by a value.");
    expect_error("set port tap1 tag", "tag: argument does not end in \"=\" followed by a value.");
    expect_error("set port tap1 name=x", "cannot modify read-only column name in table Port");
    expect_error("set port tap1 _uuid=x", "cannot modify read-only column _uuid in table Port");
    expect_error("set port tap1 tag=5000",
                 "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
    expect_error("set port tap1 nocolumn=1",
                 "Port does not contain a column whose name matches \"nocolumn\"");
    expect_error("set port tap1 t=3",
                 "Port contains more than one column whose name matches \"t\": tag, trunks");
    expect_error("set port tap1 tag:x=3", "cannot specify key to set for non-map column tag");
    expect_error("set port nosuch tag=3", "no row \"nosuch\" in table Port");
    expect_error("set nosuchtable x tag=3", "unknown table \"nosuchtable\"");
    /* The whole chain is one transaction: an error undoes the earlier set. */
    expect_error("set port tap1 tag=7 -- set port tap1 tag=5000",
                 "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
}

/* ---- add, remove, clear ---- */

static void test_add_remove(void **state)
{
    expect_ok("add Port tap1 trunks 42 47,48");
    expect_output("get Port tap1 trunks", "[42, 47, 48]\n");
    expect_ok("remove Port tap1 trunks 47 99");
    expect_output("get Port tap1 trunks", "[42, 48]\n");
    /* Maps: add keeps a key's value; remove by key, or by key=value. */
    expect_ok("add Interface vnet0 external_ids iface-id=zzz new=1");
    expect_output("get Interface vnet0 external_ids",
                  "{attached-mac=\"52:54:00:12:34:56\", iface-id=abc, new=\"1\"}\n");
    expect_ok("remove Interface vnet0 external_ids iface-id=zzz new");
    expect_output("get Interface vnet0 external_ids",
                  "{attached-mac=\"52:54:00:12:34:56\", iface-id=abc}\n");
    expect_ok("remove Interface vnet0 external_ids iface-id=abc");
    expect_output("get Interface vnet0 external_ids", "{attached-mac=\"52:54:00:12:34:56\"}\n");
    expect_ok("--if-exists add Port nosuch trunks 1");
    expect_ok("--if-exists remove Port nosuch trunks 1");

    expect_error("add Port tap1 tag 5", "\"add\" operation would put 2 values in column tag "
                 "of table Port but the maximum number is 1");
    expect_error("remove Port tap1 bond_downdelay 0", "\"remove\" operation would put 0 values "
                 "in column bond_downdelay of table Port but the minimum number is 1");
    expect_error("add Port tap1 name x", "cannot modify read-only column name in table Port");
    expect_error("remove Port tap1 _uuid x",
                 "cannot modify read-only column _uuid in table Port");
    expect_error("add Port tap1 trunks 5000",
                 "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
    expect_error("add Port nosuch trunks 1", "no row \"nosuch\" in table Port");
    expect_error("remove nosuchtable x trunks 1", "unknown table \"nosuchtable\"");
}

static void test_clear(void **state)
{
    expect_ok("set Port tap1 trunks=1,2 other_config:a=b");
    expect_ok("clear Port tap1 tag trunks other-config");
    expect_output("get Port tap1 tag trunks other_config", "[]\n[]\n{}\n");
    expect_ok("--if-exists clear Port nosuch tag");
    expect_error("clear Port tap1 bond_downdelay", "\"clear\" operation cannot be applied to "
                 "column bond_downdelay of table Port, which is not allowed to be empty");
    expect_error("clear Port tap1 name", "cannot modify read-only column name in table Port");
    expect_error("clear Port nosuch tag", "no row \"nosuch\" in table Port");
}

/* ---- create, destroy ---- */

static void test_create(void **state)
{
    expect_ok("create QoS type=linux-htb other_config:max-rate=1000 -- "
              "--columns=type,other_config list QoS");
    assert_int_equal(strcspn(out_text, "\n"), 36);
    assert_string_equal(out_text + 37, "type                : linux-htb\n"
                                       "other_config        : {max-rate=\"1000\"}\n");
    expect_error("create QoS queues:5000=x",
                 "\"x\" is not a valid UUID");
    expect_error("create nosuchtable name=x", "unknown table \"nosuchtable\"");
    expect_error("create QoS nocolumn=x",
                 "QoS does not contain a column whose name matches \"nocolumn\"");
    /* A Port (not a root table) gets the warning first, as from ovs-vsctl. */
    assert_int_equal(run("create Port tag=5000"), 1);
    assert_string_equal(err_text, "pontoon: warning: applying \"create\" command to table "
                        "Port without --id option will have no effect\n"
                        "pontoon: constraint violation: 5000 is not in the valid range 0 to "
                        "4095 (inclusive)\n");
}

/* --id=@name, as ovs-vsctl: OVS's QoS recipe (the name used before the
 * create that defines it), get --id naming an existing row, and the errors. */
static void test_row_ids(void **state)
{
    expect_ok("set port tap1 qos=@newqos -- --id=@newqos create qos type=linux-htb "
              "other-config:max-rate=1000000 queues=0=@q0 -- "
              "--id=@q0 create queue other-config:min-rate=100");
    char qos[64];
    snprintf(qos, sizeof qos, "%s", get("port tap1 qos"));
    char line[256];
    snprintf(line, sizeof line, "--columns=type,queues list qos %s", qos);
    expect_ok(line);
    assert_non_null(strstr(out_text, "type                : linux-htb\n"));
    assert_non_null(strstr(out_text, "queues              : {0="));
    expect_ok("-- --id=@p get port tap1 -- --id=@m create mirror name=m1 select-src-port=@p "
              "-- add bridge bra mirrors @m");
    expect_output("--columns=name list mirror", "name                : m1\n");
    expect_error("set port tap1 qos=@nowhere", "row id \"@nowhere\" is referenced but never "
                 "created (e.g. with \"-- --id=@nowhere create ...\")");
    expect_error("-- --id=q create qos type=x", "row id \"q\" does not begin with \"@\"");
    expect_error("-- --id=@a create qos type=x -- --id=@a create qos type=y",
                 "row id \"@a\" may only be specified on one --id option");
    expect_error("set port tap1 qos=@p -- --id=@p get port vnet0",
                 "row id \"@p\" specified on \"get\" command was used before it was defined");
    /* Records as ovs-vsctl names them: a mirror by its name, a port's QoS
     * by the port's, a bridge's NetFlow by the bridge's. */
    expect_ok("set mirror m1 name=m2");
    expect_output("--columns=name list mirror m2", "name                : m2\n");
    expect_output("get qos tap1 type", "linux-htb\n");
    expect_error("list netflow bra", "no row \"bra\" in table NetFlow");
    expect_ok("-- --id=@m create mirror name=m2 -- add bridge bra mirrors @m");
    expect_error("list mirror m2", "multiple rows in Mirror match \"m2\"");
    /* In a string, @ is only a character. */
    expect_ok("set port tap1 external-ids:who=@newqos");
    expect_output("get port tap1 external-ids:who", "\"@newqos\"\n");
}

static void test_destroy(void **state)
{
    /* Bridge is not a root table (as in OVS): a bridge nothing refers to
     * goes at the commit, with ovs-vsctl's warning. */
    assert_int_equal(run("create Bridge name=brx"), 0);
    assert_string_equal(err_text, "pontoon: warning: applying \"create\" command to table "
                                  "Bridge without --id option will have no effect\n");
    expect_error("destroy Bridge brx", "no row \"brx\" in table Bridge");
    expect_output("--columns=name list Bridge", "name                : bra\n");
    /* QoS is a root table: its rows stay. */
    expect_ok("create QoS type=linux-htb");
    char qos[64];
    snprintf(qos, sizeof qos, "%s", out_text);
    qos[strcspn(qos, "\n")] = '\0';
    expect_output("--columns=type list QoS", "type                : linux-htb\n");
    char line[256];
    snprintf(line, sizeof line, "destroy QoS %s", qos);
    expect_ok(line);
    expect_output("list QoS", "");
    expect_ok("--if-exists destroy Bridge nosuch");
    expect_error("destroy Bridge nosuch", "no row \"nosuch\" in table Bridge");
    expect_error("--all destroy Bridge bra",
                 "--all and records argument should not be specified together");
    expect_error("destroy nosuchtable x", "unknown table \"nosuchtable\"");
    /* A referenced row cannot go alone; with its reference it can. */
    assert_int_equal(run("destroy Bridge bra"), 1);
    snprintf(line, sizeof line, "remove Open_vSwitch . bridges %s -- destroy Bridge bra",
             get("bridge bra _uuid"));
    expect_ok(line);
    expect_output("--columns=name list Bridge", "");
    expect_output("--columns=name list Port", "");
    expect_ok("create QoS type=a -- create QoS type=b");
    expect_output("--columns=type list QoS", "type                : a\n\ntype                : b\n");
    expect_ok("--all destroy QoS");
    expect_output("list QoS", "");
}

/* ---- the command table and column_set ---- */

static void test_command_table(void **state)
{
    const char *names[] = { "list", "find", "get", "set", "add", "remove", "clear",
                            "create", "destroy" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct cli_command_def *def = cli_find_command(names[i]);
        assert_non_null(def);
        assert_non_null(def->usage);
        assert_non_null(def->help);
        assert_non_null(strstr(def->usage, names[i]));
        bool read = i < 3;
        assert_int_equal(def->kind, read ? COMMAND_READ : COMMAND_WRITE);
    }
    assert_int_equal(run("--if-exists find Port"), 1);
}

static void test_column_arg_parse(void **state)
{
    const struct table_def *t = schema_find_table("Interface");
    const struct column_def *col;
    char *key, *value, *error = NULL;
    assert_int_equal(column_arg_parse(t, "external-ids:\"a b\"=\"x\"", &col, &key, &value,
                                      &error), 0);
    assert_string_equal(col->name, "external_ids");
    assert_string_equal(key, "\"a b\"");
    assert_string_equal(value, "\"x\"");
    free(key);
    free(value);
    assert_int_equal(column_arg_parse(t, "_uuid", &col, &key, NULL, &error), 0);
    assert_null(col);
    assert_null(key);
    assert_int_equal(column_arg_parse(t, "=1", &col, &key, &value, &error), -1);
    assert_string_equal(error, "=1: missing column name");
    free(error);
    assert_true(column_is_read_only(t, &t->columns[0]) == !strcmp(t->columns[0].name, "name"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_list_record), T(test_list_all_and_columns), T(test_list_errors),
        T(test_list_libvirt_statistics), T(test_format_table), T(test_format_json),
        T(test_format_csv_and_bare), T(test_find), T(test_get), T(test_set),
        T(test_set_errors), T(test_add_remove), T(test_clear), T(test_create),
        T(test_row_ids), T(test_destroy), T(test_command_table), T(test_column_arg_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
