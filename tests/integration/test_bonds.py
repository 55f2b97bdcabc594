"""Bonds and LACP between real switches, over veth links in namespaces:

- Pontoon <-> Pontoon in every mode (active-backup without and with LACP,
  balance-slb, balance-tcp): negotiation, hosts ping, balanced modes spread
  several flows over both members;
- failover with continuous traffic, by carrier loss and by LACP timeout (the
  link silently drops everything, carrier stays up), and rejoin;
- interop with Open vSwitch 3.1 (ovs-vswitchd, datapath netdev) as the LACP
  partner, Pontoon active and passive;
- the host-bond recipe: active-backup with miimon under a bridge whose
  internal port holds the host's address;
- bond/show's layout against OVS's.

Each switch runs in its own namespace (pontoond started there, stopped by PID,
exit 0 and no sanitizer output required).  Failover figures are printed as
`FAILOVER ...` lines (pytest -s to see them) and, when $PONTOON_BOND_FIGURES
names a file, appended to it.
"""

import json
import os
import re
import time

import pytest

import bond_topology as bt
import ovs_peer
import pontoon_harness as ph


@pytest.fixture(autouse=True, params=["netdev", "system"])
def datapath_type(request):
    """Every bond test runs on both datapaths.  On a system bridge the
    hosts' ports are switched in the kernel and the bond's members in
    userspace, so every frame to or from the bond crosses between them."""
    bt.DATAPATH_TYPE = request.param
    yield request.param
    bt.DATAPATH_TYPE = ""

COMPAT = ph.REPO / "tests" / "data" / "compat" / "ovs-3.1-outputs.txt"
FAILOVER_BOUND_MS = 3000           # carrier loss: generous, figures are printed
LACP_TIMEOUT_BOUND_MS = 6000       # fast LACP expires after 3 s, then defaulted


# ---------------------------------------------------------------- fixtures
def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture
def new_switch(net, workdir, request):
    """Factory: new_switch(tag) → a started Pontoon switch in namespace
    <prefix><tag>.  All are stopped (by PID) before the namespaces go."""
    made = []

    def make(tag):
        sw = bt.Switch(net, workdir, tag)
        made.append(sw)
        return sw.start()

    yield make
    problems = []
    for sw in made:
        problems += sw.stop_and_check()
    if _failed(request) or problems:
        for sw in made:
            print(f"\n---- pontoond log of {sw.tag} ----\n{sw.daemon.log()}")
            print(f"---- pontoon commands of {sw.tag} (argv, exit, seconds) ----")
            for h in sw.cli.history:
                print(h)
    assert not problems, "\n".join(problems) + "\n" + "\n".join(sw.daemon.log() for sw in made)


@pytest.fixture
def ovs(net, request):
    """Factory: ovs(ns) → a started OvsPeer in that namespace; stopped by PID."""
    ovs_peer.ensure_ovs()
    made = []

    def make(ns):
        o = ovs_peer.OvsPeer(ns, net.prefix)
        made.append(o)
        return o.start()

    yield make
    for o in made:
        if _failed(request):
            print(f"\n---- ovs-vswitchd log ({o.dir}) ----\n{o.log()}")
        o.stop()


