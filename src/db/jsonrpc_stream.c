/* JSON-RPC framing: see jsonrpc_stream.h. */
#include "db/jsonrpc_stream.h"

#include <stdbool.h>
#include <string.h>

static void scan_reset(struct jsonrpc_stream *s)
{
    s->scanned = s->depth = 0;
    s->in_string = s->escaped = false;
}

void jsonrpc_stream_init(struct jsonrpc_stream *s)
{
    s->input = (struct strbuf)STRBUF_INIT;
    scan_reset(s);
}

void jsonrpc_stream_destroy(struct jsonrpc_stream *s)
{
    strbuf_free(&s->input);
}

int jsonrpc_stream_feed(struct jsonrpc_stream *s, const char *data, size_t n)
{
    if (s->input.len + n > JSONRPC_MAX_MESSAGE)
        return -1;
    strbuf_add(&s->input, data, n);
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void consume(struct jsonrpc_stream *s, size_t n)
{
    memmove(s->input.data, s->input.data + n, s->input.len - n);
    s->input.len -= n;
    if (s->input.data)
        s->input.data[s->input.len] = '\0';
}

/* Whether the object at the start of the input has ended: strings and
 * escapes skipped, brackets counted, from where the last call stopped.
 * jansson parses only whole texts, so a message still arriving is told
 * apart from a bad one here. */
static bool object_complete(struct jsonrpc_stream *s)
{
    const char *p = s->input.data;
    for (; s->scanned < s->input.len; s->scanned++) {
        char c = p[s->scanned];
        if (s->escaped) {
            s->escaped = false;
        } else if (s->in_string) {
            if (c == '\\')
                s->escaped = true;
            else if (c == '"')
                s->in_string = false;
        } else if (c == '"') {
            s->in_string = true;
        } else if (c == '{' || c == '[') {
            s->depth++;
        } else if ((c == '}' || c == ']') && (s->depth == 0 || --s->depth == 0)) {
            s->scanned++;
            return true;
        }
    }
    return false;
}

int jsonrpc_stream_next(struct jsonrpc_stream *s, json_t **msg, char **error)
{
    if (!s->scanned) {
        size_t skip = 0;
        while (skip < s->input.len && is_space(s->input.data[skip]))
            skip++;
        consume(s, skip);
    }
    if (!s->input.len)
        return 0;
    if (s->input.data[0] != '{') {
        *error = xasprintf("JSON-RPC message is not an object");
        return -1;
    }
    if (!object_complete(s))
        return 0;
    json_error_t err;
    json_t *json = json_loadb(s->input.data, s->input.len,
                              JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
    if (!json) {
        *error = xasprintf("JSON parse error at byte %d: %s", err.position, err.text);
        return -1;
    }
    consume(s, (size_t)err.position);
    scan_reset(s);
    *msg = json;
    return 1;
}
