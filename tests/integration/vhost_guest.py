"""DPDK testpmd as a vhost-user guest (virtio-user) for the vhost-user tests.

Hugepages: `HugePages` raises /proc/sys/vm/nr_hugepages to what the session
needs and mounts a private hugetlbfs (when /dev/hugepages is not one); its
cleanup() unmounts/removes what it made and puts the old page count back.

`TestPmd` runs one `dpdk-testpmd -i` with a virtio-user port on a socket,
its stdout line-buffered (stdbuf) and read by a thread, commands written to
its stdin.  Each instance has its own --file-prefix; stop() quits it (or
kills it by its PID) and removes its runtime dir and hugepage files.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

TESTPMD = "dpdk-testpmd"
HUGEPAGES_WANTED = 1024             # 2 MiB pages: 2 GiB, each testpmd takes -m 512
NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages"
DPDK_RUN_DIR = "/var/run/dpdk"


def ensure_testpmd():
    """Installs Debian's dpdk package when dpdk-testpmd is missing."""
    if shutil.which(TESTPMD):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-q", "dpdk"], capture_output=True,
                       text=True, env=env, timeout=900)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=600)
        r = subprocess.run(["apt-get", "install", "-y", "-q", "dpdk"], capture_output=True,
                           text=True, env=env, timeout=900)
    if r.returncode != 0 or not shutil.which(TESTPMD):
        raise AssertionError(f"cannot install dpdk (for {TESTPMD}):\n{r.stdout}\n{r.stderr}")


def _hugetlbfs_mounts():
    """Mount points of hugetlbfs file systems."""
    points = []
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3 and fields[2] == "hugetlbfs":
                points.append(fields[1])
    return points


def _meminfo(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class HugePages:
    """2 MiB hugepages and a hugetlbfs mount for the session.

    Reserves pages so that `pages` are free (on a quiet machine: sets
    nr_hugepages to `pages`), and on cleanup gives back exactly what it
    added (on a quiet machine: the previous value) so that another user of
    hugepages on the same machine keeps its own."""

    def __init__(self, pages=HUGEPAGES_WANTED):
        self.pages = pages
        self.previous = None
        self.added = 0
        self.mounted = None         # a mount point we made
        self.dir = None

    @staticmethod
    def _nr():
        with open(NR_HUGEPAGES) as f:
            return int(f.read().strip())

    def ensure_free(self, pages):
        """Raises nr_hugepages until `pages` are free (as far as the kernel
        can); returns the number free."""
        free = _meminfo("HugePages_Free")
        if free < pages:
            before = self._nr()
            with open(NR_HUGEPAGES, "w") as f:
                f.write(f"{before + pages - free}\n")
            self.added += max(0, self._nr() - before)
            free = _meminfo("HugePages_Free")
        return free

    def setup(self):
        self.previous = self._nr()
        free = self.ensure_free(self.pages)
        if free < self.pages // 4:
            raise AssertionError(f"only {free} hugepages free (wanted {self.pages})")
        if "/dev/hugepages" in _hugetlbfs_mounts():
            self.dir = "/dev/hugepages"
        else:
            self.dir = tempfile.mkdtemp(prefix="pontoon-huge-", dir="/tmp")
            r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev",
                                self.dir], capture_output=True, text=True)
            if r.returncode != 0:
                os.rmdir(self.dir)
                self.dir = None
                raise AssertionError(f"cannot mount hugetlbfs: {r.stderr}")
            self.mounted = self.dir
        return self

    def cleanup(self):
        if self.mounted:
            subprocess.run(["umount", self.mounted], capture_output=True)
            try:
                os.rmdir(self.mounted)
            except OSError:
                pass
            self.mounted = None
        if self.added:
            with open(NR_HUGEPAGES, "w") as f:
                f.write(f"{max(0, self._nr() - self.added)}\n")
            self.added = 0


STATS_BLOCK = re.compile(r"NIC statistics for port (\d+)\s+#+\n(.*?)\n\s*#{20,}", re.S)


