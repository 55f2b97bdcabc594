/* OVSDB methods (db/ovsdb_rpc.c) on a database with a bridge and two
 * ports: the answers, and the errors, as ovsdb-server words them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "db/datum.h"
#include "db/ovsdb_rpc.h"
#include "db_fixture.h"

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/pontoon-test-rpc-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/conf.db", f->dir);
    struct db *db = open_db(f->path);
    char *error = NULL;
    if (db_begin(db, 1000, &error))
        fail_msg("db_begin: %s", error);
    struct db_row *br = add_bridge(db, "br0");
    add_port(db, br, "p1");
    add_port(db, br, "p2");
    if (db_commit(db, &error))
        fail_msg("db_commit: %s", error);
    db_close(db);
    *state = f;
    return 0;
}

/* The response to `request` (JSON text), checked for its id. */
static json_t *call(void **state, const char *request)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    json_error_t err;
    json_t *msg = json_loads(request, 0, &err);
    if (!msg)
        fail_msg("bad test JSON: %s: %s", request, err.text);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    json_t *reply = ovsdb_rpc_handle(session, db, msg, 0);
    if (reply)
        assert_true(json_equal(json_object_get(reply, "id"), json_object_get(msg, "id")));
    json_decref(msg);
    ovsdb_session_free(session);
    ovsdb_hub_free(hub);
    db_close(db);
    return reply;
}

static char *text(const json_t *json)
{
    return json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void expect(void **state, const char *request, const char *member, const char *json)
{
    json_t *reply = call(state, request);
    char *got = text(json_object_get(reply, member));
    if (strcmp(got, json))
        fail_msg("%s: %s is\n%s\nnot\n%s", request, member, got, json);
    free(got);
    json_decref(reply);
}

static void test_echo_list_dbs_and_notifications(void **state)
{
    expect(state, "{\"method\":\"echo\",\"params\":[\"x\",1],\"id\":\"e\"}", "result",
           "[\"x\",1]");
    expect(state, "{\"method\":\"list_dbs\",\"params\":[],\"id\":1}", "result",
           "[\"Open_vSwitch\",\"_Server\"]");
    expect(state, "{\"method\":\"nope\",\"params\":[],\"id\":2}", "error", "\"unknown method\"");
    /* No id (a notification), or a response from the client: no answer. */
    assert_null(call(state, "{\"method\":\"echo\",\"params\":[],\"id\":null}"));
    assert_null(call(state, "{\"result\":[],\"error\":null,\"id\":\"echo\"}"));
}

static void test_get_schema(void **state)
{
    json_t *reply = call(state, "{\"method\":\"get_schema\",\"params\":[\"Open_vSwitch\"],"
                                "\"id\":1}");
    json_t *schema = json_object_get(reply, "result");
    assert_string_equal(json_string_value(json_object_get(schema, "version")), "8.3.1");
    assert_non_null(json_object_get(json_object_get(schema, "tables"), "Mirror"));
    json_decref(reply);
    reply = call(state, "{\"method\":\"get_schema\",\"params\":[\"_Server\"],\"id\":1}");
    schema = json_object_get(reply, "result");
    char *model = text(json_object_get(json_object_get(json_object_get(
        json_object_get(json_object_get(schema, "tables"), "Database"), "columns"), "model"),
        "type"));
    assert_string_equal(model, "{\"key\":{\"enum\":[\"set\",[\"clustered\",\"relay\","
                               "\"standalone\"]],\"type\":\"string\"}}");
    free(model);
    json_decref(reply);
    expect(state, "{\"method\":\"get_schema\",\"params\":[\"Nodb\"],\"id\":1}", "error",
           "{\"details\":\"get_schema request specifies unknown database Nodb\","
           "\"error\":\"unknown database\"}");
}

static void test_select(void **state)
{
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"name\",\"!=\",\"br0\"]],"
                  "\"columns\":[\"name\",\"tag\"]}],\"id\":1}", "result",
           "[{\"rows\":[{\"name\":\"p1\",\"tag\":[\"set\",[]]},"
           "{\"name\":\"p2\",\"tag\":[\"set\",[]]}]}]");
    /* By uuid, found from a first select; includes on a set. */
    json_t *reply = call(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
                                "{\"op\":\"select\",\"table\":\"Port\",\"where\":[[\"name\","
                                "\"==\",\"p2\"]],\"columns\":[\"_uuid\"]}],\"id\":1}");
    json_t *uuid = json_object_get(json_array_get(json_object_get(json_array_get(
        json_object_get(reply, "result"), 0), "rows"), 0), "_uuid");
    char *uuid_text = text(uuid);
    char request[512];
    snprintf(request, sizeof request, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
             "{\"op\":\"select\",\"table\":\"Bridge\",\"where\":[[\"ports\",\"includes\",%s]],"
             "\"columns\":[\"name\"]},{\"op\":\"comment\",\"comment\":\"x\"}],\"id\":1}",
             uuid_text);
    expect(state, request, "result", "[{\"rows\":[{\"name\":\"br0\"}]},{}]");
    snprintf(request, sizeof request, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
             "{\"op\":\"select\",\"table\":\"Port\",\"where\":[[\"_uuid\",\"==\",%s]],"
             "\"columns\":[\"name\"]}],\"id\":1}", uuid_text);
    expect(state, request, "result", "[{\"rows\":[{\"name\":\"p2\"}]}]");
    free(uuid_text);
    json_decref(reply);
    /* Every column, _uuid and _version when none are named. */
    reply = call(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":"
                        "\"select\",\"table\":\"Open_vSwitch\",\"where\":[]}],\"id\":1}");
    json_t *row = json_array_get(json_object_get(json_array_get(
        json_object_get(reply, "result"), 0), "rows"), 0);
    assert_int_equal(json_object_size(row), 17 + 2);
    assert_non_null(json_object_get(row, "_version"));
    json_decref(reply);
    /* _Server: the databases served. */
    expect(state, "{\"method\":\"transact\",\"params\":[\"_Server\",{\"op\":\"select\","
                  "\"table\":\"Database\",\"where\":[[\"name\",\"==\",\"Open_vSwitch\"]],"
                  "\"columns\":[\"name\",\"model\",\"connected\",\"leader\"]}],\"id\":1}",
           "result", "[{\"rows\":[{\"connected\":true,\"leader\":true,\"model\":\"standalone\","
                     "\"name\":\"Open_vSwitch\"}]}]");
}

