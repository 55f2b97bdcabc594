"""What bench.py and vhost.py do alike before they measure: finish the
common command-line options, describe the run for the result file."""

import os
import time
from pathlib import Path

from benchlib import git_describe, log
from procstat import machine_busy_pct


def finish_args(ap, args, switches, default_seconds):
    """--only as a list of known switches, --build as an absolute path,
    --seconds defaulted (quick, full) and an int when it is whole."""
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in args.only if s not in switches]
    if bad:
        ap.error(f"--only: unknown {bad}; choose from {switches}")
    b = Path(args.build)
    args.build = b if b.is_absolute() else Path.cwd() / b
    if args.seconds is None:
        args.seconds = default_seconds[0] if args.quick else default_seconds[1]
    if float(args.seconds).is_integer():
        args.seconds = int(args.seconds)


def run_meta(args, prefix, **fields):
    """The result file's "meta": the given fields, then the machine, the
    build and how busy the machine was just before (warned above 10 %)."""
    meta = dict(fields)
    meta.update({"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "date": time.strftime("%Y-%m-%d %H:%M:%S"), "prefix": prefix,
                 "build": str(args.build), "git": git_describe()})
    # New namespaces inherit it: BBR (this VM's default) and cubic (Debian's)
    # give the bridge and the switches very different TCP figures.
    cc = Path("/proc/sys/net/ipv4/tcp_congestion_control")
    meta["tcp_congestion_control"] = cc.read_text().strip()
    meta["busy_before_pct"] = machine_busy_pct()
    if meta["busy_before_pct"] > 10:
        log(f"warning: the machine is {meta['busy_before_pct']} % busy before the "
            "run: other load lowers every figure")
    return meta


def pontoon_not_built(kind, args, label):
    """A result recording that pontoond is missing, or None when it is there
    (or `kind` is not Pontoon)."""
    if not kind.startswith("pontoon") or (args.build / "pontoond").exists():
        return None
    return {"switch": kind, "label": label,
            "errors": {"build": f"{args.build}/pontoond not built"}}
