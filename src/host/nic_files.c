/* Files under a root: see nic_files.h. */
#include "host/nic_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

#define NIC_FILE_MAX (1024 * 1024)

char *nic_root_normalize(const char *root)
{
    if (!root)
        root = "";
    size_t len = strlen(root);
    while (len && root[len - 1] == '/')
        len--;
    return strndup(root, len);
}

bool nic_root_is_live(const char *root)
{
    return !root || !*root || !strcmp(root, "/");
}

static char *vpath(const char *root, const char *fmt, va_list args)
{
    char *rel = NULL;
    if (vasprintf(&rel, fmt, args) < 0)
        return NULL;
    char *path = xasprintf("%s%s", nic_root_is_live(root) ? "" : root, rel);
    free(rel);
    return path;
}

char *nic_path(const char *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *path = vpath(root, fmt, args);
    va_end(args);
    return path;
}

static char *read_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            strbuf_free(&sb);
            errno = err;
            return NULL;
        }
        if (n == 0)
            break;
        strbuf_add(&sb, buf, (size_t)n);
        if (sb.len > NIC_FILE_MAX) {
            close(fd);
            strbuf_free(&sb);
            errno = EFBIG;
            return NULL;
        }
    }
    close(fd);
    while (sb.len && (sb.data[sb.len - 1] == '\n' || sb.data[sb.len - 1] == ' '))
        sb.data[--sb.len] = '\0';
    return sb.data ? strbuf_steal(&sb) : strdup("");
}

char *nic_read_file(const char *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *path = vpath(root, fmt, args);
    va_end(args);
    if (!path)
        return NULL;
    char *text = read_path(path);
    int err = errno;
    free(path);
    errno = err;
    return text;
}

bool nic_path_exists(const char *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *path = vpath(root, fmt, args);
    va_end(args);
    struct stat st;
    bool exists = path && lstat(path, &st) == 0;
    free(path);
    return exists;
}

int nic_write_file(const char *root, const char *path, const char *value)
{
    char *full = nic_path(root, "%s", path);
    if (!full)
        return -ENOMEM;
    int fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);   /* as echo VALUE > PATH */
    free(full);
    if (fd < 0)
        return -errno;
    char *line = xasprintf("%s\n", value);
    if (!line) {
        close(fd);
        return -ENOMEM;
    }
    ssize_t n;
    do
        n = write(fd, line, strlen(line));
    while (n < 0 && errno == EINTR);
    int rc = n < 0 ? -errno : (size_t)n == strlen(line) ? 0 : -EIO;
    free(line);
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}
