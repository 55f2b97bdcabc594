"""The OVSDB socket with the clients the ecosystem really runs, none written
here: Debian's ovs-vsctl (openvswitch-common) over --db=unix:, OpenStack's
ovsdbapp (python3-ovsdbapp, what Neutron and os-vif call), and OVS's Python
IDL (python3-openvswitch) across a daemon restart and with locks; plus
"wait" with a timeout, more listeners (--remote), and 200 clients at once
while the datapath forwards."""

import json
import os
import selectors
import socket
import subprocess
import threading
import time

import pytest

import ovs.db.idl
import ovs.poller
from ovsdbapp.backend.ovs_idl import connection as ovsdbapp_connection
from ovsdbapp.schema.open_vswitch import impl_idl as ovsdbapp_impl

import pontoon_harness as ph
import programs

pytestmark = pytest.mark.ovsdb

OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class Switch:
    """A pontoond in its own namespace (so that two of them may hold bridges
    of the same names), its CLI, and the OVS tools pointed at its socket."""

    def __init__(self, net, workdir, tag, args=()):
        self.ns = net.add_ns(tag)
        self.pontoon = ph.NsPontoon(self.ns, workdir / f"{tag}.db", workdir / f"{tag}-run")
        self.daemon = ph.Daemon(self.pontoon.db, self.pontoon.run_dir,
                                workdir / f"{tag}-pontoond.log", ns=self.ns,
                                log_level=os.environ.get("PONTOON_LOG_LEVEL", "info"))
        self.daemon.args = list(args)
        self.sock = os.path.join(self.pontoon.run_dir, "db.sock")
        self.remote = "unix:" + self.sock

    def vsctl_run(self, *args, timeout=30):
        """Debian's ovs-vsctl; waits for the daemon (no --no-wait) as it
        does against ovs-vswitchd."""
        programs.require("ovs-vsctl")
        return subprocess.run(["ovs-vsctl", f"--db={self.remote}", "--timeout=20", *args],
                              capture_output=True, text=True, timeout=timeout)

    def vsctl(self, *args):
        r = self.vsctl_run(*args)
        assert r.returncode == 0, f"ovs-vsctl {args}: {r.returncode} {r.stderr}"
        return r.stdout

    def transact(self, *ops):
        programs.require("ovsdb-client")
        r = subprocess.run(["ovsdb-client", "--timeout=20", "transact", self.remote,
                            json.dumps(["Open_vSwitch", *ops])],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


@pytest.fixture
def switches(net, workdir, request):
    """Switch objects made by calling it; their daemons started, and stopped
    (by PID) before `net` removes the namespaces."""
    made = []

    def make(tag, args=(), prepare=None):
        sw = Switch(net, workdir, tag, args)
        if prepare:
            prepare(sw)
        sw.daemon.start()
        made.append(sw)
        return sw
    yield make
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    for sw in made:
        status = sw.daemon.stop()
        log = sw.daemon.log()
        if failed:
            print(f"\n---- pontoond in {sw.ns} ----\n{log}")
        assert "Sanitizer" not in log and "runtime error:" not in log, log
        assert status == 0, log


# ---------------------------------------------------------------- ovs-vsctl
LIBVIRT_MAC = "52:54:00:12:34:56"
IFACE_ID = "6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11"
VM_ID = "0b7e1c5a-3d8f-4f7e-8a0c-5b2d9e6f1a22"


def seed_and_client_lines(p):
    """The seed's ovs-vsctl lines, then libvirt's plug and unplug (clients.md)
    and a Neutron internal port."""
    br0, br1 = p + "br0", p + "br1"
    vnet0, vnet1 = p + "vnet0", p + "vnet1"

    def plug(dev, *port_columns):
        return ["--timeout=5", "--", "--may-exist", "add-port", br0, dev, *port_columns,
                "--", "set", "Interface", dev, f'external-ids:attached-mac="{LIBVIRT_MAC}"',
                "--", "set", "Interface", dev, f'external-ids:iface-id="{IFACE_ID}"',
                "--", "set", "Interface", dev, f'external-ids:vm-id="{VM_ID}"',
                "--", "set", "Interface", dev, "external-ids:iface-status=active"]
    return [
        ["add-br", br0],
        ["add-port", br0, p + "eth1"],
        ["add-port", br0, p + "tap1"],
        ["set", "port", p + "tap1", "tag=3"],
        ["add-br", br1],
        ["add-port", br0, p + "veth0"],
        ["add-port", br1, p + "veth1"],
        ["add-port", br0, "patch-to-br0"],
        ["set", "Interface", "patch-to-br0", "type=patch"],
        ["set", "Interface", "patch-to-br0", "options:peer=patch-to-br1"],
        ["add-port", br1, "patch-to-br1"],
        ["set", "Interface", "patch-to-br1", "type=patch"],
        ["set", "Interface", "patch-to-br1", "options:peer=patch-to-br0"],
        plug(vnet0, "tag=2"),
        plug(vnet1, "vlan_mode=native-untagged", "tag=42", "trunk=42,47"),
        plug(vnet1, "vlan_mode=native-untagged", "tag=42", "trunk=42,47"),
        ["--timeout=5", "--", "--if-exists", "del-port", vnet0],
        ["--timeout=5", "--", "--if-exists", "del-port", p + "vnet9"],
        ["--may-exist", "add-port", br1, p + "qr-1", "--", "set", "Interface", p + "qr-1",
         "type=internal", "--", "set", "Interface", p + "qr-1",
         "external-ids:iface-status=active"],
        # Kept, not acted on (no OpenFlow, no manager connections).
        ["set-manager", "ptcp:6640", "ptcp:6641:127.0.0.1"],
        ["set-controller", br0, "tcp:127.0.0.1:6653", "unix:/var/run/ctl.sock"],
        ["set-fail-mode", br1, "standalone"],
        ["set-controller", br1, "tcp:127.0.0.1:6654"],
        ["del-controller", br1],
    ]


# What a configuration is made of (the daemon's own write-backs left out).
CONFIG_COLUMNS = {
    "Bridge": ["name", "datapath_type", "ports", "external_ids", "other_config", "fail_mode"],
    "Port": ["name", "tag", "trunks", "vlan_mode", "interfaces", "external_ids",
             "other_config", "bond_mode", "lacp"],
    "Interface": ["name", "type", "options", "external_ids", "other_config",
                  "ofport_request"],
}


def configuration(sw):
    """The rows of CONFIG_COLUMNS, references replaced by the names of the
    rows they point to, so that two databases compare."""
    ops = [{"op": "select", "table": t, "where": [], "columns": ["_uuid", *cols]}
           for t, cols in CONFIG_COLUMNS.items()]
    results = sw.transact(*ops)
    names = {r["_uuid"][1]: r["name"] for res in results for r in res["rows"]}

    def norm(v):
        if isinstance(v, list) and len(v) == 2 and v[0] == "uuid":
            return names.get(v[1], v[1])
        if isinstance(v, list) and len(v) == 2 and v[0] == "set":
            return sorted(json.dumps(norm(x)) for x in v[1])
        if isinstance(v, list) and len(v) == 2 and v[0] == "map":
            return {json.dumps(norm(k)): norm(x) for k, x in v[1]}
        return v
    return {t: sorted(({c: norm(r[c]) for c in cols}
                       for r in res["rows"]), key=lambda r: r["name"])
            for (t, cols), res in zip(CONFIG_COLUMNS.items(), results)}


def show_tree(text):
    """`show` as (line, children) trees, siblings sorted."""
    def parse(lines, depth):
        nodes = []
        while lines and len(lines[0]) - len(lines[0].lstrip(" ")) == depth:
            line = lines.pop(0)
            nodes.append((line, parse(lines, depth + 4)))
        return sorted(nodes)
    lines = text.splitlines()
    tree = parse(lines, 0)
    assert not lines, f"show has lines out of its indentation: {lines}"
    return [node for top in tree for node in (top[0], top[1])]


def test_ovs_vsctl_leaves_the_database_pontoon_leaves(switches, prefix):
    """Each line run by `pontoon` on one switch and by Debian's ovs-vsctl
    over the other's socket (waiting for the daemon, as it does by default):
    the same configuration, the same `show`, OVS's errors."""
    a, b = switches("A"), switches("B")
    for line in seed_and_client_lines(prefix):
        a.pontoon(*line)
        b.vsctl(*line)
    assert configuration(a) == configuration(b)
    # ovs-vsctl's show equals pontoon's, line for line; ovs-vsctl lists
    # bridges and ports in the order of their uuids, pontoon by name.
    shown = show_tree(b.vsctl("show"))
    assert shown == show_tree(b.pontoon("show"))
    assert shown[1:] == show_tree(a.pontoon("show"))[1:]     # [0]: the database's uuid
    # OVS's errors, and nothing changed.
    before = configuration(b)
    r = b.vsctl_run("add-port", "nobr", prefix + "x")
    assert (r.returncode, r.stderr) == (1, "ovs-vsctl: no bridge named nobr\n")
    assert a.pontoon.fails("add-port", "nobr", prefix + "x") == "no bridge named nobr"
    r = b.vsctl_run("add-br", prefix + "br0")
    assert r.returncode == 1 and r.stderr == (
        f"ovs-vsctl: cannot create a bridge named {prefix}br0 because a bridge named "
        f"{prefix}br0 already exists\n"), r.stderr
    assert configuration(b) == before
    r = b.vsctl_run("set-fail-mode", prefix + "br0", "open")
    assert (r.returncode, r.stderr) == (1, 'ovs-vsctl: fail-mode must be "standalone" or '
                                           '"secure"\n')
    assert a.pontoon.fails("set-fail-mode", prefix + "br0", "open") == \
        'fail-mode must be "standalone" or "secure"'
    # What ovs-vsctl reads back, as it prints it, and pontoon the same.
    for query in (["get-manager"], ["get-controller", prefix + "br0"],
                  ["get-fail-mode", prefix + "br1"], ["get-fail-mode", prefix + "br0"]):
        assert b.vsctl(*query) == a.pontoon(*query), query
    vnet1 = prefix + "vnet1"
    assert b.vsctl("get", "Port", vnet1, "trunks").strip() == "[42, 47]"
    assert b.vsctl("get", "Interface", vnet1, "external-ids:attached-mac").strip() == \
        f'"{LIBVIRT_MAC}"'
    assert b.vsctl("list-ports", prefix + "br1").split() == sorted(
        ["patch-to-br1", prefix + "qr-1", prefix + "veth1"])


# ---------------------------------------------------------------- ovsdbapp
def test_ovsdbapp_open_vswitch_api(switches, prefix):
    """What Neutron and os-vif call: add_br, add_port, db_set / db_get /
    db_list / db_find, del_port, alone and several in one transaction."""
    sw = switches("A")
    br, p1, p2 = prefix + "br", prefix + "p1", prefix + "p2"
    idl = ovsdbapp_connection.OvsdbIdl.from_server(sw.remote, "Open_vSwitch")
    conn = ovsdbapp_connection.Connection(idl=idl, timeout=20)
    api = ovsdbapp_impl.OvsdbIdl(conn)
    try:
        api.add_br(br, datapath_type="netdev").execute(check_error=True)
        api.add_port(br, p1).execute(check_error=True)
        api.db_set("Interface", p1, ("type", "internal")).execute(check_error=True)
        with api.transaction(check_error=True) as txn:
            txn.add(api.add_port(br, p2))
            txn.add(api.db_set("Interface", p2, ("type", "internal"),
                               ("external_ids", {"iface-id": IFACE_ID,
                                                 "attached-mac": LIBVIRT_MAC})))
            txn.add(api.db_set("Port", p2, ("tag", 42)))
        assert api.db_get("Port", p2, "tag").execute(check_error=True) == 42
        assert sorted(api.list_ports(br).execute(check_error=True)) == [p1, p2]
        found = api.db_find("Interface", ("external_ids", "=", {"iface-id": IFACE_ID}),
                            columns=["name"]).execute(check_error=True)
        assert found == [{"name": p2}]
        rows = api.db_list("Bridge", columns=["name", "datapath_type"]).execute(
            check_error=True)
        assert rows == [{"name": br, "datapath_type": "netdev"}]
        # The daemon applied it: the ports have their ofports; pontoon agrees.
        ph.wait_until(lambda: sw.pontoon.get("Interface", p2, "ofport") not in ("[]", "-1"),
                      what="the daemon to open the port ovsdbapp added")
        assert sw.pontoon.get("Port", p2, "tag") == "42"
        assert sw.pontoon.get("Interface", p2, "external_ids:iface-id") == f'"{IFACE_ID}"'
        api.del_port(p1).execute(check_error=True)
        assert api.list_ports(br).execute(check_error=True) == [p2]
        assert sw.pontoon("list-ports", br).split() == [p2]
        assert api.br_exists(br).execute(check_error=True)
        assert not api.br_exists(prefix + "nope").execute(check_error=True)
        api.del_br(br).execute(check_error=True)
        assert sw.pontoon("list-br").split() == []
    finally:
        conn.stop()


# ---------------------------------------------------------------- the Python IDL
def idl_for(remote, tables=("Bridge", "Port", "Interface")):
    helper = ovs.db.idl.SchemaHelper(OVS_SCHEMA)
    for t in tables:
        helper.register_table(t)
    return ovs.db.idl.Idl(remote, helper)


def run_until(idls, predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for idl in idls:
            idl.run()
        if predicate():
            return
        poller = ovs.poller.Poller()
        for idl in idls:
            idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def port_names(idl):
    return sorted(r.name for r in idl.tables["Port"].rows.values())


def test_python_idl_follows_a_daemon_restart(switches, prefix):
    """OVS's Python IDL (monitor_cond_since) sees pontoon's changes, loses
    the daemon, reconnects by itself and sees the changes made since."""
    sw = switches("A")
    br, p1, p2 = prefix + "br", prefix + "p1", prefix + "p2"
    sw.pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    idl = idl_for(sw.remote)
    try:
        run_until([idl], lambda: port_names(idl) == [br], what="the initial rows")
        sw.pontoon("add-port", br, p1, "--", "set", "interface", p1, "type=internal")
        run_until([idl], lambda: port_names(idl) == sorted([br, p1]), what="p1")
        seqno = idl.change_seqno
        assert sw.daemon.stop() == 0
        sw.pontoon("--no-wait", "add-port", br, p2, "--", "set", "interface", p2,
                   "type=internal")
        sw.daemon.start()
        run_until([idl], lambda: port_names(idl) == sorted([br, p1, p2]),
                  what="p2, added while the daemon was down, after it came back")
        assert idl.change_seqno > seqno
        # And it writes through the new connection.
        txn = ovs.db.idl.Transaction(idl)
        port = next(r for r in idl.tables["Port"].rows.values() if r.name == p2)
        port.tag = 7
        status = txn.commit_block()
        assert status == ovs.db.idl.Transaction.SUCCESS, txn.get_error()
        assert sw.pontoon.get("Port", p2, "tag") == "7"
    finally:
        idl.close()


def test_locks_between_python_idls(switches, prefix):
    """The IDL's set_lock: one client holds the lock and writes (its
    transactions "assert" the lock), the other waits ("contended") and gets
    it ("locked") when the first goes away."""
    sw = switches("A")
    br = prefix + "br"
    sw.pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    first, second = idl_for(sw.remote), idl_for(sw.remote)
    try:
        first.set_lock("pontoon-test")
        run_until([first], lambda: first.has_lock and first.tables["Bridge"].rows,
                  what="the first client to lock")
        txn = ovs.db.idl.Transaction(first)
        row = next(iter(first.tables["Bridge"].rows.values()))
        row.external_ids = {"locked-by": "first"}
        assert txn.commit_block() == ovs.db.idl.Transaction.SUCCESS, txn.get_error()
        assert sw.pontoon.get("Bridge", br, "external_ids:locked-by") == "first"
        second.set_lock("pontoon-test")
        run_until([first, second], lambda: second.is_lock_contended
                  and second.state == ovs.db.idl.Idl.IDL_S_MONITORING,
                  what="the second client to wait for the lock")
        assert first.has_lock and not second.has_lock
        txn = ovs.db.idl.Transaction(second)
        assert txn.commit_block() == ovs.db.idl.Transaction.NOT_LOCKED
        first.close()
        first = None
        run_until([second], lambda: second.has_lock, what="the lock to pass on")
    finally:
        if first:
            first.close()
        second.close()


# ---------------------------------------------------------------- wait with a timeout
def test_wait_with_a_timeout(switches, prefix):
    """A transaction whose "wait" does not hold yet waits for the change
    (made here by pontoon), or fails "timed out" when its time is up."""
    sw = switches("A")
    br, port = prefix + "br", prefix + "p1"
    sw.pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    sw.pontoon("add-port", br, port, "--", "set", "interface", port, "type=internal")

    def wait_op(tag, timeout):
        return {"op": "wait", "table": "Port", "timeout": timeout,
                "where": [["name", "==", port]], "columns": ["tag"], "until": "==",
                "rows": [{"tag": tag}]}
    update = {"op": "update", "table": "Port", "where": [["name", "==", port]],
              "row": {"other_config": ["map", [["seen", "7"]]]}}
    waiter = subprocess.Popen(
        ["ovsdb-client", "--timeout=30", "transact", sw.remote,
         json.dumps(["Open_vSwitch", wait_op(7, 20000), update])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert waiter.poll() is None, waiter.communicate()
        sw.pontoon("set", "port", port, "tag=7")
        out, err = waiter.communicate(timeout=20)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 0, err
    assert json.loads(out) == [{}, {"count": 1}]
    assert sw.pontoon.get("Port", port, "other_config:seen") == '"7"'
    result = sw.transact(wait_op(9, 300), update)
    assert result[0]["error"] == "timed out" and result[1] is None, result


# ---------------------------------------------------------------- listeners
def test_remotes(switches, workdir, prefix):
    """--remote=ptcp: (loopback unless an address is given) and punix:
    serve the same database; a bad remote stops the start with its reason."""
    extra = str(workdir / "extra.sock")

    def in_ns(sw, *cmd):
        return ph.sh("ip", "netns", "exec", sw.ns, *cmd, check=False)

    def add_address(sw):
        ph.sh("ip", "-n", sw.ns, "addr", "add", "198.18.99.1/32", "dev", "lo")
    sw = switches("A", args=["--remote=ptcp:16640", f"--remote=punix:{extra}",
                             "--remote=ptcp:16641:198.18.99.1"], prepare=add_address)
    sw.pontoon("add-br", prefix + "br", "--", "set", "bridge", prefix + "br",
               "datapath_type=netdev")
    for remote in ("tcp:127.0.0.1:16640", "tcp:198.18.99.1:16641", "unix:" + extra):
        r = in_ns(sw, "ovsdb-client", "--timeout=10", "dump", remote, "Open_vSwitch",
                  "Bridge", "name")
        assert r.returncode == 0 and prefix + "br" in r.stdout, (remote, r.stderr)
    listening = in_ns(sw, "ss", "-Hltn").stdout.split()
    assert "127.0.0.1:16640" in listening and "198.18.99.1:16641" in listening, listening
    assert "0.0.0.0:16640" not in listening and "*:16640" not in listening, listening

    d = ph.Daemon(str(workdir / "bad.db"), str(workdir / "bad-run"), workdir / "bad.log",
                  ns=sw.ns)
    d.args = ["--remote=tcp:127.0.0.1:6640"]
    with pytest.raises(AssertionError) as e:
        d.start()
    assert "--remote=tcp:127.0.0.1:6640: a remote is punix:PATH or ptcp:PORT[:IP]" \
        in str(e.value), str(e.value)


# ---------------------------------------------------------------- load
class RawClient:
    """One OVSDB connection speaking JSON-RPC by hand (no IDL: 200 of them
    run in one thread): a monitor_cond on the bridge's external_ids, then a
    transaction adding its own key."""

    def __init__(self, path, index, bridge):
        self.index, self.bridge = index, bridge
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.out = b""
        self.buf = ""
        self.decoder = json.JSONDecoder()
        self.committed_at = None
        self.error = None
        self.keys = set()              # what its monitor says the bridge holds
        self.send({"id": "mon", "method": "monitor_cond", "params": [
            "Open_vSwitch", "m", {"Bridge": [{"columns": ["external_ids"],
                                              "where": [["name", "==", bridge]]}]}]})
        self.send({"id": "txn", "method": "transact", "params": [
            "Open_vSwitch", {"op": "mutate", "table": "Bridge",
                             "where": [["name", "==", bridge]],
                             "mutations": [["external_ids", "insert",
                                            ["map", [[f"client-{index}", str(index)]]]]]}]})

    def send(self, msg):
        self.out += json.dumps(msg).encode()

    def flush(self):
        if self.out:
            n = self.sock.send(self.out)
            self.out = self.out[n:]

    def take(self, data):
        self.buf += data.decode()
        while self.buf:
            try:
                msg, end = self.decoder.raw_decode(self.buf)
            except ValueError:
                return
            self.buf = self.buf[end:]
            self.handle(msg)

    def apply(self, table_updates):
        for row in table_updates.get("Bridge", {}).values():
            for kind in ("initial", "insert", "modify"):
                ids = row.get(kind, {}).get("external_ids")
                if ids is None:
                    continue
                pairs = ids[1] if ids[0] == "map" else []
                for k, _ in pairs:
                    # a modify lists the keys that changed: added here
                    if kind == "modify" and k in self.keys:
                        self.keys.discard(k)
                    else:
                        self.keys.add(k)

    def handle(self, msg):
        if msg.get("id") == "mon":
            self.error = self.error or msg.get("error")
            self.apply(msg.get("result") or {})
        elif msg.get("id") == "txn":
            result = msg.get("result") or []
            if msg.get("error") or any("error" in r for r in result if r):
                self.error = msg
            self.committed_at = time.monotonic()
        elif msg.get("method") == "update2":
            self.apply(msg["params"][1])


def test_200_clients_at_once(pontoon, daemon, net, prefix):
    """200 clients connect at once, each monitoring the bridge and adding
    its key to its external_ids: every transaction commits, every monitor
    ends with all 200 keys, the database holds exactly them — and a ping
    through the switch meanwhile loses nothing."""
    br = prefix + "br"
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    a = net.add_host("a", "198.18.50.1")
    b = net.add_host("b", "198.18.50.2")
    pontoon("add-port", br, a.port)
    pontoon("add-port", br, b.port)
    a.ping_until(b)
    n = 200
    ping = subprocess.Popen(["ip", "netns", "exec", a.ns, "ping", "-n", "-q", "-i", "0.02",
                             "-W", "2", "-w", "60", b.ip],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    clients = []
    try:
        time.sleep(0.3)
        start = time.monotonic()
        path = os.path.join(daemon.run_dir, "db.sock")
        sel = selectors.DefaultSelector()
        for i in range(n):
            c = RawClient(path, i, br)
            clients.append(c)
            sel.register(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
        want = {f"client-{i}" for i in range(n)}
        deadline = start + 60
        while time.monotonic() < deadline:
            if all(c.committed_at and c.keys == want for c in clients):
                break
            for key, events in sel.select(timeout=0.5):
                c = key.data
                if events & selectors.EVENT_WRITE:
                    c.flush()
                    if not c.out:
                        sel.modify(c.sock, selectors.EVENT_READ, c)
                if events & selectors.EVENT_READ:
                    data = c.sock.recv(1 << 20)
                    assert data, f"client {c.index}: the server closed the connection"
                    c.take(data)
        done = time.monotonic()
        time.sleep(0.5)
    finally:
        ping.send_signal(2)                     # SIGINT: ping prints its summary
        out, _ = ping.communicate(timeout=10)
        for c in clients:
            c.sock.close()
    errors = [c.error for c in clients if c.error]
    assert not errors, errors[:3]
    lagging = [c.index for c in clients if not c.committed_at or c.keys != want]
    assert not lagging, f"{len(lagging)} clients did not see every commit: {lagging[:10]}"
    ids = json.loads(pontoon("--format=json", "--columns=external_ids", "list", "Bridge", br))
    stored = {k for k, _ in ids["data"][0][0][1]}
    assert stored == want
    sent = int(out.split(" packets transmitted")[0].split()[-1])
    received = int(out.split(" received")[0].split()[-1])
    last_commit = max(c.committed_at for c in clients) - start
    print(f"\n200 clients: all committed in {last_commit:.2f} s, every monitor complete in "
          f"{done - start:.2f} s; ping through the switch meanwhile: {received}/{sent}")
    assert sent >= 10 and received == sent, out
