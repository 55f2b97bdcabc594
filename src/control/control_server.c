#include "control/control_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control_client.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/unix_listen.h"

#define MAX_COMMANDS 64
#define MAX_REQUEST_BYTES (1 << 20)   /* a client sending more is cut off */
#define MAX_ARGS 32

struct control_command {
    const char *name;
    const char *usage;
    int min_args, max_args;
    control_handler *handler;
    void *aux;
};

struct control_client {
    int fd;
    struct strbuf input;
    struct control_client *next, **pprev;   /* in server->clients */
};

struct control_server {
    int listen_fd;
    int epoll_fd;
    char path[108];
    struct control_command commands[MAX_COMMANDS];
    size_t n_commands;
    struct control_client *clients;
};

static void list_commands(int argc, const char *const *argv, struct control_reply *reply,
                          void *aux)
{
    struct control_server *server = aux;
    struct strbuf text = STRBUF_INIT;
    json_t *data = json_array();
    strbuf_puts(&text, "The available commands are:\n");
    for (size_t i = 0; i < server->n_commands; i++) {
        const struct control_command *c = &server->commands[i];
        strbuf_printf(&text, "  %-28s%s\n", c->name, c->usage ? c->usage : "");
        json_array_append_new(data, json_pack("{s:s, s:s}", "name", c->name, "usage",
                                              c->usage ? c->usage : ""));
    }
    reply->text = strbuf_steal(&text);
    reply->data = data;
}

int control_server_open(const char *run_dir, struct control_server **out)
{
    struct control_server *server = calloc(1, sizeof *server);
    if (!server)
        return -ENOMEM;
    server->listen_fd = server->epoll_fd = -1;
    if (mkdir(run_dir, 0755) < 0 && errno != EEXIST) {
        int err = -errno;
        log_err("cannot create run directory %s: %s", run_dir, strerror(errno));
        free(server);
        return err;
    }
    int n = snprintf(server->path, sizeof server->path, "%s/%s", run_dir,
                     CONTROL_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof server->path) {
        free(server);
        return -ENAMETOOLONG;
    }
    int fd = unix_listen(server->path, 64);
    if (fd < 0) {
        errno = -fd;
        if (fd == -EADDRINUSE)
            log_err("another pontoond is already listening on %s", server->path);
        goto fail;
    }
    server->listen_fd = fd;
    server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (server->epoll_fd < 0)
        goto fail;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        goto fail;
    control_server_register(server, "list-commands", "", 0, 0, list_commands, server);
    *out = server;
    return 0;
fail:;
    int err = -errno;
    log_err("control socket %s: %s", server->path, strerror(errno));
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    if (server->epoll_fd >= 0)
        close(server->epoll_fd);
    free(server);
    return err;
}

static void client_close(struct control_server *server, struct control_client *client)
{
    epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, client->fd, NULL);
    *client->pprev = client->next;
    if (client->next)
        client->next->pprev = client->pprev;
    close(client->fd);
    strbuf_free(&client->input);
    free(client);
}

void control_server_close(struct control_server *server)
{
    if (!server)
        return;
    while (server->clients)
        client_close(server, server->clients);
    unlink(server->path);
    close(server->listen_fd);
    close(server->epoll_fd);
    free(server);
}

void control_server_register(struct control_server *server, const char *name,
                             const char *usage, int min_args, int max_args,
                             control_handler *handler, void *aux)
{
    if (server->n_commands >= MAX_COMMANDS) {
        log_err("too many control commands; %s not registered", name);
        return;
    }
    server->commands[server->n_commands++] = (struct control_command){
        name, usage, min_args, max_args, handler, aux
    };
}

int control_server_epoll_fd(const struct control_server *server)
{
    return server->epoll_fd;
}

static const struct control_command *find_command(const struct control_server *server,
                                                  const char *name)
{
    for (size_t i = 0; i < server->n_commands; i++)
        if (!strcmp(server->commands[i].name, name))
            return &server->commands[i];
    return NULL;
}

