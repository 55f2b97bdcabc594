#!/usr/bin/python3
"""Writes the PCI fixture trees of tests/data/pci (see README.md).

Each tree holds only the sysfs files Pontoon's PCI inventory and the
passthrough planner read, laid out as Documentation/ABI/testing/
sysfs-bus-pci and sysfs-kernel-iommu_groups document them:
  sys/devices/pciDDDD:BB/.../ADDR/{class,vendor,device,subsystem_vendor,
      subsystem_device,revision,numa_node,driver_override}  (hex "0x8086\\n")
  sys/bus/pci/devices/ADDR -> ../../../devices/pciDDDD:BB/.../ADDR
  ADDR/driver -> ../../../bus/pci/drivers/NAME, and drivers/NAME/ADDR back
  drivers/NAME/{bind,unbind,new_id,remove_id}, bus/pci/drivers_probe
  ADDR/iommu_group -> ../../../kernel/iommu_groups/N,
      kernel/iommu_groups/N/devices/ADDR -> the device
  PF: sriov_totalvfs, sriov_numvfs, sriov_offset, sriov_stride,
      sriov_vf_device, sriov_drivers_autoprobe, virtfnN -> ../VF_ADDR
  VF: physfn -> ../PF_ADDR
  ADDR/net/DEV (or ADDR/virtioN/net/DEV) with address, ifindex;
      class/net/DEV -> ../../devices/.../net/DEV; DEV/master -> the upper device
and the host facts the passthrough checks read on a captured tree:
  proc/net/route (the kernel's layout, proc(5)), and
  sos_commands/networking/ip_-o_addr (`ip -o addr` output, as sosreport keeps it);
  proc/PID/fd/N -> /dev/vfio/GROUP and proc/PID/comm for a guest holding a group.
Written files are empty where the kernel's are write-only (bind, unbind,
drivers_probe), so tests can check what was written to a copy.
Run it from anywhere; it rewrites every tree:
    /usr/bin/python3 tests/data/pci/make_pci.py
"""

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Tree:
    def __init__(self, name, iommu=True):
        self.root = HERE / name
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir()
        self.iommu = iommu
        self.paths = {}          # address -> path below sys/devices
        self.drivers = set()
        self.ifindex = 1
        self.write("sys/bus/pci/drivers_probe", "")
        self.write("sys/bus/pci/rescan", "")
        if iommu:
            (self.root / "sys/kernel/iommu_groups").mkdir(parents=True)

    def write(self, path, text):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text + "\n" if text else "")

    def link(self, path, target):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_symlink() or p.exists():
            p.unlink()
        os.symlink(target, p)

    def rel(self, from_dir, to):
        """A relative link target from directory `from_dir` to `to` (both below root)."""
        return os.path.relpath(self.root / to, self.root / from_dir)

    def driver(self, name):
        if name in self.drivers:
            return
        self.drivers.add(name)
        for f in ("bind", "unbind", "new_id", "remove_id"):
            self.write(f"sys/bus/pci/drivers/{name}/{f}", "")

    def device(self, addr, parent, vendor, device, cls, driver=None, sub=None, rev=1,
               numa=-1, group=None, override=None):
        """parent: a bridge's address, or a root bus name such as "pci0000:00"."""
        path = (f"{self.paths[parent]}/{addr}" if parent in self.paths
                else f"{parent}/{addr}")
        self.paths[addr] = path
        d = f"sys/devices/{path}"
        sub = sub or (vendor, device)
        self.write(f"{d}/class", f"0x{cls:06x}")
        self.write(f"{d}/vendor", f"0x{vendor:04x}")
        self.write(f"{d}/device", f"0x{device:04x}")
        self.write(f"{d}/subsystem_vendor", f"0x{sub[0]:04x}")
        self.write(f"{d}/subsystem_device", f"0x{sub[1]:04x}")
        self.write(f"{d}/revision", f"0x{rev:02x}")
        self.write(f"{d}/numa_node", str(numa))
        self.write(f"{d}/driver_override", override or "(null)")
        self.link(f"sys/bus/pci/devices/{addr}", self.rel("sys/bus/pci/devices", d))
        if driver:
            self.bind(addr, driver)
        if self.iommu and group is not None:
            g = f"sys/kernel/iommu_groups/{group}"
            (self.root / g / "devices").mkdir(parents=True, exist_ok=True)
            self.write(f"{g}/type", "DMA")
            self.link(f"{g}/devices/{addr}", self.rel(f"{g}/devices", d))
            self.link(f"{d}/iommu_group", self.rel(d, g))
        return d

    def bind(self, addr, driver):
        d = f"sys/devices/{self.paths[addr]}"
        self.driver(driver)
        self.link(f"{d}/driver", self.rel(d, f"sys/bus/pci/drivers/{driver}"))
        self.link(f"sys/bus/pci/drivers/{driver}/{addr}",
                  self.rel(f"sys/bus/pci/drivers/{driver}", d))

    def netdev(self, addr, name, mac, virtio=None, master=None):
        base = f"sys/devices/{self.paths[addr]}"
        if virtio:
            base += f"/{virtio}"
            self.write(f"{base}/device", "0x0001")
            self.write(f"{base}/vendor", "0x1af4")
        n = f"{base}/net/{name}"
        self.write(f"{n}/address", mac)
        self.write(f"{n}/ifindex", str(self.next_ifindex()))
        # As sysfs has it: "../../../0000:04:00.0", the device's own name last.
        self.link(f"{n}/device", self.rel(n, os.path.dirname(base)) + "/"
                  + os.path.basename(base))
        self.link(f"sys/class/net/{name}", self.rel("sys/class/net", n))
        if master:
            self.link(f"{n}/master", self.rel(n, f"sys/devices/virtual/net/{master}"))

    def virtual_netdev(self, name, mac):
        n = f"sys/devices/virtual/net/{name}"
        self.write(f"{n}/address", mac)
        self.write(f"{n}/ifindex", str(self.next_ifindex()))
        self.link(f"sys/class/net/{name}", self.rel("sys/class/net", n))

    def next_ifindex(self):
        self.ifindex += 1
        return self.ifindex

    def pf(self, addr, total, vfs, vf_device, offset, stride):
        d = f"sys/devices/{self.paths[addr]}"
        self.write(f"{d}/sriov_totalvfs", str(total))
        self.write(f"{d}/sriov_numvfs", str(len(vfs)))
        self.write(f"{d}/sriov_offset", str(offset))
        self.write(f"{d}/sriov_stride", str(stride))
        self.write(f"{d}/sriov_vf_device", f"{vf_device:x}")
        self.write(f"{d}/sriov_drivers_autoprobe", "1")
        for i, vf in enumerate(vfs):
            v = f"sys/devices/{self.paths[vf]}"
            self.link(f"{d}/virtfn{i}", self.rel(d, v))
            self.link(f"{v}/physfn", self.rel(v, d))

    def routes(self, rows):
        """rows: (iface, destination, gateway, flags, mask) as host-order hex."""
        head = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU"
                "\tWindow\tIRTT")
        lines = [head]
        for iface, dest, gw, flags, mask in rows:
            lines.append(f"{iface}\t{dest}\t{gw}\t{flags:04X}\t0\t0\t0\t{mask}\t0\t0\t0")
        self.write("proc/net/route", "\n".join(lines))

    def addresses(self, lines):
        self.write("sos_commands/networking/ip_-o_addr", "\n".join(lines))


