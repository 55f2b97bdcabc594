/* Network device inventory from /sys, /proc and ethtool: see nic_inventory.h.
 *
 * Where things are (Documentation/ABI/testing/sysfs-class-net*,
 * sysfs-class-net-queues, sysfs-bus-pci, proc(5)):
 *   /sys/class/net/DEV -> ../../devices/.../DEVICE/net/DEV   (no device/: virtual)
 *   DEV/device -> the bus device; for virtio-net the virtioN device, whose
 *     parent is the PCI function holding msi_irqs/ and numa_node
 *   DEV/device/driver -> .../drivers/NAME;  /sys/module/NAME/version
 *   DEV/queues/rx-N/{rps_cpus,rps_flow_cnt}, tx-N/{xps_cpus,xps_rxqs}
 *   /proc/interrupts, /proc/irq/N/{smp,effective}_affinity_list, /proc/softirqs */
#include "host/nic_inventory.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

static bool valid_name(const char *name)
{
    return *name && strlen(name) < 16 && !strchr(name, '/') && strcmp(name, ".")
           && strcmp(name, "..");
}

bool nic_device_exists(const char *root, const char *name)
{
    if (!valid_name(name))
        return false;
    char *path = nic_path(root, "/sys/class/net/%s", name);
    struct stat st;
    bool exists = path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    free(path);
    return exists;
}

/* One past the highest N of a directory's "PREFIXN" entries (0 when none or
 * no directory). */
static unsigned scan_numbered(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned n = 0;
    size_t len = strlen(prefix);
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, prefix, len))
            continue;
        char *end;
        unsigned long q = strtoul(e->d_name + len, &end, 10);
        if (end != e->d_name + len && !*end && q < 65536 && q + 1 > n)
            n = (unsigned)q + 1;
    }
    closedir(d);
    return n;
}

unsigned nic_count_queues(const char *root, const char *name, bool rx)
{
    if (!valid_name(name))
        return 0;
    char *dir = nic_path(root, "/sys/class/net/%s/queues", name);
    unsigned n = dir ? scan_numbered(dir, rx ? "rx-" : "tx-") : 0;
    free(dir);
    return n;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every device under /sys/class/net but lo (bonding_masters is a file). */
static int list_devices(const char *root, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    char *dir = nic_path(root, "/sys/class/net");
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo") || !nic_device_exists(root, e->d_name))
            continue;
        char **grown = realloc(*names, (*n + 1) * sizeof *grown);
        if (!grown)
            break;
        *names = grown;
        (*names)[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, compare_names);
    return 0;
}

static long read_long(const char *root, const char *path, long dflt)
{
    char *text = nic_read_file(root, "%s", path);
    if (!text)
        return dflt;
    char *end;
    long value = strtol(text, &end, 10);
    if (end == text || *end)
        value = dflt;
    free(text);
    return value;
}


static char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strdup(slash ? slash + 1 : path);
}

/* The interrupt numbers of a PCI function (its msi_irqs/ directory). */
static size_t read_msi_irqs(const char *pci_dir, unsigned **irqs)
{
    *irqs = NULL;
    char *dir = xasprintf("%s/msi_irqs", pci_dir);
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char *end;
        unsigned long irq = strtoul(e->d_name, &end, 10);
        if (end == e->d_name || *end)
            continue;
        unsigned *grown = realloc(*irqs, (n + 1) * sizeof *grown);
        if (!grown)
            break;
        *irqs = grown;
        (*irqs)[n++] = (unsigned)irq;
    }
    closedir(d);
    return n;
}

/* Driver, bus address, NUMA node and MSI interrupts from the device link. */
static void read_device(const char *root, struct nic_info *nic, unsigned **msi, size_t *n_msi)
{
    *msi = NULL;
    *n_msi = 0;
    char *link = nic_path(root, "/sys/class/net/%s/device", nic->name);
    char *device = link ? realpath(link, NULL) : NULL;
    free(link);
    if (!device) {
        nic->is_virtual = true;
        return;
    }
    /* virtio-net: DEV/device is virtioN on the virtio bus; the PCI function
     * above it has the interrupts and the node. */
    char *pci = strdup(device);
    char *name = base_name(device);
    if (pci && name && !strncmp(name, "virtio", 6) && name[6] >= '0' && name[6] <= '9') {
        nic->virtio = strdup(name);
        char *slash = strrchr(pci, '/');
        if (slash && slash != pci)
            *slash = '\0';
    }
    free(name);
    if (pci) {
        nic->bus = base_name(pci);
        char *node = nic_read_file("", "%s/numa_node", pci);
        if (node) {
            char *end;
            long value = strtol(node, &end, 10);
            nic->numa_node = end != node && !*end && value >= 0 ? (int)value : -1;
            free(node);
        }
        *n_msi = read_msi_irqs(pci, msi);
    }
    char *driver_link = xasprintf("%s/driver", device);
    char target[PATH_MAX];
    ssize_t len = driver_link ? readlink(driver_link, target, sizeof target - 1) : -1;
    free(driver_link);
    if (len > 0) {
        target[len] = '\0';
        nic->driver = base_name(target);
    }
    free(pci);
    free(device);
}

