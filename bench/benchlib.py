"""Process plumbing shared by bench.py and vhost.py: logging, running
commands (optionally in a network namespace), and stopping exactly the
processes we started, by PID."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Runner:
    """Runs commands (optionally inside a namespace) and remembers every
    long-running process it started so that cleanup stops exactly those."""

    def __init__(self, verbose=False):
        self.verbose = verbose
        self.procs = []          # subprocess.Popen we started
        self.pids = set()        # PIDs of daemons we started (from pidfiles)

    def cmd(self, argv, ns=None):
        argv = [str(a) for a in argv]
        return (["ip", "netns", "exec", ns] + argv) if ns else argv

    def run(self, argv, ns=None, check=True, timeout=60, env=None, input=None):
        full = self.cmd(argv, ns)
        if self.verbose:
            log("$ " + " ".join(full))
        try:
            p = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                               env=env, input=input)
        except subprocess.TimeoutExpired:
            raise BenchError(f"timed out after {timeout}s: {' '.join(full)}")
        if check and p.returncode != 0:
            raise BenchError(f"failed ({p.returncode}): {' '.join(full)}\n{p.stderr.strip()}")
        return p

    def popen(self, argv, ns=None, env=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        full = self.cmd(argv, ns)
        if self.verbose:
            log("$ " + " ".join(full) + " &")
        p = subprocess.Popen(full, stdout=stdout, stderr=stderr, text=True, env=env)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=5):
        """Stop one Popen we started (ip netns exec execs, so p.pid is the program)."""
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
        if p in self.procs:
            self.procs.remove(p)

    def stop_pid(self, pid, timeout=5):
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            self.pids.discard(pid)
            return
        deadline = time.time() + timeout
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.05)
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pids.discard(pid)

    def stop_all(self):
        for p in list(self.procs):
            try:
                self.stop(p)
            except Exception as e:  # keep cleaning up
                log(f"cleanup: {e}")
        for pid in list(self.pids):
            self.stop_pid(pid)


def file_tail(path, n):
    """The last n lines of a log file, "" when there is none (yet)."""
    try:
        return "\n".join(Path(path).read_text().splitlines()[-n:])
    except FileNotFoundError:
        return ""


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def read_pidfile(path, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            pid = int(Path(path).read_text().strip())
            if pid_alive(pid):
                return pid
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.05)
    raise BenchError(f"no live process in pidfile {path}")


def remove_or_keep(path, keep, what):
    """Remove one of our temp dirs, or (--keep-logs) say where it is."""
    if not path:
        return
    if keep:
        log(f"{what} kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


def interrupt_on_signals():
    """SIGINT, SIGTERM and SIGHUP all raise KeyboardInterrupt, so that the
    run's `finally` cleans up whichever way it is stopped."""
    def on_term(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)


def git_describe(repo=REPO):
    """The commit the bench runs, or "unknown" where git is absent or the
    tree is not a git checkout (a tarball, a fresh root without git)."""
    if not shutil.which("git"):
        return "unknown"
    p = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else "unknown"


def make_all(build):
    """make BUILD=build all; on failure carry on with whatever is already built."""
    p = subprocess.run(["make", "-C", str(REPO), "-j", str(os.cpu_count() or 2),
                        f"BUILD={build}", "all"], capture_output=True, text=True)
    if p.returncode != 0:
        log(f"make BUILD={build} all failed (using whatever is already built):\n"
            + "\n".join(p.stderr.strip().splitlines()[-5:]))
