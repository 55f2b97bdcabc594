/* Link state events from the kernel (rtnetlink RTMGRP_LINK): a device
 * appeared, went away, went up or down, gained or lost carrier.  The control
 * thread polls link_monitor_fd() and calls link_monitor_process(). */
#ifndef PONTOON_CONTROL_LINK_MONITOR_H
#define PONTOON_CONTROL_LINK_MONITOR_H

#include <stdbool.h>

struct link_monitor;

struct link_event {
    char name[16];      /* IFNAMSIZ */
    int ifindex;
    bool exists;        /* false: the device was deleted (or left the namespace) */
    bool up;            /* IFF_UP */
    bool carrier;       /* IFF_LOWER_UP */
};

int link_monitor_open(struct link_monitor **out);
int link_monitor_fd(const struct link_monitor *m);
/* Reads every pending message and calls cb once per link event.  Returns 0,
 * or -ENOBUFS when the kernel dropped events (the caller must resync from a
 * full dump), or another negative errno. */
int link_monitor_process(struct link_monitor *m,
                         void (*cb)(const struct link_event *, void *), void *arg);
void link_monitor_close(struct link_monitor *m);

#endif
