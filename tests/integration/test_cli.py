"""CLI-only tests: `pontoon` as ovs-vsctl, with no daemon running.

Configuration commands run against this test's database (PONTOON_DB) and
return at once when no daemon listens on PONTOON_RUN_DIR.  Expected texts are
Open vSwitch 3.1's (tests/data/compat/ovs-3.1-errors.txt, clients.md), with
names prefixed so that no two runs share one.
"""

import json
import os
import re
import time

import pytest

import pontoon_harness as ph

pytestmark = pytest.mark.cli


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


# ---------------------------------------------------------------- basics
def test_config_commands_without_daemon_return_at_once(pontoon, prefix):
    br = prefix + "br0"
    t0 = time.monotonic()
    pontoon("add-br", br)
    assert time.monotonic() - t0 < 5, "add-br with no daemon should not wait for one"
    assert lines(pontoon("list-br")) == [br]


def test_bridge_and_port_queries(pontoon, prefix):
    p = prefix
    pontoon("add-br", p + "br1")
    pontoon("add-br", p + "br0")
    pontoon("add-port", p + "br0", p + "eth1")
    pontoon("add-port", p + "br0", p + "eth0")

    assert lines(pontoon("list-br")) == [p + "br0", p + "br1"]          # sorted
    assert pontoon.run("br-exists", p + "br0").returncode == 0
    assert pontoon.run("br-exists", p + "nosuch").returncode == 2        # ovs-vsctl: 2
    assert lines(pontoon("list-ports", p + "br0")) == [p + "eth0", p + "eth1"]
    assert lines(pontoon("list-ports", p + "br1")) == []
    assert lines(pontoon("list-ifaces", p + "br0")) == [p + "eth0", p + "eth1"]
    assert pontoon("port-to-br", p + "eth1").strip() == p + "br0"
    assert pontoon("iface-to-br", p + "eth1").strip() == p + "br0"

    # --may-exist / --if-exists make repeats and absent objects no-ops
    pontoon("--may-exist", "add-br", p + "br0")
    pontoon("--may-exist", "add-port", p + "br0", p + "eth1")
    pontoon("--if-exists", "del-port", p + "nosuch")
    pontoon("--if-exists", "del-br", p + "nosuch")

    pontoon("del-port", p + "br0", p + "eth0")
    pontoon("del-port", p + "eth1")                                    # BR optional
    assert lines(pontoon("list-ports", p + "br0")) == []
    pontoon("add-port", p + "br1", p + "eth2")
    pontoon("del-br", p + "br1")                                       # takes its ports
    assert lines(pontoon("list-br")) == [p + "br0"]
    assert pontoon("find", "Port", f"name={p}eth2").strip() == ""


def test_set_get_add_remove_clear(pontoon, prefix):
    br, port = prefix + "br0", prefix + "tap1"
    pontoon("add-br", br)
    pontoon("add-port", br, port, "tag=2")
    assert pontoon.get("Port", port, "tag") == "2"
    pontoon("set", "port", port, "tag=3")
    assert pontoon.get("port", port, "tag") == "3"
    pontoon("set", "Port", port, "trunks=[2,3]")
    assert pontoon.get("Port", port, "trunks") == "[2, 3]"
    pontoon("add", "Port", port, "trunks", "4")
    assert pontoon.get("Port", port, "trunks") == "[2, 3, 4]"
    pontoon("remove", "Port", port, "trunks", "3")
    assert pontoon.get("Port", port, "trunks") == "[2, 4]"
    pontoon("clear", "Port", port, "trunks")
    assert pontoon.get("Port", port, "trunks") == "[]"
    pontoon("set", "Port", port, "vlan_mode=native-untagged")
    assert pontoon.get("Port", port, "vlan_mode") == "native-untagged"
    pontoon("clear", "Port", port, "tag")
    assert pontoon.get("Port", port, "tag") == "[]"

    pontoon("set", "Interface", port, "options:peer=x", "external-ids:k=v")
    assert pontoon.get("Interface", port, "options:peer") == "x"
    assert pontoon.get("Interface", port, "external_ids") == "{k=v}"
    pontoon("remove", "Interface", port, "external_ids", "k")
    assert pontoon.get("Interface", port, "external_ids") == "{}"

    listing = pontoon("list", "Port", port)
    assert re.search(rf'^name\s+: "?{port}"?$', listing, re.M), listing
    assert re.search(r"^vlan_mode\s+: native-untagged$", listing, re.M), listing
    found = pontoon("--columns=name", "find", "Port", "vlan_mode=native-untagged")
    assert port in found


