/* VXLAN/Geneve headers and tunnel options: exact bytes, malformed headers
 * refused, Geneve options skipped, VNIs and option errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netdev/tunnel_options.h"
#include "packet/tunnel_header.h"

static const uint8_t inner[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0x02, 0, 0, 0, 0, 1, 0x08, 0x06 };

static size_t with_inner(uint8_t *buf, const uint8_t *hdr, size_t hdr_len)
{
    memcpy(buf, hdr, hdr_len);
    memcpy(buf + hdr_len, inner, sizeof inner);
    return hdr_len + sizeof inner;
}

static void vxlan_header_bytes(void **state)
{
    uint8_t hdr[8];
    tunnel_header_write(TUNNEL_VXLAN, 0x123456, hdr);
    const uint8_t want[8] = { 0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0 };
    assert_memory_equal(hdr, want, 8);
    tunnel_header_write(TUNNEL_VXLAN, 0xff000001, hdr);   /* only 24 bits */
    assert_int_equal(hdr[4] << 16 | hdr[5] << 8 | hdr[6], 1);
}

static void geneve_header_bytes(void **state)
{
    uint8_t hdr[8];
    tunnel_header_write(TUNNEL_GENEVE, 100, hdr);
    const uint8_t want[8] = { 0, 0, 0x65, 0x58, 0, 0, 100, 0 };
    assert_memory_equal(hdr, want, 8);
}

static void vxlan_parse(void **state)
{
    uint8_t buf[64], hdr[8];
    struct tunnel_rx rx;
    tunnel_header_write(TUNNEL_VXLAN, 4242, hdr);
    size_t len = with_inner(buf, hdr, 8);
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, len, &rx), 0);
    assert_int_equal(rx.vni, 4242);
    assert_int_equal(rx.header_len, 8);
    /* Reserved bits are ignored (RFC 7348). */
    buf[1] = 0xff;
    buf[7] = 0xff;
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, len, &rx), 0);
    /* No I flag: refused. */
    buf[0] = 0;
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, len, &rx), -EINVAL);
    /* Truncated header, or no room for an Ethernet header behind it. */
    buf[0] = VXLAN_FLAG_VNI;
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, 7, &rx), -EINVAL);
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, 8 + 13, &rx), -EINVAL);
}

static void geneve_parse_skips_options(void **state)
{
    /* Two 4-byte words of options, one critical option bit set. */
    const uint8_t hdr[16] = { 0x02, GENEVE_FLAG_CRITICAL, 0x65, 0x58, 0, 0x01, 0x02, 0,
                              0x01, 0x02, 0x80, 0x01, 0xaa, 0xbb, 0xcc, 0xdd };
    uint8_t buf[64];
    struct tunnel_rx rx;
    size_t len = with_inner(buf, hdr, sizeof hdr);
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), 0);
    assert_int_equal(rx.vni, 0x102);
    assert_int_equal(rx.header_len, 16);
    assert_int_equal(rx.options_len, 8);
    assert_ptr_equal(rx.options, buf + 8);
    assert_memory_equal(rx.options, hdr + 8, 8);
    assert_int_equal(rx.flags, GENEVE_FLAG_CRITICAL);
    assert_memory_equal(buf + rx.header_len, inner, sizeof inner);
    /* Parsed, but a critical option this endpoint cannot interpret: dropped. */
    assert_false(tunnel_rx_deliverable(&rx));
    /* Options longer than what arrived. */
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, 16 + 10, &rx), -EINVAL);
    buf[0] = 0x3f;
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), -EINVAL);
    /* Version 1, or a protocol other than Ethernet: refused. */
    buf[0] = 0x42;
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), -EINVAL);
    buf[0] = 0x02;
    buf[2] = 0x08;
    buf[3] = 0x00;
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), -EINVAL);
}

static void geneve_deliverable_unless_control_or_critical(void **state)
{
    /* One non-critical option (type 0x01): ignored, the frame delivered. */
    uint8_t hdr[16] = { 0x02, 0, 0x65, 0x58, 0, 0, 0x07, 0,
                        0xff, 0xff, 0x01, 0x01, 0xa1, 0xb2, 0xc3, 0xd4 };
    uint8_t buf[64];
    struct tunnel_rx rx;
    size_t len = with_inner(buf, hdr, sizeof hdr);
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), 0);
    assert_true(tunnel_rx_deliverable(&rx));
    buf[1] = GENEVE_FLAG_OAM;
    assert_int_equal(tunnel_header_parse(TUNNEL_GENEVE, buf, len, &rx), 0);
    assert_false(tunnel_rx_deliverable(&rx));
    /* VXLAN's reserved bits never stop a frame. */
    uint8_t vx[8] = { VXLAN_FLAG_VNI | 0x40, 0xff, 0xff, 0xff, 0, 0, 0x07, 0xff };
    len = with_inner(buf, vx, sizeof vx);
    assert_int_equal(tunnel_header_parse(TUNNEL_VXLAN, buf, len, &rx), 0);
    assert_true(tunnel_rx_deliverable(&rx));
}

