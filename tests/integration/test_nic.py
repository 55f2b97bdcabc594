"""Host NIC steering on the real kernel: nic/show, nic/steer, nic/set-channels.

Devices are made in a namespace of the test's own (veth pairs with four
queues each way, a four-queue tap), where pontoond and the CLI run too, so
that nothing outside it changes: net.core.rps_sock_flow_entries, which is
machine-wide, does not exist inside a namespace and is left alone.  This
machine's own NIC is only read (nic/show against /proc/interrupts, and a
--dry-run that must change nothing).
"""

import fcntl
import json
import os
import struct
import subprocess
import time
from pathlib import Path

import pytest

import pontoon_harness as ph

QUEUES = 4


# ---------------------------------------------------------------- helpers
def parse_list(text):
    cpus = set()
    for part in text.strip().split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        cpus.update(range(int(a), int(b or a) + 1))
    return cpus


def parse_mask(text):
    value = int(text.strip().replace(",", ""), 16)
    return {bit for bit in range(value.bit_length()) if value >> bit & 1}


def online_cpus():
    return sorted(parse_list(Path("/sys/devices/system/cpu/online").read_text()))


def groups(order, n):
    """nic_plan.h's rule: queue q of n gets order[q], order[q+n]... when
    there are more CPUs than queues, else the one CPU order[q mod len]."""
    if n < len(order):
        return [set(order[q::n]) for q in range(n)]
    return [{order[q % len(order)]} for q in range(n)]


def flow_count(n):
    per_queue, pow2 = 32768 // n, 1
    while pow2 * 2 <= per_queue:
        pow2 *= 2
    return pow2


class NsPontoon(ph.Pontoon):
    """The CLI run inside a namespace (its /sys shows that namespace's
    devices); the same database and run dir as the daemon there."""

    def __init__(self, pontoon, ns):
        super().__init__(pontoon.db, pontoon.run_dir)
        self.ns = ns
        self.history = pontoon.history

    def run(self, *args, timeout=30):
        argv = ["ip", "netns", "exec", self.ns, self.binary] + [str(a) for a in args]
        t0 = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env,
                              timeout=timeout)
        self.history.append((argv[4:], r.returncode, round(time.monotonic() - t0, 2)))
        return r


# Runs in the namespace (where /sys shows its devices): the queues of a
# device and what each holds, as JSON.
_READ_QUEUES = r"""
import json, os, sys
d = f"/sys/class/net/{sys.argv[1]}/queues"
out = {}
for q in os.listdir(d):
    for f in ("rps_cpus", "rps_flow_cnt", "xps_cpus", "xps_rxqs"):
        try:
            out[f"{q}/{f}"] = open(f"{d}/{q}/{f}").read().strip()
        except OSError:
            pass
print(json.dumps(out))
"""

_WRITE = r"""
import sys
for path, value in zip(sys.argv[1::2], sys.argv[2::2]):
    with open(path, "w") as f:
        f.write(value + "\n")
"""


class Ns:
    """One namespace of the test: reads and writes its /sys."""

    def __init__(self, name):
        self.name = name

    def sh(self, *cmd, check=True):
        return ph.sh("ip", "netns", "exec", self.name, *cmd, check=check)

    def files(self, dev):
        return json.loads(self.sh(ph.PYTHON, "-c", _READ_QUEUES, dev).stdout)

    def write(self, *path_values):
        self.sh(ph.PYTHON, "-c", _WRITE, *map(str, path_values))

    def queues(self, dev):
        names = {k.split("/")[0] for k in self.files(dev)}
        return (sum(n.startswith("rx-") for n in names), sum(n.startswith("tx-") for n in names))

    def steering(self, dev):
        """What the device's queues hold now: ([rps sets], [flow counts],
        [xps sets], [xps_rxqs sets])."""
        files = self.files(dev)
        n_rx = len([k for k in files if k.endswith("/rps_cpus")])
        n_tx = len([k for k in files if k.endswith("/xps_rxqs")])
        rps = [parse_mask(files[f"rx-{i}/rps_cpus"]) for i in range(n_rx)]
        flows = [int(files[f"rx-{i}/rps_flow_cnt"]) for i in range(n_rx)]
        xps = [parse_mask(files[f"tx-{i}/xps_cpus"]) for i in range(n_tx)]
        rxqs = [parse_mask(files[f"tx-{i}/xps_rxqs"]) for i in range(n_tx)]
        return rps, flows, xps, rxqs

    def add_veth(self, a, b, queues=QUEUES):
        ph.sh("ip", "-n", self.name, "link", "add", a, "numtxqueues", queues, "numrxqueues",
              queues, "type", "veth", "peer", "name", b, "numtxqueues", queues, "numrxqueues",
              queues)


