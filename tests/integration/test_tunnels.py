"""VXLAN and Geneve tunnel ports (issue 15, part 1).

Each "host" is a network namespace on an underlay of veth pairs addressed
from 198.18.0.0/24; each Pontoon host runs its own pontoond inside its
namespace.  Guests are namespaces behind a host's bridge, addressed from
198.19.0.0/16.  Nothing here uses an address outside 198.18.0.0/15.
"""

import signal
import re
import subprocess
import time

import pytest

import pontoon_harness as ph
from tunnel_hosts import (GUESTS, UNDERLAY, Hosts, add_tunnel, ns_exec, ofport,  # noqa: F401
                          tunnel_port_of)


@pytest.fixture(params=["netdev", "system"])
def hosts(net, workdir, request):
    """Every test with hosts runs on both datapaths: on `system` a vxlan port
    is carried by the kernel's vxlan_sys device and the eBPF programs, a
    geneve one (this kernel has no geneve module) by userspace."""
    h = Hosts(net, workdir, datapath_type=request.param)
    yield h
    h.stop(request)


def expected_datapath(hosts, kind="vxlan"):
    return "kernel" if hosts.datapath_type == "system" and kind == "vxlan" else "userspace"


# ---------------------------------------------------------------- (a) kernel vxlan
def test_vxlan_to_the_linux_kernel_pings_learns_and_encapsulates(net, hosts, prefix):
    p_ns, cli = hosts.pontoon_host("P")
    k_ns = net.add_ns("K")
    p_if, k_if = hosts.underlay(p_ns, f"{UNDERLAY}.1", k_ns, f"{UNDERLAY}.2")

    # The kernel host: vxlan VNI 100 in a Linux bridge with a guest behind it.
    vx, kbr = net.name("vx"), net.name("kbr")
    ph.sh("ip", "-n", k_ns, "link", "add", vx, "type", "vxlan", "id", "100",
          "remote", f"{UNDERLAY}.1", "local", f"{UNDERLAY}.2", "dstport", "4789")
    ph.sh("ip", "-n", k_ns, "link", "add", kbr, "type", "bridge")
    ph.sh("ip", "-n", k_ns, "link", "set", vx, "master", kbr, "up")
    ph.sh("ip", "-n", k_ns, "link", "set", kbr, "up")
    kguest = hosts.guest(k_ns, "kg", f"{GUESTS}.0.2")
    ph.sh("ip", "-n", k_ns, "link", "set", kguest.port, "master", kbr)

    br, tnl = net.name("br"), net.name("t1")
    cli.add_br(br)
    pguest = hosts.guest(p_ns, "pg", f"{GUESTS}.0.1")
    cli("add-port", br, pguest.port)
    add_tunnel(cli, br, tnl, "vxlan", f"{UNDERLAY}.2", 100)

    pguest.ping_until(kguest.ip, timeout=15)
    kguest.ping_until(pguest.ip, timeout=10)
    assert tunnel_port_of(cli, br, kguest.mac) == ofport(cli, tnl)

    # On the underlay: UDP to 4789, VNI 100, the guest's frame inside.
    from scapy.layers.inet import IP, UDP
    from scapy.layers.vxlan import VXLAN
    from scapy.layers.l2 import Ether
    with ph.Capture(k_ns, k_if) as cap:
        assert pguest.ping(kguest.ip, count=2)
    tunneled = [f for f in cap.frames if f.haslayer(UDP) and f[UDP].dport == 4789]
    assert tunneled, [f.summary() for f in cap.frames]
    from scapy.layers.inet import ICMP
    pings = []
    for f in tunneled:
        assert f[IP].src in (f"{UNDERLAY}.1", f"{UNDERLAY}.2")
        assert f.haslayer(VXLAN) and f[VXLAN].vni == 100 and f[VXLAN].flags & 0x08
        inner = f[VXLAN].payload
        assert isinstance(inner, Ether)
        if inner.haslayer(ICMP):   # the kernel side also sends IGMP and the like
            assert {inner.src, inner.dst} == {pguest.mac, kguest.mac}
            assert {inner[IP].src, inner[IP].dst} == {pguest.ip, kguest.ip}
            pings.append(f[IP].src)
    assert f"{UNDERLAY}.1" in pings and f"{UNDERLAY}.2" in pings, pings

    show = cli("dpif/show")
    # As OVS: the tunnel's datapath port is its UDP port's listener, numbered 1 here.
    assert re.search(rf"{tnl} \d+/1: \(vxlan: key=100, remote_ip={UNDERLAY}\.2\)", show), show
    assert re.search(rf"TUNNEL remote:{UNDERLAY}\.2 vni:100 inner_mtu:1450 .* "
                     rf"datapath:{expected_datapath(hosts)}\n", show), show
    ports = cli("tnl/ports/show")
    assert ports == "Listening ports:\nvxlan_sys_4789 (1) ref_cnt=1\n", ports
    ph.wait_until(lambda: cli.get("Interface", tnl, "mtu") == "1450", timeout=10,
                  what="Interface.mtu of the tunnel")


