/* PCI inventory from /sys: see pci_inventory.h.
 *
 * Where things are (Documentation/ABI/testing/sysfs-bus-pci, sysfs-kernel-
 * iommu_groups):
 *   /sys/bus/pci/devices/ADDR -> ../../../devices/pci0000:00/0000:00:1c.0/ADDR
 *     (the link's target is the device's place in the bus tree)
 *   ADDR/{class,vendor,device,subsystem_vendor,subsystem_device,revision}: hex
 *   ADDR/driver -> .../bus/pci/drivers/NAME;  ADDR/driver_override ("(null)")
 *   ADDR/numa_node;  ADDR/iommu_group -> ../../../kernel/iommu_groups/N,
 *     /sys/kernel/iommu_groups/N/devices/ADDR for each member
 *   ADDR/net/DEV, or ADDR/virtioN/net/DEV for virtio-net
 *   PF: ADDR/sriov_totalvfs, sriov_numvfs, virtfnN -> ../VF_ADDR
 *   VF: ADDR/physfn -> ../PF_ADDR */
#include "host/pci_inventory.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "host/pci_ids.h"
#include "util/strbuf.h"

/* libvirt's node device name, "pci_0000_04_00_0": "0000:04:00.0". */
static bool nodedev_name(const char *text, char out[PCI_ADDR_LEN])
{
    if (strlen(text) != 16 || strncmp(text, "pci_", 4) || text[8] != '_' || text[11] != '_'
        || text[14] != '_')
        return false;
    snprintf(out, PCI_ADDR_LEN, "%.4s:%.2s:%.2s.%c", text + 4, text + 9, text + 12, text[15]);
    return true;
}

int pci_address_parse(const char *text, char address[PCI_ADDR_LEN])
{
    char converted[PCI_ADDR_LEN];
    if (nodedev_name(text, converted))
        text = converted;
    unsigned domain = 0, bus, slot, function;
    int used = 0;
    size_t len = strlen(text);
    /* Only hex digits, ':' and '.': sscanf alone would take "+4" or " 4". */
    if (!len || strspn(text, "0123456789abcdefABCDEF:.") != len)
        return -EINVAL;
    if (sscanf(text, "%x:%x:%x.%x%n", &domain, &bus, &slot, &function, &used) == 4
        && (size_t)used == len && strchr(text, ':') - text <= 4) {
        /* domain:bus:slot.function */
    } else if (domain = 0, used = 0,
               sscanf(text, "%x:%x.%x%n", &bus, &slot, &function, &used) == 3
               && (size_t)used == len) {
        /* bus:slot.function, domain 0 (as lspci -s) */
    } else {
        return -EINVAL;
    }
    if (domain > 0xffff || bus > 0xff || slot > 0x1f || function > 7)
        return -EINVAL;
    snprintf(address, PCI_ADDR_LEN, "%04x:%02x:%02x.%x", domain, bus, slot, function);
    return 0;
}

static bool is_address(const char *text)
{
    char canonical[PCI_ADDR_LEN];
    return strlen(text) == PCI_ADDR_LEN - 1 && pci_address_parse(text, canonical) == 0
           && !strcmp(canonical, text);
}

bool pci_driver_is_vfio(const char *driver)
{
    /* vfio-pci, and the vendors' variant drivers built on vfio-pci-core
     * (mlx5_vfio_pci, hisi_acc_vfio_pci, pds_vfio_pci...). */
    return driver && (!strcmp(driver, "vfio-pci") || strstr(driver, "vfio_pci")
                      || !strcmp(driver, "pci-stub"));
}

