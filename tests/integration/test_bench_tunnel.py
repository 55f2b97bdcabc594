"""bench/tunnel.py: its targets and its table from made-up figures (pure; no
network).  Lives here because pytest runs this directory in CI."""

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import tunnel  # noqa: E402


def result(kind, tcp1, tcp4, kpps=None, errors=None):
    r = {"switch": kind, "label": tunnel.LABELS[kind], "errors": errors or {},
         "tcp1": {"gbps": tcp1}, "tcp4": {"gbps": tcp4}}
    if kpps is not None:
        r["udp64"] = {"offered_kpps": kpps * 2, "received_kpps": kpps, "loss_pct": 50.0}
    return r


def doc(results):
    return {"meta": {"mode": "quick", "seconds": 2, "cpus": 2, "kernel": "6.1",
                     "tcp_congestion_control": "cubic", "git": "abc"},
            "results": results, "targets": tunnel.compute_targets(results)}


def test_targets_are_each_pontoon_over_the_kernel_and_over_ovs():
    got = tunnel.compute_targets({"kernel": result("kernel", 10.0, 12.0),
                                  "ovs": result("ovs", 0.5, 1.0),
                                  "pontoon": result("pontoon", 9.5, 9.0),
                                  "pontoon-system": result("pontoon-system", 10.0, 12.6)})
    mine = {(t["figure"], t["peer"]): t for t in got if t["pontoon"] == "pontoon-system"}
    assert mine[("tcp1", "kernel")]["ratio"] == 1.0 and mine[("tcp4", "kernel")]["met"]
    assert mine[("tcp4", "ovs")]["ratio"] == 12.6 and mine[("tcp4", "ovs")]["met"]
    by = {(t["figure"], t["peer"]): t for t in got if t["pontoon"] == "pontoon"}
    assert by[("tcp1", "kernel")] == {"figure": "tcp1", "pontoon": "pontoon", "peer": "kernel",
                                      "target": 0.9, "ratio": 0.95, "met": True}
    assert by[("tcp4", "kernel")]["ratio"] == 0.75 and by[("tcp4", "kernel")]["met"] is False
    assert by[("tcp1", "ovs")]["ratio"] == 19.0 and by[("tcp1", "ovs")]["met"] is True
    assert by[("tcp4", "ovs")]["ratio"] == 9.0 and by[("tcp4", "ovs")]["met"] is False


def test_a_missing_peer_or_figure_is_no_verdict():
    got = tunnel.compute_targets({"pontoon": result("pontoon", 9.5, None)})
    assert all(t["ratio"] is None and t["met"] is None for t in got)


def test_the_table_has_a_column_per_switch_and_pontoons_ratios():
    out = io.StringIO()
    tunnel.report(doc({"kernel": result("kernel", 10.0, 12.0, kpps=400.0),
                       "ovs": result("ovs", 0.5, 1.0, kpps=80.0, errors={"latency": "no replies"}),
                       "pontoon": result("pontoon", 9.5, 9.0, kpps=100.0)}), out)
    text = out.getvalue()
    lines = text.splitlines()
    head = next(x for x in lines if x.startswith("figure"))
    assert head.split("  ")[0] == "figure"
    for col in ("kernel vxlan+bridge", "OVS userspace", "Pontoon", "P/kernel", "P/OVS"):
        assert col in head
    assert "Psys/" not in head          # no pontoon-system result: no columns for it
    tcp1 = next(x for x in lines if x.startswith("TCP 1 stream")).split()
    assert tcp1[-5:] == ["10.0", "0.500", "9.500", "0.950x", "19.0x"]
    assert "tcp1: Pontoon / kernel vxlan+bridge = 0.950x (target >= 0.9x): met" in text
    assert "tcp4: Pontoon / OVS userspace = 9.000x (target >= 10.0x): NOT met" in text
    assert "OVS userspace: latency: no replies" in text


def test_both_pontoons_get_ratio_columns():
    out = io.StringIO()
    tunnel.report(doc({"kernel": result("kernel", 10.0, 12.0),
                       "pontoon": result("pontoon", 5.0, 6.0),
                       "pontoon-system": result("pontoon-system", 10.0, 12.0)}), out)
    text = out.getvalue()
    head = next(x for x in text.splitlines() if x.startswith("figure"))
    assert "Pontoon system" in head and "Psys/kernel" in head and "P/kernel" in head
    tcp1 = next(x for x in text.splitlines() if x.startswith("TCP 1 stream")).split()
    assert tcp1[-2:] == ["0.500x", "1.000x"]
    assert "tcp1: Pontoon system / kernel vxlan+bridge = 1.000x (target >= 0.9x): met" in text


def test_rounds_give_each_rounds_ratio_beside_the_median():
    from rounds import combine
    per_round = [{"kernel": result("kernel", 10.0, 20.0),
                  "pontoon-system": result("pontoon-system", 8.0, 18.0)},
                 {"kernel": result("kernel", 12.0, 20.0),
                  "pontoon-system": result("pontoon-system", 12.0, 20.0)},
                 {"kernel": result("kernel", 11.0, 20.0),
                  "pontoon-system": result("pontoon-system", 10.0, 19.0)}]
    results = combine(per_round)
    assert results["pontoon-system"]["tcp1"]["gbps"] == 10.0
    targets = tunnel.with_rounds(tunnel.compute_targets(results),
                                 [tunnel.compute_targets(r) for r in per_round])
    t = next(t for t in targets if (t["figure"], t["peer"]) == ("tcp1", "kernel"))
    assert t["ratio"] == 0.909 and t["rounds"] == [0.8, 1.0, 0.909]
    out = io.StringIO()
    d = doc(results)
    d["meta"]["rounds"] = 3
    d["targets"] = targets
    tunnel.report(d, out)
    assert "median of 3 rounds" in out.getvalue()
    assert "rounds: 0.800x 1.000x 0.909x" in out.getvalue()