def expected(mode, n_rx, n_tx):
    """What nic/steer MODE leaves on a device with no interrupts and no NUMA
    node (veth, tap) on this machine, with no pmd-cpu-mask."""
    cpus = online_cpus()
    none = ([set()] * n_rx, [0] * n_rx, [set()] * n_tx, [set()] * n_tx)
    if mode in ("off", "power-save"):
        return none
    order = cpus if mode == "performance" else sorted(parse_list(mode))
    return (groups(order, n_rx), [flow_count(n_rx)] * n_rx, groups(order, n_tx),
            [set()] * n_tx)


def status(pontoon, dev):
    text = pontoon("get", "NIC", dev, "status").strip()
    return dict(item.split("=", 1) for item in
                (p.strip().replace('"', "") for p in text.strip("{}").split(",")) if item)


@pytest.fixture
def nsd(pontoon, workdir, net, request):
    """A namespace with pontoond running in it; yields (Ns, NsPontoon, Daemon)."""
    ns = Ns(net.add_ns("n"))
    cli = NsPontoon(pontoon, ns.name)
    d = ph.Daemon(pontoon.db, pontoon.run_dir, workdir / "pontoond.log", ns=ns.name)
    d.start()
    yield ns, cli, d
    status_code = d.stop()
    log = d.log()
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    if failed:
        print(f"\n---- pontoond log ----\n{log}")
        for h in pontoon.history:
            print(h)
    assert "Sanitizer" not in log and "runtime error:" not in log, log
    assert status_code in (0, None), log   # None: the test stopped it itself


# ---------------------------------------------------------------- tests
def test_veth_every_mode_writes_rps_xps_and_off_restores(nsd, net):
    ns, cli, _ = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    assert ns.steering(a) == expected("off", QUEUES, QUEUES)
    last_cpu = str(online_cpus()[-1])
    for mode in ("performance", "power-save", last_cpu, "performance"):
        assert cli("nic/steer", a, mode) == ""
        assert ns.steering(a) == expected(mode, QUEUES, QUEUES), mode
        st = status(cli, a)
        assert st["applied"] == "true", st
        assert st["rx_queues"] == str(QUEUES) and st["irqs"] == "0", st
    assert ns.steering(b) == expected("off", QUEUES, QUEUES)   # the peer untouched
    cli("nic/steer", a, "off")
    assert ns.steering(a) == expected("off", QUEUES, QUEUES)
    assert cli("list", "NIC") == ""


def test_multiqueue_tap(nsd, net):
    ns, cli, _ = nsd
    name = net.name("t")
    tunsetiff, flags = 0x400454CA, 0x0002 | 0x1000 | 0x0100    # IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE
    fds = []
    try:
        for _ in range(QUEUES):
            fd = os.open("/dev/net/tun", os.O_RDWR)
            fds.append(fd)
            fcntl.ioctl(fd, tunsetiff, struct.pack("16sH", name.encode(), flags))
        ph.sh("ip", "link", "set", name, "netns", ns.name)
        assert ns.queues(name) == (QUEUES, QUEUES)
        cli("nic/steer", name, "performance")
        assert ns.steering(name) == expected("performance", QUEUES, QUEUES)
        cli("nic/steer", name, "off")
        assert ns.steering(name) == expected("off", QUEUES, QUEUES)
        # A tap has no channels to set: the driver's error, in status and exit 1.
        err = cli.fails("nic/set-channels", name, "2")
        assert err == f"{name}: cannot set 2 combined channels: Operation not supported", err
        assert status(cli, name)["error"] == "cannot set 2 combined channels: Operation not " \
                                             "supported"
        # More than the device has: refused, nothing stored.
        before = cli("list", "NIC")
        assert "at most 256 combined channels" in cli.fails("nic/set-channels", name, "300")
        assert cli("list", "NIC") == before
    finally:
        ph.sh("ip", "-n", ns.name, "link", "del", name, check=False)
        for fd in fds:
            os.close(fd)


