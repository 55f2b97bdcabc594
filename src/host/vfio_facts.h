/* What the passthrough checks (host/vfio_plan.h) need to know about the
 * host besides its PCI devices: which network devices carry it (addresses,
 * the default route, their upper bridge or bond), whether vfio-pci is
 * loaded, which processes hold a VFIO group open, and which devices are
 * ports of Pontoon's bridges and bonds (filled in by the caller from the
 * database).  Read from this machine or from a captured tree under a root:
 *   addresses   live: getifaddrs (rtnetlink); a tree:
 *               sos_commands/networking/ip_-o_addr (`ip -o addr`)
 *   routes      proc/net/route, proc/net/ipv6_route
 *   uppers      sys/class/net/DEV/master
 *   vfio-pci    sys/bus/pci/drivers/vfio-pci
 *   users       proc/PID/fd/N -> /dev/vfio/GROUP, proc/PID/comm */
#ifndef PONTOON_HOST_VFIO_FACTS_H
#define PONTOON_HOST_VFIO_FACTS_H

#include <stdbool.h>
#include <stddef.h>

struct vfio_netdev {
    char name[16];
    char master[16];              /* the bridge or bond above it, "" none */
    char *addresses;              /* "192.0.2.10/24, 2001:db8::1/64": IPv4 and
                                     global IPv6 (link-local ones do not count); NULL none */
    bool default_route;           /* an IPv4 or IPv6 default route goes out of it */
};

struct vfio_pontoon_port {
    char *iface;                  /* the Interface's name (a netdev) */
    char *bridge;                 /* its Pontoon bridge */
    char *bond;                   /* the Port's name when it is a bond, else NULL */
};

struct vfio_group_user {
    int group;                    /* /dev/vfio/GROUP */
    long pid;
    char comm[32];
};

struct vfio_host_facts {
    bool vfio_loaded;             /* /sys/bus/pci/drivers/vfio-pci exists */
    struct vfio_netdev *netdevs;  /* those with an address, route or master */
    size_t n_netdevs;
    struct vfio_pontoon_port *ports;
    size_t n_ports;
    struct vfio_group_user *users;
    size_t n_users;
};

/* Reads everything but the Pontoon ports.  0, or -1 with a heap *error.
 * Free with vfio_host_facts_free, also after an error. */
int vfio_host_facts_read(const char *root, struct vfio_host_facts *facts, char **error);
/* Adds one Pontoon Interface; 0 or -ENOMEM. */
int vfio_host_facts_add_port(struct vfio_host_facts *facts, const char *iface,
                             const char *bridge, const char *bond);
void vfio_host_facts_free(struct vfio_host_facts *facts);

/* The entry for `name`, or NULL. */
const struct vfio_netdev *vfio_host_facts_netdev(const struct vfio_host_facts *facts,
                                                 const char *name);

/* Parses `ip -o addr` output: for each line "N: DEV    inet|inet6 ADDR/LEN
 * ... scope SCOPE ..." calls add(DEV, ADDR/LEN) for IPv4 and for IPv6 of
 * scope global or site.  Returns the number of addresses taken. */
size_t vfio_parse_ip_addr(const char *text, void (*add)(void *aux, const char *dev,
                                                        const char *cidr), void *aux);

#endif
