"""pontoond --detach as ovs-vswitchd: the launching command returns once the
switch is up and the daemon no longer holds its terminal (or pipes); log
lines go to --log-file, which SIGHUP and vlog/reopen reopen for logrotate;
a bad --log-file fails the start with nothing left running."""

import os
import re
import signal
import subprocess
import time

import pytest

import pontoon_harness as ph

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|pontoond\|(err|warn|info|dbg)\|.+$")


def proc_stat(pid):
    """(state, session id, tty_nr) of a process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[3]), int(fields[4])


def exited(pid):
    stat = proc_stat(pid)
    return stat is None or stat[0] in ("Z", "X")   # a zombie waits for init only


def pids_running_db(db):
    """Live processes started with this test's --db (unique to the test)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if f"--db={db}".encode() in argv and not exited(int(entry)):
            pids.append(int(entry))
    return pids


class Detached:
    """Detached pontoond runs of one test, on its database and run dir.
    stop_all() ends every one still running, found by this test's --db,
    by PID; the fixture calls it also when the test fails."""

    def __init__(self, pontoon, workdir):
        self.db, self.run_dir = pontoon.db, pontoon.run_dir
        self.pidfile = str(workdir / "pontoond.pid")
        # Sanitizer reports of a daemon whose standard error is /dev/null.
        self.sanitizer_log = str(workdir / "sanitizer")
        self.env = dict(os.environ)
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            opts = self.env.get(var, "")
            self.env[var] = (opts + ":" if opts else "") + f"log_path={self.sanitizer_log}"

    def start(self, *options):
        """Runs `pontoond --detach ...` with its output through pipes; returns
        (exit status, stdout, stderr) once it exited and both pipes reached EOF."""
        argv = [str(ph.PONTOOND), "--detach", f"--pidfile={self.pidfile}", f"--db={self.db}",
                f"--run-dir={self.run_dir}", *map(str, options)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.stop_all()
            proc.communicate()
            raise AssertionError(f"pontoond --detach: no exit and EOF on its pipes in 20s "
                                 f"(exit status {proc.returncode})")
        return proc.returncode, out, err

    def pid(self):
        with open(self.pidfile) as f:
            return int(f.read())

    def stop(self, pid, timeout=10.0):
        """SIGTERM, then waits for the process to go (it is init's child, not
        ours); asserts it went in time, killing it if not."""
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while not exited(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"pontoond {pid} still running {timeout}s after SIGTERM")
            time.sleep(0.05)

    def stop_all(self):
        for pid in pids_running_db(self.db):
            try:
                self.stop(pid)
            except (ProcessLookupError, AssertionError):
                pass

    def sanitizer_reports(self):
        d = os.path.dirname(self.sanitizer_log)
        names = [n for n in os.listdir(d) if n.startswith("sanitizer.")]
        return "".join(open(os.path.join(d, n)).read() for n in names)


@pytest.fixture
def detached(pontoon, workdir, net):
    """Depends on `net`: daemons stop before its devices are cleaned up."""
    if not ph.PONTOOND.exists():
        pytest.fail(f"{ph.PONTOOND} not built (run make)")
    d = Detached(pontoon, workdir)
    yield d
    d.stop_all()


def read(path):
    with open(path) as f:
        return f.read()


def wait_for_line(path, text, timeout=5.0):
    return ph.wait_until(lambda: os.path.exists(path) and text in read(path), timeout=timeout,
                         what=f"{text!r} in {path}")


def test_detach_frees_the_terminal_and_logs_to_the_file(pontoon, detached, workdir, net):
    log = workdir / "pontoond.log"
    status, out, err = detached.start(f"--log-file={log}")
    # Back once the switch is up, the pipes at EOF: neither the launcher nor
    # the daemon holds them.
    assert status == 0, f"pontoond --detach exited {status}: {err}"
    assert out == "" and err == "", f"output on the launching pipes: {out!r} {err!r}"
    pid = detached.pid()
    assert not exited(pid)
    assert [pid] == pids_running_db(detached.db)
    state, session, tty = proc_stat(pid)
    assert session == pid and tty == 0, f"no session of its own: session {session}, tty {tty}"
    for fd in (0, 1, 2):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/null", f"fd {fd}"

    br = net.name("br0")
    pontoon("add-br", br)                       # the CLI reaches the detached daemon
    assert ph.link_exists(br)
    wait_for_line(log, f"bridge {br}: created")
    lines = read(log).splitlines()
    assert any("pontoond 0." in l and "started" in l for l in lines), lines
    bad = [l for l in lines if not LINE.match(l)]
    assert not bad, f"log lines not in the TIME|pontoond|LEVEL|TEXT format: {bad}"
    assert oct(os.stat(log).st_mode & 0o777) == oct(0o640 & ~current_umask())

    detached.stop(pid)
    assert read(log).splitlines()[-1].endswith("|pontoond|info|pontoond stopped")
    assert not ph.link_exists(br), "internal port left behind"
    assert not os.path.exists(detached.pidfile), "pidfile left behind"
    assert detached.sanitizer_reports() == ""


def test_detach_without_log_file_logs_nowhere(pontoon, detached, workdir, net):
    status, out, err = detached.start()
    assert (status, out, err) == (0, "", "")
    pid = detached.pid()
    pontoon("add-br", net.name("br0"))
    assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
    detached.stop(pid)
    assert detached.sanitizer_reports() == ""


def test_log_file_in_missing_directory_fails_the_start(pontoon, detached, workdir):
    log = workdir / "nosuch" / "pontoond.log"
    status, out, err = detached.start(f"--log-file={log}")
    assert status == 1, (status, out, err)
    assert out == ""
    assert err.strip() == f"pontoond: cannot open log file {log}: No such file or directory", err
    assert pids_running_db(detached.db) == [], "a daemon is left running"
    assert not os.path.exists(detached.pidfile)
    assert not os.path.exists(os.path.join(detached.run_dir, "pontoond.ctl"))
    assert detached.sanitizer_reports() == ""


def test_failed_start_after_the_fork_reports_on_stderr(pontoon, detached, workdir):
    """The switch cannot start (its run dir is a file): the error, and only
    warnings and errors, on the launching stderr; exit 1; no daemon left."""
    with open(detached.run_dir, "w"):
        pass
    log = workdir / "pontoond.log"
    status, out, err = detached.start(f"--log-file={log}")
    assert status == 1, (status, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), err
    assert f"|err|control socket {detached.run_dir}/pontoond.ctl: Not a directory" in lines[0]
    assert pids_running_db(detached.db) == [], "a daemon is left running"
    assert "pontoond stopped" in read(log)     # the file has every line
    assert detached.sanitizer_reports() == ""


def test_sighup_and_vlog_reopen_start_a_new_log_file(pontoon, detached, workdir, net):
    log = str(workdir / "pontoond.log")
    assert detached.start(f"--log-file={log}")[0] == 0
    pid = detached.pid()
    wait_for_line(log, "started")

    # As logrotate: rename, then SIGHUP; lines go to a new file at the path.
    os.rename(log, log + ".1")
    os.kill(pid, signal.SIGHUP)
    wait_for_line(log, f"SIGHUP: log file {log} reopened")
    br = net.name("br0")
    pontoon("add-br", br)
    wait_for_line(log, f"bridge {br}: created")
    assert f"bridge {br}: created" not in read(log + ".1")
    assert "started" in read(log + ".1") and "started" not in read(log)

    # The same with ovs-appctl's vlog/reopen.
    os.rename(log, log + ".2")
    assert pontoon("vlog/reopen") == ""
    br1 = net.name("br1")
    pontoon("add-br", br1)
    wait_for_line(log, f"bridge {br1}: created")
    assert f"bridge {br1}: created" not in read(log + ".2")

    detached.stop(pid)
    assert detached.sanitizer_reports() == ""


def test_vlog_reopen_without_log_file(pontoon, daemon):
    r = pontoon.run("vlog/reopen")
    assert r.returncode != 0
    assert "no log file to reopen" in r.stderr, r.stderr


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
