/* The character device a QEMU opens for a macvtap: /dev/tapN, N the
 * macvtap's ifindex, major:minor from sysfs.  udev or devtmpfs normally make
 * it; where neither does (a container's /dev, a chroot) these make it. */
#ifndef PONTOON_HOST_MACVTAP_DEV_H
#define PONTOON_HOST_MACVTAP_DEV_H

#include <stdbool.h>
#include <stddef.h>

/* The macvtap's device number from SYS/class/net/NAME/macvtap/tapN/dev.
 * `sys` is "/sys" (or a captured tree).  0 or a negative errno. */
int macvtap_dev_number(const char *sys, const char *name, int ifindex, unsigned *major,
                       unsigned *minor);

/* Makes DEV/tapN a character device with that number (replacing a stale
 * node of that name); path (at least 64 bytes) gets its name; *made says
 * whether it had to be made.  0 or a negative errno. */
int macvtap_dev_ensure(const char *dev, int ifindex, unsigned major, unsigned minor,
                       char *path, size_t size, bool *made);

/* Removes DEV/tapN if it is still that device number. */
void macvtap_dev_remove(const char *dev, int ifindex, unsigned major, unsigned minor);

#endif
