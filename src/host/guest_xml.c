/* The libvirt <interface> element for a Pontoon port or macvtap: see
 * guest_xml.h.  Element order is libvirt's own (virDomainNetDefFormat), so
 * that what we print reads like what `virsh dumpxml` shows afterwards. */
#include "host/guest_xml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* An attribute value in single quotes. */
static void put_attr(struct strbuf *out, const char *name, const char *value)
{
    strbuf_printf(out, " %s='", name);
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '&': strbuf_puts(out, "&amp;"); break;
        case '<': strbuf_puts(out, "&lt;"); break;
        case '>': strbuf_puts(out, "&gt;"); break;
        case '\'': strbuf_puts(out, "&apos;"); break;
        case '"': strbuf_puts(out, "&quot;"); break;
        default: strbuf_putc(out, *p);
        }
    }
    strbuf_putc(out, '\'');
}

/* A name inside an XML comment, which may not hold "--". */
static void put_comment_name(struct strbuf *out, const char *name)
{
    for (const char *p = name; *p; p++) {
        strbuf_putc(out, *p);
        if (*p == '-' && p[1] == '-')
            strbuf_putc(out, ' ');
    }
}

static bool is_set(const char *text)
{
    return text && *text;
}

/* libvirt's <parameters interfaceid> must be a UUID (its schema says so). */
static bool is_uuid(const char *text)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(text) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        bool hex = strchr("0123456789abcdefABCDEF", text[i]) && text[i];
        if (shape[i] == '-' ? text[i] != '-' : !hex)
            return false;
    }
    return true;
}

static void put_tag(struct strbuf *out, int64_t id, const char *native_mode)
{
    strbuf_printf(out, "    <tag id='%lld'", (long long)id);
    if (native_mode)
        put_attr(out, "nativeMode", native_mode);
    strbuf_puts(out, "/>\n");
}

/* <vlan> from the Port's tag, trunks and vlan_mode, as libvirt's
 * openvswitch plug turns it back into them (tests/data/compat/clients.md):
 * <tag id='2'/> is tag=2; trunk='yes' with tags is trunks; nativeMode on
 * the native tag is vlan_mode native-tagged/-untagged with tag. */
static int put_vlan(const struct guest_iface *g, struct strbuf *out, char **error)
{
    const char *mode = is_set(g->vlan_mode) ? g->vlan_mode : g->tag >= 0 ? "access" : "trunk";
    const char *native = NULL;
    if (!strcmp(mode, "native-untagged"))
        native = "untagged";
    else if (!strcmp(mode, "native-tagged"))
        native = "tagged";
    else if (!strcmp(mode, "dot1q-tunnel")) {
        *error = xasprintf("port %s: vlan_mode dot1q-tunnel has no libvirt equivalent", g->port);
        return -EINVAL;
    } else if (strcmp(mode, "access") && strcmp(mode, "trunk")) {
        *error = xasprintf("port %s: unknown vlan_mode \"%s\"", g->port, mode);
        return -EINVAL;
    }
    if ((native || !strcmp(mode, "access")) && (g->tag < 0 || g->tag > 4095)) {
        *error = xasprintf("port %s: vlan_mode %s needs a tag (0-4095)", g->port, mode);
        return -EINVAL;
    }
    for (size_t i = 0; i < g->n_trunks; i++)
        if (g->trunks[i] < 0 || g->trunks[i] > 4095) {
            *error = xasprintf("port %s: trunk %lld is not a VLAN (0-4095)", g->port,
                               (long long)g->trunks[i]);
            return -EINVAL;
        }

    if (!strcmp(mode, "access")) {
        strbuf_puts(out, "  <vlan>\n");
        put_tag(out, g->tag, NULL);
        strbuf_puts(out, "  </vlan>\n");
        return 0;
    }
    if (!native && !g->n_trunks)
        return 0;   /* a trunk of every VLAN: libvirt's default, no element */
    if (native && !g->n_trunks)
        strbuf_puts(out, "  <!-- the port trunks every VLAN besides the native one; libvirt "
                         "lists VLANs:\n       add a <tag id='N'/> for each VLAN the guest "
                         "needs -->\n");
    strbuf_puts(out, "  <vlan trunk='yes'>\n");
    if (native)
        put_tag(out, g->tag, native);
    for (size_t i = 0; i < g->n_trunks; i++)
        if (!native || g->trunks[i] != g->tag)
            put_tag(out, g->trunks[i], NULL);
    strbuf_puts(out, "  </vlan>\n");
    return 0;
}

static void put_mac(const struct guest_iface *g, struct strbuf *out)
{
    if (!is_set(g->mac))
        return;
    strbuf_puts(out, "  <mac");
    put_attr(out, "address", g->mac);
    strbuf_puts(out, "/>\n");
}

