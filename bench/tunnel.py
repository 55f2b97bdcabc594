#!/usr/bin/python3
"""Two hosts joined by a VXLAN tunnel: Pontoon vs the Linux kernel's vxlan
device in a Linux bridge vs Open vSwitch userspace (netdev datapath, native
tunneling), in one run.

    h1:eth0 198.18.0.1/24 -- s1:<p>g [switch + vxlan] s1:<p>u ==underlay== s2:<p>u [switch + vxlan] s2:<p>g -- h2:eth0 198.18.0.2/24
                                             198.19.0.1/24          198.19.0.2/24

Namespaces <p>-h1, -s1, -s2, -h2 (<p> = "px" + 4 random hex digits).  The
underlay veth has MTU 1550 so that the guests keep 1500 inside the tunnel
(VNI 100, UDP 4789).  Each switch gets a freshly built topology:

  - kernel: `ip link add vx type vxlan id 100 local .. remote .. dstport 4789`
    and the guest port in one Linux bridge per host; veth offloads on.
  - ovs: per host its own ovsdb-server + ovs-vswitchd, the underlay address on
    the internal port of a netdev bridge br-underlay holding the underlay veth
    (OVS's userspace tunneling howto), br-int with the guest port and a vxlan
    port, the remote's MAC given with tnl/arp/set; veth offloads off (as
    bench/bench.py measures OVS).
  - pontoon: per host BUILD/pontoond, br0 (datapath_type=netdev: the
    userspace datapath) with the guest port and a vxlan port; the underlay
    address on the veth itself (the host's IP stack carries the tunnel);
    veth offloads on.
  - pontoon-system: the same with datapath_type=system: the eBPF kernel
    fast path, the vxlan port carried by the kernel's collect-metadata
    device vxlan_sys_4789.

Figures (the functions of bench/bench.py, on h1 and h2): TCP 1 and 4 streams
(iperf3), 64-byte UDP offered/received/loss (bench/pktgen), ping RTT, and the
switches' CPU seconds during the TCP 1-stream test.  Targets of issue 15:
TCP >= 0.9x the kernel and >= 10x OVS userspace.

Run as root: bench/run --tunnel [--quick] [--rounds N] [--only pontoon,kernel,ovs] [--json FILE|-]
Reports; never asserts.  Everything it starts it stops by PID, also on Ctrl-C.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "lib")]
import programs  # noqa: E402
from bench import (H2_IP, OFFLOADS_OFF, address_hosts, build,  # noqa: E402
                   create_namespaces, measure_latency, measure_tcp, measure_udp64,
                   remove_leftover_namespaces, stop_netns_pids)
from benchlib import BenchError, Runner, interrupt_on_signals, log  # noqa: E402
from ovs_daemons import OVS_SCHEMA, OvsDaemons  # noqa: E402
from pontoon_daemon import PontoonDaemon  # noqa: E402
from procstat import proc_cpu_seconds  # noqa: E402
from report import fmt, print_errors, print_table, ratio, write_json  # noqa: E402
from rounds import combine  # noqa: E402
from run_setup import finish_args, pontoon_not_built, run_meta  # noqa: E402

SWITCHES = ["kernel", "ovs", "pontoon", "pontoon-system"]
LABELS = {"kernel": "kernel vxlan+bridge", "ovs": "OVS userspace", "pontoon": "Pontoon",
          "pontoon-system": "Pontoon system"}
PONTOONS = ["pontoon", "pontoon-system"]
UNDERLAY = {"s1": "198.19.0.1", "s2": "198.19.0.2"}
UNDERLAY_MTU = 1550
VNI = 100
TARGETS = [("kernel", 0.9), ("ovs", 10.0)]   # Pontoon TCP / peer, at least


# ---------------------------------------------------------------- topology

class Topology:
    """h1 -- s1 ==underlay== s2 -- h2; the bench.py measurements need h1, h2,
    mac1, mac2 and counter()."""

    def __init__(self, r, prefix):
        self.r, self.prefix = r, prefix
        self.h1, self.h2 = f"{prefix}-h1", f"{prefix}-h2"
        self.s1, self.s2 = f"{prefix}-s1", f"{prefix}-s2"
        self.namespaces = [self.h1, self.s1, self.s2, self.h2]
        self.guest_port, self.underlay = f"{prefix}g", f"{prefix}u"

    def create(self):
        r = self.r
        create_namespaces(r, self.namespaces)
        for h, s in ((self.h1, self.s1), (self.h2, self.s2)):
            r.run(["ip", "link", "add", "eth0", "netns", h, "type", "veth",
                   "peer", "name", self.guest_port, "netns", s])
            r.run(["ip", "link", "set", self.guest_port, "up"], ns=s)
        r.run(["ip", "link", "add", self.underlay, "netns", self.s1, "type", "veth",
               "peer", "name", self.underlay, "netns", self.s2])
        for s in (self.s1, self.s2):
            r.run(["ip", "link", "set", self.underlay, "mtu", UNDERLAY_MTU, "up"], ns=s)
        self.mac1, self.mac2 = address_hosts(r, self.h1, self.h2)

    def hosts(self):
        """(namespace, its underlay address, the remote's) for s1 and s2."""
        return [(self.s1, UNDERLAY["s1"], UNDERLAY["s2"]), (self.s2, UNDERLAY["s2"], UNDERLAY["s1"])]

    def address_underlay(self, dev=None):
        """The underlay addresses on `dev` (default the veth itself)."""
        for ns, me, _ in self.hosts():
            self.r.run(["ip", "addr", "add", f"{me}/24", "dev", dev or self.underlay], ns=ns)
            self.r.run(["ip", "link", "set", dev or self.underlay, "up"], ns=ns)

    def mac(self, ns, dev):
        return self.r.run(["cat", f"/sys/class/net/{dev}/address"], ns=ns).stdout.strip()

    def counter(self, ns, dev, name):
        return int(self.r.run(["cat", f"/sys/class/net/{dev}/statistics/{name}"], ns=ns).stdout)

    def offloads_off(self):
        ends = [(self.h1, "eth0"), (self.h2, "eth0")]
        for s in (self.s1, self.s2):
            ends += [(s, self.guest_port), (s, self.underlay)]
        for ns, dev in ends:
            self.r.run(["ethtool", "-K", dev] + OFFLOADS_OFF, ns=ns, check=False)

    def destroy(self):
        for ns in self.namespaces:
            stop_netns_pids(self.r, ns)
        for ns in self.namespaces:
            self.r.run(["ip", "netns", "del", ns], check=False)


# ---------------------------------------------------------------- switches

class Kernel:
    kind = "kernel"
    offloads = True

    def __init__(self, r, topo, args):
        self.r, self.topo, self.args = r, topo, args

    def start(self):
        t, r = self.topo, self.r
        t.address_underlay()
        for ns, me, remote in t.hosts():
            vx, br = f"{t.prefix}vx", f"{t.prefix}br"
            r.run(["ip", "link", "add", vx, "type", "vxlan", "id", VNI, "local", me,
                   "remote", remote, "dstport", 4789, "dev", t.underlay], ns=ns)
            r.run(["ip", "link", "set", vx, "mtu", 1500], ns=ns)
            r.run(["ip", "link", "add", br, "type", "bridge"], ns=ns)
            for dev in (vx, t.guest_port):
                r.run(["ip", "link", "set", dev, "master", br, "up"], ns=ns)
            r.run(["ip", "link", "set", br, "up"], ns=ns)

    def pids(self):
        return []

    def describe(self):
        return "vxlan device + Linux bridge per host"

    def stop(self):
        pass


class Ovs:
    kind = "ovs"
    offloads = False   # as bench.py measures OVS: veth offloads off

    def __init__(self, r, topo, args):
        self.r, self.topo, self.args = r, topo, args
        self.daemons = [OvsDaemons(r, f"{topo.prefix}-{i}", ns=ns)
                        for i, (ns, _, _) in enumerate(topo.hosts(), 1)]

    def start(self):
        t, r = self.topo, self.r
        for o, (ns, me, remote) in zip(self.daemons, t.hosts()):
            o.start_db()
            o.start_vswitchd()
            o.vsctl(["add-br", "br-underlay", "--", "set", "bridge", "br-underlay",
                     "datapath_type=netdev", "--", "add-port", "br-underlay", t.underlay])
            r.run(["ip", "addr", "add", f"{me}/24", "dev", "br-underlay"], ns=ns)
            r.run(["ip", "link", "set", "br-underlay", "mtu", UNDERLAY_MTU, "up"], ns=ns)
            o.vsctl(["add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
                     "--", "add-port", "br-int", t.guest_port,
                     "--", "add-port", "br-int", "vx", "--", "set", "Interface", "vx",
                     "type=vxlan", f"options:remote_ip={remote}", f"options:key={VNI}"])
        # OVS sends to and takes tunnel traffic for its bridge's own MAC.
        remote_macs = {ns: t.mac(other, "br-underlay")
                       for ns, other in ((t.s1, t.s2), (t.s2, t.s1))}
        for o, (ns, me, remote) in zip(self.daemons, t.hosts()):
            ctl = ["ovs-appctl", "-t", f"{o.dir}/ovs-vswitchd.ctl"]
            deadline = time.time() + 10
            # OVS takes its routes from the kernel's (a netlink listener).
            while "198.19.0.0/24 dev br-underlay" not in r.run(ctl + ["ovs/route/show"],
                                                                 ns=ns).stdout:
                if time.time() > deadline:
                    raise BenchError("OVS: no route to the underlay after 10 s")
                time.sleep(0.1)
            r.run(ctl + ["tnl/arp/set", "br-underlay", remote, remote_macs[ns]], ns=ns)

    def pids(self):
        return [p for o in self.daemons for p in (o.vswitchd_pid, o.ovsdb_pid) if p]

    def describe(self):
        return "ovs-vswitchd netdev datapath per host, native tunneling"

    def stop(self):
        for o in self.daemons:
            o.stop(self.args.keep_logs)


class Pontoon:
    kind = "pontoon"
    offloads = True
    datapath_type = "netdev"

    def __init__(self, r, topo, args):
        self.r, self.topo, self.args = r, topo, args
        self.daemons = [PontoonDaemon(r, args.build, f"{topo.prefix}-{i}", ns=ns)
                        for i, (ns, _, _) in enumerate(topo.hosts(), 1)]

    def start(self):
        t = self.topo
        t.address_underlay()
        for d, (ns, me, remote) in zip(self.daemons, t.hosts()):
            d.start()
            d.ctl(["add-br", "br0", "--", "set", "bridge", "br0",
                   f"datapath_type={self.datapath_type}"])
            d.ctl(["add-port", "br0", t.guest_port])
            d.ctl(["add-port", "br0", "vx", "--", "set", "Interface", "vx", "type=vxlan",
                   f"options:remote_ip={remote}", f"options:key={VNI}"])

    def pids(self):
        return [p for d in self.daemons for p in d.pids()]

    def describe(self):
        return "pontoond per host, vxlan port on the host's IP stack"

    def stop(self):
        for d in self.daemons:
            d.stop(self.args.keep_logs)


class PontoonSystem(Pontoon):
    kind = "pontoon-system"
    datapath_type = "system"

    def describe(self):
        return "pontoond per host, eBPF kernel fast path, vxlan on the kernel's vxlan_sys device"


SWITCH_CLASSES = {"kernel": Kernel, "ovs": Ovs, "pontoon": Pontoon,
                  "pontoon-system": PontoonSystem}


# ---------------------------------------------------------------- one switch

def cpu_seconds(sw):
    return proc_cpu_seconds(sw.pids())


def connectivity(r, topo, wait):
    deadline = time.time() + wait
    while True:
        if r.run(["ping", "-c", "1", "-W", "1", H2_IP], ns=topo.h1, check=False,
                 timeout=5).returncode == 0:
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.2)


