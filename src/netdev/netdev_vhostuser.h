/* Settings of the vhost-user port types that struct netdev_class has no
 * place for yet, and their "queues changed" state. */
#ifndef PONTOON_NETDEV_NETDEV_VHOSTUSER_H
#define PONTOON_NETDEV_NETDEV_VHOSTUSER_H

#include <stdbool.h>

struct netdev;

/* Directory where type=dpdkvhostuser ports create their socket
 * (<dir>/<port name>).  Default: $PONTOON_RUN_DIR, else /run/pontoon. */
int netdev_vhostuser_set_run_dir(const char *dir);

/* options:vhost-server-path of a type=dpdkvhostuserclient port; must be set
 * before netdev_open() of that name.  NULL forgets it. */
int netdev_vhostuser_set_server_path(const char *port_name, const char *path);

/* True (once) when the port's ready queues changed since the last call, so
 * that rxq_fd() must be read again. */
bool netdev_vhostuser_changed(struct netdev *dev);

#endif
