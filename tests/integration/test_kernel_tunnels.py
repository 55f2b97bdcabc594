"""Tunnels on the kernel fast path (datapath_type=system, issue 15 item 5):
a vxlan port rides the kernel's collect-metadata device vxlan_sys_4789 and
the bridge's eBPF programs, proven by the counters (the kernel's move, the
userspace workers' do not); the device and programs outlive a kill -9 of
the daemon and are adopted by the next one; del-port of the last tunnel
and `exit --cleanup` remove the device.

Hosts as in test_tunnels.py: namespaces with their own pontoond on an
underlay of veth pairs (198.18.0.0/24), guests behind them (198.19.0.0/16).
"""

import json
import signal
import time

import pytest

import pontoon_harness as ph
from tunnel_hosts import GUESTS, UNDERLAY, Hosts, add_tunnel, ns_exec


@pytest.fixture
def hosts(net, workdir, request):
    h = Hosts(net, workdir, datapath_type="system")
    yield h
    h.stop(request)


def tunnel_port(cli, bridge, name):
    for b in json.loads(cli("--format=json", "dpif/show")):
        if b["name"] == bridge:
            for port in b["ports"]:
                if port["name"] == name:
                    return port
    raise AssertionError(f"{name} not in dpif/show of {bridge}")


def device(ns, name="vxlan_sys_4789"):
    """`ip -d link show` of a device in ns, or "" when there is none."""
    r = ns_exec(ns, "ip", "-d", "link", "show", name, check=False)
    return r.stdout if r.returncode == 0 else ""


def hooks(ns, dev):
    return ns_exec(ns, str(ph.BUILD / "bpf_switch_tool"), "hooks", dev, check=False).stdout


def two_hosts(net, hosts, vni=500):
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2")
    gs = []
    for ns, cli, me, peer in ((a_ns, a, 1, 2), (b_ns, b, 2, 1)):
        br = net.name(f"k{me}")
        cli.add_br(br)
        g = hosts.guest(ns, f"kg{me}", f"{GUESTS}.9.{me}")
        cli("add-port", br, g.port)
        add_tunnel(cli, br, net.name(f"kt{me}"), "vxlan", f"{UNDERLAY}.{peer}", vni)
        gs.append(g)
    gs[0].ping_until(gs[1].ip, timeout=15)
    gs[1].ping_until(gs[0].ip, timeout=10)
    return (a_ns, a), (b_ns, b), gs


def test_known_unicast_over_a_tunnel_stays_in_the_kernel(net, hosts):
    (a_ns, a), (b_ns, b), gs = two_hosts(net, hosts)
    br, tnl = net.name("k1"), net.name("kt1")
    info = device(a_ns)
    assert "vxlan external" in info and "pontoon tunnel" in info, info
    assert "pontoon_switch" in hooks(a_ns, "vxlan_sys_4789")
    assert "pontoon_tnl_tx" in hooks(a_ns, "vxlan_sys_4789")
    assert "datapath:kernel" in a("dpif/show")
    assert a("tnl/ports/show") == "Listening ports:\nvxlan_sys_4789 (1) ref_cnt=1\n"

    before = tunnel_port(a, br, tnl)
    gs[0].exec("ping", "-n", "-q", "-c", "100", "-i", "0.002", gs[1].ip, timeout=30)
    after = tunnel_port(a, br, tnl)
    # B's replies came in through the tunnel and went to the guest in the kernel.
    forwarded = after["kernel"]["forwarded"] - before["kernel"]["forwarded"]
    assert forwarded >= 100, (before, after)
    assert after["kernel"]["tx_packets"] - before["kernel"]["tx_packets"] >= 100
    up = after["rx"]["packets"] - before["rx"]["packets"]
    assert up <= 4, f"userspace received {up} frames of a known unicast exchange"
    assert after["tx"]["packets"] - before["tx"]["packets"] <= 4
    # One MAC table: the kernel learned B's guest behind the tunnel.
    assert gs[1].mac in a("fdb/show", br)


