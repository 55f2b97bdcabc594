/* The host facts for the passthrough checks: see vfio_facts.h. */
#include "host/vfio_facts.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

static bool valid_name(const char *name)
{
    return *name && strlen(name) < 16 && !strchr(name, '/') && strcmp(name, ".")
           && strcmp(name, "..");
}

/* The entry for `name`, made when absent; NULL on ENOMEM. */
static struct vfio_netdev *netdev_entry(struct vfio_host_facts *facts, const char *name)
{
    for (size_t i = 0; i < facts->n_netdevs; i++)
        if (!strcmp(facts->netdevs[i].name, name))
            return &facts->netdevs[i];
    struct vfio_netdev *grown = realloc(facts->netdevs, (facts->n_netdevs + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    facts->netdevs = grown;
    struct vfio_netdev *n = &grown[facts->n_netdevs++];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    return n;
}

const struct vfio_netdev *vfio_host_facts_netdev(const struct vfio_host_facts *facts,
                                                 const char *name)
{
    for (size_t i = 0; i < facts->n_netdevs; i++)
        if (!strcmp(facts->netdevs[i].name, name))
            return &facts->netdevs[i];
    return NULL;
}

static void add_address(void *aux, const char *dev, const char *cidr)
{
    struct vfio_netdev *n = valid_name(dev) ? netdev_entry(aux, dev) : NULL;
    if (!n)
        return;
    char *joined = n->addresses ? xasprintf("%s, %s", n->addresses, cidr) : strdup(cidr);
    if (joined) {
        free(n->addresses);
        n->addresses = joined;
    }
}

size_t vfio_parse_ip_addr(const char *text, void (*add)(void *aux, const char *dev,
                                                        const char *cidr), void *aux)
{
    size_t taken = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        line = end ? end + 1 : NULL;
        /* "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\ ..." */
        char index[16], dev[64], family[16], cidr[128];
        if (sscanf(buf, "%15s %63s %15s %127s", index, dev, family, cidr) != 4)
            continue;
        size_t dev_len = strlen(dev);
        if (dev_len && dev[dev_len - 1] == ':')
            dev[dev_len - 1] = '\0';
        char *at = strchr(dev, '@');   /* "eth0.10@eth0" */
        if (at)
            *at = '\0';
        const char *scope = strstr(buf, " scope ");
        char scope_name[32] = "global";
        if (scope)
            sscanf(scope + 7, "%31s", scope_name);
        bool v4 = !strcmp(family, "inet"), v6 = !strcmp(family, "inet6");
        if ((v4 && strcmp(scope_name, "host"))
            || (v6 && (!strcmp(scope_name, "global") || !strcmp(scope_name, "site")))) {
            add(aux, dev, cidr);
            taken++;
        }
    }
    return taken;
}

static unsigned prefix_length(const struct sockaddr *mask)
{
    const unsigned char *bytes;
    size_t n;
    if (mask->sa_family == AF_INET) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)mask)->sin_addr;
        n = 4;
    } else {
        bytes = ((const struct sockaddr_in6 *)(const void *)mask)->sin6_addr.s6_addr;
        n = 16;
    }
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        bits += (unsigned)__builtin_popcount(bytes[i]);
    return bits;
}

/* This machine's addresses, through getifaddrs (RTM_GETADDR). */
static int read_live_addresses(struct vfio_host_facts *facts)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) < 0)
        return -errno;
    for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || !ifa->ifa_name)
            continue;
        int family = ifa->ifa_addr->sa_family;
        char text[INET6_ADDRSTRLEN];
        if (family == AF_INET) {
            const struct sockaddr_in *sin = (const void *)ifa->ifa_addr;
            if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
                continue;
            inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
        } else if (family == AF_INET6) {
            const struct sockaddr_in6 *sin6 = (const void *)ifa->ifa_addr;
            if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
                continue;
            inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
        } else {
            continue;
        }
        char cidr[INET6_ADDRSTRLEN + 8];
        snprintf(cidr, sizeof cidr, "%s/%u", text,
                 ifa->ifa_netmask ? prefix_length(ifa->ifa_netmask) : family == AF_INET ? 32 : 128);
        add_address(facts, ifa->ifa_name, cidr);
    }
    freeifaddrs(list);
    return 0;
}

static void mark_default_route(struct vfio_host_facts *facts, const char *dev)
{
    struct vfio_netdev *n = valid_name(dev) && strcmp(dev, "lo") ? netdev_entry(facts, dev)
                                                                   : NULL;
    if (n)
        n->default_route = true;
}

/* proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ...";
 * proc/net/ipv6_route: "DEST LEN SRC LEN NEXTHOP METRIC REF USE FLAGS DEV". */
static void read_routes(const char *root, struct vfio_host_facts *facts)
{
    char *text = nic_read_file(root, "/proc/net/route");
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char dev[64];
        unsigned dest, gateway, flags, refcnt, use, metric, mask;
        if (sscanf(line, "%63s %x %x %x %u %u %u %x", dev, &dest, &gateway, &flags, &refcnt,
                   &use, &metric, &mask) == 8
            && dest == 0 && mask == 0 && (flags & 0x1))   /* RTF_UP */
            mark_default_route(facts, dev);
    }
    free(text);
    text = nic_read_file(root, "/proc/net/ipv6_route");
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char dest[40], src[40], hop[40], dev[64];
        unsigned dest_len, src_len, metric, ref, use, flags;
        if (sscanf(line, "%39s %x %39s %x %39s %x %x %x %x %63s", dest, &dest_len, src, &src_len,
                   hop, &metric, &ref, &use, &flags, dev) == 10
            && dest_len == 0 && strspn(dest, "0") == 32 && (flags & 0x1)
            && !(flags & 0x200))   /* RTF_REJECT: the unreachable default on lo */
            mark_default_route(facts, dev);
    }
    free(text);
}

