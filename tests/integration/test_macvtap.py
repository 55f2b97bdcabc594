"""macvtap devices kept by pontoond (macvtap/add, del, show, host-access).

The lower device is a veth end whose peer sits in a namespace holding a
host at 198.18.X.1.  Checked: the device the kernel made (ip -d link:
macvtap, mode, MAC), /dev/tapN a character device with sysfs's number, the
device coming back after `ip link del`, after its lower device is deleted
and made again and after a daemon restart, bad input leaving the database
as it was; a QEMU guest (test_qemu_guest's image and runner) on the
macvtap's /dev/tapN pinging the namespaced host; and host-access, where
the "host" is a namespace of its own: pontoond and the CLI run inside it
(`ip netns exec`), with the lower device and both macvlans there, and QEMU
in the root namespace opens that macvtap's /dev/tapN (a character device
works across namespaces; /sys under `ip netns exec` shows the namespace's
devices, which is where pontoond reads the device number).
"""

import json
import os
import re
import stat
import subprocess
import time

import pytest

import pontoon_harness as ph
from test_qemu_guest import BOOT_DEADLINE, Qemu, image, subnet  # noqa: F401 (fixture)


def show(pontoon, name=None):
    data = json.loads(pontoon("--format=json", "macvtap/show", *([name] if name else [])))
    return {e["name"]: e for e in data}


def link_details(name, ns=None):
    """(kind, mode, mac, ifindex, alias) from ip -d -j link show."""
    cmd = ["ip", "-d", "-j"] + (["-n", ns] if ns else []) + ["link", "show", "dev", name]
    r = ph.sh(*cmd, check=False)
    if r.returncode:
        return None
    info = json.loads(r.stdout)[0]
    linkinfo = info.get("linkinfo", {})
    return (linkinfo.get("info_kind"), linkinfo.get("info_data", {}).get("mode"),
            info.get("address"), info.get("ifindex"), info.get("ifalias"))


def wait_kept(pontoon, name, old_ifindex=None, timeout=10):
    """Waits until pontoond reports NAME made (with a new ifindex when
    old_ifindex is given) and the device is there; returns its entry."""
    def made():
        e = show(pontoon).get(name)
        if not e or not e["ifindex"] or e["ifindex"] == old_ifindex or e["error"]:
            return None
        d = link_details(name)
        return e if d and d[3] == e["ifindex"] else None
    return ph.wait_until(made, timeout=timeout, what=f"{name} to be made again")


def check_tap_device(entry):
    path = entry["device"]
    assert path == f"/dev/tap{entry['ifindex']}", entry
    st = os.stat(path)
    assert stat.S_ISCHR(st.st_mode), path
    sysfs = f"/sys/class/net/{entry['name']}/macvtap/tap{entry['ifindex']}/dev"
    with open(sysfs) as f:
        major, minor = map(int, f.read().split(":"))
    assert (os.major(st.st_rdev), os.minor(st.st_rdev)) == (major, minor)


def test_add_show_del(pontoon, daemon, net, prefix):
    host = net.add_host("h", f"{subnet(prefix)}.1")
    mv = net.name("mv")
    mac = "52:54:00:5a:00:01"
    assert pontoon("macvtap/add", host.port, mv, "mode=bridge", f"mac={mac}") == ""
    kind, mode, got_mac, ifindex, alias = link_details(mv)
    assert (kind, mode, got_mac) == ("macvtap", "bridge", mac)
    assert alias and alias.startswith("pontoon ")
    r = ph.sh("ip", "-d", "link", "show", "dev", mv)
    assert "macvtap mode bridge" in r.stdout and mac in r.stdout, r.stdout

    e = show(pontoon)[mv]
    assert e == {"name": mv, "kind": "macvtap", "lower": host.port, "mode": "bridge",
                 "mac": mac, "ifindex": ifindex, "device": f"/dev/tap{ifindex}", "error": None}
    check_tap_device(e)
    text = pontoon("macvtap/show").splitlines()
    assert text[0].split() == ["NAME", "KIND", "LOWER", "MODE", "MAC", "IFINDEX", "DEVICE"]
    assert text[1].split() == [mv, "macvtap", host.port, "bridge", mac, str(ifindex),
                               f"/dev/tap{ifindex}"]

    # Every mode, and a MAC chosen when none is given (kept in the row).
    for mode in ("vepa", "private"):
        other = net.name(mode[:2])
        lower, _ = net.add_veth(mode[:2] + "l", mode[:2] + "p")
        pontoon("macvtap/add", lower, other, f"mode={mode}")
        d = link_details(other)
        assert d[:2] == ("macvtap", mode)
        assert re.fullmatch(r"52:54:00(:[0-9a-f]{2}){3}", d[2]), d
        assert show(pontoon)[other]["mac"] == d[2]
    pt = net.name("pt")
    lower, _ = net.add_veth("ptl", "ptp")
    pontoon("macvtap/add", lower, pt, "mode=passthru")
    assert link_details(pt)[:2] == ("macvtap", "passthru")

    pontoon("macvtap/del", mv)
    assert not ph.link_exists(mv)
    assert mv not in show(pontoon)
    pontoon("--if-exists", "macvtap/del", mv)
    assert pontoon.fails("macvtap/del", mv) == f"no macvtap named {mv}"


