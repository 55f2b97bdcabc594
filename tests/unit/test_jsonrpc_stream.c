/* JSON-RPC framing (db/jsonrpc_stream.c): messages back to back, split at
 * every byte, whitespace between, and the input that ends the stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db/jsonrpc_stream.h"

static const char TWO[] = "{\"method\":\"echo\",\"params\":[\"}{\\\"\"],\"id\":1}\n "
                          "{\"method\":\"list_dbs\",\"params\":[[1,{\"a\":[]}]],\"id\":2}";

static void expect_method(struct jsonrpc_stream *s, const char *method)
{
    json_t *msg = NULL;
    char *error = NULL;
    assert_int_equal(jsonrpc_stream_next(s, &msg, &error), 1);
    assert_string_equal(json_string_value(json_object_get(msg, "method")), method);
    json_decref(msg);
}

static void test_two_messages_in_one_read(void **state)
{
    (void) state;
    struct jsonrpc_stream s;
    jsonrpc_stream_init(&s);
    assert_int_equal(jsonrpc_stream_feed(&s, TWO, strlen(TWO)), 0);
    expect_method(&s, "echo");
    expect_method(&s, "list_dbs");
    json_t *msg;
    char *error = NULL;
    assert_int_equal(jsonrpc_stream_next(&s, &msg, &error), 0);
    jsonrpc_stream_destroy(&s);
}

/* Cut anywhere (inside strings, escapes, between the two), the same two
 * messages come out, and nothing before their last byte. */
static void test_split_at_every_byte(void **state)
{
    (void) state;
    size_t len = strlen(TWO);
    for (size_t cut = 0; cut <= len; cut++) {
        struct jsonrpc_stream s;
        jsonrpc_stream_init(&s);
        json_t *msg = NULL;
        char *error = NULL;
        int got = 0;
        assert_int_equal(jsonrpc_stream_feed(&s, TWO, cut), 0);
        while (jsonrpc_stream_next(&s, &msg, &error) == 1) {
            got++;
            json_decref(msg);
        }
        assert_null(error);
        assert_int_equal(jsonrpc_stream_feed(&s, TWO + cut, len - cut), 0);
        while (jsonrpc_stream_next(&s, &msg, &error) == 1) {
            got++;
            json_decref(msg);
        }
        assert_null(error);
        assert_int_equal(got, 2);
        jsonrpc_stream_destroy(&s);
    }
}

/* A byte at a time: the end is looked for where the last look stopped. */
static void test_one_byte_at_a_time(void **state)
{
    (void) state;
    struct jsonrpc_stream s;
    jsonrpc_stream_init(&s);
    int got = 0;
    for (size_t i = 0; TWO[i]; i++) {
        assert_int_equal(jsonrpc_stream_feed(&s, TWO + i, 1), 0);
        json_t *msg = NULL;
        char *error = NULL;
        int r;
        while ((r = jsonrpc_stream_next(&s, &msg, &error)) == 1) {
            got++;
            json_decref(msg);
        }
        assert_int_equal(r, 0);
    }
    assert_int_equal(got, 2);
    jsonrpc_stream_destroy(&s);
}

static void test_bad_input_ends_the_stream(void **state)
{
    (void) state;
    static const char *const bad[] = { "[1,2]", "\"text\"", "{\"a\":tru}", "{\"a\":1,\"a\":2}",
                                       "{]" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct jsonrpc_stream s;
        jsonrpc_stream_init(&s);
        jsonrpc_stream_feed(&s, bad[i], strlen(bad[i]));
        json_t *msg = NULL;
        char *error = NULL;
        assert_int_equal(jsonrpc_stream_next(&s, &msg, &error), -1);
        assert_non_null(error);
        free(error);
        jsonrpc_stream_destroy(&s);
    }
}

static void test_oversized_message_refused(void **state)
{
    (void) state;
    struct jsonrpc_stream s;
    jsonrpc_stream_init(&s);
    size_t chunk = 1 << 20;
    char *data = malloc(chunk);
    memset(data, ' ', chunk);
    data[0] = '{';
    data[1] = '"';
    int rc = 0;
    for (size_t sent = 0; rc == 0 && sent <= JSONRPC_MAX_MESSAGE; sent += chunk)
        rc = jsonrpc_stream_feed(&s, data, chunk);
    assert_int_equal(rc, -1);
    free(data);
    jsonrpc_stream_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_messages_in_one_read),
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_bad_input_ends_the_stream),
        cmocka_unit_test(test_oversized_message_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
