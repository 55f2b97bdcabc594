"""The datapath's worker threads and queues: RSS keeps a flow on one rx
queue, queues move on rebalance without breaking the switch, 4-queue system
and tap ports carry traffic on several queues, large TCP segments cross the
switch whole and arrive intact, and pmd-cpu-mask / pmd-rxq-affinity decide
which thread polls what."""

import json
import os
import time

import pytest

import pontoon_harness as ph


@pytest.fixture(autouse=True)
def userspace_datapath(pontoon):
    """These are the userspace datapath's tests (its workers, queues, rings):
    their bridges are datapath_type=netdev (an empty one is the kernel's)."""
    pontoon.datapath_type = "netdev"


def rxq_show(pontoon):
    return json.loads(pontoon("--format=json", "dpif-netdev/pmd-rxq-show"))


def queue_packets(pontoon, port):
    """{queue id: packets received} for one port, from pmd-rxq-show."""
    counts = {}
    for pmd in rxq_show(pontoon):
        for q in pmd["queues"]:
            if q["port"] == port:
                counts[q["queue-id"]] = q["packets"]
    return counts


def port_stats(pontoon, name):
    for bridge in json.loads(pontoon("--format=json", "dpif/show")):
        for port in bridge["ports"]:
            if port["name"] == name:
                return port
    raise AssertionError(f"{name} not in dpif/show")


def udp_flow(host, dst_ip, count, sport=40000, dport=5000):
    """Sends `count` datagrams of one flow (fixed addresses and ports)."""
    host.exec(ph.PYTHON, "-c",
              "import socket, sys\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              f"s.bind(('', {sport}))\n"
              f"for _ in range({count}): s.sendto(b'x' * 64, ('{dst_ip}', {dport}))\n")


def two_hosts(pontoon, net, a_options=()):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    b = net.add_host("b", "198.18.0.2")
    pontoon.add_br(br)
    pontoon("add-port", br, a.port, *(("--", "set", "Interface", a.port) + tuple(a_options)
                                      if a_options else ()))
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    return br, a, b


def test_one_flow_is_counted_on_one_rx_queue(pontoon, daemon, net):
    _, a, b = two_hosts(pontoon, net, ("options:n_rxq=4",))
    before = queue_packets(pontoon, a.port)
    assert sorted(before) == [0, 1, 2, 3], before
    udp_flow(a, b.ip, 300)
    deltas = {}
    def settled():
        after = queue_packets(pontoon, a.port)
        deltas.update({q: after[q] - before[q] for q in after})
        return sum(deltas.values()) >= 300
    ph.wait_until(settled, timeout=5, what="300 datagrams counted on the rx queues")
    busiest = max(deltas, key=deltas.get)
    assert deltas[busiest] >= 300, deltas
    # Nothing else of that flow elsewhere (a stray ARP or two may land anywhere).
    assert all(n <= 3 for q, n in deltas.items() if q != busiest), deltas


def test_rebalance_moves_queues_and_the_switch_keeps_working(pontoon, daemon, net):
    _, a, b = two_hosts(pontoon, net, ("options:n_rxq=4",))
    b.exec("iperf3", "-s", "-1", "-D")
    time.sleep(0.2)
    a.exec("iperf3", "-c", b.ip, "-t", "1", "-P", "4", timeout=20)
    out = pontoon("dpif-netdev/pmd-rxq-rebalance")
    assert "rebalance" in out
    # Every queue of every port is polled by exactly one worker.
    seen = [(q["port"], q["queue-id"]) for pmd in rxq_show(pontoon) for q in pmd["queues"]]
    assert len(seen) == len(set(seen))
    assert sorted(q for p, q in seen if p == a.port) == [0, 1, 2, 3]
    assert (b.port, 0) in seen
    a.ping_until(b)
    assert b.ping(a)


def test_four_queue_system_port_and_four_queue_tap(pontoon, daemon, net):
    br = net.name("br0")
    a = net.add_host("a", "198.18.0.1")
    tap = net.name("tap0")
    ns = net.add_ns("tn")
    pontoon.add_br(br)
    pontoon("add-port", br, a.port, "--", "set", "Interface", a.port, "options:n_rxq=4")
    pontoon("add-port", br, tap, "--", "set", "Interface", tap, "type=tap",
            "options:n_rxq=4")
    ph.wait_until(lambda: ph.link_exists(tap), timeout=5, what=f"tap {tap}")
    ph.sh("ip", "link", "set", tap, "netns", ns)
    mac = net.next_mac()
    ph.sh("ip", "-n", ns, "link", "set", tap, "address", mac)
    ph.sh("ip", "-n", ns, "addr", "add", "198.18.0.2/24", "dev", tap)
    ph.sh("ip", "-n", ns, "link", "set", tap, "up")
    t = ph.Host(net, ns, tap, "198.18.0.2", mac, ifname=tap)
    a.ping_until(t)
    assert sorted(queue_packets(pontoon, tap)) == [0, 1, 2, 3]

    before_a, before_t = queue_packets(pontoon, a.port), queue_packets(pontoon, tap)
    t.exec("iperf3", "-s", "-1", "-D")
    time.sleep(0.2)
    r = a.exec("iperf3", "-c", t.ip, "-t", "2", "-P", "8", "--bidir", "-J", timeout=30)
    result = json.loads(r.stdout)
    assert result["end"]["sum_received"]["bytes"] > 1_000_000, result["end"]
    used_a = [q for q, n in queue_packets(pontoon, a.port).items() if n - before_a[q] > 10]
    used_t = [q for q, n in queue_packets(pontoon, tap).items() if n - before_t[q] > 10]
    # 16 TCP flows spread by hash: several queues of each port carry them.
    assert len(used_a) >= 2, used_a
    assert len(used_t) >= 2, used_t