static void test_errors(void **state)
{
    expect(state, "{\"method\":\"transact\",\"params\":[\"Nodb\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[]}],\"id\":1}", "error",
           "{\"details\":\"transact request specifies unknown database Nodb\","
           "\"error\":\"unknown database\",\"syntax\":\"[\\\"Nodb\\\",{\\\"op\\\":\\\"select\\\","
           "\\\"table\\\":\\\"Port\\\",\\\"where\\\":[]}]\"}");
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"nocol\",\"==\",1]]},{\"op\":\"comment\"}],"
                  "\"id\":1}", "result",
           "[{\"details\":\"No column nocol in table Port.\",\"error\":\"unknown column\","
           "\"syntax\":\"[\\\"nocol\\\",\\\"==\\\",1]\"},null]");
    json_t *reply = call(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
                                "{\"op\":\"select\",\"table\":\"Nope\",\"where\":[]},"
                                "{\"op\":\"select\",\"table\":\"Port\",\"where\":[[\"name\","
                                "\"<\",\"x\"]]},{\"op\":\"delete\",\"table\":\"Port\","
                                "\"where\":[]}],\"id\":1}");
    json_t *results = json_object_get(reply, "result");
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 0), "error")),
                        "syntax error");
    assert_true(json_is_null(json_array_get(results, 1)));
    json_decref(reply);
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"name\",\"<\",\"x\"]]}],\"id\":1}",
           "result", "[{\"details\":\"Type mismatch: \\\"<\\\" operator may not be applied to "
                     "column name of type non-numeric.\",\"error\":\"syntax error\","
                     "\"syntax\":\"[\\\"name\\\",\\\"<\\\",\\\"x\\\"]\"}]");
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"tag\",\"~\",1]]}],\"id\":1}", "result",
           "[{\"details\":\"No function named ~.\",\"error\":\"unknown operator\","
           "\"syntax\":\"[\\\"tag\\\",\\\"~\\\",1]\"}]");
    expect(state, "{\"method\":\"echo\",\"params\":{},\"id\":1}", "error",
           "\"params must be an array\"");
}

