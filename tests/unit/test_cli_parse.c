/* The argument parser: global options, per-command options, `--` chains and
 * the ovs-vsctl messages for mistakes.  Uses its own small command table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/parse.h"

static const struct cli_command_def test_commands[] = {
    { "add-br", 1, 3, "--may-exist", COMMAND_WRITE, NULL, NULL, NULL },
    { "add-port", 2, -1, "--may-exist", COMMAND_WRITE, NULL, NULL, NULL },
    { "add-bond", 4, -1, "--may-exist,--fake-iface", COMMAND_WRITE, NULL, NULL, NULL },
    { "del-port", 1, 2, "--if-exists", COMMAND_WRITE, NULL, NULL, NULL },
    { "list-br", 0, 0, "", COMMAND_READ, NULL, NULL, NULL },
    { "list", 1, -1, "--if-exists,--columns=", COMMAND_READ, NULL, NULL, NULL },
    { "create", 2, -1, "--id=", COMMAND_WRITE, NULL, NULL, NULL },
    { "set", 3, -1, "--if-exists", COMMAND_WRITE, NULL, NULL, NULL },
    { "fdb/show", 1, 1, "", COMMAND_RUNTIME, NULL, NULL, NULL },
};

static const struct cli_command_def *lookup(const char *name)
{
    for (size_t i = 0; i < sizeof test_commands / sizeof test_commands[0]; i++)
        if (!strcmp(test_commands[i].name, name))
            return &test_commands[i];
    return NULL;
}

/* Parses a NULL-terminated list of words (argv[0] "pontoon" is added). */
static int parse_words(struct cli_parse_result *r, char **error, ...)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "pontoon";
    va_list ap;
    va_start(ap, error);
    for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 63;)
        argv[argc++] = w;
    va_end(ap);
    argv[argc] = NULL;
    return cli_parse(argc, argv, lookup, r, error);
}
#define PARSE(R, E, ...) parse_words((R), (E), __VA_ARGS__, (char *)NULL)

static void expect_error(const char *message, struct cli_parse_result *r, char *error, int rc)
{
    assert_int_equal(rc, -1);
    assert_non_null(error);
    assert_string_equal(error, message);
    free(error);
    cli_parse_result_free(r);
}
#define EXPECT_ERROR(MSG, ...) do {                                   \
        struct cli_parse_result r_;                                   \
        char *e_ = NULL;                                              \
        int rc_ = PARSE(&r_, &e_, __VA_ARGS__);                       \
        expect_error((MSG), &r_, e_, rc_);                            \
    } while (0)

static void test_defaults(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "list-br"), 0);
    assert_int_equal(r.n_commands, 1);
    assert_string_equal(r.commands[0].argv[0], "list-br");
    assert_int_equal(r.commands[0].argc, 1);
    assert_int_equal(r.options.timeout_s, 0);
    assert_false(r.options.no_wait);
    assert_false(r.options.format_given);
    assert_int_equal(r.options.format, FORMAT_TABLE);
    assert_int_equal(r.options.data, DATA_STRING);
    assert_null(r.options.db_path);
    assert_null(r.options.run_dir);
    cli_parse_result_free(&r);
}

static void test_global_options(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "--timeout=5", "--db", "/tmp/x.db", "--run-dir=/tmp/r",
                           "--no-wait", "--format=json", "--data=json", "--no-headings",
                           "--oneline", "--pretty", "--dry-run", "list-br"), 0);
    assert_int_equal(r.options.timeout_s, 5);
    assert_string_equal(r.options.db_path, "/tmp/x.db");
    assert_string_equal(r.options.run_dir, "/tmp/r");
    assert_true(r.options.no_wait);
    assert_true(r.options.format_given);
    assert_int_equal(r.options.format, FORMAT_JSON);
    assert_int_equal(r.options.data, DATA_JSON);
    assert_true(r.options.no_headings);
    assert_true(r.options.oneline);
    assert_true(r.options.pretty);
    assert_true(r.options.dry_run);
    cli_parse_result_free(&r);

    assert_int_equal(PARSE(&r, &error, "-t", "7", "list-br"), 0);
    assert_int_equal(r.options.timeout_s, 7);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "-t9", "-fcsv", "list-br"), 0);
    assert_int_equal(r.options.timeout_s, 9);
    assert_int_equal(r.options.format, FORMAT_CSV);
    cli_parse_result_free(&r);
    /* getopt_long accepts unique prefixes. */
    assert_int_equal(PARSE(&r, &error, "--time=3", "list-br"), 0);
    assert_int_equal(r.options.timeout_s, 3);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "--bare", "list-br"), 0);
    assert_int_equal(r.options.format, FORMAT_LIST);
    assert_int_equal(r.options.data, DATA_BARE);
    assert_true(r.options.no_headings);
    cli_parse_result_free(&r);
}