def bench_switch(r, kind, prefix, args):
    topo = Topology(r, prefix)
    sw = SWITCH_CLASSES[kind](r, topo, args)
    res = {"switch": kind, "label": LABELS[kind], "errors": {}}
    try:
        topo.create()
        if not sw.offloads:
            topo.offloads_off()
        sw.start()
        res["describe"] = sw.describe()
        if not connectivity(r, topo, wait=15):
            raise BenchError("h1 cannot ping h2 through the tunnel")
        for name, fn in (
                ("tcp1", lambda: measure_tcp(r, topo, args.seconds, 1)),
                ("tcp4", lambda: measure_tcp(r, topo, args.seconds, 4)),
                ("udp64", lambda: measure_udp64(r, topo, args.seconds, args)),
                ("latency", lambda: measure_latency(r, topo, args.ping_count))):
            cpu0 = cpu_seconds(sw)
            try:
                res[name] = fn()
                if sw.pids():
                    res[name]["switch_cpu_s"] = round(cpu_seconds(sw) - cpu0, 2)
            except BenchError as e:
                res["errors"][name] = str(e)
    except BenchError as e:
        res["errors"]["setup"] = str(e)
    finally:
        try:
            sw.stop()
        finally:
            topo.destroy()
    return res


# ---------------------------------------------------------------- report

