/* /dev/tapN for a macvtap: see macvtap_dev.h. */
#include "host/macvtap_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "host/macvtap.h"

int macvtap_dev_number(const char *sys, const char *name, int ifindex, unsigned *major,
                       unsigned *minor)
{
    char path[256], text[32];
    int n = snprintf(path, sizeof path, "%s/class/net/%s/macvtap/tap%d/dev", sys, name,
                     ifindex);
    if (n < 0 || (size_t)n >= sizeof path)
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t len = read(fd, text, sizeof text - 1);
    int err = len < 0 ? -errno : 0;
    close(fd);
    if (err)
        return err;
    text[len] = '\0';
    return macvtap_parse_devnum(text, major, minor);
}

int macvtap_dev_ensure(const char *dev, int ifindex, unsigned major, unsigned minor,
                       char *path, size_t size, bool *made)
{
    *made = false;
    int n = snprintf(path, size, "%s/tap%d", dev, ifindex);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    struct stat st;
    dev_t want = makedev(major, minor);
    if (lstat(path, &st) == 0) {
        if (S_ISCHR(st.st_mode) && st.st_rdev == want)
            return 0;
        /* A node left from an earlier device with this ifindex (another
         * namespace's, or one deleted while nothing cleaned up). */
        if (unlink(path) < 0)
            return -errno;
    } else if (errno != ENOENT) {
        return -errno;
    }
    /* As udev's default rule: root only, QEMU runs as root or is handed the fd. */
    if (mknod(path, S_IFCHR | 0600, want) < 0) {
        if (errno != EEXIST)
            return -errno;
        /* devtmpfs made it meanwhile. */
        if (lstat(path, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != want)
            return -EEXIST;
        return 0;
    }
    *made = true;
    return 0;
}

void macvtap_dev_remove(const char *dev, int ifindex, unsigned major, unsigned minor)
{
    char path[256];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/tap%d", dev, ifindex);
    if (n < 0 || (size_t)n >= sizeof path)
        return;
    if (lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(major, minor))
        unlink(path);
}
