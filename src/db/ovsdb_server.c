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
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/jsonrpc_stream.h"
#include "db/ovsdb_remote.h"
#include "db/ovsdb_rpc.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/unix_listen.h"

/* What epoll reports: a listener, a client or the timer. */
enum endpoint_kind { LISTENER, CLIENT, TIMER };

struct listener {
    enum endpoint_kind kind;
    int fd;
    char path[108];                   /* a Unix socket's, removed at the end */
};

struct ovsdb_client {
    enum endpoint_kind kind;
    int fd;
    struct jsonrpc_stream input;
    struct strbuf output;             /* answers not yet taken by the socket */
    size_t output_sent;               /* of output, the bytes already sent */
    bool wants_out;                   /* polled for EPOLLOUT */
    struct ovsdb_session *session;    /* its monitors */
    struct ovsdb_client *next, **pprev;
};

struct ovsdb_server {
    int epoll_fd;
    struct listener **listeners;
    size_t n_listeners;
    enum endpoint_kind timer_kind;    /* epoll's tag for timer_fd */
    int timer_fd;                     /* fires when a waiting transaction times out */
    struct db *db;
    ovsdb_refresh_fn *refresh, *committed;
    void *aux;
    struct ovsdb_hub *hub;
    struct ovsdb_client *clients;
    uint64_t revision;                /* of the database, when monitors last looked */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int add_listener(struct ovsdb_server *server, const struct ovsdb_remote *remote)
{
    int fd = ovsdb_remote_listen(remote);
    if (fd < 0)
        return fd;
    struct listener *l = calloc(1, sizeof *l);
    struct listener **more = realloc(server->listeners,
                                     (server->n_listeners + 1) * sizeof *more);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
    if (!l || !more || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int err = l && more ? -errno : -ENOMEM;
        if (more)
            server->listeners = more;
        free(l);
        close(fd);
        if (!remote->tcp)
            unlink(remote->path);
        return err;
    }
    *l = (struct listener){ LISTENER, fd, "" };
    if (!remote->tcp)
        snprintf(l->path, sizeof l->path, "%s", remote->path);
    server->listeners = more;
    server->listeners[server->n_listeners++] = l;
    return 0;
}

int ovsdb_server_open(const char *path, struct db *db, ovsdb_refresh_fn *refresh,
                      ovsdb_refresh_fn *committed, void *aux, struct ovsdb_server **out)
{
    struct ovsdb_server *server = calloc(1, sizeof *server);
    if (!server)
        return -ENOMEM;
    *server = (struct ovsdb_server){ .epoll_fd = -1, .timer_kind = TIMER, .timer_fd = -1,
                                     .db = db, .refresh = refresh, .committed = committed,
                                     .aux = aux, .hub = ovsdb_hub_new() };
    server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    server->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &server->timer_kind };
    int err = server->epoll_fd < 0 || server->timer_fd < 0 || !server->hub
              || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, server->timer_fd, &ev) < 0
              ? -errno : 0;
    struct ovsdb_remote remote = { .tcp = false };
    snprintf(remote.path, sizeof remote.path, "%s", path);
    if (!err)
        err = add_listener(server, &remote);
    if (err < 0) {
        log_err("OVSDB socket %s: %s", path, strerror(-err));
        ovsdb_server_close(server);
        return err;
    }
    *out = server;
    return 0;
}

