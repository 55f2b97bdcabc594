#!/bin/bash
# Pontoon demo, the README's first command: installs the Debian packages
# (scripts/install-deps.sh), builds, then one bridge, two hosts on VLAN 2
# access ports, one on VLAN 3, and a trunk port; VLAN 2 hosts ping each
# other, the VLAN 3 host cannot.  Needs root and nothing else a fresh
# Debian 12 machine lacks (make comes with the packages).  BUILD=dir builds
# into another directory.  Every name carries a random prefix, addresses come
# from 198.18.0.0/15, and everything is torn down on exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
if [[ $(id -u) != 0 ]]; then
    echo "demo.sh: the demo builds network namespaces; run as root" >&2
    exit 1
fi
"$REPO/scripts/install-deps.sh"
make -s -C "$REPO" -j"$(nproc)" BUILD="$BUILD" all
P=pd$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')   # e.g. pd3fa1
TMP=$(mktemp -d "/tmp/$P-XXXXXX")
export PONTOON_DB=$TMP/conf.db PONTOON_RUN_DIR=$TMP/run
DAEMON_PID=
NAMESPACES=()

pontoon() { "$BUILD/pontoon" "$@"; }
say() { printf '\n== %s\n' "$*"; }

cleanup() {
    local status=$?
    set +e
    if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        # The bridge's kernel programs and pins go too (SIGTERM would keep
        # them for the next daemon).
        pontoon exit --cleanup >/dev/null 2>&1
        for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$DAEMON_PID" 2>/dev/null && kill -TERM "$DAEMON_PID"
        for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$DAEMON_PID" 2>/dev/null && kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null
    fi
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    for dev in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$P" || true); do
        ip link del "$dev" 2>/dev/null
    done
    if (( status != 0 )) && [[ -f $TMP/pontoond.log ]]; then
        echo "---- pontoond log ----"; tail -n 40 "$TMP/pontoond.log"
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT

# host NAME ADDRESS: namespace $P$NAME holding eth0, veth peer $P$NAME here
host() {
    local ns=$P$1 port=$P$1
    ip netns add "$ns"; NAMESPACES+=("$ns")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add name "$port" type veth peer name eth0 netns "$ns"
    sysctl -qw "net.ipv6.conf.$port.disable_ipv6=1"
    ip link set "$port" up
    ip -n "$ns" addr add "$2/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
}

# ping_from NAME ADDRESS
ping_from() { ip netns exec "$P$1" ping -n -q -c 2 -W 1 -i 0.2 "$2" >/dev/null 2>&1; }

say "starting pontoond (db and run dir in $TMP)"
mkdir -p "$PONTOON_RUN_DIR"
"$BUILD/pontoond" --db="$PONTOON_DB" --run-dir="$PONTOON_RUN_DIR" >"$TMP/pontoond.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do [[ -S $PONTOON_RUN_DIR/pontoond.ctl ]] && break; sleep 0.1; done
[[ -S $PONTOON_RUN_DIR/pontoond.ctl ]] || { echo "pontoond did not start"; exit 1; }

BR=${P}br0
say "bridge $BR: ${P}a, ${P}b on VLAN 2, ${P}c on VLAN 3, ${P}t trunk"
host a 198.18.0.1
host b 198.18.0.2
host c 198.18.0.3
host t 198.18.0.4
pontoon add-br "$BR"
pontoon add-port "$BR" "${P}a" tag=2
pontoon add-port "$BR" "${P}b" tag=2
pontoon add-port "$BR" "${P}c" tag=3
pontoon add-port "$BR" "${P}t" trunks=2,3

say "ping across"
ok=0
for _ in $(seq 20); do ping_from a 198.18.0.2 && { ok=1; break; }; sleep 0.25; done
if (( ok )); then echo "VLAN 2 -> VLAN 2 (a -> b): reachable   [expected]"
else echo "VLAN 2 -> VLAN 2 (a -> b): UNREACHABLE [unexpected]"; fi
if ping_from a 198.18.0.3; then echo "VLAN 2 -> VLAN 3 (a -> c): REACHABLE   [unexpected]"; ok=0
else echo "VLAN 2 -> VLAN 3 (a -> c): unreachable [expected]"; fi

say "pontoon show"
pontoon show
say "pontoon fdb/show $BR"
pontoon fdb/show "$BR"

say "tearing down"
(( ok )) || { echo "demo FAILED"; exit 1; }
echo "demo OK"