def record(line):
    print("FAILOVER " + line)
    path = os.environ.get("PONTOON_BOND_FIGURES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


# ---------------------------------------------------------------- helpers
def pair(net, new_switch, mode, lacp, n_hosts=1, extra=()):
    t = bt.BondPair(net, new_switch, n_links=2, n_hosts=n_hosts)
    t.configure(mode, lacp, extra=extra, primary=(lacp == "off"))
    for sw in t.switches:
        sw.wait_bond(lacp=lacp != "off", timeout=10)
    return t


def check_lacp_agrees(sa, sb_lacp_text, sb_name="sb"):
    """Pontoon sa's lacp/show JSON says negotiated with every member current
    and attached; sa's actor sys_id is the partner sys_id the other side
    shows on each member and vice versa (text layouts of both)."""
    j = sa.lacp_json()
    assert j["negotiated"], j
    for m in j["members"]:
        assert m["attached"] and m["rx_state"] == "current" and m["may_enable"], j
    a = bt.parse_lacp_show(sa.lacp_text())["bond0"]
    b = bt.parse_lacp_show(sb_lacp_text)["bond0"]
    assert "negotiated" in a["status"], a
    assert "negotiated" in b["status"], b
    for side, other, name in ((a, b, sb_name), (b, a, sa.tag)):
        assert side["members"], side
        for mname, m in side["members"].items():
            assert "current" in m["flags"] and "attached" in m["flags"], (mname, m)
            assert m["partner sys_id"] == other["sys_id"], \
                f"{mname}: partner sys_id {m['partner sys_id']} != {name}'s sys_id {other['sys_id']}"
            assert m["actor sys_id"] == side["sys_id"], (mname, m)


def lacp_agrees_within(sa, other_text, sb_name="sb", timeout=5.0):
    """check_lacp_agrees(), retried until it holds (a partner may flap for a
    tick right after negotiating: OVS sends one or two PDUs without
    `synchronized` after its own startup carrier events, and the member is
    rightly disabled meanwhile).  other_text() gives the other side's lacp/show."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check_lacp_agrees(sa, other_text(), sb_name)
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def spread_over_members(sw, links, send, min_each=50, rounds=5):
    """Sends traffic (send()) until each member of `links` transmitted at least
    `min_each` packets in one round; between rounds the bond may rebalance
    (bond-rebalance-interval=1000).  Returns the per-member deltas."""
    deltas = {}
    for _ in range(rounds):
        before = bt.tx_snapshot(sw.ns, links)
        send()
        deltas = bt.tx_deltas(sw.ns, links, before)
        if all(d >= min_each for d in deltas.values()):
            return deltas
        time.sleep(1.1)
    raise AssertionError(f"{sw.tag}: traffic did not use every member: {deltas}\n"
                         f"{sw('bond/show')}")


def carrying_member(sw, links, send):
    """The member of sw whose tx counter grew most while send() ran."""
    before = bt.tx_snapshot(sw.ns, links)
    send()
    d = bt.tx_deltas(sw.ns, links, before)
    return max(d, key=d.get)


def failover(label, sw, host, target, member, fail, restore, bound_ms, rejoin,
             settle=1.0):
    """Continuous ping host→target (10 ms interval); fail() the link of
    `member` of sw; wait until sw disables it; let traffic run `settle` s
    more; stop and record the figures; check traffic flows; restore();
    rejoin() waits until the bond is whole again.  Returns the figures."""
    p = bt.Pinger(host, target, count=100000, interval=0.01)
    try:
        time.sleep(0.6)
        t0 = time.monotonic()
        fail()
        ph.wait_until(lambda: not sw.members()[member]["enabled"], timeout=10, interval=0.02,
                      what=f"{sw.tag}: {member} disabled")
        detect_ms = round((time.monotonic() - t0) * 1000)
        time.sleep(settle)
    finally:
        p.stop()
    r = p.result()
    record(f"{label}: {r['lost']} of {r['transmitted']} pings lost = {r['lost_ms']} ms "
           f"(interval {r['interval_ms']} ms); member disabled after {detect_ms} ms")
    assert r["transmitted"] > 50, r["output"]
    # the bond carries on without that member
    host.ping_until(target, timeout=3)
    assert r["lost_ms"] < bound_ms, f"{label}: {r['lost_ms']} ms lost\n{r['output']}"
    restore()
    rejoin()
    host.ping_until(target, timeout=5)
    return r


def tc_blackhole(ns, dev):
    """The link keeps its carrier but drops every frame leaving `dev`
    (LACPDUs included): a tbf with a 64-byte bucket and no queue.  (The
    kernel here has neither netem nor tc classifiers.)"""
    ph.sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf",
          "rate", "8bit", "burst", "64", "limit", "1")


def tc_clear(ns, dev):
    ph.sh("ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root", check=False)


def bucket_owner(bond_show_text, bucket):
    """The member under which bond/show lists `hash <bucket>: ...`."""
    member = None
    for line in bond_show_text.splitlines():
        m = re.match(r"^member (\S+): ", line)
        if m:
            member = m.group(1)
        elif re.match(rf"^\s+hash {bucket}: ", line):
            return member
    return None


def check_lacp_stats(sw):
    """lacp/show-stats in OVS's layout, PDUs counted both ways on every member."""
    text = sw("lacp/show-stats")
    assert text.startswith("---- bond0 statistics ----\n"), text
    blocks = re.findall(r"^member: (\S+):\n((?:  .*\n?)+)", text, re.M)
    assert len(blocks) == 2, text
    keys = ["TX PDUs", "RX PDUs", "RX Bad PDUs", "RX Marker Request PDUs", "Link Expired",
            "Link Defaulted", "Carrier Status Changed"]
    for name, body in blocks:
        got = dict(re.findall(r"^  ([^:]+): (\d+)$", body, re.M))
        assert list(got) == keys, body
        assert int(got["TX PDUs"]) > 0 and int(got["RX PDUs"]) > 0, body
        assert int(got["RX Bad PDUs"]) == 0, body
    for m in sw.lacp_json()["members"]:
        assert m["tx_pdus"] > 0 and m["rx_pdus"] > 0, m


def check_bond_columns(sw, links, lacp):
    """What ovs-vswitchd writes of a bond: Port bond_active_slave is the active
    member's MAC, each member's lacp_current says its partner is current
    (empty without LACP)."""
    def active_slave_right():
        active = sw.active_member()
        mac = ph.link_info(active, ns=sw.ns)["address"] if active else "00:00:00:00:00:00"
        return sw.cli.get("Port", "bond0", "bond_active_slave") == f'"{mac}"'
    ph.wait_until(active_slave_right, timeout=3, what=f"{sw.tag}: bond_active_slave")
    want = "[]" if lacp == "off" else "true"
    ph.wait_until(lambda: all(sw.cli.get("Interface", l, "lacp_current") == want
                              for l in links),
                  timeout=3, what=f"{sw.tag}: lacp_current {want}")


def runtime_commands(t, src, dst):
    """bond/set-active-member, bond/disable-member, bond/enable-member move
    an active-backup bond's traffic as they say.  Done on both switches
    alike: like OVS's, these commands do not tell the LACP partner, which
    keeps sending on the link it chose (and a disabled member drops it)."""
    sa, sb = t.sa, t.sb

    def carrier():
        return carrying_member(sa, t.a_links, lambda: bt.udp_flows(src, dst.ip, flows=4, count=50))
    for i in (1, 0):
        for sw, links in ((sa, t.a_links), (sb, t.b_links)):
            out = sw("bond/set-active-member", "bond0", links[i])
            assert links[i] in out, out
            assert sw.active_member() == links[i]
            check_bond_columns(sw, links, "active")
        assert carrier() == t.a_links[i]
        src.ping_until(dst, timeout=3)
    for sw, links in ((sa, t.a_links), (sb, t.b_links)):
        sw("bond/disable-member", "bond0", links[0])
        m = sw.members()
        assert not m[links[0]]["enabled"] and m[links[1]]["active"], m
    assert carrier() == t.a_links[1]
    src.ping_until(dst, timeout=3)
    r = sa.cli.run("bond/set-active-member", "bond0", t.a_links[0])
    assert r.returncode != 0 and "disabled" in r.stderr, r      # ovs-appctl exits 2
    for sw, links in ((sa, t.a_links), (sb, t.b_links)):
        sw("bond/enable-member", "bond0", links[0])
        ph.wait_until(lambda: sw.members()[links[0]]["enabled"], timeout=3,
                      what=f"{links[0]} enabled again")
    src.ping_until(dst, timeout=3)


# ---------------------------------------------------------------- 1. modes
@pytest.mark.parametrize("mode,lacp", [
    ("active-backup", "off"),
    ("active-backup", "active"),
    ("balance-slb", "active"),
    ("balance-tcp", "active"),
])
def test_pontoon_to_pontoon_bond(net, new_switch, mode, lacp):
    n_hosts = 4 if mode == "balance-slb" else 1
    t = pair(net, new_switch, mode, lacp, n_hosts=n_hosts,
             extra=("other_config:bond-rebalance-interval=1000",))
    sa, sb = t.sa, t.sb
    if lacp != "off":
        lacp_agrees_within(sa, sb.lacp_text)
        assert sb.lacp_json()["negotiated"]
    for sw in (sa, sb):
        b = sw.bond_json()
        assert b["bond_mode"] == mode, b
        assert b["lacp_status"] == ("off" if lacp == "off" else "negotiated"), b
        assert all(m["enabled"] and m["may_enable"] and m["carrier"] for m in b["members"]), b
        assert sum(m["active"] for m in b["members"]) == 1, b
    for sw, links in ((sa, t.a_links), (sb, t.b_links)):
        check_bond_columns(sw, links, lacp)
    for ha in t.hosts_a:
        for hb in t.hosts_b:
            ha.ping_until(hb, timeout=5)
    for hb in t.hosts_b:
        assert hb.ping(t.hosts_a[0])

    if lacp != "off":
        check_lacp_stats(sa)

    dst = t.hosts_b[0]
    if mode == "active-backup" and lacp != "off":
        runtime_commands(t, t.hosts_a[0], dst)
    if mode == "active-backup":
        # only the active member carries frames (LACPDUs aside: 1/s)
        active = sa.active_member()
        before = bt.tx_snapshot(sa.ns, t.a_links)
        bt.udp_flows(t.hosts_a[0], dst.ip, flows=8, count=50)
        # the sender exits before the switch's worker has forwarded its last
        # frames: wait for the counter, then check nothing went the other way
        ph.wait_until(lambda: bt.tx_deltas(sa.ns, t.a_links, before)[active] >= 400,
                      timeout=5, what=f"400 frames out of the active member {active}")
        d = bt.tx_deltas(sa.ns, t.a_links, before)
        assert all(n < 40 for l, n in d.items() if l != active), d
    elif mode == "balance-slb":
        # several source MACs: the hosts' flows spread over both members
        def send():
            for h in t.hosts_a:
                bt.udp_flows(h, dst.ip, flows=1, count=300, size=1000)
        d = spread_over_members(sa, t.a_links, send)
        print(f"balance-slb tx per member: {d}")
        # bond/hash names the bucket of a source MAC; bond/show lists that
        # bucket under the member that carried the host's frames.
        for h in t.hosts_a:
            bucket = int(sa("bond/hash", h.mac).strip())
            assert 0 <= bucket < 256, bucket
            assert json.loads(sa("--format=json", "bond/hash", h.mac)) == {"bucket": bucket}
            def bucket_on_carrier():
                carrier = carrying_member(sa, t.a_links, lambda: bt.udp_flows(
                    h, dst.ip, flows=1, count=200, size=1000))
                owner = bucket_owner(sa("bond/show", "bond0"), bucket)
                return owner if owner == carrier else None
            ph.wait_until(bucket_on_carrier, timeout=5, interval=0.3,
                          what=f"bond/show to list bucket {bucket} ({h.mac}) under the "
                               "member that carries it")
    else:
        # several UDP flows of one host pair spread over both members
        def send():
            bt.udp_flows(t.hosts_a[0], dst.ip, flows=16, count=40, size=1000)
        d = spread_over_members(sa, t.a_links, send)
        print(f"balance-tcp tx per member: {d}")
    if bt.DATAPATH_TYPE == "system":
        # Known unicast from the hosts to the bond went through the kernel.
        ports = {p["name"]: p for b in json.loads(sa("--format=json", "dpif/show"))
                 for p in b["ports"]}
        assert ports["bond0"]["kernel"]["tx_packets"] >= 100, ports["bond0"]
        assert "bond bond0 switched in the kernel" in sa.daemon.log()


# ---------------------------------------------------------------- 2. failover
@pytest.mark.parametrize("mode,lacp,lacp_timeout", [
    ("active-backup", "off", False),
    ("active-backup", "active", True),
    ("balance-slb", "active", False),
    ("balance-tcp", "active", True),
])
def test_failover(net, new_switch, mode, lacp, lacp_timeout):
    t = pair(net, new_switch, mode, lacp)
    sa, sb = t.sa, t.sb
    ha, hb = t.hosts_a[0], t.hosts_b[0]
    ha.ping_until(hb, timeout=5)

    def victim():
        if mode == "active-backup":
            return sa.active_member()
        return carrying_member(sa, t.a_links,
                               lambda: ha.exec("ping", "-q", "-c", "20", "-i", "0.01", hb.ip,
                                               check=False))

    def rejoin():
        for sw in (sa, sb):
            sw.wait_bond(lacp=lacp != "off", timeout=10)
        if lacp != "off":
            for sw in (sa, sb):
                j = sw.lacp_json()
                assert all(m["rx_state"] == "current" and m["attached"]
                           for m in j["members"]), j

    # carrier: the sa end goes down, so both ends lose carrier
    a = victim()
    failover(f"{mode} lacp={lacp} carrier loss on {a}", sa, ha, hb.ip, a,
             fail=lambda: ph.sh("ip", "-n", sa.ns, "link", "set", a, "down"),
             restore=lambda: ph.sh("ip", "-n", sa.ns, "link", "set", a, "up"),
             bound_ms=FAILOVER_BOUND_MS, rejoin=rejoin)
    assert sa.members()[a]["enabled"]

    if lacp_timeout:
        # LACP timeout: the link silently drops everything both ways,
        # carrier stays up; fast LACP expires the member after ~3 s.
        a = victim()
        b = t.link_of(a)
        failover(f"{mode} lacp={lacp} LACP timeout on {a}", sa, ha, hb.ip, a,
                 fail=lambda: (tc_blackhole(sa.ns, a), tc_blackhole(sb.ns, b)),
                 restore=lambda: (tc_clear(sa.ns, a), tc_clear(sb.ns, b)),
                 bound_ms=LACP_TIMEOUT_BOUND_MS, rejoin=rejoin)
        assert bt.link_oper(sa.ns, a) == "UP"


# ---------------------------------------------------------------- 3. Open vSwitch
@pytest.mark.parametrize("pontoon_lacp", ["active", "passive"])
def test_interop_with_open_vswitch(net, new_switch, ovs, pontoon_lacp):
    p = net.prefix
    sa = new_switch("sa")
    ons = net.add_ns("so")
    a_links, o_links = [f"{p}a1", f"{p}a2"], [f"{p}o1", f"{p}o2"]
    for i, (a, o) in enumerate(zip(a_links, o_links)):
        bt.add_link(a, sa.ns, o, ons, i)
        ovs_peer.offloads_off(ons, o)
    ha = bt.add_host(net, sa.ns, "ha1", f"{bt.SUBNET}.10")
    ho = bt.add_host(net, ons, "ho1", f"{bt.SUBNET}.100")
    ovs_peer.offloads_off(ons, ho.port)
    ovs_peer.offloads_off(ho.ns, "eth0")

    o = ovs(ons)
    o.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
            "--", "add-bond", "br0", "bond0", *o_links, "lacp=active",
            "bond_mode=balance-slb",
            "--", "set", "port", "bond0", "other_config:lacp-time=fast",
            "--", "add-port", "br0", ho.port)
    sa("add-br", "br0", "--", "add-bond", "br0", "bond0", *a_links, f"lacp={pontoon_lacp}",
       "bond_mode=balance-slb", "--", "add-port", "br0", ha.port,
       "--", "set", "port", "bond0", "other_config:lacp-time=fast")

    sa.wait_bond(timeout=15)

    def ovs_negotiated():
        text = o.appctl("lacp/show", "bond0")
        s = bt.parse_lacp_show(text).get("bond0", {})
        ok = ("negotiated" in s.get("status", "") and len(s["members"]) == 2
              and all("current" in m["flags"] and "attached" in m["flags"]
                      for m in s["members"].values()))
        return text if ok else None
    ph.wait_until(ovs_negotiated, timeout=10, what="OVS: bond0 negotiated")
    lacp_agrees_within(sa, lambda: o.appctl("lacp/show", "bond0"), sb_name="ovs")
    st = bt.parse_lacp_show(sa.lacp_text())["bond0"]["status"]
    assert st.split()[0] == pontoon_lacp, st
    def ovs_bond_whole():
        text = o.appctl("bond/show", "bond0")
        return text if "lacp_status: negotiated" in text and text.count(": enabled") == 2 else None
    ob = ph.wait_until(ovs_bond_whole, timeout=5, what="OVS: both members enabled")

    ha.ping_until(ho, timeout=8)
    assert ho.ping(ha)

    # Same configuration, same layout: Pontoon's bond/show against OVS's own.
    ps, os_ = bt.bond_show_shape(sa("bond/show", "bond0")), bt.bond_show_shape(ob)
    assert ps["bond0"]["header"] == os_["bond0"]["header"], (sa("bond/show", "bond0"), ob)
    assert sorted(m[0] for m in ps["bond0"]["members"]) == \
        sorted(m[0] for m in os_["bond0"]["members"])

    if pontoon_lacp != "active":
        return

    # failover against OVS: carrier loss on the member carrying ha's frames
    a = carrying_member(sa, a_links,
                        lambda: ha.exec("ping", "-q", "-c", "20", "-i", "0.01", ho.ip,
                                        check=False))

    def rejoin():
        sa.wait_bond(timeout=10)
        ph.wait_until(ovs_negotiated, timeout=10, what="OVS: bond0 negotiated again")
    failover(f"OVS interop balance-slb carrier loss on {a}", sa, ha, ho.ip, a,
             fail=lambda: ph.sh("ip", "-n", sa.ns, "link", "set", a, "down"),
             restore=lambda: ph.sh("ip", "-n", sa.ns, "link", "set", a, "up"),
             bound_ms=FAILOVER_BOUND_MS, rejoin=rejoin)
    lacp_agrees_within(sa, lambda: o.appctl("lacp/show", "bond0"), sb_name="ovs")


