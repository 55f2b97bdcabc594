/* The configuration database: create, commit, reopen, roll back, garbage
 * collection, reference checks, two writers, reload, schema upgrade. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <jansson.h>

#include "db/db.h"
#include "db_fixture.h"

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/pontoon-test-db-XXXXXX");
    if (!mkdtemp(f->dir)) {
        return -1;
    }
    /* A directory that does not exist yet: db_open creates it. */
    snprintf(f->path, sizeof f->path, "%s/sub/dir/conf.db", f->dir);
    *state = f;
    return 0;
}

static void begin(struct db *db)
{
    char *error = NULL;
    if (db_begin(db, 1000, &error)) {
        fail_msg("db_begin: %s", error);
    }
}

static void commit(struct db *db)
{
    char *error = NULL;
    if (db_commit(db, &error)) {
        fail_msg("db_commit: %s", error);
    }
}

/* Commits expecting failure; returns the error. */
static char *commit_fails(struct db *db)
{
    char *error = NULL;
    assert_int_equal(db_commit(db, &error), -1);
    assert_non_null(error);
    return error;
}

static void test_create_and_reopen(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    char br_uuid[37], port_uuid[37];

    assert_int_equal(db_count_rows(db, T("Open_vSwitch")), 1);
    assert_non_null(db_root_row(db));
    assert_ptr_equal(db_find_row(db, T("Open_vSwitch"), "."), db_root_row(db));
    assert_int_equal(db_count_rows(db, T("Bridge")), 0);

    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    struct db_row *port = add_port(db, br, "tap1");
    struct datum tag;
    char *error = NULL;
    assert_int_equal(datum_from_string(&tag, schema_find_table("Port")->columns + 19, "2",
                                       &error), 0);
    db_row_set(port, "tag", &tag);
    assert_int_equal(tag.n, 0);               /* ownership taken */
    struct db_row *iface = db_find_row(db, T("Interface"), "tap1");
    assert_non_null(iface);
    db_row_set_string(iface, "type", "internal");
    struct datum *ids = (struct datum *) db_row_get(iface, "external_ids");
    union atom k = { .string = "attached-mac" }, v = { .string = "52:54:00:12:34:56" };
    datum_map_set(ids, schema_find_table("Interface")->columns + 12, &k, &v);
    iface->modified = true;
    strcpy(br_uuid, br->uuid);
    strcpy(port_uuid, port->uuid);
    commit(db);
    db_close(db);

    db = open_db(f->path);
    assert_int_equal(db_count_rows(db, T("Bridge")), 1);
    assert_int_equal(db_count_rows(db, T("Port")), 2);
    assert_int_equal(db_count_rows(db, T("Interface")), 2);
    br = db_find_row(db, T("Bridge"), "br0");
    assert_non_null(br);
    assert_string_equal(br->uuid, br_uuid);
    assert_ptr_equal(db_find_row(db, T("Bridge"), br_uuid), br);
    assert_ptr_equal(db_find_row_by_uuid(db, br_uuid), br);
    assert_ptr_equal(db_find_row(db, T("Port"), "tap1"), db_find_row_by_uuid(db, port_uuid));
    assert_null(db_find_row(db, T("Port"), "nosuch"));
    assert_null(db_find_row(db, T("Bridge"), "tap1"));

    /* Insertion order survives the reopen. */
    assert_string_equal(db_row_get_string(db_row_at(db, T("Port"), 0), "name"), "br0");
    assert_string_equal(db_row_get_string(db_row_at(db, T("Port"), 1), "name"), "tap1");
    assert_null(db_row_at(db, T("Port"), 2));

    port = db_find_row(db, T("Port"), "tap1");
    assert_int_equal(db_row_get_integer(port, "tag", -1), 2);
    assert_int_equal(db_row_get_integer(port, "bond_updelay", -1), 0);
    assert_int_equal(db_row_get_integer(db_find_row(db, T("Port"), "br0"), "tag", -1), -1);
    iface = db_find_row(db, T("Interface"), "tap1");
    assert_string_equal(db_row_get_string(iface, "type"), "internal");
    assert_string_equal(db_row_get_string(iface, "error"), "");
    assert_string_equal(db_row_get_map_string(iface, "external_ids", "attached-mac"),
                        "52:54:00:12:34:56");
    assert_null(db_row_get_map_string(iface, "external_ids", "nope"));
    assert_int_equal(db_row_get(br, "ports")->n, 2);
    assert_int_equal(db_row_get(db_root_row(db), "bridges")->n, 1);

    /* A unique uuid prefix finds the row too. */
    char prefix[9];
    memcpy(prefix, br_uuid, 8);
    prefix[8] = '\0';
    assert_ptr_equal(db_find_row(db, T("Bridge"), prefix), br);
    db_close(db);
}

