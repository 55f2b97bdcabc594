/* guest/xml: the libvirt <interface> element for a Pontoon port or macvtap.
 * This file reads the database into a struct guest_iface; host/guest_xml.c
 * writes the element. */
#include "cli/command.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "db/db.h"
#include "db/schema.h"
#include "host/guest_xml.h"
#include "host/pci_inventory.h"
#include "host/sriov_pf.h"

#define GUEST_XML_MAX_QUEUES 256    /* libvirt's and QEMU's virtio-net limit */

struct guest_xml_args {
    const char *name;
    unsigned queues;              /* 0: from the port's options:n_rxq */
    bool direct;                  /* macvtap: type='direct' instead of the device itself */
    const char *pci;              /* --pci ADDR: a whole PCI device (<hostdev>) */
};

/* Options may come anywhere after the command's name. */
static int parse_args(struct cli_context *ctx, struct guest_xml_args *args)
{
    char **argv = ctx->cmd->argv;
    int argc = ctx->cmd->argc;
    memset(args, 0, sizeof *args);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        if (!strncmp(arg, "--queues", 8) && (arg[8] == '=' || arg[8] == '\0')) {
            value = arg[8] == '=' ? arg + 9 : i + 1 < argc ? argv[++i] : NULL;
            char *end;
            unsigned long n = value ? strtoul(value, &end, 10) : 0;
            if (!value || !*value || *end || n < 1 || n > GUEST_XML_MAX_QUEUES)
                return cli_fail(ctx, "--queues needs a number of queue pairs from 1 to %d",
                                GUEST_XML_MAX_QUEUES);
            args->queues = (unsigned)n;
        } else if (!strncmp(arg, "--virtualport", 13) && (arg[13] == '=' || arg[13] == '\0')) {
            value = arg[13] == '=' ? arg + 14 : i + 1 < argc ? argv[++i] : NULL;
            if (!value)
                return cli_fail(ctx, "--virtualport needs a type");
            char *error = NULL;
            if (guest_xml_check_virtualport(value, &error)) {
                cli_fail(ctx, "%s", error);
                free(error);
                return -1;
            }
        } else if (!strcmp(arg, "--direct")) {
            args->direct = true;
        } else if (!strncmp(arg, "--pci", 5) && (arg[5] == '=' || arg[5] == '\0')) {
            args->pci = arg[5] == '=' ? arg + 6 : i + 1 < argc ? argv[++i] : NULL;
            if (!args->pci || !*args->pci)
                return cli_fail(ctx, "--pci needs a PCI address (0000:04:00.0)");
        } else if (arg[0] == '-' && arg[1] == '-') {
            return cli_fail(ctx, "'guest/xml' has no option '%s' (see guest/xml --help)", arg);
        } else if (args->name) {
            return cli_fail(ctx, "'guest/xml' takes one PORT or MACVTAP, not '%s' too", arg);
        } else {
            args->name = arg;
        }
    }
    if (args->pci && args->name)
        return cli_fail(ctx, "'guest/xml' takes a port, a macvtap or --pci ADDR, not both");
    if (!args->name && !args->pci)
        return cli_fail(ctx, "'guest/xml' needs the name of a port or macvtap");
    return 0;
}

static struct db_row *ref_row(const struct cli_context *ctx, const struct datum *refs, size_t i)
{
    struct db_row *row = db_find_row_by_uuid(ctx->db, refs->keys[i].string);
    return row && !row->deleted ? row : NULL;
}

/* The interface named `name` on any bridge, with its port and bridge. */
static struct db_row *find_iface(const struct cli_context *ctx, const char *name,
                                 struct db_row **port_out, struct db_row **bridge_out)
{
    struct db_row *root = db_root_row(ctx->db);
    const struct datum *bridges = root ? db_row_get(root, "bridges") : NULL;
    for (size_t b = 0; bridges && b < bridges->n; b++) {
        struct db_row *bridge = ref_row(ctx, bridges, b);
        const struct datum *ports = bridge ? db_row_get(bridge, "ports") : NULL;
        for (size_t p = 0; ports && p < ports->n; p++) {
            struct db_row *port = ref_row(ctx, ports, p);
            const struct datum *ifaces = port ? db_row_get(port, "interfaces") : NULL;
            for (size_t i = 0; ifaces && i < ifaces->n; i++) {
                struct db_row *iface = ref_row(ctx, ifaces, i);
                if (iface && !strcmp(db_row_get_string(iface, "name"), name)) {
                    *port_out = port;
                    *bridge_out = bridge;
                    return iface;
                }
            }
        }
    }
    return NULL;
}

