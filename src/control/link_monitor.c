/* Link state events from rtnetlink, read without blocking. */
#include "control/link_monitor.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* <linux/if.h> has it but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* Enough to ride out a burst (many taps created at once) between polls. */
#define LINK_MONITOR_RCVBUF (1024 * 1024)
/* One datagram may hold several link messages; libmnl's dump size. */
#define LINK_MONITOR_MSG_BUF 32768

struct link_monitor {
    struct mnl_socket *nl;
};

int link_monitor_open(struct link_monitor **out)
{
    *out = NULL;
    struct link_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (!m->nl) {
        int err = -errno;
        free(m);
        return err;
    }
    int size = LINK_MONITOR_RCVBUF;
    int fd = mnl_socket_get_fd(m->nl);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (mnl_socket_bind(m->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
        int err = -errno;
        mnl_socket_close(m->nl);
        free(m);
        return err;
    }
    *out = m;
    return 0;
}

int link_monitor_fd(const struct link_monitor *m)
{
    return mnl_socket_get_fd(m->nl);
}

struct link_monitor_ctx {
    void (*cb)(const struct link_event *, void *);
    void *arg;
};

static int link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
    const struct link_monitor_ctx *ctx = data;
    if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
        return MNL_CB_OK;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return MNL_CB_OK;   /* malformed: skip rather than trust it */

    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct link_event ev = {
        .ifindex = ifi->ifi_index,
        .exists = nlh->nlmsg_type == RTM_NEWLINK,
        .up = ifi->ifi_flags & IFF_UP,
        .carrier = ifi->ifi_flags & IFF_LOWER_UP,
    };
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof *ifi) {
        if (mnl_attr_get_type(attr) != IFLA_IFNAME
            || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
            continue;
        const char *name = mnl_attr_get_str(attr);
        size_t len = strnlen(name, sizeof ev.name - 1);
        memcpy(ev.name, name, len);
        ev.name[len] = '\0';
    }
    if (!ev.exists) {
        ev.up = false;
        ev.carrier = false;
    }
    ctx->cb(&ev, ctx->arg);
    return MNL_CB_OK;
}

int link_monitor_process(struct link_monitor *m,
                         void (*cb)(const struct link_event *, void *), void *arg)
{
    char buf[LINK_MONITOR_MSG_BUF];
    struct link_monitor_ctx ctx = { cb, arg };
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(m->nl, buf, sizeof buf);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR || errno == ESRCH)
                continue;       /* ESRCH: not from the kernel, ignore it */
            if (errno == ENOSPC)
                return -ENOBUFS;    /* a message did not fit: lost like an overflow */
            return -errno;      /* ENOBUFS: events were lost, resync */
        }
        /* Notifications carry seq 0 and the kernel's portid 0: skip those checks. */
        if (mnl_cb_run(buf, (size_t)n, 0, 0, link_msg_cb, &ctx) < 0 && errno == ENOBUFS)
            return -ENOBUFS;
    }
}

void link_monitor_close(struct link_monitor *m)
{
    if (!m)
        return;
    mnl_socket_close(m->nl);
    free(m);
}
