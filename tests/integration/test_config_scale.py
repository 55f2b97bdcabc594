"""Configuration at scale (issue 16): a change touches only what it changes.
A change to one port leaves the other ports' devices, counters and database
rows alone; a change made with --no-wait by another process is picked up.
(A daemon stopped while the configuration changes: test_lifecycle.py.
A 500-port transaction committing or failing whole: tests/unit/test_db_index.c
and, for the CLI's lazy database, tests/unit/test_db_partial.c.
The bench case itself: test_bench_config_scale below.)
The reported link columns ask the kernel only about changed devices:
test_change_to_one_port_queries_no_other_device."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pontoon_harness as ph

REPO = Path(__file__).resolve().parents[2]


def count_interface_writes(db):
    """From now on, every write of a whole Interface row (a commit's UPDATE
    sets every column) is recorded by uuid.  The once-a-second statistics
    (UPDATE ... SET statistics alone) are not: their counters move on their
    own (IPv6 router solicitations on new internal ports)."""
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE IF NOT EXISTS t16_writes (uuid TEXT)")
        c.execute("CREATE TRIGGER IF NOT EXISTS t16_count AFTER UPDATE OF ofport ON Interface "
                  "BEGIN INSERT INTO t16_writes VALUES (NEW._uuid); END")


def interface_writes(db):
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT uuid FROM t16_writes").fetchall()
        c.execute("DELETE FROM t16_writes")
    return {r[0] for r in rows}


def add_internal_ports(pontoon, br, names, per_command=100):
    """Adds each name to br as an internal port, up to per_command of them in
    one transaction, and waits until their devices exist."""
    for start in range(0, len(names), per_command):
        chain = []
        for n in names[start:start + per_command]:
            chain += ["--", "add-port", br, n, "--", "set", "Interface", n, "type=internal"]
        pontoon(*chain[1:])
    for n in names:
        ph.wait_until(lambda n=n: ph.link_exists(n), timeout=10, what=f"internal port {n}")


def rx_packets(pontoon, port):
    text = pontoon("get", "Interface", port, "statistics")
    for item in text.strip().strip("{}").split(","):
        k, _, v = item.strip().partition("=")
        if k == "rx_packets":
            return int(v)
    return 0


def test_change_to_one_port_leaves_the_others_alone(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    internal = [net.name(f"i{k}") for k in range(20)]
    add_internal_ports(pontoon, br, internal)
    a.ping_until(b)
    ph.wait_until(lambda: rx_packets(pontoon, a.port) > 0, timeout=5,
                  what=f"{a.port} statistics")
    ifindex = {n: ph.link_info(n)["ifindex"] for n in internal}
    rx_before = rx_packets(pontoon, a.port)
    opened_before = daemon.log().count(f"{a.port}: added to bridge")
    assert opened_before == 1

    count_interface_writes(pontoon.db)
    interface_writes(pontoon.db)
    pontoon("set", "Port", internal[5], "tag=5")
    new = net.name("inew")
    pontoon("add-port", br, new, "--", "set", "Interface", new, "type=internal")
    ph.wait_until(lambda: ph.link_exists(new), timeout=10, what=f"internal port {new}")
    written = interface_writes(pontoon.db)
    new_uuid = pontoon.get("Interface", new, "_uuid")
    # The new interface's reported columns (ofport, ifindex, ...) and nothing else.
    assert written <= {new_uuid}, (
        f"{len(written)} Interface rows rewritten for one new port: "
        f"{sorted(pontoon.get('Interface', u, 'name') for u in written)}")

    # No re-open: the devices are the same, the counters run on.
    assert {n: ph.link_info(n)["ifindex"] for n in internal} == ifindex
    assert daemon.log().count(f"{a.port}: added to bridge") == opened_before
    a.ping_until(b)
    assert rx_packets(pontoon, a.port) >= rx_before
    assert pontoon.get("Port", internal[5], "tag") == "5"


def link_queries(pontoon):
    """Per port, how often the daemon asked the kernel about its device
    (RTM_GETLINK and ethtool) for the reported Interface columns."""
    return {p["name"]: p["link_queries"]
            for br in json.loads(pontoon("--format=json", "dpif/show"))
            for p in br["ports"] if "link_queries" in p}


def test_change_to_one_port_queries_no_other_device(pontoon, daemon, net):
    """Reported link columns ask the kernel only about new or reopened
    devices and those named in a link event, not every device on every
    change; a link event still updates that port's columns."""
    br = net.name("br0")
    pontoon("add-br", br)
    internal = [net.name(f"q{k}") for k in range(10)]
    add_internal_ports(pontoon, br, internal)
    for n in internal:
        ph.wait_until(lambda n=n: pontoon.get("Interface", n, "admin_state") == "down",
                      timeout=10, what=f"{n} admin_state reported (internal: down)")
    # Settled: no link events pending for these devices.
    last = {}

    def settled():
        nonlocal last
        now = link_queries(pontoon)
        same = now == last
        last = now
        return same and all(now.get(n, 0) >= 1 for n in internal)
    ph.wait_until(settled, timeout=10, interval=0.5, what="link queries settled")
    before = last

    pontoon("set", "Port", internal[3], "tag=5")
    new = net.name("qnew")
    pontoon("add-port", br, new, "--", "set", "Interface", new, "type=internal")
    ph.wait_until(lambda: ph.link_exists(new), timeout=10, what=f"internal port {new}")
    pontoon("set", "Port", internal[4], "tag=6")
    after = link_queries(pontoon)
    assert after.get(new, 0) >= 1
    unchanged = {n: after[n] for n in internal}
    assert unchanged == {n: before[n] for n in internal}, (before, after)

    # A link event for one device: its columns follow, the others are not asked.
    subprocess.run(["ip", "link", "set", internal[7], "mtu", "1400"], check=True)
    ph.wait_until(lambda: pontoon.get("Interface", internal[7], "mtu") == "1400",
                  timeout=5, what=f"{internal[7]} mtu 1400 reported")
    subprocess.run(["ip", "link", "set", internal[8], "up"], check=True)
    ph.wait_until(lambda: pontoon.get("Interface", internal[8], "admin_state") == "up",
                  timeout=5, what=f"{internal[8]} admin_state up reported")
    final = link_queries(pontoon)
    assert final[internal[7]] > before[internal[7]]
    assert final[internal[8]] > before[internal[8]]
    for n in internal[:7]:
        assert final[n] == before[n], (n, before[n], final[n])


