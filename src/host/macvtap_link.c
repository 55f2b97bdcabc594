/* macvtap rtnetlink requests, sent: see macvtap_link.h. */
#include "host/macvtap_link.h"

#include <errno.h>
#include <stdbool.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/rtnl.h"

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
    struct rtnl_exchange *x;
    int rc = rtnl_open(&x);
    if (rc == 0) {
        struct get_aux aux = { link, false };
        size_t size;
        void *buf = rtnl_buffer(x, &size);
        /* A get without NLM_F_ACK ends with its one answer. */
        rc = rtnl_run_one(x, macvtap_build_get(buf, size, name, rtnl_next_seq(x)), get_cb, &aux);
        if (!rc && !aux.found)
            rc = -ENODEV;
        rtnl_close(x);
    }
    return rc;
}

/* Builds with the one of macvtap.h's builders that `build` names and waits
 * for the ack. */
struct link_request {
    enum { LINK_CREATE, LINK_SET_UP, LINK_DELETE } kind;
    const struct macvtap_spec *spec;
    int ifindex;
    const char *alias;
};

static size_t build_link_request(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct link_request *req = arg;
    switch (req->kind) {
    case LINK_CREATE:
        return macvtap_build_create(buf, size, req->spec, seq);
    case LINK_SET_UP:
        return macvtap_build_set_up(buf, size, req->ifindex, req->alias, seq);
    case LINK_DELETE:
        return macvtap_build_delete(buf, size, req->ifindex, seq);
    }
    return 0;
}

int macvtap_link_create(const struct macvtap_spec *spec)
{
    struct link_request req = { .kind = LINK_CREATE, .spec = spec };
    return rtnl_ack(build_link_request, &req);
}

int macvtap_link_set_up(int ifindex, const char *alias)
{
    struct link_request req = { .kind = LINK_SET_UP, .ifindex = ifindex, .alias = alias };
    return rtnl_ack(build_link_request, &req);
}

int macvtap_link_delete(int ifindex)
{
    struct link_request req = { .kind = LINK_DELETE, .ifindex = ifindex };
    return rtnl_ack(build_link_request, &req);
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
    struct rtnl_exchange *x;
    int rc = rtnl_open(&x);
    if (rc == 0) {
        struct each_aux each = { cb, aux, 0 };
        size_t size;
        void *buf = rtnl_buffer(x, &size);
        rc = rtnl_run(x, macvtap_build_get(buf, size, NULL, rtnl_next_seq(x)), each_cb, &each);
        if (!rc)
            rc = each.stopped;
        rtnl_close(x);
    }
    return rc;
}
