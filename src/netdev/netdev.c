/* The class registry, netdev_open/close, and the kernel link helpers every
 * class with a kernel device shares. */
#include "netdev/netdev.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <pthread.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* <linux/if.h> has it but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* Defined in netdev_system.c, netdev_tap.c, netdev_patch.c; the registry is
 * the only place that needs them, so they have no header of their own. */
extern const struct netdev_class netdev_system_class;
extern const struct netdev_class netdev_tap_class;
extern const struct netdev_class netdev_internal_class;
extern const struct netdev_class netdev_patch_class;
extern const struct netdev_class netdev_vhostuser_class, netdev_vhostuserclient_class;
extern const struct netdev_class netdev_vxlan_class, netdev_geneve_class;

static const struct netdev_class *const netdev_classes[] = {
    &netdev_system_class,
    &netdev_tap_class,
    &netdev_internal_class,
    &netdev_patch_class,
    &netdev_vhostuser_class, &netdev_vhostuserclient_class,
    &netdev_vxlan_class, &netdev_geneve_class,
};

const struct netdev_class *netdev_class_find(const char *type)
{
    if (!type || !type[0])
        return &netdev_system_class;
    for (size_t i = 0; i < sizeof netdev_classes / sizeof netdev_classes[0]; i++)
        if (!strcmp(netdev_classes[i]->type, type))
            return netdev_classes[i];
    return NULL;
}

int netdev_open(const char *name, const char *type, unsigned n_rxq, struct netdev **out)
{
    return netdev_open_config(name, type, n_rxq, NULL, out);
}

int netdev_open_config(const char *name, const char *type, unsigned n_rxq, const void *config,
                       struct netdev **out)
{
    *out = NULL;
    const struct netdev_class *class = netdev_class_find(type);
    if (!class)
        return -EAFNOSUPPORT;
    if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
        return -EINVAL;

    struct netdev *dev = calloc(1, sizeof *dev);
    if (!dev)
        return -ENOMEM;
    strcpy(dev->name, name);
    dev->class = class;
    dev->n_rxq = n_rxq ? n_rxq : 1;
    dev->n_txq = 1;
    dev->open_config = config;
    int err = class->open(dev);
    dev->open_config = NULL;
    if (err) {
        free(dev);
        return err < 0 ? err : -err;
    }
    *out = dev;
    return 0;
}

void netdev_close(struct netdev *dev)
{
    if (!dev)
        return;
    dev->class->close(dev);
    free(dev);
}

int netdev_ifindex_by_name(const char *name)
{
    unsigned ifindex = if_nametoindex(name);
    return ifindex ? (int)ifindex : -ENODEV;
}

/* The sockets the link queries go through, one pair per thread and kept
 * open: the daemon reports the link columns of every interface after each
 * change, and opening two sockets per interface was most of that cost at
 * 1000 ports.  Closed when their thread exits. */
struct query_sockets {
    int ioctl_fd;                 /* a datagram socket, or -1 */
    struct mnl_socket *nl;        /* bound NETLINK_ROUTE, or NULL */
    unsigned seq;
};

static pthread_key_t query_key;
static pthread_once_t query_once = PTHREAD_ONCE_INIT;

static void query_sockets_free(void *p)
{
    struct query_sockets *q = p;
    if (q->ioctl_fd >= 0)
        close(q->ioctl_fd);
    if (q->nl)
        mnl_socket_close(q->nl);
    free(q);
}

static void query_key_create(void)
{
    if (pthread_key_create(&query_key, query_sockets_free))
        abort();
}

static struct query_sockets *query_sockets(void)
{
    pthread_once(&query_once, query_key_create);
    struct query_sockets *q = pthread_getspecific(query_key);
    if (!q && (q = calloc(1, sizeof *q))) {
        q->ioctl_fd = -1;
        q->seq = (unsigned)time(NULL);
        if (pthread_setspecific(query_key, q)) {
            free(q);
            q = NULL;
        }
    }
    return q;
}