def test_format_json(pontoon, prefix):
    br = prefix + "br0"
    pontoon("add-br", br)
    doc = json.loads(pontoon("--format=json", "list", "Bridge", br))
    assert set(doc) == {"data", "headings"}
    assert "name" in doc["headings"] and "ports" in doc["headings"]
    row = doc["data"][0]
    assert row[doc["headings"].index("name")] == br
    assert row[doc["headings"].index("_uuid")][0] == "uuid"


def test_show_layout(pontoon, prefix):
    """`show` uses ovs-vsctl's layout: uuid line, then 4/8/12/16-space
    indented Bridge/Port/Interface/details lines."""
    br = prefix + "br0"
    pontoon("add-br", br)
    pontoon("add-port", br, prefix + "tap1", "tag=2")
    out = pontoon("show").splitlines()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out[0]), out[0]
    assert f"    Bridge {br}" in out
    assert f"        Port {br}" in out
    assert f"            Interface {br}" in out
    assert "                type: internal" in out
    i = out.index(f"        Port {prefix}tap1")
    assert out[i + 1] == "            tag: 2"
    assert out[i + 2] == f"            Interface {prefix}tap1"


# ---------------------------------------------------------------- errors (test 11)
def error_cases(p):
    """(argv, OVS 3.1 message) with names prefixed.  Set up by
    error_fixture_config(): bridge <p>bra with ports <p>tap1 and <p>cpa1."""
    bra, tap1, cpa1 = p + "bra", p + "tap1", p + "cpa1"
    return [
        (["add-br", bra],
         f"cannot create a bridge named {bra} because a bridge named {bra} already exists"),
        (["add-port", p + "nosuch", p + "x"], f"no bridge named {p}nosuch"),
        (["add-port", bra, tap1],
         f"cannot create a port named {tap1} because a port named {tap1} already exists on bridge {bra}"),
        (["del-port", p + "nosuch"], f"no port named {p}nosuch"),
        (["set", "port", tap1, "tag=5000"],
         "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)"),
        (["set", "port", tap1, "nocolumn=1"],
         'Port does not contain a column whose name matches "nocolumn"'),
        (["set", "port", tap1, "t=3"],
         'Port contains more than one column whose name matches "t": tag, trunks'),
        (["list", "nosuchtable"], 'unknown table "nosuchtable"'),
        (["add-br", p + "brz", "--", "add-port", p + "brz", p + "q1",
          "--", "add-port", p + "nosuch", p + "q2"], f"no bridge named {p}nosuch"),
        (["set", "interface", cpa1, "type=patch", "options:peer="],
         'options:peer=: argument does not end in "=" followed by a value.'),
        (["get", "port", p + "nosuch", "tag"], f'no row "{p}nosuch" in table Port'),
        (["add-port", bra, p + "tap9", "tag=5000"],
         "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)"),
    ]


ERROR_IDS = ["dup-bridge", "unknown-bridge", "dup-port", "unknown-port", "bad-vlan",
             "bad-column", "ambiguous-column", "unknown-table", "bad-chain",
             "empty-map-value", "no-row", "add-port-bad-vlan"]


@pytest.mark.parametrize("case", range(len(ERROR_IDS)), ids=ERROR_IDS)
def test_error_leaves_database_unchanged(pontoon, prefix, case):
    p = prefix
    pontoon("add-br", p + "bra")
    pontoon("add-port", p + "bra", p + "tap1", "tag=2")
    pontoon("add-port", p + "bra", p + "cpa1")
    argv, message = error_cases(p)[case]

    before = pontoon.dump()
    got = pontoon.fails(*argv)
    assert got == message
    assert pontoon.dump() == before, "a failed command changed the database"
    if argv[1] == p + "brz":
        assert pontoon.run("br-exists", p + "brz").returncode == 2
        assert p + "brz" not in pontoon("list-br")


