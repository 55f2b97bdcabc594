"""A tiny QEMU guest for the integration tests: Debian's kernel plus an
initramfs made of busybox-static, the virtio-net modules of that kernel and
an /init script.

The guest's /init mounts proc/sys/dev, loads virtio_ring, virtio,
virtio_pci (+ its modern/legacy helpers), failover, net_failover and
virtio_net (in modules.dep order), gives eth0 the address from the kernel
command line, pings the peer and prints one marker line on the serial
console:

    GUEST-PING-OK <peer> <seconds since boot>
    GUEST-PING-FAIL <peer> <why>

then, when asked (`pontoon.linger=SECONDS pontoon.echoes=N`), prints
`GUEST-LINGER` and stays up until it has answered N ICMP echo requests
(InEchos in /proc/net/snmp, counted from just before the GUEST-LINGER line;
`GUEST-ECHO <n>` as it grows) or the time is up, prints `GUEST-ECHOED <n>`,
answers for 2 s more, and finally prints `GUEST-POWEROFF` before
`poweroff -f`.

For multi-queue NICs (`pontoon.queues=1`) it reports, after its pings and
again at the end, eth0's queues and each virtio queue's interrupt count
(the driver's `virtioN-input.Q` / `-output.Q` vectors in /proc/interrupts,
all CPUs summed: busybox has no ethtool, and a queue that carried a frame
has interrupted at least once):

    GUEST-QUEUES <when> rx=<n> tx=<n> cpus=<n>
    GUEST-IRQ <when> input.0=<n> output.0=<n> input.1=<n> output.1=<n> ...

with <when> `after-ping` or `end`.  `pontoon.tcp=N` opens N TCP connections
to the peer's closed ports 40000... (a SYN answered by a reset, each its own
flow), the i-th from CPU i mod ncpu, so that its sends leave on every tx
queue (virtio_net sets XPS to one queue per CPU), or all from CPU C with
`pontoon.tcpcpu=C`; `GUEST-TCP <n>` after.

Kernel command line keys (parsed by /init from /proc/cmdline; the kernel's
own `ip=` is of no use because virtio_net is a module loaded after the
kernel's IP autoconfiguration ran):

    pontoon.ip=198.18.X.2/24  pontoon.peer=198.18.X.1
    pontoon.mac=02:..         (optional; QEMU's -device mac= is simpler)
    pontoon.count=N           pings to send (default 5)
    pontoon.linger=S pontoon.echoes=N
    pontoon.queues=1          pontoon.tcp=N pontoon.tcpcpu=C

`ensure_packages()` fails, naming the package, when QEMU, busybox-static
or a Debian kernel is missing (scripts/install-deps.sh installs them); `build()` returns (kernel,
initramfs) and caches the initramfs under /tmp keyed by kernel version and
a hash of its contents, so reruns do not rebuild it.
"""

import gzip
import hashlib
import io
import lzma
import os
import re
import subprocess
import tempfile
from pathlib import Path

import programs

BUSYBOX = "/bin/busybox"
QEMU = "qemu-system-x86_64"
MODULES = "/lib/modules"
CACHE_DIR = Path("/tmp")

# The modules virtio-net needs, leaves first; dependencies from modules.dep
# are added in front of whatever needs them.  virtio_pci_modern_dev and
# virtio_pci_legacy_dev are separate modules from 5.14/5.17 on.
WANTED_MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
                  "virtio_pci", "failover", "net_failover", "virtio_net"]

INIT_SCRIPT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

arg() {    # arg KEY DEFAULT: value of KEY= on the kernel command line
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1="*) echo "${w#*=}"; return;; esac
    done
    echo "$2"
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
finish() {
    echo "GUEST-POWEROFF"
    sync
    poweroff -f
    sleep 5
    echo o > /proc/sysrq-trigger
}

echo "GUEST-INIT-START $(uptime_s)"
for m in $(cat /modules.order); do
    insmod "/modules/$m.ko" || echo "GUEST-INSMOD-FAIL $m"
done

IP=$(arg pontoon.ip "")
PEER=$(arg pontoon.peer "")
MAC=$(arg pontoon.mac "")
COUNT=$(arg pontoon.count 5)
LINGER=$(arg pontoon.linger 0)
ECHOES=$(arg pontoon.echoes 0)
QUEUES=$(arg pontoon.queues 0)
TCP=$(arg pontoon.tcp 0)
TCPCPU=$(arg pontoon.tcpcpu -1)

queue_report() {    # queue_report WHEN
    [ "$QUEUES" -gt 0 ] || return 0
    echo "GUEST-QUEUES $1 rx=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)" \
         "tx=$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l) cpus=$(nproc)"
    awk -v when="$1" '/virtio[0-9]+-(input|output)\./ {
            n = 0
            for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
            sub(/^virtio[0-9]+-/, "", $NF)
            line = line " " $NF "=" n
        }
        END { print "GUEST-IRQ " when line }' /proc/interrupts
}

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e /sys/class/net/eth0 ]; then
    echo "GUEST-PING-FAIL $PEER no-eth0 ($(ls /sys/class/net | tr '\n' ' '))"
    finish