static void test_rollback(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);

    begin(db);
    add_bridge(db, "br0");
    commit(db);

    /* Explicit rollback. */
    begin(db);
    add_bridge(db, "br1");
    db_row_set_string(db_find_row(db, T("Bridge"), "br0"), "datapath_type", "netdev");
    db_rollback(db);
    assert_null(db_find_row(db, T("Bridge"), "br1"));
    assert_string_equal(db_row_get_string(db_find_row(db, T("Bridge"), "br0"),
                                          "datapath_type"), "");

    /* A failed commit: a port without interfaces. */
    begin(db);
    add_bridge(db, "br2");
    struct db_row *port = db_insert_row(db, T("Port"));
    db_row_set_string(port, "name", "empty");
    db_row_add_ref(db_find_row(db, T("Bridge"), "br0"), "ports", port->uuid);
    char *error = commit_fails(db);
    assert_non_null(strstr(error, "column interfaces: 0 value(s) specified but the minimum "
                           "number is 1"));
    assert_non_null(strstr(error, "(empty)"));
    free(error);
    assert_null(db_find_row(db, T("Bridge"), "br2"));
    assert_int_equal(db_count_rows(db, T("Bridge")), 1);
    db_close(db);

    db = open_db(f->path);
    assert_int_equal(db_count_rows(db, T("Bridge")), 1);
    assert_int_equal(db_count_rows(db, T("Port")), 1);
    assert_null(db_find_row(db, T("Port"), "empty"));
    db_close(db);
}

static void test_garbage_collection(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);

    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    add_port(db, br, "p1");
    add_port(db, br, "p2");
    /* An interface nothing references never reaches the file. */
    add_interface(db, "orphan");
    commit(db);
    assert_int_equal(db_count_rows(db, T("Port")), 3);
    assert_int_equal(db_count_rows(db, T("Interface")), 3);
    assert_null(db_find_row(db, T("Interface"), "orphan"));

    /* del-port: only the reference goes; the Port and its Interface follow. */
    begin(db);
    br = db_find_row(db, T("Bridge"), "br0");
    db_row_remove_ref(br, "ports", db_find_row(db, T("Port"), "p1")->uuid);
    commit(db);
    assert_null(db_find_row(db, T("Port"), "p1"));
    assert_null(db_find_row(db, T("Interface"), "p1"));
    assert_int_equal(db_count_rows(db, T("Interface")), 2);

    /* del-br: the bridge is a root row, so it is deleted explicitly. */
    begin(db);
    br = db_find_row(db, T("Bridge"), "br0");
    db_row_remove_ref(db_root_row(db), "bridges", br->uuid);
    db_delete_row(db, br);
    assert_null(db_find_row(db, T("Bridge"), "br0"));
    assert_int_equal(db_count_rows(db, T("Bridge")), 0);
    commit(db);
    assert_int_equal(db_count_rows(db, T("Port")), 0);
    assert_int_equal(db_count_rows(db, T("Interface")), 0);
    db_close(db);

    db = open_db(f->path);
    assert_int_equal(db_count_rows(db, T("Bridge")), 0);
    assert_int_equal(db_count_rows(db, T("Port")), 0);
    assert_int_equal(db_count_rows(db, T("Interface")), 0);
    db_close(db);
}

/* Weak references (Mirror's ports) as OVSDB has them: they keep nothing
 * alive, vanish with the row they lead to, and one to a row that does not
 * exist is dropped, not refused.  Rows of tables that are not roots
 * (Mirror) go with the last strong reference; root tables' (QoS) stay. */
