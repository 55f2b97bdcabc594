"""A real QEMU guest (Debian's kernel, virtio-net, a busybox initramfs built
by guest_image.py) on a Pontoon bridge, with a namespaced host on a veth
port of the same bridge.

The guest pings the host and prints GUEST-PING-OK on its serial console;
then the host pings the guest, which counts the echo requests it answered
and powers off.  QEMU runs under TCG (no KVM needed), about 10-20 s a boot.

Covers the libvirt flow: QEMU creates the tap (`-netdev tap,ifname=...`),
then the tap is brought up and plugged into the bridge with the exact
`ovs-vsctl` line libvirt 9.0 runs (a `system` port), untagged and on an
access VLAN; and the guest powering off (its tap vanishing) with pontoond
staying up and the port re-attaching when the guest comes back.  And the
same guest on a `dpdkvhostuser` port (QEMU as the vhost-user front end,
guest memory in a shared memfd, no hugepages).

A guest with a 2-queue virtio-net (-smp 2: its driver enables both pairs)
on the multi-queue tap QEMU makes (`queues=2`), plugged in the same way:
both queues carry traffic both ways.  The guest's sends leave on the queue
of the CPU that sends (XPS), and the kernel's tap steers what the switch
sends to it by flow (to the queue the guest last sent that flow on, new
flows by hash), so this holds with the switch reading and writing the tap's
device; counted per queue by the guest (its queues' interrupts), by the
kernel (the tap's mq qdisc, one child per queue) and by the switch per rx
queue (options:n_rxq=2).  And such a guest on a `dpdkvhostuser` port with
two queue pairs, where the switch itself picks the guest's rx queue: a
flow comes back on the queue pair the guest sent it on, and flows to the
guest spread over both its rx queues (vhost/show counts per virtqueue).

A `type=tap` port on the tap QEMU uses cannot work: Pontoon's tap port and
QEMU's -netdev tap are both the userspace end of a tap, so what the guest
sends enters the host kernel's stack, never Pontoon's queue.  A
single-queue tap QEMU holds gives Pontoon EBUSY; a multi-queue one would
let both attach (the kernel then spreads the host's frames over QEMU's and
Pontoon's queues, and the guest reaches nothing), so Pontoon refuses it
the same way, which the multi-queue test checks.

Debian's QEMU 7.2 under TCG segfaults (SIGSEGV in vhost_net_start ->
msix_set_vector_notifiers) when the guest driver starts a vhost-user
virtio-net-pci device that has MSI-X, whatever the backend; the vhost-user
guest therefore runs with `vectors=0` (no MSI-X, legacy INTx), which avoids
it.

Needs root and qemu-system-x86, busybox-static and linux-image-amd64
(scripts/install-deps.sh installs them).
"""

import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

import guest_image as gi
import pontoon_harness as ph

BOOT_DEADLINE = 90.0                # seconds from QEMU's start to GUEST-PING-OK
GUEST_CMDLINE = os.environ.get("PONTOON_GUEST_CMDLINE", "")


