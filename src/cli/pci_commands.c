/* PCI commands: pci/show (the inventory), pci/detach and pci/reattach
 * (passthrough to vfio-pci, as virsh nodedev-detach / nodedev-reattach).
 * All run in the CLI alone (COMMAND_LOCAL).  The inventory, the host facts,
 * the planner and the applier are host/'s, the output cli/pci_output.c's;
 * this file reads the database for the facts only it knows (Pontoon's
 * bridge ports and bond members). */
#include "cli/command.h"
#include "cli/trailing_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/pci_output.h"
#include "db/db.h"
#include "host/nic_files.h"
#include "host/pci_ids.h"
#include "host/pci_inventory.h"
#include "host/vfio_apply.h"
#include "host/vfio_facts.h"
#include "host/vfio_plan.h"

/* The trailing options, and the one device a pci command takes. */
static int parse_pci_args(struct cli_context *ctx, const char *accepted,
                          struct trailing_args *args, const char **device)
{
    if (trailing_args_parse(ctx, accepted, TRAILING_MAX_WORDS, args))
        return -1;
    const char *name = ctx->cmd->argv[0];
    if (args->n_words > 1)
        return cli_fail(ctx, "'%s' takes one device, not '%s' too (see %s --help)", name,
                        args->words[1], name);
    *device = args->n_words ? args->words[0] : NULL;
    return 0;
}

/* ---- pci/show ---- */