def addr_line(index, name, family, cidr, scope, brd=None):
    extra = f" brd {brd}" if brd else ""
    return (f"{index}: {name}    {family} {cidr}{extra} scope {scope} {name}\\"
            f"       valid_lft forever preferred_lft forever")


def igb_82576():
    """The seed's host: an Intel 82576 dual-port card, port 0 with 7 VFs."""
    t = Tree("igb-82576")
    t.device("0000:00:00.0", "pci0000:00", 0x8086, 0x3c00, 0x060000, rev=7, numa=0, group=0)
    t.device("0000:00:01.0", "pci0000:00", 0x8086, 0x3c02, 0x060400, "pcieport", rev=7,
             numa=0, group=1)
    # The 82576 (rev 01), two ports; ACS-isolated functions: a group each.
    t.device("0000:04:00.0", "0000:00:01.0", 0x8086, 0x10c9, 0x020000, "igb",
             sub=(0x8086, 0xa03c), numa=0, group=15)
    t.device("0000:04:00.1", "0000:00:01.0", 0x8086, 0x10c9, 0x020000, "igb",
             sub=(0x8086, 0xa03c), numa=0, group=16)
    # 82576 VFs: offset 0x80, stride 2 from port 0 (04:10.0, 04:10.2 ... 04:11.4).
    vfs = []
    names = ["enp4s16", "enp4s16f2", "enp4s16f4", "enp4s16f6", "enp4s17", "enp4s17f2",
             "enp4s17f4"]
    for i in range(7):
        fn = 0x80 + 2 * i
        addr = f"0000:04:{fn >> 3:02x}.{fn & 7}"
        t.device(addr, "0000:00:01.0", 0x8086, 0x10ca, 0x020000, "igbvf",
                 sub=(0x8086, 0xa03c), numa=0, group=17 + i)
        t.netdev(addr, names[i], f"02:00:00:00:04:{i:02x}")
        vfs.append(addr)
    t.pf("0000:04:00.0", 7, vfs, 0x10ca, 128, 2)
    t.pf("0000:04:00.1", 7, [], 0x10ca, 128, 2)
    t.netdev("0000:04:00.0", "eth1", "00:1b:21:3c:9d:f8")
    # Port 1 under a kernel bridge holding the host's address (ifcfg-br1).
    t.virtual_netdev("br1", "00:1b:21:3c:9d:f9")
    t.netdev("0000:04:00.1", "eth2", "00:1b:21:3c:9d:f9", master="br1")
    # The on-board NIC carries the host: its address and the default route.
    t.device("0000:00:19.0", "pci0000:00", 0x8086, 0x1502, 0x020000, "e1000e", rev=4,
             numa=0, group=5)
    t.netdev("0000:00:19.0", "eth0", "00:25:90:4a:11:02")
    # A root port without ACS: its group holds it and both ports of an I350
    # behind it; port 1 on igb makes the group not viable for port 0.
    t.device("0000:00:1c.0", "pci0000:00", 0x8086, 0x1c10, 0x060400, "pcieport", rev=0xb5,
             numa=0, group=8)
    t.device("0000:05:00.0", "0000:00:1c.0", 0x8086, 0x1521, 0x020000, "igb", numa=0,
             group=8)
    t.device("0000:05:00.1", "0000:00:1c.0", 0x8086, 0x1521, 0x020000, "igb", numa=0,
             group=8)
    t.netdev("0000:05:00.0", "eth3", "a0:36:9f:00:00:10")
    t.netdev("0000:05:00.1", "eth4", "a0:36:9f:00:00:11")
    t.driver("vfio-pci")
    t.routes([("eth0", "00000000", "010200C0", 0x0003, "00000000"),
              ("eth0", "000200C0", "00000000", 0x0001, "00FFFFFF"),
              ("br1", "006433C6", "00000000", 0x0001, "00FFFFFF")])
    t.addresses([
        addr_line(1, "lo", "inet", "127.0.0.1/8", "host"),
        addr_line(2, "eth0", "inet", "192.0.2.10/24", "global", "192.0.2.255"),
        addr_line(2, "eth0", "inet6", "fe80::225:90ff:fe4a:1102/64", "link"),
        addr_line(3, "eth1", "inet6", "fe80::21b:21ff:fe3c:9df8/64", "link"),
        addr_line(12, "br1", "inet", "198.51.100.7/24", "global", "198.51.100.255"),
    ])


