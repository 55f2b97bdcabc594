/* The pci/ commands' output: the inventory (a list, one device, the tree)
 * and a passthrough plan turned into JSON once, and the text printed from
 * that JSON, so that --format=json and the text never disagree (see
 * cli/pci_output.h). */
#include "cli/pci_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON ---- */

static json_t *text_or_null(const char *text)
{
    return text && *text ? json_string(text) : json_null();
}

static json_t *hex(unsigned value, int digits)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%0*x", digits, value);
    return json_string(buf);
}

static json_t *string_list(char **items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(items[i]));
    return list;
}

static json_t *sriov_json(const struct pci_inventory *inv, const struct pci_device *dev)
{
    if (dev->sriov == PCI_SRIOV_VF)
        return json_pack("{s:s, s:s, s:o}", "role", "vf", "pf", dev->physfn, "index",
                         dev->vf_index >= 0 ? json_integer(dev->vf_index) : json_null());
    if (dev->sriov != PCI_SRIOV_PF)
        return json_null();
    json_t *vfs = json_array();
    for (size_t i = 0; i < dev->n_vfs; i++) {
        if (!dev->vfs[i][0])
            continue;
        const struct pci_device *vf = pci_inventory_find(inv, dev->vfs[i]);
        json_array_append_new(vfs, json_pack(
            "{s:I, s:s, s:o, s:o}", "index", (json_int_t)i, "address", dev->vfs[i],
            "driver", text_or_null(vf ? vf->driver : NULL),
            "netdevs", vf ? string_list(vf->netdevs, vf->n_netdevs) : json_array()));
    }
    return json_pack("{s:s, s:I, s:I, s:o}", "role", "pf", "totalvfs",
                     (json_int_t)dev->sriov_totalvfs, "numvfs", (json_int_t)dev->sriov_numvfs,
                     "vfs", vfs);
}

json_t *pci_device_json(const struct pci_inventory *inv, const struct pci_device *dev)
{
    json_t *members = json_array();
    for (size_t i = 0; i < dev->n_group_members; i++) {
        const struct pci_device *m = pci_inventory_find(inv, dev->group_members[i]);
        json_array_append_new(members, json_pack(
            "{s:s, s:o, s:b}", "address", dev->group_members[i],
            "driver", text_or_null(m ? m->driver : NULL), "bridge", m && m->is_bridge));
    }
    json_t *obj = json_object();
    json_object_set_new(obj, "address", json_string(dev->address));
    json_object_set_new(obj, "class", hex(dev->class_code, 6));
    json_object_set_new(obj, "class_name", text_or_null(dev->class_name));
    json_object_set_new(obj, "subclass_name", text_or_null(dev->subclass_name));
    json_object_set_new(obj, "prog_if_name", text_or_null(dev->prog_if_name));
    json_object_set_new(obj, "vendor", hex(dev->vendor, 4));
    json_object_set_new(obj, "vendor_name", text_or_null(dev->vendor_name));
    json_object_set_new(obj, "device", hex(dev->device, 4));
    json_object_set_new(obj, "device_name", text_or_null(dev->device_name));
    json_object_set_new(obj, "subsystem_vendor", hex(dev->subsystem_vendor, 4));
    json_object_set_new(obj, "subsystem_vendor_name", text_or_null(dev->subsystem_vendor_name));
    json_object_set_new(obj, "subsystem_device", hex(dev->subsystem_device, 4));
    json_object_set_new(obj, "subsystem_name", text_or_null(dev->subsystem_name));
    json_object_set_new(obj, "revision", dev->revision >= 0 ? hex((unsigned)dev->revision, 2)
                                                            : json_null());
    json_object_set_new(obj, "driver", text_or_null(dev->driver));
    json_object_set_new(obj, "driver_override", text_or_null(dev->driver_override));
    json_object_set_new(obj, "numa_node", json_integer(dev->numa_node));
    json_object_set_new(obj, "iommu_group", dev->iommu_group >= 0
                                            ? json_integer(dev->iommu_group) : json_null());
    json_object_set_new(obj, "iommu_group_members", members);
    json_object_set_new(obj, "sysfs_path", text_or_null(dev->sysfs_path));
    json_object_set_new(obj, "parent", text_or_null(dev->parent));
    json_object_set_new(obj, "root_bus", text_or_null(dev->root_bus));
    json_object_set_new(obj, "bridge", json_boolean(dev->is_bridge));
    json_object_set_new(obj, "netdevs", string_list(dev->netdevs, dev->n_netdevs));
    json_object_set_new(obj, "sriov", sriov_json(inv, dev));
    return obj;
}