def port_visits(pontoon, counter="port_visits"):
    """Per port, how often a reconcile looked at it (dpif/show's JSON), or
    (kernel_syncs) wrote its kernel fast path entry."""
    return {p["name"]: p[counter]
            for br in json.loads(pontoon("--format=json", "dpif/show"))
            for p in br["ports"] if counter in p}


def test_change_visits_only_the_ports_it_touches(pontoon, daemon, net):
    """A reconcile started by a database change looks at the ports the change
    added or touched, and at no other: a walk over every port (even one that
    leaves the unchanged ones as they are) counts a visit for each."""
    br = net.name("br0")
    pontoon("add-br", br)
    internal = [net.name(f"v{k}") for k in range(10)]
    add_internal_ports(pontoon, br, internal)
    # Settled: the new devices' link events are behind us.
    last = {}

    def settled():
        nonlocal last
        now = port_visits(pontoon)
        same = now == last
        last = now
        return same
    ph.wait_until(settled, timeout=10, interval=0.5, what="reconciles settled")
    before = last
    synced_before = port_visits(pontoon, "kernel_syncs")

    pontoon("set", "Port", internal[3], "tag=5")
    new = net.name("vnew")
    pontoon("add-port", br, new, "--", "set", "Interface", new, "type=internal")
    after = port_visits(pontoon)
    assert after[internal[3]] > before[internal[3]]
    assert after.get(new, 0) >= 1
    others = [n for n in internal if n != internal[3]]
    assert {n: after[n] for n in others} == {n: before[n] for n in others}, (before, after)
    # The default datapath (system): only the touched ports' kernel entries
    # were written again (the retag reached the kernel).
    synced = port_visits(pontoon, "kernel_syncs")
    assert synced[internal[3]] > synced_before[internal[3]]
    assert {n: synced[n] for n in others} == {n: synced_before[n] for n in others}, \
        (synced_before, synced)


def test_ports_beyond_the_kernel_switch_stay_in_userspace_quietly(pontoon, daemon, net):
    """A system bridge with more ports than its kernel switch has slots (256)
    runs the rest in userspace; each is reported once, not at every change,
    and a change is not a walk over all of them."""
    br = net.name("br0")
    pontoon("add-br", br)
    names = [net.name(f"k{k}") for k in range(262)]
    add_internal_ports(pontoon, br, names)
    for k in range(3):
        add_internal_ports(pontoon, br, [net.name(f"x{k}")])
    log = daemon.log()
    refused = re.findall(r"(\S+) stays in userspace", log)
    assert len(refused) == len(set(refused)), "a refused port was reported more than once"
    assert 262 + 3 - 256 <= len(refused) <= 262 + 3 - 250, refused
    synced = port_visits(pontoon, "kernel_syncs")
    # The three commands after the fill touched their own port only.
    assert synced[names[0]] <= 2, synced[names[0]]