fi
echo "GUEST-ETH0 $(cat /sys/class/net/eth0/address) $(uptime_s)"
ip link set lo up
[ -n "$MAC" ] && ip link set eth0 address "$MAC"
ip addr add "$IP" dev eth0
ip link set eth0 up
echo "GUEST-NET-UP $IP $(uptime_s)"

# The first replies may take a while (ARP, the switch learning the port).
ok=0
i=0
while [ $i -lt 20 ]; do
    if ping -c 1 -W 1 "$PEER" >/dev/null 2>&1; then ok=1; break; fi
    i=$((i + 1))
done
if [ $ok = 1 ]; then
    out=$(ping -c "$COUNT" -i 0.2 -W 1 "$PEER" 2>&1)
    echo "$out" | tail -n 2
    got=$(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
    if [ "${got:-0}" -gt 0 ]; then
        echo "GUEST-PING-OK $PEER $(uptime_s) received=$got/$COUNT"
    else
        echo "GUEST-PING-FAIL $PEER only-first-reply"
    fi
else
    echo "GUEST-PING-FAIL $PEER no-reply"
    ip addr show dev eth0
    ip neigh show
    cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets
fi

queue_report after-ping
if [ "$TCP" -gt 0 ]; then
    ncpu=$(nproc)
    i=0
    while [ $i -lt "$TCP" ]; do
        cpu=$((i % ncpu))
        [ "$TCPCPU" -ge 0 ] && cpu=$TCPCPU
        taskset -c $cpu nc -w 2 "$PEER" $((40000 + i)) </dev/null >/dev/null 2>&1 &
        i=$((i + 1))
    done
    wait
    echo "GUEST-TCP $TCP"
fi

in_echos() {
    awk '/^Icmp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 }
                    else { print $c; exit } }' /proc/net/snmp
}
if [ "$LINGER" -gt 0 ]; then
    base=$(in_echos)      # before the marker: the host starts pinging when it sees it
    echo "GUEST-LINGER $LINGER $ECHOES"
    end=$(( $(cut -d. -f1 /proc/uptime) + LINGER ))
    n=0
    last=0
    while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
        n=$(( $(in_echos) - base ))
        [ $n != $last ] && echo "GUEST-ECHO $n $(uptime_s)"
        last=$n
        [ "$ECHOES" -gt 0 ] && [ $n -ge "$ECHOES" ] && break
        sleep 0.2
    done
    echo "GUEST-ECHOED $n (InEchos $base -> $(in_echos)) $(uptime_s)"
    sleep 2               # still answering while the host's ping finishes

