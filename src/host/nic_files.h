/* Files of /sys and /proc under a root: "" (or "/") for the running system,
 * a directory holding copies of them for a captured tree (`--root DIR`).
 * The only place the host layer touches the filesystem by path. */
#ifndef PONTOON_HOST_NIC_FILES_H
#define PONTOON_HOST_NIC_FILES_H

#include <stdbool.h>

/* "" for NULL or "/", else root without trailing slashes (a heap copy). */
char *nic_root_normalize(const char *root);
bool nic_root_is_live(const char *root);

/* root + the formatted path ("/sys/class/net/%s/mtu"); heap. */
char *nic_path(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The file's contents without the trailing newline(s), or NULL (errno set)
 * when it is absent or unreadable.  At most 1 MiB.  Heap. */
char *nic_read_file(const char *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether root + path exists (as anything). */
bool nic_path_exists(const char *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes "VALUE\n" to root + path in one write(2), as echo does.  0 or a
 * negative errno (what the kernel said: -EINVAL, -EIO for a managed IRQ...). */
int nic_write_file(const char *root, const char *path, const char *value);

#endif