def test_policy_reapplied_when_device_is_recreated(nsd, net):
    ns, cli, _ = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    cli("nic/steer", a, "performance")
    want = expected("performance", QUEUES, QUEUES)
    assert ns.steering(a) == want
    ph.sh("ip", "-n", ns.name, "link", "del", a)
    ph.wait_until(lambda: status(cli, a).get("error") == f"no network device named {a}",
                  what="status to say the device is gone")
    assert status(cli, a)["applied"] == "false"
    ns.add_veth(a, b)       # a new device of the same name, back at the defaults
    ph.wait_until(lambda: ns.steering(a) == want, what="the policy on the new device")
    ph.wait_until(lambda: status(cli, a).get("applied") == "true", what="applied=true")


def test_policy_reapplied_after_daemon_restart(nsd, net):
    ns, cli, d = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    cli("nic/steer", a, "performance")
    want = expected("performance", QUEUES, QUEUES)
    assert ns.steering(a) == want
    assert d.stop() == 0
    resets = []                 # someone resets the device while pontoond is down
    for q in range(QUEUES):
        resets += [f"/sys/class/net/{a}/queues/rx-{q}/rps_cpus", 0,
                   f"/sys/class/net/{a}/queues/rx-{q}/rps_flow_cnt", 0,
                   f"/sys/class/net/{a}/queues/tx-{q}/xps_cpus", 0]
    ns.write(*resets)
    assert ns.steering(a) == expected("off", QUEUES, QUEUES)
    d.start()
    ph.wait_until(lambda: ns.steering(a) == want, what="the policy applied at start")


def test_policy_follows_a_queue_count_change(nsd, net):
    ns, cli, _ = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    cli("nic/steer", a, "performance")
    ns.sh("ethtool", "-L", a, "rx", "2", "tx", "2")
    ph.wait_until(lambda: ns.queues(a) == (2, 2), what="two queues")
    ph.wait_until(lambda: ns.steering(a) == expected("performance", 2, 2),
                  what="the policy for two queues (flow count 16384)")
    ph.wait_until(lambda: status(cli, a).get("rx_queues") == "2", what="status rx_queues=2")
    # veth has rx/tx channels, not combined ones: the driver says no.
    err = cli.fails("nic/set-channels", a, "2")
    assert err == f"{a}: cannot set 2 combined channels: Invalid argument", err
    assert cli.get("NIC", a, "channels") == "2"     # stored; kept trying


def test_bad_input_leaves_the_database_unchanged(nsd, net):
    ns, cli, _ = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    cli("nic/steer", a, "power-save")
    before = cli("list", "NIC")
    offline = str(max(online_cpus()) + 1)
    cases = [
        ((a, "fast"), 'unknown steering mode "fast"'),
        ((a, "2-1"), '"2-1" is not a CPU list'),
        ((a, "0,x"), '"0,x" is not a CPU list'),
        ((a, offline), f"CPU {offline} is not online"),
        ((net.name("zz"), "performance"), f"no network device named {net.name('zz')}"),
        ((a, "performance", "--root", "/"), "--root plans for a captured tree"),
    ]
    for args, message in cases:
        err = cli.fails("nic/steer", *args)
        assert message in err, (args, err)
        assert cli("list", "NIC") == before
    assert ns.steering(a) == expected("power-save", QUEUES, QUEUES)


def test_dry_run_changes_nothing(nsd, net):
    ns, cli, _ = nsd
    a, b = net.name("a"), net.name("b")
    ns.add_veth(a, b)
    plan = json.loads(cli("nic/steer", a, "performance", "--dry-run", "--format=json"))
    assert plan["device"] == a and plan["steering"] == "performance"
    paths = {s["path"] for s in plan["settings"] if s["change"]}
    assert f"/sys/class/net/{a}/queues/rx-0/rps_cpus" in paths
    assert ns.steering(a) == expected("off", QUEUES, QUEUES)
    assert cli("list", "NIC") == ""
    text = cli("nic/steer", a, "performance", "--dry-run")
    assert text.startswith(f"{a}: performance: ")
    assert ns.steering(a) == expected("off", QUEUES, QUEUES)


# ---------------------------------------------------------------- this machine's NIC (read only)
def machine_nic():
    """A device of this machine with MSI-X interrupts (its virtio-net NIC
    here), its PCI function's directory and its virtio name, or None."""
    for dev in sorted(os.listdir("/sys/class/net")):
        link = Path("/sys/class/net", dev, "device")
        if not link.exists():
            continue
        device = link.resolve()
        virtio = device.name if device.name.startswith("virtio") else None
        pci = device.parent if virtio else device
        if (pci / "msi_irqs").is_dir() and os.listdir(pci / "msi_irqs"):
            return dev, pci, virtio
    return None


