/* The OVSDB protocol socket: OVS's clients (ovsdb-client, ovs-vsctl's IDL,
 * ovsdbapp) connect to it as to ovsdb-server.  Accepts clients on a Unix
 * socket, cuts their byte streams into JSON-RPC messages, answers them
 * (ovsdb_rpc.c) and queues the answers, so that a client that does not read
 * never blocks the daemon: past OVSDB_MAX_OUTPUT unread bytes it is dropped. */
#ifndef PONTOON_DB_OVSDB_SERVER_H
#define PONTOON_DB_OVSDB_SERVER_H

struct db;
struct ovsdb_server;

#define OVSDB_SOCKET_NAME "db.sock"
#define OVSDB_MAX_OUTPUT (64u << 20)

/* Called before requests are answered, to bring `db` up to the file (the
 * daemon reloads and reconciles; reading the file behind its back would
 * lose the changes it has yet to apply). */
typedef void ovsdb_refresh_fn(void *aux);

/* Listens on `path` (a stale socket file is replaced; a live one is an
 * error: another daemon serves it).  `committed` is called after a client's
 * transaction changed the database (the daemon applies it).  0 or a
 * negative errno. */
int ovsdb_server_open(const char *path, struct db *db, ovsdb_refresh_fn *refresh,
                      ovsdb_refresh_fn *committed, void *aux, struct ovsdb_server **out);
void ovsdb_server_close(struct ovsdb_server *server);
/* One more listener, in ovsdb-server's --remote syntax (punix:PATH,
 * ptcp:PORT[:IP]; see ovsdb_remote.h).  0 or a negative errno (logged). */
int ovsdb_server_add_remote(struct ovsdb_server *server, const char *remote);
/* One descriptor for the owner's poll loop; call ovsdb_server_run() when it
 * is readable. */
int ovsdb_server_epoll_fd(const struct ovsdb_server *server);
void ovsdb_server_run(struct ovsdb_server *server);
/* After anything that may have changed the database (a reload, a commit,
 * cells the daemon reported): monitors send what changed.  Cheap when
 * nothing did. */
void ovsdb_server_notify(struct ovsdb_server *server);

#endif
