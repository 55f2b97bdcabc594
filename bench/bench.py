#!/usr/bin/python3
"""Pontoon benchmark: Pontoon (userspace datapath, and datapath_type=system:
its eBPF kernel fast path) vs the Linux bridge vs Open vSwitch (userspace,
datapath_type=netdev) on the same ports, in one run.

Topology (all in network namespaces named <prefix>-h1, -h2, -sw):

    h1:eth0 198.18.0.1/24 <-veth-> sw:<prefix>p1 [switch] sw:<prefix>p2 <-veth-> h2:eth0 198.18.0.2/24

and, for reference, "none": h1:eth0 <-veth-> h2:eth0 directly. Each switch gets
a freshly built topology (same names, default veth settings), runs inside the
sw namespace, and is measured in turn:

  - TCP throughput, iperf3, 1 and 4 streams
  - 64-byte UDP packet rate: bench/pktgen (C, sendmmsg on AF_PACKET) in h1,
    received = delta of h2:eth0 rx_packets
  - round-trip latency: ping -i 0.002, every RTT -> average, p50, p99
  - the switch's CPU seconds (utime+stime of its processes; for the Linux
    bridge the machine's system+softirq seconds from /proc/stat), peak memory
    (VmHWM), CPU over 10 s idle (from 6 s after the last test; --quick:
    3 s from 1 s after), and RSS after adding 64 more ports.

Run as root: bench/run [--quick] [--only pontoon,pontoon-system,bridge,ovs,none] [--json FILE|-]
Reports; never asserts. Everything it starts it stops (by PID), also on Ctrl-C.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "tests" / "lib")]  # programs

import programs  # noqa: E402
from bench_report import LABELS, SWITCHES, TARGET_KEYS, compute_targets, report
from benchlib import REPO, BenchError, Runner, interrupt_on_signals, log, make_all
from ovs_daemons import OVS_SCHEMA, OvsDaemons
from pontoon_daemon import PontoonDaemon
from procstat import CpuMeter, proc_cpu_seconds, proc_sched_ns, proc_sched_runs, proc_status_kib
from report import write_json
from rounds import annotate_targets, combine
from run_setup import finish_args, pontoon_not_built, run_meta

H1_IP, H2_IP, PREFIXLEN = "198.18.0.1", "198.18.0.2", 24
SINK_MAC = "02:00:5e:c6:12:99"   # locally administered; see measure_udp64
OFFLOADS_OFF = ["tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"]


# ---------------------------------------------------------------- topology

class Topology:
    def __init__(self, r, prefix, direct):
        self.r, self.prefix, self.direct = r, prefix, direct
        self.h1, self.h2, self.sw = f"{prefix}-h1", f"{prefix}-h2", f"{prefix}-sw"
        self.p1, self.p2 = f"{prefix}p1", f"{prefix}p2"
        self.namespaces = [self.h1, self.h2] + ([] if direct else [self.sw])
        self.extra_ports = []

    def create(self):
        r = self.r
        create_namespaces(r, self.namespaces)
        if self.direct:
            r.run(["ip", "link", "add", "eth0", "netns", self.h1, "type", "veth",
                   "peer", "name", "eth0", "netns", self.h2])
        else:
            r.run(["ip", "link", "add", "eth0", "netns", self.h1, "type", "veth",
                   "peer", "name", self.p1, "netns", self.sw])
            r.run(["ip", "link", "add", "eth0", "netns", self.h2, "type", "veth",
                   "peer", "name", self.p2, "netns", self.sw])
            for p in (self.p1, self.p2):
                r.run(["ip", "link", "set", p, "up"], ns=self.sw)
        self.mac1, self.mac2 = address_hosts(r, self.h1, self.h2)

    def counter(self, ns, dev, name):
        return int(self.r.run(["cat", f"/sys/class/net/{dev}/statistics/{name}"], ns=ns).stdout)

    def offloads_off(self):
        out = []
        ends = [(self.h1, "eth0"), (self.h2, "eth0")]
        if not self.direct:
            ends += [(self.sw, self.p1), (self.sw, self.p2)]
        for ns, dev in ends:
            p = self.r.run(["ethtool", "-K", dev] + OFFLOADS_OFF, ns=ns, check=False)
            if p.returncode != 0:
                out.append(f"{dev}: {p.stderr.strip()}")
        return out

    def add_extra_veths(self, n):
        """n more veth pairs inside sw, both ends up; returns the ends to attach."""
        lines = []
        for i in range(n):
            a, b = f"{self.prefix}x{i}a", f"{self.prefix}x{i}b"
            self.extra_ports.append(a)
            lines.append(f"link add {a} type veth peer name {b}")
            lines.append(f"link set {a} up")
            lines.append(f"link set {b} up")
        self.r.run(["ip", "-batch", "-"], ns=self.sw, input="\n".join(lines) + "\n", timeout=120)
        return list(self.extra_ports)

    def destroy(self):
        for ns in self.namespaces:
            stop_netns_pids(self.r, ns)
        for ns in self.namespaces:
            self.r.run(["ip", "netns", "del", ns], check=False)



def create_namespaces(r, namespaces):
    """Each namespace with lo up and IPv6 off (no router solicitations or
    DAD traffic in the middle of a figure)."""
    for ns in namespaces:
        r.run(["ip", "netns", "add", ns])
        r.run(["ip", "link", "set", "lo", "up"], ns=ns)
        for key in ("all", "default"):
            r.run(["sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"], ns=ns, check=False)


def address_hosts(r, h1, h2):
    """eth0 of h1 and h2 addressed and up, each the other's static neighbour
    (no ARP traffic or timers in the middle of a figure); their MACs."""
    for ns, ip in ((h1, H1_IP), (h2, H2_IP)):
        r.run(["ip", "addr", "add", f"{ip}/{PREFIXLEN}", "dev", "eth0"], ns=ns)
        r.run(["ip", "link", "set", "eth0", "up"], ns=ns)
    mac1, mac2 = (r.run(["cat", "/sys/class/net/eth0/address"], ns=ns).stdout.strip()
                  for ns in (h1, h2))
    r.run(["ip", "neigh", "replace", H2_IP, "lladdr", mac2, "dev", "eth0",
           "nud", "permanent"], ns=h1)
    r.run(["ip", "neigh", "replace", H1_IP, "lladdr", mac1, "dev", "eth0",
           "nud", "permanent"], ns=h2)
    return mac1, mac2


def stop_netns_pids(r, ns):
    """Anything still running in one of our namespaces was started by us:
    stop it by PID."""
    p = r.run(["ip", "netns", "pids", ns], check=False)
    for pid in p.stdout.split():
        r.stop_pid(int(pid), timeout=3)


def remove_leftover_namespaces(r, prefix):
    """Safety net: namespaces of this run that survived (e.g. interrupted
    mid-create), with whatever still runs in them."""
    p = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        ns = line.split()[0] if line.split() else ""
        if ns.startswith(prefix + "-"):
            stop_netns_pids(r, ns)
            subprocess.run(["ip", "netns", "del", ns])


# ---------------------------------------------------------------- switches

class Switch:
    kind = None
    offloads = True

    def __init__(self, r, topo, args):
        self.r, self.topo, self.args = r, topo, args

    def start(self):
        pass

    def pids(self):
        return []

    def add_ports(self, ports):
        raise NotImplementedError

    def stop(self):
        pass

    def memory(self):
        return {}


class NoSwitch(Switch):
    kind = "none"


class LinuxBridge(Switch):
    kind = "bridge"

    def start(self):
        t, r = self.topo, self.r
        self.br = f"{t.prefix}br"
        r.run(["ip", "link", "add", self.br, "type", "bridge"], ns=t.sw)
        for p in (t.p1, t.p2):
            r.run(["ip", "link", "set", p, "master", self.br], ns=t.sw)
        r.run(["ip", "link", "set", self.br, "up"], ns=t.sw)

    def add_ports(self, ports):
        lines = [f"link set {p} master {self.br}" for p in ports]
        self.r.run(["ip", "-batch", "-"], ns=self.topo.sw, input="\n".join(lines) + "\n")


class Ovs(Switch):
    kind = "ovs"
    offloads = False   # the reference figures were measured with veth offloads off

    def __init__(self, r, topo, args):
        super().__init__(r, topo, args)
        self.ovs = OvsDaemons(r, topo.prefix, ns=topo.sw)

    def start(self):
        t = self.topo
        self.ovs.start_db()
        self.ovs.start_vswitchd()
        self.ovs.vsctl(["add-br", "br", "--", "set", "bridge", "br", "datapath_type=netdev"])
        self.ovs.vsctl(["add-port", "br", t.p1, "--", "add-port", "br", t.p2])

    def pids(self):
        return [p for p in (self.ovs.vswitchd_pid, self.ovs.ovsdb_pid) if p]

    def add_ports(self, ports):
        args = []
        for p in ports:
            args += ["--", "add-port", "br", p]
        self.ovs.vsctl(args[1:], timeout=120)

    def memory(self):
        return {"ovs-vswitchd": self.ovs.vswitchd_pid, "ovsdb-server": self.ovs.ovsdb_pid}

    def stop(self):
        self.ovs.stop(self.args.keep_logs)


class Pontoon(Switch):
    """pontoond with br0 on the userspace datapath (datapath_type=netdev; an
    empty one is the kernel fast path's, as OVS's is its kernel module's)."""
    kind = "pontoon"
    datapath_type = "netdev"

    def __init__(self, r, topo, args):
        super().__init__(r, topo, args)
        self.daemon = PontoonDaemon(r, args.build, topo.prefix, ns=topo.sw)
        self.bridge = "br0"

    def start(self):
        t = self.topo
        add_br = ["add-br", self.bridge]
        if self.datapath_type:
            add_br += ["--", "set", "bridge", self.bridge, f"datapath_type={self.datapath_type}"]
        self.daemon.start()
        self.daemon.ctl(add_br)
        self.daemon.ctl(["add-port", self.bridge, t.p1])
        self.daemon.ctl(["add-port", self.bridge, t.p2])

    def pids(self):
        return self.daemon.pids()

    def add_ports(self, ports):
        args = []
        for p in ports:
            args += ["--", "add-port", self.bridge, p]
        p = self.daemon.ctl(args[1:], timeout=120, check=False)
        if p.returncode != 0:   # no multi-command transactions yet: one at a time
            log(f"pontoon: one transaction for {len(ports)} add-port failed "
                f"({p.stderr.strip()[:200]}); adding one by one")
            for port in ports:
                self.daemon.ctl(["--may-exist", "add-port", self.bridge, port])

    def userspace_rx(self):
        """Frames the userspace workers received so far (pmd-stats-show),
        None when it cannot be read."""
        p = self.daemon.ctl(["dpif-netdev/pmd-stats-show"], check=False, timeout=10)
        counts = re.findall(r"packets received: (\d+)", p.stdout)
        return sum(int(c) for c in counts) if p.returncode == 0 and counts else None

    def memory(self):
        return {"pontoond": self.daemon.proc.pid} if self.pids() else {}

    def stop(self):
        self.daemon.stop(self.args.keep_logs)


class PontoonSystem(Pontoon):
    """pontoond with a datapath_type=system bridge: known unicast between
    p1 and p2 is switched by its eBPF TC programs, floods and unknown
    unicast by the userspace datapath.  The bridge has a name of this run
    (<prefix>sys), so that the pins it may leave (/sys/fs/bpf/pontoon/<name>,
    or <name>:ns<netns inode>) are this run's alone; del-br removes them
    before the daemon stops."""
    kind = "pontoon-system"
    datapath_type = "system"

    def __init__(self, r, topo, args):
        super().__init__(r, topo, args)
        self.bridge = system_bridge_name(topo.prefix)
        self.status = None

    def start(self):
        super().start()
        self.status = self.kernel_status()
        if "kernel_fast_path=active" not in (self.status or ""):
            raise BenchError(f"bridge {self.bridge}: kernel fast path not active "
                             f"(status {self.status or '?'}):\n" + self.daemon.log_tail(8))

    def kernel_status(self):
        p = self.daemon.ctl(["get", "bridge", self.bridge, "status"], check=False, timeout=10)
        return p.stdout.strip() if p.returncode == 0 else None

    def pin_dirs_seen_by_daemon(self):
        """The bridge's pin directories as the daemon sees them: `ip netns
        exec` gives it a mount namespace of its own, where it mounts bpffs."""
        pids = self.daemon.pids()
        return pin_dirs(self.bridge, f"/proc/{pids[0]}/root") if pids else []

    def stop(self):
        try:
            if self.daemon.pids():
                p = self.daemon.ctl(["--if-exists", "del-br", self.bridge], check=False,
                                    timeout=30)
                if p.returncode != 0:
                    log(f"pontoon: del-br {self.bridge} failed: {p.stderr.strip()[:200]}")
                for d in self.pin_dirs_seen_by_daemon():
                    log(f"pontoon: {d.name} still pinned after del-br; removing it")
                    shutil.rmtree(d, ignore_errors=True)
        finally:
            try:
                super().stop()
            finally:
                remove_pins(self.bridge)


def system_bridge_name(prefix):
    return f"{prefix}sys"


PIN_ROOT = "/sys/fs/bpf/pontoon"


def pin_dirs(bridge, root=""):
    """The pin directories of `bridge` under root + PIN_ROOT: <bridge>, or
    <bridge>:ns<inode of the daemon's network namespace> (the daemon names it
    so that two namespaces' bridges of the same name never share maps)."""
    try:
        return [d for d in Path(root + PIN_ROOT).iterdir()
                if d.name == bridge or d.name.startswith(bridge + ":ns")]
    except OSError:
        return []


def remove_pins(bridge):
    """Safety net after the daemon stopped: this run's bridge's pin directory
    (the bridge's name is this run's alone), that directory only."""
    for d in pin_dirs(bridge):
        log(f"pontoon: removing {d} left pinned")
        shutil.rmtree(d, ignore_errors=True)


SWITCH_CLASSES = {"none": NoSwitch, "bridge": LinuxBridge, "ovs": Ovs, "pontoon": Pontoon,
                  "pontoon-system": PontoonSystem}
DAEMONS = ("ovs", "pontoon", "pontoon-system")   # a switch process to measure


# ---------------------------------------------------------------- measurements

def connectivity(r, topo, wait=5.0):
    deadline = time.time() + wait
    while True:
        p = r.run(["ping", "-c", "1", "-W", "1", H2_IP], ns=topo.h1, check=False, timeout=5)
        if p.returncode == 0:
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.2)


