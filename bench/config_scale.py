#!/usr/bin/python3
"""Configuration at scale: what one configuration change costs with many
ports already on one bridge, Pontoon against OVS 3.1 (ovsdb-server +
ovs-vswitchd, netdev datapath), in one run.

    ns <p>-sw: the switch under test, bridge br0 with N filler ports
               (internal), plus two veth ports p1/p2 to <p>-h1 / <p>-h2

For each level L in 10, 100, N (filler ports already on the bridge; each
figure is timed once the switch is idle again after the fill):
  - ms per `add-port br0 X -- set Interface X type=internal` (waits for the
    daemon, as libvirt and os-vif do), mean of --samples commands;
  - ms per `add-port br0 vethX` (one end of a veth pair inside sw), the same.
Each series starts with one untimed command of its kind: the first command
after the switch went idle pays for cold caches (several ms on this VM), in
both switches, and is not the per-command cost the figure is about.
At N: ms per `set port fK tag=5` (different ports), daemon start to
forwarding (the daemon stopped and started again on its N-port database;
time until a ping h1 -> h2 across p1/p2 answers), peak memory (VmHWM; OVS:
both daemons summed).  "Pontoon system" is the default datapath_type
(the kernel fast path; OVS's netdev has no such column): shown beside, the
targets are Pontoon netdev's.  The CLIs run outside the namespace (they only talk
to the database and the daemon); the daemons inside it.

Run as root: bench/run --config-scale [--ports N] [--only pontoon,pontoon-system,ovs]
Reports; never asserts.  Everything it starts it stops by PID and deletes its
namespaces, also on failure or Ctrl-C.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "lib")]
from benchlib import (BenchError, Runner, interrupt_on_signals, log, make_all,  # noqa: E402
                      remove_or_keep)
from ovs_daemons import OvsDaemons  # noqa: E402
import programs  # noqa: E402
from pontoon_daemon import PontoonDaemon  # noqa: E402
from procstat import proc_cpu_seconds, proc_status_kib  # noqa: E402
from report import fmt, print_errors, print_table, ratio, write_json  # noqa: E402
from run_setup import finish_args, pontoon_not_built, run_meta  # noqa: E402

SWITCHES = ["pontoon", "pontoon-system", "ovs"]
LABELS = {"pontoon": "Pontoon", "pontoon-system": "Pontoon system", "ovs": "OVS 3.1"}
H1_IP, H2_IP = "198.18.0.1", "198.18.0.2"
FILL_CHUNK = 100       # filler ports per transaction


# ---------------------------------------------------------------- switches

class Switch:
    """The ovs-vsctl lines the figures time; each switch's ctl() runs them
    with its own CLI (pontoon, ovs-vsctl)."""

    def add_internal(self, names, wait=True):
        chain = []
        for n in names:
            chain += ["--", "add-port", "br0", n, "--", "set", "Interface", n, "type=internal"]
        self.ctl(chain[1:], wait)

    def add_system(self, name):
        self.ctl(["add-port", "br0", name])

    def set_tag(self, port, tag):
        self.ctl(["set", "Port", port, f"tag={tag}"])


class Pontoon(Switch):
    """datapath_type=netdev (the userspace datapath, as OVS's netdev), or
    (pontoon-system) the default, system: the kernel fast path, which
    switches the first 256 ports in the kernel and the rest in userspace."""

    def __init__(self, r, args, prefix, ns, kind="pontoon"):
        self.r, self.ns, self.kind = r, ns, kind
        self.datapath_type = "system" if kind == "pontoon-system" else "netdev"
        self.daemon = PontoonDaemon(r, args.build, prefix, ns=ns)

    def start(self):
        self.daemon.start()
        self.ctl(["add-br", "br0", "--", "set", "bridge", "br0",
                  f"datapath_type={self.datapath_type}"])

    def ctl(self, args, wait=True):
        return self.r.run([self.daemon.build / "pontoon"] + ([] if wait else ["--no-wait"])
                          + args, env=self.daemon.env, timeout=300)

    def pids(self):
        return self.daemon.pids()

    def restart(self):
        """Stops pontoond and starts it again on the same database; returns
        the time.monotonic() of the new start."""
        d = self.daemon
        self.r.stop(d.proc, timeout=120)   # closing 1000 taps takes seconds
        if os.path.exists(f"{d.dir}/pontoond.ctl"):
            os.unlink(f"{d.dir}/pontoond.ctl")
        t0 = time.monotonic()
        d.proc = self.r.popen([d.build / "pontoond", f"--db={d.dir}/conf.db",
                               f"--run-dir={d.dir}"], ns=self.ns, env=d.env, stdout=d.logf,
                              stderr=subprocess.STDOUT)
        return t0

    def stop(self, keep):
        d = self.daemon
        if d.proc is not None:
            self.r.stop(d.proc, timeout=120)   # closing 1000 taps takes seconds
        if d.logf:
            d.logf.close()
        remove_or_keep(d.dir, keep, "Pontoon db/log")


class Ovs(Switch):
    kind = "ovs"

    def __init__(self, r, args, prefix, ns):
        self.r, self.ns = r, ns
        self.ovs = OvsDaemons(r, prefix, ns=ns)

    def start(self):
        self.ovs.start_db()
        self.ovs.start_vswitchd()
        self.ctl(["add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"])

    def ctl(self, args, wait=True):
        # Outside the namespace: ovs-vsctl only talks to ovsdb-server's socket.
        return self.r.run(["ovs-vsctl", f"--db={self.ovs.db}", "--timeout=300"]
                          + ([] if wait else ["--no-wait"]) + args, env=self.ovs.env,
                          timeout=305)

    def pids(self):
        return [p for p in (self.ovs.vswitchd_pid, self.ovs.ovsdb_pid) if p]

    def restart(self):
        self.r.stop_pid(self.ovs.vswitchd_pid, timeout=120)
        t0 = time.monotonic()
        self.ovs.start_vswitchd()
        return t0

    def stop(self, keep):
        self.ovs.stop(keep, timeout=120)


# ---------------------------------------------------------------- topology

class Topology:
    """Namespaces sw, h1, h2; h1/h2 reach sw over veth p1/p2."""

    def __init__(self, r, prefix):
        self.r, self.p = r, prefix
        self.sw, self.h1, self.h2 = f"{prefix}-sw", f"{prefix}-h1", f"{prefix}-h2"
        self.made = []

    def build(self):
        r = self.r
        for ns in (self.sw, self.h1, self.h2):
            r.run(["ip", "netns", "add", ns])
            self.made.append(ns)
            r.run(["ip", "link", "set", "lo", "up"], ns=ns)
        for i, (h, ip) in enumerate(((self.h1, H1_IP), (self.h2, H2_IP)), 1):
            r.run(["ip", "link", "add", "eth0", "netns", h, "type", "veth", "peer",
                   "name", f"p{i}", "netns", self.sw])
            r.run(["ip", "link", "set", f"p{i}", "up"], ns=self.sw)
            r.run(["ip", "addr", "add", f"{ip}/24", "dev", "eth0"], ns=h)
            r.run(["ip", "link", "set", "eth0", "up"], ns=h)
        # Static neighbours: "start to forwarding" must not wait for ARP's
        # 1 s retransmission after a request the stopped switch dropped.
        macs = {h: json.loads(r.run(["ip", "-j", "link", "show", "eth0"], ns=h).stdout)[0]
                ["address"] for h in (self.h1, self.h2)}
        for h, peer, ip in ((self.h1, self.h2, H2_IP), (self.h2, self.h1, H1_IP)):
            r.run(["ip", "neigh", "replace", ip, "lladdr", macs[peer], "dev", "eth0",
                   "nud", "permanent"], ns=h)

    def add_veths(self, names):
        """One veth pair per name inside sw (name and name+'b'), both up."""
        batch = []
        for n in names:
            batch += [f"link add {n} type veth peer name {n}b", f"link set {n} up",
                      f"link set {n}b up"]
        self.r.run(["ip", "-batch", "-"], ns=self.sw, input="\n".join(batch) + "\n")

    def ping_once(self):
        p = self.r.run(["ping", "-c", "1", "-W", "0.1", "-q", H2_IP], ns=self.h1, check=False)
        return p.returncode == 0

    def teardown(self):
        for ns in self.made:
            self.r.run(["ip", "netns", "pids", ns], check=False)
            self.r.run(["ip", "netns", "del", ns], check=False)
        self.made = []


# ---------------------------------------------------------------- measuring

SAMPLES = {}     # figure -> every sample (ms), for the JSON


def timed_ms(fn, items, figure=None):
    """Mean milliseconds of fn(item) over items (each sample kept under
    `figure` for the JSON: one slow command, say one that waited for the
    daemon's periodic statistics write, shows there)."""
    t = []
    for it in items:
        t0 = time.monotonic()
        fn(it)
        t.append((time.monotonic() - t0) * 1000)
    if figure:
        SAMPLES[figure] = [round(x, 3) for x in t]
    return sum(t) / len(t) if t else None


def settle(sw, window_s=0.3, busy_below=0.02, limit_s=60):
    """Waits until the switch's processes are idle (under 2 % of a CPU over
    a 0.3 s window): a bulk fill's aftermath (a thousand new devices'
    link events, their first reported columns) is not the cost of the next
    command, and timing into it measures the fill instead."""
    deadline = time.monotonic() + limit_s
    before = proc_cpu_seconds(sw.pids())
    while time.monotonic() < deadline:
        time.sleep(window_s)
        now = proc_cpu_seconds(sw.pids())
        if now - before < busy_below * window_s:
            return
        before = now
    log(f"  {sw.kind}: still busy after {limit_s} s; timing anyway")


def measure_switch(sw, topo, args, res):
    sw.start()
    sw.add_system("p1")
    sw.add_system("p2")
    have = 0
    levels = sorted({lv for lv in (10, 100, args.ports) if lv <= args.ports})
    k = args.samples
    for lv in levels:
        while have < lv:
            n = min(FILL_CHUNK, lv - have)
            sw.add_internal([f"f{have + i}" for i in range(n)], wait=False)
            have += n
        sw.add_internal([f"w{lv}"])   # waits: the fill is applied before timing
        settle(sw)
        sw.add_internal([f"u{lv}"])   # untimed: the first command after idling is cold
        names = [f"i{lv}x{i}" for i in range(k)]
        res[f"add_internal_{lv}"] = timed_ms(lambda n: sw.add_internal([n]), names,
                                             f"{sw.kind}_add_internal_{lv}")
        veths = [f"v{lv}x{i}" for i in range(k)]
        topo.add_veths(veths)
        settle(sw)
        sw.add_internal([f"uv{lv}"])
        res[f"add_veth_{lv}"] = timed_ms(sw.add_system, veths, f"{sw.kind}_add_veth_{lv}")
        log(f"  {sw.kind} at {lv} ports: add-port internal "
            f"{fmt(res[f'add_internal_{lv}'])} ms, veth {fmt(res[f'add_veth_{lv}'])} ms")
    top = args.ports
    ports = [f"f{(top // 2 + i) % top}" for i in range(k)]
    settle(sw)
    sw.set_tag(f"f{top // 2 - 1}", 5)
    res["set_tag"] = timed_ms(lambda p: sw.set_tag(p, 5), ports, f"{sw.kind}_set_tag")
    res["ports"] = top + len(levels) * (2 * k + 1) + 2
    kib = sum(proc_status_kib(pid, "VmHWM") or 0 for pid in sw.pids())
    res["vmhwm_mib"] = kib / 1024 if kib else None
    # Start to forwarding: the first ping that crosses the switch.
    t0 = sw.restart()
    deadline = t0 + 60
    while not topo.ping_once():
        if time.monotonic() > deadline:
            raise BenchError("no forwarding 60 s after start")
    res["start_to_forwarding_s"] = time.monotonic() - t0
    log(f"  {sw.kind}: set tag {fmt(res['set_tag'])} ms, start to forwarding "
        f"{fmt(res['start_to_forwarding_s'])} s, VmHWM {fmt(res['vmhwm_mib'])} MiB")


def run_one(kind, args, prefix):
    r = Runner(args.verbose)
    res = {"switch": kind, "label": LABELS[kind], "errors": {}}
    topo = Topology(r, prefix + {"pontoon": "p", "pontoon-system": "s", "ovs": "o"}[kind])
    sw = None
    try:
        topo.build()
        sw = (Ovs(r, args, prefix, topo.sw) if kind == "ovs"
              else Pontoon(r, args, prefix, topo.sw, kind))
        log(f"{LABELS[kind]}: {args.ports} ports")
        measure_switch(sw, topo, args, res)
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        res["errors"]["run"] = str(e)
        log(f"{LABELS[kind]}: {e}")
    finally:
        if sw is not None:
            try:
                sw.stop(args.keep_logs)
            except Exception as e:  # keep cleaning up
                log(f"cleanup: {e}")
        r.stop_all()
        topo.teardown()
    return res


# ---------------------------------------------------------------- report

def report(results, args, out):
    by = {r["switch"]: r for r in results}
    p, o = by.get("pontoon", {}), by.get("ovs", {})
    n = args.ports
    rows_def = []
    for lv in sorted({lv for lv in (10, 100, n) if lv <= n}):
        rows_def.append((f"add-port internal @{lv} (ms)", f"add_internal_{lv}"))
        rows_def.append((f"add-port veth @{lv} (ms)", f"add_veth_{lv}"))
    rows_def += [(f"set port tag @{n} (ms)", "set_tag"),
                 (f"start to forwarding @{n} (s)", "start_to_forwarding_s"),
                 (f"VmHWM @{n} (MiB)", "vmhwm_mib")]
    head = ["figure"] + [r["label"] for r in results] + ["Pontoon/OVS"]
    rows = []
    for label, key in rows_def:
        rows.append([label] + [fmt(r.get(key)) for r in results]
                    + [fmt(ratio(p.get(key), o.get(key)))])
    print_table(head, rows, out)

    def target(name, value, limit):
        ok = "-" if value is None else ("met" if value <= limit else "MISSED")
        print(f"  {name:55s} {fmt(value):>8s}  (<= {limit})  {ok}", file=out)
    print("\nTargets of issue 16 (Pontoon):", file=out)
    for kind in ("internal", "veth"):
        a10, an = p.get(f"add_{kind}_10"), p.get(f"add_{kind}_{n}")
        target(f"add-port {kind} @{n} / @10", ratio(an, a10), 1.5)
        target(f"add-port {kind} @{n} / OVS's @{n}", ratio(an, o.get(f"add_{kind}_{n}")), 0.5)
    target(f"set port tag @{n} (ms)", p.get("set_tag"), 20)
    target(f"start to forwarding @{n} (s)", p.get("start_to_forwarding_s"), 2)
    target(f"VmHWM @{n} (MiB)", p.get("vmhwm_mib"), 32)
    print_errors([(r["label"], k, v) for r in results for k, v in r["errors"].items()], out, 8)


def main(argv):
    ap = argparse.ArgumentParser(prog="bench/run --config-scale", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ports", type=int, default=1000, help="top level of ports (1000)")
    ap.add_argument("--samples", type=int, default=20, help="commands timed per figure (20)")
    ap.add_argument("--quick", action="store_true", help="--ports 100 --samples 5")
    ap.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--only", default="pontoon,pontoon-system,ovs",
                    help="subset of pontoon,pontoon-system,ovs")
    ap.add_argument("--build", default="build", help="build directory with pontoond, pontoon")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': stdout)")
    ap.add_argument("--no-make", action="store_true", help="don't run make for Pontoon")
    ap.add_argument("--keep-logs", action="store_true", help="keep the switches' directories")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command")
    args = ap.parse_args(argv)
    finish_args(ap, args, SWITCHES, (1, 1))
    if args.quick:
        args.ports, args.samples = 100, 5
    if os.geteuid() != 0:
        ap.error("run as root (namespaces)")
    programs.require("ip", "ping", *(["ovs-vsctl", "ovsdb-server", "ovs-vswitchd"]
                                     if "ovs" in args.only else []))
    interrupt_on_signals()
    if any(k.startswith("pontoon") for k in args.only) and not args.no_make:
        make_all(args.build)
    prefix = "cs" + secrets.token_hex(2)
    meta = run_meta(args, prefix, ports=args.ports, samples=args.samples)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(f"config-scale: {args.ports} ports, {args.samples} samples, git {meta['git']}, "
          f"{meta['cpus']} cpus", file=out)
    results = []
    try:
        for kind in args.only:
            res = pontoon_not_built(kind, args, LABELS[kind]) or run_one(kind, args, prefix)
            results.append(res)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    report(results, args, out)
    if args.json:
        write_json({"meta": meta, "results": results, "samples_ms": SAMPLES}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
