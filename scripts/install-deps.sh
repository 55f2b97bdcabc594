#!/bin/sh
# Installs what Pontoon needs to build, test and demo on Debian 12 (as root).
# Quiet and idempotent: does nothing when everything is already there.
set -eu
packages="build-essential pkg-config libsqlite3-dev libjansson-dev libmnl-dev libcmocka-dev
          iproute2 iputils-ping python3 python3-pytest python3-scapy tcpdump iperf3 procps
          kmod ethtool dpdk clang libclang-rt-14-dev qemu-system-x86 busybox-static
          linux-image-amd64"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install:$missing" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
