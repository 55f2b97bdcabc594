/* --remote syntax (db/ovsdb_remote.c): ovsdb-server's punix: and ptcp:. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "db/ovsdb_remote.h"

static void test_punix(void **state)
{
    (void) state;
    struct ovsdb_remote r;
    const char *error;
    assert_int_equal(ovsdb_remote_parse("punix:/run/x/db.sock", &r, &error), 0);
    assert_false(r.tcp);
    assert_string_equal(r.path, "/run/x/db.sock");
    assert_int_equal(ovsdb_remote_parse("punix:", &r, &error), -1);
    char long_path[200] = "punix:/";
    memset(long_path + 7, 'a', 150);
    assert_int_equal(ovsdb_remote_parse(long_path, &r, &error), -1);
}

static void test_ptcp(void **state)
{
    (void) state;
    struct ovsdb_remote r;
    const char *error;
    /* Loopback unless an address is given. */
    assert_int_equal(ovsdb_remote_parse("ptcp:6640", &r, &error), 0);
    assert_true(r.tcp);
    assert_int_equal(r.port, 6640);
    assert_string_equal(r.ip, "127.0.0.1");
    assert_int_equal(ovsdb_remote_parse("ptcp:0:198.18.0.1", &r, &error), 0);
    assert_int_equal(r.port, 0);
    assert_string_equal(r.ip, "198.18.0.1");
    assert_int_equal(ovsdb_remote_parse("ptcp:6640:[2001:2::1]", &r, &error), 0);
    assert_string_equal(r.ip, "2001:2::1");
    /* Refused: no port, a port too big, a name, active remotes. */
    const char *bad[] = { "ptcp:", "ptcp:65536", "ptcp:66x", "ptcp:1:host.example",
                          "tcp:127.0.0.1:6640", "unix:/x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        error = NULL;
        if (ovsdb_remote_parse(bad[i], &r, &error) != -1)
            fail_msg("%s was accepted", bad[i]);
        assert_non_null(error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_punix),
        cmocka_unit_test(test_ptcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
