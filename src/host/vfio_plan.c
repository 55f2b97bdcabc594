/* Passthrough decisions: see vfio_plan.h.  The kernel side, for the order of
 * the writes (Documentation/ABI/testing/sysfs-bus-pci, driver_override):
 * once driver_override names vfio-pci, only vfio-pci may bind the device;
 * unbinding it from its driver and asking drivers_probe then binds vfio-pci
 * (which must be loaded).  Giving it back is the reverse: an empty
 * driver_override, unbind from vfio-pci, drivers_probe finds its own driver.
 * A group is viable for vfio when each of its endpoints is on a vfio
 * driver, pci-stub or none (bridges don't count): a guest gets whole groups. */
#include "host/vfio_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static int add_write(struct vfio_plan *plan, const char *path, const char *value)
{
    struct vfio_write *grown = realloc(plan->writes, (plan->n_writes + 1) * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    plan->writes = grown;
    struct vfio_write *w = &grown[plan->n_writes];
    w->path = strdup(path);
    w->value = strdup(value);
    if (!w->path || !w->value) {
        free(w->path);
        free(w->value);
        return -ENOMEM;
    }
    plan->n_writes++;
    return 0;
}

/* A write to "/sys/bus/pci/devices/ADDR/FILE" or "/sys/bus/pci/drivers/NAME/FILE". */
static int add_write_in(struct vfio_plan *plan, const char *dir, const char *name,
                        const char *file, const char *value)
{
    char *path = xasprintf("/sys/bus/pci/%s/%s/%s", dir, name, file);
    int rc = path ? add_write(plan, path, value) : -ENOMEM;
    free(path);
    return rc;
}

static int finish(struct vfio_plan *plan, enum vfio_verdict verdict, char *message)
{
    plan->verdict = verdict;
    plan->message = message;
    return message || verdict == VFIO_GO ? 0 : -ENOMEM;
}

/* "0000:05:00.1 (eth4)": how a device is named in messages. */
static char *device_label(const struct pci_device *dev)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, dev->address);
    for (size_t i = 0; i < dev->n_netdevs; i++)
        strbuf_printf(&sb, "%s%s", i ? ", " : " (", dev->netdevs[i]);
    if (dev->n_netdevs)
        strbuf_putc(&sb, ')');
    return strbuf_steal(&sb);
}

/* The group's endpoints other than `dev` that hold it on the host. */
static void group_blockers(const struct pci_inventory *inv, const struct pci_device *dev,
                           struct strbuf *names, struct strbuf *addresses)
{
    for (size_t i = 0; i < dev->n_group_members; i++) {
        const struct pci_device *other = pci_inventory_find(inv, dev->group_members[i]);
        if (!other || other->is_bridge || !*other->driver || pci_driver_is_vfio(other->driver))
            continue;
        char *label = device_label(other);
        strbuf_printf(names, "%s%s is bound to %s", names->len ? ", " : "", label ? label : "",
                      other->driver);
        strbuf_printf(addresses, "%s%s", addresses->len ? " " : "", other->address);
        free(label);
    }
}

/* Why a netdev carries the host, appended to `why` ("" when it does not). */
static void netdev_reasons(const char *name, const struct vfio_host_facts *facts,
                           struct strbuf *why)
{
    const struct vfio_netdev *n = vfio_host_facts_netdev(facts, name);
    if (n && n->addresses)
        strbuf_printf(why, "%s%s has the host's address %s", why->len ? "; " : "", name,
                      n->addresses);
    if (n && n->default_route)
        strbuf_printf(why, "%sthe default route goes out of %s", why->len ? "; " : "", name);
    /* Up the chain of masters (a bond in a bridge...), a few levels at most. */
    const struct vfio_netdev *below = n;
    for (int depth = 0; below && below->master[0] && depth < 4; depth++) {
        const struct vfio_netdev *upper = vfio_host_facts_netdev(facts, below->master);
        if (upper && upper->addresses)
            strbuf_printf(why, "%s%s is a port of %s, which has the host's address %s",
                          why->len ? "; " : "", name, below->master, upper->addresses);
        if (upper && upper->default_route)
            strbuf_printf(why, "%s%s is a port of %s, out of which the default route goes",
                          why->len ? "; " : "", name, below->master);
        below = upper;
    }
    for (size_t i = 0; i < facts->n_ports; i++) {
        const struct vfio_pontoon_port *p = &facts->ports[i];
        if (strcmp(p->iface, name))
            continue;
        if (p->bond)
            strbuf_printf(why, "%s%s is a member of Pontoon bond %s on bridge %s",
                          why->len ? "; " : "", name, p->bond, p->bridge);
        else
            strbuf_printf(why, "%s%s is a port of Pontoon bridge %s", why->len ? "; " : "",
                          name, p->bridge);
    }
}

static size_t enabled_vfs(const struct pci_device *dev)
{
    size_t n = 0;
    for (size_t i = 0; i < dev->n_vfs; i++)
        n += dev->vfs[i][0] != '\0';
    return n ? n : dev->sriov_numvfs;
}

