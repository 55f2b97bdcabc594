#!/usr/bin/python3
"""Pontoon vs Open vSwitch with DPDK on vhost-user ports: 64-byte frames from
one DPDK testpmd guest (virtio-user, --forward-mode=txonly) through the switch
to another (virtio-user, --forward-mode=rxonly).

    testpmd tx (virtio-user) -> vhu0 [switch, 1 worker on core 0] vhu1 -> testpmd rx (virtio-user)

  - Pontoon: BUILD/pontoond, other_config:pmd-cpu-mask=0x1, bridge br0 with two
    type=dpdkvhostuser ports (server sockets in its run dir).
  - OVS-DPDK: ovs-vswitchd-dpdk (openvswitch-switch-dpdk, run by its path; the
    ovs-vswitchd alternative is not touched) with its own ovsdb-server,
    dpdk-init=true, dpdk-socket-mem, pmd-cpu-mask=0x1, bridge br0
    datapath_type=netdev with two type=dpdkvhostuser ports.

Both testpmds run with --lcores='0@G,1@G' (G = --guest-cpu, default 1): the
switch has core 0 to itself, the two guests share core 1.  The rx guest sends
one burst first so the switch learns its MAC behind vhu1; the tx guest sends
to that MAC (--eth-peer).  Figures come from the guests' own port counters
(`show port stats 0`) over a window of T seconds after 1 s of warm-up; loss =
frames the tx guest's ring accepted that the rx guest never counted (totals
after the tx guest stops and the switch drains).

Run as root: bench/run --vhost [--quick] [--only pontoon,ovs] [--json FILE|-]
Reports; never asserts.  Everything it starts it stops by PID (also on
Ctrl-C), unmounts its hugetlbfs and gives back the hugepages it added.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "lib")]   # lib: dpdk_guest, shared
from benchlib import (BenchError, Runner, interrupt_on_signals, log, make_all,  # noqa: E402
                      pid_alive, remove_or_keep)
from dpdk_guest import DPDK_RUN_DIR, TESTPMD, DpdkError, Guests, HugePages  # noqa: E402
from ovs_daemons import OVS_SCHEMA, OvsDaemons  # noqa: E402
import programs  # noqa: E402
from pontoon_daemon import PontoonDaemon  # noqa: E402
from procstat import proc_cpu_seconds  # noqa: E402
from report import fmt, print_errors, print_table, ratio, write_json  # noqa: E402
from run_setup import finish_args, pontoon_not_built, run_meta  # noqa: E402

OVS_DPDK_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
SWITCHES = ["pontoon", "ovs"]
LABELS = {"pontoon": "Pontoon", "ovs": "OVS-DPDK"}
TX_MAC = "02:00:5e:c6:10:01"
RX_MAC = "02:00:5e:c6:10:02"
TARGET_RATIO = 1.0   # Pontoon / OVS-DPDK, Mpps received
ERRORS = (BenchError, DpdkError)   # reported, never raised past main


# ---------------------------------------------------------------- switches

class Pontoon:
    kind = "pontoon"

    def __init__(self, r, args, huge, prefix):
        self.args = args
        self.daemon = PontoonDaemon(r, args.build, prefix)

    def start(self):
        self.daemon.start()
        oc = [f"other_config:pmd-cpu-mask={1 << self.args.switch_cpu:#x}"]
        if self.args.pontoon_busy_poll:
            oc.append("other_config:pmd-busy-poll=true")
        self.ctl(["set", "Open_vSwitch", "."] + oc)
        self.ctl(["add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"])
        for p in ("vhu0", "vhu1"):
            self.ctl(["add-port", "br0", p, "--", "set", "Interface", p, "type=dpdkvhostuser"])
        d = self.daemon.dir
        return [self.wait_socket(f"{d}/vhu0"), self.wait_socket(f"{d}/vhu1")]

    def wait_socket(self, path, timeout=10):
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > deadline:
                raise BenchError(f"no vhost-user socket {path} after {timeout} s\n"
                                 + self.log_tail())
            time.sleep(0.05)
        return path

    def ctl(self, args):
        return self.daemon.ctl(args, timeout=30)

    def appctl(self, *cmd):
        return self.daemon.ctl(list(cmd), check=False).stdout

    def port_stats(self):
        return parse_port_counters(self.appctl("dpif/show"))

    def log_tail(self):
        return self.daemon.log_tail()

    def pids(self):
        return self.daemon.pids()

    def describe(self):
        return (f"pontoond, pmd-cpu-mask={1 << self.args.switch_cpu:#x}"
                + (", pmd-busy-poll=true" if self.args.pontoon_busy_poll else
                   " (worker sleeps on kicks when idle)"))

    def stop(self):
        self.daemon.stop(self.args.keep_logs)


class OvsDpdk:
    kind = "ovs"

    def __init__(self, r, args, huge, prefix):
        self.r, self.args, self.huge = r, args, huge
        self.file_prefix = f"{prefix}-ovs"
        self.ovs = OvsDaemons(r, prefix)

    def start(self):
        a, ovs = self.args, self.ovs
        if not os.path.exists(OVS_DPDK_VSWITCHD):
            raise BenchError(f"{OVS_DPDK_VSWITCHD} missing: it comes from the Debian package "
                             "openvswitch-switch-dpdk; run scripts/install-deps.sh")
        ovs.start_db()
        extra = f"--file-prefix={self.file_prefix} --huge-dir={self.huge.dir} --no-pci"
        ovs.vsctl(["--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   f"other_config:dpdk-socket-mem={a.ovs_socket_mem}",
                   f"other_config:dpdk-extra={extra}",
                   f"other_config:pmd-cpu-mask={1 << a.switch_cpu:#x}"])
        # The parent waits until DPDK is initialised or has failed (a failed
        # dpdk-init=true exits): that can take longer than a minute.
        ovs.start_vswitchd(OVS_DPDK_VSWITCHD, check=False, timeout=120)
        deadline = time.time() + 60
        while ovs.vsctl(["get", "Open_vSwitch", ".", "dpdk_initialized"]).stdout.strip() != "true":
            if not pid_alive(ovs.vswitchd_pid) or time.time() > deadline:
                raise BenchError("OVS: DPDK not initialised\n" + self.log_tail())
            time.sleep(0.2)
        ovs.vsctl(["add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"])
        for p in ("vhu0", "vhu1"):
            ovs.vsctl(["add-port", "br0", p, "--", "set", "Interface", p, "type=dpdkvhostuser"])
        d = ovs.dir
        return [self.wait_socket(f"{d}/vhu0"), self.wait_socket(f"{d}/vhu1")]

    def wait_socket(self, path, timeout=20):
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > deadline or not pid_alive(self.ovs.vswitchd_pid):
                raise BenchError(f"no vhost-user socket {path}\n" + self.log_tail())
            time.sleep(0.05)
        return path

    def appctl(self, *cmd):
        return self.r.run(["ovs-appctl", f"--target={self.ovs.dir}/ovs-vswitchd.ctl"]
                          + list(cmd), env=self.ovs.env, check=False).stdout

    def port_stats(self):
        return parse_port_counters(self.appctl("dpctl/show", "-s"))

    def log_tail(self):
        return self.ovs.log_tail()

    def pids(self):
        return [p for p in (self.ovs.vswitchd_pid,) if p and pid_alive(p)]

    def describe(self):
        a = self.args
        return (f"ovs-vswitchd-dpdk, dpdk-socket-mem={a.ovs_socket_mem}, "
                f"pmd-cpu-mask={1 << a.switch_cpu:#x}, datapath_type=netdev")

    def stop(self):
        self.ovs.stop(self.args.keep_logs, timeout=10)
        shutil.rmtree(os.path.join(DPDK_RUN_DIR, self.file_prefix), ignore_errors=True)


def parse_pmd_stats(text):
    """Packets and busy share of the worker / PMD thread(s) from
    `dpif-netdev/pmd-stats-show` (Pontoon: "processing time: N us (P%)",
    OVS: "processing cycles: N (P%)"; OVS also lists the main thread)."""
    pkts = sum(int(x) for x in re.findall(r"packets received:\s*(\d+)", text))
    busy = [float(x) for x in re.findall(r"processing (?:time|cycles):[^(\n]*\(([\d.]+)%\)", text)]
    return {"packets": pkts, "busy_pct": round(max(busy), 1) if busy else None}


def parse_port_counters(text):
    """vhu0/vhu1 packet and drop counters from `pontoon dpif/show` or
    `ovs-appctl dpctl/show -s` (both: a line naming the port, then
    "RX packets:N ... dropped:N" and "TX packets:N ... dropped:N")."""
    out = {}
    parts = re.split(r"(?:port \d+: |^\s*)(vhu[01])\b", text, flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2]):
        c = {}
        for d in ("RX", "TX"):
            m = re.search(d + r" packets:(\d+)[^\n]*?dropped:(\d+)", body)
            if m:
                c[f"{d.lower()}_packets"], c[f"{d.lower()}_dropped"] = int(m[1]), int(m[2])
        out[name] = c
    return out


SWITCH_CLASSES = {"pontoon": Pontoon, "ovs": OvsDpdk}


# ---------------------------------------------------------------- measurement

def guest_options(args):
    """TestPmd options of both guests."""
    g = args.guest_cpu
    return dict(lcores=f"0@{g},1@{g}", mem_mb=args.guest_mem, queue_size=args.queue_size,
                extra=["--nb-cores=1", f"--txpkts={args.frame_len}", f"--burst={args.burst}"])


def measure(r, kind, args, huge, prefix, workdir):
    res = {"switch": kind, "label": LABELS[kind], "errors": {}}
    sw = SWITCH_CLASSES[kind](r, args, huge, prefix)
    guests = Guests(huge, workdir, f"{prefix}-{kind}", **guest_options(args))
    try:
        try:
            t0 = time.monotonic()
            if kind == "ovs":
                huge.ensure(args.ovs_socket_mem // 2)
            sock_tx, sock_rx = sw.start()
            res["start_s"] = round(time.monotonic() - t0, 2)
            res["config"] = sw.describe()
        except ERRORS as e:
            res["errors"]["start"] = str(e)
            log(f"{LABELS[kind]}: start failed: {e}")
            return res
        rx = guests.start(sock_rx, "rx", mac=RX_MAC, forward_mode="rxonly")
        tx = guests.start(sock_tx, "tx", mac=TX_MAC, forward_mode="txonly", peer=RX_MAC)
        time.sleep(0.5)
        # The rx guest speaks first: the switch learns RX_MAC behind vhu1.
        rx.cmd("start tx_first 1", until="forwarding")
        time.sleep(0.5)
        for g in (rx, tx):
            g.cmd("clear port stats all")
        cpu_all0 = proc_cpu_seconds(sw.pids())
        ports0 = sw.port_stats()
        tx.cmd("start", until="forwarding")
        time.sleep(1.0)                                  # warm-up
        s_tx0 = tx.stats()
        s_rx0 = rx.stats()
        sw.appctl("dpif-netdev/pmd-stats-clear")
        c0, w0 = proc_cpu_seconds(sw.pids()), time.monotonic()
        time.sleep(args.seconds)
        s_tx1 = tx.stats()
        s_rx1 = rx.stats()
        c1, w1 = proc_cpu_seconds(sw.pids()), time.monotonic()
        pmd = parse_pmd_stats(sw.appctl("dpif-netdev/pmd-stats-show"))
        if pmd["busy_pct"] is not None and pmd["packets"]:
            pmd["busy_ns_per_packet"] = round(pmd["busy_pct"] / 100 * (w1 - w0) * 1e9
                                              / pmd["packets"], 1)
        res["pmd"] = pmd
        tx.cmd("stop", until="Done.")
        time.sleep(0.5)                                  # the switch drains
        f_tx = tx.stats()
        f_rx = rx.stats()
        cpu_all1 = proc_cpu_seconds(sw.pids())
        ports1 = sw.port_stats()
        # The switch's own counters over the whole run (warm-up and drain included).
        res["switch_ports"] = {p: {k: v - ports0.get(p, {}).get(k, 0) for k, v in c.items()}
                               for p, c in ports1.items()}
        rx.cmd("stop", until="Done.")
        d_tx, d_rx = s_tx1["tx"] - s_tx0["tx"], s_rx1["rx"] - s_rx0["rx"]
        res.update({
            "seconds": round(w1 - w0, 2),
            "sent_mpps": round(d_tx / (s_tx1["time"] - s_tx0["time"]) / 1e6, 3),
            "received_mpps": round(d_rx / (s_rx1["time"] - s_rx0["time"]) / 1e6, 3),
            "window_loss_pct": round(100.0 * max(0, d_tx - d_rx) / d_tx, 2) if d_tx else None,
            "sent_total": f_tx["tx"], "received_total": f_rx["rx"],
            "loss_pct": (round(100.0 * max(0, f_tx["tx"] - f_rx["rx"]) / f_tx["tx"], 2)
                         if f_tx["tx"] else None),
            "rx_guest_missed": f_rx["rx_missed"], "tx_guest_errors": f_tx["tx_errors"],
            "switch_cpu_s": round(c1 - c0, 2),
            "switch_cpu_pct": round(100.0 * (c1 - c0) / (w1 - w0), 1),
            "switch_cpu_total_s": round(cpu_all1 - cpu_all0, 2),
        })
        if d_rx == 0:
            res["errors"]["forwarding"] = (f"the rx guest received nothing ({d_tx} sent)"
                                           + ("\n" + sw.log_tail() if hasattr(sw, "log_tail")
                                              else ""))
        if not sw.pids():
            res["errors"]["process"] = "switch process exited during the run\n" + sw.log_tail()
        log(f"{LABELS[kind]}: sent {res['sent_mpps']} Mpps, received {res['received_mpps']} "
            f"Mpps, loss {res['loss_pct']} %, switch CPU {res['switch_cpu_s']} s")
        return res
    except ERRORS as e:
        res["errors"]["traffic"] = str(e)
        log(f"{LABELS[kind]}: {e}")
        return res
    finally:
        try:
            guests.cleanup()
        except Exception as e:   # keep cleaning up
            log(f"cleanup: testpmd: {e}")
        sw.stop()


# ---------------------------------------------------------------- report

ROWS = [
    ("received_mpps", "64B received by rx testpmd (Mpps)"),
    ("sent_mpps", "64B sent by tx testpmd (Mpps)"),
    ("loss_pct", "loss (%)"),
    ("vhu1_tx_dropped", "dropped by the switch on vhu1 (frames)"),
    ("switch_cpu_s", "switch CPU in the window (s)"),
    ("switch_cpu_pct", "switch CPU (% of one core)"),
    ("pmd_busy_pct", "worker busy, processing (%)"),
    ("pmd_ns", "worker busy time per packet (ns)"),
]


def get_row(r_, key):
    if key == "pmd_busy_pct":
        return (r_.get("pmd") or {}).get("busy_pct")
    if key == "pmd_ns":
        return (r_.get("pmd") or {}).get("busy_ns_per_packet")
    if key == "vhu1_tx_dropped":
        return ((r_.get("switch_ports") or {}).get("vhu1") or {}).get("tx_dropped")
    return r_.get(key)


def report(doc, out):
    res = doc["results"]
    kinds = [k for k in SWITCHES if k in res]
    both = "pontoon" in res and "ovs" in res
    head = ["figure"] + [LABELS[k] for k in kinds] + (["P/OVS"] if both else [])
    rows = []
    for key, label in ROWS:
        vals = {k: get_row(res[k], key) for k in kinds}
        row = [label] + [fmt(vals[k]) for k in kinds]
        if both:
            rt = ratio(vals["pontoon"], vals["ovs"])
            row.append("-" if rt is None else f"{rt:.2f}x")
        rows.append(row)
    m = doc["meta"]
    print(f"\nPontoon vhost-user benchmark ({m['mode']}, {m['seconds']} s window after 1 s "
          f"warm-up, {m['frame_len']}-byte frames, virtio rings of {m['queue_size']}, {m['cpus']} CPUs, kernel {m['kernel']}, "
          f"{m['date']}, machine {m['busy_before_pct']} % busy before)", file=out)
    print(f"Cores: switch worker/PMD on core {m['switch_cpu']}; both testpmds' lcores on "
          f"core {m['guest_cpu']} (--lcores='0@{m['guest_cpu']},1@{m['guest_cpu']}'): "
          f"tx guest (txonly) and rx guest (rxonly) share that core.", file=out)
    print_table(head, rows, out)
    for k in kinds:
        if res[k].get("config"):
            print(f"  {LABELS[k]}: {res[k]['config']}", file=out)
    print("  Switch CPU = utime+stime of pontoond / ovs-vswitchd over the window; loss = "
          "accepted by the tx guest's ring, not counted by the rx guest.", file=out)
    print("  Worker busy = the switch's own processing share from dpif-netdev/pmd-stats-show "
          "over the window (an OVS PMD polls at 100 % CPU either way); per packet = busy "
          "time / packets the worker received.", file=out)
    t = doc["target"]
    v = t["value"]
    status = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
    print(f"\nPontoon / OVS-DPDK, Mpps received: {'-' if v is None else f'{v:.2f}x'}   "
          f"target >= {TARGET_RATIO:g}x   {status}", file=out)
    errs = [(LABELS[k], n, e) for k in kinds for n, e in res[k].get("errors", {}).items()]
    print_errors(errs, out, max_lines=25)


# ---------------------------------------------------------------- main

def ensure_tools(need_ovs):
    """Raises programs.MissingProgram (naming the package) for a missing tool."""
    programs.require(TESTPMD, "mount", "umount")
    if need_ovs:
        programs.require("ovsdb-tool", "ovsdb-server", "ovs-vsctl", "ovs-appctl",
                         OVS_DPDK_VSWITCHD, OVS_SCHEMA)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run --vhost", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 s window instead of 10")
    ap.add_argument("--seconds", type=float, help="measurement window (default 10, quick 3)")
    ap.add_argument("--only", default="pontoon,ovs", help="subset of pontoon,ovs")
    ap.add_argument("--build", default="build", help="build directory with pontoond, pontoon")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-': stdout)")
    ap.add_argument("--switch-cpu", type=int, default=0, help="core of the switch's worker (0)")
    ap.add_argument("--guest-cpu", type=int, default=1, help="core of both testpmds (1)")
    ap.add_argument("--guest-mem", type=int, default=512, help="testpmd -m, MiB (512)")
    ap.add_argument("--ovs-socket-mem", type=int, default=512, help="dpdk-socket-mem, MiB (512)")
    ap.add_argument("--frame-len", type=int, default=64, help="testpmd --txpkts (64)")
    ap.add_argument("--burst", type=int, default=32, help="testpmd --burst (32)")
    ap.add_argument("--queue-size", type=int, default=32768,
                    help="virtio ring size and testpmd --rxd/--txd (32768: see README)")
    ap.add_argument("--pontoon-busy-poll", action="store_true",
                    help="other_config:pmd-busy-poll=true for Pontoon (default: it sleeps "
                         "when idle)")
    ap.add_argument("--no-make", action="store_true", help="don't run make for Pontoon")
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep the switches' db/log dirs and the testpmd logs")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every command")
    args = ap.parse_args(argv)
    finish_args(ap, args, SWITCHES, default_seconds=(3, 10))
    return args


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("bench/run --vhost: needs root (hugepages, DPDK)", file=sys.stderr)
        return 1
    try:
        ensure_tools("ovs" in args.only)
    except programs.MissingProgram as e:
        print(f"bench/run --vhost: {e}", file=sys.stderr)
        return 1
    if "pontoon" in args.only and not args.no_make:
        make_all(args.build)

    prefix = "pv" + os.urandom(2).hex()
    r = Runner(verbose=args.verbose)
    interrupt_on_signals()

    doc = {"meta": run_meta(args, prefix, bench="vhost-user",
                            mode="quick" if args.quick else "full", seconds=args.seconds,
                            frame_len=args.frame_len, burst=args.burst,
                            queue_size=args.queue_size, switch_cpu=args.switch_cpu,
                            guest_cpu=args.guest_cpu,
                            guest_lcores=f"0@{args.guest_cpu},1@{args.guest_cpu}"),
           "results": {}}
    huge = HugePages(log=log)
    workdir = tempfile.mkdtemp(prefix=f"{prefix}-logs-")
    t0 = time.monotonic()
    interrupted = False
    try:
        huge.setup()
        for kind in SWITCHES:
            if kind not in args.only:
                continue
            missing = pontoon_not_built(kind, args, LABELS[kind])
            if missing:
                doc["results"][kind] = missing
                continue
            log(f"=== {LABELS[kind]}")
            doc["results"][kind] = measure(r, kind, args, huge, prefix, workdir)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    except ERRORS as e:
        log(str(e))
        doc["meta"]["error"] = str(e)
    finally:
        r.stop_all()
        huge.cleanup()
        remove_or_keep(workdir, args.keep_logs, "testpmd logs")
    doc["meta"]["elapsed_s"] = round(time.monotonic() - t0, 1)
    res = doc["results"]
    v = ratio((res.get("pontoon") or {}).get("received_mpps"),
              (res.get("ovs") or {}).get("received_mpps"))
    doc["target"] = {"what": "Mpps received, Pontoon / OVS-DPDK", "target": f">= {TARGET_RATIO:g}x",
                     "value": None if v is None else round(v, 3),
                     "met": None if v is None else v >= TARGET_RATIO}
    report(doc, sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        write_json(doc, args.json)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