ROWS = [("TCP 1 stream (Gb/s)", "tcp1", "gbps"),
        ("TCP 4 streams (Gb/s)", "tcp4", "gbps"),
        ("64B offered (kpps)", "udp64", "offered_kpps"),
        ("64B received (kpps)", "udp64", "received_kpps"),
        ("64B loss (%)", "udp64", "loss_pct"),
        ("RTT avg (us)", "latency", "avg_us"),
        ("RTT p99 (us)", "latency", "p99_us"),
        ("switch CPU, TCP 1 (s)", "tcp1", "switch_cpu_s")]


def value(res, key, field):
    return (res or {}).get(key, {}).get(field)


def with_rounds(targets, per_round):
    """Each round's ratio beside the median's, when there were several."""
    if len(per_round) > 1:
        for t in targets:
            t["rounds"] = [next((x["ratio"] for x in rt if (x["figure"], x["pontoon"], x["peer"])
                                 == (t["figure"], t["pontoon"], t["peer"])), None)
                           for rt in per_round]
    return targets


def compute_targets(results):
    out = []
    for mine in PONTOONS:
        p = results.get(mine)
        if not p:
            continue
        for peer, want in TARGETS:
            for key in ("tcp1", "tcp4"):
                x = ratio(value(p, key, "gbps"), value(results.get(peer), key, "gbps"))
                out.append({"figure": key, "pontoon": mine, "peer": peer, "target": want,
                            "ratio": round(x, 3) if x is not None else None,
                            "met": None if x is None else x >= want})
    return out


