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