static void read_driver_version(const char *root, struct nic_info *nic)
{
    if (nic->driver && *nic->driver && !strchr(nic->driver, '/')) {
        char *module = strdup(nic->driver);
        for (char *p = module; p && *p; p++)
            if (*p == '-')
                *p = '_';   /* module names use '_' where drivers may use '-' */
        nic->version = module ? nic_read_file(root, "/sys/module/%s/version", module) : NULL;
        free(module);
    }
}

static void read_queues(const char *root, struct nic_info *nic)
{
    char *dir = nic_path(root, "/sys/class/net/%s/queues", nic->name);
    nic->n_rxq = dir ? scan_numbered(dir, "rx-") : 0;
    nic->n_txq = dir ? scan_numbered(dir, "tx-") : 0;
    free(dir);
    nic->rxq = calloc(nic->n_rxq ? nic->n_rxq : 1, sizeof *nic->rxq);
    nic->txq = calloc(nic->n_txq ? nic->n_txq : 1, sizeof *nic->txq);
    if (!nic->rxq || !nic->txq) {
        nic->n_rxq = nic->n_txq = 0;
        return;
    }
    for (unsigned q = 0; q < nic->n_rxq; q++) {
        nic->rxq[q].rps_cpus = nic_read_file(root, "/sys/class/net/%s/queues/rx-%u/rps_cpus",
                                             nic->name, q);
        nic->rxq[q].rps_flow_cnt = nic_read_file(
            root, "/sys/class/net/%s/queues/rx-%u/rps_flow_cnt", nic->name, q);
    }
    for (unsigned q = 0; q < nic->n_txq; q++) {
        nic->txq[q].xps_cpus = nic_read_file(root, "/sys/class/net/%s/queues/tx-%u/xps_cpus",
                                             nic->name, q);
        nic->txq[q].xps_rxqs = nic_read_file(root, "/sys/class/net/%s/queues/tx-%u/xps_rxqs",
                                             nic->name, q);
    }
}

static bool irq_in(unsigned irq, const unsigned *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == irq)
            return true;
    return false;
}

/* The device's interrupts: those of its PCI function, and those named after
 * one of its queues (a captured tree may lack msi_irqs/). */
static void read_irqs(const char *root, const struct irq_table *table, struct nic_info *nic,
                      const unsigned *msi, size_t n_msi)
{
    struct irq_owner owner = { nic->name, nic->virtio, nic->is_virtual ? NULL : nic->bus };
    for (size_t i = 0; i < table->n_lines; i++) {
        const struct irq_line *line = &table->lines[i];
        enum irq_queue_kind kind;
        int queue;
        bool named = irq_names_match(line->names, &owner, &kind, &queue);
        if (!named && !irq_in(line->irq, msi, n_msi))
            continue;
        struct nic_irq *grown = realloc(nic->irqs, (nic->n_irqs + 1) * sizeof *grown);
        if (!grown)
            return;
        nic->irqs = grown;
        struct nic_irq *irq = &nic->irqs[nic->n_irqs++];
        *irq = (struct nic_irq){ .irq = line->irq, .name = strdup(line->names),
                                 .kind = kind, .queue = queue };
        irq->affinity = nic_read_file(root, "/proc/irq/%u/smp_affinity_list", line->irq);
        irq->effective = nic_read_file(root, "/proc/irq/%u/effective_affinity_list", line->irq);
        irq->counts = calloc(table->n_cpus ? table->n_cpus : 1, sizeof *irq->counts);
        if (irq->counts)
            memcpy(irq->counts, line->counts, table->n_cpus * sizeof *irq->counts);
    }
}

static void read_channels(const char *root, struct nic_info *nic)
{
    if (nic_root_is_live(root)) {
        nic->has_channels = ethtool_get_channels(nic->name, &nic->channels) == 0;
        return;
    }
    /* A captured tree: `ethtool -l DEV` where sosreport keeps it. */
    char *text = nic_read_file(root, "/sos_commands/networking/ethtool_-l_%s", nic->name);
    nic->has_channels = text && ethtool_channels_parse(text, &nic->channels) == 0;
    free(text);
}

static int read_nic(const char *root, const struct irq_table *table, const char *name,
                    struct nic_info *nic, char **error)
{
    memset(nic, 0, sizeof *nic);
    nic->numa_node = -1;
    if (!nic_device_exists(root, name)) {
        *error = nic_root_is_live(root) ? xasprintf("no network device named %s", name)
                                        : xasprintf("no network device named %s in %s", name,
                                                    root);
        return -1;
    }
    snprintf(nic->name, sizeof nic->name, "%s", name);
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s/mtu", name);
    nic->mtu = read_long(root, path, 0);
    snprintf(path, sizeof path, "/sys/class/net/%s/speed", name);
    nic->speed_mbps = read_long(root, path, -1);
    if (nic->speed_mbps <= 0)
        nic->speed_mbps = -1;

