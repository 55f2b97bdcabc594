"""The OVSDB protocol socket (<run dir>/db.sock) against a client nobody
here wrote: Debian's ovsdb-client (openvswitch-common), as it talks to
ovsdb-server.  What it reads is the configuration pontoon wrote and what
the daemon reports back (ofport); bad and greedy clients are dropped
without disturbing the others."""

import json
import os
import socket
import subprocess
import time

import pytest

import pontoon_harness as ph
import programs

pytestmark = pytest.mark.ovsdb


@pytest.fixture
def ovsdb_client(daemon):
    programs.require("ovsdb-client")
    remote = "unix:" + os.path.join(daemon.run_dir, "db.sock")

    def run(*args, check=True):
        r = subprocess.run(["ovsdb-client", "--timeout=20", *args[:1], remote, *args[1:]],
                           capture_output=True, text=True, timeout=30)
        if check:
            assert r.returncode == 0, f"ovsdb-client {args}: {r.stderr}"
        return r
    return run


def transact(ovsdb_client, *ops, db="Open_vSwitch"):
    out = ovsdb_client("transact", json.dumps([db, *ops])).stdout
    return json.loads(out)


def test_list_dbs_and_schemas(ovsdb_client):
    assert ovsdb_client("list-dbs").stdout.split() == ["Open_vSwitch", "_Server"]
    assert ovsdb_client("get-schema-version", "Open_vSwitch").stdout.strip() == "8.3.1"
    schema = json.loads(ovsdb_client("get-schema", "Open_vSwitch").stdout)
    with open("/usr/share/openvswitch/vswitch.ovsschema") as f:
        ovs = json.load(f)
    assert set(ovs["tables"]) <= set(schema["tables"])
    for name, table in ovs["tables"].items():
        assert set(table["columns"]) == set(schema["tables"][name]["columns"]), name
    server = json.loads(ovsdb_client("get-schema", "_Server").stdout)
    assert set(server["tables"]["Database"]["columns"]) >= {"name", "model", "connected",
                                                            "leader", "schema"}


def test_dump_and_select_see_pontoon_and_the_daemon(pontoon, prefix, ovsdb_client):
    br, port = prefix + "br", prefix + "p1"
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    pontoon("add-port", br, port, "--", "set", "interface", port, "type=internal")
    dump = ovsdb_client("dump", "Open_vSwitch", "Bridge", "name").stdout
    assert br in dump
    # ofport is the daemon's write-back.
    result = transact(ovsdb_client, {"op": "select", "table": "Interface",
                                     "where": [["name", "==", port]],
                                     "columns": ["name", "type", "ofport"]})
    assert result == [{"rows": [{"name": port, "type": "internal", "ofport": 1}]}]
    # A change made with --no-wait is what the next select reads.
    pontoon("--no-wait", "set", "port", port, "tag=7")
    result = transact(ovsdb_client, {"op": "select", "table": "Port",
                                     "where": [["name", "==", port]], "columns": ["tag"]})
    assert result == [{"rows": [{"tag": 7}]}]
    # The Database table OVS's IDL reads first.
    result = transact(ovsdb_client, {"op": "select", "table": "Database", "where": [],
                                     "columns": ["name", "model", "connected"]}, db="_Server")
    assert {"name": "Open_vSwitch", "model": "standalone", "connected": True} \
        in result[0]["rows"]


