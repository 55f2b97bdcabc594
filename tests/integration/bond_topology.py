"""Helpers for the bond and LACP tests: Pontoon switches that each run in
their own network namespace, joined by several veth links, with namespaced
hosts behind them; traffic generators and counters for failover figures.

    [ha1..haN] -- sa: pontoond, bond of a1..ak  <-veth a_i:b_i->  sb: pontoond -- [hb1..hbN]

Every name starts with the test's prefix; addresses come from 198.18.0.0/15.
Switch daemons are started in the foreground (`ip netns exec` execs, so the
child's PID is pontoond's) and stopped by that PID.
"""

import json
import os
import re
import signal
import subprocess
import time

import pontoon_harness as ph

SUBNET = "198.18.20"        # hosts of the two-switch topologies: 198.18.20.0/24


def ns_sh(ns, *cmd, check=True, timeout=20):
    return ph.sh("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout)


def link_stats(ns, ifname):
    """(rx_packets, tx_packets) of an interface in a namespace."""
    r = ph.sh("ip", "-n", ns, "-s", "-j", "link", "show", "dev", ifname)
    st = json.loads(r.stdout)[0]["stats64"]
    return st["rx"]["packets"], st["tx"]["packets"]


def link_oper(ns, ifname):
    info = ph.link_info(ifname, ns)
    return info and info.get("operstate")


# The datapath_type every Switch's add-br gets ("" leaves it unset): the
# bond tests run on both datapaths (test_bonds.py's autouse fixture).
DATAPATH_TYPE = ""


# ---------------------------------------------------------------- a switch in a namespace
class Switch:
    """One Pontoon switch: its namespace, database, run dir, daemon, CLI."""

    def __init__(self, net, workdir, tag, ns=None):
        self.net, self.tag = net, tag
        self.ns = ns or net.add_ns(tag)
        d = workdir / tag
        d.mkdir(parents=True, exist_ok=True)
        self.cli = ph.Pontoon(d / "conf.db", d / "run")
        self.daemon = ph.Daemon(self.cli.db, self.cli.run_dir, d / "pontoond.log",
                                log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"),
                                ns=self.ns)

    def __call__(self, *args, **kw):
        if args and args[0] == "add-br" and DATAPATH_TYPE:
            args = (*args, "--", "set", "bridge", args[1], f"datapath_type={DATAPATH_TYPE}")
        return self.cli(*args, **kw)

    def start(self):
        self.daemon.start()
        return self

    def stop_and_check(self):
        """Stops the daemon (SIGTERM); returns a list of problems (empty when
        it exited 0 without sanitizer output)."""
        if self.daemon.proc is None:
            return []
        status = self.daemon.stop()
        log = self.daemon.log()
        problems = []
        if status is None:
            problems.append(f"{self.tag}: pontoond did not exit within 10s of SIGTERM")
        elif status != 0:
            problems.append(f"{self.tag}: pontoond exited {status} after SIGTERM")
        if "Sanitizer" in log or "runtime error:" in log:
            problems.append(f"{self.tag}: sanitizer output in the log")
        return problems

    def bond_json(self, bond="bond0"):
        out = json.loads(self("--format=json", "bond/show", bond))
        return out[0] if isinstance(out, list) else out

    def lacp_json(self, bond="bond0"):
        out = json.loads(self("--format=json", "lacp/show", bond))
        return out[0] if isinstance(out, list) else out

    def lacp_text(self, bond="bond0"):
        return self("lacp/show", bond)

    def members(self, bond="bond0"):
        return {m["name"]: m for m in self.bond_json(bond)["members"]}

    def active_member(self, bond="bond0"):
        act = [n for n, m in self.members(bond).items() if m["active"]]
        return act[0] if act else None

    def negotiated(self, bond="bond0"):
        return self.lacp_json(bond)["negotiated"]

    def wait_bond(self, bond="bond0", lacp=True, enabled=None, timeout=10.0):
        """Waits until LACP is negotiated (when `lacp`) and the members in
        `enabled` (default: all) are enabled; returns bond/show JSON."""
        def ok():
            b = self.bond_json(bond)
            if lacp and b["lacp_status"] != "negotiated":
                return None
            want = enabled if enabled is not None else [m["name"] for m in b["members"]]
            en = {m["name"]: m["enabled"] for m in b["members"]}
            return b if all(en.get(n) for n in want) else None
        return ph.wait_until(ok, timeout=timeout, interval=0.1,
                             what=f"{self.tag}: {bond} negotiated/enabled {enabled or 'all'}")


# ---------------------------------------------------------------- the two-switch topology
class BondPair:
    """Two Pontoon switches sa and sb joined by `n_links` veth pairs
    <p>a1 <-> <p>b1, ...; `n_hosts` hosts behind each (namespaces <p>ha1n.., <p>hb1n..)."""

    def __init__(self, net, new_switch, n_links=2, n_hosts=1, distinct_ifindex=True):
        """new_switch(tag) makes and starts a Switch (the test fixture's
        factory, which also stops it)."""
        self.net = net
        p = net.prefix
        self.sa = new_switch("sa")
        self.sb = new_switch("sb")
        self.a_links = [f"{p}a{i + 1}" for i in range(n_links)]
        self.b_links = [f"{p}b{i + 1}" for i in range(n_links)]
        for i, (a, b) in enumerate(zip(self.a_links, self.b_links)):
            add_link(a, self.sa.ns, b, self.sb.ns, i, distinct_ifindex)
        self.hosts_a = [self.add_host(self.sa, f"ha{i + 1}", f"{SUBNET}.{10 + i}")
                        for i in range(n_hosts)]
        self.hosts_b = [self.add_host(self.sb, f"hb{i + 1}", f"{SUBNET}.{100 + i}")
                        for i in range(n_hosts)]

    @property
    def switches(self):
        return [self.sa, self.sb]

    def link_of(self, a_link):
        """The sb end of an sa link."""
        return self.b_links[self.a_links.index(a_link)]

    def add_host(self, sw, suffix, ip):
        return add_host(self.net, sw.ns, suffix, ip)

    def configure(self, mode, lacp="off", lacp_b=None, extra=(), primary=False):
        """The same bond on both switches (lacp_b: sb's lacp, default = lacp);
        every host port on br0.  `extra`: more `set port bond0 ...` columns.
        primary: bond-primary = the first link on each side (two active-backup
        bonds without LACP must agree on the active link: each drops what
        arrives on its backup member, as OVS and Linux bonding do)."""
        for sw, links, hosts, lc in ((self.sa, self.a_links, self.hosts_a, lacp),
                                     (self.sb, self.b_links, self.hosts_b, lacp_b or lacp)):
            args = ["add-br", "br0", "--", "add-bond", "br0", "bond0", *links,
                    f"bond_mode={mode}"]
            if lc != "off":
                args.append(f"lacp={lc}")
            for h in hosts:
                args += ["--", "add-port", "br0", h.port]
            args += ["--", "set", "port", "bond0", "other_config:lacp-time=fast", *extra]
            if primary:
                args.append(f"other_config:bond-primary={links[0]}")
            sw(*args)


def add_link(a, ns_a, b, ns_b, i=0, distinct_ifindex=True):
    """A veth pair a (in ns_a) <-> b (in ns_b), both up.

    distinct_ifindex: a gets ifindex 100+i, b 200+i.  Left to the kernel,
    both ends get the same number in two fresh namespaces, and then the
    kernel's linkwatch treats the peer's carrier change as non-urgent (a
    veth is "urgent" only while its iflink differs from its ifindex) and
    delays the RTM_NEWLINK by up to a second, as for a physical NIC."""
    idx_a = ["index", str(100 + i)] if distinct_ifindex else []
    idx_b = ["index", str(200 + i)] if distinct_ifindex else []
    ph.sh("ip", "link", "add", a, *idx_a, "netns", ns_a, "type", "veth",
          "peer", "name", b, *idx_b, "netns", ns_b)
    ph.sh("ip", "-n", ns_a, "link", "set", a, "up")
    ph.sh("ip", "-n", ns_b, "link", "set", b, "up")


def add_host(net, sw_ns, suffix, ip, plen=24):
    """Namespace <p><suffix>n with eth0 (ip/plen); its veth peer <p>p<suffix>
    in the namespace sw_ns (a switch's), up."""
    ns = net.add_ns(suffix + "n")
    port = net.name("p" + suffix)
    mac = net.next_mac()
    ph.sh("ip", "link", "add", port, "netns", sw_ns, "type", "veth",
          "peer", "name", "eth0", "netns", ns)
    ph.sh("ip", "-n", sw_ns, "link", "set", port, "up")
    h = ph.Host(net, ns, port, ip, mac)
    ph.sh("ip", "-n", ns, "link", "set", "eth0", "address", mac)
    ph.sh("ip", "-n", ns, "addr", "add", f"{ip}/{plen}", "dev", "eth0")
    ph.sh("ip", "-n", ns, "link", "set", "eth0", "up")
    return h


# ---------------------------------------------------------------- traffic
class Pinger:
    """`ping -i INTERVAL` in a namespace for a while; .result() gives
    transmitted, received, and the milliseconds lost (lost x measured interval)."""

    def __init__(self, host, target, count=600, interval=0.01):
        self.count, self.interval = count, interval
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", host.ns, "ping", "-n", "-q", "-i", str(interval),
             "-c", str(count), "-W", "1", target],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.t0 = time.monotonic()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)    # ping prints its summary on SIGINT

    def result(self, timeout=30):
        out, _ = self.proc.communicate(timeout=timeout)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
        assert m, f"no ping summary: {out}"
        tx, rx = int(m.group(1)), int(m.group(2))
        t = re.search(r"time (\d+)ms", out)
        span = int(t.group(1)) if t else int(tx * self.interval * 1000)
        per = span / max(tx - 1, 1)                 # the real interval, ms
        return {"transmitted": tx, "received": rx, "lost": tx - rx,
                "interval_ms": round(per, 2), "lost_ms": round((tx - rx) * per),
                "output": out}


