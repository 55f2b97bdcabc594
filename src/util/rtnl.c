/* rtnetlink exchanges: see rtnl.h. */
#include "util/rtnl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* Requests are small; the answers to a dump come in datagrams up to this. */
#define RTNL_BUFFER_SIZE 32768

struct rtnl_exchange {
    struct mnl_socket *nl;
    uint32_t seq, portid;
    char buf[RTNL_BUFFER_SIZE];
};

int rtnl_open(struct rtnl_exchange **out)
{
    struct rtnl_exchange *x = malloc(sizeof *x);
    *out = NULL;
    if (!x)
        return -ENOMEM;
    x->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!x->nl) {
        int err = -errno;
        free(x);
        return err;
    }
    if (mnl_socket_bind(x->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = -errno;
        mnl_socket_close(x->nl);
        free(x);
        return err;
    }
    x->portid = mnl_socket_get_portid(x->nl);
    x->seq = (uint32_t)time(NULL);
    *out = x;
    return 0;
}

void rtnl_close(struct rtnl_exchange *x)
{
    if (x) {
        mnl_socket_close(x->nl);
        free(x);
    }
}

void *rtnl_buffer(struct rtnl_exchange *x, size_t *size)
{
    *size = sizeof x->buf;
    return x->buf;
}

uint32_t rtnl_next_seq(struct rtnl_exchange *x)
{
    return ++x->seq;
}

static int exchange(struct rtnl_exchange *x, size_t len, mnl_cb_t cb, void *aux, bool one)
{
    if (!len)
        return -EMSGSIZE;
    if (mnl_socket_sendto(x->nl, x->buf, len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(x->nl, x->buf, sizeof x->buf);
        if (n < 0)
            return -errno;
        int rc = mnl_cb_run(x->buf, (size_t)n, x->seq, x->portid, cb, aux);
        if (rc == MNL_CB_ERROR)
            return -errno;
        if (rc == MNL_CB_STOP || one)
            return 0;
    }
}

int rtnl_run(struct rtnl_exchange *x, size_t len, mnl_cb_t cb, void *aux)
{
    return exchange(x, len, cb, aux, false);
}

int rtnl_run_one(struct rtnl_exchange *x, size_t len, mnl_cb_t cb, void *aux)
{
    return exchange(x, len, cb, aux, true);
}

struct nlmsghdr *rtnl_put_link_header(void *buf, size_t size, uint16_t type, uint16_t flags,
                                      uint32_t seq, int ifindex)
{
    if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg)))
        return NULL;
    memset(buf, 0, size);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    nlh->nlmsg_seq = seq;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return nlh;
}

int rtnl_ack(size_t (*build)(void *buf, size_t size, uint32_t seq, const void *arg),
             const void *arg)
{
    struct rtnl_exchange *x;
    int rc = rtnl_open(&x);
    if (rc == 0) {
        size_t size;
        void *buf = rtnl_buffer(x, &size);
        rc = rtnl_run(x, build(buf, size, rtnl_next_seq(x), arg), NULL, NULL);
        rtnl_close(x);
    }
    return rc;
}