def proc_interrupts():
    lines = Path("/proc/interrupts").read_text().splitlines()
    cpus = [int(c[3:]) for c in lines[0].split()]
    table = {}
    for line in lines[1:]:
        head, _, rest = line.partition(":")
        if not head.strip().isdigit():
            continue
        fields = rest.split()
        counts = [int(x) for x in fields[:len(cpus)]]
        name = " ".join(fields[len(cpus) + 2:])
        table[int(head)] = (dict(zip(cpus, counts)), name)
    return table


def test_show_matches_proc_interrupts():
    found = machine_nic()
    if not found:
        pytest.skip("no network device with MSI interrupts on this machine")
    dev, pci, virtio = found
    cli = ph.Pontoon("/nonexistent/conf.db", "/nonexistent/run")   # needs neither
    before = proc_interrupts()
    doc = json.loads(cli("nic/show", dev, "--format=json"))
    after = proc_interrupts()
    nic = doc["devices"][0]
    assert nic["name"] == dev and nic["bus"] == pci.name
    msi = {int(n) for n in os.listdir(pci / "msi_irqs")}
    shown = {irq["irq"] for irq in nic["irqs"]}
    assert shown == msi & set(after), (shown, msi)
    for irq in nic["irqs"]:
        n = irq["irq"]
        counts, name = after[n]
        assert irq["name"] == name
        for cpu, count in enumerate(irq["counts"]):
            assert before[n][0].get(cpu, 0) <= count <= counts.get(cpu, 0), (n, cpu)
        assert irq["affinity"] == Path(f"/proc/irq/{n}/smp_affinity_list").read_text().strip()
        if virtio and name.startswith(f"{virtio}-input."):
            assert (irq["kind"], irq["queue"]) == ("rx", int(name.rsplit(".", 1)[1]))
            assert n in nic["rx_queues"][irq["queue"]]["irqs"]
        elif virtio and name.startswith(f"{virtio}-output."):
            assert (irq["kind"], irq["queue"]) == ("tx", int(name.rsplit(".", 1)[1]))
            assert n in nic["tx_queues"][irq["queue"]]["irqs"]
    rx_queues = len([q for q in os.listdir(f"/sys/class/net/{dev}/queues") if q.startswith("rx-")])
    assert len(nic["rx_queues"]) == rx_queues
    assert len(doc["net_rx_softirqs"]) >= len(online_cpus())
    # The text form shows the same interrupts.
    text = cli("nic/show", dev)
    for irq in nic["irqs"]:
        assert irq["name"] in text


def test_dry_run_on_this_machines_nic_changes_nothing(pontoon):
    found = machine_nic()
    if not found:
        pytest.skip("no network device with MSI interrupts on this machine")
    dev = found[0]

    def read(path):
        try:
            return path.read_text()
        except OSError as e:     # xps_cpus of a one-queue device: ENOENT
            return e.errno

    def snapshot():
        queues = Path(f"/sys/class/net/{dev}/queues")
        files = sorted(queues.glob("*/*_cpus")) + sorted(queues.glob("*/xps_rxqs"))
        files += sorted(queues.glob("rx-*/rps_flow_cnt"))
        files += [Path(f"/proc/irq/{irq.name}/smp_affinity_list")
                  for irq in found[1].joinpath("msi_irqs").iterdir()]
        files.append(Path("/proc/sys/net/core/rps_sock_flow_entries"))
        return {str(f): read(f) for f in files}

    before = snapshot()
    for mode in ("performance", "power-save", "off", str(online_cpus()[0])):
        text = pontoon("nic/steer", dev, mode, "--dry-run")
        assert text.startswith(f"{dev}: {mode}: ")
        for irq in found[1].joinpath("msi_irqs").iterdir():
            assert f"/proc/irq/{irq.name}/smp_affinity_list" in text
    assert snapshot() == before
    assert pontoon("list", "NIC") == ""


def test_every_command_has_help(pontoon):
    for command in ("nic/show", "nic/steer", "nic/set-channels"):
        text = pontoon(command, "--help")
        assert text.startswith(f"NAME\n  {command} - ")
        assert "\nSYNOPSIS\n" in text and "\nDESCRIPTION\n" in text