fi
queue_report end
finish
"""


class GuestImageError(Exception):
    pass


def find_kernel():
    """(version, vmlinuz path, modules dir) of an installed kernel that has
    virtio_net as a module or built in; the newest first.  None if none."""
    found = []
    for vmlinuz in Path("/boot").glob("vmlinuz-*"):
        version = vmlinuz.name[len("vmlinuz-"):]
        moddir = Path(MODULES) / version
        if (moddir / "modules.dep").exists():
            found.append((version, vmlinuz, moddir))
    if not found:
        return None

    def key(item):
        return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", item[0])]
    try:
        found.sort(key=key, reverse=True)
    except TypeError:
        found.sort(reverse=True)
    return found[0]


def ensure_packages():
    """Raises MissingProgram (naming its package) unless QEMU, busybox-static
    and a Debian kernel with its modules are here."""
    programs.require(QEMU, BUSYBOX, "zstd")
    if find_kernel() is None:
        raise programs.MissingProgram(
            f"no /boot/vmlinuz-* with {MODULES}/<version>/modules.dep: the guest's kernel comes "
            f"from the Debian package {programs.package_of(MODULES)}; run scripts/install-deps.sh")


def _module_name(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base)
    return base.replace("-", "_")


def resolve_modules(moddir, wanted=WANTED_MODULES):
    """Module paths (relative to moddir) to insmod, dependencies first.
    Modules that are built in (modules.builtin) or absent are skipped."""
    deps, by_name = {}, {}
    for line in (moddir / "modules.dep").read_text().splitlines():
        if ":" not in line:
            continue
        mod, rest = line.split(":", 1)
        deps[mod] = rest.split()
        by_name[_module_name(mod)] = mod
    order = []

    def visit(mod, stack=()):
        if mod in order or mod in stack:
            return
        for d in deps.get(mod, []):
            visit(d, stack + (mod,))
        order.append(mod)

    for name in wanted:
        if name in by_name:
            visit(by_name[name])
    if "virtio_net" not in [_module_name(m) for m in order]:
        builtin = moddir / "modules.builtin"
        if not (builtin.exists() and "virtio_net.ko" in builtin.read_text()):
            raise GuestImageError(f"virtio_net is neither a module nor built in for {moddir.name}")
    return order


def _read_module(path):
    """The uncompressed bytes of a .ko, .ko.xz, .ko.zst or .ko.gz."""
    data = Path(path).read_bytes()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        try:
            import zstandard
            return zstandard.ZstdDecompressor().decompress(data, max_output_size=64 << 20)
        except ImportError:
            pass
        r = subprocess.run(["zstd", "-dc", path], capture_output=True, timeout=60)
        if r.returncode != 0:
            raise GuestImageError(f"zstd -dc {path}: {r.stderr.decode(errors='replace')}")
        return r.stdout
    return data


# ---------------------------------------------------------------- cpio (newc)
class _Cpio:
    """Writes a newc ("070701") archive, the format the kernel unpacks."""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1000

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        self.ino += 1
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
        self.out.write(hdr.encode() + name_b)
        self._pad()
        self.out.write(data)
        self._pad()

    def _pad(self):
        self.out.write(b"\0" * (-self.out.tell() % 4))

    def dir(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def chardev(self, name, major, minor, mode=0o600):
        self._entry(name, 0o020000 | mode, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        self.out.write(b"\0" * (-self.out.tell() % 512))
        return self.out.getvalue()


def build_initramfs(moddir):
    """The gzipped cpio bytes of the guest's initramfs."""
    mods = resolve_modules(moddir)
    a = _Cpio()
    for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp",
              "modules"):
        a.dir(d)
    a.chardev("dev/console", 5, 1)
    a.chardev("dev/null", 1, 3, 0o666)
    a.file("bin/busybox", Path(BUSYBOX).read_bytes(), 0o755)
    a.file("init", INIT_SCRIPT.encode(), 0o755)
    names = []
    for m in mods:
        name = _module_name(m)
        a.file(f"modules/{name}.ko", _read_module(str(moddir / m)))
        names.append(name)
    a.file("modules.order", ("\n".join(names) + "\n").encode())
    return gzip.compress(a.finish(), compresslevel=6, mtime=0), names


def build(cache_dir=CACHE_DIR):
    """Makes sure the packages are there; returns (vmlinuz, initramfs path,
    kernel version, module names).  The initramfs is cached under
    cache_dir, keyed by kernel version and a hash of busybox and /init."""
    ensure_packages()
    version, vmlinuz, moddir = find_kernel()
    h = hashlib.sha256()
    h.update(INIT_SCRIPT.encode())
    h.update(Path(BUSYBOX).read_bytes())
    h.update((moddir / "modules.dep").read_bytes())
    path = Path(cache_dir) / f"pontoon-guest-{version}-{h.hexdigest()[:12]}.cpio.gz"
    names = [_module_name(m) for m in resolve_modules(moddir)]
    if not path.exists():
        data, names = build_initramfs(moddir)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=str(cache_dir))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)       # atomic: concurrent builders race harmlessly
    return vmlinuz, path, version, names


if __name__ == "__main__":
    k, i, v, n = build()
    print(f"kernel {k} ({v})\ninitramfs {i} ({i.stat().st_size} bytes)\nmodules {' '.join(n)}")
