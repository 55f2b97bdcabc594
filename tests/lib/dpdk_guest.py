"""DPDK testpmd as a vhost-user guest (virtio-user), and the 2 MiB hugepages
it runs on: shared by the vhost-user tests (tests/integration) and the
vhost-user benchmark (bench/vhost.py).

Other sessions on the same machine take and give back hugepages at the same
time, so `HugePages` raises the page count only by what is missing, just
before each DPDK process starts, and at the end gives back exactly what it
added.  Each `TestPmd` has its own --file-prefix; stop() quits it (or kills
it by its PID) and removes its runtime dir and hugepage files.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import programs

TESTPMD = "dpdk-testpmd"
HUGEPAGES_2M = "/sys/kernel/mm/hugepages/hugepages-2048kB"
DPDK_RUN_DIR = "/var/run/dpdk"
STATS_BLOCK = re.compile(r"NIC statistics for port (\d+)\s+#+\n(.*?)\n\s*#{20,}", re.S)
XSTATS_END = re.compile(r"NIC extended statistics for port \d+.*?testpmd>", re.S)


class DpdkError(Exception):
    """testpmd or hugepages did not do what was asked."""


def ensure_testpmd():
    """Raises MissingProgram (naming its package) when dpdk-testpmd is absent."""
    programs.require(TESTPMD)


def _read_int(name):
    with open(f"{HUGEPAGES_2M}/{name}") as f:
        return int(f.read())


def available_hugepages():
    """Free 2 MiB pages that nobody has reserved yet (reserved pages count as
    free until they are touched)."""
    return _read_int("free_hugepages") - _read_int("resv_hugepages")


class HugePages:
    """2 MiB hugepages and a private hugetlbfs mount for one session.

    The count is machine-wide and shared: cleanup() never puts back an old
    value (that would take away what others raised it by meanwhile), it
    subtracts exactly the pages we added, so everyone else keeps theirs."""

    MARGIN = 64         # others take pages between our check and our start

    def __init__(self, log=print):
        self.log = log
        self.added = 0
        self.dir = None
        self.mounted = False

    def setup(self):
        """Mounts the private hugetlbfs: our page files stay out of
        /dev/hugepages and go away with the unmount."""
        self.dir = tempfile.mkdtemp(prefix="pontoon-huge-", dir="/tmp")
        r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.dir],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(self.dir)
            self.dir = None
            raise DpdkError(f"cannot mount hugetlbfs: {r.stderr.strip()}")
        self.mounted = True
        return self

    def ensure(self, pages):
        """At least `pages` (plus a margin) available right now.  A DPDK
        process that has just started (OVS-DPDK) goes on taking pages for a
        few seconds, what we add included: keep adding until it has done."""
        pages += self.MARGIN
        for _ in range(30):
            free = available_hugepages()
            if free >= pages:
                return
            now = _read_int("nr_hugepages")
            self._write(now + pages - free + self.MARGIN // 2)
            got = _read_int("nr_hugepages")
            self.added += max(0, got - now)
            self.log(f"hugepages: nr_hugepages {now} -> {got} ({free} were free, "
                     f"{pages} wanted)")
            time.sleep(0.3)
        free = available_hugepages()
        if free < pages:
            raise DpdkError(f"only {free} free 2 MiB hugepages, {pages} wanted")

    def cleanup(self):
        """Unmounts (freeing our page files), then gives the pages back."""
        if self.mounted:
            r = subprocess.run(["umount", self.dir], capture_output=True, text=True)
            if r.returncode != 0:
                self.log(f"umount {self.dir}: {r.stderr.strip()}")
            else:
                self.mounted = False
        if self.dir and not self.mounted:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass
        if self.added:
            now = _read_int("nr_hugepages")
            want = max(0, now - self.added)
            self._write(want)
            got = _read_int("nr_hugepages")
            self.log(f"hugepages: nr_hugepages {now} -> {got} (gave back the {self.added} "
                     f"we added{'' if got <= want else '; the rest are in use'})")
            self.added = 0

    @staticmethod
    def _write(pages):
        with open(f"{HUGEPAGES_2M}/nr_hugepages", "w") as f:
            f.write(f"{pages}\n")


class TestPmd:
    """One interactive dpdk-testpmd with one virtio-user port (port 0) on a
    vhost-user socket.  Its output is read raw by a thread (the "testpmd> "
    prompt ends with no newline); commands go to its stdin."""

    __test__ = False                # not a pytest class

    def __init__(self, huge, socket_path, file_prefix, mac=None, queues=1, server=False,
                 queue_size=None, forward_mode="rxonly", auto_start=False, peer=None,
                 lcores="0,1", mem_mb=256, mbufs=None, extra=(), log_path=None):
        vdev = f"net_virtio_user0,path={socket_path}"
        vdev += f",queues={queues}" if queues > 1 else ""
        vdev += ",server=1" if server else ""
        vdev += f",mac={mac}" if mac else ""
        vdev += f",queue_size={queue_size}" if queue_size else ""
        self.huge, self.file_prefix, self.mac = huge, file_prefix, mac
        self.mem_mb, self.log_path = mem_mb, log_path
        # IOVA as VA: big rings need no physically contiguous hugepages.
        self.argv = ["stdbuf", "-oL", "-eL", TESTPMD, f"--lcores={lcores}", "-m", str(mem_mb),
                     "--no-pci", "--iova-mode=va", "--single-file-segments",
                     f"--huge-dir={huge.dir}", f"--file-prefix={file_prefix}",
                     "--log-level=lib.eal:warning", "--vdev", vdev,
                     "--", "-i", f"--forward-mode={forward_mode}"]
        if queues > 1:
            self.argv += [f"--rxq={queues}", f"--txq={queues}"]
        if queue_size:
            self.argv += [f"--rxd={queue_size}", f"--txd={queue_size}"]
        if auto_start:
            self.argv.append("--auto-start")
        if mbufs:
            self.argv.append(f"--total-num-mbufs={mbufs}")
        if peer:
            self.argv.append(f"--eth-peer=0,{peer}")
        self.argv += list(extra)
        self.proc = None
        self._out = []
        self._lock = threading.Lock()
        self._reader = None

    # ---- process
    def start(self, timeout=60.0, wait=True, attempts=3):
        """Starts testpmd with enough free hugepages; with `wait`, returns once
        its port is up.  Other sessions take pages too: on a shortage it asks
        for more and tries again.  With server=1 testpmd blocks until the
        switch connects: start it with wait=False, then call wait_started()."""
        for attempt in range(1, attempts + 1):
            self.huge.ensure(self.mem_mb // 2 * attempt)
            self._launch()
            try:
                return self.wait_started(timeout) if wait else self
            except DpdkError as e:
                if attempt == attempts or not ("memory" in str(e) or "did not attach" in str(e)):
                    raise
                self.huge.log(f"testpmd {self.file_prefix}: {str(e).splitlines()[0]}; "
                              "trying again")
                self.stop()

    def _launch(self):
        self._out = []
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def wait_started(self, timeout=60.0):
        out = self.wait_output("testpmd>", timeout)
        if not re.search(r"^Port 0: [0-9A-Fa-f:]{17}", out, re.M):
            raise DpdkError("testpmd has no port 0 (virtio-user did not attach):\n"
                            + "\n".join(out.splitlines()[-25:]))
        return self

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            text = chunk.decode(errors="replace")
            with self._lock:
                self._out.append(text)
            if self.log_path:
                with open(self.log_path, "a") as f:
                    f.write(text)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        with self._lock:
            return "".join(self._out)

    def wait_output(self, text, timeout=20.0, start=0):
        """Waits until `text` (a str, or compiled regex) appears in the output
        after character `start`; returns the whole output."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.output()
            tail = out[start:]
            if text.search(tail) if hasattr(text, "search") else text in tail:
                return out
            last = "\n".join(out.splitlines()[-40:])
            if not self.alive():
                raise DpdkError(f"testpmd exited ({self.proc.returncode}) before {text!r}:\n"
                                + last)
            if time.monotonic() > deadline:
                raise DpdkError(f"testpmd: no {text!r} after {timeout} s:\n{last}")
            time.sleep(0.01)

    def cmd(self, line, until="testpmd>", timeout=20.0):
        """Writes one command; waits until `until` shows in the new output
        (default: the next prompt).  Returns the new output."""
        start = len(self.output())
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.wait_output(until, timeout, start)[start:]

    def stats(self):
        """Port 0's counters: {'rx': packets, 'tx': packets, ..., 'raw': all,
        'time': monotonic time just after the block came back} (so that two
        guests read one after the other each have their own time)."""
        out = self.cmd("show port stats 0", until=STATS_BLOCK)
        t = time.monotonic()
        v = {k: int(x) for k, x in re.findall(r"([A-Za-z-]+):\s+(\d+)",
                                              STATS_BLOCK.search(out).group(2))}
        return {"rx": v.get("RX-packets", 0), "tx": v.get("TX-packets", 0),
                "rx_missed": v.get("RX-missed", 0), "rx_errors": v.get("RX-errors", 0),
                "tx_errors": v.get("TX-errors", 0), "raw": v, "time": t}

    def queue_stats(self):
        """Port 0's per-queue packet counters from `show port xstats 0`:
        {'rx': {queue: packets}, 'tx': {queue: packets}}."""
        out = self.cmd("show port xstats 0", until=XSTATS_END)
        counts = {"rx": {}, "tx": {}}
        for way, queue, n in re.findall(r"^(rx|tx)_q(\d+)_good_packets: (\d+)", out, re.M):
            counts[way][int(queue)] = int(n)
        return counts

    def stop(self, timeout=15.0):
        """Quits testpmd (SIGTERM, then SIGKILL, by PID if `quit` does not do
        it) and removes its runtime files.  Returns the exit status."""
        if self.proc is None:
            return None
        if self.alive():
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_until_gone()
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        self._reader.join(5)
        self._remove_files()
        return self.proc.returncode

    def _signal_until_gone(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.proc.pid, sig)
                self.proc.wait(5)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue

    def kill(self):
        """SIGKILL (a guest that crashes): the socket closes without goodbye."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        return self.stop()

    def _remove_files(self):
        shutil.rmtree(os.path.join(DPDK_RUN_DIR, self.file_prefix), ignore_errors=True)
        try:
            for name in os.listdir(self.huge.dir):
                if name.startswith(self.file_prefix + "map_"):
                    os.unlink(os.path.join(self.huge.dir, name))
        except OSError:
            pass


class Guests:
    """The testpmds of one test or run, named PREFIX-NAME (a sequence number
    by default), each with `defaults` as TestPmd options unless start() says
    otherwise; cleanup() stops them all, also when one fails to stop."""

    def __init__(self, huge, workdir, prefix, **defaults):
        self.huge = huge
        self.workdir = workdir
        self.prefix = prefix
        self.defaults = defaults
        self.all = []

    def start(self, socket_path, name=None, wait=True, **options):
        prefix = f"{self.prefix}-{name or len(self.all) + 1}"
        log = os.path.join(str(self.workdir), f"{prefix}.log")
        g = TestPmd(self.huge, socket_path, prefix, log_path=log,
                    **{**self.defaults, **options})
        self.all.append(g)
        return g.start(wait=wait)

    def cleanup(self):
        errors = []
        for g in self.all:
            try:
                g.stop()
            except Exception as e:      # keep stopping the others
                errors.append(e)
        if errors:
            raise errors[0]

    def logs(self):
        return "\n".join(f"---- testpmd {g.file_prefix} ({' '.join(g.argv[3:])}) ----\n"
                         f"{g.output()[-4000:]}" for g in self.all)