# ---------------------------------------------------------------- QEMU
class Qemu:
    """One qemu-system-x86_64 under TCG with the test guest, its serial
    console on stdout read by a thread; stopped by its PID."""

    def __init__(self, image, netdev, device, ip, peer, log_path, count=5, linger=0,
                 echoes=0, extra=(), cmdline=GUEST_CMDLINE):
        self.kernel, self.initrd = image[0], image[1]
        append = (f"console=ttyS0 panic=-1 loglevel=4 pontoon.ip={ip} pontoon.peer={peer} "
                  f"pontoon.count={count} pontoon.linger={linger} pontoon.echoes={echoes} {cmdline}")
        self.argv = [gi.QEMU, "-machine", "q35,accel=tcg", "-m", "256", "-nodefaults",
                     "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
                     "-kernel", str(self.kernel), "-initrd", str(self.initrd),
                     "-append", append, *extra, "-netdev", netdev, "-device", device]
        self.log_path = str(log_path)
        self.lines = []
        self.cond = threading.Condition()
        self.proc = None
        self.started = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.log.write(" ".join(self.argv) + "\n")
        self.log.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            stamp = time.monotonic() - self.started
            if not self.log.closed:
                self.log.write(f"[{stamp:7.2f}] {line}\n")
                self.log.flush()
            with self.cond:
                self.lines.append((stamp, line))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, deadline):
        """The first console line matching `pattern` (regex) as (seconds
        since start, match); AssertionError with the console tail when the
        deadline (monotonic) passes or QEMU exits first."""
        rx = re.compile(pattern)
        with self.cond:
            while True:
                for stamp, line in self.lines:
                    m = rx.search(line)
                    if m:
                        return stamp, m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    break
                self.cond.wait(min(left, 0.5))
        status = self.proc.poll()
        why = "deadline passed" if status is None else f"QEMU exited {status}"
        raise AssertionError(f"no console line matching {pattern!r} ({why}); "
                             f"console tail:\n{self.tail()}")

    def tail(self, n=40):
        with self.cond:
            return "\n".join(f"[{s:7.2f}] {l}" for s, l in self.lines[-n:])

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """Kills QEMU by its PID if it still runs; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.kill(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.reader.join(5)
        self.log.close()
        return self.proc.returncode


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def image():
    try:
        return gi.build()
    except (gi.GuestImageError, gi.programs.MissingProgram) as e:
        pytest.fail(f"guest image: {e}")


@pytest.fixture
def qemus(workdir, daemon, request):
    """QEMU processes of this test, stopped by PID before the daemon stops
    and the namespaces go (the fixture depends on `daemon`)."""
    started = []
    yield started
    for q in started:
        q.stop()
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        for q in started:
            print(f"\n---- guest console ({q.log_path}) ----\n{q.tail(80)}")


def subnet(prefix):
    """198.18.X.0/24 from the test's prefix, so parallel runs differ."""
    return f"198.18.{int(prefix[2:4], 16)}"


def start_guest(qemus, image, workdir, tap, mac, ip, peer, name="guest", **kw):
    q = Qemu(image, f"tap,id=n0,ifname={tap},script=no,downscript=no",
             f"virtio-net-pci,netdev=n0,mac={mac}", f"{ip}/24", peer,
             workdir / f"{name}.console", **kw)
    qemus.append(q)
    return q.start()


def libvirt_plug(pontoon, br, tap, mac, tag=None):
    """What libvirt 9.0 does for <interface type='bridge'> with an
    openvswitch virtualport once QEMU has made the tap: bring it up, then
    one ovs-vsctl line (from tests/data/compat/clients.md)."""
    ph.disable_ipv6(tap)
    ph.sh("ip", "link", "set", tap, "up")
    args = ["--timeout=5", "--", "--may-exist", "add-port", br, tap]
    if tag is not None:
        args.append(f"tag={tag}")
    args += ["--", "set", "Interface", tap, f'external-ids:attached-mac="{mac}"',
             "--", "set", "Interface", tap,
             'external-ids:iface-id="6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11"',
             "--", "set", "Interface", tap,
             'external-ids:vm-id="0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22"',
             "--", "set", "Interface", tap, "external-ids:iface-status=active"]
    pontoon(*args)


def wait_tap(q, tap, timeout=15.0):
    """QEMU creates the tap while it starts, before the guest runs."""
    def made():
        if q.proc.poll() is not None:
            raise AssertionError(f"QEMU exited {q.proc.returncode} before making {tap}:\n{q.tail()}")
        return ph.link_exists(tap)
    ph.wait_until(made, timeout=timeout, interval=0.05, what=f"QEMU to create tap {tap}")


