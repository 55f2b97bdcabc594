/* guest/xml's generator: the exact element for every kind of attachment,
 * the VLAN settings as libvirt's openvswitch plug reads them back, and the
 * refusals (dot1q-tunnel, a missing tag, virtualport type='KVM'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "host/guest_xml.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_xml(const struct guest_iface *g, const char *want)
{
    struct strbuf out = STRBUF_INIT;
    char *error = NULL;
    int rc = guest_xml_interface(g, &out, &error);
    if (rc)
        fail_msg("guest_xml_interface: %d %s", rc, error ? error : "");
    assert_null(error);
    assert_string_equal(strbuf_cstr(&out), want);
    strbuf_free(&out);
}

static void expect_refused(const struct guest_iface *g, const char *want_error)
{
    struct strbuf out = STRBUF_INIT;
    strbuf_puts(&out, "kept");
    char *error = NULL;
    assert_int_equal(guest_xml_interface(g, &out, &error), -EINVAL);
    assert_non_null(error);
    assert_string_equal(error, want_error);
    assert_string_equal(strbuf_cstr(&out), "kept");   /* nothing appended */
    free(error);
    strbuf_free(&out);
}

static struct guest_iface bridge_port(void)
{
    return (struct guest_iface){
        .attach = GUEST_ATTACH_BRIDGE, .bridge = "br0", .port = "vnet0", .tag = -1,
    };
}