def test_monitor_sees_pontoon_and_the_daemon(pontoon, prefix, daemon, ovsdb_client):
    """`ovsdb-client monitor`: the initial rows, then a port pontoon adds
    (its Interface's ofport written by the daemon), a retag, a deletion."""
    br, port = prefix + "br", prefix + "p1"
    pontoon("add-br", br, "--", "set", "bridge", br, "datapath_type=netdev")
    remote = "unix:" + os.path.join(daemon.run_dir, "db.sock")
    mon = subprocess.Popen(["ovsdb-client", "--format=json", "monitor", remote, "Open_vSwitch",
                            "Interface", "name,ofport"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    seen = []

    def wait_for(pred, what):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(pred(u) for u in seen):
                return
            line = mon.stdout.readline()
            if not line:
                break
            seen.append(json.loads(line))
        pytest.fail(f"ovsdb-client monitor never showed {what}: {seen}\n{mon.stderr.read()}")

    def rows(update):
        cols = update["headings"]
        return [dict(zip(cols, r)) for r in update["data"]]

    try:
        wait_for(lambda u: any(r["name"] == br and r["action"] == "initial" for r in rows(u)),
                 "the bridge's own interface among the initial rows")
        pontoon("add-port", br, port, "--", "set", "interface", port, "type=internal")
        wait_for(lambda u: any(r["name"] == port and r["ofport"] == 1 for r in rows(u)),
                 "the new interface with the ofport the daemon gave it")
        pontoon("del-port", br, port)
        wait_for(lambda u: any(r["name"] == port and r["action"] == "delete" for r in rows(u)),
                 "the interface deleted")
    finally:
        mon.kill()
        mon.wait()


def test_transact_writes_through_the_commit_path(pontoon, prefix, daemon, ovsdb_client):
    """add-br and add-port as ovsdbapp writes them (inserts by uuid-name, a
    mutate of the parent's set): the daemon applies them (the port gets its
    ofport), pontoon sees them, and a transaction the commit refuses leaves
    the database as it was."""
    br, port = prefix + "br", prefix + "p1"
    ops = [
        {"op": "insert", "table": "Interface", "uuid-name": "bi",
         "row": {"name": br, "type": "internal"}},
        {"op": "insert", "table": "Port", "uuid-name": "bp",
         "row": {"name": br, "interfaces": ["named-uuid", "bi"]}},
        {"op": "insert", "table": "Bridge", "uuid-name": "b",
         "row": {"name": br, "datapath_type": "netdev", "ports": ["named-uuid", "bp"]}},
        {"op": "mutate", "table": "Open_vSwitch", "where": [],
         "mutations": [["bridges", "insert", ["named-uuid", "b"]]]},
    ]
    result = transact(ovsdb_client, *ops)
    assert all("error" not in r for r in result), result
    assert pontoon("list-br").split() == [br]
    result = transact(ovsdb_client,
                      {"op": "insert", "table": "Interface", "uuid-name": "i",
                       "row": {"name": port, "type": "internal"}},
                      {"op": "insert", "table": "Port", "uuid-name": "p",
                       "row": {"name": port, "tag": 5, "interfaces": ["named-uuid", "i"]}},
                      {"op": "mutate", "table": "Bridge", "where": [["name", "==", br]],
                       "mutations": [["ports", "insert", ["named-uuid", "p"]]]})
    assert all("error" not in r for r in result), result
    ph.wait_until(lambda: pontoon("get", "Interface", port, "ofport").strip() == "1",
                  timeout=10, what="the daemon to open the port the OVSDB client added")
    assert pontoon("get", "Port", port, "tag").strip() == "5"
    # A duplicate name: the commit refuses, nothing changes.
    before = pontoon("--format=json", "list", "Port")
    result = transact(ovsdb_client,
                      {"op": "insert", "table": "Interface", "uuid-name": "i",
                       "row": {"name": port}},
                      {"op": "insert", "table": "Port", "uuid-name": "p",
                       "row": {"name": port, "interfaces": ["named-uuid", "i"]}},
                      {"op": "mutate", "table": "Bridge", "where": [["name", "==", br]],
                       "mutations": [["ports", "insert", ["named-uuid", "p"]]]})
    assert result[-1]["error"] == "constraint violation", result
    assert pontoon("--format=json", "list", "Port") == before


def test_errors_are_ovsdb_servers(ovsdb_client):
    result = transact(ovsdb_client, {"op": "select", "table": "Port",
                                     "where": [["nocol", "==", 1]]})
    assert result[0]["error"] == "unknown column"
    assert result[0]["details"] == "No column nocol in table Port."
    r = ovsdb_client("transact", json.dumps(["Nodb", {"op": "select", "table": "Port",
                                                        "where": []}]), check=False)
    assert r.returncode != 0
    assert "transact request specifies unknown database Nodb" in r.stderr


def _connect(daemon):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(daemon.run_dir, "db.sock"))
    s.settimeout(10)
    return s


def _closed_by_peer(s, timeout=10):
    deadline = time.monotonic() + timeout
    s.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if s.recv(1 << 20) == b"":
                return True
        except socket.timeout:
            continue
        except ConnectionResetError:
            return True
    return False


def test_bad_and_greedy_clients_are_dropped(daemon, ovsdb_client):
    garbage = _connect(daemon)
    garbage.sendall(b"{\"method\": nonsense}")
    assert _closed_by_peer(garbage)
    not_object = _connect(daemon)
    not_object.sendall(b"[1, 2, 3]")
    assert _closed_by_peer(not_object)
    # Echo requests it never reads the answers of: once 64 MiB of answers
    # are waiting, the client is dropped (its requests are not all read).
    greedy = _connect(daemon)
    greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = json.dumps({"method": "echo", "params": ["x" * (1 << 20)], "id": 1}).encode()
    sent = 0
    try:
        for _ in range(100):
            greedy.sendall(request)
            sent += 1
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert sent < 100 or _closed_by_peer(greedy)
    with open(daemon.log_path) as f:
        log = f.read()
    assert "OVSDB client: not reading its answers: disconnected" in log
    assert "OVSDB client: JSON parse error" in log
    # Meanwhile, and after, other clients are answered.
    assert ovsdb_client("list-dbs").stdout.split() == ["Open_vSwitch", "_Server"]
    assert daemon.alive()
    for s in (garbage, not_object, greedy):
        s.close()
