"""The Debian packages (debian/), built from the tree with the standard
tools, checked by lintian, then installed in a Debian 12 container that
boots a real systemd (systemd-nspawn): the unit starts pontoond, the switch
works, a restart keeps the configuration, pontoon-ovs-compat gives the Open
vSwitch names, purge removes what the packages added.

The container's base (debootstrap of bookworm with systemd) is cached in
/var/cache/pontoon-test-root, made on first use; everything else lives in
the test's directory and goes with it.  The container has its own network
namespace: nothing it does touches the machine's network."""

import fcntl
import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import pontoon_harness as ph
import programs

REPO = ph.REPO
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
CACHE = Path("/var/cache/pontoon-test-root")
BASE_PACKAGES = "systemd,systemd-sysv,dbus,iproute2"
# The package tools run their own toolchain (dh, dpkg-source, strip ...).
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # check-deps: packaging toolchain


def run(*cmd, timeout=600, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, "PATH": SYSTEM_PATH}, **kw)
    if check:
        assert r.returncode == 0, f"{cmd}: {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def build_packages(workdir):
    """dpkg-buildpackage -us -uc -b on a copy of the tree (the files git
    knows and untracked, non-ignored ones; no build directories)."""
    src = workdir / "src" / "pontoon-0.1.0"
    src.mkdir(parents=True)
    r = run("git", "-C", REPO, "ls-files", "-co", "--exclude-standard", check=False)
    if r.returncode == 0:
        files = r.stdout.split()
    else:
        # A tree without git (a tarball, scripts/fresh-root-test.sh's copy):
        # everything but what builds make.
        skip = {".git", "build", "build-asan", "__pycache__", "tmp", "pontoon",
                "pontoon-ovs-compat", ".debhelper"}
        files = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                 if p.is_file() and not skip & set(p.relative_to(REPO).parts)]
    for f in files:
        if f.startswith(("build/", "build-asan/")) or not (REPO / f).is_file():
            continue
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, src / f)
    run("dpkg-buildpackage", "-us", "-uc", "-b", cwd=src, timeout=1200)
    return src.parent


