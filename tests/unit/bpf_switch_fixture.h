/* Shared by the kernel switch's unit tests (test_bpf_switch.c, test_bpf_bond.c):
 * a network namespace of their own with two veth pairs whose ends stand for
 * ports, a freshly loaded program per test, frames built and run through it
 * with BPF_PROG_TEST_RUN, and the decision it recorded.  Header-only: each
 * test is one program. */
#ifndef PONTOON_TESTS_BPF_SWITCH_FIXTURE_H
#define PONTOON_TESTS_BPF_SWITCH_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "datapath/bpf_switch.h"
#include "util/rtnl.h"

#define BRIDGE 7
#define N_PORTS 4
#define ACT_OK TC_ACT_OK
/* Up, at a system port's ingress: the daemon's socket has its copy already
 * (or there is no daemon); the host stack does not get the frame. */
#define ACT_UP TC_ACT_SHOT
#define ACT_SHOT TC_ACT_SHOT
#define ACT_REDIRECT TC_ACT_REDIRECT

static int port[N_PORTS];          /* ifindexes of the veth ends standing for ports */

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t BROADCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t LACP_DST[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x02 };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0, 0, 0x01 };

/* ---- a namespace with two veth pairs ---- */

struct veth_names { const char *name, *peer; };

static __attribute__((unused)) size_t build_veth(void *buf, size_t size, uint32_t seq, const void *arg)
{
    const struct veth_names *v = arg;
    struct nlmsghdr *nlh = rtnl_put_link_header(buf, size, RTM_NEWLINK,
                                                NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, 0);
    if (!nlh)
        return 0;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->name);
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    memset(ifi, 0, sizeof *ifi);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nlh->nlmsg_len;
}

static __attribute__((unused)) int make_namespace(void **state)
{
    (void)state;
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
        return -1;
    }
    static const struct veth_names pairs[] = { { "bsw0", "bsw1" }, { "bsw2", "bsw3" } };
    for (size_t i = 0; i < 2; i++) {
        int err = rtnl_ack(build_veth, &pairs[i]);
        if (err) {
            fprintf(stderr, "creating veth %s: %s\n", pairs[i].name, strerror(-err));
            return -1;
        }
    }
    for (int i = 0; i < N_PORTS; i++) {
        char name[IFNAMSIZ];
        snprintf(name, sizeof name, "bsw%d", i);
        port[i] = (int)if_nametoindex(name);
        if (!port[i])
            return -1;
    }
    return 0;
}

/* ---- one switch per test ---- */

static __attribute__((unused)) struct bpf_switch *open_switch(uint32_t fdb_max)
{
    struct bpf_switch_options options = { .fdb_max = fdb_max };
    struct bpf_switch *sw = NULL;
    int err = bpf_switch_open(&options, &sw);
    if (err)
        fail_msg("loading the kernel switch: %s (%s)", strerror(-err), bpf_switch_last_error());
    assert_int_equal(bpf_switch_set_config(sw, 300ull * 1000000000ull,
                                           PBS_CONFIG_RECORD_DECISION), 0);
    return sw;
}

static __attribute__((unused)) int setup(void **state)
{
    *state = open_switch(0);
    return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
    bpf_switch_close(*state);
    return 0;
}

static __attribute__((unused)) struct vlan_policy policy(int64_t tag, const int64_t *trunks, size_t n, const char *mode)
{
    struct vlan_policy p;
    const char *error = NULL;
    if (vlan_policy_build(&p, tag, trunks, n, mode, &error))
        fail_msg("policy: %s", error);
    return p;
}

static __attribute__((unused)) void set_port(struct bpf_switch *sw, int index, struct vlan_policy p)
{
    assert_int_equal(bpf_switch_set_port(sw, port[index], BRIDGE, &p, 0), 0);
}

static __attribute__((unused)) void set_access(struct bpf_switch *sw, int index, int tag)
{
    set_port(sw, index, policy(tag, NULL, 0, NULL));
}

/* A 60-byte IPv4-typed frame, with an inline 802.1Q tag when tci >= 0. */
static __attribute__((unused)) size_t frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src, int tci)
{
    memset(buf, 0, 64);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    size_t off = 12;
    if (tci >= 0) {
        buf[off++] = 0x81;
        buf[off++] = 0x00;
        buf[off++] = (uint8_t)(tci >> 8);
        buf[off++] = (uint8_t)tci;
    }
    buf[off++] = 0x08;
    buf[off++] = 0x00;
    for (size_t i = off; i < 60; i++)
        buf[i] = (uint8_t)i;
    return 60;
}

struct result {
    int verdict;
    struct pbs_decision d;
    uint8_t out[128];
    size_t out_len;
};

static __attribute__((unused)) struct result run(struct bpf_switch *sw, int index, const uint8_t *dst,
                         const uint8_t *src, int tci)
{
    uint8_t buf[64];
    size_t len = frame(buf, dst, src, tci);
    struct result r;
    memset(&r, 0, sizeof r);
    r.out_len = sizeof r.out;
    int err = bpf_switch_test_run(sw, port[index], buf, len, 1, &r.verdict, r.out,
                                  &r.out_len, NULL);
    if (err)
        fail_msg("%s", bpf_switch_last_error());
    err = bpf_switch_decision_take(sw, &r.d);
    if (err && err != -ENOENT)
        fail_msg("%s", bpf_switch_last_error());
    return r;
}

static __attribute__((unused)) void expect(const struct result *r, int verdict, enum pbs_counter reason)
{
    assert_int_equal(r->verdict, verdict);
    assert_int_equal(r->d.verdict, verdict);
    assert_int_equal(r->d.reason, reason);
}

static __attribute__((unused)) void expect_forward(const struct result *r, int out_index, int vlan, int out_tag)
{
    expect(r, ACT_REDIRECT, PBS_FORWARDED);
    assert_int_equal(r->d.out_ifindex, port[out_index]);
    assert_int_equal(r->d.vlan, vlan);
    assert_int_equal(r->d.out_vlan_present, out_tag >= 0);
    if (out_tag >= 0)
        assert_int_equal(r->d.out_vlan_tci, out_tag);
}

/* MAC learning: `mac` is learned behind port `index` by a broadcast from it. */
static __attribute__((unused)) void learn(struct bpf_switch *sw, int index, const uint8_t *mac, int tci)
{
    struct result r = run(sw, index, BROADCAST, mac, tci);
    expect(&r, ACT_UP, PBS_PASS_FLOOD);
}

static __attribute__((unused)) int find_entry(struct bpf_switch *sw, uint16_t vlan, const uint8_t *mac,
                      struct bpf_switch_fdb_entry *found)
{
    struct bpf_switch_fdb_entry entries[64];
    int n = bpf_switch_fdb_dump(sw, entries, 64);
    assert_true(n >= 0);
    for (int i = 0; i < n && i < 64; i++) {
        if (entries[i].bridge_id == BRIDGE && entries[i].vlan == vlan &&
            !memcmp(entries[i].mac, mac, 6)) {
            if (found)
                *found = entries[i];
            return 1;
        }
    }
    return 0;
}

#endif