def test_large_tcp_segments_cross_whole_and_arrive_intact(pontoon, daemon, net):
    _, a, b = two_hosts(pontoon, net)
    size = 24 * 1024 * 1024
    # b receives and checks a SHA-256 of what arrived against what a sent:
    # a checksum offload done wrong anywhere would corrupt or stall it.
    receiver = (
        "import hashlib, socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('198.18.0.2', 5001)); s.listen(1); s.settimeout(20)\n"
        "c, _ = s.accept(); h = hashlib.sha256(); n = 0\n"
        "while True:\n"
        "    d = c.recv(1 << 20)\n"
        "    if not d: break\n"
        "    h.update(d); n += len(d)\n"
        "print(n, h.hexdigest())\n")
    sender = (
        "import hashlib, os, socket, time\n"
        f"data = os.urandom({size})\n"
        "for _ in range(50):\n"
        "    try:\n"
        "        s = socket.create_connection(('198.18.0.2', 5001)); break\n"
        "    except OSError: time.sleep(0.1)\n"
        "s.sendall(data); s.close()\n"
        "print(len(data), hashlib.sha256(data).hexdigest())\n")
    before = port_stats(pontoon, a.port)["rx"]
    import subprocess
    rx = subprocess.Popen(["ip", "netns", "exec", b.ns, ph.PYTHON, "-c", receiver],
                          stdout=subprocess.PIPE, text=True)
    sent = a.exec(ph.PYTHON, "-c", sender, timeout=40).stdout.split()
    got = rx.communicate(timeout=40)[0].split()
    assert got == sent, (got, sent)
    after = port_stats(pontoon, a.port)["rx"]
    packets = after["packets"] - before["packets"]
    bytes_ = after["bytes"] - before["bytes"]
    # With TSO on the sender's veth, frames far larger than the MTU reached
    # the switch and were forwarded as they were, not cut to 1500 bytes.
    assert bytes_ >= size and packets > 0
    assert bytes_ / packets > 3000, (bytes_, packets)


def test_pmd_cpu_mask_and_rxq_affinity(pontoon, daemon, net):
    if os.cpu_count() < 2:
        raise AssertionError("this test needs two cores (CI machines have two)")
    _, a, b = two_hosts(pontoon, net, ("options:n_rxq=2",))
    pontoon("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=0x1")
    stats = json.loads(pontoon("--format=json", "dpif-netdev/pmd-stats-show"))
    assert [p["core_id"] for p in stats] == [0]
    a.ping_until(b)

    pontoon("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=0x3")
    pontoon("set", "Interface", a.port, "other_config:pmd-rxq-affinity=1:1")
    pmds = {p["core_id"]: p for p in rxq_show(pontoon)}
    assert sorted(pmds) == [0, 1]
    assert pmds[1]["isolated"] is True
    assert [(q["port"], q["queue-id"]) for q in pmds[1]["queues"]] == [(a.port, 1)]
    assert pmds[0]["isolated"] is False
    assert (a.port, 0) in [(q["port"], q["queue-id"]) for q in pmds[0]["queues"]]
    a.ping_until(b)
    assert b.ping(a)


def pmd_threads(pid):
    """{thread name: (voluntary switches, CPU ticks)} of pontoond's workers."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            name = f.read().strip()
        if not name.startswith("pmd-c"):
            continue
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            vol = int(next(l for l in f if l.startswith("voluntary_ctxt_switches")).split()[1])
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out[name] = (vol, int(fields[11]) + int(fields[12]))   # utime + stime
    return out


def sleeps_during_pings(pontoon, daemon, a, b, count=40):
    """Voluntary context switches (sleeps in epoll) of the worker that polls
    a's port while a pings b `count` times, 20 ms apart."""
    worker = next(p for p in rxq_show(pontoon)
                  if a.port in [q["port"] for q in p["queues"]])
    name = f"pmd-c{worker['core_id']:02d}"
    def sleeps():
        return next(v for n, (v, _) in pmd_threads(daemon.pid).items() if n.startswith(name))
    before = sleeps()
    a.exec("ping", "-q", "-c", str(count), "-i", "0.02", b.ip)
    return sleeps() - before


