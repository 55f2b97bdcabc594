/* Whole pontoon invocations (cli_run) against a temporary database, with no
 * daemon (or a fake one): bridge and port commands, transactions over `--`
 * chains, show, and the command lines libvirt, os-vif and Neutron run. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/command.h"
#include "control/control_client.h"
#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"
#include "cli_run.h"


static void expect_ok(const char *line)
{
    int status = run(line);
    if (status)
        fail_msg("`pontoon %s` exited %d: %s", line, status, err_text);
}

/* A command that must fail with `message` and leave the database as it was. */
static void expect_error(const char *line, const char *message, int status)
{
    char *before = dump_db(db_path);
    int got = run(line);
    char *expected = NULL;
    if (message && asprintf(&expected, "pontoon: %s\n", message) < 0)
        fail();
    if (got != status)
        fail_msg("`pontoon %s` exited %d, not %d: %s", line, got, status, err_text);
    assert_string_equal(err_text, expected ? expected : "");
    char *after = dump_db(db_path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(expected);
}

/* The text of one column of the named row, as `get` would print it. */
static char *column_text(const char *table_name, const char *row_name, const char *column)
{
    struct db *db;
    char *error = NULL;
    if (db_open(db_path, &db, &error))
        fail_msg("db_open: %s", error);
    const struct table_def *table = schema_find_table(table_name);
    struct db_row *row = db_find_row(db, table, row_name);
    char *text = NULL;
    char *name = strdup(column);
    char *key = strchr(name, ':');
    if (key)
        *key++ = '\0';
    if (row) {
        const struct column_def *col;
        assert_int_equal(schema_find_column(table, name, &col, &error), 0);
        const struct datum *value = db_row_get(row, col->name);
        if (!key) {
            text = datum_to_string(value, col);
        } else {
            const union atom *atom = datum_map_get(value, key);
            text = atom ? atom_to_string(atom, col->value.type) : NULL;
        }
    }
    free(name);
    db_close(db);
    return text;
}

static void expect_column(const char *table, const char *row, const char *column,
                          const char *value)
{
    char *text = column_text(table, row, column);
    if (!text)
        fail_msg("no %s row %s", table, row);
    assert_string_equal(text, value);
    free(text);
}

static size_t count_rows(const char *table_name)
{
    struct db *db;
    char *error = NULL;
    if (db_open(db_path, &db, &error))
        fail_msg("db_open: %s", error);
    size_t n = db_count_rows(db, schema_find_table(table_name));
    db_close(db);
    return n;
}

static int setup(void **state)
{
    if (cli_dir_make("/tmp/pontoon-cli-XXXXXX"))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    cli_dir_remove();
    return 0;
}

/* ---- bridges ---- */

static void test_add_br(void **state)
{
    expect_ok("add-br br1");
    expect_ok("add-br br0");
    expect_column("Interface", "br0", "type", "internal");
    expect_column("Port", "br0", "name", "br0");
    assert_int_equal(count_rows("Bridge"), 2);
    assert_int_equal(count_rows("Port"), 2);
    expect_ok("list-br");
    assert_string_equal(out_text, "br0\nbr1\n");
    expect_ok("--format=json list-br");
    assert_string_equal(out_text, "[\"br0\",\"br1\"]\n");
    expect_ok("br-exists br0");
    assert_int_equal(run("br-exists nosuch"), 2);
    assert_string_equal(err_text, "");
    expect_ok("br-to-parent br0");
    assert_string_equal(out_text, "br0\n");
    expect_ok("br-to-vlan br0");
    assert_string_equal(out_text, "0\n");
}

static void test_add_br_errors(void **state)
{
    expect_ok("add-br bra -- add-port bra tap1");
    expect_error("add-br bra",
                 "cannot create a bridge named bra because a bridge named bra already exists",
                 1);
    expect_ok("--may-exist add-br bra");
    expect_ok("-- --may-exist add-br bra");
    expect_error("add-br tap1", "cannot create a bridge named tap1 because a port named tap1 "
                 "already exists on bridge bra", 1);
    expect_error("add-br brv bra 10", "fake bridges (add-br BR PARENT VLAN) are not supported", 1);
    expect_error("add-br brv bra", "'add-br' command takes exactly 1 or 3 arguments", 1);
    expect_error("--if-exists add-br x", "'add-br' command has no '--if-exists' option", 1);
    expect_error("add-br", "'add-br' command requires at least 1 arguments", 1);
    expect_error("list-br x", "'list-br' command takes at most 0 arguments", 1);
    expect_error("foo", "unknown command 'foo'; use --help for help", 1);
}

static void test_del_br(void **state)
{
    expect_ok("add-br br0 -- add-port br0 p1 -- add-bond br0 b0 e1 e2 -- add-br br1");
    assert_int_equal(count_rows("Interface"), 5);
    expect_ok("del-br br0");
    assert_int_equal(count_rows("Bridge"), 1);
    assert_int_equal(count_rows("Port"), 1);
    assert_int_equal(count_rows("Interface"), 1);
    expect_ok("list-br");
    assert_string_equal(out_text, "br1\n");
    expect_error("del-br br0", "no bridge named br0", 1);
    expect_ok("--if-exists del-br br0");
    /* Deleted earlier in the chain: invisible afterwards, name free again. */
    expect_ok("del-br br1 -- add-br br1 -- add-port br1 p1");
    expect_ok("list-ports br1");
    assert_string_equal(out_text, "p1\n");
}

/* ---- ports ---- */

static void test_add_port(void **state)
{
    expect_ok("add-br br0 -- add-port br0 p2 -- add-port br0 p1");
    expect_ok("list-ports br0");
    assert_string_equal(out_text, "p1\np2\n");
    expect_ok("list-ifaces br0");
    assert_string_equal(out_text, "p1\np2\n");
    expect_ok("--format=json list-ports br0");
    assert_string_equal(out_text, "[\"p1\",\"p2\"]\n");
    expect_ok("port-to-br p1");
    assert_string_equal(out_text, "br0\n");
    expect_ok("iface-to-br p2");
    assert_string_equal(out_text, "br0\n");
    expect_column("Interface", "p1", "type", "\"\"");

    expect_ok("add-port br0 vnet1 vlan_mode=native-untagged tag=42 trunk=42,47");
    expect_column("Port", "vnet1", "tag", "42");
    expect_column("Port", "vnet1", "trunks", "[42, 47]");
    expect_column("Port", "vnet1", "vlan_mode", "native-untagged");
}

static void test_add_port_errors(void **state)
{
    expect_ok("add-br bra -- add-port bra tap1 -- add-br br1 -- add-bond br1 bond0 eth2 eth3");
    expect_error("add-port nosuch x", "no bridge named nosuch", 1);
    expect_error("add-port bra tap1", "cannot create a port named tap1 because a port named "
                 "tap1 already exists on bridge bra", 1);
    expect_error("add-port bra br1", "cannot create a port named br1 because a bridge named "
                 "br1 already exists", 1);
    expect_error("add-port bra eth2", "cannot create a port named eth2 because an interface "
                 "named eth2 already exists on bridge br1", 1);
    expect_error("add-bond bra bond1 eth4 eth3", "cannot create an interface named eth3 "
                 "because a port named bond0 already has an interface named eth3", 1);
    expect_error("--may-exist add-port br1 tap1", "cannot create a port named tap1 on bridge "
                 "br1 because a port named tap1 already exists on bridge bra", 1);
    expect_ok("--may-exist add-port bra tap1");
    expect_ok("--may-exist add-port bra tap1 tag=7");
    expect_column("Port", "tap1", "tag", "[]");   /* as ovs-vsctl: settings not applied */
    expect_error("add-port bra t5 tag=5000",
                 "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)",
                 1);
    expect_error("add-port bra t5 nocolumn=1",
                 "Port does not contain a column whose name matches \"nocolumn\"", 1);
    expect_error("add-port bra t5 t=3", "Port contains more than one column whose name "
                 "matches \"t\": tag, trunks", 1);
    /* The whole chain fails: brz must not exist afterwards. */
    expect_error("add-br brz -- add-port brz q1 -- add-port nosuch q2",
                 "no bridge named nosuch", 1);
    assert_int_equal(run("br-exists brz"), 2);
}

static void test_add_bond(void **state)
{
    expect_ok("add-br br0 -- add-bond br0 bond0 eth2 eth3 lacp=active");
    expect_column("Port", "bond0", "lacp", "active");
    expect_ok("list-ifaces br0");
    assert_string_equal(out_text, "eth2\neth3\n");
    expect_ok("list-ports br0");
    assert_string_equal(out_text, "bond0\n");
    expect_ok("iface-to-br eth3");
    assert_string_equal(out_text, "br0\n");
    expect_ok("--fake-iface add-bond br0 bond1 eth4 eth5 bond_mode=balance-slb");
    expect_column("Port", "bond1", "bond_fake_iface", "true");
    expect_column("Port", "bond1", "bond_mode", "balance-slb");
    expect_error("add-bond br0 bond2 eth6 lacp=active",
                 "add-bond requires at least 2 interfaces, but only 1 were specified", 1);
    expect_error("add-bond br0 bond2 eth6", "'add-bond' command requires at least 4 arguments",
                 1);
    expect_ok("--may-exist add-bond br0 bond0 eth3 eth2");
    expect_error("--may-exist add-bond br0 bond0 eth2 eth9",
                 "\"--may-exist add-bond br0 bond0\" but bond0 actually has interface(s) "
                 "eth2, eth3", 1);
}

static void test_del_port(void **state)
{
    expect_ok("add-br br0 -- add-port br0 p -- add-br br1 -- add-port br1 q");
    expect_error("del-port nosuch", "no port named nosuch", 1);
    expect_error("del-port br0 q", "bridge br0 does not have a port q", 1);
    expect_error("del-port nobr q", "no bridge named nobr", 1);
    expect_error("del-port br0", "cannot delete port br0 because it is the local port for "
                 "bridge br0 (deleting this port requires deleting the entire bridge)", 1);
    expect_error("port-to-br nosuch", "no port named nosuch", 1);
    expect_error("port-to-br br0", "no port named br0", 1);
    expect_error("iface-to-br nosuch", "no interface named nosuch", 1);
    expect_error("list-ports nosuch", "no bridge named nosuch", 1);
    expect_ok("--if-exists del-port nosuch");
    expect_ok("-- --if-exists del-port br0 nosuch");
    expect_ok("del-port br0 p");
    expect_ok("del-port q");
    assert_int_equal(count_rows("Port"), 2);
    assert_int_equal(count_rows("Interface"), 2);
    expect_ok("list-ports br0");
    assert_string_equal(out_text, "");
}

static void test_chain_sees_earlier_edits(void **state)
{
    expect_ok("add-br br0 -- add-port br0 x tag=1");
    expect_ok("-- --if-exists del-port x -- add-port br0 x tag=3");
    expect_column("Port", "x", "tag", "3");
    assert_int_equal(count_rows("Port"), 2);
    assert_int_equal(count_rows("Interface"), 2);
    /* A port added earlier in the chain can be configured and removed later in it. */
    expect_ok("add-port br0 y -- set Port y tag=5 -- del-port y -- add-port br0 y");
    expect_column("Port", "y", "tag", "[]");
}

/* ---- show ---- */

static void test_show(void **state)
{
    expect_ok("add-br br0 -- add-port br0 tap1 tag=2 -- add-port br0 p1 trunks=2,3 "
              "-- add-bond br0 bonda cpa1 cpa2 lacp=active");
    expect_ok("show");
    struct db *db;
    char *error = NULL;
    assert_int_equal(db_open(db_path, &db, &error), 0);
    char *expected;
    assert_true(asprintf(&expected,
        "%s\n"
        "    Bridge br0\n"
        "        Port br0\n"
        "            Interface br0\n"
        "                type: internal\n"
        "        Port tap1\n"
        "            tag: 2\n"
        "            Interface tap1\n"
        "        Port p1\n"
        "            trunks: [2, 3]\n"
        "            Interface p1\n"
        "        Port bonda\n"
        "            Interface cpa1\n"
        "            Interface cpa2\n", db_root_row(db)->uuid) > 0);
    assert_string_equal(out_text, expected);
    free(expected);

    expect_ok("--format=json show");
    assert_true(asprintf(&expected,
        "{\"uuid\":\"%s\",\"bridges\":[{\"name\":\"br0\",\"ports\":["
        "{\"name\":\"br0\",\"interfaces\":[{\"name\":\"br0\",\"type\":\"internal\"}]},"
        "{\"name\":\"tap1\",\"interfaces\":[{\"name\":\"tap1\"}],\"tag\":2},"
        "{\"name\":\"p1\",\"interfaces\":[{\"name\":\"p1\"}],\"trunks\":[2,3]},"
        "{\"name\":\"bonda\",\"interfaces\":[{\"name\":\"cpa1\"},{\"name\":\"cpa2\"}]}"
        "]}]}\n", db_root_row(db)->uuid) > 0);
    db_close(db);
    assert_string_equal(out_text, expected);
    free(expected);
}

/* ---- managers, controllers, fail mode: kept, shown as ovs-vsctl shows them ---- */

static void test_managers_and_controllers(void **state)
{
    (void) state;
    /* Manager's target is an index, as in OVS: the same target twice fails. */
    expect_error("set-manager ptcp:6640 ptcp:6640", "Transaction causes multiple rows in "
                 "\"Manager\" table to have identical values (\"ptcp:6640\") for index on "
                 "column \"target\".", 1);
    expect_ok("add-br br0 -- set-manager ptcp:6640 tcp:127.0.0.1:6641 "
              "-- set-controller br0 tcp:127.0.0.1:6653 -- set-fail-mode br0 secure");
    expect_ok("get-manager");
    assert_string_equal(out_text, "ptcp:6640\ntcp:127.0.0.1:6641\n");
    expect_ok("get-controller br0");
    assert_string_equal(out_text, "tcp:127.0.0.1:6653\n");
    expect_ok("get-fail-mode br0");
    assert_string_equal(out_text, "secure\n");
    expect_ok("show");
    const char *managers = strstr(out_text, "\n") + 1;
    assert_string_equal(managers,
        "    Manager \"ptcp:6640\"\n"
        "    Manager \"tcp:127.0.0.1:6641\"\n"
        "    Bridge br0\n"
        "        Controller \"tcp:127.0.0.1:6653\"\n"
        "        fail_mode: secure\n"
        "        Port br0\n"
        "            Interface br0\n"
        "                type: internal\n");
    expect_error("set-fail-mode br0 open", "fail-mode must be \"standalone\" or \"secure\"", 1);
    expect_error("get-controller br9", "no bridge named br9", 1);
    /* Replacing and deleting leaves no stray rows. */
    expect_ok("set-manager ptcp:6650 -- del-controller br0 -- del-fail-mode br0");
    assert_int_equal(count_rows("Manager"), 1);
    assert_int_equal(count_rows("Controller"), 0);
    expect_ok("get-fail-mode br0");
    assert_string_equal(out_text, "");
    expect_ok("del-manager");
    assert_int_equal(count_rows("Manager"), 0);
}

/* ---- what real clients run (compat/clients.md) ---- */

static void test_libvirt(void **state)
{
    expect_ok("add-br br0");
    expect_ok("--timeout=5 -- --may-exist add-port br0 vnet0 tag=2 -- set Interface vnet0 "
              "external-ids:attached-mac=\"52:54:00:12:34:56\" -- set Interface vnet0 "
              "external-ids:iface-id=\"6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11\" -- set Interface "
              "vnet0 external-ids:vm-id=\"0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22\" -- set "
              "Interface vnet0 external-ids:iface-status=active");
    expect_column("Port", "vnet0", "tag", "2");
    expect_column("Interface", "vnet0", "external_ids",
                  "{attached-mac=\"52:54:00:12:34:56\", "
                  "iface-id=\"6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11\", iface-status=active, "
                  "vm-id=\"0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22\"}");
    expect_ok("--timeout=5 -- --may-exist add-port br0 vnet1 vlan_mode=native-untagged tag=42 "
              "trunk=42,47 -- set Interface vnet1 external-ids:attached-mac=\"52:54:00:12:34:57\" "
              "-- set Interface vnet1 external-ids:iface-id=\"20b32967-b134-46bb-b847-d696d055f8ac\" "
              "-- set Interface vnet1 external-ids:vm-id=\"0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22\" "
              "-- set Interface vnet1 external-ids:iface-status=active");
    expect_column("Port", "vnet1", "trunks", "[42, 47]");
    expect_column("Port", "vnet1", "vlan_mode", "native-untagged");
    /* Plugging again (libvirtd restart) is fine. */
    expect_ok("--timeout=5 -- --may-exist add-port br0 vnet0 tag=2 -- set Interface vnet0 "
              "external-ids:iface-status=active");
    expect_ok("--timeout=5 -- --if-exists del-port vnet0");
    expect_ok("--timeout=5 -- --if-exists del-port vnet1");
    expect_ok("--timeout=5 -- --if-exists del-port vnet1");   /* never added: still fine */
    expect_ok("list-ports br0");
    assert_string_equal(out_text, "");
    assert_int_equal(count_rows("Interface"), 1);
}

static void test_os_vif(void **state)
{
    expect_ok("add-br br-int");
    for (int i = 0; i < 2; i++)   /* the second time the port exists already */
        expect_ok("-- --if-exists del-port tap42 -- add-port br-int tap42 -- set Interface "
                  "tap42 external-ids:iface-id=0d1e2f30-0000-4000-8000-000000000042 "
                  "external-ids:iface-status=active external-ids:attached-mac=fa:16:3e:00:00:42 "
                  "external-ids:vm-uuid=1a2b3c4d-0000-4000-8000-000000000001");
    expect_column("Interface", "tap42", "external_ids:iface-status", "active");
    expect_ok("-- set Interface tap42 type=dpdkvhostuser");
    expect_column("Interface", "tap42", "type", "dpdkvhostuser");
    expect_ok("-- --if-exists del-port br-int tap42");
    expect_ok("-- --if-exists del-port br-int tap42");
    assert_int_equal(count_rows("Port"), 1);
}

static void test_neutron(void **state)
{
    expect_ok("add-br br-int");
    expect_ok("--may-exist add-port br-int qr-1 -- set Interface qr-1 type=internal "
              "-- set Interface qr-1 external-ids:iface-status=active "
              "-- set Interface qr-1 external-ids:attached-mac=fa:16:3e:11:22:33 "
              "-- set Interface qr-1 external-ids:iface-id=5f0c1d2e-0000-4000-8000-000000000001");
    expect_column("Interface", "qr-1", "type", "internal");
    expect_ok("--timeout=120 -- --if-exists del-port qr-1 -- add-port br-int qr-1 "
              "-- set Interface qr-1 external-ids:iface-id=5f0c1d2e-0000-4000-8000-000000000001 "
              "external-ids:iface-status=active external-ids:attached-mac=fa:16:3e:11:22:33 "
              "external-ids:vm-uuid=1a2b3c4d-0000-4000-8000-000000000001");
    expect_column("Interface", "qr-1", "type", "\"\"");
    expect_column("Interface", "qr-1", "external_ids:vm-uuid",
                  "\"1a2b3c4d-0000-4000-8000-000000000001\"");
}

/* ---- daemon interaction ---- */

struct fake_daemon {
    int listen_fd;
    const char *reply;            /* NULL: never answer */
};

static void *fake_daemon_main(void *arg)
{
    struct fake_daemon *d = arg;
    int fd = accept(d->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf);
    (void)n;
    if (d->reply) {
        if (write(fd, d->reply, strlen(d->reply)) < 0)
            perror("write");
    } else {
        sleep(2);
    }
    close(fd);
    return NULL;
}

static pthread_t start_fake_daemon(struct fake_daemon *d)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    assert_true((size_t)snprintf(addr.sun_path, sizeof addr.sun_path, "%.64s/%s", run_dir,
                                 CONTROL_SOCKET_NAME) < sizeof addr.sun_path);
    d->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(d->listen_fd >= 0);
    assert_int_equal(bind(d->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(d->listen_fd, 1), 0);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, fake_daemon_main, d), 0);
    return thread;
}

