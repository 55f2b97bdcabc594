"""One pontoond for a benchmark: its db, control socket and log in a fresh
temp dir, started and stopped by PID through the Runner."""

import os
import subprocess
import tempfile
import time

from benchlib import BenchError, file_tail, log, remove_or_keep


class PontoonDaemon:
    def __init__(self, r, build, prefix, ns=None):
        self.r, self.build, self.prefix, self.ns = r, build, prefix, ns
        self.dir = self.env = self.logf = self.proc = None

    def start(self):
        self.dir = d = tempfile.mkdtemp(prefix=f"{self.prefix}-pontoon-")
        self.env = dict(os.environ, PONTOON_DB=f"{d}/conf.db", PONTOON_RUN_DIR=d)
        self.logf = open(f"{d}/pontoond.log", "w")
        self.proc = self.r.popen([self.build / "pontoond", f"--db={d}/conf.db", f"--run-dir={d}"],
                                 ns=self.ns, env=self.env, stdout=self.logf,
                                 stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not os.path.exists(f"{d}/pontoond.ctl"):
            if self.proc.poll() is not None:
                raise BenchError(f"pontoond exited {self.proc.returncode} at start:\n"
                                 + self.log_tail())
            if time.time() > deadline:
                raise BenchError("pontoond: no control socket after 10 s\n" + self.log_tail())
            time.sleep(0.05)

    def ctl(self, args, timeout=60, check=True):
        """BUILD/pontoon against this daemon."""
        return self.r.run([self.build / "pontoon"] + args, ns=self.ns, env=self.env,
                          timeout=timeout, check=check)

    def log_tail(self, n=20):
        return file_tail(f"{self.dir}/pontoond.log", n) if self.dir else ""

    def pids(self):
        return [self.proc.pid] if self.proc is not None and self.proc.poll() is None else []

    def stop(self, keep_logs):
        if self.proc is not None:
            alive = self.proc.poll() is None
            self.r.stop(self.proc)
            if not alive:
                log(f"pontoond had exited ({self.proc.returncode}) before the end:\n"
                    f"{self.log_tail()}")
        if self.logf:
            self.logf.close()
        remove_or_keep(self.dir, keep_logs, "Pontoon db/log")