static int cmd_pci_show(struct cli_context *ctx)
{
    struct trailing_args args;
    const char *device;
    if (parse_pci_args(ctx, "--root --format --tree", &args, &device))
        return -1;
    if (args.tree && device)
        return cli_fail(ctx, "--tree shows every device: leave out %s, or drop --tree to see "
                        "that one", device);
    char address[PCI_ADDR_LEN] = "";
    char *error = NULL;
    if (device && pci_resolve(args.root, device, address, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        return -1;
    }
    /* Names from this machine's pci.ids, also for a captured tree. */
    struct pci_ids *ids = NULL;
    if (pci_ids_load(NULL, &ids, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        return -1;
    }
    struct pci_inventory inv;
    int rc = 0;
    if (pci_inventory_read(args.root, ids, &inv, &error)) {
        rc = cli_fail(ctx, "%s", error ? error : "cannot read the PCI devices");
        goto out;
    }
    const struct pci_device *dev = *address ? pci_inventory_find(&inv, address) : NULL;
    if (*address && !dev) {
        rc = cli_fail(ctx, "no PCI device %s", address);
        goto out;
    }
    json_t *doc = dev ? pci_one_json(&inv, dev) : args.tree ? pci_tree_json(&inv)
                                                            : pci_inventory_json(&inv);
    if (trailing_args_want_json(ctx, &args))
        cli_put_json(ctx, doc);
    else
        pci_show_text(doc, &ctx->output);
    json_decref(doc);
out:
    free(error);
    pci_inventory_free(&inv);
    pci_ids_free(ids);
    return rc;
}

/* ---- pci/detach, pci/reattach ---- */

static struct db_row *ref_row(struct db *db, const struct datum *refs, size_t i)
{
    struct db_row *row = db_find_row_by_uuid(db, refs->keys[i].string);
    return row && !row->deleted ? row : NULL;
}

/* Every Interface of every Pontoon bridge, with its bridge and, for a bond
 * member, the bond (a Port with more than one Interface). */
static int read_pontoon_ports(const struct cli_options *opts, struct vfio_host_facts *facts,
                              char **error)
{
    if (access(opts->db_path, F_OK))
        return 0;   /* no database yet: no bridges */
    struct db *db = NULL;
    if (db_open(opts->db_path, &db, error))
        return -1;
    int rc = 0;
    struct db_row *root = db_root_row(db);
    const struct datum *bridges = root ? db_row_get(root, "bridges") : NULL;
    for (size_t b = 0; !rc && bridges && b < bridges->n; b++) {
        struct db_row *bridge = ref_row(db, bridges, b);
        const struct datum *ports = bridge ? db_row_get(bridge, "ports") : NULL;
        for (size_t p = 0; !rc && ports && p < ports->n; p++) {
            struct db_row *port = ref_row(db, ports, p);
            const struct datum *ifaces = port ? db_row_get(port, "interfaces") : NULL;
            for (size_t i = 0; !rc && ifaces && i < ifaces->n; i++) {
                struct db_row *iface = ref_row(db, ifaces, i);
                if (iface)
                    rc = vfio_host_facts_add_port(facts, db_row_get_string(iface, "name"),
                                                  db_row_get_string(bridge, "name"),
                                                  ifaces->n > 1
                                                  ? db_row_get_string(port, "name") : NULL);
            }
        }
    }
    db_close(db);
    if (rc)
        *error = xasprintf("out of memory");
    return rc ? -1 : 0;
}

static int run_passthrough(struct cli_context *ctx, bool detach)
{
    struct trailing_args args;
    const char *device;
    if (parse_pci_args(ctx, detach ? "--force --dry-run --root --format"
                                   : "--dry-run --root --format", &args, &device))
        return -1;
    const char *action = detach ? "detach" : "reattach";
    if (!device)
        return cli_fail(ctx, "'pci/%s' needs a PCI address (0000:04:00.0) or a network device",
                        action);
    char address[PCI_ADDR_LEN];
    char *error = NULL;
    if (pci_resolve(args.root, device, address, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        return -1;
    }
    struct pci_inventory inv;
    struct vfio_host_facts facts;
    struct vfio_plan plan = { 0 };
    memset(&facts, 0, sizeof facts);
    int rc = 0;
    if (pci_inventory_read(args.root, NULL, &inv, &error)
        || vfio_host_facts_read(args.root, &facts, &error)
        || (detach && read_pontoon_ports(ctx->options, &facts, &error))) {
        rc = cli_fail(ctx, "%s", error ? error : "cannot read the host");
        goto out;
    }
    if ((detach ? vfio_plan_detach(&inv, address, &facts, args.force, &plan)
                : vfio_plan_reattach(&inv, address, &facts, &plan))) {
        rc = cli_fail(ctx, "out of memory");
        goto out;
    }
    bool dry_run = args.dry_run || ctx->options->dry_run;
    bool applied = false;
    char *driver_after = NULL;
    if (plan.verdict == VFIO_GO && !dry_run) {
        if (vfio_plan_apply(inv.root, &plan, &error)) {
            rc = cli_fail(ctx, "cannot %s %s: %s", action, address, error);
        } else {
            applied = true;
            /* On this machine, the kernel's answer; a captured tree has none. */
            if (nic_root_is_live(inv.root)) {
                struct pci_device now;
                if (pci_device_read(inv.root, address, NULL, &now) == 0)
                    driver_after = strdup(now.driver);
                pci_device_free(&now);
            }
        }
    }
    json_t *doc = vfio_plan_json(address, action, &plan, applied,
                                 driver_after && *driver_after ? driver_after : NULL);
    if (trailing_args_want_json(ctx, &args))
        cli_put_json(ctx, doc);
    else if (plan.verdict != VFIO_REFUSED && !rc)
        vfio_plan_text(doc, &ctx->output);
    json_decref(doc);
    if (plan.verdict == VFIO_REFUSED)
        rc = cli_fail(ctx, "%s", plan.message);
    else if (!rc && applied && nic_root_is_live(inv.root) && detach
             && (!driver_after || strcmp(driver_after, "vfio-pci")))
        rc = cli_fail(ctx, "%s was unbound but vfio-pci did not take it (bound now: %s); the "
                      "kernel log (dmesg) says why; pontoon pci/reattach %s gives it back",
                      address, driver_after && *driver_after ? driver_after : "nothing",
                      address);
    free(driver_after);
out:
    free(error);
    vfio_plan_free(&plan);
    vfio_host_facts_free(&facts);
    pci_inventory_free(&inv);
    return rc;
}

static int cmd_pci_detach(struct cli_context *ctx)
{
    return run_passthrough(ctx, true);
}

static int cmd_pci_reattach(struct cli_context *ctx)
{
    return run_passthrough(ctx, false);
}

/* ---- the table ---- */

const struct cli_command_def pci_commands[] = {
    { "pci/show", 0, -1, "", COMMAND_LOCAL, cmd_pci_show,
      "pci/show [ADDR|DEV] [--tree] [--root DIR]",
      "show the PCI devices: class, ids and names, driver, NUMA node, IOMMU group, SR-IOV\n"
      "DESCRIPTION\n"
      "  Every PCI function of /sys/bus/pci/devices, as lspci -D -nn -k shows\n"
      "  it: address, class, vendor and device ids with their names and the\n"
      "  subsystem's, all from the pci.ids database (/usr/share/misc/pci.ids,\n"
      "  the host's own also with --root), and the driver in use; then its\n"
      "  NUMA node, IOMMU group with the group's other devices and their\n"
      "  drivers, its network devices, and its SR-IOV role: a PF with its\n"
      "  enabled and total VFs (sriov_numvfs, sriov_totalvfs), a VF with its PF\n"
      "  and index.  Runs without pontoond.\n"
      "\n"
      "  ADDR (0000:04:00.0, or 04:00.0 in domain 0) or a network device's name\n"
      "  shows that one device with everything (as virsh nodedev-dumpxml):\n"
      "  sysfs path, parent, class/subclass/prog-if names, revision, driver and\n"
      "  driver_override, and each VF with its driver and network devices.\n"
      "\n"
      "OPTIONS\n"
      "  --tree            the bus hierarchy, as virsh nodedev-list --tree: each\n"
      "                    root bus (pci0000:00), the devices on it, the devices\n"
      "                    behind each bridge below it\n"
      "  --root DIR        read DIR/sys, a captured tree, instead of this machine\n"
      "  --format=json     the same data as JSON (as the global -f json)\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon pci/show --tree\n"
      "  pontoon pci/show 04:00.0\n"
      "  pontoon pci/show eth1 --format=json\n" },
    { "pci/detach", 1, -1, "", COMMAND_LOCAL, cmd_pci_detach,
      "pci/detach ADDR|DEV [--force] [--dry-run] [--root DIR]",
      "bind a PCI device to vfio-pci for a guest (virsh nodedev-detach)\n"
      "DESCRIPTION\n"
      "  Hands the device to vfio-pci: writes vfio-pci to its driver_override,\n"
      "  unbinds it from its driver and asks /sys/bus/pci/drivers_probe, so\n"
      "  that vfio-pci, and only vfio-pci, takes it, also after a rescan.  Each\n"
      "  write is printed.  Already on vfio-pci: nothing to do.\n"
      "\n"
      "  Refused, with the reason and nothing written:\n"
      "  - a PCI bridge or host bridge;\n"
      "  - no IOMMU (/sys/kernel/iommu_groups empty): the kernel parameter\n"
      "    intel_iommu=on or amd_iommu=on turns it on (with iommu=pt);\n"
      "  - vfio-pci is not loaded (modprobe vfio-pci);\n"
      "  and, unless --force:\n"
      "  - its IOMMU group is not viable: another endpoint of the group is\n"
      "    bound to a host driver (bridges, and devices on vfio-pci, pci-stub\n"
      "    or no driver do not count); a guest gets whole groups;\n"
      "  - it carries the host: one of its network devices has an IPv4 or\n"
      "    global IPv6 address, the default route, or sits under a bridge or\n"
      "    bond that has them; it is a port of a Pontoon bridge or a member of\n"
      "    a Pontoon bond; or it is a PF whose enabled VFs unbinding removes.\n"
      "\n"
      "OPTIONS\n"
      "  --force           detach although the group is not viable or the\n"
      "                    device carries the host (says so)\n"
      "  --dry-run         print the verdict and the writes, write nothing\n"
      "  --root DIR        a captured tree: read it and write its files\n"
      "                    (DIR/sys/...), for tests on a copy\n"
      "  --format=json     {device, action, verdict: ok|nothing|refused,\n"
      "                    message, forceable, writes: [{path, value}],\n"
      "                    applied, driver}\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon pci/detach 0000:04:10.0\n"
      "  pontoon pci/detach 04:10.0 --dry-run\n" },
    { "pci/reattach", 1, -1, "", COMMAND_LOCAL, cmd_pci_reattach,
      "pci/reattach ADDR|DEV [--dry-run] [--root DIR]",
      "give a device on vfio-pci back to its own driver (virsh nodedev-reattach)\n"
      "DESCRIPTION\n"
      "  Clears the device's driver_override, unbinds it from vfio-pci and\n"
      "  asks drivers_probe, so that its own driver takes it again.  Refused\n"
      "  while a process (the guest's QEMU) holds its IOMMU group open\n"
      "  (/dev/vfio/N): the kernel would wait for it to let go.  Not on\n"
      "  vfio-pci and no driver_override: nothing to do.\n"
      "\n"
      "OPTIONS\n"
      "  --dry-run         print the writes, write nothing\n"
      "  --root DIR        a captured tree: read it and write its files\n"
      "  --format=json     as pci/detach's\n"
      "\n"
      "EXAMPLES\n"
      "  pontoon pci/reattach 0000:04:10.0\n" },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
