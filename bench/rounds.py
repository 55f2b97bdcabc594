"""Several rounds of the same benchmark (bench/run --rounds N), the switches
interleaved in each: every figure is the median of its rounds.

On a small VM one figure swings 20-40 % from one minute to the next.  With
the switches interleaved, each switch is measured at the same moments, and
the median keeps one bad minute out of the ratios."""

import statistics


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _median(values):
    m = statistics.median(values)
    if all(isinstance(v, int) for v in values) and m == int(m):
        return int(m)
    return round(m, 3)


def _keys(dicts):
    """Every key of the dicts, in the order they first appear."""
    keys = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    return keys


def median_result(rounds):
    """One result from results of the same shape: a number is the median of
    the rounds that have it, a dict is merged key by key, anything else is
    taken from the first round that has it."""
    out = {}
    for k in _keys(rounds):
        values = [r[k] for r in rounds if k in r]
        if all(_is_number(v) for v in values):
            out[k] = _median(values)
        elif all(isinstance(v, dict) for v in values):
            out[k] = median_result(values)
        else:
            out[k] = values[0]
    return out


def combine(rounds):
    """Per switch, the median result of the rounds it ran in; errors keep
    their round ("round 2: ...") when there were several."""
    results = {}
    for kind in _keys(rounds):
        runs = [r[kind] for r in rounds if kind in r]
        if len(runs) == 1:
            results[kind] = runs[0]
            continue
        res = median_result(runs)
        errors = {}
        for i, run in enumerate(runs, 1):
            for name, msg in run.get("errors", {}).items():
                errors[name if len(runs) == 1 else f"{name} (round {i})"] = msg
        res["errors"] = errors
        results[kind] = res
    return results


def annotate_targets(targets, per_round_targets):
    """Adds each round's value of a target (targets[i]["rounds"]) when there
    was more than one round: the spread says how far the median is to trust."""
    if len(per_round_targets) < 2:
        return targets
    for t in targets:
        t["rounds"] = [next((x["value"] for x in rt if x["key"] == t["key"]), None)
                       for rt in per_round_targets]
    return targets
