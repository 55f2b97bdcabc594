/* The sriov/ commands in-process (cli/sriov_commands.c) on a copy of the
 * fixture tree tests/data/sriov/host (as this host's sysfs through
 * PONTOON_SRIOV_ROOT, or a captured tree through --root): per-command
 * --help, sriov/show's text and JSON, sriov/set and sriov/vf stored as one
 * transaction, and every refusal with its exact message leaving the
 * database as it was.  No daemon runs: stored changes wait for one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>

#include "cli/sriov_output.h"
#include "cli_run.h"
#include "host/nic_files.h"
#include "host/vf_netlink.h"

static char tree[160];
static char fixture[512];

static int setup(void **state)
{
    const char *slash = strrchr(__FILE__, '/');
    snprintf(fixture, sizeof fixture, "%.*s/../data/sriov/host",
             (int)(slash ? slash - __FILE__ : 0), __FILE__);
    if (cli_dir_make("/tmp/pontoon-cli-sriov-XXXXXX"))
        return -1;
    snprintf(tree, sizeof tree, "%s/tree", dir);
    char *cmd = xasprintf("cp -a '%s' '%s'", fixture, tree);
    int rc = system(cmd);
    free(cmd);
    if (rc)
        return -1;
    setenv("PONTOON_SRIOV_ROOT", tree, 1);
    return run("add-br br0");
}

static int teardown(void **state)
{
    cli_dir_remove();
    unsetenv("PONTOON_SRIOV_ROOT");
    return 0;
}

static char *numvfs(const char *root, const char *address)
{
    return nic_read_file(root, "/sys/bus/pci/devices/%s/sriov_numvfs", address);
}

/* The command fails with exactly `message` and changes nothing. */
static void refused(const char *line, const char *message)
{
    char *before = dump_db(db_path);
    char *eth1 = numvfs(tree, "0000:04:00.0");
    assert_int_equal(run(line), 1);
    char *want = xasprintf("pontoon: %s\n", message);
    if (strcmp(err_text, want))
        fail_msg("%s:\n  got  %s  want %s", line, err_text, want);
    free(want);
    char *after = dump_db(db_path);
    assert_string_equal(before, after);
    char *eth1_after = numvfs(tree, "0000:04:00.0");
    assert_string_equal(eth1, eth1_after);
    free(before);
    free(after);
    free(eth1);
    free(eth1_after);
}