static void stop_fake_daemon(struct fake_daemon *d, pthread_t thread)
{
    pthread_join(thread, NULL);
    close(d->listen_fd);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", run_dir, CONTROL_SOCKET_NAME);
    unlink(path);
}

static void test_daemon_reload(void **state)
{
    struct fake_daemon d = { -1, "{\"id\":1,\"result\":{\"text\":\"\"}}\n" };
    pthread_t t = start_fake_daemon(&d);
    expect_ok("add-br br0");
    stop_fake_daemon(&d, t);

    d.reply = "{\"id\":1,\"error\":\"cannot open tap0\"}\n";
    t = start_fake_daemon(&d);
    assert_int_equal(run("add-port br0 tap0"), 1);
    assert_string_equal(err_text, "pontoon: cannot open tap0\n");
    stop_fake_daemon(&d, t);
    expect_ok("port-to-br tap0");   /* committed all the same */

    d.reply = NULL;
    t = start_fake_daemon(&d);
    assert_int_equal(run("--timeout=1 add-port br0 tap1"), 142);
    assert_string_equal(err_text,
                        "pontoon: timeout: pontoond did not apply the change within 1 seconds\n");
    stop_fake_daemon(&d, t);

    expect_ok("--no-wait add-port br0 tap2");   /* no daemon listening: fine either way */
}