static void test_help_and_version(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "--help"), 0);
    assert_true(r.help);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "-h"), 0);
    assert_true(r.help);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "-V"), 0);
    assert_true(r.version);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "--version"), 0);
    assert_true(r.version);
    cli_parse_result_free(&r);
}

static void test_global_option_errors(void **state)
{
    EXPECT_ERROR("unrecognized option '--frobnicate'", "--frobnicate", "list-br");
    EXPECT_ERROR("invalid option -- 'x'", "-x", "list-br");
    EXPECT_ERROR("value abc on -t or --timeout is invalid", "--timeout=abc", "list-br");
    EXPECT_ERROR("value -1 on -t or --timeout is invalid", "-t", "-1", "list-br");
    EXPECT_ERROR("unknown output format \"yaml\"", "--format=yaml", "list-br");
    EXPECT_ERROR("unknown cell format \"xml\"", "--data=xml", "list-br");
    EXPECT_ERROR("option '--db' requires an argument", "--db");
    EXPECT_ERROR("option '--no-wait' doesn't allow an argument", "--no-wait=1", "list-br");
    EXPECT_ERROR("option '--no' is ambiguous", "--no", "list-br");
}

static void test_db_remote(void **state)
{
    /* OVS's default OVSDB remote: the default database. */
    struct cli_parse_result r;
    char *error = NULL;
    assert_int_equal(PARSE(&r, &error, "--db=unix:/var/run/openvswitch/db.sock", "list-br"), 0);
    assert_null(r.options.db_path);
    cli_parse_result_free(&r);
    assert_int_equal(PARSE(&r, &error, "--db=/tmp/x.db", "list-br"), 0);
    assert_string_equal(r.options.db_path, "/tmp/x.db");
    cli_parse_result_free(&r);
    /* Any other server: an error, not a new database file named after it. */
    EXPECT_ERROR("--db=tcp:127.0.0.1:6640: Pontoon has no database server to connect to; "
                 "--db takes the database file (default $PONTOON_DB, else "
                 "/var/lib/pontoon/conf.db)", "--db=tcp:127.0.0.1:6640", "list-br");
    EXPECT_ERROR("--db=unix:/tmp/other.sock: Pontoon has no database server to connect to; "
                 "--db takes the database file (default $PONTOON_DB, else "
                 "/var/lib/pontoon/conf.db)", "--db", "unix:/tmp/other.sock", "list-br");
}

static void test_chain(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "add-br", "br0", "--", "add-port", "br0", "p1", "tag=2",
                           "--", "list-br"), 0);
    assert_int_equal(r.n_commands, 3);
    assert_ptr_equal(r.commands[0].def, &test_commands[0]);
    assert_int_equal(r.commands[0].argc, 2);
    assert_string_equal(r.commands[0].argv[1], "br0");
    assert_int_equal(r.commands[1].argc, 4);
    assert_string_equal(r.commands[1].argv[3], "tag=2");
    assert_string_equal(r.commands[2].argv[0], "list-br");
    cli_parse_result_free(&r);
}

static void test_libvirt_line(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "--timeout=5", "--", "--may-exist", "add-port", "br0",
                           "vnet0", "tag=2", "--", "set", "Interface", "vnet0",
                           "external-ids:attached-mac=\"52:54:00:12:34:56\"", "--",
                           "set", "Interface", "vnet0", "external-ids:iface-status=active"), 0);
    assert_int_equal(r.options.timeout_s, 5);
    assert_int_equal(r.n_commands, 3);
    assert_true(r.commands[0].may_exist);
    assert_int_equal(r.commands[0].argc, 4);
    assert_false(r.commands[1].may_exist);
    assert_string_equal(r.commands[1].argv[3], "external-ids:attached-mac=\"52:54:00:12:34:56\"");
    cli_parse_result_free(&r);

    assert_int_equal(PARSE(&r, &error, "--timeout=5", "--", "--if-exists", "del-port", "vnet0"), 0);
    assert_int_equal(r.n_commands, 1);
    assert_true(r.commands[0].if_exists);
    cli_parse_result_free(&r);
}