/* A monitor: the initial rows, then each change as OVSDB reports it (new
 * rows whole, modified ones with the old values of what changed, deleted
 * ones whole as "old"), and nothing when nothing it watches moved. */
static uint64_t now_ms;

static json_t *handle_text(struct ovsdb_session *session, struct db *db, const char *text)
{
    json_t *msg = json_loads(text, 0, NULL);
    assert_non_null(msg);
    json_t *reply = ovsdb_rpc_handle(session, db, msg, now_ms);
    json_decref(msg);
    return reply;
}

/* What the session has for its client once it looked at the database. */
static json_t *session_messages(struct ovsdb_session *session, struct db *db, bool changed)
{
    ovsdb_session_run(session, db, now_ms, changed);
    json_t *out = ovsdb_session_take_messages(session);
    return out ? out : json_array();
}

static char *updates_text(struct ovsdb_session *session, struct db *db)
{
    json_t *out = session_messages(session, db, true);
    char *t = text(out);
    json_decref(out);
    return t;
}

static void test_monitor(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    json_t *reply = handle_text(session, db, "{\"method\":\"monitor\",\"params\":["
                                "\"Open_vSwitch\",\"m1\",{\"Port\":{\"columns\":[\"name\","
                                "\"tag\"]}}],\"id\":7}");
    json_t *port_rows = json_object_get(json_object_get(reply, "result"), "Port");
    assert_int_equal(json_object_size(port_rows), 3);          /* br0, p1, p2 */
    json_decref(reply);
    char *none = updates_text(session, db);
    assert_string_equal(none, "[]");
    free(none);

    char *error = NULL;
    assert_int_equal(db_begin(db, 1000, &error), 0);
    struct db_row *p1 = db_find_row(db, T("Port"), "p1");
    char p1_uuid[37];
    strcpy(p1_uuid, p1->uuid);
    struct datum tag;
    datum_init_integer(&tag, 5);
    db_row_set(p1, "tag", &tag);
    struct db_row *br = db_find_row(db, T("Bridge"), "br0");
    struct db_row *p2 = db_find_row(db, T("Port"), "p2");
    char p2_uuid[37];
    strcpy(p2_uuid, p2->uuid);
    db_row_remove_ref(br, "ports", p2->uuid);
    assert_int_equal(db_commit(db, &error), 0);

    json_t *out = session_messages(session, db, true);
    assert_int_equal(json_array_size(out), 1);
    json_t *note = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(note, "method")), "update");
    assert_true(json_is_null(json_object_get(note, "id")));
    json_t *params = json_object_get(note, "params");
    assert_string_equal(json_string_value(json_array_get(params, 0)), "m1");
    json_t *ports = json_object_get(json_array_get(params, 1), "Port");
    char *p1_change = text(json_object_get(ports, p1_uuid));
    assert_string_equal(p1_change, "{\"new\":{\"name\":\"p1\",\"tag\":5},"
                                   "\"old\":{\"tag\":[\"set\",[]]}}");
    char *p2_change = text(json_object_get(ports, p2_uuid));
    assert_string_equal(p2_change, "{\"old\":{\"name\":\"p2\",\"tag\":[\"set\",[]]}}");
    free(p1_change);
    free(p2_change);
    json_decref(out);

    /* Errors: the same id again; cancelling one that is not there. */
    reply = handle_text(session, db, "{\"method\":\"monitor\",\"params\":[\"Open_vSwitch\","
                        "\"m1\",{\"Port\":{}}],\"id\":8}");
    assert_string_equal(json_string_value(json_object_get(reply, "error")),
                        "duplicate monitor ID");
    json_decref(reply);
    reply = handle_text(session, db, "{\"method\":\"monitor_cancel\",\"params\":[\"m1\"],"
                        "\"id\":9}");
    assert_true(json_is_object(json_object_get(reply, "result")));
    json_decref(reply);
    reply = handle_text(session, db, "{\"method\":\"monitor_cancel\",\"params\":[\"m1\"],"
                        "\"id\":10}");
    assert_string_equal(json_string_value(json_object_get(reply, "error")), "unknown monitor");
    json_decref(reply);
    reply = handle_text(session, db, "{\"method\":\"monitor\",\"params\":[\"Open_vSwitch\","
                        "\"m2\",{\"Nope\":{}}],\"id\":11}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(reply, "error"),
                                                          "error")), "syntax error");
    json_decref(reply);
    ovsdb_session_free(session);
    ovsdb_hub_free(hub);
    db_close(db);
}

