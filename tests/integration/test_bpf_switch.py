"""The kernel switch alone: two namespaced hosts on veth pairs whose
switch-side ends carry the eBPF program at TC ingress, with no daemon and no
userspace datapath.  ARP would be passed up and lost (nothing listens), so
the hosts get static neighbours and the tool seeds the MAC table; then every
ping crosses the switch inside the kernel.  Detaching and unpinning leave no
filter and no pin behind.
"""

import re
import shutil
from pathlib import Path

import pytest

import pontoon_harness as ph

TOOL = ph.BUILD / "bpf_switch_tool"
PIN_ROOT = Path("/sys/fs/bpf/pontoon")
VLAN = 10


def tool(*args, check=True):
    return ph.sh(str(TOOL), *args, check=check)


def counters(pin_dir, port):
    out = tool("counters", str(pin_dir), port).stdout
    words = out.split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


def ingress_filters(port):
    return ph.kernel_hooks(port)


@pytest.fixture
def kernel_switch(net):
    """A pin dir unique to the test; whatever is left in it is removed even
    when the test fails (the namespaces and veths go with `net`)."""
    if not TOOL.exists():
        pytest.fail(f"{TOOL} not built (run make tests)")
    pin_dir = PIN_ROOT / (net.prefix + "br")
    ports = []
    yield pin_dir, ports
    if pin_dir.exists():
        tool("down", str(pin_dir), *ports, check=False)
    if pin_dir.exists():
        shutil.rmtree(pin_dir, ignore_errors=True)


def test_ping_through_kernel_switch(net, kernel_switch):
    pin_dir, ports = kernel_switch
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    ports += [a.port, b.port]
    a.exec("ip", "neigh", "replace", b.ip, "lladdr", b.mac, "dev", a.ifname, "nud", "permanent")
    b.exec("ip", "neigh", "replace", a.ip, "lladdr", a.mac, "dev", b.ifname, "nud", "permanent")
    assert not a.ping(b, count=1), "hosts reached each other with no switch"

    tool("up", str(pin_dir), str(VLAN), f"{a.port}={a.mac}", f"{b.port}={b.mac}")
    assert (pin_dir / "pontoon_switch").exists()
    for port in (a.port, b.port):
        assert "pontoon_switch" in ingress_filters(port)

    assert a.ping(b, count=3)
    assert b.ping(a, count=3)
    ca, cb = counters(pin_dir, a.port), counters(pin_dir, b.port)
    assert ca["forwarded"] >= 6 and cb["forwarded"] >= 6, (ca, cb)
    assert ca["dropped"] == 0 and cb["dropped"] == 0, (ca, cb)
    # Both MACs known in the VLAN, behind their ports.
    fdb = tool("fdb", str(pin_dir)).stdout
    for host in (a, b):
        index = int(Path(f"/sys/class/net/{host.port}/ifindex").read_text())
        assert re.search(rf"^1 {VLAN} {host.mac} {index}$", fdb, re.M), fdb

    tool("down", str(pin_dir), a.port, b.port)
    for port in (a.port, b.port):
        assert "pontoon_switch" not in ingress_filters(port)
    assert not pin_dir.exists()
    assert not a.ping(b, count=1), "traffic still crosses with the program detached"
