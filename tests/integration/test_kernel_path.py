"""datapath_type=system: the kernel fast path run by the daemon.

Known unicast between kernel ports is switched by the eBPF programs at the
ports' TC hooks, proven by the counters (the kernel's move, the userspace
workers' do not); floods and ports that are not kernel devices go through
the userspace datapath; a TCP stream survives kill -9 of the daemon and its
restart; del-br and `exit --cleanup` leave no program, filter or pin; a
kernel that refuses the program gives a working netdev bridge and a status
that says why.
"""

import json
import signal
import threading
import time

import pytest

import pontoon_harness as ph


def system_bridge(pontoon, net, *hosts, name="br0"):
    br = net.name(name)
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=system")
    for h in hosts:
        pontoon("add-port", br, h.port)
    return br


def dpif(pontoon):
    return {b["name"]: b for b in json.loads(pontoon("--format=json", "dpif/show"))}


def port_of(pontoon, bridge, name):
    for port in dpif(pontoon)[bridge]["ports"]:
        if port["name"] == name:
            return port
    raise AssertionError(f"{name} not in dpif/show of {bridge}")


def bridge_status(pontoon, br):
    status = {}
    for key in ("datapath", "kernel_fast_path"):
        r = pontoon.run("get", "bridge", br, f"status:{key}")
        if r.returncode == 0:
            status[key] = r.stdout.strip().strip('"')
    return status


def tc_filters(dev):
    return ph.kernel_hooks(dev)