static void test_weak_references_and_other_tables(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);

    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    struct db_row *p1 = add_port(db, br, "p1");
    struct db_row *p2 = add_port(db, br, "p2");
    struct db_row *mirror = db_insert_row(db, T("Mirror"));
    db_row_set_string(mirror, "name", "m1");
    db_row_add_ref(mirror, "select_src_port", p1->uuid);
    db_row_add_ref(mirror, "select_src_port", p2->uuid);
    db_row_add_ref(mirror, "select_dst_port", "01234567-89ab-cdef-0123-456789abcdef");
    db_row_add_ref(br, "mirrors", mirror->uuid);
    struct db_row *qos = db_insert_row(db, T("QoS"));
    db_row_set_string(qos, "type", "linux-htb");
    commit(db);
    mirror = db_find_row_by_uuid(db, db_row_get(db_find_row(db, T("Bridge"), "br0"),
                                                "mirrors")->keys[0].string);
    assert_non_null(mirror);
    assert_int_equal(db_row_get(mirror, "select_src_port")->n, 2);
    assert_int_equal(db_row_get(mirror, "select_dst_port")->n, 0);   /* dropped */
    assert_int_equal(db_count_rows(db, T("QoS")), 1);                 /* a root: kept */

    /* del-port p1: the mirror no longer selects it, and does not keep it. */
    begin(db);
    br = db_find_row(db, T("Bridge"), "br0");
    db_row_remove_ref(br, "ports", db_find_row(db, T("Port"), "p1")->uuid);
    commit(db);
    assert_null(db_find_row(db, T("Port"), "p1"));
    mirror = db_row_at(db, T("Mirror"), 0);
    assert_int_equal(db_row_get(mirror, "select_src_port")->n, 1);
    assert_string_equal(db_row_get(mirror, "select_src_port")->keys[0].string,
                        db_find_row(db, T("Port"), "p2")->uuid);

    /* del-br: the bridge's mirror goes with it (not a root table). */
    begin(db);
    br = db_find_row(db, T("Bridge"), "br0");
    db_row_remove_ref(db_root_row(db), "bridges", br->uuid);
    commit(db);
    assert_int_equal(db_count_rows(db, T("Bridge")), 0);
    assert_int_equal(db_count_rows(db, T("Mirror")), 0);
    assert_int_equal(db_count_rows(db, T("Port")), 0);
    assert_int_equal(db_count_rows(db, T("QoS")), 1);

    /* Open_vSwitch holds one row at most (SSL too: its second row, nothing
     * can refer to, is garbage first). */
    begin(db);
    db_insert_row(db, T("SSL"));
    db_row_set_string(db_root_row(db), "ssl", db_row_at(db, T("SSL"), 0)->uuid);
    db_insert_row(db, T("SSL"));
    commit(db);
    assert_int_equal(db_count_rows(db, T("SSL")), 1);
    begin(db);
    db_insert_row(db, T("Open_vSwitch"));
    char *error = commit_fails(db);
    assert_string_equal(error, "too many rows in table Open_vSwitch (at most 1 allowed)");
    free(error);
    db_close(db);
}

static void test_references_and_names(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);

    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    add_port(db, br, "tap1");
    commit(db);

    /* Deleting a row still referenced. */
    begin(db);
    struct db_row *port = db_find_row(db, T("Port"), "tap1");
    char port_uuid[37];
    strcpy(port_uuid, port->uuid);
    db_delete_row(db, port);
    char *error = commit_fails(db);
    char expected[256];
    snprintf(expected, sizeof expected, "references nonexistent row %s in table Port",
             port_uuid);
    assert_non_null(strstr(error, expected));
    assert_non_null(strstr(error, "column ports"));
    free(error);
    assert_non_null(db_find_row(db, T("Port"), "tap1"));

    /* del-port X -- add-port br0 X in one transaction. */
    begin(db);
    br = db_find_row(db, T("Bridge"), "br0");
    port = db_find_row(db, T("Port"), "tap1");
    db_row_remove_ref(br, "ports", port->uuid);
    db_delete_row(db, port);
    assert_null(db_find_row(db, T("Port"), "tap1"));
    struct db_row *again = add_port(db, br, "tap1");
    assert_ptr_equal(db_find_row(db, T("Port"), "tap1"), again);
    commit(db);
    assert_int_equal(db_count_rows(db, T("Port")), 2);
    assert_int_equal(db_count_rows(db, T("Interface")), 2);
    assert_string_not_equal(db_find_row(db, T("Port"), "tap1")->uuid, port_uuid);

    /* Two ports with one name. */
    begin(db);
    add_port(db, db_find_row(db, T("Bridge"), "br0"), "tap1");
    error = commit_fails(db);
    assert_string_equal(error, "Transaction causes multiple rows in \"Port\" table to "
                        "have identical values (tap1) for index on column \"name\".");
    free(error);
    assert_int_equal(db_count_rows(db, T("Port")), 2);

    /* A bad value set through the API is caught at commit. */
    begin(db);
    db_row_set_string(db_find_row(db, T("Port"), "tap1"), "vlan_mode", "bogus");
    error = commit_fails(db);
    assert_non_null(strstr(error, "bogus is not one of the allowed values"));
    free(error);
    db_close(db);
}

