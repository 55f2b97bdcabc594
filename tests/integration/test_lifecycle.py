"""The daemon's life: restart keeps the configuration, devices that vanish
and come back, runtime commands."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

import pontoon_harness as ph


# ---------------------------------------------------------------- 9
@pytest.mark.usefixtures("both_datapaths")
def test_restart_restores_configuration(pontoon, daemon, net):
    br, br1 = net.name("br0"), net.name("br1")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon.add_br(br)
    pontoon.add_br(br1)
    pontoon("add-port", br, a.port, "tag=2")
    pontoon("add-port", br, b.port, "tag=2")
    pontoon("add-port", br, "patch-to-br0", "--", "set", "Interface", "patch-to-br0",
            "type=patch", "options:peer=patch-to-br1")
    pontoon("add-port", br1, "patch-to-br1", "--", "set", "Interface", "patch-to-br1",
            "type=patch", "options:peer=patch-to-br0")
    ph.wait_until(lambda: ph.link_exists(br), timeout=5, what=f"internal port {br}")
    a.ping_until(b)
    show_before = pontoon("show")
    dump_before = pontoon.dump()["Port"]

    status = daemon.stop(signal.SIGTERM)
    assert status == 0, f"pontoond exited {status} on SIGTERM:\n{daemon.log()}"
    assert not ph.link_exists(br), "internal port device left behind after SIGTERM"
    assert not ph.link_exists(br1), "internal port device left behind after SIGTERM"
    assert pontoon("show") == show_before, "configuration changed by the shutdown"
    if pontoon.datapath_type == "netdev":
        assert not a.ping(b, count=1), "traffic passes with the userspace datapath stopped"
    else:   # the kernel fast path keeps switching known unicast (restart without outage)
        assert a.ping(b, count=1), "known unicast stopped with the daemon on a system bridge"

    daemon.start()
    ph.wait_until(lambda: ph.link_exists(br), timeout=5, what=f"internal port {br} after restart")
    a.ping_until(b)
    assert pontoon("show") == show_before
    assert pontoon.dump()["Port"] == dump_before
    # VLAN still applied after restart
    c = net.add_host("c", "198.18.0.3")
    pontoon("add-port", br, c.port, "tag=3")
    assert not a.ping(c)


def test_config_made_while_stopped_applies_at_start(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    daemon.stop()
    pontoon("add-br", br)                      # returns at once with no daemon
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    daemon.start()
    a.ping_until(b)


def main_thread_wakeups(pid):
    """How often the daemon's event loop was scheduled in (schedstat field 3)."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[2])


@pytest.mark.usefixtures("both_datapaths")
def test_idle_daemon_sleeps_between_statistics_intervals(pontoon, daemon, net):
    """With no traffic, bonds or kept NICs, the event loop sleeps: its timer
    fires once per statistics interval (5 s), and a change to the database
    wakes it through the file watch, not through a poll every second."""
    a, b = net.add_host("a", "198.18.0.1"), net.add_host("b", "198.18.0.2")
    br = net.name("br0")
    pontoon.add_br(br)                  # this test's datapath_type
    for host in (a, b):
        pontoon("add-port", br, host.port)
    a.ping_until(b)
    before = main_thread_wakeups(daemon.pid)
    time.sleep(8)
    # Two ticks, and the statistics the ping left (a write, which the watch
    # reports back); a one-second tick is eight.
    woken = main_thread_wakeups(daemon.pid) - before
    assert woken <= 4, f"the idle daemon woke {woken} times in 8 s"
    # Still watching: a change made with --no-wait is applied.
    subprocess.run([pontoon.binary, "--no-wait", "set", "Port", a.port, "tag=7"],
                   env=pontoon.env, check=True, capture_output=True)
    ph.wait_until(lambda: not a.ping(b, count=1), timeout=5,
                  what="the --no-wait VLAN change applied")


# ---------------------------------------------------------------- 10
def test_deleted_device_is_picked_up_again(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)

    def error_lines():
        return [l for l in ph.show_blocks(pontoon("show")).get(a.port, [])
                if l.startswith("error:")]

    assert not error_lines()
    ph.sh("ip", "link", "del", a.port)         # takes the namespace end too
    errs = ph.wait_until(error_lines, timeout=5, what=f"an error line for {a.port} in show")
    assert re.match(r'error: ".+"$', errs[0]), errs
    assert a.port in pontoon("list-ports", br), "port removed from the configuration"

    net.plug_host(a)                            # same names, address, MAC
    ph.wait_until(lambda: not error_lines(), timeout=5, what=f"{a.port}'s error line to clear")
    a.ping_until(b)
    assert b.ping(a)