def measure_latency(r, topo, count):
    # -i 0.002 needs root; one RTT per line: "... time=0.045 ms"
    p = r.run(["ping", "-n", "-c", count, "-i", "0.002", "-W", "1", H2_IP], ns=topo.h1,
              check=False, timeout=count * 0.01 + 30)
    rtts = sorted(float(m) * 1000 for m in re.findall(r"time=([\d.]+) ms", p.stdout))
    if not rtts:
        raise BenchError("ping: no replies")

    def pct(q):
        return rtts[min(len(rtts) - 1, int(round(q / 100 * (len(rtts) - 1))))]
    return {"sent": count, "received": len(rtts), "avg_us": round(sum(rtts) / len(rtts), 1),
            "min_us": round(rtts[0], 1), "p50_us": round(pct(50), 1),
            "p99_us": round(pct(99), 1), "max_us": round(rtts[-1], 1)}


def measure_tcp(r, topo, seconds, streams):
    server = r.popen(["iperf3", "-s", "-1", "-B", H2_IP], ns=topo.h2)
    try:
        out = None
        for attempt in range(20):   # until the server listens
            time.sleep(0.15)
            p = r.run(["iperf3", "-c", H2_IP, "-t", seconds, "-P", streams, "-J"],
                      ns=topo.h1, check=False, timeout=seconds + 30)
            try:
                out = json.loads(p.stdout)
            except json.JSONDecodeError:
                out = {"error": (p.stdout + p.stderr).strip()[:300]}
            if "error" not in out or "connect" not in out["error"]:
                break
        if "error" in out:
            raise BenchError(f"iperf3: {out['error']}")
        end = out["end"]
        rx, tx = end["sum_received"], end["sum_sent"]
        return {"gbps": round(rx["bits_per_second"] / 1e9, 3),
                "sent_gbps": round(tx["bits_per_second"] / 1e9, 3),
                "retransmits": tx.get("retransmits"),
                "seconds": round(rx["seconds"], 2),
                "iperf_cpu": end.get("cpu_utilization_percent")}
    finally:
        r.stop(server)


