/* A lazy database (the CLI's, db_open_lazy): a transaction reads the rows it
 * touches, not the file; the commit's checks (garbage collection,
 * references, unique names) still see the whole file through its indexes,
 * and fail or pass exactly as the eager database's do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db/db_private.h"
#include "db_fixture.h"

#define N_PORTS 300

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/pontoon-test-dbp-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/conf.db", f->dir);
    /* br0 with N_PORTS ports p0..p(N-1), written by an eager writer. */
    struct db *db = open_db(f->path);
    char *error = NULL;
    if (db_begin(db, 1000, &error))
        fail_msg("db_begin: %s", error);
    struct db_row *br = add_bridge(db, "br0");
    for (int i = 0; i < N_PORTS; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        add_port(db, br, name);
    }
    if (db_commit(db, &error))
        fail_msg("db_commit: %s", error);
    db_close(db);
    *state = f;
    return 0;
}

static struct db *open_lazy(const char *path)
{
    struct db *db = NULL;
    char *error = NULL;
    if (db_open_lazy(path, &db, &error))
        fail_msg("db_open_lazy: %s", error);
    if (db_begin(db, 1000, &error))
        fail_msg("db_begin: %s", error);
    return db;
}

static size_t rows_in_memory(const struct db *db, const char *table)
{
    return db->tables[db_table_index(T(table))].n;
}

static void commit_ok(struct db *db)
{
    char *error = NULL;
    if (db_commit(db, &error))
        fail_msg("db_commit: %s", error);
}

static char *commit_error(struct db *db)
{
    char *error = NULL;
    assert_int_equal(db_commit(db, &error), -1);
    assert_non_null(error);
    return error;
}

/* add-port at 300 ports reads a handful of rows, and commits. */
static void test_add_port_reads_what_it_touches(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_lazy(f->path);
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    assert_non_null(br);
    assert_null(db_find_row_named(db, T("Port"), "new"));
    assert_non_null(db_find_row_named(db, T("Port"), "p123"));
    add_port(db, br, "new");
    commit_ok(db);
    db_close(db);

    db = open_lazy(f->path);
    struct db_row *port = db_find_row_named(db, T("Port"), "new");
    assert_non_null(port);
    /* Its interface, found from it (by uuid) and it found back from there. */
    struct db_row *iface = db_find_row_by_uuid(db, db_row_get(port, "interfaces")->keys[0].string);
    assert_non_null(iface);
    assert_ptr_equal(db_find_referrer(db, iface, T("Port")), port);
    assert_true(rows_in_memory(db, "Port") < 5);
    assert_true(rows_in_memory(db, "Interface") < 5);
    db_close(db);
}

/* The commit compares a changed row with the row as the transaction found
 * it, kept at its first change (not read from the file again): a Bridge
 * changed twice — p3 dropped, then a port added — still lets p3 and its
 * Interface go, and a row changed then deleted is judged by its original. */
static void test_changes_are_judged_against_the_first_copy(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_lazy(f->path);
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    db_row_remove_ref(br, "ports", db_find_row(db, T("Port"), "p3")->uuid);
    assert_non_null(br->original);
    const size_t found = N_PORTS + 1;            /* and the bridge's local port */
    assert_int_equal(db_row_get(br->original, "ports")->n, found);
    add_port(db, br, "added");
    assert_int_equal(db_row_get(br->original, "ports")->n, found);
    /* p4 renamed, then dropped and deleted: its Interface goes with it. */
    struct db_row *p4 = db_find_row(db, T("Port"), "p4");
    db_row_set_string(p4, "name", "p4-renamed");
    db_row_remove_ref(br, "ports", p4->uuid);
    db_delete_row(db, p4);
    commit_ok(db);
    assert_null(br->original);
    db_close(db);

    db = open_lazy(f->path);
    assert_null(db_find_row_named(db, T("Port"), "p3"));
    assert_null(db_find_row_named(db, T("Interface"), "p3"));
    assert_null(db_find_row_named(db, T("Interface"), "p4"));
    assert_non_null(db_find_row_named(db, T("Port"), "added"));
    assert_int_equal(db_count_rows(db, T("Port")), found - 2 + 1);
    assert_int_equal(db_count_rows(db, T("Interface")), found - 2 + 1);
    db_close(db);
}

/* A name the file already has (on a row not in memory) is refused; a
 * name freed in the same transaction is not. */