static json_t *envelope(const struct pci_inventory *inv)
{
    return json_pack("{s:s, s:b}", "root", inv->root, "iommu", inv->has_iommu);
}

json_t *pci_inventory_json(const struct pci_inventory *inv)
{
    json_t *doc = envelope(inv), *devices = json_array();
    for (size_t i = 0; i < inv->n_devices; i++)
        json_array_append_new(devices, pci_device_json(inv, &inv->devices[i]));
    json_object_set_new(doc, "devices", devices);
    return doc;
}

json_t *pci_one_json(const struct pci_inventory *inv, const struct pci_device *dev)
{
    json_t *doc = envelope(inv);
    json_object_set_new(doc, "device", pci_device_json(inv, dev));
    return doc;
}

/* The devices whose parent is `parent` ("" with `bus`: the bus's top). */
static json_t *children_json(const struct pci_inventory *inv, const char *parent,
                             const char *bus, int depth)
{
    json_t *list = json_array();
    for (size_t i = 0; i < inv->n_devices; i++) {
        const struct pci_device *dev = &inv->devices[i];
        /* A device whose parent is not listed hangs from its bus. */
        bool top = !dev->parent[0] || !pci_inventory_find(inv, dev->parent);
        bool here = *parent ? !strcmp(dev->parent, parent)
                            : top && !strcmp(dev->root_bus, bus);
        if (!here)
            continue;
        json_t *obj = pci_device_json(inv, dev);
        /* Bus nesting is shallow (a few levels); the bound guards a bad tree. */
        json_object_set_new(obj, "children", depth < 32
                                             ? children_json(inv, dev->address, bus, depth + 1)
                                             : json_array());
        json_array_append_new(list, obj);
    }
    return list;
}

json_t *pci_tree_json(const struct pci_inventory *inv)
{
    json_t *doc = envelope(inv), *tree = json_array();
    for (size_t i = 0; i < inv->n_devices; i++) {
        const struct pci_device *dev = &inv->devices[i];
        /* A bus once, at its first device without a (listed) parent. */
        if (dev->parent[0] && pci_inventory_find(inv, dev->parent))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(inv->devices[j].root_bus, dev->root_bus)
                   && (!inv->devices[j].parent[0]
                       || !pci_inventory_find(inv, inv->devices[j].parent));
        if (seen)
            continue;
        json_array_append_new(tree, json_pack("{s:s, s:o}", "bus", dev->root_bus,
                                              "devices", children_json(inv, "", dev->root_bus,
                                                                       0)));
    }
    json_object_set_new(doc, "tree", tree);
    return doc;
}

/* ---- text ---- */

static const char *str(json_t *obj, const char *key)
{
    const char *value = json_string_value(json_object_get(obj, key));
    return value ? value : "";
}

static bool has(json_t *obj, const char *key)
{
    return json_is_string(json_object_get(obj, key));
}

/* "Ethernet controller": as lspci, the subclass's name, else the class's,
 * else "Class 0200". */
static void put_class_name(json_t *dev, struct strbuf *out)
{
    if (has(dev, "subclass_name"))
        strbuf_puts(out, str(dev, "subclass_name"));
    else if (has(dev, "class_name"))
        strbuf_puts(out, str(dev, "class_name"));
    else
        strbuf_printf(out, "Class %.4s", str(dev, "class"));
}