static struct db_row *find_macvtap(const struct cli_context *ctx, const char *name)
{
    const struct table_def *table = schema_find_table("Macvtap");
    struct db_row *row;
    DB_FOR_EACH_ROW(row, ctx->db, table, i)
        if (!row->deleted && !strcmp(db_row_get_string(row, "name"), name))
            return row;
    return NULL;
}

static unsigned n_rxq_of(const struct db_row *iface)
{
    const char *text = db_row_get_map_string(iface, "options", "n_rxq");
    char *end;
    unsigned long n = text ? strtoul(text, &end, 10) : 0;
    return text && *text && !*end && n <= GUEST_XML_MAX_QUEUES ? (unsigned)n : 0;
}

/* An absolute socket path for libvirt: a relative --run-dir is taken from
 * the current directory, as pontoond started there would. */
static char *vhost_socket_path(const struct cli_context *ctx, const char *port)
{
    const char *dir = ctx->options->run_dir;
    if (dir[0] == '/')
        return xasprintf("%s/%s", dir, port);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return xasprintf("%s/%s", dir, port);
    return xasprintf("%s/%s/%s", cwd, dir, port);
}

/* Fills `g` from a port's rows; *socket_path (heap) for vhost-user. */
static int describe_port(struct cli_context *ctx, struct db_row *bridge, struct db_row *port,
                         struct db_row *iface, struct guest_iface *g, int64_t **trunks,
                         char **socket_path)
{
    const char *name = db_row_get_string(iface, "name");
    const char *type = db_row_get_string(iface, "type");
    if (db_row_get(port, "interfaces")->n > 1)
        return cli_fail(ctx, "%s is a member of bond %s: a guest attaches to a port of its "
                        "own", name, db_row_get_string(port, "name"));
    if (!strcmp(name, db_row_get_string(bridge, "name")) || !strcmp(type, "internal"))
        return cli_fail(ctx, "%s is an internal port (an interface of the host on bridge %s): "
                        "a guest needs a port of its own (add-port %s PORT)", name,
                        db_row_get_string(bridge, "name"), db_row_get_string(bridge, "name"));
    g->queues = n_rxq_of(iface);
    g->mac = db_row_get_map_string(iface, "external_ids", "attached-mac");
    if (!strcmp(type, "dpdkvhostuser") || !strcmp(type, "dpdkvhostuserclient")) {
        g->attach = GUEST_ATTACH_VHOSTUSER;
        g->port = name;
        g->switch_is_server = !strcmp(type, "dpdkvhostuser");
        if (g->switch_is_server) {
            *socket_path = vhost_socket_path(ctx, name);
        } else {
            const char *path = db_row_get_map_string(iface, "options", "vhost-server-path");
            if (!path || !*path)
                return cli_fail(ctx, "%s: a dpdkvhostuserclient port needs "
                                "options:vhost-server-path", name);
            *socket_path = strdup(path);
        }
        g->socket_path = *socket_path;
        return 0;
    }
    if (type[0] && strcmp(type, "system") && strcmp(type, "tap"))
        return cli_fail(ctx, "%s is a port of type %s: no guest attaches to it", name, type);

    g->attach = GUEST_ATTACH_BRIDGE;
    g->bridge = db_row_get_string(bridge, "name");
    g->port = name;
    g->interface_id = db_row_get_map_string(iface, "external_ids", "iface-id");
    const struct datum *tag = db_row_get(port, "tag");
    g->tag = tag->n ? tag->keys[0].integer : -1;
    const struct datum *column = db_row_get(port, "trunks");
    *trunks = calloc(column->n ? column->n : 1, sizeof **trunks);
    if (!*trunks)
        return cli_fail(ctx, "out of memory");
    for (size_t i = 0; i < column->n; i++)
        (*trunks)[i] = column->keys[i].integer;
    g->trunks = *trunks;
    g->n_trunks = column->n;
    const struct datum *mode = db_row_get(port, "vlan_mode");
    g->vlan_mode = mode->n ? mode->keys[0].string : NULL;
    return 0;
}

