"""apt installs of what a benchmark needs, and stopping any Open vSwitch
daemon such an install started."""

import os
import signal
import subprocess
from pathlib import Path

from benchlib import log, pid_alive

OVS_DAEMONS = ("ovs-vswitchd", "ovsdb-server")


def apt_install(pkgs):
    """apt-get update + install; True if the install succeeded."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env)
    return subprocess.run(["apt-get", "install", "-y", "-q"] + pkgs, env=env).returncode == 0


def apt_install_ovs(pkgs):
    """apt_install for Open vSwitch packages: they may start their own
    daemons; those (and only those) are not ours to keep running."""
    before = set()
    for name in OVS_DAEMONS:
        p = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
        before |= {int(x) for x in p.stdout.split()}
    ok = apt_install(pkgs)
    if os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "disable", "--now", "openvswitch-switch"],
                       capture_output=True)
    for name in OVS_DAEMONS:
        try:
            pid = int(Path(f"/var/run/openvswitch/{name}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            continue
        if pid not in before and pid_alive(pid):
            log(f"stopping the package's {name} (pid {pid}) started by the install")
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    return ok
