"""The table of bench.py: one row per figure, one column per switch, then
Pontoon's ratios to its peers and its targets from the issue."""

from report import fmt, print_errors, print_table, ratio

SWITCHES = ["none", "bridge", "ovs", "pontoon"]
LABELS = {"none": "no switch", "bridge": "Linux bridge", "ovs": "OVS userspace",
          "pontoon": "Pontoon"}

# Targets from the issue: (key, description, kind, target)
#   kind "ratio_ge": pontoon/peer >= target; "ratio_le": pontoon/peer <= target;
#   "abs_le": pontoon value <= target
TARGETS = [
    ("tcp1_vs_bridge", "TCP 1 stream, Pontoon / Linux bridge", "ratio_ge", 0.9),
    ("tcp1_vs_ovs", "TCP 1 stream, Pontoon / OVS", "ratio_ge", 10.0),
    ("udp64_rx_vs_ovs", "64-byte received rate, Pontoon / OVS", "ratio_ge", 3.0),
    ("rtt_avg_vs_bridge", "latency (avg RTT), Pontoon / Linux bridge", "ratio_le", 2.0),
    ("rtt_p99_vs_bridge", "latency (p99 RTT), Pontoon / Linux bridge", "ratio_le", 2.0),
    # 0 % at top's resolution: below 0.05 % (exact value and wakeups/s are in the table)
    ("idle_cpu_pct", "idle CPU, Pontoon (%, 0 = below 0.05)", "abs_le", 0.05),
    ("rss64_mib", "RSS with 64 extra ports, Pontoon (MiB)", "abs_le", 16.0),
]


def g(d, *path):
    """d[path[0]][path[1]]..., None where any step is missing."""
    for p in path:
        if d is None:
            return None
        d = d.get(p) if isinstance(d, dict) else None
    return d


def total_cpu(res, key):
    vals = [g(res, "cpu", t, key) for t in ("latency", "tcp1", "tcp4", "udp64")]
    vals = [v for v in vals if v is not None]
    return round(sum(vals), 2) if vals else None


def main_process_mem(res, field, where=("memory",)):
    mem = g(res, *where)
    if not mem:
        return None
    return round(sum(v[field] for v in mem.values() if v.get(field) is not None), 1)


ROWS = [
    # (key, label, getter, higher_is_better)
    ("tcp1", "TCP 1 stream (Gb/s)", lambda r: g(r, "tcp1", "gbps"), True),
    ("tcp4", "TCP 4 streams (Gb/s)", lambda r: g(r, "tcp4", "gbps"), True),
    ("udp_off", "64B offered (kpps)", lambda r: g(r, "udp64", "offered_kpps"), True),
    ("udp_rx", "64B received (kpps)", lambda r: g(r, "udp64", "received_kpps"), True),
    ("udp_loss", "64B loss (%)", lambda r: g(r, "udp64", "loss_pct"), False),
    ("rtt_avg", "RTT avg (us)", lambda r: g(r, "latency", "avg_us"), False),
    ("rtt_p50", "RTT p50 (us)", lambda r: g(r, "latency", "p50_us"), False),
    ("rtt_p99", "RTT p99 (us)", lambda r: g(r, "latency", "p99_us"), False),
    ("cpu_tcp1", "switch CPU, TCP 1 (s)", None, False),
    ("cpu_tcp4", "switch CPU, TCP 4 (s)", None, False),
    ("cpu_udp", "switch CPU, 64B (s)", None, False),
    ("cpu_total", "switch CPU, all traffic (s)", None, False),
    ("mach", "machine sys+softirq, all (s)", lambda r: total_cpu(r, "machine_sys_softirq_s"), False),
    ("hwm", "peak memory VmHWM (MiB)", lambda r: main_process_mem(r, "hwm_mib"), False),
    ("idle", "idle CPU over 3 s (%)", lambda r: g(r, "idle", "cpu_pct"), False),
    ("wake", "idle wakeups (/s)", lambda r: g(r, "idle", "wakeups_per_s"), False),
    ("rss64", "RSS, 64 extra ports (MiB)", lambda r: main_process_mem(r, "rss_mib", ("ports64", "memory")), False),
]


def switch_cpu(res, test):
    """The switch's CPU seconds; for the Linux bridge (kernel) the machine's
    system+softirq seconds instead, marked with '*'."""
    if res["switch"] == "bridge":
        v = g(res, "cpu", test, "machine_sys_softirq_s") if test else total_cpu(res, "machine_sys_softirq_s")
        return v, "*"
    if res["switch"] == "none":
        return None, ""
    v = g(res, "cpu", test, "switch_cpu_s") if test else total_cpu(res, "switch_cpu_s")
    return v, ""


CPU_ROWS = {"cpu_tcp1": "tcp1", "cpu_tcp4": "tcp4", "cpu_udp": "udp64", "cpu_total": None}


def cell(res, key, getter):
    if key in CPU_ROWS:
        return switch_cpu(res, CPU_ROWS[key])
    return getter(res), ""