# ---------------------------------------------------------------- seed lines (test 12)
def test_seed_lines(pontoon, prefix):
    """The seed's ovs-vsctl lines, `pontoon` in place of `ovs-vsctl`."""
    p = prefix
    br0, br1 = p + "br0", p + "br1"
    # Open vSwitch: add-br, add-port, show, set port tap1 tag=3
    pontoon("add-br", br0)
    pontoon("add-port", br0, p + "eth1")
    pontoon("add-port", br0, p + "tap1")
    pontoon("show")
    pontoon("set", "port", p + "tap1", "tag=3")
    assert pontoon.get("port", p + "tap1", "tag") == "3"
    # 1. veth pair between bridges (the ip link line is run in test_topology)
    pontoon("add-br", br1)
    pontoon("add-port", br0, p + "veth0")
    pontoon("add-port", br1, p + "veth1")
    # 2. patch ports
    for line in (["add-port", br0, "patch-to-br0"],
                 ["set", "Interface", "patch-to-br0", "type=patch"],
                 ["set", "Interface", "patch-to-br0", "options:peer=patch-to-br1"],
                 ["add-port", br1, "patch-to-br1"],
                 ["set", "Interface", "patch-to-br1", "type=patch"],
                 ["set", "Interface", "patch-to-br1", "options:peer=patch-to-br0"]):
        pontoon(*line)

    show = pontoon("show").splitlines()
    i = show.index(f"        Port {p}tap1")
    assert show[i + 1] == "            tag: 3"
    i = show.index("            Interface patch-to-br0")
    assert show[i + 1: i + 3] == ["                type: patch",
                                  "                options: {peer=patch-to-br1}"]
    i = show.index("            Interface patch-to-br1")
    assert show[i + 1: i + 3] == ["                type: patch",
                                  "                options: {peer=patch-to-br0}"]
    assert lines(pontoon("list-ports", br0)) == sorted(
        [p + "eth1", p + "tap1", p + "veth0", "patch-to-br0"])
    assert lines(pontoon("list-ports", br1)) == sorted([p + "veth1", "patch-to-br1"])


LIBVIRT_MAC0, LIBVIRT_MAC1 = "52:54:00:12:34:56", "52:54:00:12:34:57"
IFACE_ID0 = "6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11"
IFACE_ID1 = "20b32967-b134-46bb-b847-d696d055f8ac"
VM_ID = "0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22"


def libvirt_plug_argv(br, dev, mac, iface_id, *port_columns):
    """libvirt 9.0's argv (clients.md), the double quotes being part of it."""
    return ["--timeout=5", "--", "--may-exist", "add-port", br, dev, *port_columns,
            "--", "set", "Interface", dev, f'external-ids:attached-mac="{mac}"',
            "--", "set", "Interface", dev, f'external-ids:iface-id="{iface_id}"',
            "--", "set", "Interface", dev, f'external-ids:vm-id="{VM_ID}"',
            "--", "set", "Interface", dev, "external-ids:iface-status=active"]


def test_libvirt_lines(pontoon, prefix):
    br, vnet0, vnet1 = prefix + "br0", prefix + "vnet0", prefix + "vnet1"
    pontoon("add-br", br)
    for _ in range(2):                        # --may-exist: a repeat is fine
        pontoon(*libvirt_plug_argv(br, vnet0, LIBVIRT_MAC0, IFACE_ID0, "tag=2"))
        pontoon(*libvirt_plug_argv(br, vnet1, LIBVIRT_MAC1, IFACE_ID1,
                                   "vlan_mode=native-untagged", "tag=42", "trunk=42,47"))

    assert pontoon.get("Port", vnet0, "tag") == "2"
    assert pontoon.get("Interface", vnet0, "external-ids:attached-mac") == f'"{LIBVIRT_MAC0}"'
    assert pontoon.get("Interface", vnet0, "external_ids:iface-status") == "active"
    ids = pontoon.get("Interface", vnet0, "external_ids")
    assert ids == (f'{{attached-mac="{LIBVIRT_MAC0}", iface-id="{IFACE_ID0}", '
                   f'iface-status=active, vm-id="{VM_ID}"}}')
    assert pontoon.get("Port", vnet1, "vlan_mode") == "native-untagged"
    assert pontoon.get("Port", vnet1, "tag") == "42"
    assert pontoon.get("Port", vnet1, "trunks") == "[42, 47]"

    # statistics query libvirt makes
    r = pontoon.run("--if-exists", "--format=list", "--data=json", "--no-headings",
                    "--columns=statistics", "list", "Interface", vnet0)
    assert r.returncode == 0, r.stderr

    # virsh destroy, and again for ports never added
    for dev in (vnet0, vnet1, vnet0, prefix + "vnet9"):
        pontoon("--timeout=5", "--", "--if-exists", "del-port", dev)
    assert lines(pontoon("list-ports", br)) == []


