/* Where the OVSDB server listens, in ovsdb-server's --remote syntax:
 * "punix:PATH" (a Unix socket) or "ptcp:PORT[:IP]" (TCP; on 127.0.0.1
 * unless an address is given, IPv6 in brackets; port 0 picks a free one). */
#ifndef PONTOON_DB_OVSDB_REMOTE_H
#define PONTOON_DB_OVSDB_REMOTE_H

#include <stdbool.h>
#include <stdint.h>

struct ovsdb_remote {
    bool tcp;
    char path[108];               /* punix */
    char ip[64];                  /* ptcp */
    uint16_t port;
};

/* Parses `text`; 0, or -1 with *error (static text). */
int ovsdb_remote_parse(const char *text, struct ovsdb_remote *remote, const char **error);
/* A non-blocking listening socket for it, or a negative errno. */
int ovsdb_remote_listen(const struct ovsdb_remote *remote);

#endif