/* sys/class/net/DEV/master for every DEV with one (a bond, bridge or team). */
static int read_masters(const char *root, struct vfio_host_facts *facts)
{
    char *dir = nic_path(root, "/sys/class/net");
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return 0;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        if (e->d_name[0] == '.' || !valid_name(e->d_name))
            continue;
        char *path = nic_path(root, "/sys/class/net/%s/master", e->d_name);
        char target[PATH_MAX];
        ssize_t n = path ? readlink(path, target, sizeof target - 1) : -1;
        free(path);
        if (n <= 0)
            continue;
        target[n] = '\0';
        const char *slash = strrchr(target, '/');
        const char *master = slash ? slash + 1 : target;
        struct vfio_netdev *entry = valid_name(master) ? netdev_entry(facts, e->d_name) : NULL;
        if (!entry && valid_name(master))
            rc = -ENOMEM;
        else if (entry)
            memcpy(entry->master, master, strlen(master) + 1);   /* valid_name: < 16 */
    }
    closedir(d);
    return rc;
}

/* proc/PID/fd/N -> /dev/vfio/GROUP: the processes holding VFIO groups. */
static int read_group_users(const char *root, struct vfio_host_facts *facts)
{
    char *dir = nic_path(root, "/proc");
    DIR *procs = dir ? opendir(dir) : NULL;
    free(dir);
    if (!procs)
        return 0;
    int rc = 0;
    for (struct dirent *p; !rc && (p = readdir(procs));) {
        char *end;
        long pid = strtol(p->d_name, &end, 10);
        if (!*p->d_name || *end || pid <= 0)
            continue;
        char *fd_dir = nic_path(root, "/proc/%ld/fd", pid);
        DIR *fds = fd_dir ? opendir(fd_dir) : NULL;
        if (!fds) {
            free(fd_dir);
            continue;
        }
        for (struct dirent *f; !rc && (f = readdir(fds));) {
            if (f->d_name[0] == '.')
                continue;
            char *link = xasprintf("%s/%s", fd_dir, f->d_name);
            char target[PATH_MAX];
            ssize_t n = link ? readlink(link, target, sizeof target - 1) : -1;
            free(link);
            if (n <= 0)
                continue;
            target[n] = '\0';
            long group = -1;
            if (!strncmp(target, "/dev/vfio/", 10)) {
                group = strtol(target + 10, &end, 10);
                if (end == target + 10 || *end)
                    group = -1;
            }
            if (group < 0 || group > INT_MAX)
                continue;
            bool known = false;
            for (size_t i = 0; i < facts->n_users; i++)
                known |= facts->users[i].pid == pid && facts->users[i].group == (int)group;
            if (known)
                continue;
            struct vfio_group_user *grown = realloc(facts->users,
                                                    (facts->n_users + 1) * sizeof *grown);
            if (!grown) {
                rc = -ENOMEM;
                break;
            }
            facts->users = grown;
            struct vfio_group_user *u = &grown[facts->n_users++];
            memset(u, 0, sizeof *u);
            u->group = (int)group;
            u->pid = pid;
            char *comm = nic_read_file(root, "/proc/%ld/comm", pid);
            snprintf(u->comm, sizeof u->comm, "%s", comm ? comm : "?");
            free(comm);
        }
        closedir(fds);
        free(fd_dir);
    }
    closedir(procs);
    return rc;
}

int vfio_host_facts_read(const char *root, struct vfio_host_facts *facts, char **error)
{
    memset(facts, 0, sizeof *facts);
    *error = NULL;
    facts->vfio_loaded = nic_path_exists(root, "/sys/bus/pci/drivers/vfio-pci");
    int rc;
    if (nic_root_is_live(root)) {
        rc = read_live_addresses(facts);
    } else {
        char *text = nic_read_file(root, "/sos_commands/networking/ip_-o_addr");
        if (text)
            vfio_parse_ip_addr(text, add_address, facts);
        free(text);
        rc = 0;
    }
    if (rc) {
        *error = xasprintf("cannot read the host's addresses: %s", strerror(-rc));
        return -1;
    }
    read_routes(root, facts);
    rc = read_masters(root, facts);
    if (!rc)
        rc = read_group_users(root, facts);
    if (rc) {
        *error = xasprintf("cannot read the host's network: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

int vfio_host_facts_add_port(struct vfio_host_facts *facts, const char *iface,
                             const char *bridge, const char *bond)
{
    struct vfio_pontoon_port *grown = realloc(facts->ports, (facts->n_ports + 1) * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    facts->ports = grown;
    struct vfio_pontoon_port *p = &grown[facts->n_ports];
    p->iface = strdup(iface);
    p->bridge = strdup(bridge ? bridge : "");
    p->bond = bond ? strdup(bond) : NULL;
    if (!p->iface || !p->bridge || (bond && !p->bond)) {
        free(p->iface);
        free(p->bridge);
        free(p->bond);
        return -ENOMEM;
    }
    facts->n_ports++;
    return 0;
}

void vfio_host_facts_free(struct vfio_host_facts *facts)
{
    for (size_t i = 0; i < facts->n_netdevs; i++)
        free(facts->netdevs[i].addresses);
    free(facts->netdevs);
    for (size_t i = 0; i < facts->n_ports; i++) {
        free(facts->ports[i].iface);
        free(facts->ports[i].bridge);
        free(facts->ports[i].bond);
    }
    free(facts->ports);
    free(facts->users);
    memset(facts, 0, sizeof *facts);
}
