"""Helpers for Pontoon's integration tests: the CLI, the daemon, namespaced
hosts joined to the switch by veth pairs, and scapy send/capture inside those
namespaces.

Every object is bound to one unique prefix ("pt" + 4 hex digits) so that
namespaces, interfaces and temp dirs never collide with another run, and
everything created is torn down by Net.cleanup() / Daemon.stop() even when a
test fails.  Addresses come only from 198.18.0.0/15.
"""

import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("PONTOON_BUILD", REPO / "build"))
PONTOON = BUILD / "pontoon"
PONTOOND = BUILD / "pontoond"
PYTHON = "/usr/bin/python3"     # Debian's python3 has scapy; pyenv's does not

# ping flags that keep the suite fast
PING = ["ping", "-n", "-q", "-c", "2", "-W", "1", "-i", "0.2"]


def new_prefix():
    return "pt" + secrets.token_hex(2)


def sh(*cmd, check=True, timeout=20, input=None):
    """Runs a command (argv), returns CompletedProcess; raises with the
    command's output when check and it fails."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and r.returncode != 0:
        raise AssertionError(f"command failed ({r.returncode}): {' '.join(map(str, cmd))}\n"
                             f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def wait_until(predicate, timeout=10.0, interval=0.1, what="condition"):
    """Polls predicate() until it returns a true value (returned) or the
    deadline passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def link_exists(name, ns=None):
    cmd = ["ip"] + (["-n", ns] if ns else []) + ["link", "show", "dev", name]
    return sh(*cmd, check=False).returncode == 0


def link_info(name, ns=None):
    cmd = ["ip", "-j"] + (["-n", ns] if ns else []) + ["link", "show", "dev", name]
    r = sh(*cmd, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)[0]


def disable_ipv6(ifname, ns=None):
    """Quietens a test interface (no router solicitations, MLD reports)."""
    pre = ["ip", "netns", "exec", ns] if ns else []
    sh(*pre, "sysctl", "-qw", f"net.ipv6.conf.{ifname}.disable_ipv6=1", check=False)


# ---------------------------------------------------------------- the CLI
class Pontoon:
    """The `pontoon` CLI bound to one database and run dir (through the
    environment variables PONTOON_DB and PONTOON_RUN_DIR)."""

    def __init__(self, db, run_dir, binary=PONTOON):
        self.db = str(db)
        self.run_dir = str(run_dir)
        self.binary = str(binary)
        self.env = dict(os.environ, PONTOON_DB=self.db, PONTOON_RUN_DIR=self.run_dir)
        self.history = []
        self.datapath_type = ""          # add_br's, when set (conftest's both_datapaths)

    def add_br(self, name, *more):
        """add-br NAME [more...], with the datapath_type this test runs on."""
        args = ["add-br", name, *more]
        if self.datapath_type:
            args += ["--", "set", "bridge", name, f"datapath_type={self.datapath_type}"]
        return self(*args)

    def run(self, *args, timeout=30):
        """Runs `pontoon ARGS...`; returns the CompletedProcess, never raises
        on a non-zero exit."""
        argv = [self.binary] + [str(a) for a in args]
        t0 = time.monotonic()
        try:
            r = subprocess.run(argv, capture_output=True, text=True, env=self.env,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"pontoon {' '.join(argv[1:])} did not return in {timeout}s") from e
        self.history.append((argv[1:], r.returncode, round(time.monotonic() - t0, 2)))
        return r

    def __call__(self, *args, timeout=30):
        """Runs `pontoon ARGS...`, asserts exit 0, returns stdout."""
        r = self.run(*args, timeout=timeout)
        assert r.returncode == 0, (f"pontoon {' '.join(map(str, args))} exited {r.returncode}\n"
                                   f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r.stdout

    def fails(self, *args, timeout=30):
        """Runs a command that must fail: asserts exit 1 and the
        `pontoon: ` prefix; returns the message after it (stripped)."""
        r = self.run(*args, timeout=timeout)
        assert r.returncode == 1, (f"pontoon {' '.join(map(str, args))}: expected exit 1, got "
                                   f"{r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        err = r.stderr.strip()
        assert err.startswith("pontoon: "), f"stderr lacks 'pontoon: ' prefix: {r.stderr!r}"
        return err[len("pontoon: "):]

    def dump(self):
        """`pontoon list` of all four tables, for before/after comparisons."""
        return {t: self("list", t) for t in ("Open_vSwitch", "Bridge", "Port", "Interface")}

    def get(self, table, record, column):
        return self("get", table, record, column).strip()


# ---------------------------------------------------------------- the daemon
class NsPontoon(Pontoon):
    """The CLI run inside a network namespace (ip netns exec), where a
    namespaced daemon's devices are."""

    def __init__(self, ns, db, run_dir):
        super().__init__(db, run_dir)
        self.ns = ns

    def run(self, *args, timeout=30):
        argv = ["ip", "netns", "exec", self.ns, self.binary] + [str(a) for a in args]
        t0 = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=timeout)
        self.history.append((argv[4:], r.returncode, round(time.monotonic() - t0, 2)))
        return r


class Daemon:
    """One pontoond process with its own --db and --run-dir, started in the
    foreground as a child and stopped by its PID.  With `ns` it runs in that
    network namespace."""

    def __init__(self, db, run_dir, log_path, binary=PONTOOND, log_level="info", ns=None):
        self.db = str(db)
        self.run_dir = str(run_dir)
        self.log_path = str(log_path)
        self.binary = str(binary)
        self.log_level = log_level
        self.ns = ns
        self.proc = None
        self.ctl = os.path.join(self.run_dir, "pontoond.ctl")
        self.env = {}               # added to the environment at start()
        self.args = []              # more options (e.g. --remote=...) at start()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0):
        assert not self.alive(), "daemon already running"
        os.makedirs(self.run_dir, exist_ok=True)
        log = open(self.log_path, "a")
        where = f" in {self.ns}" if self.ns else ""
        log.write(f"==== start {time.strftime('%H:%M:%S')}{where}\n")
        log.flush()
        # `ip netns exec` execs pontoond, so the child's PID (which stop()
        # signals) is still the daemon's own.
        pre = ["ip", "netns", "exec", self.ns] if self.ns else []
        env = {**os.environ, **self.env}
        if self.ns and NS_BPFFS.is_mount():
            env.setdefault("PONTOON_BPF_PIN_ROOT", str(NS_PIN_ROOT))
        self.proc = subprocess.Popen(
            pre + [self.binary, f"--db={self.db}", f"--run-dir={self.run_dir}",
                   f"--log-level={self.log_level}", *self.args],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"pontoond exited {self.proc.returncode} at start:\n{self.log()}")
            if self._connectable():
                return self
            time.sleep(0.05)
        raise AssertionError(f"pontoond: no control socket {self.ctl} after {timeout}s:\n{self.log()}")

    def _connectable(self):
        if not os.path.exists(self.ctl):
            return False
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.ctl)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the daemon and waits for it; SIGKILLs it after the
        deadline.  Returns its exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
                return None
        return self.proc.returncode

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-20000:]
        except OSError:
            return ""


