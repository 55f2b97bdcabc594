"""Switching through one bridge: forwarding, VLAN modes, MAC learning.

Each test: a pontoond of its own, hosts in namespaces joined by veth pairs
whose host-side ends are ports of the bridge; ping and scapy-built frames.
"""

import json
import time

import pytest
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

import pontoon_harness as ph

BCAST = "ff:ff:ff:ff:ff:ff"
ETH_TEST = 0x88b5           # IEEE local experimental ethertype


def frame(src, marker, vlan=None, dst=BCAST):
    """A broadcast test frame carrying `marker`, tagged if vlan is given."""
    if vlan is None:
        return Ether(dst=dst, src=src, type=ETH_TEST) / Raw(marker)
    return Ether(dst=dst, src=src) / Dot1Q(vlan=vlan, type=ETH_TEST) / Raw(marker)


def vid(pkt):
    """802.1Q VID of a captured frame, None when untagged."""
    return pkt[Dot1Q].vlan if Dot1Q in pkt else None


# Every test here runs on the userspace datapath and the kernel fast path.
pytestmark = pytest.mark.usefixtures("both_datapaths")


def bridge(pontoon, net, *hosts, name="br0", **port_columns):
    """add-br, then add-port for each host's port (with COLUMN=VALUE
    given per host suffix in port_columns)."""
    br = net.name(name)
    pontoon.add_br(br)
    for h in hosts:
        pontoon("add-port", br, h.port, *port_columns.get(h.port[len(net.prefix):], ()))
    return br