/* "Intel Corporation 82576 Gigabit Network Connection", as lspci names it. */
static void put_vendor_device(json_t *dev, struct strbuf *out)
{
    if (has(dev, "vendor_name"))
        strbuf_printf(out, "%s ", str(dev, "vendor_name"));
    else
        strbuf_printf(out, "Vendor %s ", str(dev, "vendor"));
    if (has(dev, "device_name"))
        strbuf_puts(out, str(dev, "device_name"));
    else
        strbuf_printf(out, "Device %s", str(dev, "device"));
}

static void put_list(json_t *list, const char *separator, struct strbuf *out)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        strbuf_printf(out, "%s%s", i ? separator : "", json_string_value(item));
}

/* "PF, 7 of 7 VFs" / "VF 0 of 0000:04:00.0". */
static void put_sriov(json_t *sriov, struct strbuf *out)
{
    if (!strcmp(str(sriov, "role"), "vf")) {
        json_t *index = json_object_get(sriov, "index");
        if (json_is_integer(index))
            strbuf_printf(out, "VF %lld of %s", (long long)json_integer_value(index),
                          str(sriov, "pf"));
        else
            strbuf_printf(out, "VF of %s", str(sriov, "pf"));
        return;
    }
    strbuf_printf(out, "PF, %lld of %lld VFs enabled",
                  (long long)json_integer_value(json_object_get(sriov, "numvfs")),
                  (long long)json_integer_value(json_object_get(sriov, "totalvfs")));
}

static void put_group(json_t *dev, struct strbuf *out)
{
    json_t *group = json_object_get(dev, "iommu_group");
    if (!json_is_integer(group)) {
        strbuf_puts(out, "none");
        return;
    }
    strbuf_printf(out, "%lld", (long long)json_integer_value(group));
    json_t *members = json_object_get(dev, "iommu_group_members");
    if (!json_array_size(members))
        return;
    strbuf_puts(out, " (with ");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
        strbuf_printf(out, "%s%s %s", i ? ", " : "", str(m, "address"),
                      has(m, "driver") ? str(m, "driver") : "no driver");
    strbuf_puts(out, ")");
}

/* One device in the list: lspci -D -nn -k's lines and Pontoon's. */
static void put_device_lines(json_t *dev, struct strbuf *out)
{
    strbuf_printf(out, "%s ", str(dev, "address"));
    put_class_name(dev, out);
    strbuf_printf(out, " [%.4s]: ", str(dev, "class"));
    put_vendor_device(dev, out);
    strbuf_printf(out, " [%s:%s]", str(dev, "vendor"), str(dev, "device"));
    if (has(dev, "revision") && strcmp(str(dev, "revision"), "00"))
        strbuf_printf(out, " (rev %s)", str(dev, "revision"));
    strbuf_putc(out, '\n');
    if (strcmp(str(dev, "subsystem_vendor"), "0000")
        || strcmp(str(dev, "subsystem_device"), "0000")) {
        strbuf_puts(out, "\tSubsystem: ");
        if (has(dev, "subsystem_vendor_name"))
            strbuf_printf(out, "%s ", str(dev, "subsystem_vendor_name"));
        if (has(dev, "subsystem_name"))
            strbuf_puts(out, str(dev, "subsystem_name"));
        else
            strbuf_printf(out, "Device %s", str(dev, "subsystem_device"));
        strbuf_printf(out, " [%s:%s]\n", str(dev, "subsystem_vendor"),
                      str(dev, "subsystem_device"));
    }
    if (has(dev, "driver"))
        strbuf_printf(out, "\tKernel driver in use: %s\n", str(dev, "driver"));
    if (has(dev, "driver_override"))
        strbuf_printf(out, "\tDriver override: %s\n", str(dev, "driver_override"));
    strbuf_printf(out, "\tNUMA node: %lld, IOMMU group: ",
                  (long long)json_integer_value(json_object_get(dev, "numa_node")));
    put_group(dev, out);
    strbuf_putc(out, '\n');
    if (json_array_size(json_object_get(dev, "netdevs"))) {
        strbuf_puts(out, "\tNetwork devices: ");
        put_list(json_object_get(dev, "netdevs"), ", ", out);
        strbuf_putc(out, '\n');
    }
    json_t *sriov = json_object_get(dev, "sriov");
    if (json_is_object(sriov)) {
        strbuf_puts(out, "\tSR-IOV: ");
        put_sriov(sriov, out);
        strbuf_putc(out, '\n');
    }
}