static void test_bridge_untagged(void **state)
{
    struct guest_iface g = bridge_port();
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

/* libvirt's first captured line: tag=2, the attached MAC and iface-id. */
static void test_bridge_access_vlan(void **state)
{
    struct guest_iface g = bridge_port();
    g.tag = 2;
    g.mac = "52:54:00:12:34:56";
    g.interface_id = "6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11";
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <mac address='52:54:00:12:34:56'/>\n"
        "  <source bridge='br0'/>\n"
        "  <vlan>\n"
        "    <tag id='2'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'>\n"
        "    <parameters interfaceid='6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11'/>\n"
        "  </virtualport>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
    /* vlan_mode=access said outright is the same. */
    g.vlan_mode = "access";
    g.mac = NULL;
    g.interface_id = "not-a-uuid";   /* libvirt's schema wants a UUID: left out */
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <vlan>\n"
        "    <tag id='2'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

/* libvirt's second captured line, read backwards: vlan_mode=native-untagged
 * tag=42 trunks=42,47. */
static void test_bridge_native_untagged_trunk(void **state)
{
    static const int64_t trunks[] = { 42, 47 };
    struct guest_iface g = bridge_port();
    g.port = "vnet1";
    g.tag = 42;
    g.trunks = trunks;
    g.n_trunks = N(trunks);
    g.vlan_mode = "native-untagged";
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <vlan trunk='yes'>\n"
        "    <tag id='42' nativeMode='untagged'/>\n"
        "    <tag id='47'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet1'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

/* The native VLAN need not be among the trunks (OVS trunks it anyway). */
static void test_bridge_native_tagged(void **state)
{
    static const int64_t trunks[] = { 10, 20 };
    struct guest_iface g = bridge_port();
    g.tag = 5;
    g.trunks = trunks;
    g.n_trunks = N(trunks);
    g.vlan_mode = "native-tagged";
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <vlan trunk='yes'>\n"
        "    <tag id='5' nativeMode='tagged'/>\n"
        "    <tag id='10'/>\n"
        "    <tag id='20'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

/* A native VLAN with every other VLAN trunked: libvirt can only list them. */
static void test_bridge_native_all_vlans(void **state)
{
    struct guest_iface g = bridge_port();
    g.tag = 7;
    g.vlan_mode = "native-untagged";
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <!-- the port trunks every VLAN besides the native one; libvirt lists VLANs:\n"
        "       add a <tag id='N'/> for each VLAN the guest needs -->\n"
        "  <vlan trunk='yes'>\n"
        "    <tag id='7' nativeMode='untagged'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

static void test_bridge_trunk_and_queues(void **state)
{
    static const int64_t trunks[] = { 100 };
    struct guest_iface g = bridge_port();
    g.trunks = trunks;
    g.n_trunks = N(trunks);
    g.queues = 4;
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <vlan trunk='yes'>\n"
        "    <tag id='100'/>\n"
        "  </vlan>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "  <driver queues='4'/>\n"
        "</interface>\n");
    /* vlan_mode=trunk with no trunks: every VLAN, libvirt's default. */
    g.n_trunks = 0;
    g.vlan_mode = "trunk";
    g.queues = 1;
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='br0'/>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

static void test_bridge_refusals(void **state)
{
    struct guest_iface g = bridge_port();
    g.tag = 3;
    g.vlan_mode = "dot1q-tunnel";
    expect_refused(&g, "port vnet0: vlan_mode dot1q-tunnel has no libvirt equivalent");
    g.tag = -1;
    g.vlan_mode = "native-untagged";
    expect_refused(&g, "port vnet0: vlan_mode native-untagged needs a tag (0-4095)");
    g.vlan_mode = "access";
    expect_refused(&g, "port vnet0: vlan_mode access needs a tag (0-4095)");
    g.vlan_mode = "sideways";
    expect_refused(&g, "port vnet0: unknown vlan_mode \"sideways\"");
}

/* Names and values are escaped for a single-quoted attribute. */
static void test_escaping(void **state)
{
    struct guest_iface g = bridge_port();
    g.bridge = "b'r&<0>";
    expect_xml(&g,
        "<interface type='bridge'>\n"
        "  <source bridge='b&apos;r&amp;&lt;0&gt;'/>\n"
        "  <virtualport type='openvswitch'/>\n"
        "  <target dev='vnet0'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

static const char shared_memory_comment[] =
    "<!-- vhost-user: pontoond reads and writes the guest's memory, so the domain needs\n"
    "     <memoryBacking><access mode='shared'/></memoryBacking>\n"
    "     (with hugepages, or <source type='memfd'/>) and a NUMA cell for its memory -->\n";

/* Pontoon's dpdkvhostuser socket is the server: QEMU is libvirt's client. */
static void test_vhostuser_server_socket(void **state)
{
    struct guest_iface g = {
        .attach = GUEST_ATTACH_VHOSTUSER, .port = "vhu0", .socket_path = "/run/pontoon/vhu0",
        .switch_is_server = 1, .mac = "52:54:00:00:00:01", .queues = 2,
    };
    struct strbuf want = STRBUF_INIT;
    strbuf_puts(&want, shared_memory_comment);
    strbuf_puts(&want,
        "<interface type='vhostuser'>\n"
        "  <mac address='52:54:00:00:00:01'/>\n"
        "  <source type='unix' path='/run/pontoon/vhu0' mode='client'/>\n"
        "  <model type='virtio'/>\n"
        "  <driver queues='2'/>\n"
        "</interface>\n");
    expect_xml(&g, strbuf_cstr(&want));
    strbuf_free(&want);
}

/* dpdkvhostuserclient: QEMU listens on options:vhost-server-path. */
static void test_vhostuser_client_socket(void **state)
{
    struct guest_iface g = {
        .attach = GUEST_ATTACH_VHOSTUSER, .port = "vhc0", .socket_path = "/tmp/vhc0.sock",
        .switch_is_server = 0,
    };
    struct strbuf want = STRBUF_INIT;
    strbuf_puts(&want, shared_memory_comment);
    strbuf_puts(&want,
        "<interface type='vhostuser'>\n"
        "  <source type='unix' path='/tmp/vhc0.sock' mode='server'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
    expect_xml(&g, strbuf_cstr(&want));
    strbuf_free(&want);
    g.socket_path = "relative.sock";
    expect_refused(&g, "port vhc0: a vhost-user socket needs an absolute path");
}

/* A macvtap pontoond keeps: libvirt opens it as it is. */
static void test_macvtap_unmanaged(void **state)
{
    struct guest_iface g = {
        .attach = GUEST_ATTACH_MACVTAP, .device = "mvtap0", .lower = "eth1",
        .macvtap_mode = "bridge", .mac = "52:54:00:ab:cd:ef",
    };
    expect_xml(&g,
        "<interface type='ethernet'>\n"
        "  <mac address='52:54:00:ab:cd:ef'/>\n"
        "  <target dev='mvtap0' managed='no'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
    g.queues = 3;
    expect_xml(&g,
        "<interface type='ethernet'>\n"
        "  <mac address='52:54:00:ab:cd:ef'/>\n"
        "  <target dev='mvtap0' managed='no'/>\n"
        "  <model type='virtio'/>\n"
        "  <driver queues='3'/>\n"
        "</interface>\n");
}

/* type='direct': libvirt makes the macvtap; the comment says to remove ours. */
static void test_macvtap_direct(void **state)
{
    struct guest_iface g = {
        .attach = GUEST_ATTACH_DIRECT, .device = "mv--0", .lower = "eth1",
        .macvtap_mode = "vepa", .mac = "52:54:00:ab:cd:ef",
    };
    expect_xml(&g,
        "<!-- type='direct': libvirt makes its own macvtap on eth1 when the guest starts;\n"
        "     remove Pontoon's first (pontoon macvtap/del mv- -0): with the same MAC on the same\n"
        "     lower device the second macvtap cannot come up -->\n"
        "<interface type='direct'>\n"
        "  <mac address='52:54:00:ab:cd:ef'/>\n"
        "  <source dev='eth1' mode='vepa'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
    g.device = NULL;   /* no macvtap of ours: no comment */
    g.mac = NULL;
    g.macvtap_mode = "passthru";
    expect_xml(&g,
        "<interface type='direct'>\n"
        "  <source dev='eth1' mode='passthrough'/>\n"
        "  <model type='virtio'/>\n"
        "</interface>\n");
}

static void test_virtualport_types(void **state)
{
    char *error = NULL;
    assert_int_equal(guest_xml_check_virtualport("openvswitch", &error), 0);
    assert_null(error);
    assert_int_equal(guest_xml_check_virtualport("KVM", &error), -EINVAL);
    assert_string_equal(error,
        "<virtualport type='KVM'/> is not a libvirt virtualport type (libvirt knows "
        "802.1Qbg, 802.1Qbh, openvswitch and midonet): a guest on a Pontoon bridge port "
        "uses <virtualport type='openvswitch'/>, which guest/xml prints; a guest on a "
        "macvtap needs no virtualport");
    free(error);
    assert_int_equal(guest_xml_check_virtualport("802.1Qbh", &error), -EINVAL);
    assert_string_equal(error, "<virtualport type='802.1Qbh'/> is for another switch: "
                               "Pontoon ports take <virtualport type='openvswitch'/>");
    free(error);
    assert_int_equal(guest_xml_check_virtualport("ovs", &error), -EINVAL);
    assert_string_equal(error, "unknown virtualport type \"ovs\": Pontoon ports take "
                               "<virtualport type='openvswitch'/>");
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge_untagged),
        cmocka_unit_test(test_bridge_access_vlan),
        cmocka_unit_test(test_bridge_native_untagged_trunk),
        cmocka_unit_test(test_bridge_native_tagged),
        cmocka_unit_test(test_bridge_native_all_vlans),
        cmocka_unit_test(test_bridge_trunk_and_queues),
        cmocka_unit_test(test_bridge_refusals),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_vhostuser_server_socket),
        cmocka_unit_test(test_vhostuser_client_socket),
        cmocka_unit_test(test_macvtap_unmanaged),
        cmocka_unit_test(test_macvtap_direct),
        cmocka_unit_test(test_virtualport_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