static void test_command_help_is_a_manual_page(void **state)
{
    const char *commands[] = { "sriov/set", "sriov/vf", "sriov/show" };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(runf("%s --help", commands[i]), 0);
        char *name = xasprintf("NAME\n  %s - ", commands[i]);
        assert_true(!strncmp(out_text, name, strlen(name)));
        free(name);
        assert_non_null(strstr(out_text, "\nSYNOPSIS\n  pontoon [OPTIONS] sriov/"));
        assert_non_null(strstr(out_text, "\nDESCRIPTION\n"));
        assert_non_null(strstr(out_text, "\nEXAMPLES\n"));
        assert_string_equal(err_text, "");
        /* A manual page fits 80 columns. */
        for (const char *line = out_text; *line;) {
            size_t len = strcspn(line, "\n");
            if (len > 79)
                fail_msg("%s --help: line over 79 columns: %.*s", commands[i], (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
    /* sriov_numvfs replaced the max_vfs module parameter: the manual says so. */
    assert_int_equal(run("sriov/set --help"), 0);
    assert_non_null(strstr(out_text, "modprobe igb\n  max_vfs=7"));
    assert_non_null(strstr(out_text, "/etc/modprobe.d/igb.conf"));
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out_text, "SR-IOV commands"));
    assert_non_null(strstr(out_text, "sriov/set PF num_vfs=N"));
}

static const char fixture_eth1[] =
    "eth1: igb 0000:04:00.0, 7 of 7 VFs\n"
    "    vf 0     pci 0000:04:10.0, igbvf, enp4s16\n"
    "    vf 1     pci 0000:04:10.2, igbvf, enp4s16f2\n"
    "    vf 2     pci 0000:04:10.4, igbvf, enp4s16f4\n"
    "    vf 3     pci 0000:04:10.6, igbvf, enp4s16f6\n"
    "    vf 4     pci 0000:04:11.0, igbvf, enp4s17\n"
    "    vf 5     pci 0000:04:11.2, igbvf, enp4s17f2\n"
    "    vf 6     pci 0000:04:11.4, igbvf, enp4s17f4\n";

static void test_show_fixture(void **state)
{
    assert_int_equal(runf("sriov/show eth1 --root %s", fixture), 0);
    assert_string_equal(out_text, fixture_eth1);
    /* Every PF of the tree, in address order. */
    assert_int_equal(runf("sriov/show --root %s", fixture), 0);
    assert_true(!strncmp(out_text, fixture_eth1, strlen(fixture_eth1)));
    assert_non_null(strstr(out_text, "\neth2: igb 0000:04:00.1, 2 of 7 VFs\n"
                                     "    vf 0     pci 0000:04:10.1, igbvf, enp4s16f1\n"));
    assert_non_null(strstr(out_text, "\neth3: ixgbe 0000:05:00.0, 4 of 63 VFs\n"
                                     "    vf 0     pci 0000:05:10.0, vfio-pci\n"));
    assert_non_null(strstr(out_text, "\n0000:06:00.0: no driver, 0 of 7 VFs\n"));
    assert_non_null(strstr(out_text, "\nenp59s0f0np0: mlx5_core 0000:3b:00.0, 0 of 8 VFs\n"));
    assert_null(strstr(out_text, "eno1"));
    /* The same as JSON. */
    assert_int_equal(runf("sriov/show eth1 --root %s --format=json", fixture), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    json_t *pf = json_array_get(json_object_get(doc, "pfs"), 0);
    assert_string_equal(json_string_value(json_object_get(pf, "pci")), "0000:04:00.0");
    assert_string_equal(json_string_value(json_object_get(pf, "driver")), "igb");
    assert_int_equal(json_integer_value(json_object_get(pf, "total_vfs")), 7);
    assert_int_equal(json_integer_value(json_object_get(pf, "num_vfs")), 7);
    assert_true(json_is_null(json_object_get(pf, "kept_num_vfs")));
    json_t *vf1 = json_array_get(json_object_get(pf, "vfs"), 1);
    assert_string_equal(json_string_value(json_object_get(vf1, "pci")), "0000:04:10.2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(vf1, "netdevs"), 0)),
                        "enp4s16f2");
    assert_true(json_is_null(json_object_get(vf1, "link")));   /* a tree has no netlink */
    json_decref(doc);
    /* A device without SR-IOV is shown as such; an unknown one is an error. */
    assert_int_equal(runf("sriov/show eno1 --root %s", fixture), 0);
    assert_string_equal(out_text, "eno1: e1000e 0000:00:1f.6, not SR-IOV capable\n");
    assert_int_equal(runf("sriov/show eth9 --root %s", fixture), 1);
    assert_string_equal(err_text, "pontoon: no network device or PCI device named eth9\n");
}

static void test_set_on_a_captured_tree_writes_at_once(void **state)
{
    char *before = dump_db(db_path);
    assert_int_equal(runf("sriov/set eth1 num_vfs=3 --root %s", tree), 0);
    char *want = xasprintf("eth1 (igb 0000:04:00.0): num_vfs 7 -> 3\n"
                           "  wrote 0 to %s/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs\n"
                           "  wrote 3 to %s/sys/bus/pci/devices/0000:04:00.0/sriov_numvfs\n",
                           tree, tree);
    assert_string_equal(out_text, want);
    free(want);
    char *now = numvfs(tree, "0000:04:00.0");
    assert_string_equal(now, "3");
    free(now);
    /* 0 -> N needs no detour; nothing is stored for a captured tree. */
    assert_int_equal(runf("sriov/set enp59s0f0np0 num_vfs=8 --root %s --format=json", tree), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out_text, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "writes")), 1);
    assert_true(json_is_true(json_object_get(doc, "written")));
    json_decref(doc);
    char *after = dump_db(db_path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* --dry-run writes nothing. */
    assert_int_equal(runf("sriov/set eth1 num_vfs=7 --root %s --dry-run", tree), 0);
    assert_non_null(strstr(out_text, "  write 7 to "));
    now = numvfs(tree, "0000:04:00.0");
    assert_string_equal(now, "3");
    free(now);
}

static void test_set_stores_the_count(void **state)
{
    assert_int_equal(run("--no-wait sriov/set 04:00.0 num_vfs=5"), 0);
    assert_int_equal(run("get NIC eth1 sriov_num_vfs"), 0);
    assert_string_equal(out_text, "5\n");
    /* Stored, not written: pontoond writes it. */
    char *now = numvfs(tree, "0000:04:00.0");
    assert_string_equal(now, "7");
    free(now);
    assert_int_equal(run("sriov/show eth1"), 0);
    const char *head = "eth1: igb 0000:04:00.0, 7 of 7 VFs; kept: num_vfs=5 (not applied yet)\n";
    assert_true(!strncmp(out_text, head, strlen(head)));
    /* Once more with the same count: the same row. */
    assert_int_equal(run("--no-wait sriov/set eth1 num_vfs=5"), 0);
    assert_int_equal(run("--columns=name list NIC"), 0);
    assert_string_equal(out_text, "name                : eth1\n");
}

static void test_set_refusals(void **state)
{
    refused("sriov/set eth1 num_vfs=8", "eth1 (igb 0000:04:00.0) supports at most 7 VFs");
    refused("sriov/set eno1 num_vfs=2",
            "eno1 (e1000e 0000:00:1f.6) is not SR-IOV capable (no sriov_totalvfs)");
    refused("sriov/set enp4s16 num_vfs=1",
            "enp4s16 (igbvf 0000:04:10.0) is itself a VF (of 0000:04:00.0): only a PF has VFs");
    refused("sriov/set 0000:06:00.0 num_vfs=2",
            "0000:06:00.0 has no driver bound: its VFs are made by the PF's driver, bind it "
            "first (echo 0000:06:00.0 > /sys/bus/pci/drivers/DRIVER/bind)");
    refused("sriov/set eth3 num_vfs=8",
            "eth3 (ixgbe 0000:05:00.0): cannot change 4 VFs to 8, VFs are in use: VF 0 "
            "(0000:05:10.0) is bound to vfio-pci (passed through to a guest); VF 1 "
            "(0000:05:10.2) is bound to vfio-pci (passed through to a guest)");
    refused("sriov/set veth0 num_vfs=1", "veth0 is not SR-IOV capable: not a PCI device");
    refused("sriov/set eth9 num_vfs=1", "no network device or PCI device named eth9");
    refused("sriov/set eth1 num_vfs=x", "\"num_vfs=x\": sriov/set takes num_vfs=N, N from 0 to "
            "4096 (the old max_vfs module parameter is not used)");
    refused("sriov/set eth1 max_vfs=7", "\"max_vfs=7\": sriov/set takes num_vfs=N, N from 0 to "
            "4096 (the old max_vfs module parameter is not used)");
    refused("sriov/set eth1", "'sriov/set' needs a PF and num_vfs=N (see sriov/set --help)");
    refused("sriov/set eth1 num_vfs=2 --force", "'sriov/set' has no option '--force' (see "
            "sriov/set --help)");
    /* A VF's netdev on a bridge, another under a macvtap: both named. */
    assert_int_equal(run("--no-wait add-port br0 enp4s16f2"), 0);
    /* (macvtap/add wants the lower device on this machine: the row as it makes it.) */
    assert_int_equal(run("--no-wait create Macvtap name=ptmvt0 lower=enp4s17f4 mode=bridge"), 0);
    refused("sriov/set eth1 num_vfs=3",
            "eth1 (igb 0000:04:00.0): cannot change 7 VFs to 3, VFs are in use: VF 1 "
            "(0000:04:10.2, enp4s16f2) is a port of bridge br0; VF 6 (0000:04:11.4, enp4s17f4) "
            "is the lower device of macvtap ptmvt0");
    /* One transaction: with a failing command in the chain nothing is stored. */
    refused("--no-wait sriov/set enp59s0f0np0 num_vfs=2 -- sriov/set eth1 num_vfs=9",
            "eth1 (igb 0000:04:00.0) supports at most 7 VFs");
}

static void test_vf_stores_settings(void **state)
{
    assert_int_equal(run("--no-wait sriov/vf eth1 0 mac=52:54:00:AB:CD:EF vlan=10 qos=3 "
                         "proto=802.1ad spoofchk=on trust=off link-state=enable min-rate=10 "
                         "max-rate=100"), 0);
    assert_string_equal(err_text, "");
    assert_int_equal(run("--columns=name,pf,vf,mac,vlan,qos,proto,spoofchk,trust,link_state,"
                         "min_rate,max_rate list VF"), 0);
    assert_string_equal(out_text,
                        "name                : \"eth1/vf0\"\n"
                        "pf                  : eth1\n"
                        "vf                  : 0\n"
                        "mac                 : \"52:54:00:ab:cd:ef\"\n"
                        "vlan                : 10\n"
                        "qos                 : 3\n"
                        "proto               : \"802.1ad\"\n"
                        "spoofchk            : true\n"
                        "trust               : false\n"
                        "link_state          : enable\n"
                        "min_rate            : 10\n"
                        "max_rate            : 100\n");
    /* Settings not given stay; KEY= stops keeping one. */
    assert_int_equal(run("--no-wait sriov/vf eth1 0 trust=on proto= min-rate="), 0);
    assert_int_equal(run("--columns=trust,proto,min_rate,vlan list VF"), 0);
    assert_string_equal(out_text, "trust               : true\nproto               : []\n"
                                  "min_rate            : []\nvlan                : 10\n");
    /* sriov/show lists what is kept. */
    assert_int_equal(run("sriov/show eth1"), 0);
    assert_non_null(strstr(out_text, "    vf 0     pci 0000:04:10.0, igbvf, enp4s16\n"
                                     "             kept: mac=52:54:00:ab:cd:ef vlan=10 qos=3 "
                                     "spoofchk=on trust=on link-state=enable max-rate=100 (not "
                                     "applied yet)\n"));
    /* A VF of a device that is no PCI PF: the kernel will decide. */
    assert_int_equal(run("--no-wait sriov/vf lo 2 trust=on"), 0);
    assert_int_equal(run("get VF lo/vf2 pf"), 0);
    assert_string_equal(out_text, "lo\n");
}

static void test_vf_refusals(void **state)
{
    refused("sriov/vf eth9 0 trust=on", "no network device named eth9");
    refused("sriov/vf eth1 7 trust=on", "eth1 (igb 0000:04:00.0) supports at most 7 VFs");
    refused("sriov/vf eth2 2 trust=on", "eth2 has 2 VFs (0-1): no VF 2");
    refused("sriov/vf eth2 9 trust=on", "eth2 (igb 0000:04:00.1) supports at most 7 VFs");
    refused("sriov/vf enp59s0f0np0 0 trust=on", "enp59s0f0np0 has no VFs: set their number "
            "first (pontoon sriov/set enp59s0f0np0 num_vfs=N)");
    refused("sriov/vf eth1 x trust=on", "\"x\" is not a VF number (0 to 4095)");
    refused("sriov/vf eth1 0", "'sriov/vf' needs at least one setting: mac=, vlan=, qos=, "
            "proto=, spoofchk=, trust=, link-state=, min-rate=, max-rate= (see sriov/vf --help)");
    refused("sriov/vf eth1 0 mac=01:00:5e:00:00:01",
            "mac \"01:00:5e:00:00:01\" is not a unicast MAC address (xx:xx:xx:xx:xx:xx; "
            "00:00:00:00:00:00 lets the VF choose)");
    refused("sriov/vf eth1 0 mac=52:54:00:12:34", "mac \"52:54:00:12:34\" is not a unicast MAC "
            "address (xx:xx:xx:xx:xx:xx; 00:00:00:00:00:00 lets the VF choose)");
    refused("sriov/vf eth1 0 vlan=4096", "vlan 4096 is out of range (0 to 4095; 0 clears it)");
    refused("sriov/vf eth1 0 qos=8 vlan=1", "qos 8 is out of range (0 to 7)");
    refused("sriov/vf eth1 0 qos=3", "eth1/vf0: qos 3 needs a vlan: it is the priority of the "
            "VF's VLAN tag");
    refused("sriov/vf eth1 0 proto=802.1ad", "eth1/vf0: proto 802.1ad needs a vlan: it is the "
            "protocol of the VF's VLAN tag");
    refused("sriov/vf eth1 0 min-rate=200 max-rate=100", "eth1/vf0: min-rate 200 is above "
            "max-rate 100 (0: no limit)");
    refused("sriov/vf eth1 0 speed=10", "unknown VF setting \"speed\" (mac, vlan, qos, proto, "
            "spoofchk, trust, link-state, min-rate, max-rate)");
    refused("sriov/vf eth1 0 speed=", "unknown VF setting \"speed\" (mac, vlan, qos, proto, "
            "spoofchk, trust, link-state, min-rate, max-rate)");
    refused("sriov/vf eth1 0 spoofchk", "\"spoofchk\": a VF setting is KEY=VALUE (see sriov/vf "
            "--help)");
    refused("sriov/vf eth1 0 spoofchk=yes", "spoofchk \"yes\": on or off");
    refused("sriov/vf eth1 0 vlan=1 vlan=2", "vlan is given twice");
    /* With a count kept, that is the bound. */
    assert_int_equal(run("--no-wait sriov/set eth1 num_vfs=2"), 0);
    refused("sriov/vf eth1 2 trust=on", "eth1 has 2 VFs (0-1): no VF 2");
    /* What the row already keeps counts: dropping the vlan under a qos. */
    assert_int_equal(run("--no-wait sriov/vf eth1 1 vlan=5 qos=2"), 0);
    refused("sriov/vf eth1 1 vlan=", "eth1/vf1: qos 2 needs a vlan: it is the priority of the "
            "VF's VLAN tag");
    assert_int_equal(run("--no-wait sriov/vf eth1 1 qos=4"), 0);
}

static void test_guest_xml_for_a_vf(void **state)
{
    assert_int_equal(run("--no-wait sriov/vf eth2 0 mac=52:54:00:12:34:56 vlan=10"), 0);
    assert_int_equal(run("guest/xml eth2/vf0"), 0);
    assert_string_equal(out_text,
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
    /* A VF with nothing kept: its address alone. */
    assert_int_equal(run("-f json guest/xml eth1/vf6"), 0);
    assert_string_equal(out_text, "{\"name\":\"eth1/vf6\",\"type\":\"hostdev\",\"xml\":"
                        "\"<interface type='hostdev' managed='yes'>\\n  <source>\\n    <address "
                        "type='pci' domain='0x0000' bus='0x04' slot='0x11' function='0x4'/>\\n  "
                        "</source>\\n</interface>\\n\"}\n");
    assert_int_equal(run("guest/xml eth2/vf2"), 1);
    assert_string_equal(err_text, "pontoon: eth2 has no VF 2 now (see pontoon sriov/show eth2)\n");
    assert_int_equal(run("guest/xml eth2/vf0 --queues 2"), 1);
    assert_string_equal(err_text, "pontoon: --queues and --direct are for a port or macvtap, not "
                        "a VF\n");
}

/* What the kernel reports for a PF's VFs, printed as iproute2 6.1's
 * print_vfinfo() prints it (`ip link show PF`). */
static void test_vf_lines_as_ip_link_show(void **state)
{
    struct vf_state vfs[2];
    memset(vfs, 0, sizeof vfs);
    uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    memcpy(vfs[0].mac, mac, 6);
    vfs[0].has_broadcast = vfs[1].has_broadcast = true;
    memset(vfs[0].broadcast, 0xff, 6);
    memset(vfs[1].broadcast, 0xff, 6);
    vfs[0].vlan = 10;
    vfs[0].vlan_proto = vfs[1].vlan_proto = ETH_P_8021Q;
    vfs[0].has_rate = vfs[1].has_rate = true;
    vfs[0].spoofchk = 1;
    vfs[0].trust = 0;
    vfs[0].query_rss = -1;
    vfs[0].has_link_state = vfs[1].has_link_state = true;
    vfs[0].link_state = IFLA_VF_LINK_STATE_AUTO;
    vfs[1].vf = 1;
    vfs[1].vlan = 100;
    vfs[1].qos = 5;
    vfs[1].vlan_proto = ETH_P_8021AD;
    vfs[1].tx_rate = 500;
    vfs[1].min_tx_rate = 10;
    vfs[1].max_tx_rate = 500;
    vfs[1].spoofchk = 0;
    vfs[1].trust = 1;
    vfs[1].query_rss = 0;
    vfs[1].link_state = IFLA_VF_LINK_STATE_ENABLE;
    struct vf_link link = { .name = "eth1", .ifindex = 4, .type = ARPHRD_ETHER,
                            .has_num_vf = true, .num_vf = 2, .vfs = vfs, .n_vfs = 2 };
    json_t *pf = sriov_pf_json("eth1", NULL, &link, NULL, NULL, 0);
    json_t *doc = json_pack("{s:n, s:[o]}", "root", "pfs", pf);
    struct strbuf text = STRBUF_INIT;
    sriov_show_text(doc, &text);
    assert_string_equal(strbuf_cstr(&text),
                        "eth1: not a PCI device, 2 VFs\n"
                        "    vf 0     link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff, vlan 10, "
                        "spoof checking on, link-state auto, trust off\n"
                        "    vf 1     link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff, vlan 100, "
                        "qos 5, vlan protocol 802.1ad, tx rate 500 (Mbps), max_tx_rate 500Mbps, "
                        "min_tx_rate 10Mbps, spoof checking off, link-state enable, trust on, "
                        "query_rss off\n");
    /* The JSON has ip -j's keys. */
    json_t *vf1 = json_object_get(json_array_get(json_object_get(pf, "vfs"), 1), "link");
    char *dumped = json_dumps(vf1, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(dumped, "{\"vf\":1,\"link_type\":\"ether\",\"address\":"
                        "\"00:00:00:00:00:00\",\"broadcast\":\"ff:ff:ff:ff:ff:ff\",\"vlan\":100,"
                        "\"qos\":5,\"protocol\":\"802.1ad\",\"tx_rate\":500,\"rate\":{\"max_tx\":"
                        "500,\"min_tx\":10},\"spoofchk\":false,\"link_state\":\"enable\","
                        "\"trust\":true,\"query_rss_en\":false}");
    free(dumped);
    strbuf_free(&text);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_command_help_is_a_manual_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_on_a_captured_tree_writes_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_set_stores_the_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vf_stores_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vf_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_xml_for_a_vf, setup, teardown),
        cmocka_unit_test(test_vf_lines_as_ip_link_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
