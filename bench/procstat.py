"""CPU and memory readings from /proc: per process (the switch's) and
machine-wide."""

import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pids):
    """utime+stime of the given processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime, stime
        except (FileNotFoundError, IndexError):
            pass
    return total / CLK_TCK


def _schedstat_sum(pids, field):
    """One field of /proc/PID/task/*/schedstat summed over every thread
    (a thread that ends meanwhile counts as 0)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[field])
            except (FileNotFoundError, IndexError, ValueError):
                pass
    return total


def proc_sched_ns(pids):
    """Run time in ns summed over every thread (schedstat field 1): finer
    than the 10 ms ticks of /proc/PID/stat, used for the idle figure."""
    return _schedstat_sum(pids, 0)


def proc_sched_runs(pids):
    """How many times the process's threads were scheduled in (schedstat
    field 3): over an idle period, its wakeups."""
    return _schedstat_sum(pids, 2)


def proc_status_kib(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def machine_cpu():
    """Machine-wide (user, system, softirq) seconds from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    return {"user": (user + nice) / CLK_TCK, "system": system / CLK_TCK,
            "softirq": (softirq + irq) / CLK_TCK}


def machine_busy_pct(seconds=1.0):
    """How busy the machine is (all CPUs, % non-idle) over `seconds`: other
    load during a run makes every figure lower, so the report says so."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v[:8]), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return round(100.0 * (1 - (i1 - i0) / max(1, t1 - t0)), 1)


class CpuMeter:
    """CPU used between start() and stop(): the switch processes' utime+stime
    and the machine's user/system/softirq seconds."""

    def __init__(self, pids_fn):
        self.pids_fn = pids_fn

    def __enter__(self):
        self.t0 = time.monotonic()
        self.p0 = proc_cpu_seconds(self.pids_fn())
        self.m0 = machine_cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        self.proc = proc_cpu_seconds(self.pids_fn()) - self.p0
        m1 = machine_cpu()
        self.machine = {k: round(m1[k] - self.m0[k], 2) for k in m1}
        return False

    def result(self):
        return {"wall_s": round(self.wall, 2),
                "switch_cpu_s": round(self.proc, 2) if self.pids_fn() else None,
                "machine_sys_softirq_s": round(self.machine["system"] + self.machine["softirq"], 2),
                "machine": self.machine}