class TestPmd:
    """One testpmd process with one virtio-user port (port 0)."""

    __test__ = False                # not a pytest class

    def __init__(self, huge_dir, socket_path, file_prefix, mac=None, queues=1, server=False,
                 forward_mode="rxonly", extra=(), lcores="0,1", mem_mb=256, log_path=None):
        vdev = f"net_virtio_user0,path={socket_path}"
        if queues > 1:
            vdev += f",queues={queues}"
        if server:
            vdev += ",server=1"
        if mac:
            vdev += f",mac={mac}"
        self.file_prefix = file_prefix
        self.huge_dir = huge_dir
        self.mac = mac
        self.log_path = log_path
        cores = [f"--lcores={lcores}"] if "@" in lcores else ["-l", lcores]
        self.argv = ["stdbuf", "-oL", "-eL", TESTPMD, *cores, "-m", str(mem_mb),
                     "--no-pci", "--single-file-segments", f"--huge-dir={huge_dir}",
                     f"--file-prefix={file_prefix}", "--log-level=lib.eal:warning",
                     "--vdev", vdev, "--", "-i", f"--forward-mode={forward_mode}",
                     "--auto-start", "--total-num-mbufs=16384"]
        if queues > 1:
            self.argv += [f"--rxq={queues}", f"--txq={queues}"]
        self.argv += list(extra)
        self.proc = None
        self._out = []
        self._lock = threading.Lock()
        self._reader = None

    # ---- process
    def start(self, timeout=30.0, wait=True):
        """Starts testpmd; with `wait`, returns once it forwards.  With
        server=1 testpmd blocks until the switch connects: start it with
        wait=False, then call wait_started()."""
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait:
            self.wait_started(timeout)
        return self

    def wait_started(self, timeout=30.0):
        self.wait_output("Start automatic packet forwarding", timeout=timeout)
        return self

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self._out.append(line)
            if self.log_path:
                with open(self.log_path, "a") as f:
                    f.write(line)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        with self._lock:
            return "".join(self._out)

    def wait_output(self, text, timeout=20.0, start=0):
        """Waits until `text` (a str, or compiled regex) appears in the output
        after character `start`; returns the output."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.output()
            tail = out[start:]
            if (text.search(tail) if hasattr(text, "search") else text in tail):
                return out
            if not self.alive():
                raise AssertionError(f"testpmd exited ({self.proc.returncode}) before "
                                     f"{text!r}:\n{out[-6000:]}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"testpmd: no {text!r} after {timeout}s:\n{out[-6000:]}")
            time.sleep(0.05)

    def cmd(self, line, until=None, timeout=20.0):
        """Writes one command; waits until `until` shows in the new output
        (default: the next prompt).  Returns the new output."""
        start = len(self.output())
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.wait_output(until or "testpmd>", timeout=timeout, start=start)
        return out[start:]

    def stats(self):
        """Port 0's NIC counters: {'rx': packets, 'tx': packets, ...}."""
        start = len(self.output())
        self.proc.stdin.write("show port stats 0\n")
        self.proc.stdin.flush()
        out = self.wait_output(STATS_BLOCK, start=start)[start:]
        block = STATS_BLOCK.search(out).group(2)
        values = {k: int(v) for k, v in re.findall(r"([A-Za-z-]+):\s+(\d+)", block)}
        return {"rx": values["RX-packets"], "tx": values["TX-packets"],
                "rx_missed": values.get("RX-missed", 0), "rx_errors": values.get("RX-errors", 0),
                "tx_errors": values.get("TX-errors", 0), "raw": values}

    def stop(self, timeout=15.0):
        """Quits testpmd (SIGTERM, then SIGKILL, by PID if `quit` does not do
        it) and removes its runtime files.  Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.proc.pid, signal.SIGTERM)
                    self.proc.wait(5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.kill(self.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait(5)
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        if self._reader:
            self._reader.join(5)
        self._remove_files()
        return self.proc.returncode

    def kill(self):
        """SIGKILL (a guest that crashes): the socket closes without goodbye."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        return self.stop()

    def _remove_files(self):
        shutil.rmtree(os.path.join(DPDK_RUN_DIR, self.file_prefix), ignore_errors=True)
        try:
            for name in os.listdir(self.huge_dir):
                if name.startswith(self.file_prefix + "map_"):
                    os.unlink(os.path.join(self.huge_dir, name))
        except OSError:
            pass


class Guests:
    """The testpmd processes of one test; cleanup() stops them all."""

    def __init__(self, huge, workdir, prefix):
        self.huge = huge
        self.workdir = workdir
        self.prefix = prefix
        self.all = []
        self._seq = 0

    def start(self, socket_path, wait=True, **kwargs):
        for attempt in range(3):
            self._seq += 1
            fp = f"pontoon-{self.prefix}-{self._seq}"
            log = os.path.join(str(self.workdir), f"testpmd-{self._seq}.log")
            g = TestPmd(self.huge.dir, socket_path, fp, log_path=log, **kwargs)
            self.all.append(g)
            try:
                return g.start(wait=wait)
            except AssertionError:
                # Hugepages are shared with whatever else runs on the
                # machine: top them up and try again.
                if attempt == 2 or "Cannot init memory" not in g.output():
                    raise
                g.stop()
                self.huge.ensure_free(256)
                time.sleep(1)

    def cleanup(self):
        for g in self.all:
            g.stop()

    def logs(self):
        return "\n".join(f"---- testpmd {g.file_prefix} ({' '.join(g.argv[3:])}) ----\n"
                         f"{g.output()[-4000:]}" for g in self.all)