/* ioctl()s on interfaces go through any socket; a datagram one is cheapest. */
static int netdev_ifreq(const char *name, unsigned long request, struct ifreq *ifr)
{
    if (strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct query_sockets *q = query_sockets();
    if (!q)
        return -ENOMEM;
    if (q->ioctl_fd < 0 && (q->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return -errno;
    strcpy(ifr->ifr_name, name);
    return ioctl(q->ioctl_fd, request, ifr) < 0 ? -errno : 0;
}

int netdev_set_up(const char *name, bool up)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int err = netdev_ifreq(name, SIOCGIFFLAGS, &ifr);
    if (err)
        return err;
    bool is_up = ifr.ifr_flags & IFF_UP;
    if (is_up == up)
        return 0;
    if (up)
        ifr.ifr_flags |= IFF_UP;
    else
        ifr.ifr_flags &= ~IFF_UP;
    return netdev_ifreq(name, SIOCSIFFLAGS, &ifr);
}

int netdev_get_mac(const char *name, uint8_t mac[6])
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int err = netdev_ifreq(name, SIOCGIFHWADDR, &ifr);
    if (err)
        return err;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

static int link_attr_cb(const struct nlattr *attr, void *arg)
{
    struct netdev_link *link = arg;
    switch (mnl_attr_get_type(attr)) {
    case IFLA_MTU:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            link->mtu = mnl_attr_get_u32(attr);
        break;
    case IFLA_CARRIER_CHANGES:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            link->carrier_changes = mnl_attr_get_u32(attr);
        break;
    case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(attr) == 6) {
            memcpy(link->mac, mnl_attr_get_payload(attr), 6);
            link->has_mac = true;
        }
        break;
    }
    return MNL_CB_OK;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
    struct netdev_link *link = arg;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    link->ifindex = ifi->ifi_index;
    link->up = ifi->ifi_flags & IFF_UP;
    /* IFF_LOWER_UP is only set while the device is up and has carrier:
     * an administratively down member has no usable link either. */
    link->carrier = ifi->ifi_flags & IFF_LOWER_UP;
    return mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, link);
}

/* Netlink rather than /sys/class/net/X: sysfs shows the namespace it was
 * mounted in, which need not be ours. */
int netdev_get_link(const char *name, struct netdev_link *link)
{
    memset(link, 0, sizeof *link);
    if (strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct query_sockets *q = query_sockets();
    if (!q)
        return -ENOMEM;
    if (!q->nl) {
        q->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!q->nl)
            return -errno;
        if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
            int err = -errno;
            mnl_socket_close(q->nl);
            q->nl = NULL;
            return err;
        }
    }
    struct mnl_socket *nl = q->nl;
    int err = 0;

    char buf[16384];   /* one link message, without statistics */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = ++q->seq;    /* a reply to an earlier request never matches */
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    /* Skip the statistics blocks we would only throw away. */
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);

    unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        err = -errno;
        goto out;
    }
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0) {
        err = -errno;
        goto out;
    }
    if (mnl_cb_run(buf, (size_t)n, seq, portid, link_msg_cb, link) < 0)
        err = errno ? -errno : -EIO;
out:
    if (err && err != -ENODEV) {
        /* Perhaps out of step with the kernel (a reply left unread, or one
         * lost): start afresh rather than read a stale answer next time. */
        mnl_socket_close(q->nl);
        q->nl = NULL;
    }
    if (err)
        memset(link, 0, sizeof *link);
    return err;
}

int netdev_get_ethtool(const char *name, struct netdev_ethtool *info)
{
    memset(info, 0, sizeof *info);
    info->duplex = -1;
    struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_data = (void *)&drv;
    int err = netdev_ifreq(name, SIOCETHTOOL, &ifr);
    if (err)
        return err;
    snprintf(info->driver, sizeof info->driver, "%s", drv.driver);
    snprintf(info->version, sizeof info->version, "%s", drv.version);
    snprintf(info->fw_version, sizeof info->fw_version, "%s", drv.fw_version);
    /* The legacy query is enough for speed and duplex, and every driver
     * that has link settings answers it. */
    struct ethtool_cmd cmd = { .cmd = ETHTOOL_GSET };
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_data = (void *)&cmd;
    if (netdev_ifreq(name, SIOCETHTOOL, &ifr) == 0) {
        uint32_t speed = ethtool_cmd_speed(&cmd);
        if (speed != (uint32_t)SPEED_UNKNOWN && speed != 0)
            info->speed_mbps = speed;
        if (cmd.duplex == DUPLEX_FULL || cmd.duplex == DUPLEX_HALF)
            info->duplex = cmd.duplex == DUPLEX_FULL;
    }
    return 0;
}

int netdev_get_carrier(const char *name, bool *carrier)
{
    struct netdev_link link;
    int err = netdev_get_link(name, &link);
    *carrier = link.carrier;
    return err;
}

static int change_fd = -1;
static pthread_once_t change_fd_once = PTHREAD_ONCE_INIT;

static void change_fd_create(void)
{
    change_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

int netdev_change_fd(void)
{
    pthread_once(&change_fd_once, change_fd_create);
    return change_fd;
}

void netdev_notify_changed(void)
{
    uint64_t one = 1;
    int fd = netdev_change_fd();
    if (fd >= 0 && write(fd, &one, sizeof one) < 0)
        return;   /* the counter is saturated: a notification is pending anyway */
}

unsigned netdev_rx_rings(const struct netdev *dev)
{
    return dev->class->rx_rings ? dev->class->rx_rings(dev) : 0;
}

int netdev_set_rx_filter(struct netdev *dev, int prog_fd)
{
    return dev->class->set_rx_filter ? dev->class->set_rx_filter(dev, prog_fd) : -EOPNOTSUPP;
}
