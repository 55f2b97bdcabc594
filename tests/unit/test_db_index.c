/* Rows by uuid (db/db_index.c) and the database's lookups through it:
 * additions, removals, growth, and an index that follows inserts, deletes,
 * rollbacks, reloads and other processes' commits; a 500-port transaction
 * commits or fails as a whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/db_index.h"
#include "db_fixture.h"

#define N_ROWS 5000

static void fake_uuid(char out[37], unsigned i)
{
    snprintf(out, 37, "%08x-0000-4000-8000-%012x", i * 2654435761u, i);
}

static void test_index_add_remove_grow(void **state)
{
    (void)state;
    struct db_row *rows = calloc(N_ROWS, sizeof *rows);
    struct db_index index;
    db_index_init(&index);
    for (unsigned i = 0; i < N_ROWS; i++) {
        fake_uuid(rows[i].uuid, i);
        db_index_add(&index, &rows[i]);
    }
    for (unsigned i = 0; i < N_ROWS; i++)
        assert_ptr_equal(db_index_find(&index, rows[i].uuid), &rows[i]);
    char absent[37];
    fake_uuid(absent, N_ROWS + 7);
    assert_null(db_index_find(&index, absent));

    /* Every other row removed: the others are still found past the markers. */
    for (unsigned i = 0; i < N_ROWS; i += 2)
        db_index_remove(&index, &rows[i]);
    for (unsigned i = 0; i < N_ROWS; i++)
        assert_ptr_equal(db_index_find(&index, rows[i].uuid), i % 2 ? &rows[i] : NULL);
    /* Removing twice, or a row never added, changes nothing. */
    db_index_remove(&index, &rows[0]);
    struct db_row stranger = { 0 };
    strcpy(stranger.uuid, absent);
    db_index_remove(&index, &stranger);

    /* Added again (reusing markers and growing): all there once more. */
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < N_ROWS; i += 2)
            db_index_add(&index, &rows[i]);
        for (unsigned i = 0; i < N_ROWS; i++)
            assert_ptr_equal(db_index_find(&index, rows[i].uuid), &rows[i]);
        for (unsigned i = 0; i < N_ROWS; i += 2)
            db_index_remove(&index, &rows[i]);
    }
    assert_true(index.n_slots <= 8 * 4 * N_ROWS);   /* markers do not pile up */

    db_index_clear(&index);
    assert_null(db_index_find(&index, rows[1].uuid));
    db_index_destroy(&index);
    free(rows);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/pontoon-test-dbidx-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/conf.db", f->dir);
    *state = f;
    return 0;
}

static void begin(struct db *db)
{
    char *error = NULL;
    if (db_begin(db, 5000, &error))
        fail_msg("db_begin: %s", error);
}

static int commit(struct db *db)
{
    char *error = NULL;
    int rc = db_commit(db, &error);
    free(error);
    return rc;
}

/* Every port of br0 reachable by following uuids, each exactly once. */
static size_t count_reachable_ports(struct db *db)
{
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    const struct datum *ports = db_row_get(br, "ports");
    size_t n = 0;
    for (size_t i = 0; i < ports->n; i++) {
        struct db_row *port = db_find_row_by_uuid(db, ports->keys[i].string);
        assert_non_null(port);
        assert_ptr_equal(port->table, T("Port"));
        const struct datum *ifaces = db_row_get(port, "interfaces");
        assert_int_equal(ifaces->n, 1);
        struct db_row *iface = db_find_row_by_uuid(db, ifaces->keys[0].string);
        assert_non_null(iface);
        assert_string_equal(db_row_get_string(iface, "name"), db_row_get_string(port, "name"));
        /* Found in its own table, not in another. */
        assert_ptr_equal(db_find_row(db, T("Interface"), iface->uuid), iface);
        assert_null(db_find_row(db, T("Bridge"), iface->uuid));
        n++;
    }
    return n;
}