# ---------------------------------------------------------------- 4. host bond
def test_host_bond_active_backup_miimon(net, new_switch):
    """The seed's host bond (mode=1 miimon=100) under a bridge: pontoond runs
    in namespace `sa`, the "host", whose address sits on br0's internal port;
    the upstream switch is a Pontoon with two plain ports and a peer host.
    The upstream ends go down in turn (the host's NICs lose carrier, admin
    state unchanged) and the host keeps reaching the peer."""
    p = net.prefix
    host = new_switch("sa")
    up = new_switch("sb")
    a_links, b_links = [f"{p}a1", f"{p}a2"], [f"{p}b1", f"{p}b2"]
    for i, (a, b) in enumerate(zip(a_links, b_links)):
        bt.add_link(a, host.ns, b, up.ns, i)
    peer = bt.add_host(net, up.ns, "hb1", "198.18.21.2")
    up("add-br", "br0", "--", "add-port", "br0", b_links[0], "--", "add-port", "br0",
       b_links[1], "--", "add-port", "br0", peer.port)
    host("add-br", "br0", "--", "add-bond", "br0", "bond0", *a_links,
         "bond_mode=active-backup",
         "--", "set", "port", "bond0", "other_config:bond-detect-mode=miimon",
         "other_config:bond-miimon-interval=100")
    ph.wait_until(lambda: ph.link_exists("br0", host.ns), timeout=5, what="br0 internal port")
    ph.sh("ip", "-n", host.ns, "addr", "add", "198.18.21.1/24", "dev", "br0")
    ph.sh("ip", "-n", host.ns, "link", "set", "br0", "up")
    host.wait_bond(lacp=False, timeout=5)
    me = ph.Host(net, host.ns, None, "198.18.21.1", None, ifname="br0")
    me.ping_until(peer, timeout=5)
    assert peer.ping(me)
    b = host.bond_json()
    assert b["bond_mode"] == "active-backup" and b["lacp_status"] == "off", b

    def rejoin():
        host.wait_bond(lacp=False, timeout=5)

    for _ in range(2):      # fail the active link, then the other one
        a = host.active_member()
        bl = b_links[a_links.index(a)]
        failover(f"host bond active-backup miimon=100 carrier loss on {a} (peer end down)",
                 host, me, peer.ip, a,
                 fail=lambda: ph.sh("ip", "-n", up.ns, "link", "set", bl, "down"),
                 restore=lambda: ph.sh("ip", "-n", up.ns, "link", "set", bl, "up"),
                 bound_ms=FAILOVER_BOUND_MS, rejoin=rejoin)
        assert host.active_member() != a or len(a_links) == 1
        assert "UP" in ph.link_info(a, host.ns)["flags"]  # admin state untouched
        assert peer.ping(me)