def compute_targets(results):
    p, br, ovs = results.get("pontoon"), results.get("bridge"), results.get("ovs")
    vals = {
        "tcp1_vs_bridge": ratio(g(p, "tcp1", "gbps"), g(br, "tcp1", "gbps")),
        "tcp1_vs_ovs": ratio(g(p, "tcp1", "gbps"), g(ovs, "tcp1", "gbps")),
        "udp64_rx_vs_ovs": ratio(g(p, "udp64", "received_kpps"), g(ovs, "udp64", "received_kpps")),
        "rtt_avg_vs_bridge": ratio(g(p, "latency", "avg_us"), g(br, "latency", "avg_us")),
        "rtt_p99_vs_bridge": ratio(g(p, "latency", "p99_us"), g(br, "latency", "p99_us")),
        "idle_cpu_pct": g(p, "idle", "cpu_pct"),
        "rss64_mib": main_process_mem(p, "rss_mib", ("ports64", "memory")) if p else None,
    }
    notes = {"udp64_rx_vs_ovs": generator_ceiling_note(results)}
    out = []
    for key, desc, kind, target in TARGETS:
        v = vals[key]
        if v is None:
            met = None
        elif kind == "ratio_ge":
            met = v >= target
        elif kind == "ratio_le":
            met = v <= target
        else:
            met = v <= target
        out.append({"key": key, "what": desc, "value": None if v is None else round(v, 3),
                    "target": ("0 %" if key == "idle_cpu_pct" else
                               (">= " if kind == "ratio_ge" else "<= ") + f"{target:g}"
                               + ("x" if kind.startswith("ratio") else "")),
                    "met": met})
        if notes.get(key):
            out[-1]["note"] = notes[key]
    return out


def generator_ceiling_note(results):
    """What 3x OVS asks of the generator: no switch can receive more than the
    generator offers on a bare veth pair, and on a small machine that can be
    less than the target."""
    ovs = g(results.get("ovs"), "udp64", "received_kpps")
    bare = g(results.get("none"), "udp64", "offered_kpps")
    if not ovs or not bare:
        return None
    return (f"3x OVS = {3 * ovs:.0f} kpps; with no switch at all the generator offers "
            f"{bare:.0f} kpps ({bare / ovs:.2f}x OVS)")


def report(doc, out):
    results = doc["results"]
    kinds = [k for k in SWITCHES if k in results]
    cols = [LABELS[k] for k in kinds]
    has_p = "pontoon" in results
    peers = [k for k in ("bridge", "ovs") if k in results and has_p]
    head = ["figure"] + cols + [f"P/{'bridge' if k == 'bridge' else 'OVS'}" for k in peers]
    rows = []
    for key, label, getter, _ in ROWS:
        row = [label]
        vals = {}
        for k in kinds:
            v, mark = cell(results[k], key, getter)
            vals[k] = v
            row.append(fmt(v, mark))
        for k in peers:
            rt = ratio(vals.get("pontoon"), vals.get(k))
            row.append("-" if rt is None else f"{rt:.2f}x")
        rows.append(row)
    meta = doc["meta"]
    n = meta.get("rounds", 1)
    med = f", median of {n} rounds" if n > 1 else ""
    print(f"\nPontoon benchmark ({meta['mode']}, {meta['seconds']} s per figure{med}, "
          f"{meta['cpus']} CPUs, kernel {meta['kernel']}, {meta['date']}, "
          f"TCP congestion control {meta.get('tcp_congestion_control', '?')}, "
          f"machine {meta.get('busy_before_pct', '?')} % busy before)", file=out)
    print_table(head, rows, out)
    print("\n* Linux bridge: no switch process; machine-wide system+softirq CPU seconds "
          "(/proc/stat, includes the hosts' own kernel work).", file=out)
    print("  Switch CPU = utime+stime of pontoond / ovs-vswitchd + ovsdb-server; memory = "
          "pontoond / ovs-vswitchd + ovsdb-server.", file=out)
    offl = ", ".join(f"{LABELS[k]}: {results[k].get('offloads', '?')}" for k in kinds)
    print(f"  veth offloads: {offl}", file=out)
    if has_p:
        print("\nPontoon against the targets (reported, not asserted):", file=out)
        for t in doc["targets"]:
            v = t["value"]
            status = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
            vs = "-" if v is None else (f"{v:.2f}x" if "x" in t["target"] else f"{v:g}")
            each = ""
            if any(x is not None for x in t.get("rounds", [])):
                one = (lambda x: f"{x:.2f}x") if "x" in t["target"] else (lambda x: f"{x:g}")
                each = "   rounds: " + " ".join("-" if x is None else one(x) for x in t["rounds"])
            print(f"  {t['what']:<45} {vs:>10}   target {t['target']:<8} {status}{each}", file=out)
            if t.get("note"):
                print(f"    ({t['note']})", file=out)
    errs = [(LABELS[k], n, e) for k in kinds for n, e in results[k].get("errors", {}).items()]
    print_errors(errs, out, max_lines=8)