int vfio_plan_detach(const struct pci_inventory *inv, const char *address,
                     const struct vfio_host_facts *facts, bool force, struct vfio_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    const struct pci_device *dev = pci_inventory_find(inv, address);
    if (!dev)
        return finish(plan, VFIO_REFUSED, xasprintf("no PCI device %s", address));
    if (dev->is_bridge)
        return finish(plan, VFIO_REFUSED, xasprintf(
            "cannot detach %s: it is a %s, not a device a guest can use; detach the "
            "devices behind it instead", address,
            dev->class_code >> 8 == 0x0600 ? "host bridge" : "PCI bridge"));
    if (!inv->has_iommu)
        return finish(plan, VFIO_REFUSED, xasprintf(
            "cannot detach %s: this machine has no IOMMU (no /sys/kernel/iommu_groups "
            "entries), and vfio-pci needs one to give a device to a guest; turn it on with "
            "the kernel parameter intel_iommu=on (Intel VT-d) or amd_iommu=on (AMD-Vi), "
            "plus iommu=pt to keep the host's own devices fast, with VT-d/AMD-Vi enabled in "
            "the firmware, and reboot", address));
    if (dev->iommu_group < 0)
        return finish(plan, VFIO_REFUSED, xasprintf(
            "cannot detach %s: it is in no IOMMU group (no iommu_group link), so "
            "vfio-pci cannot give it to a guest", address));
    if (!strcmp(dev->driver, "vfio-pci") && !strcmp(dev->driver_override, "vfio-pci"))
        return finish(plan, VFIO_NOTHING, xasprintf("%s is already detached: bound to vfio-pci",
                                                    address));
    if (!facts->vfio_loaded)
        return finish(plan, VFIO_REFUSED, xasprintf(
            "cannot detach %s: vfio-pci is not loaded (no /sys/bus/pci/drivers/vfio-pci); "
            "load it with: modprobe vfio-pci", address));

    /* What --force overrides: a group that is not viable, and the host. */
    struct strbuf why = STRBUF_INIT, blockers = STRBUF_INIT, blocker_addrs = STRBUF_INIT;
    group_blockers(inv, dev, &blockers, &blocker_addrs);
    if (blockers.len)
        strbuf_printf(&why, "its IOMMU group %d is not viable: %s, a host driver, and a guest "
                      "gets the whole group (detach %s too)", dev->iommu_group,
                      strbuf_cstr(&blockers), strbuf_cstr(&blocker_addrs));
    /* Unbinding a PF's driver takes its VFs away. */
    if (dev->sriov == PCI_SRIOV_PF && enabled_vfs(dev) && *dev->driver)
        strbuf_printf(&why, "%sit has %zu VFs enabled, which unbinding %s removes, also from "
                      "guests using them", why.len ? "; " : "", enabled_vfs(dev), dev->driver);
    struct strbuf host = STRBUF_INIT;
    for (size_t i = 0; i < dev->n_netdevs; i++)
        netdev_reasons(dev->netdevs[i], facts, &host);
    if (host.len)
        strbuf_printf(&why, "%sit carries the host: %s", why.len ? "; " : "",
                      strbuf_cstr(&host));
    strbuf_free(&blockers);
    strbuf_free(&blocker_addrs);
    strbuf_free(&host);
    if (why.len && !force) {
        plan->forceable = true;
        char *message = xasprintf("refusing to detach %s: %s (--force detaches it anyway)",
                                  address, strbuf_cstr(&why));
        strbuf_free(&why);
        return finish(plan, VFIO_REFUSED, message);
    }
    if (why.len)
        plan->message = xasprintf("warning: detaching %s although %s", address,
                                  strbuf_cstr(&why));
    strbuf_free(&why);

    int rc = 0;
    if (strcmp(dev->driver_override, "vfio-pci"))
        rc = add_write_in(plan, "devices", address, "driver_override", "vfio-pci");
    if (!rc && *dev->driver && strcmp(dev->driver, "vfio-pci"))
        rc = add_write_in(plan, "drivers", dev->driver, "unbind", address);
    if (!rc && strcmp(dev->driver, "vfio-pci"))
        rc = add_write(plan, "/sys/bus/pci/drivers_probe", address);
    plan->verdict = VFIO_GO;
    return rc;
}

int vfio_plan_reattach(const struct pci_inventory *inv, const char *address,
                       const struct vfio_host_facts *facts, struct vfio_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    const struct pci_device *dev = pci_inventory_find(inv, address);
    if (!dev)
        return finish(plan, VFIO_REFUSED, xasprintf("no PCI device %s", address));
    bool on_vfio = pci_driver_is_vfio(dev->driver);
    bool overridden = *dev->driver_override != '\0';
    if (!on_vfio && !overridden)
        return finish(plan, VFIO_NOTHING,
                      *dev->driver ? xasprintf("%s is not detached: it is bound to %s", address,
                                               dev->driver)
                                   : xasprintf("%s is not detached: no driver is bound and no "
                                               "driver_override is set", address));
    for (size_t i = 0; on_vfio && dev->iommu_group >= 0 && i < facts->n_users; i++) {
        const struct vfio_group_user *u = &facts->users[i];
        if (u->group == dev->iommu_group)
            return finish(plan, VFIO_REFUSED, xasprintf(
                "cannot reattach %s: its IOMMU group %d is in use by %s (pid %ld), which "
                "holds /dev/vfio/%d; shut the guest down or detach the device from it first "
                "(unbinding now would wait until it lets go)", address, dev->iommu_group,
                u->comm, u->pid, u->group));
    }
    int rc = 0;
    if (overridden)
        rc = add_write_in(plan, "devices", address, "driver_override", "");
    if (!rc && on_vfio)
        rc = add_write_in(plan, "drivers", dev->driver, "unbind", address);
    if (!rc)
        rc = add_write(plan, "/sys/bus/pci/drivers_probe", address);
    plan->verdict = VFIO_GO;
    return rc;
}

void vfio_plan_free(struct vfio_plan *plan)
{
    for (size_t i = 0; i < plan->n_writes; i++) {
        free(plan->writes[i].path);
        free(plan->writes[i].value);
    }
    free(plan->writes);
    free(plan->message);
    memset(plan, 0, sizeof *plan);
}
