/* Log lines (util/log.c) as standard error and the log file get them, at a
 * given time; level names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "util/log.h"

/* 2026-12-07T03:30:05Z */
#define WHEN_SEC 1796614205

static void test_line_has_utc_time_program_level_and_text(void **state)
{
    struct timespec when = { WHEN_SEC, 123999999 };     /* milliseconds cut, not rounded */
    char buf[256];
    size_t len = log_format_line(buf, sizeof buf, &when, "pontoond", LOG_LEVEL_INFO,
                                 "bridge br0: created");
    assert_string_equal(buf, "2026-12-07T03:30:05.123Z|pontoond|info|bridge br0: created\n");
    assert_int_equal(len, strlen(buf));
}

static void test_every_level_has_its_name(void **state)
{
    struct timespec when = { 0, 0 };
    char buf[128];
    log_format_line(buf, sizeof buf, &when, "p", LOG_LEVEL_ERR, "x");
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z|p|err|x\n");
    log_format_line(buf, sizeof buf, &when, "p", LOG_LEVEL_WARN, "x");
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z|p|warn|x\n");
    log_format_line(buf, sizeof buf, &when, "p", LOG_LEVEL_DBG, "x");
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z|p|dbg|x\n");
}

static void test_long_text_is_cut_and_keeps_the_newline(void **state)
{
    struct timespec when = { WHEN_SEC, 5000000 };
    char buf[48];
    size_t len = log_format_line(buf, sizeof buf, &when, "pontoond", LOG_LEVEL_WARN,
                                 "a message much longer than the buffer it goes in");
    assert_int_equal(len, sizeof buf - 1);
    assert_int_equal(strlen(buf), sizeof buf - 1);
    assert_string_equal(buf, "2026-12-07T03:30:05.005Z|pontoond|warn|a messa\n");
}

static void test_exact_fit_is_not_cut(void **state)
{
    struct timespec when = { 0, 0 };
    const char *line = "1970-01-01T00:00:00.000Z|p|info|abc\n";
    char buf[64];
    size_t size = strlen(line) + 1;
    assert_int_equal(log_format_line(buf, size, &when, "p", LOG_LEVEL_INFO, "abc"),
                     strlen(line));
    assert_string_equal(buf, line);
}

static void test_level_names_parse(void **state)
{
    enum log_level level;
    assert_int_equal(log_level_from_string("WARN", &level), 0);
    assert_int_equal(level, LOG_LEVEL_WARN);
    assert_int_equal(log_level_from_string("debug", &level), 0);
    assert_int_equal(level, LOG_LEVEL_DBG);
    assert_int_equal(log_level_from_string("verbose", &level), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_has_utc_time_program_level_and_text),
        cmocka_unit_test(test_every_level_has_its_name),
        cmocka_unit_test(test_long_text_is_cut_and_keeps_the_newline),
        cmocka_unit_test(test_exact_fit_is_not_cut),
        cmocka_unit_test(test_level_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