def test_known_unicast_stays_in_the_kernel(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = system_bridge(pontoon, net, a, b)
    a.ping_until(b)
    assert dpif(pontoon)[br]["datapath"] == "system"
    assert bridge_status(pontoon, br) == {"datapath": "system", "kernel_fast_path": "active"}
    assert "pontoon_switch" in tc_filters(a.port)
    before_a, before_b = port_of(pontoon, br, a.port), port_of(pontoon, br, b.port)
    a.exec("ping", "-n", "-q", "-c", "100", "-i", "0.002", b.ip, timeout=30)
    after_a, after_b = port_of(pontoon, br, a.port), port_of(pontoon, br, b.port)
    forwarded = after_a["kernel"]["forwarded"] - before_a["kernel"]["forwarded"]
    assert forwarded >= 100, (before_a, after_a)
    assert after_b["kernel"]["forwarded"] - before_b["kernel"]["forwarded"] >= 100
    # The workers saw at most a neighbour probe, never the 200 frames.
    up = after_a["rx"]["packets"] - before_a["rx"]["packets"]
    assert up <= 4, f"userspace received {up} frames of a known unicast exchange"
    assert after_b["tx"]["packets"] - before_b["tx"]["packets"] <= 4
    # One MAC table: the kernel's learning shows in fdb/show.
    fdb = pontoon("fdb/show", br)
    assert a.mac in fdb and b.mac in fdb, fdb


def test_datapath_types_lists_system(pontoon, daemon, net):
    types = pontoon("get", "open_vswitch", ".", "datapath_types")
    assert "system" in types and "netdev" in types


def test_empty_datapath_type_means_system(pontoon, daemon, net):
    """As OVS's: a plain add-br gets the kernel fast path."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = net.name("br0")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    assert dpif(pontoon)[br]["datapath"] == "system"
    assert "pontoon_switch" in tc_filters(a.port)
    out = pontoon("dpif/show")
    assert out.startswith("system@ovs-system:\n  " + br + ":\n"), out


def test_netdev_bridge_has_no_kernel_program(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = net.name("br0")
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    assert dpif(pontoon)[br]["datapath"] == "netdev"
    assert pontoon("dpif/show").startswith("netdev@ovs-netdev:\n")
    assert "pontoon_switch" not in tc_filters(a.port)
    assert not ph.kernel_pins(net.prefix)
    # Switching to system at run time moves it into the kernel, and back.
    pontoon("set", "bridge", br, "datapath_type=system")
    ph.wait_until(lambda: "pontoon_switch" in tc_filters(a.port), timeout=5,
                  what="program attached after datapath_type=system")
    a.ping_until(b)
    pontoon("set", "bridge", br, "datapath_type=netdev")
    ph.wait_until(lambda: "pontoon_switch" not in tc_filters(a.port), timeout=5,
                  what="program detached after datapath_type=netdev")
    assert not ph.kernel_pins(net.prefix)
    a.ping_until(b)


def test_patch_port_joins_system_and_netdev_bridges(pontoon, daemon, net):
    """Frames between a kernel port and a port that is not a kernel device go
    through the userspace datapath."""
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    c = net.add_host("c", "198.18.0.3")
    brs = system_bridge(pontoon, net, a, c, name="brs")
    brn = net.name("brn")
    pontoon("add-br", brn)
    pontoon("add-port", brn, b.port)
    ps, pn = net.name("ps"), net.name("pn")
    pontoon("add-port", brs, ps, "--", "set", "interface", ps, "type=patch",
            f"options:peer={pn}")
    pontoon("add-port", brn, pn, "--", "set", "interface", pn, "type=patch",
            f"options:peer={ps}")
    a.ping_until(b)
    assert b.ping(a) and a.ping(c) and c.ping(b)
    # b's MAC is behind the patch port: the kernel sends frames for it up.
    before = port_of(pontoon, brs, a.port)
    a.exec("ping", "-n", "-q", "-c", "20", "-i", "0.01", b.ip, timeout=20)
    after = port_of(pontoon, brs, a.port)
    assert after["rx"]["packets"] - before["rx"]["packets"] >= 20


def test_tcp_survives_kill_and_restart(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = system_bridge(pontoon, net, a, b)
    a.ping_until(b)
    b.ping_until(a)
    b.exec("iperf3", "-s", "-1", "-D")
    time.sleep(0.3)
    result = {}

    def client():
        r = a.exec("iperf3", "-c", b.ip, "-t", "6", "-i", "1", "-J", check=False, timeout=30)
        result["out"] = r.stdout

    t = threading.Thread(target=client)
    t.start()
    time.sleep(1.5)
    old_program = tc_filters(a.port)
    assert daemon.stop(sig=signal.SIGKILL) == -signal.SIGKILL
    time.sleep(1.5)                                # a whole interval with no daemon
    daemon.start()
    t.join(40)
    report = json.loads(result["out"])
    rates = [i["sum"]["bits_per_second"] for i in report["intervals"]]
    assert len(rates) >= 6, rates
    assert min(rates) > 1e6, f"a second without traffic: {rates}"
    # The new daemon adopted the pinned table and put its program in place.
    ph.wait_until(lambda: "MAC entries kept" in daemon.log(), timeout=5,
                  what="the restarted daemon to adopt the kernel path")
    adopted = [line for line in daemon.log().splitlines() if "MAC entries kept" in line][-1]
    assert "(0 MAC entries kept)" not in adopted, adopted
    ph.wait_until(lambda: tc_filters(a.port) != old_program, timeout=5,
                  what="the new daemon's program on the port")
    a.ping_until(b)


def test_del_br_and_exit_cleanup_leave_nothing(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    br = system_bridge(pontoon, net, a, b)
    a.ping_until(b)
    assert [p.name.split(":ns")[0] for p in ph.kernel_pins(net.prefix)] == [br]
    pontoon("del-br", br)
    ph.wait_until(lambda: not ph.kernel_pins(net.prefix), timeout=5, what="pins removed")
    assert "pontoon_switch" not in tc_filters(a.port)
    assert "pontoon_switch" not in tc_filters(b.port)

    br = system_bridge(pontoon, net, a, b)
    a.ping_until(b)
    assert ph.kernel_pins(net.prefix)
    pontoon("exit", "--cleanup")
    assert daemon.proc.wait(10) == 0
    assert not ph.kernel_pins(net.prefix)
    assert "pontoon_switch" not in tc_filters(a.port)
    daemon.start()                                  # the configuration is kept
    a.ping_until(b)


def test_exit_without_cleanup_keeps_the_kernel_path(pontoon, daemon, net):
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    system_bridge(pontoon, net, a, b)
    a.ping_until(b)
    pontoon("exit")
    assert daemon.proc.wait(10) == 0
    assert ph.kernel_pins(net.prefix)
    assert "pontoon_switch" in tc_filters(a.port)
    assert a.ping(b), "known unicast stopped with the daemon"
    daemon.start()


def test_refused_program_falls_back_to_netdev(pontoon, workdir, net):
    """PONTOON_BPF_OBJECT pointing at something that is no BPF object makes
    loading fail as a locked-down or too old kernel would."""
    d = ph.Daemon(pontoon.db, pontoon.run_dir, workdir / "pontoond.log")
    d.env["PONTOON_BPF_OBJECT"] = "/dev/null"
    d.start()
    try:
        a = net.add_host("a", "198.18.0.1")
        b = net.add_host("b", "198.18.0.2")
        br = system_bridge(pontoon, net, a, b)
        a.ping_until(b)
        status = bridge_status(pontoon, br)
        assert status["datapath"] == "netdev", status
        assert status["kernel_fast_path"].startswith("unavailable: "), status
        assert dpif(pontoon)[br]["datapath"] == "netdev"
        lines = [line for line in d.log().splitlines() if "kernel fast path cannot be loaded" in line]
        assert len(lines) == 1, d.log()
        assert "runs on the userspace datapath" in lines[0]
        assert "pontoon_switch" not in tc_filters(a.port)
        assert not ph.kernel_pins(net.prefix)
    finally:
        assert d.stop() == 0, d.log()