/* The target of root + path when it is a symlink; heap, NULL when not. */
static char *read_link(const char *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *read_link(const char *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *rel = NULL;
    int len = vasprintf(&rel, fmt, args);
    va_end(args);
    if (len < 0)
        return NULL;
    char *path = nic_path(root, "%s", rel);
    free(rel);
    if (!path)
        return NULL;
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    free(path);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A hex file ("0x8086"): its value, or `missing`. */
static long read_hex(const char *root, const char *address, const char *name, long missing)
{
    char *text = nic_read_file(root, "/sys/bus/pci/devices/%s/%s", address, name);
    char *end;
    long value = text ? strtol(text, &end, 16) : 0;
    bool ok = text && end != text && !*end;
    free(text);
    return ok ? value : missing;
}

static long read_decimal(const char *root, const char *address, const char *name, long missing)
{
    char *text = nic_read_file(root, "/sys/bus/pci/devices/%s/%s", address, name);
    char *end;
    long value = text ? strtol(text, &end, 10) : 0;
    bool ok = text && end != text && !*end;
    free(text);
    return ok ? value : missing;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_addresses(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Appends a directory's entries that pass `keep` (NULL: all but dot
 * files) to *list; 0 or -ENOMEM. */
static int list_dir(const char *dir, bool (*keep)(const char *), char ***list, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        if (e->d_name[0] == '.' || (keep && !keep(e->d_name)))
            continue;
        char **grown = realloc(*list, (*n + 1) * sizeof *grown);
        char *copy = strdup(e->d_name);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                *list = grown;
            rc = -ENOMEM;
            break;
        }
        *list = grown;
        (*list)[(*n)++] = copy;
    }
    closedir(d);
    return rc;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static int read_netdevs(const char *root, struct pci_device *dev)
{
    char *dir = nic_path(root, "/sys/bus/pci/devices/%s/net", dev->address);
    int rc = dir ? list_dir(dir, NULL, &dev->netdevs, &dev->n_netdevs) : -ENOMEM;
    free(dir);
    /* virtio-net: the netdev hangs from the virtioN device below the function. */
    char **subs = NULL;
    size_t n_subs = 0;
    dir = nic_path(root, "/sys/bus/pci/devices/%s", dev->address);
    if (!rc)
        rc = dir ? list_dir(dir, NULL, &subs, &n_subs) : -ENOMEM;
    free(dir);
    for (size_t i = 0; !rc && i < n_subs; i++) {
        const char *s = subs[i];
        if (strncmp(s, "virtio", 6) || !s[6] || strspn(s + 6, "0123456789") != strlen(s + 6))
            continue;
        char *net = nic_path(root, "/sys/bus/pci/devices/%s/%s/net", dev->address, s);
        rc = net ? list_dir(net, NULL, &dev->netdevs, &dev->n_netdevs) : -ENOMEM;
        free(net);
    }
    free_list(subs, n_subs);
    if (dev->n_netdevs > 1)
        qsort(dev->netdevs, dev->n_netdevs, sizeof *dev->netdevs, compare_strings);
    return rc;
}

static bool is_virtfn(const char *name)
{
    return !strncmp(name, "virtfn", 6) && name[6] && strspn(name + 6, "0123456789")
           == strlen(name + 6);
}

/* The PF's virtfnN links: vfs[N] = target's address. */
static int read_vfs(const char *root, const char *pf, char (**vfs)[PCI_ADDR_LEN], size_t *n_vfs)
{
    char *dir = nic_path(root, "/sys/bus/pci/devices/%s", pf);
    char **names = NULL;
    size_t n = 0;
    int rc = dir ? list_dir(dir, is_virtfn, &names, &n) : -ENOMEM;
    free(dir);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long index = strtoul(names[i] + 6, NULL, 10);
        if (index < 65536 && index + 1 > count)
            count = index + 1;
    }
    *vfs = NULL;
    *n_vfs = 0;
    if (!rc && count) {
        *vfs = calloc(count, sizeof **vfs);
        if (!*vfs)
            rc = -ENOMEM;
        else
            *n_vfs = count;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned long index = strtoul(names[i] + 6, NULL, 10);
        char *target = index < count ? read_link(root, "/sys/bus/pci/devices/%s/%s", pf,
                                                 names[i]) : NULL;
        if (target && is_address(base_name(target)))
            snprintf((*vfs)[index], PCI_ADDR_LEN, "%s", base_name(target));
        free(target);
    }
    free_list(names, n);
    return rc;
}

static int read_sriov(const char *root, struct pci_device *dev)
{
    dev->vf_index = -1;
    char *physfn = read_link(root, "/sys/bus/pci/devices/%s/physfn", dev->address);
    if (physfn && is_address(base_name(physfn))) {
        dev->sriov = PCI_SRIOV_VF;
        snprintf(dev->physfn, sizeof dev->physfn, "%s", base_name(physfn));
        free(physfn);
        char (*siblings)[PCI_ADDR_LEN] = NULL;
        size_t n = 0;
        int rc = read_vfs(root, dev->physfn, &siblings, &n);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(siblings[i], dev->address))
                dev->vf_index = (int)i;
        free(siblings);
        return rc;
    }
    free(physfn);
    long total = read_decimal(root, dev->address, "sriov_totalvfs", 0);
    if (total <= 0)
        return 0;
    dev->sriov = PCI_SRIOV_PF;
    dev->sriov_totalvfs = (unsigned)total;
    long numvfs = read_decimal(root, dev->address, "sriov_numvfs", 0);
    dev->sriov_numvfs = numvfs > 0 ? (unsigned)numvfs : 0;
    return read_vfs(root, dev->address, &dev->vfs, &dev->n_vfs);
}