/* Writing transactions: the CLI's commit path, whole or nothing. */
static void test_writes(void **state)
{
    /* add-port as ovsdbapp does it: Interface and Port inserted by
     * uuid-name, the Bridge's ports mutated. */
    json_t *reply = call(state,
        "{\"method\":\"transact\",\"id\":1,\"params\":[\"Open_vSwitch\","
        "{\"op\":\"insert\",\"table\":\"Interface\",\"row\":{\"name\":\"p9\","
        "\"type\":\"internal\"},\"uuid-name\":\"i9\"},"
        "{\"op\":\"insert\",\"table\":\"Port\",\"row\":{\"name\":\"p9\",\"tag\":9,"
        "\"interfaces\":[\"named-uuid\",\"i9\"]},\"uuid-name\":\"p9\"},"
        "{\"op\":\"mutate\",\"table\":\"Bridge\",\"where\":[[\"name\",\"==\",\"br0\"]],"
        "\"mutations\":[[\"ports\",\"insert\",[\"set\",[[\"named-uuid\",\"p9\"]]]]]}]}");
    json_t *results = json_object_get(reply, "result");
    assert_int_equal(json_array_size(results), 3);
    assert_non_null(json_object_get(json_array_get(results, 0), "uuid"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(results, 2), "count")),
                     1);
    json_decref(reply);
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p9\"]],\"columns\":"
                  "[\"tag\"]}],\"id\":1}", "result", "[{\"rows\":[{\"tag\":9}]}]");
    /* update and mutate; wait verifies what was read. */
    expect(state, "{\"method\":\"transact\",\"id\":2,\"params\":[\"Open_vSwitch\","
                  "{\"op\":\"wait\",\"timeout\":0,\"table\":\"Port\",\"where\":[[\"name\","
                  "\"==\",\"p9\"]],\"columns\":[\"tag\"],\"until\":\"==\",\"rows\":"
                  "[{\"tag\":9}]},"
                  "{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p9\"]],"
                  "\"row\":{\"tag\":10}},"
                  "{\"op\":\"mutate\",\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p9\"]],"
                  "\"mutations\":[[\"tag\",\"+=\",5],[\"trunks\",\"insert\",[\"set\",[1,2]]]]}]}",
           "result", "[{},{\"count\":1},{\"count\":1}]");
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p9\"]],\"columns\":"
                  "[\"tag\",\"trunks\"]}],\"id\":1}", "result",
           "[{\"rows\":[{\"tag\":15,\"trunks\":[\"set\",[1,2]]}]}]");
    /* A wait that does not hold fails the transaction: nothing changes. */
    expect(state, "{\"method\":\"transact\",\"id\":3,\"params\":[\"Open_vSwitch\","
                  "{\"op\":\"wait\",\"timeout\":0,\"table\":\"Port\",\"where\":[[\"name\","
                  "\"==\",\"p9\"]],\"columns\":[\"tag\"],\"until\":\"==\",\"rows\":"
                  "[{\"tag\":9}]},"
                  "{\"op\":\"update\",\"table\":\"Port\",\"where\":[],\"row\":{\"tag\":1}}]}",
           "result", "[{\"details\":\"\\\"wait\\\" timed out\",\"error\":\"timed out\"},null]");
    /* What the commit refuses comes after the operations' results. */
    reply = call(state, "{\"method\":\"transact\",\"id\":4,\"params\":[\"Open_vSwitch\","
                        "{\"op\":\"insert\",\"table\":\"Port\",\"row\":{\"name\":\"px\","
                        "\"interfaces\":[\"uuid\",\"01234567-89ab-cdef-0123-456789abcdef\"]},"
                        "\"uuid-name\":\"px\"},"
                        "{\"op\":\"mutate\",\"table\":\"Bridge\",\"where\":[],\"mutations\":"
                        "[[\"ports\",\"insert\",[\"named-uuid\",\"px\"]]]}]}");
    results = json_object_get(reply, "result");
    assert_int_equal(json_array_size(results), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 2), "error")),
                        "referential integrity violation");
    json_decref(reply);
    expect(state, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"select\","
                  "\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"px\"]]}],\"id\":1}",
           "result", "[{\"rows\":[]}]");
    /* Names are immutable; a named-uuid must be some insert's. */
    expect(state, "{\"method\":\"transact\",\"id\":5,\"params\":[\"Open_vSwitch\","
                  "{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p9\"]],"
                  "\"row\":{\"name\":\"p10\"}}]}", "result",
           "[{\"details\":\"Cannot update immutable column name in table Port.\","
           "\"error\":\"constraint violation\",\"syntax\":\"{\\\"op\\\":\\\"update\\\","
           "\\\"table\\\":\\\"Port\\\",\\\"where\\\":[[\\\"name\\\",\\\"==\\\","
           "\\\"p9\\\"]],\\\"row\\\":{\\\"name\\\":\\\"p10\\\"}}\"}]");
    reply = call(state, "{\"method\":\"transact\",\"id\":6,\"params\":[\"Open_vSwitch\","
                        "{\"op\":\"mutate\",\"table\":\"Bridge\",\"where\":[],\"mutations\":"
                        "[[\"ports\",\"insert\",[\"named-uuid\",\"nobody\"]]]}]}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(reply, "result"), 0), "error")), "syntax error");
    json_decref(reply);
    /* delete: dropping the port from the bridge lets it go (garbage). */
    expect(state, "{\"method\":\"transact\",\"id\":7,\"params\":[\"Open_vSwitch\","
                  "{\"op\":\"delete\",\"table\":\"QoS\",\"where\":[]}]}", "result",
           "[{\"count\":0}]");
}