def base_tarball():
    """A bookworm root with systemd, made once (debootstrap) and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"{SUITE}-systemd.tar.gz"
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tarball.exists():
            tmp = Path(str(tarball) + ".d")
            shutil.rmtree(tmp, ignore_errors=True)
            run("debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", SUITE, tmp,
                MIRROR, timeout=1800)
            run("tar", "-C", tmp, "-czf", str(tarball) + ".part", ".")
            os.rename(str(tarball) + ".part", tarball)
            shutil.rmtree(tmp, ignore_errors=True)
    return tarball


class Container:
    """A Debian root under the test's directory: commands in it, not booted
    (with the machine's network, for apt), or booted with its own network."""

    def __init__(self, root, name):
        self.root, self.name, self.proc, self.init = root, name, None, None

    def offline(self, *cmd, timeout=600):
        """A command in the root, not booted (apt reaches the mirror)."""
        return run("systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D",
                   self.root, "--pipe", *cmd, timeout=timeout)

    def boot(self, log):
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
             "--bind=/dev/net/tun", "-b", "-D", str(self.root), "-M", self.name],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PATH": SYSTEM_PATH}, start_new_session=True)
        deadline = time.monotonic() + 120
        state = ""
        while time.monotonic() < deadline:
            # The container's PID 1 is the nspawn child that runs systemd (an
            # intermediate child may exist for a moment).
            self.init = None
            for pid in run("pgrep", "-P", self.proc.pid, check=False).stdout.split():
                try:
                    if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                        self.init = pid
                except OSError:
                    pass
            if self.init:
                state = self("systemctl", "is-system-running", check=False).stdout.strip()
                if state in ("running", "degraded"):
                    return
            assert self.proc.poll() is None, "the container stopped while booting"
            time.sleep(0.5)
        log.flush()
        raise AssertionError(f"the container did not boot: {state}\n"
                             f"{Path(log.name).read_text()[-3000:]}")

    def __call__(self, *cmd, check=True, timeout=120):
        """A command in the booted container (all its namespaces)."""
        # -r -w: the container's root and directory as its PID 1 sees them
        # (entering the mount namespace alone is not enough inside a chroot).
        return run("nsenter", "-t", self.init, "-a", "-r", "-w", *cmd, check=check,
                   timeout=timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()             # nspawn shuts the container down
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def test_debian_package(workdir, prefix):
    for program in ("dpkg-buildpackage", "lintian", "debootstrap", "systemd-nspawn",
                    "nsenter"):
        programs.require(program)
    out = build_packages(workdir)
    debs = {Path(p).name.split("_")[0]: Path(p) for p in glob.glob(str(out / "*.deb"))}
    assert {"pontoon", "pontoon-ovs-compat"} <= set(debs), debs
    contents = run("dpkg-deb", "-c", debs["pontoon"]).stdout
    for path in ("./usr/sbin/pontoond", "./usr/bin/pontoon", "./lib/systemd/system/pontoond.service",
                 "./usr/lib/pontoon/bpf/switch.bpf.o", "./usr/share/man/man8/pontoon.8.gz",
                 "./usr/share/man/man8/pontoond.8.gz",
                 "./usr/share/bash-completion/completions/pontoon"):
        assert path in contents, path
    # lintian: nothing but the overrides explained in debian/*.lintian-overrides
    changes = glob.glob(str(out / "*.changes"))[0]
    r = run("lintian", "--fail-on", "error,warning", changes, check=False)
    tags = [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert r.returncode == 0 and not tags, r.stdout + r.stderr

    root = workdir / "root"
    root.mkdir()
    run("tar", "-C", root, "-xzf", base_tarball())
    for deb in debs.values():
        shutil.copy(deb, root / "root")   # nspawn mounts a fresh /tmp
    box = Container(root, prefix + "pkg")
    # apt resolves the package's dependencies (libbpf1, libjansson4 ...).
    box.offline("apt-get", "install", "-y", "--no-install-recommends",  # check-deps: container
                f"/root/{debs['pontoon'].name}", timeout=900)
    with open(workdir / "container.log", "w") as log:
        try:
            box.boot(log)
            assert box("systemctl", "is-enabled", "pontoond").stdout.strip() == "enabled"
            ph.wait_until(lambda: box("systemctl", "is-active", "pontoond",
                                      check=False).stdout.strip() == "active",
                          timeout=30, what="pontoond to start from its unit")
            status = box("systemctl", "status", "--no-pager", "pontoond", check=False).stdout
            print(f"\n---- systemctl status pontoond ----\n{status}")
            assert "Active: active (running)" in status and "switching" in status, status
            box("pontoon", "add-br", "br0", "--", "set", "bridge", "br0",
                "datapath_type=netdev", "--", "add-port", "br0", "p1", "--", "set",
                "interface", "p1", "type=internal")
            assert box("ip", "link", "show", "p1", check=False).returncode == 0
            # A restart keeps the configuration, and the daemon brings it back.
            box("systemctl", "restart", "pontoond")
            assert box("systemctl", "is-active", "pontoond").stdout.strip() == "active"
            assert box("pontoon", "list-ports", "br0").stdout.split() == ["p1"]
            ph.wait_until(lambda: box("ip", "link", "show", "p1", check=False).returncode == 0,
                          timeout=20, what="p1 back after the restart")
            # The Open vSwitch names, through alternatives.
            box("dpkg", "-i", f"/root/{debs['pontoon-ovs-compat'].name}")  # check-deps: container
            assert box("ovs-vsctl", "list-br").stdout.split() == ["br0"]
            target = box("readlink", "-f", "/usr/bin/ovs-vsctl").stdout.strip()  # check-deps: container
            assert target == "/usr/bin/pontoon"  # check-deps: container
            # Purge: what the packages added goes, the database too.
            box("apt-get", "purge", "-y", "pontoon-ovs-compat", "pontoon", timeout=300)  # check-deps: container
            for path in ("/usr/sbin/pontoond", "/usr/bin/pontoon", "/usr/bin/ovs-vsctl",  # check-deps: container
                         "/lib/systemd/system/pontoond.service", "/var/lib/pontoon",  # check-deps: container
                         "/usr/lib/pontoon"):  # check-deps: container
                assert box("test", "-e", path, check=False).returncode != 0, path
            assert box("ip", "link", "show", "p1", check=False).returncode != 0
        finally:
            box.stop()
