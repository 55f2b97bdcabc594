/* The OVSDB socket: see ovsdb_server.h. */
#include "db/ovsdb_server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db/db.h"
#include "db/jsonrpc_stream.h"
#include "db/ovsdb_rpc.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/unix_listen.h"

struct ovsdb_client {
    int fd;
    struct jsonrpc_stream input;
    struct strbuf output;             /* answers not yet taken by the socket */
    size_t output_sent;               /* of output, the bytes already sent */
    bool wants_out;                   /* polled for EPOLLOUT */
    struct ovsdb_session *session;    /* its monitors */
    struct ovsdb_client *next, **pprev;
};

struct ovsdb_server {
    int listen_fd, epoll_fd;
    char path[108];
    struct db *db;
    ovsdb_refresh_fn *refresh, *committed;
    void *aux;
    struct ovsdb_client *clients;
    uint64_t revision;                /* of the database, when monitors last looked */
};

int ovsdb_server_open(const char *path, struct db *db, ovsdb_refresh_fn *refresh,
                      ovsdb_refresh_fn *committed, void *aux, struct ovsdb_server **out)
{
    struct ovsdb_server *server = calloc(1, sizeof *server);
    if (!server)
        return -ENOMEM;
    *server = (struct ovsdb_server){ .listen_fd = -1, .epoll_fd = -1, .db = db,
                                     .refresh = refresh, .committed = committed, .aux = aux };
    snprintf(server->path, sizeof server->path, "%s", path);
    int err = server->listen_fd = unix_listen(path, 128);
    if (err >= 0) {
        server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
        err = server->epoll_fd < 0 || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD,
                                                server->listen_fd, &ev) < 0 ? -errno : 0;
    }
    if (err < 0) {
        log_err("OVSDB socket %s: %s", path, strerror(-err));
        if (server->listen_fd >= 0)
            close(server->listen_fd);
        if (server->epoll_fd >= 0)
            close(server->epoll_fd);
        free(server);
        return err;
    }
    *out = server;
    return 0;
}

static void client_close(struct ovsdb_server *server, struct ovsdb_client *client)
{
    epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, client->fd, NULL);
    *client->pprev = client->next;
    if (client->next)
        client->next->pprev = client->pprev;
    close(client->fd);
    jsonrpc_stream_destroy(&client->input);
    strbuf_free(&client->output);
    ovsdb_session_free(client->session);
    free(client);
}

void ovsdb_server_close(struct ovsdb_server *server)
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

int ovsdb_server_epoll_fd(const struct ovsdb_server *server)
{
    return server->epoll_fd;
}

static void watch_output(struct ovsdb_server *server, struct ovsdb_client *client, bool on)
{
    if (client->wants_out == on)
        return;
    struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = client };
    epoll_ctl(server->epoll_fd, EPOLL_CTL_MOD, client->fd, &ev);
    client->wants_out = on;
}

/* Sends what the socket takes; false if the client is gone. */
static bool client_flush(struct ovsdb_server *server, struct ovsdb_client *client)
{
    while (client->output_sent < client->output.len) {
        ssize_t n = send(client->fd, client->output.data + client->output_sent,
                         client->output.len - client->output_sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0)
            return false;
        client->output_sent += (size_t)n;
    }
    if (client->output_sent == client->output.len) {
        strbuf_clear(&client->output);
        client->output_sent = 0;
    }
    watch_output(server, client, client->output.len > 0);
    return true;
}

/* Queues `reply` (taken); false if the client has let too much pile up. */
static bool client_queue(struct ovsdb_client *client, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    if (!text)
        return true;
    size_t len = strlen(text);
    bool ok = client->output.len - client->output_sent + len <= OVSDB_MAX_OUTPUT;
    if (ok)
        strbuf_add(&client->output, text, len);
    free(text);
    return ok;
}

/* Answers every whole message received so far; false if the client was
 * dropped (bad JSON, or answers it does not read piling up). */
static bool answer_messages(struct ovsdb_server *server, struct ovsdb_client *client,
                            bool *refreshed)
{
    json_t *msg;
    char *error = NULL;
    int got;
    while ((got = jsonrpc_stream_next(&client->input, &msg, &error)) > 0) {
        if (!*refreshed && server->refresh)
            server->refresh(server->aux);
        *refreshed = true;
        json_t *reply = ovsdb_rpc_handle(client->session, server->db, msg);
        json_decref(msg);
        if (ovsdb_session_take_committed(client->session) && server->committed)
            server->committed(server->aux);
        if (reply && !client_queue(client, reply)) {
            log_warn("OVSDB client: not reading its answers: disconnected");
            client_close(server, client);
            return false;
        }
    }
    if (got < 0) {
        log_warn("OVSDB client: %s: disconnected", error);
        free(error);
        client_close(server, client);
        return false;
    }
    return true;
}

/* Reads what the client sent, answering each message as soon as it is
 * whole (so that only one message, not a whole burst, is ever buffered). */
static void client_readable(struct ovsdb_server *server, struct ovsdb_client *client)
{
    char chunk[16384];
    bool eof = false, refreshed = false;
    for (;;) {
        ssize_t n = recv(client->fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            eof = true;
            break;
        }
        if (jsonrpc_stream_feed(&client->input, chunk, (size_t)n) < 0) {
            log_warn("OVSDB client: message over %u bytes: disconnected", JSONRPC_MAX_MESSAGE);
            client_close(server, client);
            return;
        }
        if (!answer_messages(server, client, &refreshed))
            return;
    }
    if (!client_flush(server, client) || eof)
        client_close(server, client);
}

static void accept_clients(struct ovsdb_server *server)
{
    int fd;
    while ((fd = accept4(server->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct ovsdb_client *client = calloc(1, sizeof *client);
        if (!client) {
            close(fd);
            continue;
        }
        client->fd = fd;
        client->session = ovsdb_session_new();
        jsonrpc_stream_init(&client->input);
        client->output = (struct strbuf)STRBUF_INIT;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = client };
        if (epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(client);
            continue;
        }
        client->next = server->clients;
        if (client->next)
            client->next->pprev = &client->next;
        client->pprev = &server->clients;
        server->clients = client;
    }
}

void ovsdb_server_run(struct ovsdb_server *server)
{
    struct epoll_event events[32];
    int n = epoll_wait(server->epoll_fd, events, 32, 0);
    for (int i = 0; i < n; i++) {
        struct ovsdb_client *client = events[i].data.ptr;
        if (!client) {
            accept_clients(server);
        } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            client_readable(server, client);
        } else if (events[i].events & EPOLLOUT && !client_flush(server, client)) {
            client_close(server, client);
        }
    }
}

void ovsdb_server_notify(struct ovsdb_server *server)
{
    uint64_t revision = db_revision(server->db);
    if (revision == server->revision)
        return;
    server->revision = revision;
    for (struct ovsdb_client *client = server->clients, *next; client; client = next) {
        next = client->next;
        json_t *updates = json_array();
        ovsdb_session_updates(client->session, server->db, updates);
        bool ok = true;
        size_t i;
        json_t *update;
        json_array_foreach(updates, i, update)
            ok = ok && client_queue(client, json_incref(update));
        json_decref(updates);
        if (!ok) {
            log_warn("OVSDB client: not reading its updates: disconnected");
            client_close(server, client);
        } else if (!client_flush(server, client)) {
            client_close(server, client);
        }
    }
}