# ---------------------------------------------------------------- hosts and links
class Host:
    """A namespace with one interface `eth0`, whose veth peer (named `port`)
    stays in the host namespace to be added to a bridge."""

    def __init__(self, net, ns, port, ip, mac, plen=24, ifname="eth0"):
        self.net, self.ns, self.port = net, ns, port
        self.ip, self.mac, self.plen, self.ifname = ip, mac, plen, ifname

    def exec(self, *cmd, check=True, timeout=20):
        return sh("ip", "netns", "exec", self.ns, *cmd, check=check, timeout=timeout)

    def ping(self, ip, count=2):
        """True when at least one reply came back."""
        target = ip.ip if isinstance(ip, Host) else ip
        r = self.exec(*PING[:4], str(count), *PING[5:], target, check=False, timeout=count + 5)
        return r.returncode == 0

    def ping_until(self, ip, timeout=10.0):
        """Asserts that ping succeeds within the deadline (the daemon may
        need a moment to apply a change)."""
        target = ip.ip if isinstance(ip, Host) else ip
        wait_until(lambda: self.exec("ping", "-n", "-q", "-c", "1", "-W", "1", target,
                                     check=False, timeout=5).returncode == 0,
                   timeout=timeout, interval=0.05, what=f"{self.ns} to ping {target}")

    def send(self, *frames, iface=None):
        """Sends raw frames (scapy packets or bytes) out of eth0."""
        send_frames(self.ns, iface or self.ifname, frames)

    def capture(self, iface=None):
        return Capture(self.ns, iface or self.ifname)

    def flush_neigh(self):
        self.exec("ip", "neigh", "flush", "dev", self.ifname, check=False)


KERNEL_PIN_ROOT = Path("/sys/fs/bpf/pontoon")
# Daemons run by `ip netns exec` get a /sys of their own, where a bpffs they
# mount dies with them: theirs pin under a bpffs mounted here, in the host's
# mount namespace (conftest mounts it for the session and unmounts it).
NS_BPFFS = Path("/run/pontoon-tests-bpffs")
NS_PIN_ROOT = NS_BPFFS / "pontoon"
PIN_ROOTS = (KERNEL_PIN_ROOT, NS_PIN_ROOT)


