#!/bin/sh
# Installs every Debian 12 package that building, the demo, the tests and the
# benchmark use (the list: scripts/packages.txt), as root.  The one place in
# the project that runs apt: no test or script installs anything on its own.
# Quiet and idempotent: does nothing when everything is already there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
packages=$(sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \n' ' ')

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

# Open vSwitch's package starts its own ovsdb-server and ovs-vswitchd; the
# tests and the bench run private ones.  Only when this run installs it are
# those daemons ours to stop and disable (a machine that already ran OVS
# keeps it as it was).
ovs_new=""
case " $missing " in *" openvswitch-switch "*) ovs_new=yes ;; esac

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is wanted
apt-get install -y -qq --no-install-recommends $missing >/dev/null

if [ -n "$ovs_new" ]; then
    echo "install-deps: stopping and disabling the openvswitch-switch service"
    if [ -d /run/systemd/system ]; then
        systemctl disable --now openvswitch-switch.service ovs-vswitchd.service \
            ovsdb-server.service >/dev/null 2>&1 || true
    else
        /usr/share/openvswitch/scripts/ovs-ctl stop >/dev/null 2>&1 || true
        update-rc.d openvswitch-switch disable >/dev/null 2>&1 || true
    fi
fi