def test_broadcast_goes_up_and_back_down(net, hosts):
    """Floods are the userspace datapath's: a broadcast from B's guest comes
    up A's tunnel ring, a broadcast from A's guest leaves through the
    daemon's marked socket; each reaches the other side once."""
    from scapy.layers.l2 import Ether
    (a_ns, a), (b_ns, b), gs = two_hosts(net, hosts)
    for src, dst in ((gs[0], gs[1]), (gs[1], gs[0])):
        marker = ph.new_marker("flood")
        frame = Ether(src=src.mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / marker
        with dst.capture() as cap:
            src.send(frame)
            time.sleep(0.5)
        assert len(ph.marker_frames(cap.received, marker)) == 1
    port = tunnel_port(a, net.name("k1"), net.name("kt1"))
    assert port["kernel"]["passed_up"] >= 1 and port["rx"]["packets"] >= 1, port


def test_tunnel_survives_kill_and_cleanup_removes_the_device(net, hosts):
    (a_ns, a), (b_ns, b), gs = two_hosts(net, hosts)
    a_daemon = hosts.daemons[0]
    assert a_daemon.stop(sig=signal.SIGKILL) == -signal.SIGKILL
    # No daemon on A: known unicast still crosses the tunnel both ways.
    r = gs[0].exec("ping", "-n", "-q", "-c", "20", "-i", "0.05", gs[1].ip, check=False,
                   timeout=20)
    assert " 0% packet loss" in r.stdout, r.stdout
    assert device(a_ns)
    a_daemon.start()
    ph.wait_until(lambda: "switched in the kernel (vxlan_sys" in a_daemon.log(), timeout=10,
                  what="the restarted daemon to adopt the tunnel")
    gs[0].ping_until(gs[1].ip, timeout=10)

    # The last tunnel port goes: so does the device; it comes back with one.
    a("del-port", net.name("k1"), net.name("kt1"))
    ph.wait_until(lambda: not device(a_ns), timeout=5, what="vxlan_sys_4789 removed")
    add_tunnel(a, net.name("k1"), net.name("kt1"), "vxlan", f"{UNDERLAY}.2", 500)
    gs[0].ping_until(gs[1].ip, timeout=15)

    a("exit", "--cleanup")
    assert a_daemon.proc.wait(10) == 0
    assert not device(a_ns)
    assert not [p for p in ph.kernel_pins(net.prefix) if p.name.startswith(net.name("k1"))]


def test_geneve_on_a_system_bridge_runs_in_userspace(net, hosts):
    """This kernel has no geneve module: the port is carried by pontoond,
    frames between it and kernel ports go through the userspace datapath."""
    a_ns, a = hosts.pontoon_host("A")
    b_ns, b = hosts.pontoon_host("B")
    hosts.underlay(a_ns, f"{UNDERLAY}.1", b_ns, f"{UNDERLAY}.2")
    gs = []
    for ns, cli, me, peer, kind in ((a_ns, a, 1, 2, "geneve"), (b_ns, b, 2, 1, "geneve")):
        br = net.name(f"n{me}")
        cli.add_br(br)
        g = hosts.guest(ns, f"ng{me}", f"{GUESTS}.10.{me}")
        cli("add-port", br, g.port)
        add_tunnel(cli, br, net.name(f"nt{me}"), kind, f"{UNDERLAY}.{peer}", 8)
        gs.append(g)
    gs[0].ping_until(gs[1].ip, timeout=15)
    show = a("dpif/show")
    assert "datapath:userspace" in show and "system@ovs-system:" in show, show
    assert not device(a_ns)
    assert "the kernel cannot carry this tunnel" in hosts.daemons[0].log()


def test_datapath_type_change_moves_the_tunnel(net, hosts):
    """system -> netdev -> system on a bridge with a vxlan port: the new
    carrier opens while the old one still holds UDP 4789, so it is opened
    again once the old one is closed, in the same reconcile."""
    (a_ns, a), (b_ns, b), gs = two_hosts(net, hosts)
    br, tnl = net.name("k1"), net.name("kt1")
    for dp, carrier in (("netdev", "userspace"), ("system", "kernel")):
        a("set", "bridge", br, f"datapath_type={dp}")
        show = a("dpif/show")
        assert f"datapath:{carrier}" in show, show
        assert a.get("Interface", tnl, "error") == "[]"
        gs[0].ping_until(gs[1].ip, timeout=10)
    assert device(a_ns)