static int read_iommu_group(const char *root, struct pci_device *dev)
{
    dev->iommu_group = -1;
    char *target = read_link(root, "/sys/bus/pci/devices/%s/iommu_group", dev->address);
    if (!target)
        return 0;
    char *end;
    long group = strtol(base_name(target), &end, 10);
    bool ok = *base_name(target) && !*end && group >= 0 && group <= INT_MAX;
    free(target);
    if (!ok)
        return 0;
    dev->iommu_group = (int)group;
    char *dir = nic_path(root, "/sys/kernel/iommu_groups/%ld/devices", group);
    char **names = NULL;
    size_t n = 0;
    int rc = dir ? list_dir(dir, NULL, &names, &n) : -ENOMEM;
    free(dir);
    if (!rc && n) {
        dev->group_members = calloc(n, sizeof *dev->group_members);
        if (!dev->group_members)
            rc = -ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (strcmp(names[i], dev->address) && is_address(names[i]))
            snprintf(dev->group_members[dev->n_group_members++], PCI_ADDR_LEN, "%s", names[i]);
    if (dev->n_group_members > 1)
        qsort(dev->group_members, dev->n_group_members, sizeof *dev->group_members,
              compare_addresses);
    free_list(names, n);
    return rc;
}

/* Place in the tree from the bus link's target: ".../devices/pci0000:00/
 * 0000:00:1c.0/0000:04:00.0" gives the path, parent 0000:00:1c.0 and root
 * bus pci0000:00. */
static int read_place(const char *root, struct pci_device *dev)
{
    char *target = read_link(root, "/sys/bus/pci/devices/%s", dev->address);
    const char *at = target ? strstr(target, "devices/") : NULL;
    if (!at) {
        free(target);
        dev->sysfs_path = strdup(dev->address);
        return dev->sysfs_path ? 0 : -ENOMEM;
    }
    dev->sysfs_path = strdup(at + strlen("devices/"));
    free(target);
    if (!dev->sysfs_path)
        return -ENOMEM;
    const char *first_slash = strchr(dev->sysfs_path, '/');
    if (first_slash && !strncmp(dev->sysfs_path, "pci", 3)
        && (size_t)(first_slash - dev->sysfs_path) < sizeof dev->root_bus)
        snprintf(dev->root_bus, sizeof dev->root_bus, "%.*s",
                 (int)(first_slash - dev->sysfs_path), dev->sysfs_path);
    /* The component before the last, when it is a PCI function. */
    const char *last = strrchr(dev->sysfs_path, '/');
    if (last) {
        const char *prev = last;
        while (prev > dev->sysfs_path && prev[-1] != '/')
            prev--;
        char parent[PCI_ADDR_LEN + 8];
        snprintf(parent, sizeof parent, "%.*s", (int)(last - prev), prev);
        if (is_address(parent))
            snprintf(dev->parent, sizeof dev->parent, "%s", parent);
    }
    return 0;
}

static char *copy_or_null(const char *text)
{
    return text ? strdup(text) : NULL;
}

static void read_names(const struct pci_ids *ids, struct pci_device *dev)
{
    if (!ids)
        return;
    uint8_t cls = (uint8_t)(dev->class_code >> 16), sub = (uint8_t)(dev->class_code >> 8),
            prog = (uint8_t)dev->class_code;
    dev->class_name = copy_or_null(pci_ids_class(ids, cls));
    dev->subclass_name = copy_or_null(pci_ids_subclass(ids, cls, sub));
    dev->prog_if_name = copy_or_null(pci_ids_prog_if(ids, cls, sub, prog));
    dev->vendor_name = copy_or_null(pci_ids_vendor(ids, dev->vendor));
    dev->device_name = copy_or_null(pci_ids_device(ids, dev->vendor, dev->device));
    if (dev->subsystem_vendor || dev->subsystem_device) {
        dev->subsystem_vendor_name = copy_or_null(pci_ids_vendor(ids, dev->subsystem_vendor));
        const char *name = pci_ids_subsystem(ids, dev->vendor, dev->device,
                                             dev->subsystem_vendor, dev->subsystem_device);
        /* As lspci: a subsystem that is the device itself carries its name. */
        if (!name && dev->subsystem_vendor == dev->vendor
            && dev->subsystem_device == dev->device)
            name = pci_ids_device(ids, dev->vendor, dev->device);
        dev->subsystem_name = copy_or_null(name);
    }
}

int pci_device_read(const char *root, const char *address, const struct pci_ids *ids,
                    struct pci_device *dev)
{
    memset(dev, 0, sizeof *dev);
    dev->numa_node = -1;
    dev->iommu_group = -1;
    dev->vf_index = -1;
    dev->revision = -1;
    if (!is_address(address))
        return -EINVAL;
    snprintf(dev->address, sizeof dev->address, "%s", address);
    sscanf(address, "%x:%x:%x.%x", &dev->domain, &dev->bus, &dev->slot, &dev->function);
    long cls = read_hex(root, address, "class", -1);
    if (cls < 0 && !nic_path_exists(root, "/sys/bus/pci/devices/%s", address))
        return -ENOENT;
    dev->class_code = cls < 0 ? 0 : (uint32_t)cls & 0xffffff;
    dev->vendor = (uint16_t)read_hex(root, address, "vendor", 0xffff);
    dev->device = (uint16_t)read_hex(root, address, "device", 0xffff);
    dev->subsystem_vendor = (uint16_t)read_hex(root, address, "subsystem_vendor", 0);
    dev->subsystem_device = (uint16_t)read_hex(root, address, "subsystem_device", 0);
    dev->revision = (int)read_hex(root, address, "revision", -1);
    uint32_t base = dev->class_code >> 8;
    dev->is_bridge = base == 0x0600 || base == 0x0604 || base == 0x0609;
    dev->numa_node = (int)read_decimal(root, address, "numa_node", -1);
    if (dev->numa_node < -1)
        dev->numa_node = -1;

    char *driver = read_link(root, "/sys/bus/pci/devices/%s/driver", address);
    dev->driver = strdup(driver ? base_name(driver) : "");
    free(driver);
    char *override = nic_read_file(root, "/sys/bus/pci/devices/%s/driver_override", address);
    dev->driver_override = strdup(override && strcmp(override, "(null)") ? override : "");
    free(override);
    if (!dev->driver || !dev->driver_override)
        return -ENOMEM;
    read_names(ids, dev);
    int rc = read_place(root, dev);
    if (!rc)
        rc = read_iommu_group(root, dev);
    if (!rc)
        rc = read_netdevs(root, dev);
    if (!rc)
        rc = read_sriov(root, dev);
    return rc;
}

void pci_device_free(struct pci_device *dev)
{
    free(dev->class_name);
    free(dev->subclass_name);
    free(dev->prog_if_name);
    free(dev->vendor_name);
    free(dev->device_name);
    free(dev->subsystem_vendor_name);
    free(dev->subsystem_name);
    free(dev->driver);
    free(dev->driver_override);
    free(dev->group_members);
    free(dev->sysfs_path);
    free_list(dev->netdevs, dev->n_netdevs);
    free(dev->vfs);
    memset(dev, 0, sizeof *dev);
}

static bool is_address_entry(const char *name)
{
    return is_address(name);
}

static bool has_entries(const char *root, const char *dir_path)
{
    char *dir = nic_path(root, "%s", dir_path);
    char **names = NULL;
    size_t n = 0;
    if (dir)
        list_dir(dir, NULL, &names, &n);
    free(dir);
    free_list(names, n);
    return n > 0;
}

int pci_inventory_read(const char *root, const struct pci_ids *ids, struct pci_inventory *inv,
                       char **error)
{
    memset(inv, 0, sizeof *inv);
    *error = NULL;
    inv->root = nic_root_normalize(root);
    if (!inv->root) {
        *error = xasprintf("out of memory");
        return -1;
    }
    inv->has_iommu = has_entries(inv->root, "/sys/kernel/iommu_groups");
    char *dir = nic_path(inv->root, "/sys/bus/pci/devices");
    char **names = NULL;
    size_t n = 0;
    int rc = dir ? list_dir(dir, is_address_entry, &names, &n) : -ENOMEM;
    if (!rc && !n) {
        *error = xasprintf("no PCI devices under %s%s", dir,
                           nic_root_is_live(inv->root) ? "" : ": not a sysfs tree");
        free(dir);
        free_list(names, n);
        return -1;
    }
    free(dir);
    if (n > 1)
        qsort(names, n, sizeof *names, compare_strings);
    inv->devices = rc ? NULL : calloc(n, sizeof *inv->devices);
    if (!rc && !inv->devices)
        rc = -ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = pci_device_read(inv->root, names[i], ids, &inv->devices[i]);
        inv->n_devices = i + 1;
        if (rc == -ENOENT) {   /* removed while we read (hot unplug) */
            pci_device_free(&inv->devices[i]);
            inv->n_devices = i;
            free(names[i]);
            n--;
            memmove(&names[i], &names[i + 1], (n - i) * sizeof *names);
            i--;   /* wraps at 0; the loop's i++ brings it back */
            rc = 0;
        }
    }
    free_list(names, n);
    if (rc) {
        *error = xasprintf("cannot read the PCI devices: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

void pci_inventory_free(struct pci_inventory *inv)
{
    for (size_t i = 0; i < inv->n_devices; i++)
        pci_device_free(&inv->devices[i]);
    free(inv->devices);
    free(inv->root);
    memset(inv, 0, sizeof *inv);
}

const struct pci_device *pci_inventory_find(const struct pci_inventory *inv, const char *address)
{
    for (size_t i = 0; i < inv->n_devices; i++)
        if (!strcmp(inv->devices[i].address, address))
            return &inv->devices[i];
    return NULL;
}

int pci_resolve(const char *root, const char *text, char address[PCI_ADDR_LEN], char **error)
{
    *error = NULL;
    if (pci_address_parse(text, address) == 0) {
        if (nic_path_exists(root, "/sys/bus/pci/devices/%s", address))
            return 0;
        *error = xasprintf("no PCI device %s", address);
        return -1;
    }
    if (!*text || strlen(text) >= 16 || strchr(text, '/') || !strcmp(text, ".")
        || !strcmp(text, "..")) {
        *error = xasprintf("\"%s\" is neither a PCI address (0000:04:00.0) nor a network "
                           "device", text);
        return -1;
    }
    if (!nic_path_exists(root, "/sys/class/net/%s", text)) {
        *error = xasprintf("no network device or PCI device named %s", text);
        return -1;
    }
    /* DEV/device is the PCI function, or a virtioN device below it. */
    char *path = nic_path(root, "/sys/class/net/%s/device", text);
    char resolved[PATH_MAX];
    address[0] = '\0';
    if (path && realpath(path, resolved)) {
        char *slash = strrchr(resolved, '/');
        if (slash && !strncmp(slash + 1, "virtio", 6) && slash > resolved)
            *slash = '\0';   /* the function holding the virtio device */
        const char *name = base_name(resolved);
        if (is_address(name))
            memcpy(address, name, PCI_ADDR_LEN);
    }
    free(path);
    if (!address[0]) {
        *error = xasprintf("%s is not a PCI device", text);
        return -1;
    }
    return 0;
}
