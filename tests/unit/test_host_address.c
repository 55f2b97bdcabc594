/* host_address.c's request builders, read back attribute by attribute as
 * the kernel would (ip address add/del, ip route replace default). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "host/host_address.h"

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, size_t header, uint16_t type)
{
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, header)
        if (mnl_attr_get_type(attr) == type)
            return attr;
    return NULL;
}

static void test_add_ipv4_address(void **state)
{
    char buf[256];
    struct host_address_request req = { RTM_NEWADDR, 7, "198.18.5.10/24" };
    size_t len = host_address_build(buf, sizeof buf, 42, &req);
    const struct nlmsghdr *nlh = (const void *)buf;
    assert_int_equal(len, nlh->nlmsg_len);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    assert_int_equal(nlh->nlmsg_seq, 42);
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(ifa->ifa_family, AF_INET);
    assert_int_equal(ifa->ifa_prefixlen, 24);
    assert_int_equal(ifa->ifa_index, 7);
    struct in_addr want;
    inet_pton(AF_INET, "198.18.5.10", &want);
    for (uint16_t type = IFA_ADDRESS; type <= IFA_LOCAL; type++) {
        const struct nlattr *a = find_attr(nlh, sizeof *ifa, type);
        assert_non_null(a);
        assert_int_equal(mnl_attr_get_payload_len(a), 4);
        assert_memory_equal(mnl_attr_get_payload(a), &want, 4);
    }
}

static void test_delete_ipv6_address(void **state)
{
    char buf[256];
    struct host_address_request req = { RTM_DELADDR, 3, "2001:2::5/64" };
    size_t len = host_address_build(buf, sizeof buf, 1, &req);
    const struct nlmsghdr *nlh = (const void *)buf;
    assert_true(len > 0);
    assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(ifa->ifa_family, AF_INET6);
    assert_int_equal(ifa->ifa_prefixlen, 64);
    assert_null(find_attr(nlh, sizeof *ifa, IFA_LOCAL));    /* IPv6: IFA_ADDRESS only */
    const struct nlattr *a = find_attr(nlh, sizeof *ifa, IFA_ADDRESS);
    assert_non_null(a);
    assert_int_equal(mnl_attr_get_payload_len(a), 16);
}

static void test_bad_addresses_build_nothing(void **state)
{
    char buf[256];
    const char *bad[] = { "198.18.5.300/24", "198.18.5.1/33", "198.18.5.1/", "2001:2::/129",
                          "x/24", "198.18.5.1/24x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct host_address_request req = { RTM_NEWADDR, 1, bad[i] };
        assert_int_equal(host_address_build(buf, sizeof buf, 1, &req), 0);
    }
    struct host_address_request ok = { RTM_NEWADDR, 1, "198.18.5.1" };   /* a /32 */
    assert_true(host_address_build(buf, sizeof buf, 1, &ok) > 0);
    assert_int_equal(((const struct ifaddrmsg *)mnl_nlmsg_get_payload((void *)buf))->ifa_prefixlen,
                     32);
    assert_int_equal(host_address_build(buf, 16, 1, &ok), 0);        /* no room */
}

static void test_default_route_replaced_through_device(void **state)
{
    char buf[256];
    struct host_route_request req = { 9, "198.18.5.1" };
    size_t len = host_route_build_default(buf, sizeof buf, 5, &req);
    const struct nlmsghdr *nlh = (const void *)buf;
    assert_int_equal(len, nlh->nlmsg_len);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(rtm->rtm_family, AF_INET);
    assert_int_equal(rtm->rtm_dst_len, 0);
    assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
    assert_int_equal(rtm->rtm_type, RTN_UNICAST);
    assert_int_equal(mnl_attr_get_u32(find_attr(nlh, sizeof *rtm, RTA_OIF)), 9);
    struct in_addr want;
    inet_pton(AF_INET, "198.18.5.1", &want);
    assert_memory_equal(mnl_attr_get_payload(find_attr(nlh, sizeof *rtm, RTA_GATEWAY)), &want, 4);
    struct host_route_request bad = { 9, "2001:2::1" };
    assert_int_equal(host_route_build_default(buf, sizeof buf, 5, &bad), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_ipv4_address),
        cmocka_unit_test(test_delete_ipv6_address),
        cmocka_unit_test(test_bad_addresses_build_nothing),
        cmocka_unit_test(test_default_route_replaced_through_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
