/* A Unix stream socket listening at a path, for the daemon's servers (the
 * control socket, the OVSDB socket). */
#ifndef PONTOON_UTIL_UNIX_LISTEN_H
#define PONTOON_UTIL_UNIX_LISTEN_H

/* A non-blocking listening socket bound to `path`, or a negative errno.
 * A socket file nobody answers on (left by a daemon that crashed) is
 * replaced; one that answers is -EADDRINUSE: another daemon serves it. */
int unix_listen(const char *path, int backlog);

#endif