static void describe_macvtap(const struct db_row *row, bool direct, struct guest_iface *g)
{
    g->attach = direct ? GUEST_ATTACH_DIRECT : GUEST_ATTACH_MACVTAP;
    g->device = db_row_get_string(row, "name");
    g->lower = db_row_get_string(row, "lower");
    g->macvtap_mode = db_row_get_string(row, "mode");
    /* The MAC it was made with, else the one the kernel chose. */
    const char *mac = db_row_get_string(row, "mac");
    g->mac = *mac ? mac : db_row_get_map_string(row, "status", "mac");
}

static const char *attach_type(enum guest_attach attach)
{
    switch (attach) {
    case GUEST_ATTACH_BRIDGE: return "bridge";
    case GUEST_ATTACH_VHOSTUSER: return "vhostuser";
    case GUEST_ATTACH_MACVTAP: return "ethernet";
    case GUEST_ATTACH_DIRECT: return "direct";
    case GUEST_ATTACH_VF: return "hostdev";
    }
    return "?";
}

/* The output: the element, or with --format=json {name, type, xml}. */
static void put_xml(struct cli_context *ctx, const char *name, const char *type,
                    struct strbuf *xml)
{
    if (ctx->options->format_given && ctx->options->format == FORMAT_JSON) {
        json_t *obj = json_pack("{s:s, s:s, s:s}", "name", name, "type", type,
                                "xml", strbuf_cstr(xml));
        char *text = obj ? json_dumps(obj, ctx->options->pretty ? JSON_INDENT(4) : JSON_COMPACT)
                         : NULL;
        if (text)
            strbuf_printf(&ctx->output, "%s\n", text);
        free(text);
        json_decref(obj);
    } else {
        strbuf_puts(&ctx->output, strbuf_cstr(xml));
    }
}