/* ---- Open vSwitch's extensions ---- */

/* Sets p1's tag (or clears it: -1) and trunks as a client of the file. */
static void set_port(struct db *db, const char *name, int tag, const char *trunks)
{
    char *error = NULL;
    assert_int_equal(db_begin(db, 1000, &error), 0);
    struct db_row *port = db_find_row(db, T("Port"), name);
    struct datum d;
    if (tag >= 0)
        datum_init_integer(&d, tag);
    else
        datum_init_empty(&d);
    db_row_set(port, "tag", &d);
    const struct column_def *col;
    assert_int_equal(schema_find_column(T("Port"), "trunks", &col, &error), 0);
    assert_int_equal(datum_from_string(&d, col, trunks, &error), 0);
    db_row_set(port, "trunks", &d);
    assert_int_equal(db_commit(db, &error), 0);
}

static void expect_json(const json_t *got, const char *want)
{
    char *t = text(got);
    if (strcmp(t, want))
        fail_msg("got\n%s\nnot\n%s", t, want);
    free(t);
}

/* A result or error member of a reply, as text; the reply is freed. */
static char *member_text(json_t *reply, const char *member)
{
    char *t = text(json_object_get(reply, member));
    json_decref(reply);
    return t;
}

static void test_monitor_cond(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    char p1[37], p2[37];
    strcpy(p1, db_find_row(db, T("Port"), "p1")->uuid);
    strcpy(p2, db_find_row(db, T("Port"), "p2")->uuid);
    char want[512];

    /* Only the rows matching the condition; defaults left out. */
    json_t *reply = handle_text(session, db, "{\"method\":\"monitor_cond\",\"params\":["
                                "\"Open_vSwitch\",\"m1\",{\"Port\":[{\"columns\":[\"name\","
                                "\"tag\",\"trunks\"],\"where\":[[\"name\",\"==\",\"p1\"]]}]}],"
                                "\"id\":1}");
    snprintf(want, sizeof want, "{\"Port\":{\"%s\":{\"initial\":{\"name\":\"p1\"}}}}", p1);
    expect_json(json_object_get(reply, "result"), want);
    json_decref(reply);

    /* A change to p1: only what changed; p2's change is not reported. */
    set_port(db, "p1", 5, "[1,2]");
    set_port(db, "p2", 9, "[]");
    json_t *out = session_messages(session, db, true);
    snprintf(want, sizeof want, "[{\"id\":null,\"method\":\"update2\",\"params\":[\"m1\","
             "{\"Port\":{\"%s\":{\"modify\":{\"tag\":5,\"trunks\":[\"set\",[1,2]]}}}}]}]", p1);
    expect_json(out, want);
    json_decref(out);
    /* A set's difference: the elements in only one of old and new. */
    set_port(db, "p1", 5, "[2,3]");
    out = session_messages(session, db, true);
    snprintf(want, sizeof want, "[{\"id\":null,\"method\":\"update2\",\"params\":[\"m1\","
             "{\"Port\":{\"%s\":{\"modify\":{\"trunks\":[\"set\",[1,3]]}}}}]}]", p1);
    expect_json(out, want);
    json_decref(out);

    /* A new condition, and a new id: p1 leaves, p2 comes, before the reply. */
    reply = handle_text(session, db, "{\"method\":\"monitor_cond_change\",\"params\":[\"m1\","
                        "\"m2\",{\"Port\":[{\"where\":[[\"tag\",\"==\",9]]}]}],\"id\":2}");
    expect_json(json_object_get(reply, "result"), "{}");
    json_decref(reply);
    out = ovsdb_session_take_messages(session);
    char gone[80], came[80];
    snprintf(gone, sizeof gone, "\"%s\":{\"delete\":null}", p1);
    snprintf(came, sizeof came, "\"%s\":{\"insert\":{\"name\":\"p2\",\"tag\":9}}", p2);
    bool p1_first = strcmp(p1, p2) < 0;     /* the text has its keys sorted */
    snprintf(want, sizeof want, "[{\"id\":null,\"method\":\"update2\",\"params\":[\"m2\","
             "{\"Port\":{%s,%s}}]}]", p1_first ? gone : came, p1_first ? came : gone);
    expect_json(out, want);
    json_decref(out);
    char *t = member_text(handle_text(session, db, "{\"method\":\"monitor_cond_change\","
                                      "\"params\":[\"m1\",\"m3\",{}],\"id\":3}"), "error");
    assert_string_equal(t, "\"unknown monitor\"");
    free(t);
    /* Constant conditions: false selects nothing. */
    reply = handle_text(session, db, "{\"method\":\"monitor_cond_change\",\"params\":[\"m2\","
                        "\"m2\",{\"Port\":[{\"where\":[false]}]}],\"id\":4}");
    json_decref(reply);
    out = ovsdb_session_take_messages(session);
    snprintf(want, sizeof want, "[{\"id\":null,\"method\":\"update2\",\"params\":[\"m2\","
             "{\"Port\":{\"%s\":{\"delete\":null}}}]}]", p2);
    expect_json(out, want);
    json_decref(out);
    ovsdb_session_free(session);
    ovsdb_hub_free(hub);
    db_close(db);
}