def measure_udp64(r, topo, seconds, args, broadcast=False):
    """64-byte frames from h1 to h2: as known unicast, or (broadcast) as
    frames every switch floods, which on Pontoon's kernel path go up to
    the userspace datapath."""
    dst = topo.mac2
    if broadcast:
        dst = "ff:ff:ff:ff:ff:ff"
    elif args.sink == "mac":
        # Frames go to a "sink" MAC that only h2's port has used as a source
        # (a few frames sent from h2 now, so every switch learns it behind p2):
        # the switch forwards them as known unicast to h2, whose kernel drops
        # them at once (not its MAC) instead of running them through IP/UDP.
        # h2's rx_packets counts them all the same, and the receive work no
        # longer competes with the switch for the CPU.
        dst = SINK_MAC
        r.run([args.build / "pktgen", "-i", "eth0", "-S", SINK_MAC, "-d", topo.mac1,
               "--src-ip", H2_IP, "--dst-ip", H1_IP, "-t", "0.05", "-r", "100"],
              ns=topo.h2, timeout=10)
        time.sleep(0.2)
    pre = {"h1_tx": topo.counter(topo.h1, "eth0", "tx_packets"),
           "h2_rx": topo.counter(topo.h2, "eth0", "rx_packets")}
    argv = [args.build / "pktgen", "-i", "eth0", "-d", dst, "-t", seconds,
            "-s", args.frame_len, "-f", args.flows]
    if args.pktgen_cpu is not None:
        argv += ["-c", args.pktgen_cpu]
    p = r.run(argv, ns=topo.h1, timeout=seconds + 30)
    gen = json.loads(p.stdout.strip().splitlines()[-1])
    time.sleep(0.5)   # let the switch drain its queues
    h1_tx = topo.counter(topo.h1, "eth0", "tx_packets") - pre["h1_tx"]
    h2_rx = topo.counter(topo.h2, "eth0", "rx_packets") - pre["h2_rx"]
    secs = gen["seconds"]
    sent = gen["sent"]
    return {"frame_len": gen["frame_len"], "sink": "broadcast" if broadcast else args.sink,
            "seconds": round(secs, 2), "sent": sent,
            "h1_tx_packets": h1_tx, "received": h2_rx,
            "offered_kpps": round(sent / secs / 1e3, 1),
            "received_kpps": round(h2_rx / secs / 1e3, 1),
            "loss_pct": round(100.0 * max(0, sent - h2_rx) / sent, 1) if sent else None,
            "send_errors": gen["errors"]}