def ixgbe_vfio():
    """An 82599 (ixgbe) with 4 VFs, three of them given to vfio-pci; a guest
    (pid 4242) holds VF 0's group."""
    t = Tree("ixgbe-vfio")
    t.device("0000:00:00.0", "pci0000:00", 0x8086, 0x2020, 0x060000, rev=4, numa=0, group=0)
    t.device("0000:3a:00.0", "pci0000:3a", 0x8086, 0x2030, 0x060400, "pcieport", rev=4,
             numa=0, group=30)
    for fn, name, mac in ((0, "ens1f0", "90:e2:ba:11:22:30"), (1, "ens1f1", "90:e2:ba:11:22:31")):
        addr = f"0000:3b:00.{fn}"
        t.device(addr, "0000:3a:00.0", 0x8086, 0x10fb, 0x020000, "ixgbe",
                 sub=(0x8086, 0x0003), numa=0, group=31 + fn)
        t.netdev(addr, name, mac)
    vfs = []
    for i in range(4):
        fn = 0x80 + 2 * i
        addr = f"0000:3b:{fn >> 3:02x}.{fn & 7}"
        vfio = i < 3
        t.device(addr, "0000:3a:00.0", 0x8086, 0x10ed, 0x020000,
                 "vfio-pci" if vfio else "ixgbevf", sub=(0x8086, 0x0003), numa=0,
                 group=33 + i, override="vfio-pci" if vfio else None)
        if not vfio:
            t.netdev(addr, f"ens1f0v{i}", f"52:54:00:3b:10:{i:02x}")
        vfs.append(addr)
    t.pf("0000:3b:00.0", 63, vfs, 0x10ed, 128, 2)
    t.pf("0000:3b:00.1", 63, [], 0x10ed, 128, 2)
    t.write("proc/4242/comm", "qemu-system-x86")
    t.link("proc/4242/fd/31", "/dev/vfio/33")
    t.link("proc/4242/fd/0", "/dev/null")
    t.routes([("ens1f1", "00000000", "010010AC", 0x0003, "00000000")])
    t.addresses([addr_line(1, "lo", "inet", "127.0.0.1/8", "host"),
                 addr_line(5, "ens1f1", "inet", "172.16.0.20/16", "global", "172.16.255.255")])


