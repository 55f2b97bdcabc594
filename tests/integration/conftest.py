"""Fixtures for Pontoon's integration tests.

Each test gets its own prefix ("pt" + 4 hex digits), temp dir, database,
run dir and (when it asks for `daemon`) its own pontoond; everything is torn
down in finalizers, also on failure.  Binaries come from $PONTOON_BUILD
(default <repo>/build).  Run as root with Debian's python:
    /usr/bin/python3 -m pytest tests/integration
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "lib")]   # lib: shared with bench/

import pontoon_harness as ph  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "cli: needs only the pontoon CLI (no daemon)")
    config.addinivalue_line("markers", "ovsdb: talks to the OVSDB protocol socket")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture(scope="session", autouse=True)
def ns_bpffs():
    """The bpffs where daemons run by `ip netns exec` pin their kernel fast
    paths (ph.NS_BPFFS), so that the pins outlive them as a real host's do;
    mounted for the session when it is not there, unmounted after."""
    mounted = False
    if os.geteuid() == 0 and not ph.NS_BPFFS.is_mount():
        ph.NS_BPFFS.mkdir(exist_ok=True)
        mounted = ph.sh("mount", "-t", "bpf", "bpf", str(ph.NS_BPFFS),
                        check=False).returncode == 0
    yield
    if mounted:
        ph.sh("umount", str(ph.NS_BPFFS), check=False)
        try:
            ph.NS_BPFFS.rmdir()
        except OSError:
            pass


@pytest.fixture
def prefix():
    return ph.new_prefix()


@pytest.fixture
def workdir(prefix, request):
    d = tempfile.mkdtemp(prefix=prefix + "-", dir="/tmp")
    yield Path(d)
    if _failed(request) and os.environ.get("PONTOON_KEEP"):
        print(f"kept {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def pontoon(workdir):
    """The CLI bound to this test's database and run dir."""
    if not ph.PONTOON.exists():
        pytest.fail(f"{ph.PONTOON} not built (run make)")
    return ph.Pontoon(workdir / "conf.db", workdir / "run")


@pytest.fixture(params=["netdev", "system"])
def both_datapaths(request, pontoon):
    """A module with `pytestmark = pytest.mark.usefixtures("both_datapaths")`
    runs every test on both datapaths: bridges made with pontoon.add_br get
    datapath_type netdev (userspace) or system (the kernel fast path)."""
    pontoon.datapath_type = request.param
    return request.param


@pytest.fixture
def net(prefix, request):
    """Namespaces and veth pairs of this test; removed afterwards."""
    n = ph.Net(prefix)
    yield n
    n.cleanup()


@pytest.fixture
def daemon(pontoon, workdir, net, request):
    """A running pontoond on this test's database and run dir.  Depends on
    `net` so that it is stopped before the namespaces are removed."""
    if not ph.PONTOOND.exists():
        pytest.fail(f"{ph.PONTOOND} not built (run make)")
    d = ph.Daemon(pontoon.db, pontoon.run_dir, workdir / "pontoond.log",
                  log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"))
    d.start()
    yield d
    status = d.stop()
    if _failed(request):
        print(f"\n---- pontoond log ({workdir}/pontoond.log) ----\n{d.log()}")
        print("---- pontoon commands (argv, exit, seconds) ----")
        for h in pontoon.history:
            print(h)
    assert status is not None, "pontoond did not exit within 10s of SIGTERM"
    # Under the sanitizer build a memory error or leak shows here.
    log = d.log()
    assert "Sanitizer" not in log and "runtime error:" not in log, log
    assert status == 0, f"pontoond exited {status} after SIGTERM:\n{log}"
