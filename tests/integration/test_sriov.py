"""SR-IOV on the real kernel and on a fixture tree: sriov/set, sriov/vf,
sriov/show, guest/xml for a VF.

This machine has no SR-IOV NIC, so:
- the VF count is checked against a copy of tests/data/sriov/host (the
  seed's 82576 with 7 VFs and friends), which pontoon and pontoond both take
  as this host's sysfs through PONTOON_SRIOV_ROOT: the stored count is
  written by the daemon when it starts and again when the "driver" resets
  it; nothing under the real /sys is written;
- the VF settings go to a veth of the test's own: the kernel refuses them
  (no VFs), and the status must carry its error, the row must stay and the
  daemon must neither crash nor spin;
- the requests themselves are compared, byte for byte, with those iproute2
  sends for the same settings (strace), both the stored captures against a
  fresh one (a changed iproute2 shows here) and what pontoond sends against
  what `ip link set DEV vf N ...` sends on the same device.
"""

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

import pontoon_harness as ph
import programs

DATA = ph.REPO / "tests" / "data" / "sriov"
sys.path.insert(0, str(DATA))
import iproute2_capture as capture  # noqa: E402

VALIDATE = "virt-xml-validate"
DOMAIN = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
{device}
  </devices>
</domain>
"""
NUMVFS = "sys/bus/pci/devices/0000:04:00.0/sriov_numvfs"


def status(pontoon, table, name):
    text = pontoon("get", table, name, "status").strip()
    out = {}
    for item in text.strip("{}").split('", '):
        if "=" in item:
            k, _, v = item.partition("=")
            out[k.strip()] = v.strip().strip('"')
    return out


@pytest.fixture
def tree(workdir, monkeypatch, pontoon):
    """A copy of the fixture tree, this host's sysfs for SR-IOV (for the
    CLI and for any pontoond started after this)."""
    t = workdir / "tree"
    shutil.copytree(DATA / "host", t, symlinks=True)
    monkeypatch.setenv("PONTOON_SRIOV_ROOT", str(t))
    pontoon.env["PONTOON_SRIOV_ROOT"] = str(t)
    return t


@pytest.fixture
def sriov_daemon(pontoon, workdir, tree, net, request):
    """A pontoond started by the test (after storing what it should apply),
    with the fixture tree as its SR-IOV sysfs."""
    d = ph.Daemon(pontoon.db, pontoon.run_dir, workdir / "pontoond.log")
    yield d
    code = d.stop() if d.proc else 0
    log = d.log()
    if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
        print(f"\n---- pontoond log ----\n{log}")
        for h in pontoon.history:
            print(h)
    assert "Sanitizer" not in log and "runtime error:" not in log, log
    assert code == 0, log


# ---------------------------------------------------------------- the count
def test_stored_count_applied_by_the_daemon_at_start(pontoon, tree, sriov_daemon):
    # No daemon yet: stored, not written.
    pontoon("sriov/set", "eth1", "num_vfs=4")
    assert (tree / NUMVFS).read_text() == "7\n"
    assert pontoon("get", "NIC", "eth1", "sriov_num_vfs").strip() == "4"
    sriov_daemon.start()
    ph.wait_until(lambda: (tree / NUMVFS).read_text() == "4\n", what="sriov_numvfs 4")
    st = ph.wait_until(lambda: status(pontoon, "NIC", "eth1").get("sriov_applied") == "true"
                       and status(pontoon, "NIC", "eth1"), what="sriov_applied=true")
    assert st["sriov_num_vfs"] == "4" and st["sriov_total_vfs"] == "7"
    assert "sriov eth1: 7 -> 0 -> 4 VFs" in sriov_daemon.log()
    # The PF's driver is reloaded: its VFs are gone.  The daemon puts them back.
    (tree / NUMVFS).write_text("0\n")
    ph.wait_until(lambda: (tree / NUMVFS).read_text() == "4\n", timeout=5,
                  what="sriov_numvfs written again")
    assert "sriov eth1: 0 -> 4 VFs" in sriov_daemon.log()
    # A change while running is applied at once, and show says so.
    pontoon("sriov/set", "eth1", "num_vfs=2")
    assert (tree / NUMVFS).read_text() == "2\n"
    assert pontoon("sriov/show", "eth1").startswith(
        "eth1: igb 0000:04:00.0, 2 of 7 VFs; kept: num_vfs=2 (applied)\n")
    # Restarted, it leaves a count that is right alone.
    sriov_daemon.stop()
    sriov_daemon.start()
    ph.wait_until(lambda: sriov_daemon.log().count(" started (database") >= 2, what="restart")
    time.sleep(1.5)
    assert (tree / NUMVFS).read_text() == "2\n"
    assert sriov_daemon.log().count("-> 2 VFs") == 1


def test_a_refused_count_is_reported_and_not_retried(pontoon, tree, sriov_daemon):
    pontoon("sriov/set", "eth1", "num_vfs=3")
    # Between the command and the daemon the VF became a guest's (libvirt's
    # managed hostdev binds it to vfio-pci).
    vf = tree / "sys/devices/pci0000:00/0000:00:1c.0/0000:04:10.2"
    (vf / "driver").unlink()
    (vf / "driver").symlink_to("../../../../bus/pci/drivers/vfio-pci")
    sriov_daemon.start()
    st = ph.wait_until(lambda: status(pontoon, "NIC", "eth1").get("sriov_applied") == "false"
                       and status(pontoon, "NIC", "eth1"), what="sriov_applied=false")
    assert st["sriov_error"] == ("eth1 (igb 0000:04:00.0): cannot change 7 VFs to 3, VFs are in "
                                 "use: VF 1 (0000:04:10.2) is bound to vfio-pci (passed through "
                                 "to a guest)")
    assert (tree / NUMVFS).read_text() == "7\n"
    time.sleep(2.5)
    assert sriov_daemon.log().count("cannot change 7 VFs to 3") == 1, sriov_daemon.log()


# ---------------------------------------------------------------- VF settings
def test_vf_on_a_veth_fails_with_the_kernels_error(pontoon, daemon, net):
    a, _ = net.add_veth("a", "b")
    r = pontoon.run("sriov/vf", a, "0", "mac=02:00:00:00:00:01", "vlan=10", "spoofchk=on")
    assert r.returncode == 1, r
    assert r.stderr == (f"pontoon: {a}/vf0: mac 02:00:00:00:00:01: Operation not supported; "
                        "vlan 10: Operation not supported; spoofchk on: Operation not supported "
                        f"(the kernel reports no VFs on {a}: not an SR-IOV PF) (the setting is "
                        f"kept; pontoon list VF {a}/vf0)\n")
    # The row stays, with the kernel's answer in its status.
    assert pontoon("get", "VF", f"{a}/vf0", "mac").strip() == '"02:00:00:00:00:01"'
    st = status(pontoon, "VF", f"{a}/vf0")
    assert st["applied"] == "false"
    assert st["error"].startswith("mac 02:00:00:00:00:01: Operation not supported")
    # Neither crashed nor spinning: the error is logged once, also across a
    # link flap of the "PF" (which makes it try again) and other changes.
    ph.sh("ip", "link", "set", a, "down")
    ph.sh("ip", "link", "set", a, "up")
    pontoon("add-br", net.name("br"))
    time.sleep(2.5)
    assert daemon.alive()
    assert daemon.log().count(f"sriov {a} vf 0: mac") == 1, daemon.log()
    text = pontoon("sriov/show", a)
    assert text.startswith(f"{a}: not a PCI device\n    vf 0     (no such VF now)\n"
                           "             kept: mac=02:00:00:00:00:01 vlan=10 spoofchk=on (not "
                           "applied: mac 02:00:00:00:00:01: Operation not supported;")
    doc = json.loads(pontoon("sriov/show", a, "--format=json"))
    assert doc["pfs"][0]["vfs"][0]["kept"] == {"mac": "02:00:00:00:00:01", "vlan": 10,
                                               "spoofchk": True}


def test_vf_settings_tried_again_when_the_pf_comes_back(pontoon, daemon, net):
    """A driver reload deletes the PF's netdev and makes a new one: the
    daemon sees it go and come back (link events) and applies the VF's
    settings again; here the kernel refuses them again."""
    a, b = net.add_veth("a", "b")
    assert pontoon.run("sriov/vf", a, "1", "trust=on").returncode == 1
    gone = f"no network device named {a}"
    ph.sh("ip", "link", "del", a)
    ph.wait_until(lambda: status(pontoon, "VF", f"{a}/vf1").get("error") == gone,
                  what="the VF's status to say its PF is gone")
    ph.sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    ph.wait_until(lambda: status(pontoon, "VF", f"{a}/vf1").get("error", "").startswith(
        "trust on: Operation not supported"), what="the settings sent again")
    assert daemon.log().count(f"sriov {a} vf 1: trust on: Operation not supported") == 2
    assert pontoon("get", "VF", f"{a}/vf1", "trust").strip() == "true"


def test_bad_input_changes_nothing(pontoon, tree, net):
    a, _ = net.add_veth("a", "b")
    pontoon("--no-wait", "sriov/vf", "eth1", "0", "vlan=5")
    pontoon("--no-wait", "sriov/set", "eth2", "num_vfs=2")

    def dump():
        return pontoon("list", "VF"), pontoon("list", "NIC"), (tree / NUMVFS).read_text()

    before = dump()
    cases = [
        (("sriov/vf", net.name("zz"), "0", "trust=on"),
         f"no network device named {net.name('zz')}"),
        (("sriov/vf", "eth1", "7", "trust=on"), "eth1 (igb 0000:04:00.0) supports at most 7 VFs"),
        (("sriov/vf", "eth2", "2", "trust=on"), "eth2 has 2 VFs (0-1): no VF 2"),
        (("sriov/vf", "eth1", "0", "mac=02:00:00:00:00"), 'mac "02:00:00:00:00" is not a unicast '
         "MAC address"),
        (("sriov/vf", "eth1", "0", "vlan=4096"), "vlan 4096 is out of range (0 to 4095"),
        (("sriov/vf", "eth1", "1", "qos=3"), "eth1/vf1: qos 3 needs a vlan"),
        (("sriov/vf", "eth1", "0", "speed=10"), 'unknown VF setting "speed"'),
        (("sriov/vf", a, "0", "trust=maybe"), 'trust "maybe": on or off'),
        (("sriov/set", "eth1", "num_vfs=8"), "eth1 (igb 0000:04:00.0) supports at most 7 VFs"),
        (("sriov/set", "eno1", "num_vfs=1"), "eno1 (e1000e 0000:00:1f.6) is not SR-IOV capable "
         "(no sriov_totalvfs)"),
        (("sriov/set", "0000:06:00.0", "num_vfs=1"), "0000:06:00.0 has no driver bound"),
        (("sriov/set", "eth3", "num_vfs=1"), "VF 0 (0000:05:10.0) is bound to vfio-pci"),
        (("sriov/set", "eth1", "max_vfs=7"), "the old max_vfs module parameter is not used"),
    ]
    for args, message in cases:
        err = pontoon.fails("--no-wait", *args)
        assert message in err, (args, err)
        assert dump() == before, args


# ---------------------------------------------------------------- guest/xml
def test_guest_xml_for_a_vf_passes_virt_xml_validate(pontoon, tree, workdir):
    try:
        programs.require(VALIDATE, "xmllint")
    except programs.MissingProgram as e:
        pytest.fail(str(e))
    pontoon("--no-wait", "sriov/vf", "eth2", "0", "mac=52:54:00:12:34:56", "vlan=10")
    pontoon("--no-wait", "sriov/vf", "eth1", "3", "vlan=100", "qos=5")
    pontoon("--no-wait", "sriov/vf", "eth1", "4", "vlan=200", "proto=802.1ad")
    xml = pontoon("guest/xml", "eth2/vf0")
    assert xml == ("<interface type='hostdev' managed='yes'>\n"
                   "  <mac address='52:54:00:12:34:56'/>\n"
                   "  <source>\n"
                   "    <address type='pci' domain='0x0000' bus='0x04' slot='0x10' "
                   "function='0x1'/>\n"
                   "  </source>\n"
                   "  <vlan>\n"
                   "    <tag id='10'/>\n"
                   "  </vlan>\n"
                   "</interface>\n")
    for name in ("eth2/vf0", "eth1/vf3", "eth1/vf4", "eth1/vf6"):
        element = pontoon("guest/xml", name)
        path = workdir / (name.replace("/", "-") + ".xml")
        indented = "\n".join("    " + line for line in element.rstrip("\n").splitlines())
        path.write_text(DOMAIN.format(name=name.replace("/", "-"), device=indented))
        r = ph.sh(VALIDATE, path, "domain", check=False)
        assert r.returncode == 0, f"{path}:\n{path.read_text()}\n{r.stdout}{r.stderr}"


# ---------------------------------------------------------------- the requests
@pytest.fixture
def veth(net):
    programs.require("strace", "ip")
    a, _ = net.add_veth("s", "t")
    return a


def test_stored_iproute2_requests_are_what_iproute2_sends_today(veth):
    stored = capture.load()
    assert set(stored) == {c[0] for c in capture.CASES}
    for name, vf, words, _ in capture.CASES:
        live, _, said = capture.capture(veth, vf, words)
        assert "Operation not supported" in said, said
        assert capture.normalized(live) == capture.normalized(stored[name]["bytes"]), (
            f"{name}: `ip link set DEV vf {vf} {words}` sends another request than the stored "
            f"one (iproute2 changed?): rerun tests/data/sriov/iproute2_capture.py and check "
            f"tests/unit/test_vf_netlink.c")


def test_the_daemon_sends_what_iproute2_sends(pontoon, daemon, veth, workdir):
    """pontoond's own requests, seen with strace on the daemon, against
    iproute2's for each setting on the same device."""
    out = workdir / "daemon.strace"
    # libmnl sends with sendto(2), iproute2 with sendmsg(2).
    tracer = subprocess.Popen(["strace", "-f", "-o", str(out), "-e", "trace=sendto,sendmsg",
                               "-e", "write=all", "-p", str(daemon.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = tracer.stderr.readline()
        assert "attached" in line, line
        time.sleep(0.5)
        r = pontoon.run("sriov/vf", veth, "3", "mac=52:54:00:12:34:56", "vlan=100", "qos=5",
                        "spoofchk=off", "trust=on", "link-state=enable", "min-rate=10",
                        "max-rate=500")
        assert r.returncode == 1 and "Operation not supported" in r.stderr, r
    finally:
        tracer.send_signal(signal.SIGINT)
        tracer.wait(10)
    sent = [m for m in capture.parse_strace(out.read_text())
            if len(m) > 36 and int.from_bytes(m[4:6], "little") == capture.RTM_NEWLINK
            and int.from_bytes(m[34:36], "little") == 22]          # IFLA_VFINFO_LIST
    words = ["mac 52:54:00:12:34:56", "vlan 100 qos 5", "spoofchk off", "trust on",
             "state enable", "min_tx_rate 10 max_tx_rate 500"]
    assert len(sent) == len(words), [m.hex() for m in sent]
    for message, w in zip(sent, words):
        theirs, command, _ = capture.capture(veth, 3, w)
        assert capture.normalized(message) == capture.normalized(theirs), (
            f"pontoond's request for `{w}` is not what `{command}` sends:\n"
            f"  pontoond {message.hex()}\n  iproute2 {theirs.hex()}")


# ---------------------------------------------------------------- help
def test_every_command_has_help(pontoon):
    for command in ("sriov/set", "sriov/vf", "sriov/show"):
        text = pontoon(command, "--help")
        assert text.startswith(f"NAME\n  {command} - ")
        assert "\nSYNOPSIS\n" in text and "\nDESCRIPTION\n" in text and "\nEXAMPLES\n" in text
    assert "max_vfs" in pontoon("sriov/set", "--help")
    assert "SR-IOV commands" in pontoon("--help")
    assert "PONTOON_SRIOV_ROOT" in ph.sh(ph.PONTOOND, "--help").stdout