static void put_model_driver(const struct guest_iface *g, struct strbuf *out)
{
    strbuf_puts(out, "  <model type='virtio'/>\n");
    if (g->queues > 1)
        strbuf_printf(out, "  <driver queues='%u'/>\n", g->queues);
}

static int put_bridge(const struct guest_iface *g, struct strbuf *out, char **error)
{
    if (!is_set(g->bridge) || !is_set(g->port)) {
        *error = xasprintf("a bridge port needs its bridge and port names");
        return -EINVAL;
    }
    strbuf_puts(out, "<interface type='bridge'>\n");
    put_mac(g, out);
    strbuf_puts(out, "  <source");
    put_attr(out, "bridge", g->bridge);
    strbuf_puts(out, "/>\n");
    if (put_vlan(g, out, error))
        return -EINVAL;
    if (is_set(g->interface_id) && is_uuid(g->interface_id)) {
        strbuf_puts(out, "  <virtualport type='openvswitch'>\n    <parameters");
        put_attr(out, "interfaceid", g->interface_id);
        strbuf_puts(out, "/>\n  </virtualport>\n");
    } else {
        strbuf_puts(out, "  <virtualport type='openvswitch'/>\n");
    }
    strbuf_puts(out, "  <target");
    put_attr(out, "dev", g->port);
    strbuf_puts(out, "/>\n");
    put_model_driver(g, out);
    strbuf_puts(out, "</interface>\n");
    return 0;
}

static int put_vhostuser(const struct guest_iface *g, struct strbuf *out, char **error)
{
    if (!is_set(g->socket_path) || g->socket_path[0] != '/') {
        *error = xasprintf("port %s: a vhost-user socket needs an absolute path",
                           g->port ? g->port : "?");
        return -EINVAL;
    }
    strbuf_puts(out, "<!-- vhost-user: pontoond reads and writes the guest's memory, so the "
                     "domain needs\n     <memoryBacking><access mode='shared'/></memoryBacking>"
                     "\n     (with hugepages, or <source type='memfd'/>) and a NUMA cell "
                     "for its memory -->\n");
    strbuf_puts(out, "<interface type='vhostuser'>\n");
    put_mac(g, out);
    /* libvirt's mode is QEMU's side of the socket: Pontoon's server socket
     * (dpdkvhostuser) is one QEMU connects to as a client. */
    strbuf_puts(out, "  <source type='unix'");
    put_attr(out, "path", g->socket_path);
    strbuf_printf(out, " mode='%s'/>\n", g->switch_is_server ? "client" : "server");
    put_model_driver(g, out);
    strbuf_puts(out, "</interface>\n");
    return 0;
}

static int put_macvtap(const struct guest_iface *g, struct strbuf *out, char **error)
{
    if (!is_set(g->device)) {
        *error = xasprintf("a macvtap needs its device name");
        return -EINVAL;
    }
    /* libvirt (5.7 on) opens an existing macvtap's /dev/tapN itself with
     * managed='no' on type='ethernet'; type='direct' would make another. */
    strbuf_puts(out, "<interface type='ethernet'>\n");
    put_mac(g, out);
    strbuf_puts(out, "  <target");
    put_attr(out, "dev", g->device);
    strbuf_puts(out, " managed='no'/>\n");
    put_model_driver(g, out);
    strbuf_puts(out, "</interface>\n");
    return 0;
}

static int put_direct(const struct guest_iface *g, struct strbuf *out, char **error)
{
    if (!is_set(g->lower) || !is_set(g->macvtap_mode)) {
        *error = xasprintf("type='direct' needs the lower device and the macvtap mode");
        return -EINVAL;
    }
    if (is_set(g->device)) {
        strbuf_puts(out, "<!-- type='direct': libvirt makes its own macvtap on ");
        put_comment_name(out, g->lower);
        strbuf_puts(out, " when the guest starts;\n     remove Pontoon's first (pontoon "
                         "macvtap/del ");
        put_comment_name(out, g->device);
        strbuf_puts(out, "): with the same MAC on the same\n     lower device the second "
                         "macvtap cannot come up -->\n");
    }
    strbuf_puts(out, "<interface type='direct'>\n");
    put_mac(g, out);
    strbuf_puts(out, "  <source");
    put_attr(out, "dev", g->lower);
    /* The kernel's and ip's "passthru" is libvirt's "passthrough". */
    put_attr(out, "mode", strcmp(g->macvtap_mode, "passthru") ? g->macvtap_mode : "passthrough");
    strbuf_puts(out, "/>\n");
    put_model_driver(g, out);
    strbuf_puts(out, "</interface>\n");
    return 0;
}

/* An SR-IOV VF passed through: libvirt binds it to vfio-pci when the guest
 * starts (managed) and sets its MAC and VLAN through the PF. */
