/* VF rtnetlink requests, sent: see vf_link.h. */
#include "host/vf_link.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

/* A PF's answer holds every VF (about 200 bytes each without statistics):
 * it is read whole, into a buffer of its own size. */
#define VF_LINK_MIN_BUF 65536

struct get_aux {
    struct vf_link *link;
    bool found;
    int rc;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct get_aux *aux = data;
    if (aux->found)
        return MNL_CB_OK;
    int rc = vf_parse_link(nlh, aux->link);
    if (rc == 0)
        aux->found = true;
    else if (rc != -EINVAL)
        aux->rc = rc;
    return MNL_CB_OK;
}

int vf_link_get(const char *name, struct vf_link *link)
{
    struct vf_link empty = { .ifindex = 0 };
    *link = empty;
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return -errno;
    int rc = 0;
    char *buf = NULL;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        rc = -errno;
        goto out;
    }
    char request[512];
    uint32_t seq = 1;
    size_t len = vf_build_get(request, sizeof request, name, seq);
    if (!len) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    if (mnl_socket_sendto(nl, request, len) < 0) {
        rc = -errno;
        goto out;
    }
    /* Peek at the size first: a datagram cut short would lose VFs. */
    ssize_t size = recv(mnl_socket_get_fd(nl), NULL, 0, MSG_PEEK | MSG_TRUNC);
    if (size < 0) {
        rc = -errno;
        goto out;
    }
    size_t cap = (size_t)size > VF_LINK_MIN_BUF ? (size_t)size : VF_LINK_MIN_BUF;
    if (!(buf = malloc(cap))) {
        rc = -ENOMEM;
        goto out;
    }
    ssize_t n = mnl_socket_recvfrom(nl, buf, cap);
    if (n < 0) {
        rc = -errno;
        goto out;
    }
    struct get_aux aux = { link, false, 0 };
    if (mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), get_cb, &aux) == MNL_CB_ERROR)
        rc = -errno;
    else if (aux.rc)
        rc = aux.rc;
    else if (!aux.found)
        rc = -ENODEV;
out:
    free(buf);
    mnl_socket_close(nl);
    if (rc)
        vf_link_free(link);
    return rc;
}

struct set_arg {
    int ifindex;
    const struct vf_config *cfg;
    unsigned which;
};

static size_t build_set(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct set_arg *a = arg;
    return vf_build_set(buf, size, a->ifindex, a->cfg, a->which, seq);
}

int vf_link_set(int ifindex, const struct vf_config *cfg, unsigned which)
{
    struct set_arg arg = { ifindex, cfg, which };
    return rtnl_ack(build_set, &arg);
}
