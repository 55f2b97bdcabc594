#!/usr/bin/python3
"""Writes the captured-host fixture trees of tests/data/hosts (see README.md).

Each tree holds only the files Pontoon's inventory reads, in the formats the
kernel writes them (Documentation/ABI/testing/sysfs-class-net-queues,
sysfs-class-net, sysfs-bus-pci, sysfs-devices-system-cpu, proc(5) for
/proc/interrupts and /proc/softirqs, kernel/irq/proc.c for the column
layout) and the symlinks sysfs has (class/net/DEV -> devices/..., device,
device/driver).  Run it from anywhere; it rewrites both trees:
    /usr/bin/python3 tests/data/hosts/make_hosts.py
"""

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cpu_list(cpus):
    """As the kernel prints a list ("%*pbl"): 0-11,24-35."""
    cpus = sorted(cpus)
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(out)


def cpu_mask(cpus, nbits):
    """As the kernel prints a bitmap ("%*pb"): 32-bit groups, the first cut."""
    value = sum(1 << c for c in cpus)
    groups = []
    for g in range((nbits + 31) // 32):
        groups.append((value >> (32 * g)) & 0xffffffff)
    first_bits = nbits % 32 or 32
    parts = []
    for g in reversed(range(len(groups))):
        width = (first_bits + 3) // 4 if g == len(groups) - 1 else 8
        parts.append(f"{groups[g]:0{width}x}")
    return ",".join(parts)


class Tree:
    def __init__(self, name):
        self.root = HERE / name
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir()

    def write(self, path, text):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text + "\n")

    def link(self, path, target):
        p = self.root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)

    def cpus(self, online, nodes, nbits):
        self.write("sys/devices/system/cpu/online", cpu_list(online))
        self.write("sys/devices/system/cpu/possible", f"0-{nbits - 1}")
        self.write("sys/devices/system/node/online", cpu_list(list(nodes)))
        for node, cpus in nodes.items():
            self.write(f"sys/devices/system/node/node{node}/cpulist", cpu_list(cpus))
        self.write("proc/irq/default_smp_affinity", cpu_mask(range(nbits), nbits))

    def netdev(self, name, device_path, mtu, speed, rxqs, txqs):
        """rxqs: [(rps_cpus, rps_flow_cnt)]; txqs: [(xps_cpus or None, xps_rxqs)]."""
        if device_path:
            self.link(f"sys/class/net/{name}", f"../../devices/{device_path}/net/{name}")
            base = f"sys/devices/{device_path}/net/{name}"
            up = "../" * 2
            self.link(f"{base}/device", up.rstrip("/"))
        else:
            self.link(f"sys/class/net/{name}", f"../../devices/virtual/net/{name}")
            base = f"sys/devices/virtual/net/{name}"
        self.write(f"{base}/mtu", str(mtu))
        if speed is not None:
            self.write(f"{base}/speed", str(speed))
        for q, (rps, flows) in enumerate(rxqs):
            self.write(f"{base}/queues/rx-{q}/rps_cpus", rps)
            self.write(f"{base}/queues/rx-{q}/rps_flow_cnt", str(flows))
        for q, (xps, rxqs_mask) in enumerate(txqs):
            d = self.root / f"{base}/queues/tx-{q}"
            d.mkdir(parents=True, exist_ok=True)
            if xps is not None:   # a one-queue device has no readable xps_cpus
                self.write(f"{base}/queues/tx-{q}/xps_cpus", xps)
            self.write(f"{base}/queues/tx-{q}/xps_rxqs", rxqs_mask)
        return base

    def pci_function(self, path, driver, bus_driver_dir, numa_node, msi_irqs):
        self.write(f"sys/devices/{path}/numa_node", str(numa_node))
        for irq in msi_irqs:
            self.write(f"sys/devices/{path}/msi_irqs/{irq}", "msix")
        depth = path.count("/") + 2
        self.link(f"sys/devices/{path}/driver", "../" * depth + f"bus/{bus_driver_dir}/{driver}")

    def interrupts(self, ncpus, lines, width=3):
        """lines: (irq, counts{cpu: n}, chip, hwirq, name).  As show_interrupts
        prints them: "%*d: ", "%10u " per online CPU, " %8s" chip, " %*lu"
        hwirq, "-%-8s" flow, "  %s" action."""
        out = [" " * (width + 8) + "".join(f"CPU{c:<8d}" for c in range(ncpus)).rstrip()]
        for irq, counts, chip, hwirq, name in lines:
            row = f"{irq:>{width}}: " + "".join(f"{counts.get(c, 0):10d} " for c in range(ncpus))
            row += f" {chip:>8s} {hwirq:>{width}}-{'edge':<8s}  {name}"
            out.append(row)
        out.append(f"{'NMI':>{width}}: " + "".join(f"{0:10d} " for c in range(ncpus))
                   + "  Non-maskable interrupts")
        out.append(f"{'LOC':>{width}}: " + "".join(f"{1000 + c:10d} " for c in range(ncpus))
                   + "  Local timer interrupts")
        out.append(f"{'ERR':>{width}}: {0:10d}")
        self.write("proc/interrupts", "\n".join(out))

    def softirqs(self, ncpus, net_rx):
        head = " " * 20 + "".join(f"CPU{c:<7d}" for c in range(ncpus))
        rows = [head.rstrip()]
        for name in ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET",
                     "SCHED", "HRTIMER", "RCU"):
            vals = net_rx if name == "NET_RX" else [7] * ncpus
            rows.append(f"{name + ':':>12s}" + "".join(f" {v:10d}" for v in vals))
        self.write("proc/softirqs", "\n".join(rows))

    def irq_affinity(self, irq, affinity, effective):
        self.write(f"proc/irq/{irq}/smp_affinity_list", affinity)
        self.write(f"proc/irq/{irq}/effective_affinity_list", effective)