static int put_vf(const struct guest_iface *g, struct strbuf *out, char **error)
{
    unsigned domain, bus, slot, function;
    int used = 0;
    if (!is_set(g->vf_pci)
        || sscanf(g->vf_pci, "%4x:%2x:%2x.%1x%n", &domain, &bus, &slot, &function, &used) != 4
        || (size_t)used != strlen(g->vf_pci) || slot > 0x1f || function > 7) {
        *error = xasprintf("a VF needs its PCI address (0000:04:10.1), not \"%s\"",
                           g->vf_pci ? g->vf_pci : "");
        return -EINVAL;
    }
    bool ad = g->vf_vlan_proto && !strcmp(g->vf_vlan_proto, "802.1ad");
    bool tagged = g->tag > 0 && g->tag <= 4095;
    if (tagged && ad)
        strbuf_printf(out, "<!-- libvirt's <vlan> is 802.1Q only: the VF's 802.1ad VLAN %lld "
                           "is pontoond's (sriov/vf),\n     so there is no <vlan> here -->\n",
                      (long long)g->tag);
    else if (tagged && g->vf_qos)
        strbuf_printf(out, "<!-- libvirt's <vlan> has no priority: it sets VLAN %lld with qos 0 "
                           "when the guest\n     starts; the VF's qos %u is pontoond's "
                           "(sriov/vf) -->\n", (long long)g->tag, g->vf_qos);
    strbuf_puts(out, "<interface type='hostdev' managed='yes'>\n");
    put_mac(g, out);
    strbuf_printf(out, "  <source>\n    <address type='pci' domain='0x%04x' bus='0x%02x' "
                       "slot='0x%02x' function='0x%x'/>\n  </source>\n",
                  domain, bus, slot, function);
    if (tagged && !ad) {
        strbuf_puts(out, "  <vlan>\n");
        put_tag(out, g->tag, NULL);
        strbuf_puts(out, "  </vlan>\n");
    }
    strbuf_puts(out, "</interface>\n");
    return 0;
}

int guest_xml_interface(const struct guest_iface *iface, struct strbuf *out, char **error)
{
    struct strbuf text = STRBUF_INIT;
    int rc;
    *error = NULL;
    switch (iface->attach) {
    case GUEST_ATTACH_BRIDGE: rc = put_bridge(iface, &text, error); break;
    case GUEST_ATTACH_VHOSTUSER: rc = put_vhostuser(iface, &text, error); break;
    case GUEST_ATTACH_MACVTAP: rc = put_macvtap(iface, &text, error); break;
    case GUEST_ATTACH_DIRECT: rc = put_direct(iface, &text, error); break;
    case GUEST_ATTACH_VF: rc = put_vf(iface, &text, error); break;
    default:
        *error = xasprintf("unknown attachment %d", (int)iface->attach);
        rc = -EINVAL;
    }
    if (!rc)
        strbuf_puts(out, strbuf_cstr(&text));
    strbuf_free(&text);
    return rc;
}

int guest_xml_check_virtualport(const char *type, char **error)
{
    *error = NULL;
    if (!strcmp(type, "openvswitch"))
        return 0;
    if (!strcasecmp(type, "kvm"))
        *error = xasprintf("<virtualport type='%s'/> is not a libvirt virtualport type "
                           "(libvirt knows 802.1Qbg, 802.1Qbh, openvswitch and midonet): "
                           "a guest on a Pontoon bridge port uses <virtualport "
                           "type='openvswitch'/>, which guest/xml prints; a guest on a "
                           "macvtap needs no virtualport", type);
    else if (!strcmp(type, "802.1Qbg") || !strcmp(type, "802.1Qbh") || !strcmp(type, "midonet"))
        *error = xasprintf("<virtualport type='%s'/> is for another switch: Pontoon "
                           "ports take <virtualport type='openvswitch'/>", type);
    else
        *error = xasprintf("unknown virtualport type \"%s\": Pontoon ports take "
                           "<virtualport type='openvswitch'/>", type);
    return -EINVAL;
}

int guest_xml_hostdev_pci(const char *address, struct strbuf *out, char **error)
{
    unsigned domain, bus, slot, function;
    int used = 0;
    *error = NULL;
    if (sscanf(address, "%4x:%2x:%2x.%1x%n", &domain, &bus, &slot, &function, &used) != 4
        || (size_t)used != strlen(address) || slot > 0x1f || function > 7) {
        *error = xasprintf("\"%s\" is not a PCI address (0000:04:00.0)", address);
        return -EINVAL;
    }
    /* libvirt's own formatting (virPCIDeviceAddressFormat): 0x-prefixed,
     * domain 4 digits, bus and slot 2, function 1. */
    strbuf_puts(out, "<hostdev mode='subsystem' type='pci' managed='yes'>\n  <source>\n");
    strbuf_printf(out, "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                       "function='0x%x'/>\n", domain, bus, slot, function);
    strbuf_puts(out, "  </source>\n</hostdev>\n");
    return 0;
}