def kernel_hooks(dev):
    """Every BPF program on a device's TC hooks, as text: tcx links (listed
    by build/bpf_switch_tool hooks, with their program ids) and clsact
    filters (tc filter show, ingress and egress)."""
    out = [sh(str(BUILD / "bpf_switch_tool"), "hooks", dev, check=False).stdout]
    for hook in ("ingress", "egress"):
        out.append(sh("tc", "filter", "show", "dev", dev, hook, check=False).stdout)
    return "".join(out).strip()


def kernel_pins(prefix):
    """Pin directories of this test's datapath_type=system bridges."""
    return sorted(d for root in PIN_ROOTS if root.exists() for d in root.glob(prefix + "*"))


def remove_kernel_pins(prefix):
    """What a daemon stopped by SIGTERM leaves for its successor: the
    programs and maps of this test's system bridges (their devices are gone
    with the namespaces, so unpinning frees them)."""
    for d in kernel_pins(prefix):
        remove_pin_dir(d)


def remove_pin_dir(d):
    for f in d.iterdir():
        f.unlink()
    d.rmdir()


class Net:
    """Namespaces and links made by one test; cleanup() removes them all."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.namespaces = []
        self.links = []
        self.hosts = {}
        self._mac_seq = 0
        # Locally administered MACs unique to this run: 02:<prefix hex>:00:NN
        self._mac_base = f"02:{prefix[2:4]}:{prefix[4:6]}:00:00"

    def name(self, suffix):
        name = self.prefix + suffix
        assert len(name) <= 15, f"interface name too long: {name}"
        return name

    def add_ns(self, suffix):
        ns = self.name(suffix)
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", check=False)
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1", check=False)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def next_mac(self):
        self._mac_seq += 1
        return f"{self._mac_base}:{self._mac_seq:02x}"

    def add_host(self, suffix, ip, plen=24, mac=None):
        """Creates namespace <prefix><suffix>n holding eth0 (ip/plen, mac) and
        the veth peer <prefix><suffix> in the host namespace, both up."""
        ns = self.add_ns(suffix + "n")
        port = self.name(suffix)
        host = Host(self, ns, port, ip, mac or self.next_mac(), plen)
        self.plug_host(host)
        self.hosts[suffix] = host
        return host

    def plug_host(self, host):
        """(Re)creates the veth pair of a host: after a deletion the same
        names, address and MAC come back."""
        sh("ip", "link", "add", "name", host.port, "type", "veth",
           "peer", "name", host.ifname, "netns", host.ns)
        if host.port not in self.links:
            self.links.append(host.port)
        disable_ipv6(host.port)
        sh("ip", "link", "set", host.port, "up")
        sh("ip", "-n", host.ns, "link", "set", host.ifname, "address", host.mac)
        sh("ip", "-n", host.ns, "addr", "add", f"{host.ip}/{host.plen}", "dev", host.ifname)
        sh("ip", "-n", host.ns, "link", "set", host.ifname, "up")

    def add_veth(self, a_suffix, b_suffix):
        """A veth pair with both ends in the host namespace, both up."""
        a, b = self.name(a_suffix), self.name(b_suffix)
        sh("ip", "link", "add", "name", a, "type", "veth", "peer", "name", b)
        self.links += [a, b]
        for x in (a, b):
            disable_ipv6(x)
            sh("ip", "link", "set", x, "up")
        return a, b

    def cleanup(self):
        errors = []
        # Kernel fast paths a daemon in one of our namespaces left pinned
        # (SIGTERM keeps them): "<bridge>:ns<inode of the namespace>".
        for ns in self.namespaces:
            try:
                inode = os.stat(f"/run/netns/{ns}").st_ino
            except OSError:
                continue
            for root in PIN_ROOTS:
                for d in (root.glob(f"*:ns{inode}") if root.exists() else []):
                    remove_pin_dir(d)
        for ns in reversed(self.namespaces):
            r = sh("ip", "netns", "del", ns, check=False)
            if r.returncode != 0 and "No such file" not in r.stderr:
                errors.append(r.stderr.strip())
        # Anything left in the host namespace with our prefix: veth ends,
        # taps or internal ports that the daemon did not remove.
        r = sh("ip", "-o", "link", "show", check=False)
        for line in r.stdout.splitlines():
            m = re.match(r"\d+:\s+([^:@\s]+)", line)
            if m and m.group(1).startswith(self.prefix):
                sh("ip", "link", "del", m.group(1), check=False)
        remove_kernel_pins(self.prefix)
        # Namespaces someone else (a CLI line, a test) created with our prefix.
        r = sh("ip", "netns", "list", check=False)
        for line in r.stdout.splitlines():
            ns = line.split()[0] if line.split() else ""
            if ns.startswith(self.prefix):
                sh("ip", "netns", "del", ns, check=False)
        return errors


# ---------------------------------------------------------------- scapy in namespaces
_SEND_SCRIPT = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for h in sys.argv[2:]:
    s.send(bytes.fromhex(h))
"""