def run_guest_round(pontoon, q, host, guest_ip, tap, mac, br, echoes=3, during=None):
    """Guest pings host (GUEST-PING-OK), host pings guest while it
    lingers, guest reports the echo requests it answered, powers off.
    Returns (boot-to-ping-ok seconds, host ping seconds)."""
    deadline = q.started + BOOT_DEADLINE
    t_ok, m = q.wait_for(r"GUEST-PING-(OK|FAIL).*", deadline)
    assert m.group(1) == "OK", f"guest could not ping {host.ip}: {m.group(0)}\n{q.tail()}"
    q.wait_for(r"GUEST-LINGER", deadline)

    # The switch learned the guest's MAC on the tap port (fdb/show names
    # ports by ofport, as OVS does).
    ofport = pontoon.get("Interface", tap, "ofport")
    fdb = ph.parse_fdb(pontoon("fdb/show", br))
    assert any(p in (tap, ofport) and a == mac.lower() for p, _, a, _ in fdb), (ofport, fdb)
    if during:
        during()

    t0 = time.monotonic()
    host.ping_until(guest_ip, timeout=15)
    r = host.exec("ping", "-n", "-c", str(echoes), "-i", "0.2", "-W", "2", guest_ip,
                  check=False, timeout=20)
    t_ping = time.monotonic() - t0
    assert r.returncode == 0 and f" {echoes} received" in r.stdout, \
        f"host -> guest ping:\n{r.stdout}{r.stderr}\n{q.tail()}"

    _, m = q.wait_for(r"GUEST-ECHOED (\d+)", time.monotonic() + 30)
    assert int(m.group(1)) >= echoes, m.group(0)
    q.wait_for(r"GUEST-POWEROFF", time.monotonic() + 10)
    status = q.wait_exit(20)
    assert status == 0, f"QEMU exit status {status} after the guest powered off\n{q.tail()}"
    return t_ok, t_ping


def tap_queue_packets(tap):
    """Frames the kernel sent on each tx queue of a multi-queue tap (its mq
    qdisc's children, parent ":N" for queue N-1): {queue: packets}."""
    qdiscs = json.loads(ph.sh("tc", "-s", "-j", "qdisc", "show", "dev", tap).stdout)
    return {int(q["parent"].lstrip(":"), 16) - 1: q["packets"] for q in qdiscs
            if re.fullmatch(r":[0-9a-f]+", q.get("parent", ""))}


def rx_queue_packets(pontoon, port):
    """The switch's rx queues of a port: {queue: packets} (pmd-rxq-show)."""
    counts = {}
    for pmd in json.loads(pontoon("--format=json", "dpif-netdev/pmd-rxq-show")):
        for q in pmd["queues"]:
            if q["port"] == port:
                counts[q["queue-id"]] = q["packets"]
    return counts


def guest_irqs(q, when, deadline):
    """The guest's GUEST-IRQ line `when` as {"input.0": n, ...}."""
    _, m = q.wait_for(rf"GUEST-IRQ {when}((?: \S+=\d+)*)$", deadline)
    return {k: int(v) for k, v in (w.split("=") for w in m.group(1).split())}


def vhost_show(pontoon, port):
    data = json.loads(pontoon("--format=json", "vhost/show", port))
    assert len(data) == 1 and data[0]["name"] == port, data
    return data[0]


# ---------------------------------------------------------------- tests
def test_guest_on_qemu_made_tap(pontoon, daemon, net, qemus, image, workdir, prefix):
    """libvirt's flow: QEMU makes the tap, it is plugged in as a system port
    with libvirt's exact command line; guest <-> namespaced host both ways."""
    s = subnet(prefix)
    br, tap = net.name("br"), net.name("vnet0")
    pontoon("add-br", br)
    host = net.add_host("h", f"{s}.1")
    pontoon("add-port", br, host.port)
    mac = net.next_mac()

    q = start_guest(qemus, image, workdir, tap, mac, f"{s}.2", host.ip, linger=40, echoes=3)
    wait_tap(q, tap)
    libvirt_plug(pontoon, br, tap, mac)
    assert pontoon.get("Interface", tap, "external_ids:attached-mac") == f'"{mac}"'

    t_ok, t_ping = run_guest_round(pontoon, q, host, f"{s}.2", tap, mac, br)
    print(f"guest ping ok {t_ok:.1f}s after QEMU start; host->guest ping {t_ping:.1f}s")

    # The tap is gone with QEMU; pontoond stays up.  libvirt's del-port line.
    ph.wait_until(lambda: not ph.link_exists(tap), timeout=10, what=f"{tap} to vanish")
    assert daemon.alive(), daemon.log()
    pontoon("--timeout=5", "--", "--if-exists", "del-port", tap)
    assert tap not in pontoon("list-ports", br).split()


