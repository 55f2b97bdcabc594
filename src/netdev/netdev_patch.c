/* type=patch: joins two bridges inside the process.  There is no kernel
 * device and nothing to poll: the datapath hands frames straight to the
 * peer port, so receive and send here are never the path frames take. */
#include "netdev/netdev.h"

#include <errno.h>

static int patch_open(struct netdev *dev)
{
    dev->ifindex = 0;
    dev->n_rxq = 1;
    dev->n_txq = 1;
    return 0;
}

static void patch_close(struct netdev *dev)
{
}

static int patch_rxq_fd(const struct netdev *dev, unsigned rxq)
{
    return -1;
}

static int patch_rxq_recv(struct netdev *dev, unsigned rxq, struct packet **packets, unsigned max)
{
    return 0;
}

static int patch_send(struct netdev *dev, unsigned txq, struct packet *const *packets, unsigned n)
{
    return -EOPNOTSUPP;
}

/* The datapath counts what crosses a patch port itself. */
static void patch_get_stats(const struct netdev *dev, struct netdev_stats *stats)
{
    *stats = (struct netdev_stats) { 0 };
}

const struct netdev_class netdev_patch_class = {
    .type = "patch",
    .open = patch_open,
    .close = patch_close,
    .rxq_fd = patch_rxq_fd,
    .rxq_recv = patch_rxq_recv,
    .send = patch_send,
    .get_stats = patch_get_stats,
};
