"""Topologies beyond one bridge of veth ports: two bridges joined by patch
ports or by a veth pair, the internal port giving the host an address, and a
tap port that pontoond creates and a namespace then owns."""

import time

import pytest

import pontoon_harness as ph

# Every test here runs on the userspace datapath and the kernel fast path.
pytestmark = pytest.mark.usefixtures("both_datapaths")


def root_subnet(prefix):
    """A /24 of 198.18.0.0/15 for addresses in the host namespace, chosen
    from the prefix so that concurrent runs rarely share one."""
    return f"198.18.{100 + int(prefix[2:], 16) % 150}"


# ---------------------------------------------------------------- 6
def test_bridges_joined_by_patch_ports(pontoon, daemon, net):
    """The seed's patch recipe, line by line, bridge names prefixed."""
    br0, br1 = net.name("br0"), net.name("br1")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon.add_br(br0)
    pontoon.add_br(br1)
    pontoon("add-port", br0, "patch-to-br0")
    pontoon("set", "Interface", "patch-to-br0", "type=patch")
    pontoon("set", "Interface", "patch-to-br0", "options:peer=patch-to-br1")
    pontoon("add-port", br1, "patch-to-br1")
    pontoon("set", "Interface", "patch-to-br1", "type=patch")
    pontoon("set", "Interface", "patch-to-br1", "options:peer=patch-to-br0")
    pontoon("add-port", br0, a.port)
    pontoon("add-port", br1, b.port)
    a.ping_until(b)
    assert b.ping(a)

    # no device is created for a patch port; show has no error for it
    assert not ph.link_exists("patch-to-br0") and not ph.link_exists("patch-to-br1")
    blocks = ph.show_blocks(pontoon("show"))
    for name in ("patch-to-br0", "patch-to-br1"):
        assert not [l for l in blocks[name] if l.startswith("error:")], blocks[name]

    # removing one side of the patch cuts the path
    pontoon("del-port", "patch-to-br1")
    a.flush_neigh()
    assert not a.ping(b)


def test_bridges_joined_by_veth_pair(pontoon, daemon, net):
    """The seed's veth recipe: `ip link add name X type veth peer name Y`,
    X on one bridge, Y on the other."""
    br0, br1 = net.name("br0"), net.name("br1")
    veth0, veth1 = net.name("veth0"), net.name("veth1")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon.add_br(br0)
    pontoon.add_br(br1)
    ph.sh("ip", "link", "add", "name", veth0, "type", "veth", "peer", "name", veth1)
    net.links += [veth0, veth1]
    for v in (veth0, veth1):
        ph.disable_ipv6(v)
        ph.sh("ip", "link", "set", v, "up")
    pontoon("add-port", br0, veth0)
    pontoon("add-port", br1, veth1)
    pontoon("add-port", br0, a.port)
    pontoon("add-port", br1, b.port)
    a.ping_until(b)
    assert b.ping(a)


# ---------------------------------------------------------------- 7
def test_host_pings_through_internal_port(pontoon, daemon, net):
    br = net.name("br0")
    sub = root_subnet(net.prefix)
    a = net.add_host("a", f"{sub}.2")
    pontoon.add_br(br)
    pontoon("add-port", br, a.port)

    info = ph.wait_until(lambda: ph.link_info(br), timeout=5, what=f"internal port {br}")
    assert "UP" not in info["flags"], f"internal port should be created down: {info['flags']}"
    ph.disable_ipv6(br)
    ph.sh("ip", "addr", "add", f"{sub}.1/24", "dev", br)
    ph.sh("ip", "link", "set", br, "up")

    a.ping_until(f"{sub}.1")
    r = ph.sh(*ph.PING, f"{a.ip}", check=False)
    assert r.returncode == 0, f"host could not ping {a.ip} through {br}:\n{r.stdout}{r.stderr}"


# ---------------------------------------------------------------- 13
def test_tap_port_moved_into_namespace(pontoon, daemon, net):
    br = net.name("br0")
    tap = net.name("tap0")
    b = net.add_host("b", "198.18.0.2")
    ns = net.add_ns("tn")
    pontoon.add_br(br)
    pontoon("add-port", br, b.port)
    pontoon("add-port", br, tap, "--", "set", "Interface", tap, "type=tap")

    info = ph.wait_until(lambda: ph.link_info(tap), timeout=5, what=f"tap {tap}")
    assert info.get("linkinfo", {}).get("info_kind") in (None, "tun"), info
    ph.sh("ip", "link", "set", tap, "netns", ns)
    time.sleep(0.3)         # the daemon sees the device leave its namespace
    assert ph.link_exists(tap, ns), (
        f"tap {tap} vanished from namespace {ns} after `ip link set {tap} netns {ns}`"
        f" (back in the host namespace: {ph.link_exists(tap)}); pontoond log tail:\n"
        + "\n".join(daemon.log().splitlines()[-6:]))
    mac = net.next_mac()
    ph.sh("ip", "-n", ns, "link", "set", tap, "address", mac)
    ph.sh("ip", "-n", ns, "addr", "add", "198.18.0.1/24", "dev", tap)
    ph.sh("ip", "-n", ns, "link", "set", tap, "up")

    tap_host = ph.Host(net, ns, tap, "198.18.0.1", mac, ifname=tap)
    tap_host.ping_until(b)
    assert b.ping(tap_host)


def test_created_tap_survives_a_daemon_crash_and_is_attached_again(pontoon, daemon, net):
    """type=tap: the tap pontoond creates is persistent while it runs, so a
    crash (SIGKILL) leaves the device and its addresses in place and the
    restarted daemon attaches the same device; a clean stop removes it."""
    import signal
    br = net.name("br0")
    tap = net.name("tap0")
    sub = root_subnet(net.prefix)
    a = net.add_host("a", f"{sub}.2")
    pontoon.add_br(br)
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, tap, "--", "set", "Interface", tap, "type=tap")
    info = ph.wait_until(lambda: ph.link_info(tap), timeout=5, what=f"tap {tap}")
    ph.disable_ipv6(tap)
    ph.sh("ip", "addr", "add", f"{sub}.1/24", "dev", tap)
    ph.sh("ip", "link", "set", tap, "up")
    a.ping_until(f"{sub}.1")

    daemon.stop(sig=signal.SIGKILL)
    after = ph.link_info(tap)
    assert after and after["ifindex"] == info["ifindex"], "the tap went away with the daemon"
    assert not ph.link_exists(br), "the internal port is not persistent"
    daemon.start()
    a.flush_neigh()
    a.ping_until(f"{sub}.1", timeout=10)
    assert ph.link_info(tap)["ifindex"] == info["ifindex"]   # the same device, attached again

    pontoon("del-port", br, tap)
    ph.wait_until(lambda: not ph.link_exists(tap), timeout=5, what=f"{tap} removed on del-port")