def measure_idle(sw, seconds):
    pids = sw.pids()
    if not pids:
        return None
    c0, n0, w0, t0 = (proc_cpu_seconds(pids), proc_sched_ns(pids), proc_sched_runs(pids),
                      time.monotonic())
    time.sleep(seconds)
    c1, n1, w1, t1 = (proc_cpu_seconds(pids), proc_sched_ns(pids), proc_sched_runs(pids),
                      time.monotonic())
    wall = t1 - t0
    run_s = (n1 - n0) / 1e9
    return {"seconds": round(wall, 2), "cpu_s": round(c1 - c0, 2),
            "cpu_ms_schedstat": round(run_s * 1e3, 3),
            "cpu_pct": round(100 * run_s / wall, 3),
            "wakeups_per_s": round((w1 - w0) / wall, 1)}


def memory(sw):
    out = {}
    for name, pid in sw.memory().items():
        out[name] = {"hwm_mib": kib_to_mib(proc_status_kib(pid, "VmHWM")),
                     "rss_mib": kib_to_mib(proc_status_kib(pid, "VmRSS"))}
    return out


def kib_to_mib(k):
    return None if k is None else round(k / 1024, 1)


def bench_switch(r, kind, prefix, args):
    """Build the topology, start one switch, measure every figure. Errors of
    one figure are recorded and the others still run."""
    res = {"switch": kind, "label": LABELS[kind], "errors": {}, "cpu": {}}
    topo = Topology(r, prefix, direct=(kind == "none"))
    sw = SWITCH_CLASSES[kind](r, topo, args)
    T = args.seconds

    def figure(name, fn):
        log(f"{LABELS[kind]}: {name}")
        try:
            return fn()
        except BenchError as e:
            log(f"{LABELS[kind]}: {name}: {e}")
            res["errors"][name] = str(e)
        except Exception as e:  # report, don't abort the whole run
            log(f"{LABELS[kind]}: {name}: {type(e).__name__}: {e}")
            res["errors"][name] = f"{type(e).__name__}: {e}"
        return None

    try:
        topo.create()
        if not sw.offloads:
            bad = topo.offloads_off()
            res["offloads"] = "off" + (f" (ethtool: {'; '.join(bad)})" if bad else "")
        else:
            res["offloads"] = "default (on)"
        t0 = time.monotonic()
        try:
            sw.start()
        except BenchError as e:
            res["errors"]["start"] = str(e)
            log(f"{LABELS[kind]}: start failed: {e}")
            return res
        res["start_s"] = round(time.monotonic() - t0, 2)
        if not connectivity(r, topo):
            res["errors"]["forwarding"] = "h1 cannot ping h2 through the switch"
            log(f"{LABELS[kind]}: no forwarding (h1 cannot ping h2); skipping traffic figures")
        else:
            meter_pids = sw.pids
            userspace = getattr(sw, "userspace_rx", None)
            for name, fn in (
                ("latency", lambda: measure_latency(r, topo, args.ping_count)),
                ("tcp1", lambda: measure_tcp(r, topo, T, 1)),
                ("tcp4", lambda: measure_tcp(r, topo, T, 4)),
                ("udp64", lambda: measure_udp64(r, topo, T, args)),
                ("flood64", lambda: measure_udp64(r, topo, T, args, broadcast=True)),
            ):
                u0 = userspace() if userspace and name == "udp64" else None
                with CpuMeter(meter_pids) as m:
                    res[name] = figure(name, fn)
                res["cpu"][name] = m.result()
                if u0 is not None and res[name]:
                    # how many of the frames the userspace workers switched
                    # (all of them on netdev; on system, what the kernel
                    # passed up)
                    u1 = userspace()
                    if u1 is not None:
                        res[name]["userspace_rx"] = u1 - u0
                        sent = res[name]["sent"]
                        res[name]["userspace_pct"] = (round(100.0 * (u1 - u0) / sent, 1)
                                                      if sent else None)
            res["memory"] = memory(sw)
        if kind in DAEMONS:
            # Past the last statistics write after the traffic (every 5 s
            # in both switches) before "idle" starts.
            time.sleep(args.idle_settle)
            res["idle"] = figure("idle CPU", lambda: measure_idle(sw, args.idle_seconds))

            def ports64():
                ports = topo.add_extra_veths(args.extra_ports)
                t = time.monotonic()
                sw.add_ports(ports)
                took = time.monotonic() - t
                time.sleep(1)
                mem = memory(sw)
                if not mem:
                    raise BenchError("switch process gone after adding ports")
                return {"ports": len(ports) + 2, "add_s": round(took, 2), "memory": mem}
            res["ports64"] = figure(f"{args.extra_ports} extra ports", ports64)
        if getattr(sw, "status", None):
            res["kernel_fast_path"] = sw.status
        if sw.pids() == [] and kind in DAEMONS:
            res["errors"]["process"] = "switch process exited during the run"
        return res
    finally:
        try:
            sw.stop()
        finally:
            topo.destroy()