def udp_flows(host, dst_ip, flows, count=200, size=200, dport=5000):
    """Sends `count` datagrams on each of `flows` UDP flows (source ports
    40000.. ) from host to dst_ip:dport."""
    host.exec(ph.PYTHON, "-c",
              "import socket\n"
              f"socks = []\n"
              f"for i in range({flows}):\n"
              "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "    s.bind(('', 40000 + i)); socks.append(s)\n"
              f"for _ in range({count}):\n"
              "    for s in socks:\n"
              f"        s.sendto(b'x' * {size}, ('{dst_ip}', {dport}))\n",
              timeout=30)


def tx_deltas(ns, links, before):
    return {l: link_stats(ns, l)[1] - before[l] for l in links}


def tx_snapshot(ns, links):
    return {l: link_stats(ns, l)[1] for l in links}


# ---------------------------------------------------------------- lacp/show text
def parse_lacp_show(text):
    """`lacp/show` (OVS layout) → {bond: {"status", "sys_id", "members":
    {name: {"actor sys_id", "partner sys_id", "state line", ...}}}}."""
    bonds, bond, member = {}, None, None
    for line in text.splitlines():
        m = re.match(r"^---- (\S+) ----$", line)
        if m:
            bond = bonds.setdefault(m.group(1), {"members": {}})
            member = None
            continue
        m = re.match(r"^member: (\S+): (.*)$", line)
        if m and bond is not None:
            member = bond["members"].setdefault(m.group(1), {"flags": m.group(2).split()})
            continue
        m = re.match(r"^\s+([^:]+): (.*)$", line)
        if m and bond is not None:
            (member if member is not None else bond)[m.group(1).strip()] = m.group(2).strip()
    return bonds


def bond_show_shape(text):
    """bond/show text → per bond the list of header keys (text before ': ')
    and per member block its lines with values dropped — the layout only."""
    shapes, cur, mem = {}, None, None
    for line in text.splitlines():
        m = re.match(r"^---- (\S+) ----$", line)
        if m:
            cur = shapes.setdefault(m.group(1), {"header": [], "members": []})
            mem = None
            continue
        if cur is None or not line.strip():
            continue
        m = re.match(r"^member (\S+): (\S+)$", line)
        if m:
            mem = [f"member: {m.group(2)}"]
            cur["members"].append(mem)
            continue
        if mem is not None:
            s = line.strip()
            if re.match(r"^hash \d+: \d+ kB load$", s):
                mem.append("hash N: N kB load")
            else:
                mem.append(s.split(":")[0] if ":" in s else s)
            continue
        cur["header"].append(line.split(":")[0])
    return shapes
