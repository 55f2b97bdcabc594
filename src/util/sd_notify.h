/* systemd's readiness protocol (sd_notify(3)), written directly: one
 * datagram of "KEY=VALUE" lines to the socket named by $NOTIFY_SOCKET (a
 * path, or an abstract name written with a leading '@').  Without
 * NOTIFY_SOCKET — not started by systemd with Type=notify — nothing is sent.
 * libsystemd is not needed for one sendto. */
#ifndef PONTOON_UTIL_SD_NOTIFY_H
#define PONTOON_UTIL_SD_NOTIFY_H

/* Sends `state` (e.g. "READY=1\nSTATUS=running"); 0 when sent or when there
 * is no NOTIFY_SOCKET, else a negative errno. */
int sd_notify_send(const char *state);

#endif
