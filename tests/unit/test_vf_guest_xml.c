/* guest/xml for an SR-IOV VF (host/guest_xml.c, GUEST_ATTACH_VF): the
 * <interface type='hostdev' managed='yes'> libvirt takes, exactly, and the
 * comments for what its <vlan> cannot say. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host/guest_xml.h"
#include "util/strbuf.h"

static bool starts_with(const char *text, const char *prefix)
{
    return !strncmp(text, prefix, strlen(prefix));
}

static char *xml_of(const struct guest_iface *g, int *rc, char **error)
{
    struct strbuf out = STRBUF_INIT;
    *rc = guest_xml_interface(g, &out, error);
    return strbuf_steal(&out);
}

static void test_vf_with_mac_and_vlan(void **state)
{
    struct guest_iface g = { .attach = GUEST_ATTACH_VF, .mac = "52:54:00:12:34:56", .tag = 10,
                             .vf_pci = "0000:04:10.1" };
    int rc;
    char *error = NULL;
    char *xml = xml_of(&g, &rc, &error);
    assert_int_equal(rc, 0);
    assert_string_equal(xml,
                        "<interface type='hostdev' managed='yes'>\n"
                        "  <mac address='52:54:00:12:34:56'/>\n"
                        "  <source>\n"
                        "    <address type='pci' domain='0x0000' bus='0x04' slot='0x10' "
                        "function='0x1'/>\n"
                        "  </source>\n"
                        "  <vlan>\n"
                        "    <tag id='10'/>\n"
                        "  </vlan>\n"
                        "</interface>\n");
    free(xml);
}

static void test_vf_without_settings_and_odd_addresses(void **state)
{
    struct guest_iface g = { .attach = GUEST_ATTACH_VF, .tag = -1, .vf_pci = "abcd:3b:1f.7" };
    int rc;
    char *error = NULL;
    char *xml = xml_of(&g, &rc, &error);
    assert_int_equal(rc, 0);
    assert_string_equal(xml,
                        "<interface type='hostdev' managed='yes'>\n"
                        "  <source>\n"
                        "    <address type='pci' domain='0xabcd' bus='0x3b' slot='0x1f' "
                        "function='0x7'/>\n"
                        "  </source>\n"
                        "</interface>\n");
    free(xml);
    /* VLAN 0 is no VLAN. */
    g.tag = 0;
    xml = xml_of(&g, &rc, &error);
    assert_null(strstr(xml, "<vlan>"));
    free(xml);
    const char *bad[] = { "", "04:10.1", "0000:04:20.1", "0000:04:10.8", "0000:04:10.1x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g.vf_pci = bad[i];
        xml = xml_of(&g, &rc, &error);
        assert_int_equal(rc, -EINVAL);
        assert_string_equal(xml, "");
        char *want = xasprintf("a VF needs its PCI address (0000:04:10.1), not \"%s\"", bad[i]);
        assert_string_equal(error, want);
        free(want);
        free(error);
        free(xml);
    }
}

static void test_what_vlan_cannot_say(void **state)
{
    struct guest_iface g = { .attach = GUEST_ATTACH_VF, .tag = 100, .vf_qos = 5,
                             .vf_pci = "0000:04:10.2" };
    int rc;
    char *error = NULL;
    char *xml = xml_of(&g, &rc, &error);
    assert_true(starts_with(xml, "<!-- libvirt's <vlan> has no priority: it sets VLAN 100 with "
                                 "qos 0 when the guest\n     starts; the VF's qos 5 is "
                                 "pontoond's (sriov/vf) -->\n<interface type='hostdev' "
                                 "managed='yes'>\n"));
    assert_non_null(strstr(xml, "    <tag id='100'/>\n"));
    free(xml);
    g.vf_vlan_proto = "802.1ad";
    xml = xml_of(&g, &rc, &error);
    assert_true(starts_with(xml, "<!-- libvirt's <vlan> is 802.1Q only: the VF's 802.1ad VLAN "
                                 "100 is pontoond's (sriov/vf),\n     so there is no <vlan> "
                                 "here -->\n"));
    assert_null(strstr(xml, "  <vlan>\n"));
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vf_with_mac_and_vlan),
        cmocka_unit_test(test_vf_without_settings_and_odd_addresses),
        cmocka_unit_test(test_what_vlan_cannot_say),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