/* One device, everything (nodedev-dumpxml's content): "key  value" lines. */
static void put_device_view(json_t *dev, struct strbuf *out)
{
#define KEY_VALUE "%-16s%s\n"
    strbuf_printf(out, KEY_VALUE, "device", str(dev, "address"));
    strbuf_printf(out, "%-16s/sys/devices/%s\n", "path", str(dev, "sysfs_path"));
    strbuf_printf(out, KEY_VALUE, "parent", has(dev, "parent") ? str(dev, "parent")
                                                         : str(dev, "root_bus"));
    strbuf_printf(out, "%-16s0x%s", "class", str(dev, "class"));
    const char *names[] = { "class_name", "subclass_name", "prog_if_name" };
    for (size_t i = 0; i < 3; i++)
        if (has(dev, names[i]))
            strbuf_printf(out, "%s%s", i ? " / " : " ", str(dev, names[i]));
    strbuf_putc(out, '\n');
    strbuf_printf(out, "%-16s0x%s %s\n", "vendor", str(dev, "vendor"),
                  has(dev, "vendor_name") ? str(dev, "vendor_name") : "(unknown)");
    strbuf_printf(out, "%-16s0x%s %s\n", "product", str(dev, "device"),
                  has(dev, "device_name") ? str(dev, "device_name") : "(unknown)");
    strbuf_printf(out, "%-16s0x%s:0x%s", "subsystem", str(dev, "subsystem_vendor"),
                  str(dev, "subsystem_device"));
    if (has(dev, "subsystem_vendor_name"))
        strbuf_printf(out, " %s", str(dev, "subsystem_vendor_name"));
    if (has(dev, "subsystem_name"))
        strbuf_printf(out, " %s", str(dev, "subsystem_name"));
    else
        strbuf_printf(out, " Device %s", str(dev, "subsystem_device"));
    strbuf_putc(out, '\n');
    if (has(dev, "revision"))
        strbuf_printf(out, "%-16s0x%s\n", "revision", str(dev, "revision"));
    strbuf_printf(out, KEY_VALUE, "driver", has(dev, "driver") ? str(dev, "driver") : "none");
    strbuf_printf(out, KEY_VALUE, "driver_override", has(dev, "driver_override")
                                                ? str(dev, "driver_override") : "none");
    strbuf_printf(out, "%-16s%lld\n", "numa_node",
                  (long long)json_integer_value(json_object_get(dev, "numa_node")));
    strbuf_printf(out, "%-16s", "iommu_group");
    put_group(dev, out);
    strbuf_putc(out, '\n');
    strbuf_printf(out, "%-16s", "net");
    if (json_array_size(json_object_get(dev, "netdevs")))
        put_list(json_object_get(dev, "netdevs"), ", ", out);
    else
        strbuf_puts(out, "none");
    strbuf_putc(out, '\n');
    json_t *sriov = json_object_get(dev, "sriov");
    strbuf_printf(out, "%-16s", "sriov");
    if (!json_is_object(sriov)) {
        strbuf_puts(out, "none\n");
        return;
    }
    put_sriov(sriov, out);
    strbuf_putc(out, '\n');
    size_t i;
    json_t *vf;
#undef KEY_VALUE
    json_array_foreach(json_object_get(sriov, "vfs"), i, vf) {
        char key[32];
        snprintf(key, sizeof key, "  vf %lld",
                 (long long)json_integer_value(json_object_get(vf, "index")));
        strbuf_printf(out, "%-16s%s %s", key, str(vf, "address"),
                      has(vf, "driver") ? str(vf, "driver") : "(no driver)");
        if (json_array_size(json_object_get(vf, "netdevs"))) {
            strbuf_putc(out, ' ');
            put_list(json_object_get(vf, "netdevs"), ",", out);
        }
        strbuf_putc(out, '\n');
    }
}