static void test_monitor_cond_since(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    /* An unknown transaction id: everything, and the current id. */
    json_t *reply = handle_text(session, db, "{\"method\":\"monitor_cond_since\",\"params\":["
                                "\"Open_vSwitch\",\"s1\",{\"Bridge\":[{\"columns\":[\"name\"]}]},"
                                "\"00000000-0000-0000-0000-000000000000\"],\"id\":1}");
    json_t *result = json_object_get(reply, "result");
    assert_true(json_is_false(json_array_get(result, 0)));
    char txn[37];
    strcpy(txn, json_string_value(json_array_get(result, 1)));
    assert_int_equal(json_object_size(json_object_get(json_array_get(result, 2), "Bridge")), 1);
    json_decref(reply);
    /* The current id: found, nothing to send. */
    reply = handle_text(session, db, "{\"method\":\"monitor_cond_since\",\"params\":["
                        "\"Open_vSwitch\",\"s2\",{\"Bridge\":[{\"columns\":[\"name\"]}]},"
                        "\"00000000-0000-0000-0000-000000000000\"],\"id\":2}");
    json_decref(reply);
    char request[512];
    snprintf(request, sizeof request, "{\"method\":\"monitor_cond_since\",\"params\":["
             "\"Open_vSwitch\",\"s3\",{\"Bridge\":[{\"columns\":[\"name\"]}]},\"%s\"],\"id\":3}",
             txn);
    char *t = member_text(handle_text(session, db, request), "result");
    char want[256];
    snprintf(want, sizeof want, "[true,\"%s\",{}]", txn);
    assert_string_equal(t, want);
    free(t);
    /* A change: update3 with a new transaction id. */
    char *error = NULL;
    assert_int_equal(db_begin(db, 1000, &error), 0);
    add_bridge(db, "br1");
    assert_int_equal(db_commit(db, &error), 0);
    json_t *out = session_messages(session, db, true);
    assert_int_equal(json_array_size(out), 3);
    json_t *params = json_object_get(json_array_get(out, 2), "params");
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 2), "method")),
                        "update3");
    assert_string_equal(json_string_value(json_array_get(params, 0)), "s3");
    assert_string_not_equal(json_string_value(json_array_get(params, 1)), txn);
    assert_int_equal(json_object_size(json_object_get(json_array_get(params, 2), "Bridge")), 1);
    json_decref(out);
    ovsdb_session_free(session);
    ovsdb_hub_free(hub);
    db_close(db);
}