def test_bad_input_leaves_the_database_unchanged(pontoon, daemon, net):
    lower, _ = net.add_veth("l", "p")
    mv = net.name("mv")
    pontoon("macvtap/add", lower, mv)
    before = pontoon("list", "Macvtap")
    foreign, _ = net.add_veth("f", "fp")
    cases = [
        ((net.name("nol"), net.name("x")),
         f"no network device named {net.name('nol')} (the lower device must exist)"),
        ((lower, net.name("x"), "mac=01:00:5e:00:00:01"),
         "\"01:00:5e:00:00:01\" is not a unicast MAC address (XX:XX:XX:XX:XX:XX)"),
        ((lower, net.name("x"), "mac=52:54:00:00:01"),
         "\"52:54:00:00:01\" is not a unicast MAC address (XX:XX:XX:XX:XX:XX)"),
        ((lower, mv), f"a macvtap named {mv} already exists (on {lower})"),
        ((lower, net.name("x"), "mode=bridged"),
         "unknown macvtap mode \"bridged\" (bridge, vepa, private or passthru)"),
        ((lower, net.name("x"), "mode=passthru"),
         f"mode passthru takes the whole of {lower}, which already has macvtap {mv}"),
        ((lower, foreign), f"a network device named {foreign} already exists"),
        ((lower, "a-name-too-long-0"),
         "\"a-name-too-long-0\" is not a valid device name (1-15 characters, no '/', ':' or "
         "spaces)"),
        ((lower, net.name("x"), "colour=red"),
         "macvtap/add: unknown setting \"colour=red\" (mode=MODE, mac=MAC)"),
    ]
    for args, message in cases:
        assert pontoon.fails("macvtap/add", *args) == message, args
        assert pontoon("list", "Macvtap") == before, args
    assert pontoon.fails("macvtap/host-access", net.name("nol")) == \
        f"no network device named {net.name('nol')} (the lower device must exist)"
    assert pontoon.fails("macvtap/del", net.name("zz")) == f"no macvtap named {net.name('zz')}"
    assert pontoon("list", "Macvtap") == before
    # --may-exist: the same again is fine, something else is not.
    pontoon("--may-exist", "macvtap/add", lower, mv)
    assert "--may-exist" in pontoon.fails("--may-exist", "macvtap/add", lower, mv, "mode=vepa")
    assert pontoon("list", "Macvtap") == before
    assert not ph.link_exists(net.name("x"))