static void test_unique_names_against_the_file(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_lazy(f->path);
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    add_port(db, br, "p7");
    char *error = commit_error(db);
    assert_non_null(strstr(error, "identical values (p7)"));
    free(error);
    db_close(db);

    db = open_lazy(f->path);
    br = db_find_row(db, T("Bridge"), "br0");
    db_row_set_string(db_find_row(db, T("Port"), "p8"), "name", "p8-old");
    struct db_row *iface = db_find_row(db, T("Interface"), "p8");
    db_row_set_string(iface, "name", "p8-old");
    add_port(db, br, "p8");
    commit_ok(db);
    db_close(db);
    struct db *check = open_db(f->path);
    assert_non_null(db_find_row(check, T("Port"), "p8-old"));
    assert_int_equal(db_count_rows(check, T("Port")), N_PORTS + 2);
    db_close(check);
}

/* Dropping a port from its bridge frees it and its interface, rows the
 * transaction never read; deleting a row still referenced from the file is
 * refused. */
static void test_garbage_and_references(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_lazy(f->path);
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    struct db_row *port = db_find_row(db, T("Port"), "p42");
    db_row_remove_ref(br, "ports", port->uuid);
    commit_ok(db);
    db_close(db);
    struct db *check = open_db(f->path);
    assert_null(db_find_row(check, T("Port"), "p42"));
    assert_null(db_find_row(check, T("Interface"), "p42"));
    assert_int_equal(db_count_rows(check, T("Interface")), N_PORTS);   /* br0's + 299 */
    db_close(check);

    db = open_lazy(f->path);
    struct db_row *iface = db_find_row(db, T("Interface"), "p43");
    db_delete_row(db, iface);
    char *error = commit_error(db);
    assert_non_null(strstr(error, "referential integrity violation"));
    assert_non_null(strstr(error, "column interfaces"));
    free(error);
    /* Nothing written, and memory is back to the file's. */
    assert_non_null(db_find_row(db, T("Interface"), "p43"));
    db_close(db);

    /* A reference to a row that does not exist is refused. */
    db = open_lazy(f->path);
    port = db_find_row(db, T("Port"), "p44");
    db_row_add_ref(port, "interfaces", "01234567-89ab-4cde-8f01-23456789abcd");
    error = commit_error(db);
    assert_non_null(strstr(error, "nonexistent row 01234567-89ab-4cde-8f01-23456789abcd"));
    free(error);
    db_close(db);
}

/* Walking a table reads it whole, in the file's order, with the rows
 * already in memory (edited) and the new ones (last) in it. */
static void test_walk_completes_in_file_order(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_lazy(f->path);
    struct db_row *p200 = db_find_row(db, T("Port"), "p200");
    db_row_set_string(p200, "name", "p200-renamed");
    struct db_row *extra = add_port(db, db_find_row(db, T("Bridge"), "br0"), "extra");
    size_t n = db_count_rows(db, T("Port"));
    assert_int_equal(n, N_PORTS + 2);
    assert_string_equal(db_row_get_string(db_row_at(db, T("Port"), 0), "name"), "br0");
    assert_string_equal(db_row_get_string(db_row_at(db, T("Port"), 1), "name"), "p0");
    assert_ptr_equal(db_row_at(db, T("Port"), 201), p200);
    assert_ptr_equal(db_row_at(db, T("Port"), n - 1), extra);
    for (size_t i = 1; i < n; i++)
        assert_true(db_row_at(db, T("Port"), i - 1)->order < db_row_at(db, T("Port"), i)->order);
    commit_ok(db);
    db_close(db);
}

/* One transaction adding 500 ports commits whole, or (one name taken)
 * not at all. */
static void test_big_chain_whole_or_nothing(void **state)
{
    struct fixture *f = *state;
    for (int round = 0; round < 2; round++) {
        struct db *db = open_lazy(f->path);
        struct db_row *br = db_find_row(db, T("Bridge"), "br0");
        for (int i = 0; i < 500; i++) {
            char name[16];
            snprintf(name, sizeof name, "c%d", i);
            add_port(db, br, round == 0 && i == 250 ? "p5" : name);
        }
        if (round == 0) {
            free(commit_error(db));
        } else {
            commit_ok(db);
        }
        db_close(db);
        struct db *check = open_db(f->path);
        assert_int_equal(db_count_rows(check, T("Port")), N_PORTS + 1 + (round ? 500 : 0));
        db_close(check);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_port_reads_what_it_touches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_are_judged_against_the_first_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unique_names_against_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_and_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_completes_in_file_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_chain_whole_or_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