# ---------------------------------------------------------------- (b) Pontoon ↔ Pontoon
@pytest.mark.parametrize("kind", ["vxlan", "geneve"])
def test_pontoon_to_pontoon_two_vnis_are_isolated(net, hosts, kind):
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2")
    # Two bridges on each host, one VNI each, both on the same UDP port.
    guests = {}
    for ns, cli, me, peer, n in ((a_ns, a, 1, 2, "a"), (b_ns, b, 2, 1, "b")):
        for vni in (100, 200):
            br, tnl = net.name(f"{n}{vni // 100}"), net.name(f"{n}t{vni // 100}")
            cli.add_br(br)
            g = hosts.guest(ns, f"{n}g{vni // 100}", f"{GUESTS}.0.{me}")
            cli("add-port", br, g.port)
            add_tunnel(cli, br, tnl, kind, f"{UNDERLAY}.{peer}", vni)
            guests[(n, vni)] = g
    # Same subnet, same addresses on both VNIs: only the VNI keeps them apart.
    guests[("a", 100)].ping_until(guests[("b", 100)].ip, timeout=15)
    guests[("a", 200)].ping_until(guests[("b", 200)].ip, timeout=10)
    b1 = net.name("b1")
    b2 = net.name("b2")
    assert tunnel_port_of(b, b1, guests[("a", 100)].mac) == ofport(b, net.name("bt1"))
    assert tunnel_port_of(b, b2, guests[("a", 200)].mac) == ofport(b, net.name("bt2"))
    macs_1 = [m for _, _, m, _ in ph.parse_fdb(b("fdb/show", b1))]
    macs_2 = [m for _, _, m, _ in ph.parse_fdb(b("fdb/show", b2))]
    assert guests[("a", 200)].mac not in macs_1 and guests[("a", 100)].mac not in macs_2
    name = "vxlan_sys_4789 (1)" if kind == "vxlan" else "genev_sys_6081 (1)"
    assert a("tnl/ports/show") == f"Listening ports:\n{name} ref_cnt=2\n"

    # Too big for the underlay with the outer header: dropped and counted.
    g = guests[("a", 100)]
    r = g.exec("ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", "1472", guests[("b", 100)].ip,
               check=False)
    assert r.returncode != 0
    show = a("dpif/show")
    m = re.search(rf"{net.name('at1')} .*\n(?:.*\n)*?\s+TUNNEL .*inner_mtu:1450 too_big:(\d+)"
                  rf" .*datapath:{expected_datapath(hosts, kind)}\n", show)
    assert m and int(m.group(1)) >= 1, show