/* Parses and runs one request line; always produces exactly one reply object. */
static json_t *handle_request(struct control_server *server, const char *line)
{
    json_error_t jerr;
    json_t *request = json_loads(line, 0, &jerr);
    json_t *id = NULL;
    struct control_reply reply = { 0 };
    const char *argv[MAX_ARGS];
    int argc = 0;

    if (!request || !json_is_object(request)) {
        reply.error = xasprintf("malformed request: %s", request ? "not an object" : jerr.text);
        goto done;
    }
    id = json_object_get(request, "id");
    const char *method = json_string_value(json_object_get(request, "method"));
    json_t *params = json_object_get(request, "params");
    if (!method) {
        reply.error = xasprintf("request has no method");
        goto done;
    }
    const struct control_command *cmd = find_command(server, method);
    if (!cmd) {
        reply.error = xasprintf("\"%s\" is not a valid command (use list-commands to see "
                                "the available commands)", method);
        goto done;
    }
    if (params && !json_is_array(params)) {
        reply.error = xasprintf("params must be an array");
        goto done;
    }
    size_t i;
    json_t *param;
    json_array_foreach(params, i, param) {
        if (!json_is_string(param) || argc >= MAX_ARGS) {
            reply.error = xasprintf("params must be at most %d strings", MAX_ARGS);
            goto done;
        }
        argv[argc++] = json_string_value(param);
    }
    if (argc < cmd->min_args) {
        reply.error = xasprintf("\"%s\" command requires at least %d arguments", method,
                                cmd->min_args);
    } else if (cmd->max_args >= 0 && argc > cmd->max_args) {
        reply.error = xasprintf("\"%s\" command takes at most %d arguments", method,
                                cmd->max_args);
    } else {
        cmd->handler(argc, argv, &reply, cmd->aux);
    }
done:;
    json_t *out = json_object();
    json_object_set(out, "id", id ? id : json_null());
    if (reply.error) {
        json_object_set_new(out, "error", json_string(reply.error));
        json_decref(reply.data);
    } else {
        json_object_set_new(out, "result",
                            json_pack("{s:s, s:o}", "text", reply.text ? reply.text : "",
                                      "data", reply.data ? reply.data : json_null()));
    }
    free(reply.error);
    free(reply.text);
    json_decref(request);
    return out;
}

static void client_reply(struct control_client *client, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    if (!text)
        return;
    size_t len = strlen(text);
    /* Replies are small; a blocking write keeps this simple.  The client
     * socket is non-blocking, so retry on EAGAIN briefly. */
    const char *p = text;
    size_t left = len;
    while (left) {
        ssize_t n = send(client->fd, p, left, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            usleep(1000);
            continue;
        }
        if (n < 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    send(client->fd, "\n", 1, MSG_NOSIGNAL);
    free(text);
}

static void client_readable(struct control_server *server, struct control_client *client)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(client->fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0 || client->input.len + (size_t)n > MAX_REQUEST_BYTES) {
            client_close(server, client);
            return;
        }
        strbuf_add(&client->input, chunk, (size_t)n);
    }
    char *newline;
    while (client->input.len && (newline = memchr(client->input.data, '\n', client->input.len))) {
        *newline = '\0';
        client_reply(client, handle_request(server, client->input.data));
        size_t consumed = (size_t)(newline - client->input.data) + 1;
        memmove(client->input.data, newline + 1, client->input.len - consumed);
        client->input.len -= consumed;
        client->input.data[client->input.len] = '\0';
    }
}

void control_server_run(struct control_server *server)
{
    struct epoll_event events[16];
    int n = epoll_wait(server->epoll_fd, events, 16, 0);
    for (int i = 0; i < n; i++) {
        if (!events[i].data.ptr) {
            int fd;
            while ((fd = accept4(server->listen_fd, NULL, NULL,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                struct control_client *client = calloc(1, sizeof *client);
                if (!client) {
                    close(fd);
                    continue;
                }
                client->fd = fd;
                client->next = server->clients;
                if (client->next)
                    client->next->pprev = &client->next;
                client->pprev = &server->clients;
                server->clients = client;
                struct epoll_event ev = { .events = EPOLLIN, .data.ptr = client };
                epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
            }
            continue;
        }
        client_readable(server, events[i].data.ptr);
    }
}