# ---------------------------------------------------------------- 5. bond/show layout
def compat_section(command):
    text = COMPAT.read_text()
    start = text.index(f"$ {command}\n") + len(command) + 3
    end = text.find("\n$ ", start)
    return text[start:end if end >= 0 else None]


def test_bond_show_layout_matches_ovs(net, new_switch):
    ref = bt.bond_show_shape(compat_section("ovs-appctl bond/show"))
    slb_ref, tcp_ref = ref["bonda"], ref["bondb"]
    # an active-backup bond prints neither "all members active" (slb only)
    # nor "next rebalance" (balanced modes only), as OVS's bond_print_details
    ab_header = [k for k in slb_ref["header"] if k not in ("all members active", "next rebalance")]

    t = pair(net, new_switch, "balance-slb", "active")
    sa = t.sa
    text = sa("bond/show")
    got = bt.bond_show_shape(text)["bond0"]
    assert got["header"] == slb_ref["header"], text
    assert text.startswith("---- bond0 ----\nbond_mode: balance-slb\n"), text
    assert "bond may use recirculation: no, Recirc-ID : -1\n" in text, text
    assert "lacp_status: negotiated\n" in text, text
    # member blocks: sorted by name, one active member, a blank line before each
    names = [line.split()[1].rstrip(":") for line in text.splitlines()
             if line.startswith("member ")]
    assert names == sorted(t.a_links), text
    for m in t.a_links:
        assert f"\n\nmember {m}: enabled\n" in text, text
    shapes = sorted(tuple(x for x in m if x != "hash N: N kB load") for m in got["members"])
    assert shapes == sorted(tuple(m) for m in slb_ref["members"]), text
    def masked(x):      # the countdown and the loads move between two calls
        x = re.sub(r"next rebalance: \d+ ms", "next rebalance: N ms", x)
        return re.sub(r"hash \d+: \d+ kB load\n", "", x)
    assert masked(text) == masked(sa("bond/show", "bond0")), "bond/show and bond/show bond0 differ"

    sa("set", "port", "bond0", "bond_mode=balance-tcp")
    ph.wait_until(lambda: sa.bond_json()["bond_mode"] == "balance-tcp", timeout=5,
                  what="balance-tcp applied")
    t.sb("set", "port", "bond0", "bond_mode=balance-tcp")
    sa.wait_bond(timeout=10)
    text = sa("bond/show")
    assert bt.bond_show_shape(text)["bond0"]["header"] == tcp_ref["header"], text
    # OVS says "yes, Recirc-ID : N" for balance-tcp; Pontoon's datapath does
    # not recirculate and says so (src/switching/bond_show.c): same line, own value.
    assert re.search(r"^bond may use recirculation: (yes|no), Recirc-ID : -?\d+$", text, re.M), text

    for sw in t.switches:
        sw("set", "port", "bond0", "bond_mode=active-backup", "lacp=off")
    ph.wait_until(lambda: sa.bond_json()["lacp_status"] == "off", timeout=5,
                  what="lacp off applied")
    sa.wait_bond(lacp=False, timeout=5)
    text = sa("bond/show")
    got = bt.bond_show_shape(text)["bond0"]
    assert got["header"] == ab_header, text
    assert "lacp_status: off\n" in text and "active member mac: " in text, text
    assert sum(1 for m in got["members"] if "active member" in m) == 1, text
    assert not any("hash N: N kB load" in m for m in got["members"]), text

    # lacp/show of a bond without LACP: nothing, as OVS (no such LACP-enabled port)
    js = json.loads(sa("--format=json", "lacp/show"))
    assert js == [] or js == {} or not js, js