static void test_runtime(void **state)
{
    assert_int_equal(run("fdb/show br0"), 1);
    assert_string_equal(err_text, "pontoon: cannot connect to pontoond (is it running?): "
                        "No such file or directory\n");
    assert_int_equal(run("fdb/show"), 1);
    assert_string_equal(err_text, "pontoon: 'fdb/show' command requires at least 1 arguments\n");
    assert_int_equal(run("add-br br0 -- fdb/show br0"), 1);

    struct fake_daemon d = { -1, "{\"id\":1,\"result\":{\"text\":\"hello\\n\","
                                 "\"data\":{\"a\":1}}}\n" };
    pthread_t t = start_fake_daemon(&d);
    expect_ok("some/thing x y");
    assert_string_equal(out_text, "hello\n");
    stop_fake_daemon(&d, t);
    t = start_fake_daemon(&d);
    expect_ok("--format=json fdb/show br0");
    assert_string_equal(out_text, "{\"a\":1}\n");
    stop_fake_daemon(&d, t);

    d.reply = "{\"id\":1,\"error\":\"no bridge named br9\"}\n";
    t = start_fake_daemon(&d);
    assert_int_equal(run("fdb/show br9"), 2);
    assert_string_equal(err_text, "pontoon: no bridge named br9\n");
    stop_fake_daemon(&d, t);
}

