"""bench/rounds.py: how several benchmark rounds become one table (pure; no
network).  Lives here because pytest runs this directory in CI."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import rounds  # noqa: E402


def run(tcp, kpps, errors=None, offloads="default (on)"):
    return {"switch": "pontoon", "label": "Pontoon", "offloads": offloads,
            "tcp1": {"gbps": tcp}, "udp64": {"received_kpps": kpps, "sent": 100},
            "errors": errors or {}}


def test_numbers_are_medians_and_the_rest_comes_from_the_first_round():
    got = rounds.median_result([run(7.0, 300.0, offloads="a"), run(9.5, 350.5, offloads="b"),
                                run(8.2, 320.0, offloads="c")])
    assert got["tcp1"]["gbps"] == 8.2
    assert got["udp64"]["received_kpps"] == 320.0
    assert got["udp64"]["sent"] == 100 and isinstance(got["udp64"]["sent"], int)
    assert got["offloads"] == "a"


def test_a_figure_missing_in_one_round_is_the_median_of_the_others():
    a, b = run(7.0, 300.0), run(9.0, 350.0)
    del b["udp64"]
    got = rounds.median_result([a, b])
    assert got["tcp1"]["gbps"] == 8.0
    assert got["udp64"]["received_kpps"] == 300.0


def test_one_round_is_passed_through_unchanged():
    one = run(7.1234, 300.0, errors={"latency": "no replies"})
    assert rounds.combine([{"pontoon": one}]) == {"pontoon": one}


def test_errors_keep_their_round_and_switches_missing_in_a_round_still_count():
    r1 = {"pontoon": run(7.0, 300.0, errors={"latency": "no replies"}),
          "bridge": {"switch": "bridge", "tcp1": {"gbps": 10.0}, "errors": {}}}
    r2 = {"pontoon": run(9.0, 340.0)}
    got = rounds.combine([r1, r2])
    assert got["pontoon"]["errors"] == {"latency (round 1)": "no replies"}
    assert got["pontoon"]["tcp1"]["gbps"] == 8.0
    assert got["bridge"]["tcp1"]["gbps"] == 10.0


def test_targets_carry_each_rounds_value_only_with_several_rounds():
    targets = [{"key": "tcp1_vs_bridge", "value": 0.85}, {"key": "rss64_mib", "value": 11.0}]
    per_round = [[{"key": "tcp1_vs_bridge", "value": 0.8}],
                 [{"key": "tcp1_vs_bridge", "value": 0.9}, {"key": "rss64_mib", "value": 11.0}]]
    got = rounds.annotate_targets([dict(t) for t in targets], per_round)
    assert got[0]["rounds"] == [0.8, 0.9]
    assert got[1]["rounds"] == [None, 11.0]
    assert "rounds" not in rounds.annotate_targets([dict(targets[0])], per_round[:1])[0]


def switch(kind, tcp, rtt_us):
    return {"switch": kind, "label": kind, "offloads": "default (on)", "errors": {},
            "tcp1": {"gbps": tcp}, "latency": {"avg_us": rtt_us, "p50_us": rtt_us,
                                                "p99_us": 2 * rtt_us}}


def test_the_table_has_the_system_column_with_the_medians_and_its_ratios():
    import io

    import bench_report
    rr = [{"bridge": switch("bridge", 10.0, 4.0), "pontoon": switch("pontoon", 7.0, 40.0),
           "pontoon-system": switch("pontoon-system", 9.0, 6.0)},
          {"bridge": switch("bridge", 10.0, 4.0), "pontoon": switch("pontoon", 8.0, 40.0),
           "pontoon-system": switch("pontoon-system", 12.0, 8.0)},
          {"bridge": switch("bridge", 10.0, 4.0), "pontoon": switch("pontoon", 9.0, 40.0),
           "pontoon-system": switch("pontoon-system", 11.0, 10.0)}]
    results = rounds.combine(rr)
    doc = {"meta": {"mode": "quick", "seconds": 2, "cpus": 2, "kernel": "6.1", "date": "d",
                    "rounds": 3},
           "results": results}
    for kind, key in bench_report.TARGET_KEYS.items():
        doc[key] = rounds.annotate_targets(bench_report.compute_targets(results, kind),
                                           [bench_report.compute_targets(r, kind) for r in rr])
    out = io.StringIO()
    bench_report.report(doc, out)
    lines = out.getvalue().splitlines()
    head = next(x for x in lines if x.startswith("figure")).split("  ")
    head = [h.strip() for h in head if h.strip()]
    assert head == ["figure", "Linux bridge", "Pontoon", "Pontoon system", "P/bridge",
                    "Psys/bridge", "Psys/P"]
    tcp1 = next(x for x in lines if x.startswith("TCP 1 stream")).split()
    assert tcp1[-6:] == ["10.0", "8.000", "11.0", "0.80x", "1.10x", "1.38x"]
    rtt = next(x for x in lines if x.startswith("RTT avg")).split()
    assert rtt[-3:] == ["10.00x", "2.00x", "0.20x"]
    text = out.getvalue()
    assert "Pontoon system against the targets" in text
    assert any("TCP 1 stream, Pontoon system / Linux bridge" in x and "met" in x
               and "rounds: 0.90x 1.20x 1.10x" in x for x in lines)
