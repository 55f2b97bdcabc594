/* What the kernel tells of a tap beyond our own fds: how many queues are
 * attached to it (by any process), how many this process holds, and its
 * alias, by which Pontoon marks the taps it made.  Netlink rather than
 * /sys/class/net/X, which shows the namespace sysfs was mounted in. */
#ifndef PONTOON_NETDEV_TAP_LINK_H
#define PONTOON_NETDEV_TAP_LINK_H

struct tap_link {
    unsigned queues;        /* attached, enabled or disabled (numqueues + numdisabled) */
    char alias[64];         /* IFLA_IFALIAS; "" when none */
};

/* One RTM_GETLINK of the tap `name`; 0 or a negative errno (-ENODEV). */
int tap_link_get(const char *name, struct tap_link *link);
/* Sets (or with "" clears) the alias of `name`; 0 or a negative errno. */
int tap_link_set_alias(const char *name, const char *alias);
/* Queues of the tap `name` this process holds (fds attached to it). */
unsigned tap_queues_held_here(const char *name);

#endif