static void test_locks(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *a = ovsdb_session_new(hub), *b = ovsdb_session_new(hub);
    const char *lock = "{\"method\":\"lock\",\"params\":[\"x\"],\"id\":1}";
    const char *unlock = "{\"method\":\"unlock\",\"params\":[\"x\"],\"id\":2}";
    const char *steal = "{\"method\":\"steal\",\"params\":[\"x\"],\"id\":3}";
    const char *assert_x = "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
                           "{\"op\":\"assert\",\"lock\":\"x\"}],\"id\":4}";
    char *t;
#define EXPECT(session, request, member, want) \
    t = member_text(handle_text(session, db, request), member); \
    assert_string_equal(t, want); \
    free(t)
    EXPECT(a, lock, "result", "{\"locked\":true}");
    EXPECT(b, lock, "result", "{\"locked\":false}");
    EXPECT(a, lock, "error", "{\"details\":\"lock or steal of lock already held or "
                             "requested: x\",\"error\":\"duplicate lock\"}");
    EXPECT(a, assert_x, "result", "[{}]");
    EXPECT(b, assert_x, "result", "[{\"details\":\"Asserted lock x not held.\",\"error\":"
                                  "\"not owner\",\"syntax\":\"{\\\"op\\\":\\\"assert\\\","
                                  "\\\"lock\\\":\\\"x\\\"}\"}]");
    assert_null(ovsdb_session_take_messages(b));
    /* Released: the next in line is told. */
    EXPECT(a, unlock, "result", "{}");
    json_t *out = ovsdb_session_take_messages(b);
    expect_json(out, "[{\"id\":null,\"method\":\"locked\",\"params\":[\"x\"]}]");
    json_decref(out);
    EXPECT(b, assert_x, "result", "[{}]");
    EXPECT(a, unlock, "error", "{\"details\":\"Attempt to unlock lock not held: x\","
                               "\"error\":\"not owner\"}");
    /* Stolen: the holder is told, and waits next in line (as ovsdb-server). */
    EXPECT(a, steal, "result", "{\"locked\":true}");
    out = ovsdb_session_take_messages(b);
    expect_json(out, "[{\"id\":null,\"method\":\"stolen\",\"params\":[\"x\"]}]");
    json_decref(out);
    EXPECT(b, assert_x, "result", "[{\"details\":\"Asserted lock x not held.\",\"error\":"
                                  "\"not owner\",\"syntax\":\"{\\\"op\\\":\\\"assert\\\","
                                  "\\\"lock\\\":\\\"x\\\"}\"}]");
    EXPECT(b, lock, "error", "{\"details\":\"lock or steal of lock already held or "
                             "requested: x\",\"error\":\"duplicate lock\"}");
    /* A holder that goes away hands the lock on. */
    ovsdb_session_free(a);
    out = ovsdb_session_take_messages(b);
    expect_json(out, "[{\"id\":null,\"method\":\"locked\",\"params\":[\"x\"]}]");
    json_decref(out);
    /* A thief robbed in turn leaves the line. */
    struct ovsdb_session *c = ovsdb_session_new(hub), *d = ovsdb_session_new(hub);
    EXPECT(c, steal, "result", "{\"locked\":true}");
    EXPECT(d, steal, "result", "{\"locked\":true}");
    ovsdb_session_free(d);                   /* b, not c, is next */
    out = ovsdb_session_take_messages(b);
    assert_int_equal(json_array_size(out), 2);    /* stolen, then locked */
    json_decref(out);
    EXPECT(b, assert_x, "result", "[{}]");
    ovsdb_session_free(c);
    /* The server's id: one per server. */
    c = ovsdb_session_new(hub);
    char *id1 = member_text(handle_text(b, db, "{\"method\":\"get_server_id\",\"params\":[],"
                                        "\"id\":5}"), "result");
    char *id2 = member_text(handle_text(c, db, "{\"method\":\"get_server_id\",\"id\":6}"),
                            "result");
    assert_int_equal(strlen(id1), 38);
    assert_string_equal(id1, id2);
    free(id1);
    free(id2);
#undef EXPECT
    ovsdb_session_free(b);
    ovsdb_session_free(c);
    ovsdb_hub_free(hub);
    db_close(db);
}

