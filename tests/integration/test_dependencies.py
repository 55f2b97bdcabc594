"""What the suite depends on: scripts/check-deps.py vouches that every program
the tests and the bench run comes from a package scripts/install-deps.sh
installs; tests/lib/programs.py fails with that package when one is missing;
the bench runs without git.  (No network, no namespaces.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pontoon_harness as ph
import programs

sys.path.insert(0, str(ph.REPO / "bench"))

import benchlib  # noqa: E402

CHECK = ph.REPO / "scripts" / "check-deps.py"
PACKAGES = ph.REPO / "scripts" / "packages.txt"


def check_deps(*args):
    return subprocess.run([ph.PYTHON, str(CHECK), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_the_project_lists_agree():
    r = check_deps()
    assert r.returncode == 0, r.stderr
    assert "each from a package install-deps.sh installs" in r.stdout


def test_install_deps_reads_the_package_list():
    text = (ph.REPO / "scripts" / "install-deps.sh").read_text()
    assert "packages.txt" in text
    listed = {line.split("#")[0].strip() for line in PACKAGES.read_text().splitlines()} - {""}
    assert {"dpdk-dev", "openvswitch-switch", "openvswitch-switch-dpdk", "make"} <= listed


@pytest.mark.parametrize("line, complaint", [
    ("ip coreutils", "comes from iproute2, not from coreutils"),
    ("ip iproute2-not-installed", "is not in scripts/packages.txt"),
    ("no-such-program-pontoon coreutils", "not found; it comes from the Debian package coreutils"),
])
def test_check_fails_on_a_wrong_list(workdir, line, complaint):
    listed = Path(workdir) / "programs.txt"
    listed.write_text(line + "\n")
    r = check_deps("--programs", listed, "--scan", workdir)
    assert r.returncode == 1
    assert complaint in r.stderr, r.stderr


def test_check_fails_on_a_program_no_package_owns(workdir):
    handmade = Path(workdir) / "handmade-tool"
    handmade.write_text("#!/bin/sh\n")
    handmade.chmod(0o755)
    listed = Path(workdir) / "programs.txt"
    listed.write_text(f"{handmade} coreutils\n")
    r = check_deps("--programs", listed, "--scan", workdir)
    assert r.returncode == 1
    assert "belongs to no Debian package (installed by hand?)" in r.stderr, r.stderr


def test_check_finds_unlisted_paths_and_installs_in_sources(workdir):
    src = Path(workdir) / "src"
    src.mkdir()
    apt, tool = "ap" + "t-get", "/usr/" + "bin/some-unlisted-tool"   # split: this file is scanned too
    (src / "test_x.py").write_text(f'run(["{apt}", "install", "x"])\nrun(["{tool}"])\n')
    r = check_deps("--scan", src)
    assert r.returncode == 1
    assert f"test_x.py:1: runs {apt}: tests install nothing" in r.stderr, r.stderr
    assert f"test_x.py:2: uses {tool}" in r.stderr, r.stderr


def test_path_dir_holds_only_the_listed_programs(workdir):
    d = Path(workdir) / "path"
    assert check_deps("--path-dir", d).returncode == 0
    names = set(os.listdir(d))
    assert {"ip", "dpdk-testpmd", "ovs-vswitchd", "qemu-system-x86_64"} <= names
    assert "ap" "t-get" not in names and "python3" not in names
    assert (d / "ip").resolve().exists()


def test_a_missing_program_names_its_package_and_the_install_script(monkeypatch, workdir):
    monkeypatch.setenv("PATH", str(workdir))
    with pytest.raises(programs.MissingProgram) as e:
        programs.require("dpdk-testpmd")
    assert str(e.value) == ("dpdk-testpmd not found: it comes from the Debian package "
                            "dpdk-dev; run scripts/install-deps.sh (as root)")


def test_an_unlisted_program_is_refused():
    with pytest.raises(programs.MissingProgram, match="not listed in .*programs.txt"):
        programs.require("some-unlisted-tool")


def test_bench_commit_is_unknown_without_git_or_checkout(monkeypatch, workdir):
    assert benchlib.git_describe(workdir) == "unknown"      # not a checkout
    monkeypatch.setenv("PATH", str(workdir))                     # no git at all
    assert benchlib.git_describe() == "unknown"