# ---------------------------------------------------------------- 6. learning frames
def test_failover_sends_learning_frames_through_the_new_active_member(net, new_switch):
    """After an active-backup failover the switch announces every MAC it
    learned elsewhere (RARP, as OVS does) through the new active member, so
    the upstream learns the new path without waiting for traffic."""
    p = net.prefix
    host = new_switch("sa")
    up = new_switch("sb")
    a_links, b_links = [f"{p}a1", f"{p}a2"], [f"{p}b1", f"{p}b2"]
    for i, (a, b) in enumerate(zip(a_links, b_links)):
        bt.add_link(a, host.ns, b, up.ns, i)
    peer = bt.add_host(net, up.ns, "hb1", "198.18.22.2")
    local = bt.add_host(net, host.ns, "ha1", "198.18.22.1")
    up("add-br", "br0", "--", "add-port", "br0", b_links[0], "--", "add-port", "br0",
       b_links[1], "--", "add-port", "br0", peer.port)
    host("add-br", "br0", "--", "add-bond", "br0", "bond0", *a_links,
         "bond_mode=active-backup", "--", "add-port", "br0", local.port,
         "--", "set", "port", "bond0", f"other_config:bond-primary={a_links[0]}")
    host.wait_bond(lacp=False, timeout=5)
    local.ping_until(peer, timeout=5)          # the host's MAC is now learned on its port
    assert host.active_member() == a_links[0]

    with ph.Capture(up.ns, b_links[1]) as cap:
        ph.sh("ip", "-n", up.ns, "link", "set", b_links[0], "down")
        ph.wait_until(lambda: host.active_member() == a_links[1], timeout=5,
                      what="a2 active after a1 lost carrier")
        frames = cap.stop(settle=0.5)
    rarps = [f for f in frames if f.type == 0x8035]
    assert local.mac in [f.src for f in rarps], [f.summary() for f in frames]
    local.ping_until(peer, timeout=3)