def test_guest_on_access_vlan_and_reboot(pontoon, daemon, net, qemus, image, workdir, prefix):
    """The verbatim libvirt line with tag=2: the guest reaches the host on
    VLAN 2 and not the one on VLAN 3.  The guest then powers off without
    del-port (the port stays configured, its tap gone); a new QEMU makes a
    tap of the same name and pontoond attaches it again by itself (no new
    add-port); libvirt's --may-exist line afterwards changes nothing."""
    s = subnet(prefix)
    br, tap = net.name("br"), net.name("vnet0")
    pontoon("add-br", br)
    host = net.add_host("h", f"{s}.1")
    other = net.add_host("o", f"{s}.3")
    pontoon("add-port", br, host.port, "tag=2")
    pontoon("add-port", br, other.port, "tag=3")
    mac = net.next_mac()

    q = start_guest(qemus, image, workdir, tap, mac, f"{s}.2", host.ip, linger=40, echoes=3)
    wait_tap(q, tap)
    libvirt_plug(pontoon, br, tap, mac, tag=2)

    def isolated():
        assert not other.ping(f"{s}.2", count=1), "VLAN 3 host reached the VLAN 2 guest"
    run_guest_round(pontoon, q, host, f"{s}.2", tap, mac, br, during=isolated)

    # Second boot: the port is still in the database; QEMU makes the tap
    # again and it is only brought up -- pontoond must pick it up itself.
    ph.wait_until(lambda: not ph.link_exists(tap), timeout=10, what=f"{tap} to vanish")
    assert daemon.alive(), daemon.log()
    before = pontoon.dump()
    q2 = start_guest(qemus, image, workdir, tap, mac, f"{s}.2", host.ip, name="guest2",
                     linger=40, echoes=3)
    wait_tap(q2, tap)
    ph.disable_ipv6(tap)
    ph.sh("ip", "link", "set", tap, "up")
    run_guest_round(pontoon, q2, host, f"{s}.2", tap, mac, br, during=isolated)
    r = pontoon.run("--timeout=5", "--", "--may-exist", "add-port", br, tap, "tag=2")
    assert r.returncode == 0, r.stderr
    assert pontoon.get("Port", tap, "tag") == "2"
    assert pontoon.dump()["Bridge"] == before["Bridge"]


def test_guest_on_vhostuser_port(pontoon, daemon, net, qemus, image, workdir, prefix):
    """QEMU's vhost-user front end against a dpdkvhostuser port: the
    virtio rings of a real Linux virtio_net driver are served by pontoond.
    vectors=0: QEMU 7.2 under TCG crashes starting vhost-user with MSI-X."""
    s = subnet(prefix)
    br, vh = net.name("br"), net.name("vhu0")
    pontoon("add-br", br)
    host = net.add_host("h", f"{s}.1")
    pontoon("add-port", br, host.port)
    pontoon("add-port", br, vh, "--", "set", "Interface", vh, "type=dpdkvhostuser")
    sock = os.path.join(pontoon.run_dir, vh)
    ph.wait_until(lambda: os.path.exists(sock), timeout=10, what=f"vhost-user socket {sock}")
    assert vhost_show(pontoon, vh)["state"] == "waiting"
    mac = net.next_mac()

    extra = ["-object", "memory-backend-memfd,id=mem,size=256M,share=on",
             "-numa", "node,memdev=mem", "-chardev", f"socket,id=c0,path={sock}"]
    q = Qemu(image, "vhost-user,id=n0,chardev=c0", f"virtio-net-pci,netdev=n0,mac={mac},vectors=0",
             f"{s}.2/24", host.ip, workdir / "guest.console", linger=40, echoes=3, extra=extra)
    qemus.append(q)
    q.start()
    ph.wait_until(lambda: vhost_show(pontoon, vh)["state"] == "connected", timeout=15,
                  what=f"QEMU to connect to {sock}")

    def rings_running():
        st = vhost_show(pontoon, vh)
        assert st["state"] == "connected", st
        assert st["active_queue_pairs"] == 1, st
    t_ok, t_ping = run_guest_round(pontoon, q, host, f"{s}.2", vh, mac, br, during=rings_running)
    print(f"vhost-user guest ping ok {t_ok:.1f}s after QEMU start; host->guest {t_ping:.1f}s")

    # QEMU gone: the port waits for the next guest; pontoond stays up.
    ph.wait_until(lambda: vhost_show(pontoon, vh)["state"] == "waiting", timeout=10,
                  what=f"{vh} back to waiting")
    assert daemon.alive(), daemon.log()