# Plain AF_PACKET (starts in a few ms): opens and binds the socket before
# printing READY (no start-up race), collects frames until stdin closes, then
# prints them as JSON [[pkttype, hex], ...].  802.1Q tags that the kernel
# moved into PACKET_AUXDATA are put back, so tagged frames are seen as they
# were on the wire (as scapy's own sockets do).
_CAPTURE_SCRIPT = r"""
import json, os, select, socket, struct, sys
SOL_PACKET, PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC, PACKET_AUXDATA = 263, 1, 1, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 3))
ifindex = socket.if_nametoindex(sys.argv[1])
s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, struct.pack("iHH8s", ifindex, PACKET_MR_PROMISC, 0, b""))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sys.stdout.write("READY\n"); sys.stdout.flush()
out = []
def take():
    pkt, anc, _, sa = s.recvmsg(65536, socket.CMSG_LEN(64))
    for lvl, typ, data in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(data) >= 20:
            status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", data[:20])
            if tci or status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                pkt = pkt[:12] + struct.pack("!HH", tpid, tci) + pkt[12:]
    out.append([sa[2], pkt.hex()])
stdin = sys.stdin.fileno()
while True:
    r, _, _ = select.select([s, stdin], [], [], 1.0)
    if s in r:
        take()
    if stdin in r and not os.read(stdin, 1):
        break
while select.select([s], [], [], 0)[0]:
    take()
sys.stdout.write(json.dumps(out) + "\n")
"""


def send_frames(ns, iface, frames):
    hexes = [bytes(f).hex() for f in frames]
    sh("ip", "netns", "exec", ns, PYTHON, "-c", _SEND_SCRIPT, iface, *hexes)


class Capture:
    """Captures every frame on ns/iface between start and stop().
    Use as a context manager; after exit .received holds the scapy Ether
    packets that arrived on the interface, .frames also those it sent."""

    def __init__(self, ns, iface):
        self.ns, self.iface = ns, iface
        self.frames = None
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, PYTHON, "-c", _CAPTURE_SCRIPT, iface],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        r, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline() if r else ""
        if line.strip() != "READY":
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"capture on {ns}/{iface} did not start: {line!r} {err}")

    def stop(self, settle=0.3):
        """Waits `settle` seconds for frames in flight, stops, parses."""
        from scapy.layers.l2 import Ether
        if self.frames is not None:
            return self.received
        time.sleep(settle)
        try:
            out, err = self.proc.communicate(input="", timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise AssertionError(f"capture on {self.ns}/{self.iface} failed: {err}")
        self.frames, self.received = [], []
        for direction, h in json.loads(out.strip().splitlines()[-1]):
            p = Ether(bytes.fromhex(h))
            self.frames.append(p)
            if direction != 4:          # PACKET_OUTGOING: sent by this host
                self.received.append(p)
        return self.received

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.frames is None:
            if exc[0] is None:
                self.stop()
            else:
                self.proc.kill()
                self.proc.communicate()
        return False


def marker_frames(frames, marker):
    """The captured frames whose payload carries `marker` (bytes)."""
    return [f for f in frames if marker in bytes(f)]


def new_marker(what=""):
    return b"pontoon-test-" + what.encode() + b"-" + secrets.token_hex(4).encode()


# ---------------------------------------------------------------- output parsing
FDB_LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+([0-9a-fA-F:]{17})\s+(\d+)\s*$")


def parse_fdb(text):
    """`fdb/show` → list of (port, vlan, mac, age); checks the header."""
    lines = text.splitlines()
    assert lines and lines[0].split() == ["port", "VLAN", "MAC", "Age"], \
        f"fdb/show header is not OVS's ' port  VLAN  MAC                Age':\n{text}"
    entries = []
    for line in lines[1:]:
        if not line.strip():
            continue
        m = FDB_LINE.match(line)
        assert m, f"unparsable fdb/show line: {line!r}"
        entries.append((m.group(1), int(m.group(2)), m.group(3).lower(), int(m.group(4))))
    return entries


def show_blocks(text):
    """`show` → {interface name: [lines of its block]} (lines under an
    `Interface NAME` line, up to the next Port/Interface/Bridge line)."""
    blocks, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^\s+Interface \"?([^\"]+)\"?\s*$", line)
        if m:
            current = m.group(1)
            blocks[current] = []
            continue
        if re.match(r"^\s+(Port|Bridge) ", line):
            current = None
            continue
        if current is not None:
            blocks[current].append(line.strip())
    return blocks
