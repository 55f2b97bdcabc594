/* db_watch: writes to the database file or its write-ahead log wake the
 * daemon; writes to anything else in the directory do not.  Against the
 * real kernel's inotify, in a private temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "db/db_watch.h"

static char dir[64];

static void write_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static int make_dir(void **state)
{
    (void) state;
    strcpy(dir, "/tmp/test_db_watch.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void) state;
    const char *names[] = { "conf.db", "conf.db-wal", "conf.db-journal", "conf.db-shm",
                            "conf.dbx", "pontoond.log", "other.db" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        remove_file(names[i]);
    return rmdir(dir);
}

static struct db_watch *open_watch(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/conf.db", dir);
    struct db_watch *w = NULL;
    assert_int_equal(db_watch_open(path, &w), 0);
    assert_non_null(w);
    assert_true(db_watch_fd(w) >= 0);
    return w;
}

static void test_nothing_written_nothing_reported(void **state)
{
    (void) state;
    struct db_watch *w = open_watch();
    assert_false(db_watch_consume(w));
    db_watch_close(w);
}

static void test_database_and_its_log_are_reported(void **state)
{
    (void) state;
    struct db_watch *w = open_watch();
    write_file("conf.db-wal");                  /* created */
    assert_true(db_watch_consume(w));
    assert_false(db_watch_consume(w));          /* consumed */
    write_file("conf.db-wal");                  /* written */
    assert_true(db_watch_consume(w));
    write_file("conf.db");
    assert_true(db_watch_consume(w));
    write_file("conf.db");
    assert_true(db_watch_consume(w));
    write_file("conf.db-journal");              /* a file not in WAL mode */
    assert_true(db_watch_consume(w));
    db_watch_close(w);
}

static void test_other_files_are_not(void **state)
{
    (void) state;
    write_file("pontoond.log");
    write_file("conf.db-wal");
    struct db_watch *w = open_watch();          /* existing files: writes only */
    write_file("pontoond.log");                 /* a log beside the file */
    write_file("conf.db-shm");                  /* readers' index, not data */
    write_file("conf.dbx");
    write_file("other.db");
    assert_false(db_watch_consume(w));
    write_file("pontoond.log");
    write_file("conf.db-wal");                  /* one that counts among others */
    write_file("pontoond.log");
    assert_true(db_watch_consume(w));
    db_watch_close(w);
}

static void test_replaced_file_is_reported(void **state)
{
    (void) state;
    struct db_watch *w = open_watch();
    write_file("other.db");
    assert_false(db_watch_consume(w));
    char from[128], to[128];
    snprintf(from, sizeof from, "%s/other.db", dir);
    snprintf(to, sizeof to, "%s/conf.db", dir);
    assert_int_equal(rename(from, to), 0);      /* a restore by rename */
    assert_true(db_watch_consume(w));
    db_watch_close(w);
}

static void test_missing_directory_is_an_error(void **state)
{
    (void) state;
    struct db_watch *w = (struct db_watch *) 1;
    assert_true(db_watch_open("/nonexistent-pontoon-dir/conf.db", &w) < 0);
    assert_null(w);
    db_watch_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_written_nothing_reported, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_database_and_its_log_are_reported, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_other_files_are_not, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_replaced_file_is_reported, make_dir, remove_dir),
        cmocka_unit_test(test_missing_directory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