    unsigned *msi;
    size_t n_msi;
    read_device(root, nic, &msi, &n_msi);
    read_driver_version(root, nic);
    if (nic_root_is_live(root)) {
        struct nic_driver_info info;
        if (ethtool_get_driver(name, &info) == 0) {
            free(nic->driver);
            nic->driver = strdup(info.driver);
            if (info.version[0]) {
                free(nic->version);
                nic->version = strdup(info.version);
            }
        }
    }
    if ((!nic->driver || !*nic->driver)
        && nic_path_exists(root, "/sys/class/net/%s/tun_flags", name)) {
        free(nic->driver);
        nic->driver = strdup("tun");
    }
    if (!nic->driver)
        nic->driver = strdup("");
    if (!nic->version)
        nic->version = strdup("");
    if (!nic->bus)
        nic->bus = strdup("");
    read_channels(root, nic);
    read_queues(root, nic);
    read_irqs(root, table, nic, msi, n_msi);
    free(msi);
    return 0;
}

static void read_host(const char *root, struct nic_host *host, struct irq_table *table)
{
    char *text = nic_read_file(root, "/proc/interrupts");
    if (!text || irq_table_parse(text, table)) {
        irq_table_free(table);
        table->n_cpus = host->topo.nr_cpu_ids;
    }
    free(text);
    host->n_irq_cpus = table->n_cpus;
    text = nic_read_file(root, "/proc/softirqs");
    if (text)
        softirqs_parse_net_rx(text, &host->net_rx, &host->n_net_rx);
    free(text);
    host->rps_sock_flow_entries = nic_read_file(root, "/proc/sys/net/core/rps_sock_flow_entries");
}

int nic_inventory_read(const char *root, const char *const *names, size_t n_names,
                       struct nic_inventory *inv, char **error)
{
    memset(inv, 0, sizeof *inv);
    *error = NULL;
    inv->root = nic_root_normalize(root);
    if (!inv->root) {
        *error = xasprintf("out of memory");
        return -1;
    }
    root = inv->root;
    if (!nic_root_is_live(root) && !nic_path_exists(root, "/sys/class/net")) {
        *error = xasprintf("%s has no sys/class/net: not a captured /sys and /proc", root);
        return -1;
    }
    if (cpu_topology_read(root, &inv->host.topo, error))
        return -1;
    struct irq_table table;
    read_host(root, &inv->host, &table);

    char **listed = NULL;
    size_t n_listed = 0;
    if (!n_names) {
        int rc = list_devices(root, &listed, &n_listed);
        if (rc) {
            *error = xasprintf("cannot list %s/sys/class/net: %s", root, strerror(-rc));
            irq_table_free(&table);
            return -1;
        }
        names = (const char *const *)listed;
        n_names = n_listed;
    }
    inv->nics = calloc(n_names ? n_names : 1, sizeof *inv->nics);
    int status = inv->nics ? 0 : -1;
    for (size_t i = 0; inv->nics && i < n_names; i++) {
        if (nic_inventory_find(inv, names[i]))
            continue;   /* named twice */
        /* Fails only before it allocates anything: nothing to free. */
        if (read_nic(root, &table, names[i], &inv->nics[inv->n_nics], error)) {
            status = -1;
            break;
        }
        inv->n_nics++;
    }
    if (!inv->nics)
        *error = xasprintf("out of memory");
    for (size_t i = 0; i < n_listed; i++)
        free(listed[i]);
    free(listed);
    irq_table_free(&table);
    return status;
}

static void nic_info_free(struct nic_info *nic)
{
    free(nic->driver);
    free(nic->version);
    free(nic->bus);
    free(nic->virtio);
    for (unsigned q = 0; q < nic->n_rxq; q++) {
        free(nic->rxq[q].rps_cpus);
        free(nic->rxq[q].rps_flow_cnt);
    }
    for (unsigned q = 0; q < nic->n_txq; q++) {
        free(nic->txq[q].xps_cpus);
        free(nic->txq[q].xps_rxqs);
    }
    free(nic->rxq);
    free(nic->txq);
    for (size_t i = 0; i < nic->n_irqs; i++) {
        free(nic->irqs[i].name);
        free(nic->irqs[i].affinity);
        free(nic->irqs[i].effective);
        free(nic->irqs[i].counts);
    }
    free(nic->irqs);
}

void nic_inventory_free(struct nic_inventory *inv)
{
    for (size_t i = 0; i < inv->n_nics; i++)
        nic_info_free(&inv->nics[i]);
    free(inv->nics);
    free(inv->host.net_rx);
    free(inv->host.rps_sock_flow_entries);
    cpu_topology_free(&inv->host.topo);
    free(inv->root);
    memset(inv, 0, sizeof *inv);
}

const struct nic_info *nic_inventory_find(const struct nic_inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_nics; i++)
        if (!strcmp(inv->nics[i].name, name))
            return &inv->nics[i];
    return NULL;
}