static void test_two_writers(void **state)
{
    struct fixture *f = *state;
    struct db *a = open_db(f->path);
    struct db *b = open_db(f->path);
    char *error = NULL;

    begin(a);
    add_bridge(a, "br0");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_begin(b, 200, &error), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(error, "is locked by another writer"));
    free(error);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150);

    /* A reader is not blocked by the writer and sees the last commit. */
    assert_int_equal(db_reload(b, &error), 0);
    assert_int_equal(db_count_rows(b, T("Bridge")), 0);

    commit(a);
    begin(b);
    assert_non_null(db_find_row(b, T("Bridge"), "br0"));
    add_bridge(b, "br1");
    commit(b);

    assert_int_equal(db_reload(a, &error), 0);
    assert_non_null(db_find_row(a, T("Bridge"), "br1"));
    assert_int_equal(db_count_rows(a, T("Port")), 2);

    /* Calling begin twice is refused. */
    begin(a);
    assert_int_equal(db_begin(a, 100, &error), -1);
    free(error);
    db_rollback(a);

    db_close(a);
    db_close(b);
}

static void test_ephemeral_and_reload(void **state)
{
    struct fixture *f = *state;
    struct db *cli = open_db(f->path);
    struct db *daemon = open_db(f->path);
    char *error = NULL;

    begin(cli);
    struct db_row *br = add_bridge(cli, "br0");
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        struct db_row *port = add_port(cli, br, name);
        struct db_row *iface = db_find_row(cli, T("Interface"), name);
        db_row_set_string(iface, "type", "internal");
        (void) port;
    }
    commit(cli);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_reload(daemon, &error), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long us = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
    print_message("full reload of %zu interfaces: %ld us\n",
                  db_count_rows(daemon, T("Interface")), us);
    assert_int_equal(db_count_rows(daemon, T("Interface")), 301);

    /* Stale only after other connections' commits. */
    assert_false(db_stale(daemon));

    /* Nothing changed: reload is a no-op and rows stay where they were. */
    struct db_row *p5 = db_find_row(daemon, T("Interface"), "p5");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_reload(daemon, &error), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    us = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
    print_message("unchanged reload: %ld us\n", us);
    assert_ptr_equal(db_find_row(daemon, T("Interface"), "p5"), p5);

    /* The daemon reports ofport and error. */
    struct datum ofport = DATUM_EMPTY;
    const struct column_def *col;
    assert_int_equal(schema_find_column(T("Interface"), "ofport", &col, &error), 0);
    assert_int_equal(datum_from_string(&ofport, col, "7", &error), 0);
    assert_int_equal(db_write_ephemeral(daemon, "Interface", p5->uuid, "ofport", &ofport,
                                        &error), 0);
    assert_int_equal(db_row_get_integer(p5, "ofport", -1), 7);
    assert_int_equal(db_write_ephemeral(daemon, "Interface",
                                        "00000000-0000-0000-0000-000000000000", "ofport",
                                        &ofport, &error), -1);
    free(error);
    assert_int_equal(db_write_ephemeral(daemon, "Interface", p5->uuid, "nocolumn", &ofport,
                                        &error), -1);
    assert_string_equal(error, "Interface does not contain a column whose name matches "
                        "\"nocolumn\"");
    free(error);

    /* Several rows in one transaction; a row that is not there rolls back all. */
    struct db_row *p6 = db_find_row(daemon, T("Interface"), "p6");
    struct datum two[2] = { DATUM_EMPTY, DATUM_EMPTY };
    assert_int_equal(datum_from_string(&two[0], col, "8", &error), 0);
    assert_int_equal(datum_from_string(&two[1], col, "9", &error), 0);
    const char *both[2] = { p5->uuid, p6->uuid };
    const char *bad[2] = { p6->uuid, "00000000-0000-0000-0000-000000000000" };
    assert_int_equal(db_write_ephemeral_rows(daemon, "Interface", "ofport", 2, bad, two, 100,
                                             &error), -1);
    free(error);
    assert_int_equal(db_row_get_integer(p6, "ofport", -1), -1);
    assert_int_equal(db_write_ephemeral_rows(daemon, "Interface", "ofport", 2, both, two, 100,
                                             &error), 0);
    assert_int_equal(db_row_get_integer(p5, "ofport", -1), 8);
    assert_int_equal(db_row_get_integer(p6, "ofport", -1), 9);
    assert_int_equal(db_reload(cli, &error), 0);
    assert_int_equal(db_row_get_integer(db_find_row(cli, T("Interface"), "p6"), "ofport", -1),
                     9);
    datum_destroy(&two[0], col);
    datum_destroy(&two[1], col);
    assert_int_equal(db_write_ephemeral(daemon, "Interface", p5->uuid, "ofport", &ofport,
                                        &error), 0);
    datum_destroy(&ofport, col);
    assert_false(db_stale(daemon));             /* its own writes */

    assert_int_equal(db_reload(cli, &error), 0);
    assert_int_equal(db_row_get_integer(db_find_row(cli, T("Interface"), "p5"), "ofport", -1),
                     7);

    /* A CLI's transaction does not lose it either. */
    begin(cli);
    db_row_set_string(db_find_row(cli, T("Interface"), "p5"), "type", "tap");
    commit(cli);
    assert_true(db_stale(daemon));
    assert_int_equal(db_reload(daemon, &error), 0);
    assert_false(db_stale(daemon));
    struct db_row *row = db_find_row(daemon, T("Interface"), "p5");
    assert_string_equal(db_row_get_string(row, "type"), "tap");
    assert_int_equal(db_row_get_integer(row, "ofport", -1), 7);

    db_close(cli);
    db_close(daemon);
}