def report(doc, out):
    m, results = doc["meta"], doc["results"]
    rounds = f", median of {m['rounds']} rounds" if m.get("rounds", 1) > 1 else ""
    print(f"\nPontoon tunnel benchmark ({m['mode']}, {m['seconds']} s per figure{rounds}, "
          f"VXLAN VNI {VNI}, underlay MTU {UNDERLAY_MTU}), {m['cpus']} CPUs, kernel "
          f"{m['kernel']}, TCP cc {m['tcp_congestion_control']}, git {m['git']}", file=out)
    kinds = [k for k in SWITCHES if k in results]
    peers = [k for k in kinds if k not in PONTOONS]
    mine = [k for k in PONTOONS if k in results]
    head = ["figure"] + [LABELS[k] for k in kinds]
    short = {"pontoon": "P", "pontoon-system": "Psys"}
    head += [f"{short[m]}/{LABELS[k].split()[0]}" for m in mine for k in peers]
    rows = []
    for label, key, field in ROWS:
        row = [label] + [fmt(value(results[k], key, field)) for k in kinds]
        row += [fmt(ratio(value(results[m], key, field), value(results[k], key, field)), "x")
                for m in mine for k in peers]
        rows.append(row)
    print_table(head, rows, out)
    print("\nTargets (issue 15):", file=out)
    for t in doc["targets"]:
        verdict = "-" if t["met"] is None else "met" if t["met"] else "NOT met"
        spread = ""
        if t.get("rounds"):
            spread = "   rounds: " + " ".join(fmt(x, "x") for x in t["rounds"])
        print(f"  {t['figure']}: {LABELS[t['pontoon']]} / {LABELS[t['peer']]} = "
              f"{fmt(t['ratio'], 'x')} (target >= {t['target']}x): {verdict}{spread}", file=out)
    print_errors([(results[k]["label"], name, text) for k in kinds
                  for name, text in results[k].get("errors", {}).items()], out, max_lines=6)


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run --tunnel", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a few seconds per figure")
    ap.add_argument("--only", default=",".join(SWITCHES),
                    help=f"comma-separated subset of {','.join(SWITCHES)} (default: all)")
    ap.add_argument("--build", default="build", help="build directory (default build/)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': stdout)")
    ap.add_argument("--seconds", type=float, help="seconds per figure (default 10, quick 2)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure every switch this many times, interleaved, and report the "
                         "median of each figure with each round's ratios (default 1)")
    ap.add_argument("--pktgen-cpu", type=int, help="pin the packet generator to this CPU")
    ap.add_argument("--frame-len", type=int, default=64, help="UDP test frame length (default 64)")
    ap.add_argument("--flows", type=int, default=1, help="UDP source ports the generator cycles")
    ap.add_argument("--sink", choices=("mac", "host"), default="mac",
                    help="64-byte frames to a MAC h2 drops on arrival (default) or to h2 itself")
    ap.add_argument("--no-make", action="store_true", help="don't run make for Pontoon")
    ap.add_argument("--keep-logs", action="store_true", help="keep switch db/log directories")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command")
    args = ap.parse_args(argv)
    finish_args(ap, args, SWITCHES, default_seconds=(2, 10))
    if args.rounds < 1:
        ap.error("--rounds: at least 1")
    args.ping_count = max(100, int(args.seconds / 0.002 / (2 if args.quick else 1)))
    return args


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("bench/run --tunnel: needs root (network namespaces)", file=sys.stderr)
        return 1
    try:
        programs.require("ip", "iperf3", "ethtool", "ping", "sysctl", "cat", "make")
        if "ovs" in args.only:
            programs.require("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl",
                             "ovs-appctl", OVS_SCHEMA)
    except programs.MissingProgram as e:
        print(f"bench/run --tunnel: {e}", file=sys.stderr)
        return 1
    build(args)

    r = Runner(verbose=args.verbose)
    prefix = "px" + "".join(random.choice("0123456789abcdef") for _ in range(4))
    interrupt_on_signals()
    doc = {"meta": run_meta(args, prefix, bench="tunnel", mode="quick" if args.quick else "full",
                            seconds=args.seconds, ping_count=args.ping_count, vni=VNI,
                            underlay_mtu=UNDERLAY_MTU, frame_len=args.frame_len,
                            udp_sink=args.sink, rounds=args.rounds),
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
                missing = pontoon_not_built(kind, args, LABELS[kind])
                if missing:
                    current[kind] = missing
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
    if not rounds:
        rounds = [current]          # interrupted in the first round: what it has
    doc["meta"]["elapsed_s"] = round(time.monotonic() - t0, 1)
    doc["meta"]["rounds"] = len(rounds)
    doc["results"] = combine(rounds)
    if len(rounds) > 1:
        doc["rounds"] = rounds
    doc["targets"] = with_rounds(compute_targets(doc["results"]),
                                 [compute_targets(rr) for rr in rounds])
    report(doc, sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        write_json(doc, args.json)
    log(f"done in {doc['meta']['elapsed_s']} s")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