static void test_help_version(void **state)
{
    expect_ok("--help");
    assert_non_null(strstr(out_text, "Bridge commands:"));
    assert_non_null(strstr(out_text, "Port commands:"));
    assert_non_null(strstr(out_text, "Interface commands:"));
    assert_non_null(strstr(out_text, "Database commands:"));
    assert_non_null(strstr(out_text, "Runtime commands:"));
    assert_non_null(strstr(out_text, "add-bond BRIDGE PORT IFACE..."));
    assert_non_null(strstr(out_text, "PONTOON_RUN_DIR"));
    expect_ok("-V");
    assert_string_equal(out_text, "pontoon (Pontoon) 0.1.0\n");
}

static void test_dry_run(void **state)
{
    expect_ok("--dry-run add-br br0");
    assert_int_equal(run("br-exists br0"), 2);
}

static void test_global_options(void **state)
{
    char line[256];
    snprintf(line, sizeof line, "--db=%s/other.db add-br elsewhere", dir);
    expect_ok(line);
    expect_ok("list-br");
    assert_string_equal(out_text, "");
    snprintf(line, sizeof line, "--db %s/other.db list-br", dir);
    expect_ok(line);
    assert_string_equal(out_text, "elsewhere\n");

    expect_ok("add-br b1 -- add-br b2");
    expect_ok("--oneline list-br -- br-exists b1 -- list-br");
    assert_string_equal(out_text, "b1\\nb2\n\nb1\\nb2\n");
    /* A daemon socket elsewhere than $PONTOON_RUN_DIR. */
    snprintf(line, sizeof line, "--run-dir=%s/nowhere fdb/show b1", dir);
    assert_int_equal(run(line), 1);
    assert_non_null(strstr(err_text, "cannot connect to pontoond"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_add_br), T(test_add_br_errors), T(test_del_br),
        T(test_add_port), T(test_add_port_errors), T(test_add_bond), T(test_del_port),
        T(test_chain_sees_earlier_edits), T(test_show), T(test_managers_and_controllers),
        T(test_libvirt), T(test_os_vif), T(test_neutron),
        T(test_daemon_reload), T(test_runtime), T(test_help_version), T(test_dry_run),
        T(test_global_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
