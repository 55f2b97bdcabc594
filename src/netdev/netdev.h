/* One interface for every kind of port: open, receive a batch from an rx
 * queue, send a batch to a tx queue, carrier, stats.  One file per type
 * (netdev_system.c, netdev_tap.c, ...) fills a struct netdev_class. */
#ifndef PONTOON_NETDEV_NETDEV_H
#define PONTOON_NETDEV_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "packet/packet.h"

struct netdev;

struct netdev_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev_class {
    const char *type;     /* Interface type column value: "system", "tap", "internal", "patch" */
    /* Opens dev->name (creating the device where the type does so).
     * Returns 0 or a negative errno; -ENODEV when the device does not exist. */
    int (*open)(struct netdev *dev);
    /* Releases everything; removes the device if open() created it. */
    void (*close)(struct netdev *dev);
    /* A file descriptor that polls readable when rx queue `rxq` has packets; -1 if none.
     * It may change during an rxq_recv() (a system port moving to a receive
     * ring): callers compare after each receive and poll the new one. */
    int (*rxq_fd)(const struct netdev *dev, unsigned rxq);
    /* Receives up to batch capacity into the empty packets batch->packets[0..max).
     * Returns the number received (0 when nothing is ready) or a negative errno. */
    int (*rxq_recv)(struct netdev *dev, unsigned rxq, struct packet **packets, unsigned max);
    /* Sends packets[0..n); never takes ownership.  Returns the number sent or
     * a negative errno; packets not sent are counted as tx_dropped. */
    int (*send)(struct netdev *dev, unsigned txq, struct packet *const *packets, unsigned n);
    /* Fills stats (counted by the class or read from the kernel). */
    void (*get_stats)(const struct netdev *dev, struct netdev_stats *stats);
    /* Optional: how many rx queues read through a shared-memory ring. */
    unsigned (*rx_rings)(const struct netdev *dev);
    /* Optional: puts the eBPF socket filter `prog_fd` (-1: none) on every
     * receiving socket, now and later (the kernel switch's, on system
     * ports).  0 or a negative errno. */
    int (*set_rx_filter)(struct netdev *dev, int prog_fd);
};

struct netdev {
    char name[16];                  /* IFNAMSIZ */
    const struct netdev_class *class;
    int ifindex;                    /* 0 when the type has no kernel device */
    uint8_t mac[6];
    unsigned n_rxq, n_txq;          /* requested before open, actual after */
    void *priv;                     /* the class's state */
    const void *open_config;        /* type's parsed options (tunnels), during open() only */
};

/* Finds the class for an Interface type ("" means "system"); NULL if unknown. */
const struct netdev_class *netdev_class_find(const char *type);

/* Allocates and opens a netdev of `type` named `name`.  On failure returns a
 * negative errno and *out is NULL. */
int netdev_open(const char *name, const char *type, unsigned n_rxq, struct netdev **out);
/* The same for a type that needs its options parsed (a struct tunnel_config
 * for vxlan and geneve); `config` is read during the call only. */
int netdev_open_config(const char *name, const char *type, unsigned n_rxq, const void *config,
                       struct netdev **out);
void netdev_close(struct netdev *dev);
/* The class's set_rx_filter, or -EOPNOTSUPP. */
int netdev_set_rx_filter(struct netdev *dev, int prog_fd);
/* Rx queues that read through a ring (0 for types without rings); any thread. */
unsigned netdev_rx_rings(const struct netdev *dev);

/* A port type whose queues come and go on their own (vhost-user: the guest
 * connects, enables queues, reboots) calls netdev_notify_changed() from any
 * thread; the control thread polls netdev_change_fd() and then rebuilds the
 * datapath's snapshot so workers poll the right file descriptors. */
void netdev_notify_changed(void);
int netdev_change_fd(void);     /* readable after a notification; read it to clear */

/* Kernel link helpers shared by the classes (ioctl/netlink on AF_INET/AF_PACKET). */
int netdev_ifindex_by_name(const char *name);     /* > 0, or negative errno */
int netdev_set_up(const char *name, bool up);
int netdev_get_mac(const char *name, uint8_t mac[6]);
int netdev_get_carrier(const char *name, bool *carrier);

/* What the kernel reports of a device in our namespace (one RTM_GETLINK). */
struct netdev_link {
    int ifindex;
    bool up;                /* IFF_UP */
    bool carrier;           /* IFF_LOWER_UP: up and with carrier */
    unsigned mtu;
    uint8_t mac[6];
    bool has_mac;
    uint32_t carrier_changes;   /* IFLA_CARRIER_CHANGES: since the device was made */
};
int netdev_get_link(const char *name, struct netdev_link *link);

/* What ethtool reports of a device in our namespace. */
struct netdev_ethtool {
    char driver[32], version[32], fw_version[32];
    uint32_t speed_mbps;    /* 0: unknown */
    int duplex;             /* 1 full, 0 half, -1 unknown */
};
int netdev_get_ethtool(const char *name, struct netdev_ethtool *info);

#endif
