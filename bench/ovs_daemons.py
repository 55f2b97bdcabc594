"""Our own ovsdb-server + ovs-vswitchd (never the system's): db, sockets and
logs in a fresh temp dir, started and stopped by PID."""

import os
import tempfile

from benchlib import BenchError, file_tail, read_pidfile, remove_or_keep

OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class OvsDaemons:
    def __init__(self, r, prefix, ns=None):
        self.r, self.prefix, self.ns = r, prefix, ns
        self.dir = self.env = self.db = None
        self.ovsdb_pid = self.vswitchd_pid = None

    def start_db(self):
        """A new database and its ovsdb-server, initialised."""
        r = self.r
        self.dir = d = tempfile.mkdtemp(prefix=f"{self.prefix}-ovs-")
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_DBDIR=d, OVS_LOGDIR=d, OVS_SYSCONFDIR=d)
        self.db = f"unix:{d}/db.sock"
        r.run(["ovsdb-tool", "create", f"{d}/conf.db", OVS_SCHEMA], env=self.env)
        r.run(["ovsdb-server", f"{d}/conf.db", f"--remote=punix:{d}/db.sock",
               f"--pidfile={d}/ovsdb-server.pid", f"--unixctl={d}/ovsdb-server.ctl",
               f"--log-file={d}/ovsdb-server.log", "--detach"], ns=self.ns, env=self.env)
        self.ovsdb_pid = read_pidfile(f"{d}/ovsdb-server.pid")
        r.pids.add(self.ovsdb_pid)
        self.vsctl(["--no-wait", "init"])

    def start_vswitchd(self, binary="ovs-vswitchd", check=True, timeout=60):
        """ovs-vswitchd --detach returns once the daemon is up (or has failed
        to start): then its pidfile names it."""
        d = self.dir
        p = self.r.run([binary, self.db, f"--pidfile={d}/ovs-vswitchd.pid",
                        f"--unixctl={d}/ovs-vswitchd.ctl", f"--log-file={d}/ovs-vswitchd.log",
                        "--detach"], ns=self.ns, env=self.env, check=check, timeout=timeout)
        try:
            self.vswitchd_pid = read_pidfile(f"{d}/ovs-vswitchd.pid", timeout=10)
        except BenchError:
            raise BenchError(f"{os.path.basename(binary)} did not start (exit {p.returncode}): "
                             f"{p.stderr.strip()[-300:]}\n" + self.log_tail())
        self.r.pids.add(self.vswitchd_pid)

    def vsctl(self, args, timeout=60):
        return self.r.run(["ovs-vsctl", f"--db={self.db}", f"--timeout={timeout}"] + args,
                          ns=self.ns, env=self.env, timeout=timeout + 5)

    def log_tail(self, n=25):
        return file_tail(f"{self.dir}/ovs-vswitchd.log", n) if self.dir else ""

    def stop(self, keep_logs, timeout=5):
        for pid in (self.vswitchd_pid, self.ovsdb_pid):
            self.r.stop_pid(pid, timeout=timeout)
        remove_or_keep(self.dir, keep_logs, "OVS logs")