# ---------------------------------------------------------------- 7. live membership
def both_sides(sa, sb):
    """What both switches think of the bond, for a failure message."""
    return "\n".join(sw(c, "bond0") for sw in (sa, sb) for c in ("bond/show", "lacp/show")) \
        + sa("dpif/show") + sb("dpif/show")


def test_members_added_to_and_removed_from_a_live_bond(net, new_switch):
    """add-bond-iface / del-bond-iface on a running LACP bond: the new link
    joins the aggregate, a removed one leaves it, traffic keeps flowing."""
    p = net.prefix
    sa, sb = new_switch("sa"), new_switch("sb")
    a, b = [f"{p}a{i}" for i in (1, 2, 3)], [f"{p}b{i}" for i in (1, 2, 3)]
    for i in range(3):
        bt.add_link(a[i], sa.ns, b[i], sb.ns, i)
    ha = bt.add_host(net, sa.ns, "ha1", "198.18.23.1")
    hb = bt.add_host(net, sb.ns, "hb1", "198.18.23.2")
    for sw, links, host in ((sa, a, ha), (sb, b, hb)):
        sw("add-br", "br0", "--", "add-bond", "br0", "bond0", links[0], links[1],
           "lacp=active", "bond_mode=balance-tcp", "--", "add-port", "br0", host.port,
           "--", "set", "port", "bond0", "other_config:lacp-time=fast")
    sa.wait_bond(timeout=10)
    sb.wait_bond(timeout=10)
    ha.ping_until(hb, timeout=5)

    def members_then_ping(a_links, b_links):
        for sw, links in ((sa, a_links), (sb, b_links)):
            got = sw.wait_bond(enabled=links, timeout=10)
            assert sorted(m["name"] for m in got["members"]) == sorted(links), got
        # A member joining moves buckets onto it; until the partner's LACP (1 s
        # PDUs) has enabled the other end too, frames on it can be lost.
        try:
            ha.ping_until(hb, timeout=8)
        except AssertionError:
            raise AssertionError(both_sides(sa, sb))

    sa("add-bond-iface", "bond0", a[2])
    sb("add-bond-iface", "bond0", b[2])
    members_then_ping(a, b)
    sa("del-bond-iface", "bond0", a[0])
    sb("del-bond-iface", "bond0", b[0])
    members_then_ping(a[1:], b[1:])
    # The last member cannot leave a bond this way; the port stays as it is.
    sa("del-bond-iface", "bond0", a[1])
    assert "cannot delete the last interface" in sa.cli.fails("del-bond-iface", "bond0", a[2])
    assert sa("get", "Port", "bond0", "interfaces").count(",") == 0


def test_active_member_survives_a_restart(net, new_switch):
    """As OVS: the daemon writes the active member's MAC to Port
    bond_active_slave and, started again, makes that member active rather
    than the first one to come up (no needless failover)."""
    t = bt.BondPair(net, new_switch, n_links=2, n_hosts=1)
    t.configure("active-backup", "off")         # no primary, no LACP: both up at once
    sa = t.sa
    sa.wait_bond(lacp=False, timeout=10)
    first = sa.active_member()                  # what a fresh start picks
    other = next(l for l in t.a_links if l != first)
    sa("bond/set-active-member", "bond0", other)
    check_bond_columns(sa, t.a_links, "off")
    assert sa.daemon.stop() == 0
    sa.start()
    sa.wait_bond(lacp=False, timeout=10)
    assert sa.active_member() == other, sa.bond_json()
    check_bond_columns(sa, t.a_links, "off")