int ovsdb_server_add_remote(struct ovsdb_server *server, const char *text)
{
    struct ovsdb_remote remote;
    const char *error;
    if (ovsdb_remote_parse(text, &remote, &error)) {
        log_err("--remote=%s: %s", text, error);
        return -EINVAL;
    }
    int err = add_listener(server, &remote);
    if (err < 0)
        log_err("--remote=%s: %s", text, strerror(-err));
    else
        log_info("OVSDB: listening on %s", text);
    return err;
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
    for (size_t i = 0; i < server->n_listeners; i++) {
        struct listener *l = server->listeners[i];
        close(l->fd);
        if (l->path[0])
            unlink(l->path);
        free(l);
    }
    free(server->listeners);
    if (server->timer_fd >= 0)
        close(server->timer_fd);
    if (server->epoll_fd >= 0)
        close(server->epoll_fd);
    ovsdb_hub_free(server->hub);
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

/* Queues the session's messages other than replies; false if the client
 * has let too much pile up. */
static bool queue_messages(struct ovsdb_client *client)
{
    json_t *messages = ovsdb_session_take_messages(client->session);
    bool ok = true;
    size_t i;
    json_t *message;
    json_array_foreach(messages, i, message)
        ok = ok && client_queue(client, json_incref(message));
    json_decref(messages);
    return ok;
}

/* Sends every client what its session has for it (lock notifications may
 * concern any client); drops those that do not read. */
static void deliver_all(struct ovsdb_server *server)
{
    for (struct ovsdb_client *client = server->clients, *next; client; client = next) {
        next = client->next;
        bool ok = queue_messages(client);
        if (!ok)
            log_warn("OVSDB client: not reading its updates: disconnected");
        if (!ok || !client_flush(server, client)) {
            client_close(server, client);
            next = server->clients;   /* closing may have told others: start over */
        }
    }
}

static void look_again(struct ovsdb_server *server, bool changed);

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
        json_t *reply = ovsdb_rpc_handle(client->session, server->db, msg, now_ms());
        json_decref(msg);
        if (ovsdb_session_take_committed(client->session)) {
            if (server->committed)
                server->committed(server->aux);
            /* As ovsdb-server: the monitors' updates for a transaction go
             * out before its reply (ovsdbapp looks its new rows up in its
             * replica as soon as the reply comes). */
            look_again(server, true);
        }
        /* What the request caused (a condition change's update) goes first. */
        if (!queue_messages(client) || (reply && !client_queue(client, reply))) {
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

static void accept_clients(struct ovsdb_server *server, int listen_fd)
{
    int fd;
    while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct ovsdb_client *client = calloc(1, sizeof *client);
        if (!client) {
            close(fd);
            continue;
        }
        client->kind = CLIENT;
        client->fd = fd;
        client->session = ovsdb_session_new(server->hub);
        jsonrpc_stream_init(&client->input);
        client->output = (struct strbuf)STRBUF_INIT;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = client };
        if (!client->session || epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            ovsdb_session_free(client->session);
            jsonrpc_stream_destroy(&client->input);
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

/* Arms the timer for the earliest waiting transaction's timeout. */
static void arm_timer(struct ovsdb_server *server)
{
    uint64_t earliest = UINT64_MAX;
    for (struct ovsdb_client *client = server->clients; client; client = client->next) {
        uint64_t d = ovsdb_session_deadline(client->session);
        if (d < earliest)
            earliest = d;
    }
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    if (earliest != UINT64_MAX) {
        uint64_t now = now_ms(), wait = earliest > now ? earliest - now : 1;
        its.it_value.tv_sec = (time_t)(wait / 1000);
        its.it_value.tv_nsec = (long)(wait % 1000) * 1000000;
    }
    timerfd_settime(server->timer_fd, 0, &its, NULL);
}

/* Every session looks again: monitors (when the database changed) and
 * waiting transactions; what they have for their clients is queued in the
 * sessions, not yet sent. */
static void look_again(struct ovsdb_server *server, bool changed)
{
    uint64_t now = now_ms();
    bool committed = false;
    do {
        if (changed)
            server->revision = db_revision(server->db);
        committed = false;
        for (struct ovsdb_client *client = server->clients; client; client = client->next) {
            ovsdb_session_run(client->session, server->db, now, changed);
            committed |= ovsdb_session_take_committed(client->session);
        }
        /* A waiting transaction that committed may release others. */
        if (committed && server->committed)
            server->committed(server->aux);
        changed = true;
    } while (committed);
}

static void run_sessions(struct ovsdb_server *server, bool changed)
{
    look_again(server, changed);
    deliver_all(server);
    arm_timer(server);
}

void ovsdb_server_run(struct ovsdb_server *server)
{
    struct epoll_event events[32];
    int n = epoll_wait(server->epoll_fd, events, 32, 0);
    bool timer = false;
    for (int i = 0; i < n; i++) {
        enum endpoint_kind *kind = events[i].data.ptr;
        if (*kind == LISTENER) {
            accept_clients(server, ((struct listener *)(void *)kind)->fd);
        } else if (*kind == TIMER) {
            uint64_t expirations;
            if (read(server->timer_fd, &expirations, sizeof expirations) < 0)
                expirations = 0;
            timer = true;
        } else {
            struct ovsdb_client *client = (struct ovsdb_client *)(void *)kind;
            /* A client closed earlier in this batch is not in a later event:
             * closing removes it from epoll, but the batch was read before. */
            bool live = false;
            for (struct ovsdb_client *c = server->clients; c && !live; c = c->next)
                live = c == client;
            if (!live)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                client_readable(server, client);
            else if (events[i].events & EPOLLOUT && !client_flush(server, client))
                client_close(server, client);
        }
    }
    /* Lock hand-overs and transactions that waited for time to pass. */
    if (timer)
        run_sessions(server, false);
    else
        deliver_all(server);
    arm_timer(server);
}

void ovsdb_server_notify(struct ovsdb_server *server)
{
    uint64_t revision = db_revision(server->db);
    if (revision == server->revision)
        return;
    server->revision = revision;
    run_sessions(server, true);
}