def ovs_named(pontoon, workdir, name):
    """The CLI linked under an OVS tool's name (as `make install-ovs-names`
    does), bound to the same database and run dir."""
    link = workdir / name
    if not link.exists():
        link.symlink_to(os.path.abspath(pontoon.binary))
    return ph.Pontoon(pontoon.db, pontoon.run_dir, binary=link)


def test_installed_as_ovs_vsctl(pontoon, workdir, prefix):
    """libvirt runs `ovs-vsctl` by name: linked under it, the same CLI takes
    its lines and says its errors as ovs-vsctl does."""
    vsctl = ovs_named(pontoon, workdir, "ovs-vsctl")
    br, vnet0 = prefix + "br0", prefix + "vnet0"
    vsctl("add-br", br)
    vsctl(*libvirt_plug_argv(br, vnet0, LIBVIRT_MAC0, IFACE_ID0, "tag=2"))
    assert pontoon.get("Port", vnet0, "tag") == "2"
    r = vsctl.run("add-br", br)
    assert r.returncode == 1 and r.stderr == (
        f"ovs-vsctl: cannot create a bridge named {br} because a bridge named {br} "
        "already exists\n"), r.stderr
    vsctl("--timeout=5", "--", "--if-exists", "del-port", vnet0)


def test_db_option_as_ovs_scripts_give_it(pontoon, workdir, prefix):
    """`--db=unix:/var/run/openvswitch/db.sock` (OVS's default remote, in
    many scripts) means the default database; any other server address is
    refused instead of becoming a new, empty database file."""
    br = prefix + "br0"
    pontoon("add-br", br)
    assert br in pontoon("--db=unix:/var/run/openvswitch/db.sock", "list-br")
    before = sorted(os.listdir("."))
    msg = pontoon.fails("--db=tcp:127.0.0.1:6640", "add-br", prefix + "br1")
    assert "no database server" in msg, msg
    assert sorted(os.listdir(".")) == before
    assert lines(pontoon("list-br")) == [br]


def test_openstack_and_neutron_lines(pontoon, prefix):
    p = prefix
    br, brint, dev, idev = p + "br0", p + "br-int", p + "tapvm", p + "qr-1"
    uuid1, uuid2 = "3f8b6a0c-6c1d-4e4b-8e55-2b9c8f0a7d10", "a1b2c3d4-0000-4000-8000-000000000001"
    mac = "fa:16:3e:11:22:33"
    pontoon("add-br", br)
    pontoon("add-br", brint)

    # os-vif / nova plug, twice (the second replaces the port)
    for _ in range(2):
        pontoon("--", "--if-exists", "del-port", dev, "--", "add-port", br, dev,
                "--", "set", "Interface", dev, f"external-ids:iface-id={uuid1}",
                "external-ids:iface-status=active", f"external-ids:attached-mac={mac}",
                f"external-ids:vm-uuid={uuid2}")
    assert lines(pontoon("list-ports", br)) == [dev]
    assert pontoon.get("Interface", dev, "external_ids:attached-mac") == f'"{mac}"'
    assert pontoon.get("Interface", dev, "external_ids:vm-uuid") == f'"{uuid2}"'
    pontoon("--", "set", "Interface", dev, "type=dpdkvhostuser")
    assert pontoon.get("Interface", dev, "type") == "dpdkvhostuser"
    pontoon("--", "--if-exists", "del-port", br, dev)
    pontoon("--", "--if-exists", "del-port", br, dev)
    assert lines(pontoon("list-ports", br)) == []

    # Neutron: an internal port for the host, then a re-plug
    for _ in range(2):
        pontoon("--may-exist", "add-port", brint, idev, "--", "set", "Interface", idev, "type=internal",
                "--", "set", "Interface", idev, "external-ids:iface-status=active",
                "--", "set", "Interface", idev, f"external-ids:attached-mac={mac}",
                "--", "set", "Interface", idev, f"external-ids:iface-id={uuid1}")
    assert pontoon.get("Interface", idev, "type") == "internal"
    pontoon("--timeout=120", "--", "--if-exists", "del-port", idev, "--", "add-port", brint, idev,
            "--", "set", "Interface", idev, f"external-ids:iface-id={uuid1}",
            "external-ids:iface-status=active", f"external-ids:attached-mac={mac}",
            f"external-ids:vm-uuid={uuid2}")
    assert lines(pontoon("list-ports", brint)) == [idev]
    assert pontoon.get("Interface", idev, "external_ids:iface-id") == f'"{uuid1}"'