static void test_global_command_options_go_to_first(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "--may-exist", "add-port", "br-int", "dev", "--",
                           "set", "Interface", "dev", "type=internal"), 0);
    assert_int_equal(r.n_commands, 2);
    assert_true(r.commands[0].may_exist);
    assert_false(r.commands[1].may_exist);
    cli_parse_result_free(&r);

    /* libvirt's statistics query. */
    assert_int_equal(PARSE(&r, &error, "--if-exists", "--format=list", "--data=json",
                           "--no-headings", "--columns=statistics", "list", "Interface",
                           "vnet0"), 0);
    assert_true(r.commands[0].if_exists);
    assert_string_equal(r.commands[0].columns, "statistics");
    assert_int_equal(r.options.format, FORMAT_LIST);
    assert_int_equal(r.options.data, DATA_JSON);
    assert_true(r.options.no_headings);
    cli_parse_result_free(&r);

    /* getopt style: the value may be the next word. */
    assert_int_equal(PARSE(&r, &error, "--columns", "name", "list", "Port"), 0);
    assert_string_equal(r.commands[0].columns, "name");
    cli_parse_result_free(&r);

    assert_int_equal(PARSE(&r, &error, "--", "--id=@p", "create", "Port", "name=p"), 0);
    assert_string_equal(r.commands[0].id, "@p");
    cli_parse_result_free(&r);

    assert_int_equal(PARSE(&r, &error, "add-bond", "br0", "b0", "a", "b", "--",
                           "--fake-iface", "--may-exist", "add-bond", "br0", "b1", "c", "d"), 0);
    assert_false(r.commands[0].fake_iface);
    assert_true(r.commands[1].fake_iface);
    assert_true(r.commands[1].may_exist);
    cli_parse_result_free(&r);
}

static void test_empty_segments(void **state)
{
    struct cli_parse_result r;
    char *error;
    assert_int_equal(PARSE(&r, &error, "--", "add-br", "a", "--", "--", "add-br", "b", "--"), 0);
    assert_int_equal(r.n_commands, 2);
    assert_string_equal(r.commands[1].argv[1], "b");
    cli_parse_result_free(&r);
}

static void test_command_errors(void **state)
{
    EXPECT_ERROR("'add-br' command has no '--if-exists' option", "--if-exists", "add-br", "x");
    EXPECT_ERROR("'add-br' command has no '--if-exists' option",
                 "list-br", "--", "--if-exists", "add-br", "x");
    EXPECT_ERROR("'add-br' command requires at least 1 arguments", "add-br");
    EXPECT_ERROR("'list-br' command takes at most 0 arguments", "list-br", "x");
    /* Options after the command name are its arguments, as in ovs-vsctl. */
    EXPECT_ERROR("'list-br' command takes at most 0 arguments", "list-br", "--format=json");
    EXPECT_ERROR("unknown command 'foo'; use --help for help", "foo");
    EXPECT_ERROR("unknown command 'foo'; use --help for help", "list-br", "--", "foo", "bar");
    EXPECT_ERROR("missing command name (use --help for help)", "--timeout=5");
    EXPECT_ERROR("missing command name (use --help for help)", "--");
    EXPECT_ERROR("missing command name (use --help for help)", "list-br", "--", "--if-exists");
    EXPECT_ERROR("'--may-exist' option specified multiple times",
                 "--may-exist", "--", "--may-exist", "add-br", "x");
    EXPECT_ERROR("'--may-exist' option on 'add-br' does not accept an argument",
                 "--", "--may-exist=yes", "add-br", "x");
    EXPECT_ERROR("missing argument to '--columns' option on 'list' command",
                 "--", "--columns", "list", "Port");
    EXPECT_ERROR("'add-port' command has no '--columns' option",
                 "--columns=name", "add-port", "br0", "p");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_global_options),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_global_option_errors),
        cmocka_unit_test(test_db_remote),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_libvirt_line),
        cmocka_unit_test(test_global_command_options_go_to_first),
        cmocka_unit_test(test_empty_segments),
        cmocka_unit_test(test_command_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