# ---------------------------------------------------------------- runtime commands
def test_runtime_commands(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    pontoon("add-br", br)
    pontoon("add-port", br, a.port)

    assert pontoon("version").strip()
    commands = pontoon("list-commands")       # the runtime (ovs-appctl) set, as OVS
    for name in ("fdb/show", "fdb/flush", "dpif/show", "version"):
        assert name in commands, f"{name} missing from list-commands"

    dpif = pontoon("dpif/show")
    assert re.search(rf"^  {br}:$", dpif, re.M), dpif
    assert re.search(rf"^    {br} \S+: \(\w+\)$", dpif, re.M), dpif
    assert re.search(rf"^    {a.port} \d+/\S+: \(system\)$", dpif, re.M), dpif

    assert ph.parse_fdb(pontoon("fdb/show", br)) is not None
    r = pontoon.run("fdb/show", net.name("nosuch"))
    assert r.returncode != 0


def test_installed_as_ovs_appctl(pontoon, daemon, workdir, net):
    """Linked as ovs-appctl it takes ovs-appctl's arguments: -t/--target
    names the daemon (ovs-vswitchd, or the control socket), -T the timeout."""
    from test_cli import ovs_named
    appctl = ovs_named(pontoon, workdir, "ovs-appctl")
    br = net.name("br0")
    pontoon("add-br", br)
    assert br in appctl("-t", "ovs-vswitchd", "dpif/show")
    assert appctl("--target=ovs-vswitchd", "-T", "5", "version").startswith("pontoond")
    sock = os.path.join(pontoon.run_dir, "pontoond.ctl")
    assert br in appctl("-t", sock, "dpif/show")
    assert "port  VLAN  MAC" in appctl("fdb/show", br)
    data = json.loads(appctl("-f", "json", "dpif/show"))
    assert [b["name"] for b in data] == [br], data
    assert "usage: ovs-appctl" in appctl("--help")

    def fails(*args, status=1):
        r = appctl.run(*args)
        assert r.returncode == status and r.stderr.startswith("ovs-appctl: "), (args, r)
        return r.stderr
    assert "ovsdb-server" in fails("-t", "ovsdb-server", "version")
    assert "at least one non-option argument" in fails()
    assert "requires an argument" in fails("-t")
    assert "is not a valid command" in fails("add-br", "x", status=2)   # not an appctl command
    assert "is not a valid command" in fails("nosuch/cmd", status=2)
    assert pontoon.get("Open_vSwitch", ".", "bridges") != "[]"        # nothing changed


def test_cur_cfg_follows_next_cfg(pontoon, daemon, net):
    """As with ovs-vsctl and ovs-vswitchd: each change the CLI waits for
    counts next_cfg up, and the daemon sets cur_cfg to it once applied; it
    also says what it can run (datapath_types, iface_types)."""
    pontoon("add-br", net.name("br0"))
    next_cfg = int(pontoon.get("Open_vSwitch", ".", "next_cfg"))
    assert next_cfg >= 1
    assert int(pontoon.get("Open_vSwitch", ".", "cur_cfg")) == next_cfg
    pontoon("set", "Bridge", net.name("br0"), "other_config:x=1")
    assert int(pontoon.get("Open_vSwitch", ".", "next_cfg")) == next_cfg + 1
    assert int(pontoon.get("Open_vSwitch", ".", "cur_cfg")) == next_cfg + 1
    pontoon("--no-wait", "set", "Bridge", net.name("br0"), "other_config:x=2")
    assert int(pontoon.get("Open_vSwitch", ".", "next_cfg")) == next_cfg + 1
    pontoon("--dry-run", "set", "Bridge", net.name("br0"), "other_config:x=3")
    assert int(pontoon.get("Open_vSwitch", ".", "next_cfg")) == next_cfg + 1
    assert pontoon.get("Open_vSwitch", ".", "datapath_types") == "[netdev, system]"
    types = pontoon.get("Open_vSwitch", ".", "iface_types")
    assert types == ("[dpdkvhostuser, dpdkvhostuserclient, geneve, internal, patch, system, tap, "
                     "vxlan]"), types


def test_wait_until_and_comment(pontoon, daemon, net):
    """ovs-vsctl's wait-until: returns once the record exists with the given
    values (here, the ofport the daemon writes), runs the chain again until
    then, and with --timeout gives up (exit 142) leaving nothing changed.
    comment changes nothing."""
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    pontoon("add-br", br)
    pontoon("--no-wait", "add-port", br, a.port)
    pontoon("--timeout=10", "wait-until", "Interface", a.port, "link_state=up",
            "--", "comment", "the port", "is", "up")
    assert pontoon.get("Interface", a.port, "link_state") == "up"
    # A record that appears later: another command adds it meanwhile.
    late = net.name("late")
    waiter = subprocess.Popen([pontoon.binary, "--timeout=10", "wait-until", "Bridge", late],
                              env=pontoon.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    time.sleep(0.5)
    assert waiter.poll() is None, waiter.communicate()
    pontoon("add-br", late)
    out, errs = waiter.communicate(timeout=10)
    assert waiter.returncode == 0, errs
    # Never true: the timeout, and the chain's other commands did not apply.
    r = pontoon.run("--timeout=1", "set", "Bridge", br, "other_config:x=1", "--",
                    "wait-until", "Interface", a.port, "mtu=1234")
    assert r.returncode == 142 and "timeout" in r.stderr, r
    assert pontoon.get("Bridge", br, "other_config") == "{}"
    assert pontoon("comment", "only a note") == ""