/* "wait" with a timeout: the transaction waits for the change, or times out;
 * a "cancel" ends it. */
static void test_wait_timeout(void **state)
{
    struct fixture *f = *state;
    struct db *db = open_db(f->path);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    const char *wait_tag5 = "{\"method\":\"transact\",\"id\":\"w\",\"params\":[\"Open_vSwitch\","
        "{\"op\":\"wait\",\"timeout\":1000,\"table\":\"Port\",\"where\":[[\"name\",\"==\","
        "\"p1\"]],\"columns\":[\"tag\"],\"until\":\"==\",\"rows\":[{\"tag\":5}]},"
        "{\"op\":\"update\",\"table\":\"Port\",\"where\":[[\"name\",\"==\",\"p2\"]],"
        "\"row\":{\"tag\":6}}]}";
    now_ms = 10000;
    assert_null(handle_text(session, db, wait_tag5));
    assert_int_equal(ovsdb_session_deadline(session), 11000);
    now_ms = 10500;
    json_t *out = session_messages(session, db, false);
    assert_int_equal(json_array_size(out), 0);
    json_decref(out);
    /* The change it waits for: it runs, and commits. */
    set_port(db, "p1", 5, "[]");
    now_ms = 10600;
    out = session_messages(session, db, true);
    expect_json(out, "[{\"error\":null,\"id\":\"w\",\"result\":[{},{\"count\":1}]}]");
    json_decref(out);
    assert_true(ovsdb_session_take_committed(session));
    assert_int_equal(ovsdb_session_deadline(session), UINT64_MAX);

    /* Time runs out: "timed out", nothing done. */
    set_port(db, "p1", 7, "[]");
    now_ms = 20000;
    assert_null(handle_text(session, db, wait_tag5));
    now_ms = 21000;
    out = session_messages(session, db, false);
    expect_json(out, "[{\"error\":null,\"id\":\"w\",\"result\":[{\"details\":\"\\\"wait\\\" "
                     "timed out\",\"error\":\"timed out\"},null]}]");
    json_decref(out);
    assert_false(ovsdb_session_take_committed(session));

    /* No timeout: waits until cancelled. */
    assert_null(handle_text(session, db, "{\"method\":\"transact\",\"id\":\"f\",\"params\":["
        "\"Open_vSwitch\",{\"op\":\"wait\",\"table\":\"Port\",\"where\":[],\"columns\":[],"
        "\"until\":\"!=\",\"rows\":[{},{},{}]}]}"));
    assert_int_equal(ovsdb_session_deadline(session), UINT64_MAX);
    assert_null(handle_text(session, db, "{\"method\":\"cancel\",\"params\":[\"f\"],"
                                         "\"id\":null}"));
    out = ovsdb_session_take_messages(session);
    expect_json(out, "[{\"error\":\"canceled\",\"id\":\"f\",\"result\":null}]");
    json_decref(out);
    now_ms = 0;
    ovsdb_session_free(session);
    ovsdb_hub_free(hub);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_list_dbs_and_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_cond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_cond_since, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
