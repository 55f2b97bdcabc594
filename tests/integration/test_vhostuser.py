"""vhost-user ports with a real virtio driver: DPDK's testpmd as the guest
(virtio-user), a namespaced host on a veth port of the same bridge.

Covers: ARP and ICMP echo answered by the guest (icmpecho), counted bursts
both ways without loss, VLAN isolation between two guests, the guest
restarting (quit, and SIGKILL) with pontoond staying up, a guest that stops
reading (full ring: dropped and counted, tx-retries-max), client mode
(testpmd serves the socket) across a pontoond restart, a 2-queue guest whose
two queues both carry traffic both ways (flows to it spread over its rx
queues), and `vhost/show`.

Needs root, 2 MiB hugepages (raised before each guest starts; a session
fixture gives back what was added) and dpdk-testpmd (Debian's dpdk-dev;
scripts/install-deps.sh installs it).
"""

import json
import os
import time

import pytest

import pontoon_harness as ph
import dpdk_guest as dg

GUEST_IP = "198.18.0.9"
HOST_IP = "198.18.0.1"


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def hugepages():
    dg.ensure_testpmd()
    h = dg.HugePages()
    try:
        h.setup()
    except BaseException:
        h.cleanup()
        raise
    yield h
    h.cleanup()


@pytest.fixture
def guests(hugepages, workdir, prefix, daemon, request):
    """testpmd processes of this test, stopped (by PID) before the daemon."""
    g = dg.Guests(hugepages, workdir, f"pontoon-{prefix}", auto_start=True, mbufs=16384)
    yield g
    g.cleanup()
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        print(g.logs())


# ---------------------------------------------------------------- helpers
def vhost_show(pontoon, port):
    data = json.loads(pontoon("--format=json", "vhost/show", port))
    assert len(data) == 1 and data[0]["name"] == port, data
    return data[0]


def wait_vhost_state(pontoon, port, state, active_pairs=None, timeout=10.0):
    def check():
        s = vhost_show(pontoon, port)
        assert s["state"] != "not open", f"{port} is not open: {s}"
        if s["state"] != state:
            return None
        if active_pairs is not None and s["active_queue_pairs"] != active_pairs:
            return None
        return s
    return ph.wait_until(check, timeout=timeout, interval=0.1,
                         what=f"vhost/show {port}: {state}"
                              + (f", {active_pairs} active pairs" if active_pairs else ""))


def add_vhost_port(pontoon, br, name, *settings, tag=None):
    args = ["add-port", br, name] + ([f"tag={tag}"] if tag else [])
    args += ["--", "set", "Interface", name, "type=dpdkvhostuser", *settings]
    pontoon(*args)
    return os.path.join(pontoon.run_dir, name)


def add_host(pontoon, net, br, suffix, ip, tag=None):
    h = net.add_host(suffix, ip)
    pontoon("add-port", br, h.port, *([f"tag={tag}"] if tag else []))
    return h


def rx_packets(host):
    return int(host.exec("cat", f"/sys/class/net/{host.ifname}/statistics/rx_packets")
               .stdout.strip())


def port_stats(pontoon, name):
    for bridge in json.loads(pontoon("--format=json", "dpif/show")):
        for port in bridge["ports"]:
            if port["name"] == name:
                return {"rx": port["rx"], "tx": port["tx"]}
    raise AssertionError(f"{name} not in dpif/show")


def queue_packets(pontoon, port):
    counts = {}
    for pmd in json.loads(pontoon("--format=json", "dpif-netdev/pmd-rxq-show")):
        for q in pmd["queues"]:
            if q["port"] == port:
                counts[q["queue-id"]] = q["packets"]
    return counts


def send_paced_udp(host, dst_ip, count, rate_pps, dport=9):
    """`count` UDP datagrams from the host, no faster than rate_pps."""
    host.exec(ph.PYTHON, "-c",
              "import socket, time\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "t0 = time.perf_counter()\n"
              f"for i in range({count}):\n"
              f"    while time.perf_counter() < t0 + i / {rate_pps}:\n"
              "        pass\n"
              f"    s.sendto(b'p' * 64, ('{dst_ip}', {dport}))\n",
              timeout=60)


