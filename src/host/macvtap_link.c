/* macvtap rtnetlink requests, sent: see macvtap_link.h. */
#include "host/macvtap_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Requests are small; answers to a dump come in datagrams of up to this. */
#define MACVTAP_NL_BUF 32768

struct request {
    struct mnl_socket *nl;
    uint32_t seq, portid;
    char buf[MACVTAP_NL_BUF];
};

static int request_open(struct request *r)
{
    r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!r->nl)
        return -errno;
    if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = -errno;
        mnl_socket_close(r->nl);
        return err;
    }
    r->portid = mnl_socket_get_portid(r->nl);
    r->seq = (uint32_t)time(NULL);
    return 0;
}

/* Sends what is in r->buf and runs cb on every answer until the ack or the
 * end of a dump.  Returns 0 or the kernel's negative errno. */
static int request_run(struct request *r, size_t len, mnl_cb_t cb, void *aux)
{
    if (!len)
        return -EMSGSIZE;
    if (mnl_socket_sendto(r->nl, r->buf, len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(r->nl, r->buf, sizeof r->buf);
        if (n < 0)
            return errno == EINTR ? -EINTR : -errno;
        int rc = mnl_cb_run(r->buf, (size_t)n, r->seq, r->portid, cb, aux);
        if (rc == MNL_CB_ERROR)
            return -errno;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

static void request_close(struct request *r)
{
    mnl_socket_close(r->nl);
}

struct get_aux {
    struct macvtap_link *link;
    bool found;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct get_aux *aux = data;
    if (macvtap_parse_link(nlh, aux->link) == 0)
        aux->found = true;
    return MNL_CB_OK;
}

int macvtap_link_get(const char *name, struct macvtap_link *link)
{
    struct request *r = malloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    int rc = request_open(r);
    if (rc == 0) {
        struct get_aux aux = { link, false };
        size_t len = macvtap_build_get(r->buf, sizeof r->buf, name, ++r->seq);
        /* A get without NLM_F_ACK ends with its one answer. */
        rc = len ? 0 : -EMSGSIZE;
        if (!rc && mnl_socket_sendto(r->nl, r->buf, len) < 0)
            rc = -errno;
        if (!rc) {
            ssize_t n = mnl_socket_recvfrom(r->nl, r->buf, sizeof r->buf);
            if (n < 0)
                rc = -errno;
            else if (mnl_cb_run(r->buf, (size_t)n, r->seq, r->portid, get_cb, &aux)
                     == MNL_CB_ERROR)
                rc = -errno;
            else if (!aux.found)
                rc = -ENODEV;
        }
        request_close(r);
    }
    free(r);
    return rc;
}

static int ack_only(struct request *r, size_t len)
{
    return request_run(r, len, NULL, NULL);
}

int macvtap_link_create(const struct macvtap_spec *spec)
{
    struct request *r = malloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    int rc = request_open(r);
    if (rc == 0) {
        rc = ack_only(r, macvtap_build_create(r->buf, sizeof r->buf, spec, ++r->seq));
        request_close(r);
    }
    free(r);
    return rc;
}

int macvtap_link_set_up(int ifindex, const char *alias)
{
    struct request *r = malloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    int rc = request_open(r);
    if (rc == 0) {
        rc = ack_only(r, macvtap_build_set_up(r->buf, sizeof r->buf, ifindex, alias, ++r->seq));
        request_close(r);
    }
    free(r);
    return rc;
}

int macvtap_link_delete(int ifindex)
{
    struct request *r = malloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    int rc = request_open(r);
    if (rc == 0) {
        rc = ack_only(r, macvtap_build_delete(r->buf, sizeof r->buf, ifindex, ++r->seq));
        request_close(r);
    }
    free(r);
    return rc;
}

struct each_aux {
    int (*cb)(const struct macvtap_link *link, void *aux);
    void *aux;
    int stopped;
};

static int each_cb(const struct nlmsghdr *nlh, void *data)
{
    struct each_aux *each = data;
    struct macvtap_link link;
    if (each->stopped || macvtap_parse_link(nlh, &link))
        return MNL_CB_OK;
    each->stopped = each->cb(&link, each->aux);
    return MNL_CB_OK;   /* read the dump to its end either way */
}

int macvtap_link_for_each(int (*cb)(const struct macvtap_link *link, void *aux), void *aux)
{
    struct request *r = malloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    int rc = request_open(r);
    if (rc == 0) {
        struct each_aux each = { cb, aux, 0 };
        rc = request_run(r, macvtap_build_get(r->buf, sizeof r->buf, NULL, ++r->seq),
                         each_cb, &each);
        if (!rc)
            rc = each.stopped;
        request_close(r);
    }
    free(r);
    return rc;
}