def test_kept_through_deletion_lower_loss_and_restart(pontoon, daemon, net, prefix):
    host = net.add_host("h", f"{subnet(prefix)}.1")
    mv = net.name("mv")
    pontoon("macvtap/add", host.port, mv, "mac=52:54:00:5a:00:02")
    first = show(pontoon)[mv]["ifindex"]

    # Deleted under pontoond: made again, same MAC.
    ph.sh("ip", "link", "del", mv)
    e = wait_kept(pontoon, mv, first)
    assert link_details(mv)[:3] == ("macvtap", "bridge", "52:54:00:5a:00:02")
    check_tap_device(e)

    # The lower device goes (the kernel takes the macvtap with it) and comes back.
    ph.sh("ip", "link", "del", host.port)
    ph.wait_until(lambda: (show(pontoon)[mv]["error"] or "").startswith("no lower device"),
                  what="the missing lower device reported")
    assert not ph.link_exists(mv)
    net.plug_host(host)
    e = wait_kept(pontoon, mv)
    check_tap_device(e)

    # A restart keeps the device as it is (a guest on it keeps its network)...
    ifindex = e["ifindex"]
    assert daemon.stop() == 0
    assert link_details(mv)[3] == ifindex
    daemon.start()
    assert show(pontoon)[mv]["ifindex"] == ifindex
    assert link_details(mv)[3] == ifindex
    # ...and makes it again when it went while pontoond was not running.
    assert daemon.stop() == 0
    ph.sh("ip", "link", "del", mv)
    daemon.start()
    e = wait_kept(pontoon, mv, ifindex)
    check_tap_device(e)
    # A row deleted while pontoond is down: its device goes at the next start.
    assert daemon.stop() == 0
    pontoon("--no-wait", "macvtap/del", mv)
    daemon.start()
    ph.wait_until(lambda: not ph.link_exists(mv), what=f"{mv} deleted")
    assert "not made" not in daemon.log()


def test_a_foreign_device_is_left_alone(pontoon, daemon, net):
    lower, _ = net.add_veth("l", "p")
    mv = net.name("mv")
    pontoon("macvtap/add", lower, mv)
    ifindex = show(pontoon)[mv]["ifindex"]
    # Someone else's macvtap takes the name while pontoond is down.
    assert daemon.stop() == 0
    ph.sh("ip", "link", "del", mv)
    ph.sh("ip", "link", "add", "link", lower, "name", mv, "type", "macvtap", "mode", "vepa")
    daemon.start()
    e = show(pontoon)[mv]
    assert e["error"] == f"a device named {mv} exists that pontoond did not make", e
    assert link_details(mv)[1] == "vepa"
    assert link_details(mv)[3] != ifindex
    pontoon("macvtap/del", mv)
    assert ph.link_exists(mv), "pontoond deleted a device it did not make"


# ---------------------------------------------------------------- QEMU guests
class TapFdQemu(Qemu):
    """The test guest with its NIC on an open /dev/tapN: QEMU gets the file
    descriptor (-netdev tap,fd=N), as libvirt hands it one."""

    def __init__(self, image, tap_device, mac, ip, peer, log_path, **kw):
        self.fd = os.open(tap_device, os.O_RDWR)
        super().__init__(image, f"tap,id=n0,fd={self.fd}",
                         f"virtio-net-pci,netdev=n0,mac={mac}", ip, peer, log_path, **kw)

    def start(self):
        self.log = open(self.log_path, "w")
        self.log.write(" ".join(self.argv) + "\n")
        self.log.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     pass_fds=(self.fd,))
        os.close(self.fd)
        import threading
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self


@pytest.fixture
def guests(workdir, net, request):
    """QEMU processes of this test, stopped by PID before the namespaces go."""
    started = []
    yield started
    for q in started:
        q.stop()
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        for q in started:
            print(f"\n---- guest console ({q.log_path}) ----\n{q.tail(80)}")


def guest_pings(q, peer):
    _, m = q.wait_for(r"GUEST-PING-(OK|FAIL).*", q.started + BOOT_DEADLINE)
    assert m.group(1) == "OK", f"guest could not ping {peer}: {m.group(0)}\n{q.tail()}"
    q.wait_for(r"GUEST-LINGER", q.started + BOOT_DEADLINE)


def finish_guest(q, echoes):
    _, m = q.wait_for(r"GUEST-ECHOED (\d+)", time.monotonic() + 40)
    assert int(m.group(1)) >= echoes, m.group(0)
    q.wait_for(r"GUEST-POWEROFF", time.monotonic() + 10)
    assert q.wait_exit(20) == 0, q.tail()


