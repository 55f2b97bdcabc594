#include "control/control_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/strbuf.h"

const char *control_default_run_dir(void)
{
    const char *dir = getenv("PONTOON_RUN_DIR");
    return dir && *dir ? dir : DEFAULT_RUN_DIR;
}

static int connect_control_socket(const char *run_dir)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", run_dir,
                     CONTROL_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof addr.sun_path)
        return -ENAMETOOLONG;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until a newline; the daemon sends exactly one reply line. */
static int read_line(int fd, int timeout_ms, struct strbuf *line)
{
    uint64_t deadline = timeout_ms > 0 ? clock_monotonic_ms() + (uint64_t)timeout_ms : 0;
    for (;;) {
        int wait_ms = -1;
        if (deadline) {
            uint64_t now = clock_monotonic_ms();
            if (now >= deadline)
                return -ETIMEDOUT;
            wait_ms = (int)(deadline - now);
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ECONNRESET;
        strbuf_add(line, chunk, (size_t)n);
        if (memchr(chunk, '\n', (size_t)n))
            return 0;
    }
}

int control_call(const char *run_dir, const char *method, int argc, char *const *argv,
                 int timeout_ms, json_t **result, char **error)
{
    *result = NULL;
    *error = NULL;
    int fd = connect_control_socket(run_dir);
    if (fd < 0) {
        *error = xasprintf("cannot connect to %s/%s: %s", run_dir, CONTROL_SOCKET_NAME,
                           strerror(-fd));
        return fd;
    }
    json_t *params = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(params, json_string(argv[i]));
    json_t *request = json_pack("{s:i, s:s, s:o}", "id", 1, "method", method, "params", params);
    char *text = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    struct strbuf line = STRBUF_INIT;
    int err = 0;
    if (!text) {
        err = -ENOMEM;
    } else {
        strbuf_puts(&line, text);
        strbuf_putc(&line, '\n');
        free(text);
        err = write_all(fd, line.data, line.len);
        strbuf_clear(&line);
    }
    if (!err)
        err = read_line(fd, timeout_ms, &line);
    close(fd);
    if (err) {
        *error = err == -ETIMEDOUT
                     ? xasprintf("timed out waiting for pontoond")
                     : xasprintf("control connection to pontoond failed: %s", strerror(-err));
        strbuf_free(&line);
        return err;
    }
    json_error_t jerr;
    json_t *reply = json_loads(strbuf_cstr(&line), JSON_DISABLE_EOF_CHECK, &jerr);
    strbuf_free(&line);
    if (!reply) {
        *error = xasprintf("malformed reply from pontoond: %s", jerr.text);
        return -EPROTO;
    }
    json_t *remote_error = json_object_get(reply, "error");
    if (remote_error && json_is_string(remote_error)) {
        *error = strdup(json_string_value(remote_error));
        json_decref(reply);
        return -EREMOTEIO;
    }
    json_t *res = json_object_get(reply, "result");
    *result = res ? json_incref(res) : json_object();
    json_decref(reply);
    return 0;
}
