/* libFuzzer: the OVSDB socket's input path — the JSON-RPC framing, then
 * every message through the method dispatcher, the transaction parser
 * (select's conditions and columns, inserts, updates, mutations, deletes,
 * waits, and the commit) and monitor requests, on a database with a bridge
 * and a port.  Whatever comes in, the answer is a JSON-RPC response or none, and
 * nothing crashes or leaks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/jsonrpc_stream.h"
#include "db/ovsdb_rpc.h"
#include "db/schema.h"

static struct db *db;

static void make_db(void)
{
    char dir[] = "/tmp/pontoon-fuzz-ovsdb-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char path[64];
    snprintf(path, sizeof path, "%s/conf.db", dir);
    char *error = NULL;
    if (db_open(path, &db, &error) || db_begin(db, 1000, &error))
        abort();
    struct db_row *br = db_insert_row(db, schema_find_table("Bridge"));
    db_row_set_string(br, "name", "br0");
    db_row_add_ref(db_root_row(db), "bridges", br->uuid);
    struct db_row *iface = db_insert_row(db, schema_find_table("Interface"));
    db_row_set_string(iface, "name", "p1");
    struct db_row *port = db_insert_row(db, schema_find_table("Port"));
    db_row_set_string(port, "name", "p1");
    db_row_add_ref(port, "interfaces", iface->uuid);
    db_row_add_ref(br, "ports", port->uuid);
    if (db_commit(db, &error))
        abort();
    /* The file stays open; its directory goes at once. */
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        make_db();
    struct jsonrpc_stream s;
    jsonrpc_stream_init(&s);
    struct ovsdb_hub *hub = ovsdb_hub_new();
    struct ovsdb_session *session = ovsdb_session_new(hub);
    /* A second client, to be told of the first one's locks. */
    struct ovsdb_session *other = ovsdb_session_new(hub);
    json_t *lock = json_loads("{\"method\":\"lock\",\"params\":[\"l\"],\"id\":0}", 0, NULL);
    json_decref(ovsdb_rpc_handle(other, db, lock, 0));
    json_decref(lock);
    /* In two pieces, cut where the first byte says. */
    size_t cut = size ? data[0] % (size + 1) : 0;
    const char *text = (const char *)data + (size ? 1 : 0);
    size_t len = size ? size - 1 : 0;
    cut = cut > len ? len : cut;
    for (int piece = 0; piece < 2; piece++) {
        if (jsonrpc_stream_feed(&s, piece ? text + cut : text, piece ? len - cut : cut) < 0)
            break;
        json_t *msg;
        char *error = NULL;
        int got;
        while ((got = jsonrpc_stream_next(&s, &msg, &error)) > 0) {
            json_t *reply = ovsdb_rpc_handle(session, db, msg, 0);
            if (reply && !json_object_get(reply, "id"))
                __builtin_trap();
            json_decref(reply);
            json_decref(msg);
        }
        free(error);
        if (got < 0)
            break;
    }
    /* Monitors the input made report what its own transactions changed;
     * a database an input changed is made afresh for the next input, so
     * that every input starts from the same one. */
    json_decref(ovsdb_session_take_messages(session));
    ovsdb_session_run(session, db, 1000000, true);
    json_t *messages = ovsdb_session_take_messages(session);
    bool updated = false;
    size_t i;
    json_t *m;
    json_array_foreach(messages, i, m)
        updated = updated || !strncmp(json_string_value(json_object_get(m, "method")) ?: "",
                                      "update", 6);
    bool committed = ovsdb_session_take_committed(session);
    if (updated && !committed)
        __builtin_trap();
    json_decref(messages);
    if (committed) {
        db_close(db);
        db = NULL;
    }
    ovsdb_session_free(session);
    ovsdb_session_free(other);
    ovsdb_hub_free(hub);
    jsonrpc_stream_destroy(&s);
    return 0;
}