/* Several processes adding bridges at once: every transaction sees the
 * previous one's Open_vSwitch.bridges, so none is lost. */
static void test_concurrent_processes(void **state)
{
    struct fixture *f = *state;
    enum { N_PROC = 4, N_EACH = 15 };

    db_close(open_db(f->path));
    for (int p = 0; p < N_PROC; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (!pid) {
            struct db *db = NULL;
            char *error = NULL;
            if (db_open(f->path, &db, &error)) {
                _exit(1);
            }
            for (int i = 0; i < N_EACH; i++) {
                char name[32];
                snprintf(name, sizeof name, "br-%d-%d", p, i);
                if (db_begin(db, 10000, &error)) {
                    _exit(2);
                }
                add_bridge(db, name);
                if (db_commit(db, &error)) {
                    _exit(3);
                }
            }
            db_close(db);
            _exit(0);
        }
    }
    for (int p = 0; p < N_PROC; p++) {
        int status;
        assert_true(wait(&status) > 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct db *db = open_db(f->path);
    assert_int_equal(db_count_rows(db, T("Bridge")), N_PROC * N_EACH);
    assert_int_equal(db_row_get(db_root_row(db), "bridges")->n, N_PROC * N_EACH);
    assert_int_equal(db_count_rows(db, T("Port")), N_PROC * N_EACH);
    db_close(db);
}

static void exec_sql(sqlite3 *sql, const char *stmt)
{
    char *msg = NULL;
    if (sqlite3_exec(sql, stmt, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("%s: %s", stmt, msg);
    }
}

static void test_schema_upgrade(void **state)
{
    struct fixture *f = *state;
    char path[160];
    sqlite3 *sql;

    /* A version 0 file with only a few columns. */
    snprintf(path, sizeof path, "%s/old.db", f->dir);
    assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
    exec_sql(sql, "CREATE TABLE \"Open_vSwitch\" (_uuid TEXT PRIMARY KEY, bridges TEXT)");
    exec_sql(sql, "CREATE TABLE \"Bridge\" (_uuid TEXT PRIMARY KEY, name TEXT, ports TEXT)");
    exec_sql(sql, "INSERT INTO \"Open_vSwitch\" VALUES ('11111111-2222-4333-8444-555555555555',"
                  " '[\"uuid\",\"aaaaaaaa-2222-4333-8444-555555555555\"]')");
    exec_sql(sql, "INSERT INTO \"Bridge\" VALUES ('aaaaaaaa-2222-4333-8444-555555555555',"
                  " '\"br-old\"', '[\"set\",[]]')");
    sqlite3_close(sql);

    struct db *db = open_db(path);
    struct db_row *br = db_find_row(db, T("Bridge"), "br-old");
    assert_non_null(br);
    assert_string_equal(db_row_get_string(db_root_row(db), "bridges"),
                        "aaaaaaaa-2222-4333-8444-555555555555");
    assert_string_equal(db_row_get_string(br, "datapath_type"), "");
    assert_int_equal(db_row_get(br, "other_config")->n, 0);
    begin(db);
    db_row_set_string(br, "datapath_type", "netdev");
    add_port(db, br, "p1");
    commit(db);
    db_close(db);

    assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(sql, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), SCHEMA_VERSION);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(sql, "SELECT datapath_type, stp_enable, other_config "
                                        "FROM \"Bridge\"", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *) sqlite3_column_text(stmt, 0), "\"netdev\"");
    assert_string_equal((const char *) sqlite3_column_text(stmt, 1), "false");
    assert_string_equal((const char *) sqlite3_column_text(stmt, 2), "[\"map\",[]]");
    sqlite3_finalize(stmt);

    /* A newer file than this program knows is refused, not damaged. */
    exec_sql(sql, "PRAGMA user_version = 99");
    sqlite3_close(sql);
    struct db *newer = NULL;
    char *error = NULL;
    assert_int_equal(db_open(path, &newer, &error), -1);
    assert_null(newer);
    assert_non_null(strstr(error, "newer"));
    free(error);
}

/* Version 1 had no host tables: opening such a file adds NIC, Macvtap and
 * VF and keeps what was there. */
static void test_schema_upgrade_adds_host_tables(void **state)
{
    struct fixture *f = *state;
    char path[160];
    sqlite3 *sql;

    snprintf(path, sizeof path, "%s/v1.db", f->dir);
    struct db *db = open_db(path);
    begin(db);
    add_bridge(db, "br-v1");
    commit(db);
    db_close(db);
    assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
    exec_sql(sql, "DROP TABLE \"NIC\"");
    exec_sql(sql, "DROP TABLE \"Macvtap\"");
    exec_sql(sql, "DROP TABLE \"VF\"");
    exec_sql(sql, "PRAGMA user_version = 1");
    sqlite3_close(sql);

    db = open_db(path);
    assert_non_null(db_find_row(db, T("Bridge"), "br-v1"));
    begin(db);
    struct db_row *nic = db_insert_row(db, T("NIC"));
    db_row_set_string(nic, "name", "eth9");
    db_row_set_string(nic, "steering", "performance");
    struct db_row *mv = db_insert_row(db, T("Macvtap"));
    db_row_set_string(mv, "name", "mv9");
    db_row_set_string(mv, "lower", "eth9");
    db_row_set_string(mv, "mode", "vepa");
    struct db_row *vf = db_insert_row(db, T("VF"));
    db_row_set_string(vf, "name", "eth9/vf2");
    db_row_set_string(vf, "pf", "eth9");
    commit(db);
    db_close(db);

    db = open_db(path);
    struct db_row *row = db_find_row(db, T("NIC"), "eth9");
    assert_non_null(row);
    assert_string_equal(db_row_get_string(row, "steering"), "performance");
    row = db_find_row(db, T("Macvtap"), "mv9");
    assert_non_null(row);
    assert_string_equal(db_row_get_string(row, "mode"), "vepa");
    db_close(db);
}

/* A version 3 file (written before the change sequence and the name
 * indexes) gets both when opened: writes stamp their sequence, and a reader
 * reads only the changes. */
static void test_schema_upgrade_adds_change_sequence(void **state)
{
    struct fixture *f = *state;
    char path[160];
    sqlite3 *sql;

    snprintf(path, sizeof path, "%s/v3.db", f->dir);
    struct db *db = open_db(path);
    begin(db);
    add_port(db, add_bridge(db, "br-v3"), "p1");
    commit(db);
    db_close(db);
    assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
    exec_sql(sql, "DROP TABLE _seq");
    exec_sql(sql, "DROP TABLE _tombstone");
    exec_sql(sql, "DROP INDEX \"Port__name\"");
    exec_sql(sql, "PRAGMA user_version = 3");
    sqlite3_close(sql);

    struct db *reader = open_db(path);
    struct db *writer = open_db(path);
    begin(writer);
    add_port(writer, db_find_row(writer, T("Bridge"), "br-v3"), "p2");
    commit(writer);
    char *error = NULL;
    assert_int_equal(db_reload(reader, &error), 0);
    assert_non_null(db_find_row(reader, T("Port"), "p2"));
    db_close(writer);
    db_close(reader);

    assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(sql, "SELECT count(*) FROM sqlite_master WHERE "
                                        "name = 'Port__name'", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(sql, "SELECT n FROM _seq", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_true(sqlite3_column_int(stmt, 0) >= 1);
    sqlite3_finalize(stmt);
    sqlite3_close(sql);
}

/* Cells are written without jansson when their atoms are plain: the text
 * is byte for byte jansson's (the loader's fast path and older files rely on
 * it), and a string that needs escapes still goes through jansson. */
static void test_cell_text_matches_jansson(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    struct db_row *port = add_port(db, br, "p1");
    add_port(db, br, "p2");
    char *error = NULL;
    const char *cells[][2] = {
        { "trunks", "1,2,4094" },
        { "tag", "7" },
        { "other_config", "{a=b, \"c d\"=\"e\\\"f\", x=\"tab\\there\"}" },
        { "external_ids", "{}" },
        { "bond_fake_iface", "true" },
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const struct column_def *col;
        struct datum d;
        assert_int_equal(schema_find_column(T("Port"), cells[i][0], &col, &error), 0);
        if (datum_from_string(&d, col, cells[i][1], &error))
            fail_msg("%s: %s", cells[i][0], error);
        db_row_set_by_def(port, col, &d);
    }
    commit(db);

    sqlite3 *sql;
    assert_int_equal(sqlite3_open(f->path, &sql), SQLITE_OK);
    const char *columns[] = { "trunks", "tag", "other_config", "external_ids",
                              "bond_fake_iface", "interfaces", "name" };
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        const struct column_def *col;
        assert_int_equal(schema_find_column(T("Port"), columns[i], &col, &error), 0);
        json_t *json = datum_to_json(db_row_get(port, columns[i]), col);
        char *expected = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(json);
        char query[128];
        snprintf(query, sizeof query, "SELECT \"%s\" FROM Port WHERE _uuid = '%s'", columns[i],
                 port->uuid);
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(sql, query, -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(stmt, 0), expected);
        sqlite3_finalize(stmt);
        free(expected);
    }
    /* A set of several uuids (the bridge's ports). */
    const struct column_def *ports;
    assert_int_equal(schema_find_column(T("Bridge"), "ports", &ports, &error), 0);
    json_t *json = datum_to_json(db_row_get(br, "ports"), ports);
    char *expected = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(json);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(sql, "SELECT ports FROM Bridge", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *) sqlite3_column_text(stmt, 0), expected);
    sqlite3_finalize(stmt);
    free(expected);
    sqlite3_close(sql);
    db_close(db);
}

static void test_open_errors_and_default_path(void **state)
{
    struct fixture *f = *state;
    struct db *db = NULL;
    char *error = NULL;
    char path[160];

    snprintf(path, sizeof path, "%s/file", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/file/conf.db", f->dir);
    assert_int_equal(db_open(path, &db, &error), -1);
    assert_non_null(strstr(error, "cannot create directory"));
    free(error);

    setenv("PONTOON_DB", "/tmp/x.db", 1);
    assert_string_equal(db_default_path(), "/tmp/x.db");
    unsetenv("PONTOON_DB");
    assert_string_equal(db_default_path(), DB_DEFAULT_PATH);

    /* Commit without begin. */
    db = open_db(f->path);
    assert_int_equal(db_commit(db, &error), -1);
    free(error);
    db_close(db);
}


/* A reader that loaded once reads only what another writer changed since:
 * a row inserted (at the end, as in the file), one updated in place (the
 * same row object, new values), one deleted; rows nobody touched keep their
 * objects.  Its own ephemeral write does not make it miss the others'. */
/* A commit of this connection marks the rows it wrote as a load does, so
 * that the daemon, applying an OVSDB client's transaction, reconfigures
 * exactly them. */
static void test_commit_marks_written_rows(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    add_port(db, br, "p1");
    add_port(db, br, "p2");
    commit(db);
    uint64_t since = db_load_generation(db);
    begin(db);
    struct db_row *p1 = db_find_row(db, T("Interface"), "p1");
    db_row_set_string(p1, "type", "patch");
    commit(db);
    assert_true(db_load_generation(db) > since);
    assert_true(db_find_row(db, T("Interface"), "p1")->generation > since);
    assert_true(db_find_row(db, T("Interface"), "p2")->generation <= since);
    assert_true(db_find_row(db, T("Port"), "p2")->generation <= since);
    /* A commit that writes nothing leaves the count alone. */
    since = db_load_generation(db);
    begin(db);
    commit(db);
    assert_int_equal(db_load_generation(db), since);
    db_close(db);
}

static void test_reload_reads_only_changes(void **state)
{
    struct fixture *f = *state;
    struct db *writer = open_db(f->path);
    begin(writer);
    struct db_row *br = add_bridge(writer, "br0");
    add_port(writer, br, "p1");
    add_port(writer, br, "p2");
    add_port(writer, br, "p3");
    commit(writer);

    struct db *reader = open_db(f->path);
    struct db_row *p1 = db_find_row(reader, T("Port"), "p1");
    struct db_row *p2 = db_find_row(reader, T("Port"), "p2");
    assert_non_null(p1);
    assert_non_null(p2);
    /* The reader reports something of its own meanwhile. */
    const struct column_def *col;
    char *error = NULL;
    assert_int_equal(schema_find_column(T("Interface"), "error", &col, &error), 0);
    struct datum status = DATUM_EMPTY;
    assert_int_equal(datum_from_string(&status, col, "x", &error), 0);
    assert_int_equal(db_write_ephemeral(reader, "Interface",
                                        db_find_row(reader, T("Interface"), "p3")->uuid,
                                        "error", &status, &error), 0);
    datum_destroy(&status, col);

    begin(writer);
    br = db_find_row(writer, T("Bridge"), "br0");
    add_port(writer, br, "p4");
    db_row_set_string(db_find_row(writer, T("Port"), "p2"), "name", "p2b");
    struct db_row *gone = db_find_row(writer, T("Port"), "p1");
    db_row_remove_ref(br, "ports", gone->uuid);
    db_delete_row(writer, gone);
    commit(writer);

    assert_int_equal(db_reload(reader, &error), 0);
    assert_null(db_find_row(reader, T("Port"), "p1"));
    assert_ptr_equal(db_find_row(reader, T("Port"), "p2b"), p2);     /* in place */
    assert_non_null(db_find_row(reader, T("Port"), "p4"));
    size_t n = db_count_rows(reader, T("Port"));
    assert_int_equal(n, 4);                           /* br0's own, p2b, p3, p4 */
    assert_string_equal(db_row_get_string(db_row_at(reader, T("Port"), n - 1), "name"), "p4");
    /* p1's Interface went by garbage collection: a tombstone too. */
    assert_null(db_find_row(reader, T("Interface"), "p1"));
    assert_string_equal(db_row_get_string(db_find_row(reader, T("Interface"), "p3"), "error"),
                        "x");
    /* The same as a fresh load. */
    struct db *fresh = open_db(f->path);
    assert_int_equal(db_count_rows(fresh, T("Port")), db_count_rows(reader, T("Port")));
    assert_int_equal(db_count_rows(fresh, T("Interface")), db_count_rows(reader, T("Interface")));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(db_row_get_string(db_row_at(fresh, T("Port"), i), "name"),
                            db_row_get_string(db_row_at(reader, T("Port"), i), "name"));
    db_close(fresh);

    /* Only the tables a transaction wrote are read again (the file records
     * them): a QoS row, and nothing else, comes in. */
    begin(writer);
    db_row_set_string(db_insert_row(writer, T("QoS")), "type", "linux-htb");
    commit(writer);
    assert_int_equal(db_reload(reader, &error), 0);
    bool all = true;
    assert_int_equal(db_changed_rows(reader, &all), 1);
    assert_false(all);
    assert_string_equal(db_changed_row_at(reader, 0)->table->name, "QoS");
    assert_int_equal(db_count_rows(reader, T("QoS")), 1);
    db_close(reader);
    db_close(writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_collection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_references_and_other_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_references_and_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_reads_only_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_marks_written_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_upgrade_adds_host_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_upgrade_adds_change_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cell_text_matches_jansson, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors_and_default_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