def test_no_wait_change_by_another_process_is_picked_up(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    # Another process, no reload request: the daemon notices the file changed.
    subprocess.run([pontoon.binary, "--no-wait", "set", "Port", a.port, "tag=7"],
                   env=pontoon.env, check=True, capture_output=True)
    ph.wait_until(lambda: not a.ping(b, count=1), timeout=5,
                  what="the --no-wait VLAN change applied")
    subprocess.run([pontoon.binary, "--no-wait", "set", "Port", b.port, "tag=7"],
                   env=pontoon.env, check=True, capture_output=True)
    a.ping_until(b)


def test_changes_only_reconcile_follows_every_kind_of_change(pontoon, daemon, net):
    """A reconcile started by a change visits only what changed; each kind of
    structural change still lands: a port moved between bridges in one
    transaction, a port deleted and added again under its name in one, an
    interface's type changed, a bridge deleted with its ports."""
    br0, br1 = net.name("br0"), net.name("br1")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    pontoon("add-br", br0)
    pontoon("add-br", br1)
    pontoon("add-port", br0, a.port)
    pontoon("add-port", br0, b.port)
    pontoon("add-port", br1, c.port)
    a.ping_until(b)
    assert not a.ping(c, count=1)

    # Moved: a leaves br0 for br1 in one transaction.
    pontoon("del-port", br0, a.port, "--", "add-port", br1, a.port)
    a.ping_until(c)
    assert not a.ping(b, count=1)
    assert pontoon("port-to-br", a.port).strip() == br1

    # Deleted and added again under the same name in one transaction.
    pontoon("del-port", br1, c.port, "--", "add-port", br1, c.port)
    a.ping_until(c)

    # An interface's type changed: a plain port becomes an internal one.
    q = net.name("q")
    pontoon("add-port", br1, q, "--", "set", "Interface", q, "type=internal")
    ph.wait_until(lambda: ph.link_exists(q), timeout=10, what=f"internal port {q}")
    pontoon("set", "Interface", q, "type=patch", "options:peer=nowhere")
    ph.wait_until(lambda: not ph.link_exists(q), timeout=10, what=f"{q} no longer internal")

    # A bridge deleted takes its ports along.
    r = net.name("r")
    pontoon("add-port", br1, r, "--", "set", "Interface", r, "type=internal")
    ph.wait_until(lambda: ph.link_exists(r), timeout=10, what=f"internal port {r}")
    pontoon("del-br", br1)
    ph.wait_until(lambda: not ph.link_exists(r), timeout=10, what=f"{r} gone with {br1}")
    shown = pontoon("dpif/show")
    assert a.port not in shown and c.port not in shown, shown
    pontoon("add-port", br0, a.port)
    a.ping_until(b)


def test_changes_only_reconcile_adds_and_removes_bonds(pontoon, daemon, net):
    """A bond made, changed and deleted by changes alone: its members join,
    its settings follow, and on del-port the bond and its members leave,
    the members usable again as plain ports."""
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    m1 = net.add_host("m1", "198.18.0.11")
    m2 = net.add_host("m2", "198.18.0.12")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-bond", br, "bond0", m1.port, m2.port, "bond_mode=active-backup")
    ph.wait_until(lambda: "bond0" in pontoon("bond/show"), timeout=5, what="bond0 running")
    pontoon("set", "Port", "bond0", "bond_mode=balance-slb")
    ph.wait_until(lambda: "balance-slb" in pontoon("bond/show", "bond0"), timeout=5,
                  what="bond0 in balance-slb")
    pontoon("del-port", br, "bond0")
    ph.wait_until(lambda: "bond bond0: deleted" in daemon.log(), timeout=5, what="bond0 deleted")
    shown = pontoon("dpif/show")
    assert m1.port not in shown and m2.port not in shown, shown
    pontoon("add-port", br, m1.port)
    a.ping_until(m1)


def test_system_port_carries_traffic_after_its_link_flaps(pontoon, daemon, net):
    """A system port's receive queue stops being polled when its device goes
    down (the worker gets ENETDOWN); the link event that follows must lead to
    a new snapshot that polls it again, not only to new reported columns."""
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    ph.sh("ip", "link", "set", b.port, "down")
    ph.wait_until(lambda: pontoon.get("Interface", b.port, "link_state") == "down",
                  timeout=5, what=f"{b.port} down reported")
    ph.sh("ip", "link", "set", b.port, "up")
    a.ping_until(b)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_bench_config_scale():
    """bench/run --config-scale works (100 ports, Pontoon only: OVS may be absent)."""
    build = ph.BUILD
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, str(REPO / "bench" / "config_scale.py"), "--ports", "100",
                        "--samples", "2", "--only", "pontoon", "--build", str(build),
                        "--no-make", "--json", "-"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    res = doc["results"][0]
    assert not res["errors"], res["errors"]
    for key in ("add_internal_10", "add_internal_100", "add_veth_10", "add_veth_100",
                "set_tag", "start_to_forwarding_s", "vmhwm_mib"):
        assert res[key] is not None and res[key] > 0, key
    assert "Targets of issue 16" in r.stderr
    assert time.monotonic() - t0 < 300