def test_multiqueue_guest_on_qemu_made_tap(pontoon, daemon, net, qemus, image, workdir, prefix):
    """A 2-queue virtio-net guest on QEMU's multi-queue tap, plugged in as
    libvirt does, with options:n_rxq=2: the guest connects to 16 TCP ports
    of the host from both its CPUs, the host sends it 16 UDP flows and pings
    it from 4 addresses; each queue carries traffic in each direction."""
    s = subnet(prefix)
    br, tap = net.name("br"), net.name("vnet0")
    # The switch's own rx queues are under test: the userspace datapath
    # (an empty datapath_type would switch the guest's flows in the kernel).
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    host = net.add_host("h", f"{s}.1")
    pontoon("add-port", br, host.port)
    sources = [host.ip] + [f"{s}.{i}" for i in (11, 12, 13)]
    for ip in sources[1:]:
        host.exec("ip", "addr", "add", f"{ip}/24", "dev", host.ifname)
    mac = net.next_mac()
    q = Qemu(image, f"tap,id=n0,ifname={tap},queues=2,script=no,downscript=no,vhost=off",
             f"virtio-net-pci,netdev=n0,mac={mac},mq=on,vectors=6", f"{s}.2/24", host.ip,
             workdir / "guest.console", linger=40, echoes=3 * len(sources),
             extra=["-smp", "2"], cmdline=f"{GUEST_CMDLINE} pontoon.queues=1 pontoon.tcp=16")
    qemus.append(q)
    q.start()
    wait_tap(q, tap)

    # Not as a type=tap port: QEMU holds the tap's queues.
    pontoon("add-port", br, tap, "--", "set", "Interface", tap, "type=tap")
    ph.wait_until(lambda: "busy" in pontoon.get("Interface", tap, "error"), timeout=5,
                  what=f"type=tap on QEMU's {tap} to be refused")
    assert "tap in use by another process (2 of its 2 queues)" in daemon.log(), daemon.log()
    pontoon("del-port", tap)
    libvirt_plug(pontoon, br, tap, mac)
    pontoon("set", "Interface", tap, "options:n_rxq=2")

    deadline = q.started + BOOT_DEADLINE
    _, m = q.wait_for(r"GUEST-PING-(OK|FAIL).*", deadline)
    assert m.group(1) == "OK", f"guest could not ping {host.ip}: {m.group(0)}"
    _, m = q.wait_for(r"GUEST-QUEUES after-ping (.*)", deadline)
    assert m.group(1).split() == ["rx=2", "tx=2", "cpus=2"], m.group(0)
    irq_before = guest_irqs(q, "after-ping", deadline)
    tap_before = tap_queue_packets(tap)
    assert sorted(tap_before) == [0, 1], tap_before

    # guest -> host: 16 TCP flows from both CPUs, over the switch's 2 rx queues.
    q.wait_for(r"GUEST-TCP 16", deadline)
    q.wait_for(r"GUEST-LINGER", deadline)
    rxq = rx_queue_packets(pontoon, tap)
    assert sorted(rxq) == [0, 1] and all(rxq.values()), f"{tap} rx queues: {rxq}"

    # host -> guest: 16 UDP flows, spread by the tap over both queues.
    host.exec(ph.PYTHON, "-c",
              "import socket\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "for i in range(64):\n"
              f"    s.sendto(b'flow', ('{s}.2', 41000 + i % 16))\n")
    ph.wait_until(lambda: sum(tap_queue_packets(tap).values()) - sum(tap_before.values()) >= 64,
                  timeout=10, what=f"64 datagrams through {tap}")
    tap_after = tap_queue_packets(tap)
    to_guest = {n: tap_after[n] - tap_before[n] for n in (0, 1)}
    assert to_guest[0] > 0 and to_guest[1] > 0, f"{tap} tx queues: {to_guest}"

    # ... and pings from 4 addresses, which the guest counts and answers.
    for ip in sources:
        r = host.exec("ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "2", "-I", ip, f"{s}.2",
                      check=False, timeout=20)
        assert r.returncode == 0 and " 3 received" in r.stdout, f"ping from {ip}:\n{r.stdout}"
    _, m = q.wait_for(r"GUEST-ECHOED (\d+)", time.monotonic() + 30)
    assert int(m.group(1)) >= 3 * len(sources), m.group(0)

    irq_after = guest_irqs(q, "end", time.monotonic() + 10)
    used = {k: irq_after[k] - irq_before[k] for k in irq_before}
    assert sorted(used) == ["input.0", "input.1", "output.0", "output.1"], used
    assert all(n > 0 for n in used.values()), f"guest queue interrupts: {used}"
    print(f"guest queue interrupts {used}; {tap} tx queues {to_guest}; rx queues {rxq}")
    q.wait_for(r"GUEST-POWEROFF", time.monotonic() + 10)
    assert q.wait_exit(20) == 0, q.tail()