# ---------------------------------------------------------------- (c) split horizon
def test_full_mesh_broadcast_reaches_each_host_once(net, hosts):
    names = ["A", "B", "C"]
    nss, clis, guests = {}, {}, {}
    for i, n in enumerate(names, 1):
        nss[n], clis[n] = hosts.pontoon_host(n)
    ips = {"A": 1, "B": 2, "C": 3}
    # Each pair gets its own underlay link; each host has one address per link.
    addr = {}
    for x, y in (("A", "B"), ("A", "C"), ("B", "C")):
        ix, iy = f"{UNDERLAY}.{ips[x]}{ips[y]}", f"{UNDERLAY}.{ips[y]}{ips[x]}"
        hosts.underlay(nss[x], ix, nss[y], iy)
        addr[(x, y)], addr[(y, x)] = ix, iy
    for n in names:
        br = net.name(f"m{n}")
        clis[n].add_br(br)
        guests[n] = hosts.guest(nss[n], f"g{n}", f"{GUESTS}.1.{ips[n]}")
        clis[n]("add-port", br, guests[n].port)
        for other in names:
            if other != n:
                add_tunnel(clis[n], br, net.name(f"t{n}{other}"), "vxlan", addr[(other, n)], 7,
                           f"options:local_ip={addr[(n, other)]}")
    guests["A"].ping_until(guests["B"].ip, timeout=15)
    guests["A"].ping_until(guests["C"].ip, timeout=10)
    guests["B"].ping_until(guests["C"].ip, timeout=10)

    from scapy.layers.l2 import Ether
    marker = ph.new_marker("mesh")
    frame = Ether(src=guests["A"].mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / marker
    with guests["B"].capture() as cap_b, guests["C"].capture() as cap_c:
        guests["A"].send(frame)
        time.sleep(0.5)
    assert len(ph.marker_frames(cap_b.received, marker)) == 1
    assert len(ph.marker_frames(cap_c.received, marker)) == 1


# ---------------------------------------------------------------- (d) bad options
@pytest.mark.parametrize("options, message", [
    (["type=vxlan"], "needs options:remote_ip"),
    (["type=vxlan", "options:remote_ip=198.18.0.2", "options:key=16777216"],
     "options:key=16777216: a vxlan VNI is a number from 0 to 16777215"),
    (["type=geneve", "options:remote_ip=198.18.0.2", "options:key=abc"],
     "options:key=abc: a geneve VNI"),
    (["type=vxlan", "options:remote_ip=198.18.0.2", "options:key=flow"],
     "OpenFlow-based tunnels"),
    (["type=vxlan", "options:remote_ip=flow"], "OpenFlow-based tunnels"),
    (["type=vxlan", "options:remote_ip=198.18.0.300"], "not an IPv4 or IPv6 address"),
])
def test_bad_options_leave_the_database_unchanged(pontoon, daemon, net, options, message):
    br = net.name("br")
    # A netdev bridge: this daemon runs in the host's namespace, where a
    # system bridge's tunnel would leave the kernel's vxlan_sys device behind.
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    before = pontoon.dump()
    tnl = net.name("t1")
    err = pontoon.fails("add-port", br, tnl, "--", "set", "Interface", tnl, *options)
    assert message in err and tnl in err, err
    assert pontoon.dump() == before
    # The same on an existing tunnel port: set fails, the port keeps its options.
    pontoon("add-port", br, tnl, "--", "set", "Interface", tnl, "type=vxlan",
            "options:remote_ip=198.18.0.2", "options:key=5")
    before = pontoon.dump()
    err = pontoon.fails("set", "Interface", tnl, *[o for o in options if o != "type=vxlan"]
                        or ["options:remote_ip=flow"])
    assert pontoon.dump() == before


# ---------------------------------------------------------------- (e) a large transfer
_SERVER = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); print("READY", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""

_CLIENT = """
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[2]))
c = socket.create_connection((sys.argv[1], 5201), timeout=30); c.sendall(data); c.close()
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
"""


def test_large_tcp_transfer_through_the_tunnel_arrives_intact(net, hosts):
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    # A jumbo-ish underlay so that guests keep MTU 1500 (inner MTU 1550).
    hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2", mtu=1600)
    gs = []
    for ns, cli, me, peer in ((a_ns, a, 1, 2), (b_ns, b, 2, 1)):
        br = net.name(f"x{me}")
        cli.add_br(br)
        g = hosts.guest(ns, f"xg{me}", f"{GUESTS}.2.{me}")
        cli("add-port", br, g.port)
        add_tunnel(cli, br, net.name(f"xt{me}"), "vxlan", f"{UNDERLAY}.{peer}", 42)
        gs.append(g)
    gs[0].ping_until(gs[1].ip, timeout=15)
    server = subprocess.Popen(["ip", "netns", "exec", gs[1].ns, ph.PYTHON, "-c", _SERVER,
                               gs[1].ip], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "READY"
        sent = ns_exec(gs[0].ns, ph.PYTHON, "-c", _CLIENT, gs[1].ip, str(32 << 20),
                       timeout=120).stdout.split()
        got = server.communicate(timeout=60)[0].split()
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert got == sent


# ---------------------------------------------------------------- (f) Open vSwitch
@pytest.fixture
def ovs(net, request):
    """Factory: ovs(ns) → a started OvsPeer in that namespace; stopped by PID."""
    import ovs_peer
    ovs_peer.ensure_ovs()
    made = []

    def make(ns):
        o = ovs_peer.OvsPeer(ns, net.prefix)
        made.append(o)
        return o.start()

    yield make
    rep = getattr(request.node, "rep_call", None)
    for o in made:
        if rep is None or rep.failed:
            print(f"\n---- ovs-vswitchd log ({o.dir}) ----\n{o.log()}")
        o.stop()


def ovs_tunnel_host(net, hosts, ovs, o_ns, o_if, o_ip, p_ip, p_mac, kind, key, guest_ip,
                    extra=()):
    """OVS's native (userspace) tunneling, as in its howto/userspace-tunneling:
    the underlay address lives on the internal port of a netdev bridge that
    holds the physical port; OVS routes and resolves the remote itself."""
    import ovs_peer
    o = ovs(o_ns)
    ovs_peer.offloads_off(o_ns, o_if)
    o.vsctl("add-br", "br-underlay", "--", "set", "bridge", "br-underlay",
            "datapath_type=netdev", "--", "add-port", "br-underlay", o_if)
    # A /24, not a /32 with a host route: OVS's router takes a route's source
    # address from the bridge's addresses whose prefix covers the destination.
    ph.sh("ip", "-n", o_ns, "addr", "add", f"{o_ip}/24", "dev", "br-underlay")
    ph.sh("ip", "-n", o_ns, "link", "set", "br-underlay", "up")
    ovs_peer.offloads_off(o_ns, "br-underlay")
    ph.wait_until(lambda: f"{o_ip.rsplit('.', 1)[0]}.0/24 dev br-underlay" in
                  o.appctl("ovs/route/show"), timeout=10, what="OVS: route to the underlay")
    o.appctl("tnl/arp/set", "br-underlay", p_ip, p_mac)
    og = hosts.guest(o_ns, "og", guest_ip)
    ovs_peer.offloads_off(o_ns, og.port)
    ovs_peer.offloads_off(og.ns, "eth0")
    o.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
            "--", "add-port", "br-int", og.port,
            "--", "add-port", "br-int", "tnl0", "--", "set", "Interface", "tnl0",
            f"type={kind}", f"options:remote_ip={p_ip}", f"options:key={key}", *extra)
    return o, og


@pytest.mark.parametrize("kind", ["vxlan", "geneve"])
def test_interop_with_open_vswitch_userspace(net, hosts, ovs, kind):
    import ovs_peer
    from scapy.layers.inet import IP, UDP, ICMP
    from scapy.layers.l2 import Ether
    from scapy.layers.vxlan import VXLAN
    from scapy.contrib.geneve import GENEVE

    p_ns, cli = hosts.pontoon_host("P")
    o_ns = net.add_ns("O")
    p_ip, o_ip = f"{UNDERLAY}.1", f"{UNDERLAY}.2"
    p_if, o_if = hosts.underlay(p_ns, p_ip, o_ns, o_ip)
    # OVS owns o_if: its address moves to OVS's br-underlay internal port.
    ph.sh("ip", "-n", o_ns, "addr", "flush", "dev", o_if)
    ph.sh("ip", "-n", o_ns, "route", "flush", "dev", o_if, check=False)
    # OVS reads frames with AF_PACKET: no checksum left for offload to fill in.
    ovs_peer.offloads_off(p_ns, p_if)
    p_mac = ph.link_info(p_if, ns=p_ns)["address"]
    key = 4242
    port = 4789 if kind == "vxlan" else 6081
    # Geneve both ways with UDP checksums (csum=true on both sides); vxlan
    # with the defaults (no outer checksum).
    csum = ["options:csum=true"] if kind == "geneve" else []
    o, og = ovs_tunnel_host(net, hosts, ovs, o_ns, o_if, o_ip, p_ip, p_mac, kind, key,
                            f"{GUESTS}.3.2", extra=csum)
    if kind == "geneve":
        # OVS adds a 4-byte TLV option to what its guest sends: Pontoon skips
        # it and delivers the inner frame.  Frames of EtherType 0x88b6 get a
        # critical option instead (type 0x80: OVS then sets the C bit).
        mgmt = f"unix:{o.dir}/br-int.mgmt"
        o_bin = ["ip", "netns", "exec", o_ns, "ovs-ofctl"]
        ph.sh(*o_bin, "add-tlv-map", mgmt, "{class=0xffff,type=0x01,len=4}->tun_metadata0,"
              "{class=0xffff,type=0x80,len=4}->tun_metadata1")
        ph.sh(*o_bin, "add-flow", mgmt,
              "priority=100,actions=set_field:0xa1b2c3d4->tun_metadata0,NORMAL")
        ph.sh(*o_bin, "add-flow", mgmt,
              "priority=200,dl_type=0x88b6,actions=set_field:0x1->tun_metadata1,NORMAL")

    br, tnl = net.name("br"), net.name("t1")
    cli.add_br(br)
    pg = hosts.guest(p_ns, "pg", f"{GUESTS}.3.1")
    cli("add-port", br, pg.port)
    add_tunnel(cli, br, tnl, kind, o_ip, key, *csum)

    ph.wait_until(lambda: ns_exec(p_ns, "ping", "-n", "-c", "1", "-W", "1", o_ip,
                                  check=False).returncode == 0,
                  timeout=10, what="the OVS host's underlay address answers")
    pg.ping_until(og.ip, timeout=20)
    og.ping_until(pg.ip, timeout=10)
    assert tunnel_port_of(cli, br, og.mac) == ofport(cli, tnl)
    assert og.mac.lower() in o.appctl("fdb/show", "br-int").lower()

    layer = VXLAN if kind == "vxlan" else GENEVE
    with ph.Capture(p_ns, p_if) as cap:
        assert pg.ping(og.ip, count=2)
        assert og.ping(pg.ip, count=2)
    tunneled = [f for f in cap.frames
                if f.haslayer(UDP) and f[UDP].dport == port and f.haslayer(layer)]
    assert tunneled, [f.summary() for f in cap.frames]
    senders = set()
    for f in tunneled:
        assert {f[IP].src, f[IP].dst} == {p_ip, o_ip}
        assert f[layer].vni == key
        if kind == "vxlan":
            assert f[VXLAN].flags & 0x08
        else:
            assert f[GENEVE].proto == 0x6558
            # OVS's frames carry the option (2 words), Pontoon's none.
            assert f[GENEVE].optionlen == (2 if f[IP].src == o_ip else 0), f.show(dump=True)
            # csum=true: both sides fill in the outer UDP checksum, and it is right.
            sent = f[UDP].chksum
            assert sent != 0
            del f[UDP].chksum
            assert IP(bytes(f[IP]))[UDP].chksum == sent
        inner = f[layer].payload
        assert isinstance(inner, Ether), f.summary()
        if inner.haslayer(ICMP):
            assert {inner.src, inner.dst} == {pg.mac, og.mac}
            assert {inner[IP].src, inner[IP].dst} == {pg.ip, og.ip}
            # The inner ICMP checksum survives the trip.
            sent = inner[ICMP].chksum
            del inner[ICMP].chksum
            assert Ether(bytes(inner))[ICMP].chksum == sent
            senders.add(f[IP].src)
    assert senders == {p_ip, o_ip}, senders

    if kind == "geneve":
        # RFC 8926: an endpoint that does not interpret options drops a packet
        # with the C bit (as the kernel's geneve device does), and counts it.
        def rx_errors():
            m = re.search(rf"{tnl} .*\n(?:.*\n)*?\s+TUNNEL .*rx_errors:(\d+)", cli("dpif/show"))
            return int(m.group(1))
        before = rx_errors()
        marker = ph.new_marker("crit")
        frames = [Ether(src=og.mac, dst=pg.mac, type=t) / marker for t in (0x88b5, 0x88b6)]
        with pg.capture() as got, ph.Capture(p_ns, p_if) as wire:
            og.send(*frames)
            time.sleep(0.5)
        arrived = ph.marker_frames(got.received, marker)
        assert [f.type for f in arrived] == [0x88b5], [f.summary() for f in arrived]
        crit = [f for f in wire.frames if f.haslayer(GENEVE) and f[GENEVE].critical]
        assert len(crit) == 1, [f.summary() for f in wire.frames]
        assert rx_errors() == before + 1


# ---------------------------------------------------------------- (g) VLANs on a tunnel
def test_two_vlans_over_one_tunnel_are_isolated(net, hosts):
    """Access ports on VLANs 10 and 20 at both ends, one tunnel (a trunk, as
    any untagged port) between them: the tag travels inside the tunnel."""
    from scapy.layers.inet import UDP
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.layers.vxlan import VXLAN

    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    a_if, _ = hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2")
    guests = {}
    for ns, cli, me, peer, n in ((a_ns, a, 1, 2, "a"), (b_ns, b, 2, 1, "b")):
        br = net.name(f"v{n}")
        cli.add_br(br)
        add_tunnel(cli, br, net.name(f"v{n}t"), "vxlan", f"{UNDERLAY}.{peer}", 300)
        for vlan in (10, 20):
            # Same addresses on both VLANs: only the tag keeps them apart.
            g = hosts.guest(ns, f"{n}v{vlan}", f"{GUESTS}.4.{me}")
            cli("add-port", br, g.port, f"tag={vlan}")
            guests[(n, vlan)] = g
    guests[("a", 10)].ping_until(guests[("b", 10)].ip, timeout=15)
    guests[("a", 20)].ping_until(guests[("b", 20)].ip, timeout=10)
    fdb = ph.parse_fdb(b("fdb/show", net.name("vb")))
    learned = {(m.lower(), int(vlan)): port for port, vlan, m, _ in fdb}
    tnl_b = ofport(b, net.name("vbt"))
    assert learned.get((guests[("a", 10)].mac.lower(), 10)) == tnl_b, fdb
    assert learned.get((guests[("a", 20)].mac.lower(), 20)) == tnl_b, fdb
    assert (guests[("a", 10)].mac.lower(), 20) not in learned, fdb

    # A broadcast on VLAN 10 reaches B's VLAN 10 guest only, tagged 10 on the wire.
    marker = ph.new_marker("vlan")
    frame = Ether(src=guests[("a", 10)].mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / marker
    with guests[("b", 10)].capture() as cap10, guests[("b", 20)].capture() as cap20, \
            ph.Capture(a_ns, a_if) as wire:
        guests[("a", 10)].send(frame)
        time.sleep(0.5)
    assert len(ph.marker_frames(cap10.received, marker)) == 1
    assert ph.marker_frames(cap20.received, marker) == []
    inner = [f[VXLAN].payload for f in wire.frames
             if f.haslayer(UDP) and f[UDP].dport == 4789 and f.haslayer(VXLAN)
             and marker in bytes(f[VXLAN].payload)]
    assert len(inner) == 1 and inner[0].haslayer(Dot1Q) and inner[0][Dot1Q].vlan == 10, \
        [f.summary() for f in wire.frames]


# ---------------------------------------------------------------- (h) remote restart
def test_remote_host_restart_traffic_resumes(net, hosts):
    """The remote pontoond is killed (SIGKILL, no clean shutdown) and started
    again from its database: the tunnel comes back and pings resume."""
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    b_daemon = hosts.daemons[-1]
    hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2")
    gs = []
    for ns, cli, me, peer in ((a_ns, a, 1, 2), (b_ns, b, 2, 1)):
        br = net.name(f"r{me}")
        cli.add_br(br)
        g = hosts.guest(ns, f"rg{me}", f"{GUESTS}.5.{me}")
        cli("add-port", br, g.port)
        add_tunnel(cli, br, net.name(f"rt{me}"), "vxlan", f"{UNDERLAY}.{peer}", 77)
        gs.append(g)
    gs[0].ping_until(gs[1].ip, timeout=15)

    b_daemon.stop(sig=signal.SIGKILL)
    # Without its daemon B's userspace datapath is gone; its kernel fast
    # path (programs, maps and tunnel device pinned) keeps forwarding.
    assert gs[0].ping(gs[1].ip, count=1) == (hosts.datapath_type == "system")
    b_daemon.start()
    gs[0].ping_until(gs[1].ip, timeout=20)
    assert gs[1].ping(gs[0].ip)
    assert tunnel_port_of(b, net.name("r2"), gs[0].mac) == ofport(b, net.name("rt2"))


# ---------------------------------------------------------------- (i) IPv6 underlay
def test_ipv6_underlay(net, hosts):
    """remote_ip an IPv6 address (2001:2::/48): the guests' IPv4 rides IPv6
    outer headers, inner MTU 1500 - 70."""
    from scapy.layers.inet6 import IPv6
    from scapy.layers.inet import UDP
    from scapy.layers.vxlan import VXLAN
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    a_if, _ = hosts.underlay6(a_ns, "2001:2::1", b_ns, "2001:2::2")
    gs = []
    for ns, cli, me, peer in ((a_ns, a, 1, 2), (b_ns, b, 2, 1)):
        br = net.name(f"s{me}")
        cli.add_br(br)
        g = hosts.guest(ns, f"sg{me}", f"{GUESTS}.6.{me}")
        cli("add-port", br, g.port)
        add_tunnel(cli, br, net.name(f"st{me}"), "vxlan", f"2001:2::{peer}", 66)
        gs.append(g)
    gs[0].ping_until(gs[1].ip, timeout=15)
    assert gs[1].ping(gs[0].ip)
    with ph.Capture(a_ns, a_if) as cap:
        assert gs[0].ping(gs[1].ip, count=2)
    outer = [f for f in cap.frames if f.haslayer(IPv6) and f.haslayer(UDP)
             and f[UDP].dport == 4789 and f.haslayer(VXLAN)]
    assert {f[IPv6].src for f in outer} == {"2001:2::1", "2001:2::2"}, \
        [f.summary() for f in cap.frames]
    assert all(f[VXLAN].vni == 66 for f in outer)
    # IPv6 outer header: 40 + 8 + 8 + 14 = 70 bytes on a 1500 underlay.
    ph.wait_until(lambda: a.get("Interface", net.name("st1"), "mtu") == "1430", timeout=10,
                  what="the IPv6 tunnel's inner MTU")
    show = a("dpif/show")
    assert f"datapath:{expected_datapath(hosts)}" in show, show


# ---------------------------------------------------------------- (j) hub and spoke
def test_hub_and_spoke_with_split_horizon_off(net, hosts):
    """A and C reach each other only through hub B (no A-C tunnel): B must
    forward from tunnel to tunnel, floods too, which
    other_config:tunnel-split-horizon=false allows."""
    from scapy.layers.l2 import Ether
    nss, clis, guests, brs = {}, {}, {}, {}
    for n in "ABC":
        nss[n], clis[n] = hosts.pontoon_host(n)
    hosts.underlay(nss["A"], f"{UNDERLAY}.1", nss["B"], f"{UNDERLAY}.2")
    hosts.underlay(nss["C"], f"{UNDERLAY}.3", nss["B"], f"{UNDERLAY}.4")
    for n, ip in (("A", 1), ("B", 2), ("C", 3)):
        brs[n] = net.name(f"h{n}")
        clis[n].add_br(brs[n])
        guests[n] = hosts.guest(nss[n], f"hg{n}", f"{GUESTS}.7.{ip}")
        clis[n]("add-port", brs[n], guests[n].port)
    add_tunnel(clis["A"], brs["A"], net.name("tAB"), "vxlan", f"{UNDERLAY}.2", 9,
               f"options:local_ip={UNDERLAY}.1")
    add_tunnel(clis["C"], brs["C"], net.name("tCB"), "vxlan", f"{UNDERLAY}.4", 9,
               f"options:local_ip={UNDERLAY}.3")
    add_tunnel(clis["B"], brs["B"], net.name("tBA"), "vxlan", f"{UNDERLAY}.1", 9,
               f"options:local_ip={UNDERLAY}.2")
    add_tunnel(clis["B"], brs["B"], net.name("tBC"), "vxlan", f"{UNDERLAY}.3", 9,
               f"options:local_ip={UNDERLAY}.4")
    clis["B"]("set", "bridge", brs["B"], "other_config:tunnel-split-horizon=false")
    guests["A"].ping_until(guests["C"].ip, timeout=15)
    assert guests["C"].ping(guests["A"].ip)
    assert tunnel_port_of(clis["B"], brs["B"], guests["A"].mac) == ofport(clis["B"],
                                                                          net.name("tBA"))
    assert tunnel_port_of(clis["B"], brs["B"], guests["C"].mac) == ofport(clis["B"],
                                                                          net.name("tBC"))
    # A broadcast from A reaches C once through the hub, and B's own guest.
    marker = ph.new_marker("hub")
    frame = Ether(src=guests["A"].mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / marker
    with guests["C"].capture() as cap_c, guests["B"].capture() as cap_b:
        guests["A"].send(frame)
        time.sleep(0.5)
    assert len(ph.marker_frames(cap_c.received, marker)) == 1
    assert len(ph.marker_frames(cap_b.received, marker)) == 1
    # Split horizon back on (the default): the hub no longer floods tunnel to tunnel.
    clis["B"]("remove", "bridge", brs["B"], "other_config", "tunnel-split-horizon")
    time.sleep(0.3)
    marker = ph.new_marker("hub2")
    frame = Ether(src=guests["A"].mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / marker
    with guests["C"].capture() as cap_c, guests["B"].capture() as cap_b:
        guests["A"].send(frame)
        time.sleep(0.5)
    assert ph.marker_frames(cap_c.received, marker) == []
    assert len(ph.marker_frames(cap_b.received, marker)) == 1


# ---------------------------------------------------------------- (k) the seed's ifcfg-br1
def test_underlay_on_an_internal_port_over_a_bond(net, hosts):
    """The host's underlay address on a Pontoon internal port (the seed's
    ifcfg-br1 pattern) of a bridge whose uplink is an LACP bond of two veths;
    the guests' bridge tunnels over it."""
    nss, clis, guests = {}, {}, {}
    for n in "AB":
        nss[n], clis[n] = hosts.pontoon_host(n)
    links = []
    for i in (1, 2):
        a, b = net.name(f"l{i}a"), net.name(f"l{i}b")
        ph.sh("ip", "link", "add", "name", a, "type", "veth", "peer", "name", b)
        for dev, n in ((a, "A"), (b, "B")):
            ph.sh("ip", "link", "set", dev, "netns", nss[n])
            ph.sh("ip", "-n", nss[n], "link", "set", dev, "up")
        links.append((a, b))
    for n, me, peer, side in (("A", 1, 2, 0), ("B", 2, 1, 1)):
        ul, bond = net.name(f"ul{n}"), net.name(f"bd{n}")
        clis[n].add_br(ul)
        # LACP between the two bonds: each may then take frames on either
        # member, whichever one the other side made active.
        clis[n]("add-bond", ul, bond, links[0][side], links[1][side], "lacp=active")
        ph.sh("ip", "-n", nss[n], "addr", "add", f"{UNDERLAY}.{me}/24", "dev", ul)
        ph.sh("ip", "-n", nss[n], "link", "set", ul, "up")
        br = net.name(f"g{n}")
        clis[n].add_br(br)
        guests[n] = hosts.guest(nss[n], f"gg{n}", f"{GUESTS}.8.{me}")
        clis[n]("add-port", br, guests[n].port)
        add_tunnel(clis[n], br, net.name(f"gt{n}"), "vxlan", f"{UNDERLAY}.{peer}", 31)
    ph.wait_until(lambda: ns_exec(nss["A"], "ping", "-n", "-c", "1", "-W", "1",
                                  f"{UNDERLAY}.2", check=False).returncode == 0,
                  timeout=15, what="the underlay through the internal ports and bonds")
    guests["A"].ping_until(guests["B"].ip, timeout=15)
    assert guests["B"].ping(guests["A"].ip, count=3)
    assert tunnel_port_of(clis["B"], net.name("gB"), guests["A"].mac) == \
        ofport(clis["B"], net.name("gtB"))
    # The inner MTU follows the internal port's route: 1500 - 50.
    ph.wait_until(lambda: clis["A"].get("Interface", net.name("gtA"), "mtu") == "1450",
                  timeout=10, what="the tunnel's inner MTU over the internal port")
