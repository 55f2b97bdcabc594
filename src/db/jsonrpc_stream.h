/* JSON-RPC messages out of a byte stream, as OVSDB sends them (RFC 7047
 * section 4): one JSON object after another, with no delimiter, possibly
 * split anywhere across reads.  Pure: bytes in, messages out. */
#ifndef PONTOON_DB_JSONRPC_STREAM_H
#define PONTOON_DB_JSONRPC_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* A message larger than this is refused (the client is dropped). */
#define JSONRPC_MAX_MESSAGE (16u << 20)

struct jsonrpc_stream {
    struct strbuf input;          /* bytes not yet part of a whole message */
    /* How far the first message's end has been looked for, and what was
     * open there: each byte is looked at once, however the message comes. */
    size_t scanned;
    size_t depth;
    bool in_string, escaped;
};

void jsonrpc_stream_init(struct jsonrpc_stream *s);
void jsonrpc_stream_destroy(struct jsonrpc_stream *s);
/* Appends received bytes; -1 when what is pending would pass
 * JSONRPC_MAX_MESSAGE. */
int jsonrpc_stream_feed(struct jsonrpc_stream *s, const char *data, size_t n);
/* The next whole message: 1 and *msg (a new reference), 0 when more bytes
 * are needed, -1 with *error (heap) when the bytes are not JSON or not an
 * object: the stream cannot recover, close it. */
int jsonrpc_stream_next(struct jsonrpc_stream *s, json_t **msg, char **error);

#endif