def mlx5():
    """A ConnectX-5 (mlx5_core) on NUMA node 1 with 2 of 8 VFs."""
    t = Tree("mlx5")
    t.device("0000:00:00.0", "pci0000:00", 0x8086, 0x2020, 0x060000, rev=4, numa=0, group=0)
    t.device("0000:5d:00.0", "pci0000:5d", 0x8086, 0x2030, 0x060400, "pcieport", rev=4,
             numa=1, group=50)
    t.device("0000:5e:00.0", "0000:5d:00.0", 0x15b3, 0x1017, 0x020000, "mlx5_core",
             sub=(0x15b3, 0x0007), rev=0, numa=1, group=51)
    t.netdev("0000:5e:00.0", "enp94s0f0np0", "b8:59:9f:00:5e:00")
    vfs = []
    for i in range(2):
        addr = f"0000:5e:00.{2 + i}"
        t.device(addr, "0000:5d:00.0", 0x15b3, 0x1018, 0x020000, "mlx5_core",
                 sub=(0x15b3, 0x0007), rev=0, numa=1, group=52 + i)
        t.netdev(addr, f"enp94s0f0v{i}", f"52:54:00:5e:00:{i:02x}")
        vfs.append(addr)
    t.pf("0000:5e:00.0", 8, vfs, 0x1018, 2, 1)
    t.driver("vfio-pci")
    t.routes([])
    t.addresses([addr_line(1, "lo", "inet", "127.0.0.1/8", "host")])


def no_iommu():
    """A KVM guest (Q35) with no IOMMU: no iommu_group links, no
    /sys/kernel/iommu_groups; a virtio-net NIC carrying the host and an
    emulated 82576 (QEMU's igb)."""
    t = Tree("no-iommu", iommu=False)
    t.device("0000:00:00.0", "pci0000:00", 0x8086, 0x29c0, 0x060000, sub=(0x1af4, 0x1100),
             rev=0)
    t.device("0000:00:01.0", "pci0000:00", 0x1af4, 0x1041, 0x020000, "virtio-pci",
             sub=(0x1af4, 0x1100))
    t.netdev("0000:00:01.0", "eth0", "52:54:00:12:34:56", virtio="virtio0")
    t.device("0000:00:02.0", "pci0000:00", 0x8086, 0x10c9, 0x020000, "igb",
             sub=(0x8086, 0x0000))
    t.netdev("0000:00:02.0", "eth1", "52:54:00:12:34:57")
    t.pf("0000:00:02.0", 7, [], 0x10ca, 128, 2)
    t.routes([("eth0", "00000000", "0202000A", 0x0003, "00000000")])
    t.addresses([addr_line(1, "lo", "inet", "127.0.0.1/8", "host"),
                 addr_line(2, "eth0", "inet", "10.0.2.15/24", "global", "10.0.2.255")])


if __name__ == "__main__":
    igb_82576()
    ixgbe_vfio()
    mlx5()
    no_iommu()