def send_udp_flows(host, dst_ip, flows, per_flow, rate_pps=5000, first_port=10000):
    """per_flow UDP datagrams to each of `flows` destination ports (one flow
    each), interleaved, no faster than rate_pps."""
    host.exec(ph.PYTHON, "-c",
              "import socket, time\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "t0 = time.perf_counter()\n"
              f"for i in range({flows * per_flow}):\n"
              f"    while time.perf_counter() < t0 + i / {rate_pps}:\n"
              "        pass\n"
              f"    s.sendto(b'f' * 64, ('{dst_ip}', {first_port} + i % {flows}))\n",
              timeout=60)


def send_bursts(guest, bursts):
    """The guest sends `bursts` bursts of 32 txonly frames (its --eth-peer,
    --tx-ip) on each of its tx queues, then goes back to rxonly.  Returns
    how many frames it actually transmitted."""
    guest.cmd("stop", until="Done.")
    before = guest.stats()["tx"]
    guest.cmd(f"start tx_first {bursts}", until="packet forwarding")
    time.sleep(0.5)
    return guest.stats()["tx"] - before


def settle(read, timeout=5.0, quiet=0.5):
    """Calls read() until its value stops changing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


def vhost_and_host(pontoon, net, *port_columns):
    """Bridge br0 with vhost-user port vh0 (port_columns as add_vhost_port
    takes them) and host "a" at HOST_IP: (vh0's name, its socket, the host)."""
    br = net.name("br0")
    pontoon("add-br", br)
    vh = net.name("vh0")
    sock = add_vhost_port(pontoon, br, vh, *port_columns)
    return vh, sock, add_host(pontoon, net, br, "a", HOST_IP)


# ---------------------------------------------------------------- tests
def test_guest_answers_arp_and_ping_through_the_switch(pontoon, daemon, net, guests):
    vh, sock, h = vhost_and_host(pontoon, net)
    guests.start(sock, forward_mode="icmpecho", mac=net.next_mac())
    wait_vhost_state(pontoon, vh, "connected", active_pairs=1)
    h.ping_until(GUEST_IP)
    r = h.exec("ping", "-n", "-q", "-c", "20", "-i", "0.05", "-W", "1", GUEST_IP,
               check=False, timeout=15)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    neigh = h.exec("ip", "neigh", "show", GUEST_IP).stdout
    assert guests.all[0].mac in neigh.lower(), neigh


def test_counted_bursts_both_ways_without_loss(pontoon, daemon, net, guests):
    vh, sock, h = vhost_and_host(pontoon, net)
    mac = net.next_mac()
    g = guests.start(sock, forward_mode="rxonly", mac=mac,
                     extra=[f"--eth-peer=0,{h.mac}", f"--tx-ip={GUEST_IP},{HOST_IP}",
                            "--txpkts=64"])
    wait_vhost_state(pontoon, vh, "connected", active_pairs=1)
    h.exec("ip", "neigh", "replace", GUEST_IP, "lladdr", mac, "dev", h.ifname,
           "nud", "permanent")

    # host -> guest: 2000 datagrams at 10k pps, all counted by testpmd.
    before, port_before = g.stats()["rx"], port_stats(pontoon, vh)
    send_paced_udp(h, GUEST_IP, 2000, 10000)
    got = settle(lambda: g.stats()["rx"]) - before
    assert 2000 <= got <= 2005, (f"testpmd counted {got} of 2000 datagrams; {vh} before "
                                 f"{port_before}, after {port_stats(pontoon, vh)}; "
                                 f"testpmd {g.stats()['raw']}")
    show = vhost_show(pontoon, vh)
    assert show["queues"][0]["packets"] >= 2000, show

    # guest -> host: 16 bursts of 32; every frame testpmd sent reaches the host.
    host_before = rx_packets(h)
    sent = send_bursts(g, 16)
    assert sent >= 256, f"testpmd sent only {sent} frames"
    arrived = settle(lambda: rx_packets(h)) - host_before
    assert sent <= arrived <= sent + 5, f"host received {arrived} of {sent} frames"
    assert vhost_show(pontoon, vh)["queues"][1]["packets"] >= sent


def test_full_guest_ring_drops_counts_and_recovers(pontoon, daemon, net, guests):
    """A guest that stops reading: its receive ring fills, the rest is
    dropped and counted (tx failure drops), nothing else breaks, and once it
    reads again frames arrive.  options:tx-retries-max as OVS takes it."""
    vh, sock, h = vhost_and_host(pontoon, net)
    mac = net.next_mac()
    g = guests.start(sock, forward_mode="rxonly", mac=mac, queue_size=256)
    wait_vhost_state(pontoon, vh, "connected", active_pairs=1)
    h.exec("ip", "neigh", "replace", GUEST_IP, "lladdr", mac, "dev", h.ifname,
           "nud", "permanent")
    s = vhost_show(pontoon, vh)
    assert (s["tx_retries_max"], s["tx_failure_drops"]) == (8, 0), s

    g.cmd("stop", until="Done.")                 # the guest no longer polls its rings
    send_paced_udp(h, GUEST_IP, 1000, 10000)
    s = settle(lambda: vhost_show(pontoon, vh)["tx_failure_drops"])
    # At most one ring's worth (256 buffers, a frame each) went in.
    assert 1000 - 256 <= s <= 1000, vhost_show(pontoon, vh)
    assert f"tx failure drops: {s}" in pontoon("vhost/show", vh)

    g.cmd("start", until="packet forwarding")
    before = g.stats()["rx"]
    send_paced_udp(h, GUEST_IP, 200, 10000)
    got = settle(lambda: g.stats()["rx"]) - before
    assert got >= 200, f"the guest got {got} of 200 after it started reading again"

    pontoon("set", "Interface", vh, "options:tx-retries-max=0")
    ph.wait_until(lambda: vhost_show(pontoon, vh)["tx_retries_max"] == 0, timeout=5,
                  what="tx-retries-max=0 to apply")
    assert "(at most 0 per burst)" in pontoon("vhost/show", vh)
    # Out of OVS's range 0-32: the default, and a warning in the log.
    pontoon("set", "Interface", vh, "options:tx-retries-max=33")
    ph.wait_until(lambda: vhost_show(pontoon, vh)["tx_retries_max"] == 8, timeout=5,
                  what="tx-retries-max=33 to fall back to 8")
    assert 'options:tx-retries-max="33" is not 0-32' in daemon.log()
    assert vhost_show(pontoon, vh)["state"] == "connected"


def test_guests_on_different_vlans_are_isolated(pontoon, daemon, net, guests):
    br = net.name("br0")
    pontoon("add-br", br)
    v2, v3 = net.name("vh2"), net.name("vh3")
    s2 = add_vhost_port(pontoon, br, v2, tag=2)
    s3 = add_vhost_port(pontoon, br, v3, tag=3)
    h2 = add_host(pontoon, net, br, "h2", "198.18.2.1", tag=2)
    h3 = add_host(pontoon, net, br, "h3", "198.18.3.1", tag=3)
    bcast = ["--eth-peer=0,ff:ff:ff:ff:ff:ff", "--txpkts=64"]
    g2 = guests.start(s2, mac=net.next_mac(), extra=bcast + ["--tx-ip=198.18.2.9,198.18.2.1"])
    g3 = guests.start(s3, mac=net.next_mac(), lcores="0@1,1@0",
                      extra=bcast + ["--tx-ip=198.18.3.9,198.18.3.1"])
    wait_vhost_state(pontoon, v2, "connected", active_pairs=1)
    wait_vhost_state(pontoon, v3, "connected", active_pairs=1)

    for sender, same_host, other_guest, other_host in ((g2, h2, g3, h3), (g3, h3, g2, h2)):
        base = (rx_packets(same_host), other_guest.stats()["rx"], rx_packets(other_host))
        sent = send_bursts(sender, 4)
        assert sent > 0
        seen = settle(lambda: rx_packets(same_host)) - base[0]
        # The frames do cross the switch on their own VLAN ...
        assert seen >= sent, f"host on the sender's VLAN got {seen} of {sent}"
        # ... and never reach the other VLAN's guest or host.
        assert other_guest.stats()["rx"] - base[1] == 0
        assert rx_packets(other_host) - base[2] == 0


def test_guest_restarts_and_reconnects(pontoon, daemon, net, guests):
    vh, sock, h = vhost_and_host(pontoon, net)
    mac = net.next_mac()
    pid = daemon.pid
    for how in ("first start", "quit", "SIGKILL"):
        g = guests.start(sock, forward_mode="icmpecho", mac=mac)
        wait_vhost_state(pontoon, vh, "connected", active_pairs=1)
        h.ping_until(GUEST_IP, timeout=15)
        # This guest goes the way the next one comes back from.
        nxt = {"first start": "quit", "quit": "SIGKILL", "SIGKILL": None}[how]
        if nxt is None:
            break
        if nxt == "quit":
            assert g.stop() == 0, g.output()[-3000:]
        else:
            g.kill()
        wait_vhost_state(pontoon, vh, "waiting")
        assert not h.ping(GUEST_IP, count=1)
        assert daemon.alive() and daemon.pid == pid


def test_client_mode_reconnects_after_the_switch_restarts(pontoon, daemon, net, guests,
                                                          workdir):
    br = net.name("br0")
    pontoon("add-br", br)
    vh = net.name("vc0")
    sock = str(workdir / "guest.sock")
    # testpmd in server mode waits in its start-up for the switch to connect.
    g = guests.start(sock, forward_mode="icmpecho", server=True, mac=net.next_mac(),
                     wait=False)
    ph.wait_until(lambda: os.path.exists(sock), timeout=20, what=f"testpmd to create {sock}")
    pontoon("add-port", br, vh, "--", "set", "Interface", vh, "type=dpdkvhostuserclient",
            f"options:vhost-server-path={sock}")
    h = add_host(pontoon, net, br, "a", HOST_IP)
    # The daemon knows the port by its whole type name (19 characters).
    assert pontoon.get("Interface", vh, "error") in ("[]", '""', ""), \
        pontoon.get("Interface", vh, "error")
    r = pontoon.run("vhost/show", vh)
    assert r.returncode == 0, f"vhost/show {vh}: {r.stderr}"
    wait_vhost_state(pontoon, vh, "connected", active_pairs=1, timeout=20)
    g.wait_started()
    assert vhost_show(pontoon, vh)["mode"] == "client"
    h.ping_until(GUEST_IP, timeout=15)

    status = daemon.stop()
    assert status == 0, f"pontoond exited {status}:\n{daemon.log()}"
    time.sleep(1)
    assert g.alive()
    daemon.start()
    wait_vhost_state(pontoon, vh, "connected", active_pairs=1, timeout=15)
    h.ping_until(GUEST_IP, timeout=15)
    r = h.exec("ping", "-n", "-q", "-c", "20", "-i", "0.05", "-W", "1", GUEST_IP,
               check=False, timeout=15)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    # Still the same connection: the guest's rings were taken up where they were.
    assert "guest dropped" not in daemon.log(), daemon.log()
    assert g.alive()


def test_two_queue_guest_uses_both_queues(pontoon, daemon, net, guests):
    """A guest with two queue pairs: what it sends on both tx queues crosses
    the switch, and flows to it are spread over both its rx queues (counted
    by the switch per virtqueue and by testpmd per queue)."""
    vh, sock, h = vhost_and_host(pontoon, net, "options:n_rxq=2")
    mac = net.next_mac()
    g = guests.start(sock, queues=2, mac=mac,
                     extra=[f"--eth-peer=0,{h.mac}", f"--tx-ip={GUEST_IP},{HOST_IP}",
                            "--txonly-multi-flow", "--txpkts=64"])
    show = wait_vhost_state(pontoon, vh, "connected", active_pairs=2)
    assert show["queue_pairs"] == 2 and len(show["queues"]) == 4, show
    assert "VIRTIO_NET_F_MQ" in show["features"], show
    ph.wait_until(lambda: sorted(queue_packets(pontoon, vh)) == [0, 1], timeout=5,
                  what=f"{vh} queues 0 and 1 in pmd-rxq-show")

    # guest -> host, on both of the guest's tx queues.
    before = queue_packets(pontoon, vh)
    host_before = rx_packets(h)
    sent = send_bursts(g, 8)
    assert sent >= 2 * 32, sent
    arrived = settle(lambda: rx_packets(h)) - host_before
    after = queue_packets(pontoon, vh)
    deltas = {q: after[q] - before[q] for q in after}
    assert all(n > 0 for n in deltas.values()) and sorted(deltas) == [0, 1], deltas
    assert sum(deltas.values()) >= sent, (deltas, sent)
    assert arrived >= sent, f"host received {arrived} of {sent}"
    show = vhost_show(pontoon, vh)
    assert show["queues"][1]["packets"] > 0 and show["queues"][3]["packets"] > 0, show

    # host -> guest: 16 flows, spread by flow over the guest's two rx queues.
    h.exec("ip", "neigh", "replace", GUEST_IP, "lladdr", mac, "dev", h.ifname,
           "nud", "permanent")
    before, guest_before = vhost_show(pontoon, vh)["queues"], g.queue_stats()["rx"]
    send_udp_flows(h, GUEST_IP, flows=16, per_flow=20)
    settle(lambda: g.stats()["rx"])
    queues, guest_rx = vhost_show(pontoon, vh)["queues"], g.queue_stats()["rx"]
    to_guest = {vq: queues[vq]["packets"] - before[vq]["packets"] for vq in (0, 2)}
    by_guest = {q: guest_rx[q] - guest_before[q] for q in (0, 1)}
    assert to_guest[0] > 0 and to_guest[2] > 0, f"guest rx virtqueues 0 and 2: {to_guest}"
    assert sum(to_guest.values()) == 16 * 20, to_guest
    assert by_guest == {0: to_guest[0], 1: to_guest[2]}, (by_guest, to_guest)


def test_vhost_show(pontoon, daemon, net, guests):
    vh, sock, h = vhost_and_host(pontoon, net)

    s = wait_vhost_state(pontoon, vh, "waiting")
    assert s["type"] == "dpdkvhostuser" and s["mode"] == "server" and s["socket"] == sock, s
    assert s["active_queue_pairs"] == 0 and s["features"] == [], s

    g = guests.start(sock, forward_mode="icmpecho", mac=net.next_mac())
    s = wait_vhost_state(pontoon, vh, "connected", active_pairs=1)
    for f in ("VIRTIO_F_VERSION_1", "VIRTIO_NET_F_MRG_RXBUF"):
        assert f in s["features"], s["features"]
    assert s["queue_pairs"] == 1
    assert [q["direction"] for q in s["queues"]] == ["guest rx", "guest tx"]
    assert all(q["ready"] and q["size"] >= 64 for q in s["queues"]), s["queues"]
    h.ping_until(GUEST_IP)
    s = vhost_show(pontoon, vh)
    assert s["queues"][0]["packets"] > 0 and s["queues"][1]["packets"] > 0, s["queues"]

    # dpif/show lists the port with its state too.
    dpif = {p["name"]: p for b in json.loads(pontoon("--format=json", "dpif/show"))
            for p in b["ports"]}
    assert dpif[vh]["vhost"] == {"state": "connected", "ready_queues": 2}, dpif[vh]
    assert "vhost: connected, 2 queues ready" in pontoon("dpif/show")
    # ... and `show` (from the Interface's status column the daemon writes).
    ph.wait_until(lambda: 'status: {vhost-queues-ready="2", vhost-state=connected}'
                  in pontoon("show"), timeout=5, what="show to report the guest")
    # No kernel device: the link is the guest, as OVS shows it.
    assert pontoon("get", "Interface", vh, "link_state").strip() == "up"
    assert pontoon("get", "Interface", vh, "admin_state").strip() == "up"

    text = pontoon("vhost/show", vh)
    assert text.startswith(f"{vh}:\n"), text
    assert "state: connected" in text and "VIRTIO_F_VERSION_1" in text, text
    assert "queue pairs: 1 (1 active)" in text, text
    assert f"queue 0 (guest rx): size {s['queues'][0]['size']}, ready" in text, text
    # Without an argument every vhost-user port is listed, and nothing else.
    everything = json.loads(pontoon("--format=json", "vhost/show"))
    assert [p["name"] for p in everything] == [vh], everything

    assert g.stop() == 0
    s = wait_vhost_state(pontoon, vh, "waiting")
    assert s["active_queue_pairs"] == 0 and not any(q["ready"] for q in s["queues"]), s
    assert "state: waiting" in pontoon("vhost/show", vh)
    assert "vhost: waiting" in pontoon("dpif/show")
    ph.wait_until(lambda: "vhost-state=waiting" in pontoon("show"), timeout=5,
                  what="show to report the guest gone")
    assert pontoon("get", "Interface", vh, "link_state").strip() == "down"

    err = pontoon.run("vhost/show", h.port)
    assert err.returncode != 0 and "not a vhost-user port" in err.stderr, err
    err = pontoon.run("vhost/show", net.name("nope"))
    assert err.returncode != 0 and "no such port" in err.stderr, err
