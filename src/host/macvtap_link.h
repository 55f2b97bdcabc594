/* The thin rtnetlink shell around macvtap.h: each call opens a socket, sends
 * one request built there and waits for the kernel's answer.  Every call
 * acts in the caller's network namespace. */
#ifndef PONTOON_HOST_MACVTAP_LINK_H
#define PONTOON_HOST_MACVTAP_LINK_H

#include "host/macvtap.h"

/* The device named `name`: 0, -ENODEV when there is none, or another
 * negative errno. */
int macvtap_link_get(const char *name, struct macvtap_link *link);
/* Creates the device; 0 or a negative errno (-EEXIST, -ENODEV for a
 * missing lower device, -EADDRINUSE, ...). */
int macvtap_link_create(const struct macvtap_spec *spec);
/* Sets the device up, and its alias when not NULL. */
int macvtap_link_set_up(int ifindex, const char *alias);
int macvtap_link_delete(int ifindex);
/* Calls cb for every device (a dump); stops early when cb returns non-zero
 * and returns that.  0 or a negative errno otherwise. */
int macvtap_link_for_each(int (*cb)(const struct macvtap_link *link, void *aux), void *aux);

#endif