static void test_lookups_follow_changes(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    char name[32];

    /* A 500-port chain that fails (one duplicate name) leaves nothing. */
    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "p%d", i);
        add_port(db, br, name);
    }
    add_port(db, br, "p250");
    assert_int_equal(commit(db), -1);
    assert_null(db_find_row(db, T("Bridge"), "br0"));
    assert_int_equal(db_count_rows(db, T("Port")), 0);
    assert_int_equal(db_count_rows(db, T("Interface")), 0);

    /* The same chain without the duplicate commits whole. */
    begin(db);
    br = add_bridge(db, "br0");
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "p%d", i);
        add_port(db, br, name);
    }
    assert_int_equal(commit(db), 0);
    assert_int_equal(count_reachable_ports(db), 501);

    /* Deleted in a transaction: gone at once; back after a rollback. */
    begin(db);
    struct db_row *port = db_find_row(db, T("Port"), "p7");
    char uuid[37];
    strcpy(uuid, port->uuid);
    db_row_remove_ref(db_find_row(db, T("Bridge"), "br0"), "ports", uuid);
    db_delete_row(db, port);
    assert_null(db_find_row_by_uuid(db, uuid));
    assert_null(db_find_row(db, T("Port"), uuid));
    db_rollback(db);
    assert_non_null(db_find_row_by_uuid(db, uuid));
    assert_int_equal(count_reachable_ports(db), 501);

    /* Another process's commit is seen after a reload. */
    pid_t pid = fork();
    if (pid == 0) {
        struct db *other = open_db(f->path);
        begin(other);
        add_port(other, db_find_row(other, T("Bridge"), "br0"), "late");
        _exit(commit(other) == 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_int_equal(status, 0);
    char *error = NULL;
    assert_int_equal(db_reload(db, &error), 0);
    struct db_row *late = db_find_row(db, T("Port"), "late");
    assert_non_null(late);
    assert_ptr_equal(db_find_row_by_uuid(db, late->uuid), late);
    assert_int_equal(count_reachable_ports(db), 502);

    /* Deleted and committed: gone, and the garbage-collected Interface too. */
    begin(db);
    const struct datum *ifaces = db_row_get(late, "interfaces");
    char iface_uuid[37];
    strcpy(iface_uuid, ifaces->keys[0].string);
    db_row_remove_ref(db_find_row(db, T("Bridge"), "br0"), "ports", late->uuid);
    strcpy(uuid, late->uuid);
    db_delete_row(db, late);
    assert_int_equal(commit(db), 0);
    assert_null(db_find_row_by_uuid(db, uuid));
    assert_null(db_find_row_by_uuid(db, iface_uuid));
    assert_int_equal(count_reachable_ports(db), 501);
    db_close(db);
}


/* Maps and sets come back from the file exactly as they went in, whether the
 * loader's fast path reads them (plain strings, integers, uuids) or jansson
 * does (escapes, non-ASCII, other forms). */
static void test_collections_reload_exactly(void **state)
{
    struct fixture *f = *state;
    static const struct { const char *column, *json; } cells[] = {
        { "statistics", "[\"map\",[[\"rx_bytes\",9007199254740993],[\"rx_packets\",3],"
                        "[\"tx_dropped\",-1],[\"x\",0]]]" },
        { "status", "[\"map\",[[\"a b\",\"q\\\"uote\"],[\"driver_name\",\"veth\"],"
                    "[\"k\",\"\\u00e9t\u00e9\"],[\"empty\",\"\"]]]" },
        { "trunks", "[\"set\",[1,2,4094]]" },
        { "tag", "7" },
        { "external_ids", "[\"map\",[[\"iface-id\",\"5fa21732-87a2-4d4e-8d51-3b1c3b6d1c1a\"],"
                          "[\"vm-uuid\",\"]\"],[\"z\",\",\"]]]" },
    };
    const struct table_def *port_table = T("Port");
    struct datum want[5];
    struct db *db = open_db(f->path);
    begin(db);
    struct db_row *br = add_bridge(db, "br0");
    struct db_row *port = add_port(db, br, "p0");
    char uuid[37];
    strcpy(uuid, port->uuid);
    for (size_t i = 0; i < 5; i++) {
        const struct column_def *col;
        char *error = NULL;
        assert_int_equal(schema_find_column(port_table, cells[i].column, &col, &error), 0);
        json_error_t jerr;
        json_t *json = json_loads(cells[i].json, JSON_DECODE_ANY, &jerr);
        assert_non_null(json);
        assert_int_equal(datum_from_json(&want[i], col, json, &error), 0);
        json_decref(json);
        struct datum copy;
        datum_clone(&copy, &want[i], col);
        db_row_set_by_def(port, col, &copy);
    }
    assert_int_equal(commit(db), 0);

    struct db *other = open_db(f->path);
    struct db_row *back = db_find_row(other, port_table, uuid);
    assert_non_null(back);
    for (size_t i = 0; i < 5; i++) {
        const struct column_def *col;
        char *error = NULL;
        schema_find_column(port_table, cells[i].column, &col, &error);
        assert_true(datum_equals(db_row_get(back, cells[i].column), &want[i], col));
        datum_destroy(&want[i], col);
    }
    /* Bridge.ports, a uuid set: every port found again. */
    assert_int_equal(db_row_get(db_find_row(other, T("Bridge"), "br0"), "ports")->n, 2);
    db_close(other);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_add_remove_grow),
        cmocka_unit_test_setup_teardown(test_lookups_follow_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collections_reload_exactly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