static int parse(const char *type, const char *const *kv, size_t n, struct tunnel_config *c,
                 char **error)
{
    const char *keys[8], *values[8];
    for (size_t i = 0; i < n; i++) {
        keys[i] = kv[2 * i];
        values[i] = kv[2 * i + 1];
    }
    return tunnel_options_parse(type, keys, values, n, c, error);
}

static void options_defaults_and_keys(void **state)
{
    struct tunnel_config c;
    char *error;
    const char *vx[] = { "remote_ip", "198.18.0.2", "key", "100" };
    assert_int_equal(parse("vxlan", vx, 2, &c, &error), 0);
    assert_null(error);
    assert_int_equal(c.kind, TUNNEL_VXLAN);
    assert_int_equal(c.remote.family, AF_INET);
    assert_int_equal(c.local.family, 0);
    assert_int_equal(c.in_key, 100);
    assert_int_equal(c.out_key, 100);
    assert_int_equal(c.dst_port, 4789);
    assert_true(c.df);
    assert_false(c.csum);

    const char *gen[] = { "remote_ip", "2001:db8::2", "in_key", "0x10", "out_key", "16777215",
                          "dst_port", "7000", "ttl", "9", "csum", "true", "df_default", "false" };
    assert_int_equal(parse("geneve", gen, 7, &c, &error), 0);
    assert_int_equal(c.kind, TUNNEL_GENEVE);
    assert_int_equal(c.remote.family, AF_INET6);
    assert_int_equal(c.in_key, 16);
    assert_int_equal(c.out_key, 0xffffff);
    assert_int_equal(c.dst_port, 7000);
    assert_int_equal(c.ttl, 9);
    assert_true(c.csum);
    assert_false(c.df);

    const char *gdefault[] = { "remote_ip", "198.18.0.2" };
    assert_int_equal(parse("geneve", gdefault, 1, &c, &error), 0);
    assert_int_equal(c.dst_port, 6081);
    assert_int_equal(c.in_key, 0);
}

static void expect_error(const char *type, const char *const *kv, size_t n, const char *part)
{
    struct tunnel_config c;
    char *error = NULL;
    assert_int_equal(parse(type, kv, n, &c, &error), -EINVAL);
    assert_non_null(error);
    if (!strstr(error, part))
        fail_msg("\"%s\" lacks \"%s\"", error, part);
    free(error);
}

static void options_errors(void **state)
{
    const char *none[] = { "key", "1" };
    expect_error("vxlan", none, 1, "needs options:remote_ip");
    const char *big[] = { "remote_ip", "198.18.0.2", "key", "16777216" };
    expect_error("vxlan", big, 2, "options:key=16777216: a vxlan VNI is a number from 0 to 16777215");
    const char *abc[] = { "remote_ip", "198.18.0.2", "key", "abc" };
    expect_error("vxlan", abc, 2, "options:key=abc");
    const char *neg[] = { "remote_ip", "198.18.0.2", "in_key", "-1" };
    expect_error("vxlan", neg, 2, "options:in_key=-1");
    const char *flow_key[] = { "remote_ip", "198.18.0.2", "key", "flow" };
    expect_error("vxlan", flow_key, 2, "OpenFlow-based tunnels");
    const char *flow_ip[] = { "remote_ip", "flow" };
    expect_error("geneve", flow_ip, 1, "options:remote_ip=flow: OpenFlow-based");
    const char *bad_ip[] = { "remote_ip", "198.18.0.256" };
    expect_error("vxlan", bad_ip, 1, "not an IPv4 or IPv6 address");
    const char *mixed[] = { "remote_ip", "198.18.0.2", "local_ip", "2001:db8::1" };
    expect_error("vxlan", mixed, 2, "same address family");
    const char *port[] = { "remote_ip", "198.18.0.2", "dst_port", "0" };
    expect_error("vxlan", port, 2, "options:dst_port=0");
    const char *inherit[] = { "remote_ip", "198.18.0.2", "tos", "inherit" };
    expect_error("vxlan", inherit, 2, "\"inherit\" is not supported");
    const char *unknown[] = { "remote_ip", "198.18.0.2", "exts", "gbp" };
    expect_error("vxlan", unknown, 2, "options:exts: not an option of vxlan tunnels");
    const char *boolean[] = { "remote_ip", "198.18.0.2", "csum", "yes" };
    expect_error("vxlan", boolean, 2, "options:csum=yes: true or false");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vxlan_header_bytes),
        cmocka_unit_test(geneve_header_bytes),
        cmocka_unit_test(vxlan_parse),
        cmocka_unit_test(geneve_parse_skips_options),
        cmocka_unit_test(geneve_deliverable_unless_control_or_critical),
        cmocka_unit_test(options_defaults_and_keys),
        cmocka_unit_test(options_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