/* --pci ADDR: a device of this machine, not a bridge. */
static int guest_xml_pci(struct cli_context *ctx, const struct guest_xml_args *args)
{
    char address[PCI_ADDR_LEN];
    char *error = NULL;
    if (args->queues || args->direct)
        return cli_fail(ctx, "--queues and --direct are for a port or macvtap, not --pci");
    if (pci_resolve(NULL, args->pci, address, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        return -1;
    }
    struct pci_device dev;
    int rc = pci_device_read(NULL, address, NULL, &dev);
    bool bridge = !rc && dev.is_bridge;
    pci_device_free(&dev);
    if (rc)
        return cli_fail(ctx, "cannot read PCI device %s: %s", address, strerror(-rc));
    if (bridge)
        return cli_fail(ctx, "%s is a bridge: a guest is given the devices behind it, not "
                        "the bridge", address);
    struct strbuf xml = STRBUF_INIT;
    if (guest_xml_hostdev_pci(address, &xml, &error)) {
        cli_fail(ctx, "%s", error);
        free(error);
        strbuf_free(&xml);
        return -1;
    }
    put_xml(ctx, address, "hostdev", &xml);
    strbuf_free(&xml);
    return 0;
}

/* "PF/vfN", the name of a VF row (sriov/vf): the VF itself, passed through. */
static bool is_vf_name(const char *name, unsigned *vf)
{
    const char *slash = strrchr(name, '/');
    if (!slash || slash == name || strncmp(slash + 1, "vf", 2) || !slash[3]
        || strspn(slash + 3, "0123456789") != strlen(slash + 3) || strlen(slash + 3) > 4)
        return false;
    *vf = (unsigned)atoi(slash + 3);
    return true;
}

/* <interface type='hostdev'> for a VF: the VF row's MAC and VLAN, the VF's
 * PCI address from its PF's virtfnN link ($PONTOON_SRIOV_ROOT, else /sys). */
static int guest_xml_vf(struct cli_context *ctx, const struct guest_xml_args *args, unsigned vf)
{
    if (args->queues || args->direct)
        return cli_fail(ctx, "--queues and --direct are for a port or macvtap, not a VF");
    const char *name = args->name;
    char pf[64];
    snprintf(pf, sizeof pf, "%.*s", (int)(strrchr(name, '/') - name), name);
    const char *root = getenv("PONTOON_SRIOV_ROOT");
    char pci[PCI_ADDR_LEN];
    if (sriov_vf_address(root ? root : "", pf, vf, pci))
        return cli_fail(ctx, "%s has no VF %u now (see pontoon sriov/show %s)", pf, vf, pf);
    const struct db_row *row = db_find_row(ctx->db, schema_find_table("VF"), name);
    struct guest_iface g = { .attach = GUEST_ATTACH_VF, .tag = -1, .vf_pci = pci };
    if (row) {
        const struct datum *d = db_row_get(row, "mac");
        g.mac = d->n ? d->keys[0].string : NULL;
        d = db_row_get(row, "vlan");
        g.tag = d->n ? d->keys[0].integer : -1;
        d = db_row_get(row, "qos");
        g.vf_qos = d->n ? (unsigned)d->keys[0].integer : 0;
        d = db_row_get(row, "proto");
        g.vf_vlan_proto = d->n ? d->keys[0].string : NULL;
    }
    struct strbuf xml = STRBUF_INIT;
    char *error = NULL;
    int rc = 0;
    if (guest_xml_interface(&g, &xml, &error)) {
        rc = cli_fail(ctx, "%s", error);
        free(error);
    } else {
        put_xml(ctx, name, "hostdev", &xml);
    }
    strbuf_free(&xml);
    return rc;
}

static int cmd_guest_xml(struct cli_context *ctx)
{
    struct guest_xml_args args;
    if (parse_args(ctx, &args))
        return -1;
    if (args.pci)
        return guest_xml_pci(ctx, &args);
    unsigned vf;
    if (is_vf_name(args.name, &vf))
        return guest_xml_vf(ctx, &args, vf);
    struct db_row *port = NULL, *bridge = NULL;
    struct db_row *iface = find_iface(ctx, args.name, &port, &bridge);
    struct db_row *macvtap = find_macvtap(ctx, args.name);
    if (iface && macvtap)
        return cli_fail(ctx, "%s is both a port on bridge %s and a macvtap: rename one",
                        args.name, db_row_get_string(bridge, "name"));
    if (!iface && !macvtap)
        return cli_fail(ctx, "no port or macvtap named %s", args.name);
    if (args.direct && !macvtap)
        return cli_fail(ctx, "--direct is for a macvtap; %s is a port on bridge %s",
                        args.name, db_row_get_string(bridge, "name"));
    const char *kind = macvtap ? db_row_get_map_string(macvtap, "external_ids",
                                                       "pontoon-kind") : NULL;
    if (kind && strcmp(kind, "macvtap"))
        return cli_fail(ctx, "%s is the host's macvlan (macvtap/host-access), not a guest's "
                        "macvtap", args.name);

    struct guest_iface g = { .tag = -1 };
    int64_t *trunks = NULL;
    char *socket_path = NULL;
    int rc = 0;
    if (iface)
        rc = describe_port(ctx, bridge, port, iface, &g, &trunks, &socket_path);
    else
        describe_macvtap(macvtap, args.direct, &g);
    if (!rc && args.queues)
        g.queues = args.queues;

    struct strbuf xml = STRBUF_INIT;
    char *error = NULL;
    if (!rc && guest_xml_interface(&g, &xml, &error)) {
        rc = cli_fail(ctx, "%s", error);
        free(error);
    }
    if (!rc)
        put_xml(ctx, args.name, attach_type(g.attach), &xml);
    strbuf_free(&xml);
    free(trunks);
    free(socket_path);
    return rc;
}

/* The manual page (`pontoon guest/xml --help`), after the line the global
 * --help prints. */
#define GUEST_XML_MANUAL \
    "DESCRIPTION\n" \
    "  Prints the libvirt <interface> element that attaches a guest to PORT (a\n" \
    "  port on a Pontoon bridge) or to MACVTAP (made with macvtap/add): paste it\n" \
    "  into the domain's <devices>, or give it to virsh attach-device.  It only\n" \
    "  reads the database: pontoond need not run, and nothing changes.\n" \
    "\n" \
    "  A system or tap port: <interface type='bridge'> with <source\n" \
    "  bridge='BRIDGE'/>, <virtualport type='openvswitch'/> (with <parameters\n" \
    "  interfaceid=.../> when the Interface has external_ids:iface-id), <target\n" \
    "  dev='PORT'/>, the MAC from external_ids:attached-mac, and the port's VLANs,\n" \
    "  which libvirt's openvswitch plug turns back into the same add-port line:\n" \
    "    tag=N                      <vlan><tag id='N'/></vlan>\n" \
    "    trunks=A,B                 <vlan trunk='yes'><tag id='A'/><tag id='B'/>\n" \
    "    vlan_mode=native-untagged  <vlan trunk='yes'><tag id='N'\n" \
    "      (or native-tagged) tag=N   nativeMode='untagged'/> and the trunks\n" \
    "  A dpdkvhostuser port: <interface type='vhostuser'> with <source\n" \
    "  type='unix' path='RUN_DIR/PORT' mode='client'/>: pontoond's socket is the\n" \
    "  server and QEMU connects to it.  dpdkvhostuserclient: path is\n" \
    "  options:vhost-server-path and mode='server' (QEMU listens).  vhost-user\n" \
    "  needs the guest's memory shared with pontoond: a comment before the\n" \
    "  element says what the domain needs, <memoryBacking><access\n" \
    "  mode='shared'/></memoryBacking>.\n" \
    "  A macvtap: <interface type='ethernet'> with <target dev='MACVTAP'\n" \
    "  managed='no'/> and the macvtap's MAC: libvirt (5.7 and later) opens the\n" \
    "  macvtap pontoond keeps through its /dev/tapN.  type='direct' would make\n" \
    "  libvirt create a second macvtap on the lower device; with --direct that\n" \
    "  is what it prints (<source dev='LOWER' mode='MODE'/>), with a comment to\n" \
    "  remove Pontoon's first: two macvtaps with one MAC on one lower device\n" \
    "  cannot both be up.\n" \
    "  Every kind gets <model type='virtio'/>, and <driver queues='N'/> for a\n" \
    "  multi-queue guest: N from the Interface's options:n_rxq, or --queues.\n" \
    "  An SR-IOV VF, PF/vfN (as sriov/vf names it): <interface type='hostdev'\n" \
    "  managed='yes'> with the VF's PCI address (its PF's virtfnN) in <source>,\n" \
    "  and the MAC and VLAN kept for it with sriov/vf; libvirt binds the VF to\n" \
    "  vfio-pci while the guest runs and sets its MAC and VLAN through the PF\n" \
    "  (a qos or an 802.1ad VLAN, which <vlan> cannot say, is left to pontoond\n" \
    "  and a comment says so).\n" \
    "\n" \
    "OPTIONS\n" \
    "  --queues N          N queue pairs (1-256) for the guest's virtio-net\n" \
    "  --direct            MACVTAP: print type='direct' (see above)\n" \
    "  --virtualport TYPE  check a virtualport type: only openvswitch fits a\n" \
    "                      Pontoon port.  The seed's <virtualport type='KVM'/> is\n" \
    "                      no libvirt type; asking for it is an error saying so.\n" \
    "  --pci ADDR          a whole PCI device of this machine (0000:04:00.0,\n" \
    "                      04:00.0, pci_0000_04_00_0 or a network device's name):\n" \
    "                      <hostdev mode='subsystem' type='pci' managed='yes'>\n" \
    "                      with its <source><address .../></source>; libvirt\n" \
    "                      binds it to vfio-pci while the guest runs (as\n" \
    "                      pontoon pci/detach does; see pci/show for its IOMMU\n" \
    "                      group, which the guest must get whole)\n" \
    "  --format=json       {\"name\": ..., \"type\": \"bridge\", \"vhostuser\",\n" \
    "                      \"ethernet\", \"direct\" or \"hostdev\", \"xml\": the element}\n" \
    "\n" \
    "ERRORS\n" \
    "  No port or macvtap of that name; a bond member, an internal or patch port\n" \
    "  (no guest attaches there); VLAN settings libvirt cannot express\n" \
    "  (vlan_mode=dot1q-tunnel).\n" \
    "\n" \
    "EXAMPLES\n" \
    "  pontoon add-port br0 vnet0 tag=2 && pontoon guest/xml vnet0\n" \
    "  pontoon guest/xml vhu0 --queues 4 > vhu0.xml\n" \
    "  pontoon guest/xml mvtap0\n" \
    "  pontoon guest/xml --pci 0000:04:00.0\n" \
    "  pontoon guest/xml eth1/vf0\n"

const struct cli_command_def guest_commands[] = {
    { "guest/xml", 1, -1, "", COMMAND_READ, cmd_guest_xml,
      "guest/xml PORT|MACVTAP|PF/vfN|--pci ADDR [--queues N] [--direct] [--virtualport TYPE]",
      "print the libvirt <interface> element that attaches a guest to PORT or MACVTAP\n"
      GUEST_XML_MANUAL },
    { NULL, 0, 0, NULL, 0, NULL, NULL, NULL },
};
