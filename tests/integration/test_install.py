"""Pontoon installed as a host service (`make install`): the programs, the
man pages pontoon(8) and pontoond(8) and the bash completion — generated
from the command tables, so they cannot disagree with --help — and the
systemd unit (Type=notify: pontoond tells systemd when it is ready).

The installs go to a directory of the test's own (DESTDIR or PREFIX);
nothing on the machine changes."""

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

import pontoon_harness as ph

REPO = ph.REPO


def build_args():
    """make's variables for the build directory the tests run against."""
    build = Path(os.environ.get("PONTOON_BUILD", REPO / "build")).resolve()
    return [f"BUILD={build}", "SAN=1" if "asan" in build.name else "SAN=0"]


@pytest.fixture
def installed(workdir):
    """`make install` with PREFIX under the test's directory (so that the
    unit's ExecStart names a pontoond that exists)."""
    prefix = workdir / "usr"
    unitdir = workdir / "lib" / "systemd" / "system"
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install", f"PREFIX={prefix}",
                        f"UNITDIR={unitdir}", *build_args()],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return prefix, unitdir


def test_make_install_puts_everything_in_place(installed):
    prefix, unitdir = installed
    for path in ("bin/pontoon", "sbin/pontoond", "lib/pontoon/bpf/switch.bpf.o",
                 "share/man/man8/pontoon.8",
                 "share/man/man8/pontoond.8", "share/bash-completion/completions/pontoon"):
        assert (prefix / path).is_file(), path
    unit = (unitdir / "pontoond.service").read_text()
    assert f"ExecStart={prefix}/sbin/pontoond " in unit
    assert "Type=notify" in unit
    # systemd's own check of the unit (its Documentation= pages included).
    r = subprocess.run(["systemd-analyze", "verify", str(unitdir / "pontoond.service")],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "MANPATH": str(prefix / "share" / "man")})
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


@pytest.mark.parametrize("page", ["pontoon", "pontoond"])
def test_man_pages_render_without_warnings(installed, page):
    prefix, _ = installed
    path = prefix / "share" / "man" / "man8" / f"{page}.8"
    r = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-z", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["man", "-l", str(path)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "MANPAGER": "cat", "MANWIDTH": "80"})
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = r.stdout
    assert text.startswith(f"{page.upper()}(8)"), text[:200]
    # Every line of --help is in the page (the page is made from it).
    binary = prefix / ("bin" if page == "pontoon" else "sbin") / page
    help_text = subprocess.run([str(binary), "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    plain = re.sub(r"\s+", " ", text)
    for line in help_text.splitlines()[1:]:
        words = line.strip().rstrip(":")
        if words:
            assert re.sub(r"\s+", " ", words) in plain, f"{page}(8) lacks: {line!r}"


def test_man_page_lists_every_command_and_table(installed):
    prefix, _ = installed
    text = subprocess.run(["man", "-l", str(prefix / "share/man/man8/pontoon.8")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MANPAGER": "cat", "MANWIDTH": "200"}).stdout
    pontoon = prefix / "bin" / "pontoon"
    script = subprocess.run([str(pontoon), "--bash-completion"], capture_output=True,
                            text=True, timeout=30).stdout
    commands = re.search(r"^_pontoon_commands='([^']*)'", script, re.M).group(1).split()
    assert {"add-br", "add-port", "set", "set-manager", "fdb/show", "nic/show"} <= set(commands)
    for command in commands:
        assert re.search(rf"(^|\s|\]){re.escape(command)}(\s|$)", text, re.M), command
    tables = re.search(r"^_pontoon_tables='([^']*)'", script, re.M).group(1).split()
    section = text[text.index("TABLES AND COLUMNS"):]
    for table in tables:
        assert re.search(rf"^   {table}$", section, re.M), table
    assert re.search(r"^\s+trunks\s+set of integer$", section, re.M)


# ---------------------------------------------------------------- completion
def complete(installed, pontoon, *words):
    """What bash completes for the command line `words` (the last one being
    the word under the cursor), with the installed completion script."""
    prefix, _ = installed
    script = prefix / "share" / "bash-completion" / "completions" / "pontoon"
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{script}'\n"
        f"pontoon() {{ '{prefix}/bin/pontoon' \"$@\"; }}\n"
        f"complete -p pontoon\n"
        f"COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _pontoon\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                       text=True, timeout=60, env=pontoon.env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "complete -F _pontoon pontoon", lines
    return sorted(set(lines[1:]))


def test_bash_completion(installed, pontoon, prefix):
    br, port = prefix + "br", prefix + "p1"
    pontoon("--no-wait", "add-br", br, "--", "add-port", br, port)
    assert complete(installed, pontoon, "pontoon", "add-p") == ["add-port"]
    assert complete(installed, pontoon, "pontoon", "--no-w") == ["--no-wait"]
    assert complete(installed, pontoon, "pontoon", "set", "Interface", "") == sorted([br, port])
    assert complete(installed, pontoon, "pontoon", "set", "int", prefix) == sorted([br, port])
    assert complete(installed, pontoon, "pontoon", "set", "Interface", port, "opt") == \
        ["options"]
    assert complete(installed, pontoon, "pontoon", "add-port", "") == [br]
    assert complete(installed, pontoon, "pontoon", "add-br", "x", "--", "del-port", "") == \
        sorted([br, port])
    assert "Bridge" in complete(installed, pontoon, "pontoon", "list", "")


# ---------------------------------------------------------------- Type=notify
def test_daemon_tells_systemd_it_is_ready(pontoon, workdir):
    """pontoond run as systemd runs a Type=notify service: READY=1 (with its
    MAINPID) arrives on $NOTIFY_SOCKET once its sockets answer, STOPPING=1
    when it stops."""
    path = str(workdir / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(20)
    d = ph.Daemon(pontoon.db, pontoon.run_dir, workdir / "pontoond.log")
    d.env = {"NOTIFY_SOCKET": path}
    try:
        d.start()
        message = sock.recv(4096).decode()
        assert "READY=1" in message.splitlines(), message
        assert f"MAINPID={d.pid}" in message.splitlines(), message
        assert os.path.exists(os.path.join(pontoon.run_dir, "db.sock"))
        assert pontoon("list-br") == ""
    finally:
        status = d.stop()
        sock.settimeout(5)
        try:
            stopping = sock.recv(4096).decode()
        except socket.timeout:
            stopping = ""
        sock.close()
    assert status == 0, d.log()
    assert stopping == "STOPPING=1"


def test_installed_daemon_finds_its_kernel_program(installed, net, workdir, prefix):
    """The installed pontoond loads the kernel fast path from
    PREFIX/lib/pontoon/bpf (not from the build tree): a system bridge in a
    namespace of the test's own."""
    usr, _ = installed
    ns = net.add_ns("I")
    cli = ph.Pontoon(workdir / "inst.db", workdir / "inst-run", binary=usr / "bin" / "pontoon")
    d = ph.Daemon(cli.db, cli.run_dir, workdir / "inst.log", binary=usr / "sbin" / "pontoond",
                  ns=ns)
    d.env = {"PONTOON_BPF_OBJECT": ""}
    d.start()
    try:
        br = prefix + "br"
        cli("add-br", br)
        ph.wait_until(lambda: "kernel fast path loaded" in d.log(), timeout=20,
                      what="the installed daemon to load its kernel program")
        assert str(usr / "sbin") not in d.log() or "no switch.bpf.o" not in d.log()
    finally:
        status = d.stop()
    assert status == 0, d.log()