def test_multiqueue_guest_on_vhostuser_port(pontoon, daemon, net, qemus, image, workdir,
                                            prefix):
    """Two queue pairs on a dpdkvhostuser port (options:n_rxq=2), a guest
    with -smp 2.  The guest connects to 16 TCP ports of the host, all from
    CPU 1: its SYNs leave on its tx queue 1 (virtqueue 3) and the host's
    resets come back on its rx queue 1 (virtqueue 2), the queue pair it sent
    them on.  Then 16 UDP flows from the host spread over both rx queues."""
    s = subnet(prefix)
    br, vh = net.name("br"), net.name("vhu0")
    pontoon("add-br", br)
    host = net.add_host("h", f"{s}.1")
    pontoon("add-port", br, host.port)
    pontoon("add-port", br, vh, "--", "set", "Interface", vh, "type=dpdkvhostuser",
            "options:n_rxq=2")
    sock = os.path.join(pontoon.run_dir, vh)
    ph.wait_until(lambda: os.path.exists(sock), timeout=10, what=f"vhost-user socket {sock}")
    mac = net.next_mac()
    extra = ["-smp", "2", "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
             "-numa", "node,memdev=mem", "-chardev", f"socket,id=c0,path={sock}"]
    q = Qemu(image, "vhost-user,id=n0,chardev=c0,queues=2",
             f"virtio-net-pci,netdev=n0,mac={mac},mq=on,vectors=0", f"{s}.2/24", host.ip,
             workdir / "guest.console", linger=40, echoes=3, extra=extra,
             cmdline=f"{GUEST_CMDLINE} pontoon.queues=1 pontoon.tcp=16 pontoon.tcpcpu=1")
    qemus.append(q)
    q.start()

    deadline = q.started + BOOT_DEADLINE
    _, m = q.wait_for(r"GUEST-PING-(OK|FAIL).*", deadline)
    assert m.group(1) == "OK", f"guest could not ping {host.ip}: {m.group(0)}"
    _, m = q.wait_for(r"GUEST-QUEUES after-ping (.*)", deadline)
    assert m.group(1).split() == ["rx=2", "tx=2", "cpus=2"], m.group(0)
    show = vhost_show(pontoon, vh)
    assert show["active_queue_pairs"] == 2, show
    before = [x["packets"] for x in show["queues"]]

    def moved():
        return [x["packets"] - b for x, b in zip(vhost_show(pontoon, vh)["queues"], before)]
    q.wait_for(r"GUEST-TCP 16", deadline)
    ph.wait_until(lambda: moved()[2] >= 16, timeout=5, what="16 resets on virtqueue 2")
    tcp = moved()
    assert tcp[3] >= 16, f"the guest's SYNs left on its tx queue 1: per virtqueue {tcp}"
    assert tcp[0] <= 2, f"the resets follow their flows to rx queue 1: per virtqueue {tcp}"

    q.wait_for(r"GUEST-LINGER", deadline)
    before = [x["packets"] for x in vhost_show(pontoon, vh)["queues"]]
    host.exec(ph.PYTHON, "-c",
              "import socket\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "for i in range(64):\n"
              f"    s.sendto(b'flow', ('{s}.2', 41000 + i % 16))\n")
    ph.wait_until(lambda: moved()[0] + moved()[2] >= 64, timeout=10,
                  what="64 datagrams into the guest")
    udp = moved()
    assert udp[0] > 0 and udp[2] > 0, f"16 flows over both rx queues: per virtqueue {udp}"
    print(f"per virtqueue: TCP from CPU 1 {tcp}; UDP to the guest {udp}")

    r = host.exec("ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", f"{s}.2", check=False,
                  timeout=20)
    assert r.returncode == 0 and " 3 received" in r.stdout, r.stdout
    q.wait_for(r"GUEST-POWEROFF", time.monotonic() + 30)
    assert q.wait_exit(20) == 0, q.tail()
