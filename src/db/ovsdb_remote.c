/* OVSDB listeners: see ovsdb_remote.h. */
#include "db/ovsdb_remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/unix_listen.h"

int ovsdb_remote_parse(const char *text, struct ovsdb_remote *remote, const char **error)
{
    memset(remote, 0, sizeof *remote);
    if (!strncmp(text, "punix:", 6)) {
        if (!text[6] || strlen(text + 6) >= sizeof remote->path) {
            *error = "punix: needs a socket path of at most 107 bytes";
            return -1;
        }
        strcpy(remote->path, text + 6);
        return 0;
    }
    if (strncmp(text, "ptcp:", 5)) {
        *error = "a remote is punix:PATH or ptcp:PORT[:IP] (active remotes are not served)";
        return -1;
    }
    const char *p = text + 5;
    char *end;
    errno = 0;
    unsigned long port = strtoul(p, &end, 10);
    if (end == p || errno || port > 65535 || (*end && *end != ':')) {
        *error = "ptcp: needs a port from 0 to 65535";
        return -1;
    }
    remote->tcp = true;
    remote->port = (uint16_t)port;
    const char *ip = *end == ':' ? end + 1 : "127.0.0.1";
    size_t len = strlen(ip);
    if (ip[0] == '[' && len > 2 && ip[len - 1] == ']')
        ip++, len -= 2;
    if (len >= sizeof remote->ip) {
        *error = "ptcp: the address is too long";
        return -1;
    }
    memcpy(remote->ip, ip, len);
    remote->ip[len] = '\0';
    struct in6_addr scratch;
    if (inet_pton(AF_INET, remote->ip, &scratch) != 1
        && inet_pton(AF_INET6, remote->ip, &scratch) != 1) {
        *error = "ptcp: the address is not an IPv4 or IPv6 address";
        return -1;
    }
    return 0;
}

int ovsdb_remote_listen(const struct ovsdb_remote *remote)
{
    if (!remote->tcp)
        return unix_listen(remote->path, 128);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, remote->ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(remote->port);
        len = sizeof *sin;
    } else if (inet_pton(AF_INET6, remote->ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(remote->port);
        len = sizeof *sin6;
    } else {
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}
