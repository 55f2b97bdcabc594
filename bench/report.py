"""Formatting shared by the benchmarks' reports: cells, ratios, the
aligned table, the error list and the JSON output."""

import json
from pathlib import Path

from benchlib import log


def fmt(v, mark=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        s = f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}" if abs(v) < 1000 else f"{v:.0f}"
    else:
        s = str(v)
    return s + mark


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def print_table(head, rows, out):
    """First column left-aligned, the others right-aligned, a dashed rule
    under the header."""
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]

    def line(r_):
        return "  ".join(str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i])
                         for i, c in enumerate(r_))
    print(line(head), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r_ in rows:
        print(line(r_), file=out)


def print_errors(errs, out, max_lines):
    """errs: (column label, figure, message); the first max_lines lines of each."""
    if not errs:
        return
    print("\nErrors:", file=out)
    for label, name, text in errs:
        lines = (text or "").splitlines() or [""]
        print(f"  {label}: {name}: {lines[0]}", file=out)
        for more in lines[1:max_lines]:
            print(f"      {more}", file=out)


def write_json(doc, dest):
    """--json FILE, or '-' for stdout."""
    text = json.dumps(doc, indent=2)
    if dest == "-":
        print(text)
    else:
        Path(dest).write_text(text + "\n")
        log(f"JSON written to {dest}")