# ---------------------------------------------------------------- 1
def test_two_hosts_ping(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    bridge(pontoon, net, a, b)
    a.ping_until(b)
    assert a.ping(b) and b.ping(a)


# ---------------------------------------------------------------- 2
def test_access_ports_separate_vlans(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")     # VLAN 2
    b = net.add_host("b", "198.18.0.2")     # VLAN 2
    c = net.add_host("c", "198.18.0.3")     # VLAN 3
    bridge(pontoon, net, a, b, c, a=["tag=2"], b=["tag=2"], c=["tag=3"])
    a.ping_until(b)
    assert b.ping(a)
    assert not a.ping(c), "VLAN 2 host reached a VLAN 3 host"
    assert not c.ping(b), "VLAN 3 host reached a VLAN 2 host"


def test_access_port_drops_tagged_ingress(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    bridge(pontoon, net, a, b, a=["tag=2"], b=["tag=2"])
    a.ping_until(b)
    m_tagged, m_plain = ph.new_marker("tagged"), ph.new_marker("plain")
    with b.capture() as cap:
        a.send(frame(a.mac, m_tagged, vlan=2), frame(a.mac, m_tagged, vlan=3),
               frame(a.mac, m_plain))
    assert ph.marker_frames(cap.received, m_plain), "untagged frame not delivered (control)"
    assert not ph.marker_frames(cap.received, m_tagged), "access port admitted a tagged frame"


# ---------------------------------------------------------------- 3
def test_trunk_port_carries_tags(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")     # access VLAN 2
    c = net.add_host("c", "198.18.0.3")     # access VLAN 3
    t = net.add_host("t", "198.18.0.9")     # trunk (trunks empty = all VLANs)
    bridge(pontoon, net, a, c, t, a=["tag=2"], c=["tag=3"])

    # a VLAN-2 access host's frames leave the trunk tagged VID 2
    m2 = ph.new_marker("from-a")
    def a_reaches_trunk():
        with t.capture() as cap:
            a.send(frame(a.mac, m2))
        return ph.marker_frames(cap.received, m2)
    got = ph.wait_until(a_reaches_trunk, timeout=10, what="a's frame on the trunk")
    assert [vid(f) for f in got] == [2], [f.summary() for f in got]

    # VID 3 frames into the trunk reach only the VLAN-3 host, untagged;
    # untagged frames into the trunk are VLAN 0 and reach neither.
    m3, m0 = ph.new_marker("vid3"), ph.new_marker("untagged")
    with a.capture() as cap_a, c.capture() as cap_c:
        t.send(frame(t.mac, m0), frame(t.mac, m3, vlan=3))
    got_c = ph.marker_frames(cap_c.received, m3)
    assert len(got_c) == 1 and vid(got_c[0]) is None, [f.summary() for f in got_c]
    assert not ph.marker_frames(cap_a.received, m3), "VID 3 frame reached the VLAN 2 host"
    assert not ph.marker_frames(cap_a.received + cap_c.received, m0), \
        "untagged trunk frame (VLAN 0) reached an access host"

    # a trunks=[2] port drops VID 3 (in and out) and still carries VID 2
    pontoon("set", "port", t.port, "trunks=[2]")
    m3, m2 = ph.new_marker("vid3-dropped"), ph.new_marker("vid2")
    with a.capture() as cap_a, c.capture() as cap_c:
        t.send(frame(t.mac, m3, vlan=3), frame(t.mac, m2, vlan=2))
    assert ph.marker_frames(cap_a.received, m2), "VID 2 frame from trunks=[2] port not delivered"
    assert not ph.marker_frames(cap_c.received, m3), "trunks=[2] port admitted VID 3"
    m3 = ph.new_marker("c-out")
    with t.capture() as cap_t:
        c.send(frame(c.mac, m3))
        a.send(frame(a.mac, m2))
    assert ph.marker_frames(cap_t.received, m2), "VLAN 2 frame did not leave trunks=[2] port"
    assert not ph.marker_frames(cap_t.received, m3), "VLAN 3 frame left a trunks=[2] port"


def test_trunk_ping_through_tagged_peer(pontoon, daemon, net):
    """Two trunk ports: hosts tagging in software ping through."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    bridge(pontoon, net, a, b, a=["trunks=5"], b=["trunks=5"])
    m = ph.new_marker("vid5")
    def b_gets_it():
        with b.capture() as cap:
            a.send(frame(a.mac, m, vlan=5))
        return ph.marker_frames(cap.received, m)
    got = ph.wait_until(b_gets_it, timeout=10, what="VID 5 frame across two trunks")
    assert [vid(f) for f in got] == [5]


# ---------------------------------------------------------------- 4
@pytest.mark.parametrize("mode", ["native-tagged", "native-untagged"])
def test_native_vlan_modes(pontoon, daemon, net, mode):
    a = net.add_host("a", "198.18.0.1")     # access VLAN 2 (the native VLAN)
    c = net.add_host("c", "198.18.0.3")     # access VLAN 3
    n = net.add_host("n", "198.18.0.9")     # native port: tag=2, trunks 2,3
    bridge(pontoon, net, a, c, n, a=["tag=2"], c=["tag=3"],
           n=[f"vlan_mode={mode}", "tag=2", "trunks=[2,3]"])

    # untagged ingress joins the native VLAN 2
    m = ph.new_marker("untagged-in")
    def delivered():
        with a.capture() as cap_a, c.capture() as cap_c:
            n.send(frame(n.mac, m))
        got = ph.marker_frames(cap_a.received, m)
        return (got, ph.marker_frames(cap_c.received, m)) if got else None
    got_a, got_c = ph.wait_until(delivered, timeout=10,
                                 what="untagged frame from the native port to VLAN 2")
    assert [vid(f) for f in got_a] == [None]
    assert not got_c, "untagged ingress on native port reached VLAN 3"

    # tagged VID 3 ingress goes to VLAN 3 only
    m = ph.new_marker("vid3-in")
    with a.capture() as cap_a, c.capture() as cap_c:
        n.send(frame(n.mac, m, vlan=3))
    assert [vid(f) for f in ph.marker_frames(cap_c.received, m)] == [None]
    assert not ph.marker_frames(cap_a.received, m)

    # egress: native VLAN tagged (native-tagged) or untagged (native-untagged);
    # other VLANs always tagged
    m2, m3 = ph.new_marker("vlan2-out"), ph.new_marker("vlan3-out")
    with n.capture() as cap_n:
        a.send(frame(a.mac, m2))
        c.send(frame(c.mac, m3))
    expect_native = 2 if mode == "native-tagged" else None
    assert [vid(f) for f in ph.marker_frames(cap_n.received, m2)] == [expect_native]
    assert [vid(f) for f in ph.marker_frames(cap_n.received, m3)] == [3]


# ---------------------------------------------------------------- 5
def test_learning_stops_flooding(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    br = bridge(pontoon, net, a, b, c)
    a.ping_until(b)

    # control: unicast to an unknown MAC is flooded, so c sees it
    unknown = net.next_mac()
    m = ph.new_marker("unknown-unicast")
    with c.capture() as cap:
        a.send(frame(a.mac, m, dst=unknown))
    assert ph.marker_frames(cap.received, m), "unknown unicast not flooded to c"

    # learned: a <-> b unicast no longer reaches c
    with c.capture() as cap:
        assert a.ping(b, count=3)
    leaked = [f for f in cap.received if f.dst.lower() in (a.mac, b.mac)]
    assert not leaked, f"c saw unicast between a and b: {[f.summary() for f in leaked]}"

    # fdb/show: ' port  VLAN  MAC                Age', one line per learned MAC
    entries = ph.parse_fdb(pontoon("fdb/show", br))
    by_mac = {mac: (port, vlan) for port, vlan, mac, _ in entries}
    assert a.mac in by_mac and b.mac in by_mac, entries
    assert by_mac[a.mac][1] == 0 and by_mac[b.mac][1] == 0
    assert by_mac[a.mac][0] != by_mac[b.mac][0]
    for h in (a, b):
        r = pontoon.run("get", "Interface", h.port, "ofport")
        if r.returncode == 0 and r.stdout.strip().isdigit():
            assert by_mac[h.mac][0] == r.stdout.strip(), (h.port, entries, r.stdout)


def test_fdb_vlan_and_flush(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = bridge(pontoon, net, a, b, a=["tag=2"], b=["tag=2"])
    a.ping_until(b)
    entries = ph.parse_fdb(pontoon("fdb/show", br))
    vlans = {mac: vlan for _, vlan, mac, _ in entries}
    assert vlans.get(a.mac) == 2 and vlans.get(b.mac) == 2, entries

    pontoon("fdb/flush", br)
    macs = {mac for _, _, mac, _ in ph.parse_fdb(pontoon("fdb/show", br))}
    assert not macs & {a.mac, b.mac}, "fdb/flush left entries"
    pontoon("fdb/flush")                    # all bridges
    a.ping_until(b)


def test_mac_move_follows_the_new_port(pontoon, daemon, net):
    """a's MAC shows up behind c's port: unicast for it goes to c from then on."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    br = bridge(pontoon, net, a, b, c)
    a.ping_until(b)
    assert c.ping(b)
    c.send(frame(a.mac, ph.new_marker("moved")))    # a broadcast from a's MAC on c
    m = ph.new_marker("to-moved-mac")

    def reaches_c_only():
        with a.capture() as cap_a, c.capture() as cap_c:
            b.send(frame(b.mac, m, dst=a.mac))
        return ph.marker_frames(cap_c.received, m) and not ph.marker_frames(cap_a.received, m)

    ph.wait_until(reaches_c_only, timeout=5, what="unicast for the moved MAC at c only")
    entries = {mac: port for port, _, mac, _ in ph.parse_fdb(pontoon("fdb/show", br))}
    assert entries.get(a.mac) == pontoon.get("Interface", c.port, "ofport"), entries


def test_aging_forgets_and_floods_again(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    br = bridge(pontoon, net, a, b, c)
    pontoon("set", "bridge", br, "other_config:mac-aging-time=2")
    a.ping_until(b)
    m = ph.new_marker("known")
    with c.capture() as cap:
        a.send(frame(a.mac, m, dst=b.mac))
    assert not ph.marker_frames(cap.received, m), "known unicast reached a third host"

    def forgotten():
        return not {a.mac, b.mac} & {mac for _, _, mac, _ in ph.parse_fdb(pontoon("fdb/show", br))}

    ph.wait_until(forgotten, timeout=8, what="a and b to age out of fdb/show")
    m = ph.new_marker("aged")
    with c.capture() as cap:
        a.send(frame(a.mac, m, dst=b.mac))
    assert ph.marker_frames(cap.received, m), "unicast to an aged-out MAC was not flooded"


def test_table_bound(pontoon, daemon, net):
    hosts = [net.add_host(x, f"198.18.0.{i + 1}") for i, x in enumerate("abcd")]
    br = bridge(pontoon, net, *hosts)
    pontoon("set", "bridge", br, "other_config:mac-table-size=2")
    for h in hosts[1:]:
        hosts[0].ping_until(h)
    time.sleep(0.3)
    entries = ph.parse_fdb(pontoon("fdb/show", br))
    assert 1 <= len(entries) <= 2, entries
    # A full table costs floods, not connectivity.
    for h in hosts[1:]:
        assert hosts[0].ping(h)


# ---------------------------------------------------------------- 8
def test_retag_live(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")     # VLAN 2, moved to 3
    b = net.add_host("b", "198.18.0.2")     # VLAN 2
    c = net.add_host("c", "198.18.0.3")     # VLAN 3
    bridge(pontoon, net, a, b, c, a=["tag=2"], b=["tag=2"], c=["tag=3"])
    a.ping_until(b)
    assert not a.ping(c)
    pid = daemon.pid

    pontoon("set", "port", a.port, "tag=3")
    a.ping_until(c, timeout=5)
    a.flush_neigh()
    assert not a.ping(b), "after tag=3 the host still reaches VLAN 2"
    assert daemon.alive() and daemon.pid == pid, "daemon restarted"
    assert pontoon.get("Port", a.port, "tag") == "3"


# ---------------------------------------------------------------- 12 with traffic
def libvirt_statistics(pontoon, port):
    """Interface.statistics read the way libvirt reads it for domifstat."""
    out = pontoon("--if-exists", "--format=list", "--data=json", "--no-headings",
                  "--columns=statistics", "list", "Interface", port).strip()
    if not out:
        return None
    kind, pairs = json.loads(out)
    assert kind == "map", out
    return dict(pairs)


def test_interface_statistics_for_libvirt(pontoon, daemon, net):
    """The daemon writes Interface.statistics (every 5 s, as OVS) with the
    counters libvirt's domifstat reads, from the switch's side of each port."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    bridge(pontoon, net, a, b)
    a.ping_until(b)
    a.exec("ping", "-c", "20", "-i", "0.01", "-q", b.ip)

    def counted():
        sa, sb = libvirt_statistics(pontoon, a.port), libvirt_statistics(pontoon, b.port)
        if not sa or not sb or sa.get("rx_packets", 0) < 21 or sb.get("rx_packets", 0) < 21:
            return None
        return sa, sb
    sa, sb = ph.wait_until(counted, timeout=15, interval=0.5,
                           what="statistics with the 20 pings in them")
    keys = {"rx_packets", "rx_bytes", "rx_dropped", "rx_errors",
            "tx_packets", "tx_bytes", "tx_dropped", "tx_errors"}
    assert set(sa) == keys and set(sb) == keys, (sa, sb)
    # a's requests came in on a's port and left on b's; the replies the other way.
    assert sb["tx_packets"] >= 21 and sa["tx_packets"] >= 21, (sa, sb)
    assert sa["rx_bytes"] >= 21 * 98 and sa["rx_errors"] == 0, sa
    assert pontoon("get", "Interface", a.port, "statistics:rx_packets").strip().isdigit()
    # libvirt asks with --if-exists also for ports that are gone.
    assert libvirt_statistics(pontoon, net.name("nope")) is None


def test_interface_link_columns(pontoon, daemon, net):
    """admin_state, link_state, ifindex, mac_in_use and mtu as the kernel
    reports the device, kept current when it changes (as ovs-vswitchd)."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    bridge(pontoon, net, a, b)
    info = ph.link_info(a.port)

    def columns():
        return {c: pontoon("get", "Interface", a.port, c).strip()
                for c in ("admin_state", "link_state", "ifindex", "mac_in_use", "mtu")}
    want = {"admin_state": "up", "link_state": "up", "ifindex": str(info["ifindex"]),
            "mac_in_use": f'"{info["address"]}"', "mtu": str(info["mtu"])}
    ph.wait_until(lambda: columns() == want, timeout=5, what=f"link columns {want}")
    # ethtool's view, as OVS prints it for a veth; `show` keeps to OVS's columns.
    assert pontoon("get", "Interface", a.port, "link_speed").strip() == "10000000000"
    assert pontoon("get", "Interface", a.port, "duplex").strip() == "full"
    assert pontoon("get", "Interface", a.port, "status").strip() == \
        '{driver_name=veth, driver_version="1.0", firmware_version=""}'
    assert "driver_name" not in pontoon("show")

    ph.sh("ip", "link", "set", a.port, "mtu", "1400")
    ph.wait_until(lambda: columns()["mtu"] == "1400", timeout=5, what="mtu 1400")
    ph.sh("ip", "link", "set", a.port, "down")
    ph.wait_until(lambda: columns()["admin_state"] == "down"
                  and columns()["link_state"] == "down", timeout=5, what="port down")
    # The host's end going down takes the carrier only; link_resets counts
    # the carrier's changes since the switch opened the port.
    ph.sh("ip", "link", "set", a.port, "up")
    ph.wait_until(lambda: columns()["link_state"] == "up", timeout=5, what="port up")
    resets = int(pontoon.get("Interface", a.port, "link_resets"))
    a.exec("ip", "link", "set", a.ifname, "down")
    ph.wait_until(lambda: columns()["admin_state"] == "up"
                  and columns()["link_state"] == "down", timeout=5, what="no carrier")
    a.exec("ip", "link", "set", a.ifname, "up")
    ph.wait_until(lambda: columns()["link_state"] == "up", timeout=5, what="carrier back")
    assert int(pontoon.get("Interface", a.port, "link_resets")) == resets + 2
    # A port whose device is gone has none of them (and an error).
    pontoon("add-port", net.name("br0"), net.name("gone"))
    assert pontoon("get", "Interface", net.name("gone"), "link_state").strip() == "[]"


def test_bridge_datapath_id(pontoon, daemon, net):
    """datapath_id as ovs-vswitchd writes it (neutron's agents wait for it):
    0000 and the bridge's MAC, or other_config:datapath-id when valid."""
    br = bridge(pontoon, net)
    ph.wait_until(lambda: ph.link_exists(br), timeout=5, what=f"internal port {br}")
    mac = ph.link_info(br)["address"].replace(":", "")
    ph.wait_until(lambda: pontoon.get("Bridge", br, "datapath_id") == f'"0000{mac}"',
                  timeout=5, what="datapath_id from the bridge's MAC")
    assert pontoon.get("Bridge", br, "datapath_version") == '"<built-in>"'
    pontoon("set", "Bridge", br, "other_config:datapath-id=00000000000000AB")
    assert pontoon.get("Bridge", br, "datapath_id") == '"00000000000000ab"'


def test_libvirt_plug_line_with_traffic(pontoon, daemon, net):
    """libvirt's verbatim add-port line puts two hosts on VLAN 2; they ping."""
    from test_cli import libvirt_plug_argv, IFACE_ID0, IFACE_ID1
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    br = net.name("br0")
    pontoon.add_br(br)
    pontoon(*libvirt_plug_argv(br, a.port, a.mac, IFACE_ID0, "tag=2"))
    pontoon(*libvirt_plug_argv(br, b.port, b.mac, IFACE_ID1, "tag=2"))
    pontoon("add-port", br, c.port)
    a.ping_until(b)
    assert not a.ping(c)
    pontoon("--timeout=5", "--", "--if-exists", "del-port", b.port)
    a.flush_neigh()
    assert not a.ping(b)
