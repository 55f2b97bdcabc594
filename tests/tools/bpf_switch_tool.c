/* Drives the kernel switch (src/datapath/bpf_switch.c) for the integration
 * test, with no daemon and no userspace datapath:
 *   bpf_switch_tool up PIN_DIR VLAN IFNAME=MAC...   load, pin, make each
 *       IFNAME an access port of VLAN, seed MAC behind it, attach
 *   bpf_switch_tool counters PIN_DIR IFNAME         one line of counters
 *   bpf_switch_tool fdb PIN_DIR                     the MAC table
 *   bpf_switch_tool down PIN_DIR IFNAME...          detach, unpin
 *   bpf_switch_tool hooks IFNAME                    programs on its tcx hooks, one
 *       "ingress|egress NAME id ID" line each (tc filter show lists clsact's)
 * Every run opens the pinned maps again, as a restarted daemon would. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datapath/bpf_switch.h"

#define BRIDGE_ID 1

static int usage(void)
{
    fprintf(stderr, "usage: bpf_switch_tool up PIN_DIR VLAN IFNAME=MAC...\n"
                    "       bpf_switch_tool counters PIN_DIR IFNAME\n"
                    "       bpf_switch_tool fdb PIN_DIR\n"
                    "       bpf_switch_tool down PIN_DIR IFNAME...\n"
                    "       bpf_switch_tool hooks IFNAME\n");
    return 2;
}

static int fail(const char *what, int err)
{
    fprintf(stderr, "bpf_switch_tool: %s: %s\n%s\n", what, strerror(-err),
            bpf_switch_last_error());
    return 1;
}

static int ifindex_of(const char *name)
{
    int ifindex = (int)if_nametoindex(name);
    if (!ifindex)
        fprintf(stderr, "bpf_switch_tool: no device %s\n", name);
    return ifindex;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
    unsigned b[6];
    if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);   /* bpf_ktime_get_ns()'s clock */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmd_up(struct bpf_switch *sw, int argc, char **argv)
{
    if (argc < 2)
        return usage();
    int vlan = atoi(argv[0]);
    struct vlan_policy policy;
    const char *error = NULL;
    if (vlan_policy_build(&policy, vlan, NULL, 0, NULL, &error)) {
        fprintf(stderr, "bpf_switch_tool: %s\n", error);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char name[IF_NAMESIZE + 1];
        const char *eq = strchr(argv[i], '=');
        struct bpf_switch_fdb_entry entry = { .bridge_id = BRIDGE_ID, .vlan = (uint16_t)vlan };
        if (!eq || (size_t)(eq - argv[i]) >= sizeof name || parse_mac(eq + 1, entry.mac))
            return usage();
        memcpy(name, argv[i], (size_t)(eq - argv[i]));
        name[eq - argv[i]] = '\0';
        int ifindex = ifindex_of(name);
        if (!ifindex)
            return 1;
        int err = bpf_switch_set_port(sw, ifindex, BRIDGE_ID, &policy, 0);
        if (err)
            return fail("set port", err);
        entry.ifindex = (uint32_t)ifindex;
        entry.seen_ns = monotonic_ns();
        if ((err = bpf_switch_fdb_set(sw, &entry)))
            return fail("seed the MAC table", err);
        if ((err = bpf_switch_attach(sw, ifindex, 0)))
            return fail("attach", err);
    }
    return 0;
}

static int cmd_counters(struct bpf_switch *sw, int argc, char **argv)
{
    if (argc != 1)
        return usage();
    int ifindex = ifindex_of(argv[0]);
    if (!ifindex)
        return 1;
    struct pbs_counters c;
    int err = bpf_switch_port_counters(sw, ifindex, &c);
    if (err)
        return fail("counters", err);
    printf("rx %llu forwarded %llu passed_up %llu dropped %llu\n",
           (unsigned long long)c.n[PBS_RX], (unsigned long long)c.n[PBS_FORWARDED],
           (unsigned long long)c.n[PBS_PASSED_UP], (unsigned long long)c.n[PBS_DROPPED]);
    return 0;
}

static int cmd_fdb(struct bpf_switch *sw, int argc, char **argv)
{
    (void)argv;
    if (argc != 0)
        return usage();
    struct bpf_switch_fdb_entry entries[256];
    int n = bpf_switch_fdb_dump(sw, entries, 256);
    if (n < 0)
        return fail("fdb", n);
    for (int i = 0; i < n && i < 256; i++) {
        const uint8_t *m = entries[i].mac;
        printf("%u %u %02x:%02x:%02x:%02x:%02x:%02x %u\n", entries[i].bridge_id,
               entries[i].vlan, m[0], m[1], m[2], m[3], m[4], m[5], entries[i].ifindex);
    }
    return 0;
}

static int cmd_down(struct bpf_switch *sw, int argc, char **argv)
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        int ifindex = (int)if_nametoindex(argv[i]);
        int err = ifindex ? bpf_switch_detach(sw, ifindex, 0) : 0;
        if (err && err != -ENOENT)
            status = fail("detach", err);
    }
    int err = bpf_switch_unpin(sw);
    return err ? fail("unpin", err) : status;
}

/* No switch to open: what is on a device's tcx hooks, whoever put it there. */
static int cmd_hooks(const char *ifname)
{
    int ifindex = ifindex_of(ifname);
    if (!ifindex)
        return 1;
    for (uint8_t flags = 0; flags <= PBS_PORT_HOOK_EGRESS; flags++) {
        char names[64][16];
        uint32_t ids[64];
        int n = bpf_switch_tcx_programs(ifindex, flags, names, ids, 64);
        if (n == -EINVAL)
            return 0;                    /* no tcx in this kernel: nothing there */
        if (n < 0)
            return fail("query", n);
        for (int i = 0; i < n; i++)
            printf("%s %s id %u\n", flags ? "egress" : "ingress", names[i], ids[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "hooks"))
        return cmd_hooks(argv[2]);
    static const struct {
        const char *name;
        int (*run)(struct bpf_switch *sw, int argc, char **argv);
    } commands[] = {
        { "up", cmd_up }, { "counters", cmd_counters }, { "fdb", cmd_fdb }, { "down", cmd_down },
    };
    if (argc < 3)
        return usage();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        struct bpf_switch_options options = { .pin_dir = argv[2] };
        struct bpf_switch *sw;
        int err = bpf_switch_open(&options, &sw);
        if (err)
            return fail("load", err);
        int status = commands[i].run(sw, argc - 3, argv + 3);
        bpf_switch_close(sw);
        return status;
    }
    return usage();
}
