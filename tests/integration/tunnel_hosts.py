"""Hosts for tunnel tests: each "host" is a network namespace with its own
pontoond, joined to the others by an underlay of veth pairs; guests are
namespaces behind a host's bridge (test_tunnels.py, test_kernel_tunnels.py)."""

import os

import pontoon_harness as ph

UNDERLAY = "198.18.0"
GUESTS = "198.19"


def ns_exec(ns, *cmd, check=True, timeout=20):
    return ph.sh("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout)


class Hosts:
    """Host namespaces with their pontoonds, the underlay between them and
    guests behind them; daemons stop (by PID) before `net` removes the
    namespaces."""

    def __init__(self, net, workdir, datapath_type=""):
        self.net, self.workdir = net, workdir
        self.datapath_type = datapath_type   # what cli.add_br gives the bridges
        self.daemons = []
        self.n_links = 0

    def pontoon_host(self, tag):
        ns = self.net.add_ns(tag)
        cli = ph.NsPontoon(ns, self.workdir / f"{tag}.db", self.workdir / f"{tag}-run")
        cli.datapath_type = self.datapath_type
        d = ph.Daemon(cli.db, cli.run_dir, self.workdir / f"{tag}-pontoond.log", ns=ns,
                      log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"))
        d.start()
        self.daemons.append(d)
        return ns, cli

    def underlay(self, ns_a, ip_a, ns_b, ip_b, mtu=1500):
        """A point-to-point veth between two hosts, each end a /31-free /24:
        every link gets its own 198.18.0.x/32 pair of host routes."""
        self.n_links += 1
        a, b = self.net.name(f"u{self.n_links}a"), self.net.name(f"u{self.n_links}b")
        ph.sh("ip", "link", "add", "name", a, "type", "veth", "peer", "name", b)
        for dev, ns, ip, peer in ((a, ns_a, ip_a, ip_b), (b, ns_b, ip_b, ip_a)):
            ph.sh("ip", "link", "set", dev, "netns", ns)
            ph.sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu), "up")
            ph.sh("ip", "-n", ns, "addr", "add", f"{ip}/32", "dev", dev)
            ph.sh("ip", "-n", ns, "route", "add", f"{peer}/32", "dev", dev)
        return a, b

    def underlay6(self, ns_a, ip_a, ns_b, ip_b, mtu=1500):
        """The same over IPv6 (2001:2::/48): /128 addresses, host routes,
        no duplicate address detection to wait for."""
        self.n_links += 1
        a, b = self.net.name(f"u{self.n_links}a"), self.net.name(f"u{self.n_links}b")
        ph.sh("ip", "link", "add", "name", a, "type", "veth", "peer", "name", b)
        for dev, ns, ip, peer in ((a, ns_a, ip_a, ip_b), (b, ns_b, ip_b, ip_a)):
            ph.sh("ip", "link", "set", dev, "netns", ns)
            # Namespaces start with IPv6 off (Net.add_ns): on for this link only.
            ph.sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                  f"net.ipv6.conf.{dev}.disable_ipv6=0")
            ph.sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu), "up")
            ph.sh("ip", "-n", ns, "-6", "addr", "add", f"{ip}/128", "dev", dev, "nodad")
            ph.sh("ip", "-n", ns, "-6", "route", "add", f"{peer}/128", "dev", dev)
        return a, b

    def guest(self, host_ns, tag, ip, mac=None):
        """A guest namespace whose eth0 (ip/24) is veth-linked to `tag` in host_ns."""
        gns = self.net.add_ns(tag + "g")
        port = self.net.name(tag)
        ph.sh("ip", "link", "add", "name", port, "type", "veth", "peer", "name", "eth0",
              "netns", gns)
        ph.sh("ip", "link", "set", port, "netns", host_ns)
        ph.sh("ip", "-n", host_ns, "link", "set", port, "up")
        mac = mac or self.net.next_mac()
        ph.sh("ip", "-n", gns, "link", "set", "eth0", "address", mac)
        ph.sh("ip", "-n", gns, "addr", "add", f"{ip}/24", "dev", "eth0")
        ph.sh("ip", "-n", gns, "link", "set", "eth0", "up")
        return ph.Host(self.net, gns, port, ip, mac)

    def stop(self, request):
        statuses = []
        for d in self.daemons:
            statuses.append((d, d.stop()))
        rep = getattr(request.node, "rep_call", None)
        for d, status in statuses:
            log = d.log()
            if rep is None or rep.failed:
                print(f"\n---- pontoond in {d.ns} ----\n{log}")
            assert "Sanitizer" not in log and "runtime error:" not in log, log
            assert status == 0, log


def add_tunnel(cli, bridge, name, kind, remote, key, *extra):
    cli("add-port", bridge, name, "--", "set", "Interface", name, f"type={kind}",
        f"options:remote_ip={remote}", f"options:key={key}", *extra)


def tunnel_port_of(cli, bridge, mac, timeout=5):
    """The port fdb/show has learned `mac` on."""
    found = {}

    def learned():
        for port, _vlan, m, _age in ph.parse_fdb(cli("fdb/show", bridge)):
            if m.lower() == mac.lower():
                found["port"] = port
                return True
        return False
    ph.wait_until(learned, timeout=timeout, what=f"{mac} learned on {bridge}")
    return found["port"]


def ofport(cli, name):
    return cli.get("Interface", name, "ofport")