def ethtool_l(maxes, current):
    def v(n):
        return str(n) if n else "n/a"
    names = ("RX", "TX", "Other", "Combined")
    text = ["Channel parameters for DEV:", "Pre-set maximums:"]
    text += [f"{n}:\t\t{v(x)}" for n, x in zip(names, maxes)]
    text += ["Current hardware settings:"]
    text += [f"{n}:\t\t{v(x)}" for n, x in zip(names, current)]
    return "\n".join(text)


def two_socket():
    """2 sockets x 12 cores x 2 threads = 48 CPUs; node0 0-11,24-35, node1
    12-23,36-47.  eth0: Intel 82599 (ixgbe) on node 0 with 8 queues, all of
    whose interrupts sit on CPU0 (the seed's picture); enp94s0f0np0: a
    ConnectX (mlx5_core) on node 1 with 4 channels; veth0; tap0 a
    multi-queue tap of a vhost-net guest; irqbalance running."""
    t = Tree("two-socket")
    n = 48
    node0 = list(range(0, 12)) + list(range(24, 36))
    node1 = list(range(12, 24)) + list(range(36, 48))
    t.cpus(range(n), {0: node0, 1: node1}, n)
    t.write("proc/sys/net/core/rps_sock_flow_entries", "0")
    t.write("proc/1187/comm", "irqbalance")
    t.write("proc/1/comm", "systemd")

    # Intel 82599: ixgbe names its vectors DEV-TxRx-Q and the misc one DEV.
    ixgbe = "pci0000:3a/0000:3a:00.0/0000:3b:00.0"
    ixgbe_irqs = list(range(120, 129))
    t.pci_function(ixgbe, "ixgbe", "pci/drivers", 0, ixgbe_irqs)
    t.write("sys/module/ixgbe/version", "5.19.6")
    zero = cpu_mask([], n)
    t.netdev("eth0", ixgbe, 9000, 10000,
             [(zero, 0)] * 8,
             [(cpu_mask([q], n), cpu_mask([], 64)) for q in range(8)])
    t.write("sos_commands/networking/ethtool_-l_eth0", ethtool_l((0, 0, 1, 63), (0, 0, 1, 8)))

    # ConnectX-5: mlx5_core's completion vectors mlx5_compQ@pci:ADDR.
    mlx = "pci0000:5d/0000:5d:00.0/0000:5e:00.0"
    mlx_irqs = list(range(140, 145))
    t.pci_function(mlx, "mlx5_core", "pci/drivers", 1, mlx_irqs)
    t.netdev("enp94s0f0np0", mlx, 1500, 25000,
             [(zero, 0)] * 4,
             [(cpu_mask([12 + q], n), cpu_mask([], 4)) for q in range(4)])
    t.write("sos_commands/networking/ethtool_-l_enp94s0f0np0",
            ethtool_l((0, 0, 0, 48), (0, 0, 0, 4)))

    # veth: one queue each way (no readable xps_cpus), no device, no IRQs.
    t.netdev("veth0", None, 1500, 10000, [(zero, 0)], [(None, "0")])
    # A multi-queue tap (tun_flags IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE|IFF_VNET_HDR).
    t.netdev("tap0", None, 1500, 10, [(zero, 0)] * 2, [(zero, cpu_mask([], 256))] * 2)
    t.write("sys/devices/virtual/net/tap0/tun_flags", "0x5102")

    lines = [(0, {0: 45}, "IR-IO-APIC", "2", "timer"),
             (8, {}, "IR-IO-APIC", "8", "rtc0"),
             (9, {0: 3}, "IR-IO-APIC", "9", "acpi")]
    for q in range(8):
        lines.append((120 + q, {0: 1834120 + 1000 * q}, "IR-PCI-MSIX-0000:3b:00.0", str(q),
                      f"eth0-TxRx-{q}"))
        t.irq_affinity(120 + q, "0", "0")
    lines.append((128, {0: 12}, "IR-PCI-MSIX-0000:3b:00.0", "8", "eth0"))
    t.irq_affinity(128, "0-47", "0")
    lines.append((140, {12: 580}, "IR-PCI-MSIX-0000:5e:00.0", "0",
                  "mlx5_async0@pci:0000:5e:00.0"))
    t.irq_affinity(140, cpu_list(node1), "12")
    for q in range(4):
        lines.append((141 + q, {12 + q: 90210 + q}, "IR-PCI-MSIX-0000:5e:00.0", str(q + 1),
                      f"mlx5_comp{q}@pci:0000:5e:00.0"))
        t.irq_affinity(141 + q, str(12 + q), str(12 + q))
    t.interrupts(n, lines)
    t.softirqs(n, [9800000] + [1200 + c for c in range(1, n)])


