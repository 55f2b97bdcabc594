"""VXLAN and Geneve tunnel ports (issue 15, part 1).

Each "host" is a network namespace on an underlay of veth pairs addressed
from 198.18.0.0/24; each Pontoon host runs its own pontoond inside its
namespace.  Guests are namespaces behind a host's bridge, addressed from
198.19.0.0/16.  Nothing here uses an address outside 198.18.0.0/15.
"""

import hashlib
import os
import re
import subprocess
import time

import pytest

import pontoon_harness as ph

UNDERLAY = "198.18.0"
GUESTS = "198.19"


class NsPontoon(ph.Pontoon):
    """The CLI run inside a host namespace (as in test_macvtap.py)."""

    def __init__(self, ns, db, run_dir):
        super().__init__(db, run_dir)
        self.ns = ns

    def run(self, *args, timeout=30):
        argv = ["ip", "netns", "exec", self.ns, self.binary] + [str(a) for a in args]
        t0 = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=timeout)
        self.history.append((argv[4:], r.returncode, round(time.monotonic() - t0, 2)))
        return r


def ns_exec(ns, *cmd, check=True, timeout=20):
    return ph.sh("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout)


class Hosts:
    """Host namespaces with their pontoonds, the underlay between them and
    guests behind them; daemons stop (by PID) before `net` removes the
    namespaces."""

    def __init__(self, net, workdir):
        self.net, self.workdir = net, workdir
        self.daemons = []
        self.n_links = 0

    def pontoon_host(self, tag):
        ns = self.net.add_ns(tag)
        cli = NsPontoon(ns, self.workdir / f"{tag}.db", self.workdir / f"{tag}-run")
        d = ph.Daemon(cli.db, cli.run_dir, self.workdir / f"{tag}-pontoond.log", ns=ns,
                      log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"))
        d.start()
        self.daemons.append(d)
        return ns, cli

    def underlay(self, ns_a, ip_a, ns_b, ip_b, mtu=1500):
        """A point-to-point veth between two hosts, each end a /31-free /24:
        every link gets its own 198.18.0.x/32 pair of host routes."""
        self.n_links += 1
        a, b = self.net.name(f"u{self.n_links}a"), self.net.name(f"u{self.n_links}b")
        ph.sh("ip", "link", "add", "name", a, "type", "veth", "peer", "name", b)
        for dev, ns, ip, peer in ((a, ns_a, ip_a, ip_b), (b, ns_b, ip_b, ip_a)):
            ph.sh("ip", "link", "set", dev, "netns", ns)
            ph.sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu), "up")
            ph.sh("ip", "-n", ns, "addr", "add", f"{ip}/32", "dev", dev)
            ph.sh("ip", "-n", ns, "route", "add", f"{peer}/32", "dev", dev)
        return a, b

    def guest(self, host_ns, tag, ip, mac=None):
        """A guest namespace whose eth0 (ip/24) is veth-linked to `tag` in host_ns."""
        gns = self.net.add_ns(tag + "g")
        port = self.net.name(tag)
        ph.sh("ip", "link", "add", "name", port, "type", "veth", "peer", "name", "eth0",
              "netns", gns)
        ph.sh("ip", "link", "set", port, "netns", host_ns)
        ph.sh("ip", "-n", host_ns, "link", "set", port, "up")
        mac = mac or self.net.next_mac()
        ph.sh("ip", "-n", gns, "link", "set", "eth0", "address", mac)
        ph.sh("ip", "-n", gns, "addr", "add", f"{ip}/24", "dev", "eth0")
        ph.sh("ip", "-n", gns, "link", "set", "eth0", "up")
        return ph.Host(self.net, gns, port, ip, mac)

    def stop(self, request):
        statuses = []
        for d in self.daemons:
            statuses.append((d, d.stop()))
        rep = getattr(request.node, "rep_call", None)
        for d, status in statuses:
            log = d.log()
            if rep is None or rep.failed:
                print(f"\n---- pontoond in {d.ns} ----\n{log}")
            assert "Sanitizer" not in log and "runtime error:" not in log, log
            assert status == 0, log


@pytest.fixture
def hosts(net, workdir, request):
    h = Hosts(net, workdir)
    yield h
    h.stop(request)


def add_tunnel(cli, bridge, name, kind, remote, key, *extra):
    cli("add-port", bridge, name, "--", "set", "Interface", name, f"type={kind}",
        f"options:remote_ip={remote}", f"options:key={key}", *extra)


def tunnel_port_of(cli, bridge, mac, timeout=5):
    """The port fdb/show has learned `mac` on."""
    found = {}

    def learned():
        for port, _vlan, m, _age in ph.parse_fdb(cli("fdb/show", bridge)):
            if m.lower() == mac.lower():
                found["port"] = port
                return True
        return False
    ph.wait_until(learned, timeout=timeout, what=f"{mac} learned on {bridge}")
    return found["port"]


def ofport(cli, name):
    return cli.get("Interface", name, "ofport")


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
    cli("add-br", br)
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
    assert re.search(rf"TUNNEL remote:{UNDERLAY}\.2 vni:100 inner_mtu:1450", show), show
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
            cli("add-br", br)
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
    m = re.search(rf"{net.name('at1')} .*\n.*\n.*\n\s+TUNNEL .*inner_mtu:1450 too_big:(\d+)", show)
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
        clis[n]("add-br", br)
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
    pontoon("add-br", br)
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
        cli("add-br", br)
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
