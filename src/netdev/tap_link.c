/* RTM_GETLINK / RTM_NEWLINK for a tap's queue count and alias, and our
 * own fds' /proc/self/fdinfo, where the kernel names a tun fd's device. */
#include "netdev/tap_link.h"

#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "util/rtnl.h"

static int tun_attr_cb(const struct nlattr *attr, void *arg)
{
    struct tap_link *link = arg;
    int type = mnl_attr_get_type(attr);
    if ((type == IFLA_TUN_NUM_QUEUES || type == IFLA_TUN_NUM_DISABLED_QUEUES) &&
        mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
        link->queues += mnl_attr_get_u32(attr);
    return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *arg)
{
    if (mnl_attr_get_type(attr) == IFLA_INFO_DATA)
        mnl_attr_parse_nested(attr, tun_attr_cb, arg);
    return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *arg)
{
    struct tap_link *link = arg;
    switch (mnl_attr_get_type(attr)) {
    case IFLA_LINKINFO:
        mnl_attr_parse_nested(attr, linkinfo_attr_cb, link);
        break;
    case IFLA_IFALIAS:
        if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
            snprintf(link->alias, sizeof link->alias, "%s", mnl_attr_get_str(attr));
        break;
    }
    return MNL_CB_OK;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
    return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, arg);
}

/* Sends one request about `name` and runs `cb` on the answer (or the ack). */
static int link_request(uint16_t type, uint16_t flags, const char *name, const char *alias,
                        mnl_cb_t cb, void *data)
{
    if (strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct rtnl_exchange *x;
    int err = rtnl_open(&x);
    if (err)
        return err;
    size_t size;
    void *buf = rtnl_buffer(x, &size);
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, type, flags, rtnl_next_seq(x), 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    if (alias)
        mnl_attr_put_str(nlh, IFLA_IFALIAS, alias);
    else
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);    /* no statistics */
    /* A get without NLM_F_ACK ends with its one answer. */
    err = flags & NLM_F_ACK ? rtnl_run(x, nlh->nlmsg_len, cb, data)
                            : rtnl_run_one(x, nlh->nlmsg_len, cb, data);
    rtnl_close(x);
    return err;
}

int tap_link_get(const char *name, struct tap_link *link)
{
    memset(link, 0, sizeof *link);
    return link_request(RTM_GETLINK, 0, name, NULL, link_msg_cb, link);
}

int tap_link_set_alias(const char *name, const char *alias)
{
    return link_request(RTM_NEWLINK, NLM_F_ACK, name, alias, NULL, NULL);
}

unsigned tap_queues_held_here(const char *name)
{
    DIR *dir = opendir("/proc/self/fdinfo");
    if (!dir)
        return 0;
    char want[IFNAMSIZ + 8];
    snprintf(want, sizeof want, "iff:\t%s\n", name);
    unsigned held = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        char path[300], line[128];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/fdinfo/%s", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            if (!strcmp(line, want))
                held++;
        fclose(f);
    }
    closedir(dir);
    return held;
}
