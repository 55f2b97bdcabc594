#!/usr/bin/python3
"""Writes the SR-IOV fixture tree tests/data/sriov/host (see README.md).

Only the files Pontoon's PCI inventory and VF-count rules read, in the
layout of Documentation/ABI/testing/sysfs-bus-pci (sriov_totalvfs,
sriov_numvfs, sriov_offset, sriov_stride, sriov_vf_device, virtfnN,
physfn, driver, driver_override) and sysfs-class-net (class/net/DEV ->
devices/..., DEV/device), with the symlinks sysfs has.  VF addresses
follow each PF's SR-IOV capability: VF n of a PF at routing ID R is
R + offset + n * stride (82576: offset 128, stride 2; 82599 likewise;
ConnectX-5: offset 2, stride 1).  Run it from anywhere; it rewrites the tree:
    /usr/bin/python3 tests/data/sriov/make_trees.py
"""

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Tree:
    def __init__(self, name):
        self.root = HERE / name
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir()
        self.ifindex = 1

    def write(self, path, text):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text + "\n")

    def link(self, path, target):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)

    def function(self, bridge, address, vendor, device, cls, driver=None, numa=-1,
                 override=None, subsystem=None):
        """A PCI function under the root port `bridge` ("" for the root bus)."""
        path = f"pci0000:00/{bridge}/{address}" if bridge else f"pci0000:00/{address}"
        base = f"sys/devices/{path}"
        self.link(f"sys/bus/pci/devices/{address}", f"../../../devices/{path}")
        self.write(f"{base}/vendor", f"0x{vendor:04x}")
        self.write(f"{base}/device", f"0x{device:04x}")
        self.write(f"{base}/class", f"0x{cls:06x}")
        sv, sd = subsystem or (vendor, device)
        self.write(f"{base}/subsystem_vendor", f"0x{sv:04x}")
        self.write(f"{base}/subsystem_device", f"0x{sd:04x}")
        self.write(f"{base}/numa_node", str(numa))
        self.write(f"{base}/driver_override", override or "(null)")
        depth = base.count("/")   # from base up to sys/
        if driver:
            # bind/unbind as sysfs has them (and so that git keeps the directory)
            for name in ("bind", "unbind"):
                self.write(f"sys/bus/pci/drivers/{driver}/{name}", "")
            self.link(f"{base}/driver", "../" * depth + f"bus/pci/drivers/{driver}")
        return base

    def netdev(self, base, name, mac):
        self.link(f"sys/class/net/{name}", "../../" + base[len("sys/"):] + f"/net/{name}")
        self.link(f"{base}/net/{name}/device", "../../../" + base.rsplit("/", 1)[1])
        self.write(f"{base}/net/{name}/address", mac)
        self.write(f"{base}/net/{name}/ifindex", str(self.ifindex))
        self.write(f"{base}/net/{name}/mtu", "1500")
        self.ifindex += 1

    def pf(self, bridge, address, vendor, device, vf_device, total, offset, stride, driver,
           netdev, mac, vfs, numa=-1):
        """vfs: [(driver or None, netdev or None, driver_override)] for the
        VFs enabled now (sriov_numvfs = len(vfs))."""
        base = self.function(bridge, address, vendor, device, 0x020000, driver, numa)
        if netdev:
            self.netdev(base, netdev, mac)
        self.write(f"{base}/sriov_totalvfs", str(total))
        self.write(f"{base}/sriov_numvfs", str(len(vfs)))
        self.write(f"{base}/sriov_offset", str(offset))
        self.write(f"{base}/sriov_stride", str(stride))
        self.write(f"{base}/sriov_vf_device", f"{vf_device:x}")
        self.write(f"{base}/sriov_drivers_autoprobe", "1")
        domain, bus, rest = address.split(":")
        slot, fn = rest.split(".")
        rid = int(bus, 16) << 8 | int(slot, 16) << 3 | int(fn)
        out = []
        for n, (vf_driver, vf_netdev, override) in enumerate(vfs):
            r = rid + offset + n * stride
            vf_addr = f"{domain}:{r >> 8:02x}:{(r >> 3) & 0x1f:02x}.{r & 7}"
            vf_base = self.function(bridge, vf_addr, vendor, vf_device, 0x020000, vf_driver,
                                    numa, override)
            self.link(f"{vf_base}/physfn", f"../{address}")
            self.link(f"{base}/virtfn{n}", f"../{vf_addr}")
            if vf_netdev:
                self.netdev(vf_base, vf_netdev, f"00:00:00:00:00:{n:02x}")
            out.append(vf_addr)
        return out


def host():
    t = Tree("host")
    t.function("", "0000:00:00.0", 0x8086, 0x3e30, 0x060000)            # host bridge
    for port in ("0000:00:1c.0", "0000:00:1c.4", "0000:00:1d.0", "0000:00:1d.4"):
        t.function("", port, 0x8086, 0xa33c, 0x060400, "pcieport")
    # e1000e on the root bus: no SR-IOV capability at all.
    base = t.function("", "0000:00:1f.6", 0x8086, 0x15bb, 0x020000, "e1000e")
    t.netdev(base, "eno1", "3c:ec:ef:00:00:01")
    # The seed's 82576 (igb), both ports: eth1 with all 7 VFs (igbvf), eth2 with 2.
    t.pf("0000:00:1c.0", "0000:04:00.0", 0x8086, 0x10c9, 0x10ca, 7, 128, 2, "igb", "eth1",
         "00:1b:21:00:00:01",
         [("igbvf", name, None) for name in ("enp4s16", "enp4s16f2", "enp4s16f4", "enp4s16f6",
                                             "enp4s17", "enp4s17f2", "enp4s17f4")])
    t.pf("0000:00:1c.0", "0000:04:00.1", 0x8086, 0x10c9, 0x10ca, 7, 128, 2, "igb", "eth2",
         "00:1b:21:00:00:02",
         [("igbvf", "enp4s16f1", None), ("igbvf", "enp4s16f3", None)])
    # 82599 (ixgbe): 4 of 63 VFs, the first two bound to vfio-pci (guests have them).
    t.pf("0000:00:1c.4", "0000:05:00.0", 0x8086, 0x10fb, 0x10ed, 63, 128, 2, "ixgbe", "eth3",
         "90:e2:ba:00:00:01",
         [("vfio-pci", None, "vfio-pci"), ("vfio-pci", None, "vfio-pci"),
          ("ixgbevf", "enp5s16f4", None), ("ixgbevf", "enp5s16f6", None)])
    # ConnectX-5 (mlx5_core): SR-IOV capable, no VFs yet.
    t.pf("0000:00:1d.0", "0000:3b:00.0", 0x15b3, 0x1017, 0x1018, 8, 2, 1, "mlx5_core",
         "enp59s0f0np0", "b8:59:9f:00:00:01", [], numa=0)
    # A veth: a network device that is no PCI device.
    t.link("sys/class/net/veth0", "../../devices/virtual/net/veth0")
    t.write("sys/devices/virtual/net/veth0/ifindex", str(t.ifindex))
    # Another 82576 with no driver bound: SR-IOV capable, but nothing can make VFs.
    t.pf("0000:00:1d.4", "0000:06:00.0", 0x8086, 0x10c9, 0x10ca, 7, 128, 2, None, None, None,
         [])


if __name__ == "__main__":
    host()