/* One line per device in the tree: "+- ADDR CLASS: VENDOR DEVICE [driver] netdevs". */
static void put_tree(json_t *devices, const char *prefix, struct strbuf *out)
{
    size_t n = json_array_size(devices), i;
    json_t *dev;
    json_array_foreach(devices, i, dev) {
        strbuf_printf(out, "%s+- %s ", prefix, str(dev, "address"));
        put_class_name(dev, out);
        strbuf_puts(out, ": ");
        put_vendor_device(dev, out);
        strbuf_printf(out, " [%s]", has(dev, "driver") ? str(dev, "driver") : "no driver");
        if (json_array_size(json_object_get(dev, "netdevs"))) {
            strbuf_putc(out, ' ');
            put_list(json_object_get(dev, "netdevs"), ",", out);
        }
        json_t *sriov = json_object_get(dev, "sriov");
        if (json_is_object(sriov)) {
            strbuf_puts(out, " (");
            put_sriov(sriov, out);
            strbuf_putc(out, ')');
        }
        strbuf_putc(out, '\n');
        json_t *children = json_object_get(dev, "children");
        if (json_array_size(children)) {
            char *deeper = xasprintf("%s%s", prefix, i + 1 < n ? "|  " : "   ");
            if (deeper)
                put_tree(children, deeper, out);
            free(deeper);
        }
    }
}

void pci_show_text(json_t *doc, struct strbuf *out)
{
    json_t *device = json_object_get(doc, "device");
    json_t *tree = json_object_get(doc, "tree");
    if (json_is_object(device)) {
        put_device_view(device, out);
    } else if (json_is_array(tree)) {
        size_t i;
        json_t *bus;
        json_array_foreach(tree, i, bus) {
            strbuf_printf(out, "%s\n", str(bus, "bus"));
            put_tree(json_object_get(bus, "devices"), "  ", out);
        }
    } else {
        size_t i;
        json_t *dev;
        json_array_foreach(json_object_get(doc, "devices"), i, dev)
            put_device_lines(dev, out);
    }
    if (!json_is_true(json_object_get(doc, "iommu")))
        strbuf_puts(out, "(no IOMMU: no /sys/kernel/iommu_groups entries; devices cannot be "
                         "passed through)\n");
}

/* ---- passthrough ---- */

json_t *vfio_plan_json(const char *address, const char *action, const struct vfio_plan *plan,
                       bool applied, const char *driver_after)
{
    static const char *const verdicts[] = { [VFIO_GO] = "ok", [VFIO_NOTHING] = "nothing",
                                            [VFIO_REFUSED] = "refused" };
    json_t *writes = json_array();
    for (size_t i = 0; i < plan->n_writes; i++)
        json_array_append_new(writes, json_pack("{s:s, s:s}", "path", plan->writes[i].path,
                                                "value", plan->writes[i].value));
    return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:b, s:o}", "device", address,
                     "action", action, "verdict", verdicts[plan->verdict],
                     "message", text_or_null(plan->message), "forceable", plan->forceable,
                     "writes", writes, "applied", applied, "driver", text_or_null(driver_after));
}

void vfio_plan_text(json_t *doc, struct strbuf *out)
{
    /* A refusal goes to stderr as the command's error; here the rest. */
    if (strcmp(str(doc, "verdict"), "ok")) {
        if (has(doc, "message"))
            strbuf_printf(out, "%s\n", str(doc, "message"));
        return;
    }
    if (has(doc, "message"))
        strbuf_printf(out, "%s\n", str(doc, "message"));
    bool applied = json_is_true(json_object_get(doc, "applied"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(doc, "writes"), i, w)
        strbuf_printf(out, "%s \"%s\" > %s\n", applied ? "wrote" : "would write",
                      str(w, "value"), str(w, "path"));
    const char *action = str(doc, "action");
    if (has(doc, "driver"))
        strbuf_printf(out, "%s %s: now bound to %s\n", str(doc, "device"),
                      !strcmp(action, "detach") ? "detached" : "reattached", str(doc, "driver"));
}