def kvm_guest():
    """A 4-vCPU KVM guest: eth0 is virtio-net (virtio0 under PCI 00:03.0,
    no NUMA node) with 2 queue pairs as virtio_net spreads them by default;
    virtio1 a virtio-blk disk whose interrupts are not the NIC's."""
    t = Tree("kvm-guest")
    n = 4
    t.cpus(range(n), {0: range(n)}, n)
    t.write("proc/sys/net/core/rps_sock_flow_entries", "0")
    pci = "pci0000:00/0000:00:03.0"
    t.pci_function(pci, "virtio-pci", "pci/drivers", -1, list(range(24, 30)))
    virtio = f"{pci}/virtio0"
    # the virtio device's own driver link: virtio_net on the virtio bus
    t.link(f"sys/devices/{virtio}/driver", "../../../../bus/virtio/drivers/virtio_net")
    t.netdev("eth0", virtio, 1500, None,
             [(cpu_mask([], n), 0)] * 2,
             [(cpu_mask([0, 1], n), "0"), (cpu_mask([2, 3], n), "0")])
    t.write("sos_commands/networking/ethtool_-l_eth0", ethtool_l((0, 0, 0, 4), (0, 0, 0, 2)))
    blk = "pci0000:00/0000:00:04.0"
    t.pci_function(blk, "virtio-pci", "pci/drivers", -1, [30, 31])

    lines = [(24, {}, "PCI-MSIX-0000:00:03.0", "0", "virtio0-config"),
             (25, {0: 5230, 1: 4}, "PCI-MSIX-0000:00:03.0", "1", "virtio0-input.0"),
             (26, {1: 3100}, "PCI-MSIX-0000:00:03.0", "2", "virtio0-output.0"),
             (27, {2: 4410}, "PCI-MSIX-0000:00:03.0", "3", "virtio0-input.1"),
             (28, {3: 2900}, "PCI-MSIX-0000:00:03.0", "4", "virtio0-output.1"),
             (29, {}, "PCI-MSIX-0000:00:03.0", "5", "virtio0-control"),
             (30, {}, "PCI-MSIX-0000:00:04.0", "0", "virtio1-config"),
             (31, {1: 77000}, "PCI-MSIX-0000:00:04.0", "1", "virtio1-req.0")]
    t.interrupts(n, lines, width=2)
    for irq, aff, eff in ((24, "0-3", "0"), (25, "0-1", "0"), (26, "0-1", "1"),
                          (27, "2-3", "2"), (28, "2-3", "3"), (29, "0-3", "1"),
                          (30, "0-3", "2"), (31, "0-3", "1")):
        t.irq_affinity(irq, aff, eff)
    t.softirqs(n, [5300, 3200, 4500, 2950])


if __name__ == "__main__":
    two_socket()
    kvm_guest()