def test_qemu_guest_on_macvtap_pings_the_host_behind_it(pontoon, daemon, net, guests, image,
                                                         workdir, prefix):
    s = subnet(prefix)
    host = net.add_host("h", f"{s}.1")
    mv, mac = net.name("mv"), "52:54:00:5a:00:03"
    pontoon("macvtap/add", host.port, mv, f"mac={mac}")
    e = show(pontoon)[mv]
    check_tap_device(e)

    q = TapFdQemu(image, e["device"], mac, f"{s}.2/24", host.ip, workdir / "guest.console",
                  linger=40, echoes=3)
    guests.append(q)
    q.start()
    guest_pings(q, host.ip)
    host.ping_until(f"{s}.2", timeout=15)
    r = host.exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", f"{s}.2", check=False)
    assert " 3 received" in r.stdout, r.stdout + q.tail()
    finish_guest(q, 3)


@pytest.fixture
def host_ns(net, workdir, request):
    """A namespace standing for the KVM host, with its own pontoond and CLI.
    Stopped (by PID) before `net` removes the namespaces."""
    ns = net.add_ns("H")
    cli = ph.NsPontoon(ns, workdir / "host.db", workdir / "host-run")
    d = ph.Daemon(cli.db, cli.run_dir, workdir / "host-pontoond.log", ns=ns,
                  log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"))
    d.start()
    yield ns, cli, d
    status = d.stop()
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        print(f"\n---- pontoond in {ns} ----\n{d.log()}")
    log = d.log()
    assert "Sanitizer" not in log and "runtime error:" not in log, log
    assert status == 0, log


def test_host_access_lets_the_host_reach_its_guest(net, host_ns, guests, image, workdir, prefix):
    """The trap, then the fix: the host (namespace H, address .3 on the
    lower device) cannot reach its macvtap guest in bridge mode; with
    host-access's macvlan holding that address it can.  The guest reaches
    the LAN's host (.1, in namespace N behind the veth) throughout."""
    s = subnet(prefix)
    ns, cli, d = host_ns
    lan = net.add_ns("N")
    lower, peer = net.name("l"), net.name("p")
    ph.sh("ip", "-n", ns, "link", "add", lower, "type", "veth", "peer", "name", peer,
          "netns", lan)
    ph.sh("ip", "-n", ns, "link", "set", lower, "up")
    ph.sh("ip", "-n", ns, "addr", "add", f"{s}.3/24", "dev", lower)
    ph.sh("ip", "-n", lan, "addr", "add", f"{s}.1/24", "dev", peer)
    ph.sh("ip", "-n", lan, "link", "set", peer, "up")

    mv, mac = net.name("mv"), "52:54:00:5a:00:04"
    cli("macvtap/add", lower, mv, f"mac={mac}")
    e = show(cli)[mv]
    assert link_details(mv, ns)[:3] == ("macvtap", "bridge", mac)
    st = os.stat(e["device"])                   # in the shared /dev
    assert stat.S_ISCHR(st.st_mode)

    q = TapFdQemu(image, e["device"], mac, f"{s}.2/24", f"{s}.1", workdir / "guest.console",
                  linger=60, echoes=3)
    guests.append(q)
    q.start()
    guest_pings(q, f"{s}.1")

    def host_ping(count=2):
        r = ph.sh("ip", "netns", "exec", ns, "ping", "-n", "-q", "-c", str(count), "-W", "1",
                  "-i", "0.2", f"{s}.2", check=False, timeout=count + 5)
        return r.returncode == 0

    assert not host_ping(), "the host reached its bridge-mode macvtap guest through the lower device"

    hv = net.name("hv")
    out = cli("macvtap/host-access", lower, hv)
    commands = [line.split() for line in out.splitlines() if line.startswith("  ip ")]
    assert commands == [["ip", "address", "add", f"{s}.3/24", "dev", hv],
                        ["ip", "address", "del", f"{s}.3/24", "dev", lower]], out
    # host-access itself changed nothing but the macvlan: the address is where it was.
    assert f"{s}.3/24" in ph.sh("ip", "-n", ns, "-o", "addr", "show", "dev", lower).stdout
    kind, mode, _, _, _ = link_details(hv, ns)
    assert (kind, mode) == ("macvlan", "bridge")
    assert show(cli)[hv]["kind"] == "macvlan"
    # The printed commands, run as printed, in the host.
    for argv in commands:
        ph.sh("ip", "netns", "exec", ns, *argv)
    ph.wait_until(host_ping, timeout=15, interval=0.2, what="the host to reach its guest")
    r = ph.sh("ip", "netns", "exec", ns, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2",
              f"{s}.2", check=False)
    assert " 3 received" in r.stdout, r.stdout
    # The LAN still reaches the host, now on the macvlan.
    r = ph.sh("ip", "netns", "exec", lan, "ping", "-n", "-q", "-c", "2", "-W", "1", f"{s}.3",
              check=False)
    assert r.returncode == 0, r.stdout
    finish_guest(q, 3)

    # Kept like a macvtap: deleted under pontoond, made again.
    ifindex = show(cli)[hv]["ifindex"]
    ph.sh("ip", "-n", ns, "link", "del", hv)
    ph.wait_until(lambda: (link_details(hv, ns) or [None] * 4)[3] not in (None, ifindex),
                  what=f"{hv} made again")
    assert link_details(hv, ns)[:2] == ("macvlan", "bridge")


def test_host_access_moves_the_address_when_asked(net, host_ns, prefix):
    """--move-address: one command, and the host's address and default route
    are on its macvlan; the LAN still reaches the host there.  (No guest:
    the guest side is the test above.)"""
    s = subnet(prefix)
    ns, cli, _ = host_ns
    lan = net.add_ns("N")
    lower, peer = net.name("l"), net.name("p")
    ph.sh("ip", "-n", ns, "link", "add", lower, "type", "veth", "peer", "name", peer,
          "netns", lan)
    ph.sh("ip", "-n", ns, "link", "set", lower, "up")
    ph.sh("ip", "-n", ns, "addr", "add", f"{s}.3/24", "dev", lower)
    ph.sh("ip", "-n", ns, "route", "add", "default", "via", f"{s}.1", "dev", lower)
    ph.sh("ip", "-n", lan, "addr", "add", f"{s}.1/24", "dev", peer)
    ph.sh("ip", "-n", lan, "link", "set", peer, "up")

    hv = net.name("hv")
    assert "not with --no-wait" in cli.fails("--no-wait", "macvtap/host-access", lower, hv,
                                             "--move-address")
    assert hv not in show(cli)                  # refused: nothing stored
    out = cli("macvtap/host-access", lower, hv, "--move-address")
    assert f"moved {s}.3/24 from {lower} to {hv}" in out, out
    assert f"default route via {s}.1 now through {hv}" in out, out

    def addresses(dev):
        r = ph.sh("ip", "-n", ns, "-j", "addr", "show", "dev", dev)
        return [f"{a['local']}/{a['prefixlen']}" for a in json.loads(r.stdout)[0]["addr_info"]
                if a.get("scope") == "global"]
    assert addresses(hv) == [f"{s}.3/24"] and addresses(lower) == []
    route = json.loads(ph.sh("ip", "-n", ns, "-j", "route", "show", "default").stdout)
    assert [(r["gateway"], r["dev"]) for r in route] == [(f"{s}.1", hv)], route
    r = ph.sh("ip", "netns", "exec", lan, "ping", "-n", "-q", "-c", "2", "-W", "1", f"{s}.3",
              check=False)
    assert r.returncode == 0, r.stdout
    # Again with --may-exist: the macvlan is there, nothing left to move.
    out = cli("--may-exist", "macvtap/host-access", lower, hv, "--move-address")
    assert "moved" not in out and addresses(hv) == [f"{s}.3/24"], out


def test_help_pages(pontoon):
    for cmd, words in [("macvtap/add", ["mode=MODE", "mac=MAC", "/dev/tapN", "passthru"]),
                       ("macvtap/del", ["--if-exists"]),
                       ("macvtap/show", ["IFINDEX", "DEVICE", "--format=json"]),
                       ("macvtap/host-access", ["cannot reach", "does not touch LOWER",
                                                "bridge mode"])]:
        out = pontoon(cmd, "--help")
        assert out.startswith(f"NAME\n  {cmd} - "), out
        for w in ["SYNOPSIS", "DESCRIPTION"] + words:
            assert w in out, (cmd, w)
    assert "macvtap/host-access LOWER" in pontoon("--help")
