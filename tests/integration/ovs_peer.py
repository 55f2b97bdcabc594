"""A real Open vSwitch (3.1: ovsdb-server + ovs-vswitchd, datapath_type=netdev)
inside one network namespace, with its own run/db/log directory, as a peer
for interop tests.  Same approach as bench/bench.py: started with --detach,
PIDs from their pidfiles, stopped by PID (SIGTERM, then SIGKILL).

ensure_ovs() fails with the package to install when Open vSwitch is
missing (scripts/install-deps.sh installs it and stops the package's own
daemons).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pontoon_harness as ph
import programs

OVS_PKGDATADIR = "/usr/share/openvswitch"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OFFLOADS_OFF = ["tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is as good as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def ensure_ovs():
    """Raises MissingProgram (naming its package) unless Open vSwitch is here."""
    programs.require("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl",
                     OVS_SCHEMA)


class OvsPeer:
    """ovsdb-server + ovs-vswitchd in namespace `ns`, files in a private dir."""

    def __init__(self, ns, prefix):
        self.ns = ns
        self.dir = tempfile.mkdtemp(prefix=f"{prefix}-ovs-", dir="/tmp")
        d = self.dir
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_DBDIR=d, OVS_LOGDIR=d,
                        OVS_SYSCONFDIR=d, OVS_PKGDATADIR=OVS_PKGDATADIR)
        self.db = f"unix:{d}/db.sock"
        self.ctl = f"{d}/ovs-vswitchd.ctl"
        self.pids = {}

    def _run(self, argv, timeout=30, check=True):
        r = subprocess.run(["ip", "netns", "exec", self.ns] + [str(a) for a in argv],
                           capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"failed ({r.returncode}): {' '.join(map(str, argv))}\n"
                                 f"{r.stdout}{r.stderr}")
        return r

    def _pidfile(self, name, timeout=10):
        path = Path(self.dir) / f"{name}.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return int(path.read_text().strip())
            except (FileNotFoundError, ValueError):
                time.sleep(0.05)
        raise AssertionError(f"{name}: no pidfile {path}\n{self.log(name)}")

    def start(self):
        d = self.dir
        subprocess.run(["ovsdb-tool", "create", f"{d}/conf.db", OVS_SCHEMA], env=self.env,
                       check=True, capture_output=True)
        self._run(["ovsdb-server", f"{d}/conf.db", f"--remote=punix:{d}/db.sock",
                   f"--pidfile={d}/ovsdb-server.pid", f"--unixctl={d}/ovsdb-server.ctl",
                   f"--log-file={d}/ovsdb-server.log", "--detach"])
        self.pids["ovsdb-server"] = self._pidfile("ovsdb-server")
        self.vsctl("--no-wait", "init")
        self._run(["ovs-vswitchd", self.db, f"--pidfile={d}/ovs-vswitchd.pid",
                   f"--unixctl={self.ctl}", f"--log-file={d}/ovs-vswitchd.log", "--detach"])
        self.pids["ovs-vswitchd"] = self._pidfile("ovs-vswitchd")
        return self

    def vsctl(self, *args, timeout=30):
        return self._run(["ovs-vsctl", f"--db={self.db}", f"--timeout={timeout}", *args],
                         timeout=timeout + 5).stdout

    def appctl(self, *args, timeout=10, check=True):
        r = self._run(["ovs-appctl", "-t", self.ctl, f"--timeout={timeout}", *args],
                      timeout=timeout + 5, check=check)
        return r.stdout

    def log(self, name="ovs-vswitchd"):
        try:
            return (Path(self.dir) / f"{name}.log").read_text()[-8000:]
        except FileNotFoundError:
            return ""

    def stop(self, keep=False):
        """SIGTERM each daemon we started (by PID), SIGKILL after 5 s."""
        for name in ("ovs-vswitchd", "ovsdb-server"):
            pid = self.pids.pop(name, None)
            if not pid or not _alive(pid):
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def offloads_off(ns, ifname):
    ph.sh("ip", "netns", "exec", ns, "ethtool", "-K", ifname, *OFFLOADS_OFF, check=False)
