/* Settings of the vhost-user port types that struct netdev_class has no
 * place for yet, and their "queues changed" state. */
#ifndef PONTOON_NETDEV_NETDEV_VHOSTUSER_H
#define PONTOON_NETDEV_NETDEV_VHOSTUSER_H

#include <stdbool.h>
#include <stdint.h>

struct netdev;

/* Directory where type=dpdkvhostuser ports create their socket
 * (<dir>/<port name>).  Default: $PONTOON_RUN_DIR, else /run/pontoon. */
int netdev_vhostuser_set_run_dir(const char *dir);

/* options:vhost-server-path of a type=dpdkvhostuserclient port; must be set
 * before netdev_open() of that name.  NULL forgets it. */
int netdev_vhostuser_set_server_path(const char *port_name, const char *path);

/* options:tx-retries-max: how often a burst for the guest is tried again
 * when its receive ring fills part-way (OVS: 0-32, default 8).  Any thread;
 * -EINVAL for another port type or a value above the maximum. */
#define NETDEV_VHOSTUSER_TX_RETRIES_DEFAULT 8
#define NETDEV_VHOSTUSER_TX_RETRIES_MAX 32
int netdev_vhostuser_set_tx_retries_max(struct netdev *dev, unsigned max_retries);

/* True (once) when the port's ready queues changed since the last call, so
 * that rxq_fd() must be read again. */
bool netdev_vhostuser_changed(struct netdev *dev);

/* A snapshot of a vhost-user port for vhost/show. */
#define NETDEV_VHOSTUSER_MAX_QUEUES 32       /* 2 * queue pairs */
struct netdev_vhostuser_queue_status {
    uint16_t size;                  /* SET_VRING_NUM; 0 before */
    bool enabled;                   /* SET_VRING_ENABLE (or implied) */
    bool ready;                     /* the datapath uses it */
    uint64_t packets;               /* moved through it since the port opened */
};
struct netdev_vhostuser_status {
    bool client;                    /* dpdkvhostuserclient */
    bool connected;                 /* a front-end is on the socket */
    char path[108];                 /* the socket */
    uint64_t features;              /* negotiated (SET_FEATURES), 0 when not connected */
    uint64_t protocol_features;
    unsigned tx_retries_max;        /* options:tx-retries-max */
    uint64_t tx_retries;            /* retries of guest-receive bursts (OVS ovs_tx_retries) */
    uint64_t tx_failure_drops;      /* dropped on a full guest ring (ovs_tx_failure_drops) */
    unsigned n_pairs;               /* queue pairs the port offers (options:n_rxq) */
    unsigned n_queues;              /* 2 * n_pairs: queue 2k guest rx, 2k+1 guest tx */
    struct netdev_vhostuser_queue_status queues[NETDEV_VHOSTUSER_MAX_QUEUES];
};

/* Fills *status; -EINVAL if dev is not a vhost-user port.  Any thread. */
int netdev_vhostuser_get_status(struct netdev *dev, struct netdev_vhostuser_status *status);

#endif