def test_workers_poll_after_traffic_then_sleep(pontoon, daemon, net):
    _, a, b = two_hosts(pontoon, net)
    pontoon("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=0x1",
            "other_config:pmd-poll-after-traffic-us=0")
    a.ping_until(b)
    # Sleeping at once: every ping wakes the worker.
    sleeping = sleeps_during_pings(pontoon, daemon, a, b)
    assert sleeping >= 40

    # Polling 1 s after traffic: pings 20 ms apart mostly find it awake.  (It
    # still sleeps when another thread holds its core: it yields to them;
    # poll_policy's unit tests pin that rule down exactly.)
    pontoon("set", "Open_vSwitch", ".", "other_config:pmd-poll-after-traffic-us=1000000")
    a.ping_until(b)
    polling = sleeps_during_pings(pontoon, daemon, a, b)
    assert polling < sleeping, (polling, sleeping)

    # ...and once traffic stops and the window ends, it sleeps: no CPU use.
    time.sleep(1.5)
    ticks = {n: t for n, (_, t) in pmd_threads(daemon.pid).items()}
    time.sleep(1.0)
    after = {n: t for n, (_, t) in pmd_threads(daemon.pid).items()}
    hz = os.sysconf("SC_CLK_TCK")
    assert all(after[n] - ticks[n] <= hz // 20 for n in after), (ticks, after)


def test_a_lone_frame_does_not_start_polling(pontoon, daemon, net):
    """A frame nothing answers (here a broadcast every 0.8 s, as an idle
    host's router solicitations are) wakes the worker for a moment only,
    even with a 0.5 s polling window: a window of polling per stray frame
    was most of an idle switch's CPU."""
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    _, a, b = two_hosts(pontoon, net)
    pontoon("set", "Open_vSwitch", ".", "other_config:pmd-cpu-mask=0x1",
            "other_config:pmd-poll-after-traffic-us=500000")
    a.ping_until(b)
    time.sleep(1.0)                   # the ping's window over
    stray = Ether(src=a.mac, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / Raw(b"stray" * 10)
    before = pmd_threads(daemon.pid)
    for _ in range(5):
        a.send(stray)
        time.sleep(0.8)
    after = pmd_threads(daemon.pid)
    hz = os.sysconf("SC_CLK_TCK")
    # Polling a window per frame: ~0.5 s of CPU per frame sent.
    assert all(after[n][1] - before[n][1] <= hz // 5 for n in after), (before, after)


def test_busy_port_reads_through_a_ring_keeping_tags_and_large_frames(pontoon, daemon, net):
    """A port that once queues a full batch switches to a receive ring; what
    crosses it afterwards is unchanged: 802.1Q tags (from the ring's header),
    frames larger than a ring slot (read whole from the socket), pings."""
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.packet import Raw
    br, a, b = two_hosts(pontoon, net)
    assert port_stats(pontoon, a.port)["rx_rings"] == 0

    # A 64-byte flood from a to a MAC learned behind b: a backlog on a's port.
    sink = "02:00:5e:c6:12:98"
    b.exec(str(ph.BUILD / "pktgen"), "-i", "eth0", "-S", sink, "-d", a.mac,
           "-t", "0.05", "-r", "100")
    ph.wait_until(lambda: sink in pontoon("fdb/show", br), what="the sink MAC learned")
    for _ in range(5):
        a.exec(str(ph.BUILD / "pktgen"), "-i", "eth0", "-d", sink, "-t", "0.5")
        if port_stats(pontoon, a.port)["rx_rings"] == 1:
            break
    assert port_stats(pontoon, a.port)["rx_rings"] == 1
    assert "rx_rings=1" in pontoon("dpif/show")
    a.ping_until(b)

    # Tags: a becomes a trunk of VLAN 10 only, b an access port of VLAN 10;
    # a frame reaches b only if its tag survived the ring.
    pontoon("set", "Port", a.port, "trunks=10")
    pontoon("set", "Port", b.port, "tag=10")
    marker = ph.new_marker("ring-vlan")
    with ph.Capture(b.ns, "eth0") as cap:
        a.send(Ether(dst=b.mac, src=a.mac) / Dot1Q(vlan=10, type=0x88b5) / Raw(marker))
    got = ph.marker_frames(cap.stop(), marker)
    assert len(got) == 1 and Dot1Q not in got[0], got

    # Larger than a 2048-byte slot: jumbo MTU on both links.
    pontoon("remove", "Port", a.port, "trunks", "10")
    pontoon("clear", "Port", b.port, "tag")
    for ns, dev in ((a.ns, "eth0"), (b.ns, "eth0"), (None, a.port), (None, b.port)):
        ph.sh(*(["ip", "-n", ns] if ns else ["ip"]), "link", "set", dev, "mtu", "9000")
    marker = ph.new_marker("ring-jumbo")
    big = Ether(dst=b.mac, src=a.mac, type=0x88b5) / Raw(marker + bytes(5000))
    with ph.Capture(b.ns, "eth0") as cap:
        a.send(big)
    got = ph.marker_frames(cap.stop(), marker)
    assert len(got) == 1 and len(bytes(got[0])) == len(bytes(big)), got