# ---------------------------------------------------------------- setup

def ensure_tools(need_ovs):
    """Raises programs.MissingProgram (naming the package) for a missing tool."""
    programs.require("ip", "iperf3", "ethtool", "ping", "sysctl", "cat", "make")
    if need_ovs:
        programs.require("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", OVS_SCHEMA)


def build(args):
    """Build bench/pktgen (always) and pontoond/pontoon (when Pontoon is selected)."""
    b = args.build
    target = str(b / "pktgen")
    p = subprocess.run(["make", "-C", str(REPO), f"BUILD={b}", target],
                       capture_output=True, text=True)
    if p.returncode != 0 or not (b / "pktgen").exists():
        log("make pktgen failed; compiling it directly\n" + p.stderr[-500:])
        b.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O2", "-Wall", "-o", target, str(REPO / "bench/pktgen.c")],
                       check=True)
    if any(k.startswith("pontoon") for k in args.only) and not args.no_make:
        make_all(b)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="a few seconds per figure (CI: proves the bench works)")
    ap.add_argument("--only", default=",".join(SWITCHES),
                    help=f"comma-separated subset of {','.join(SWITCHES)} (default: all)")
    ap.add_argument("--build", default="build",
                    help="build directory with pontoond and pontoon (default build/)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': stdout)")
    ap.add_argument("--seconds", type=float, help="seconds per figure (default 10, quick 2)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure every switch this many times, interleaved, and report the "
                         "median of each figure with each round's ratios (default 1)")
    ap.add_argument("--pktgen-cpu", type=int, help="pin the packet generator to this CPU")
    ap.add_argument("--frame-len", type=int, default=64, help="UDP test frame length (default 64)")
    ap.add_argument("--flows", type=int, default=1, help="UDP source ports the generator cycles")
    ap.add_argument("--sink", choices=("mac", "host"), default="mac",
                    help="64-byte frames to a MAC h2 drops on arrival (mac, default) or to "
                         "h2's own MAC/IP, through its IP stack to a closed UDP port (host)")
    ap.add_argument("--extra-ports", type=int, default=64, help="ports added for the memory figure")
    ap.add_argument("--no-make", action="store_true", help="don't run make for Pontoon")
    ap.add_argument("--keep-logs", action="store_true", help="keep switch db/log directories")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command")
    args = ap.parse_args(argv)
    finish_args(ap, args, SWITCHES, default_seconds=(2, 10))
    if args.rounds < 1:
        ap.error("--rounds: at least 1")
    sec = args.seconds
    args.ping_count = max(100, int(sec / 0.002 / (2 if args.quick else 1)))
    args.idle_settle, args.idle_seconds = (1, 3) if args.quick else (6, 10)
    return args


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("bench/run: needs root (network namespaces)", file=sys.stderr)
        return 1
    try:
        ensure_tools("ovs" in args.only)
    except programs.MissingProgram as e:
        print(f"bench/run: {e}", file=sys.stderr)
        return 1
    build(args)

    r = Runner(verbose=args.verbose)
    prefix = "pb" + "".join(random.choice("0123456789abcdef") for _ in range(4))
    interrupt_on_signals()

    doc = {"meta": run_meta(args, prefix, mode="quick" if args.quick else "full",
                            seconds=args.seconds, ping_count=args.ping_count,
                            frame_len=args.frame_len, udp_sink=args.sink, rounds=args.rounds),
           "results": {}}
    t0 = time.monotonic()
    interrupted = False
    rounds, current = [], {}
    try:
        for i in range(1, args.rounds + 1):
            current = {}
            for kind in SWITCHES:
                if kind not in args.only:
                    continue
                missing = pontoon_not_built("pontoon" if kind.startswith("pontoon") else kind,
                                            args, LABELS[kind])
                if missing:
                    current[kind] = dict(missing, switch=kind)
                    log(f"{LABELS[kind]}: {args.build}/pontoond not built; skipped")
                    continue
                of = f" round {i}/{args.rounds}:" if args.rounds > 1 else ""
                log(f"==={of} {LABELS[kind]} (namespaces {prefix}-*)")
                current[kind] = bench_switch(r, kind, prefix, args)
            rounds.append(current)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    finally:
        r.stop_all()
        remove_leftover_namespaces(r, prefix)
        if "pontoon-system" in args.only:
            remove_pins(system_bridge_name(prefix))
    if not rounds:
        rounds = [current]          # interrupted in the first round: what it has
    doc["meta"]["elapsed_s"] = round(time.monotonic() - t0, 1)
    doc["meta"]["rounds"] = len(rounds)
    doc["results"] = combine(rounds)
    if len(rounds) > 1:
        doc["rounds"] = rounds
    for kind, key in TARGET_KEYS.items():
        if kind == "pontoon" or kind in args.only:     # "targets": always, as before
            doc[key] = annotate_targets(compute_targets(doc["results"], kind),
                                        [compute_targets(rr, kind) for rr in rounds])
    report(doc, sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        write_json(doc, args.json)
    log(f"done in {doc['meta']['elapsed_s']} s")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
