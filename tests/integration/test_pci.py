"""The PCI inventory and passthrough on this machine: pci/show lists the same
devices, classes, vendor/device ids, drivers and names as lspci (pciutils,
reading the same /sys and pci.ids through libpci); pci/detach of this
machine's NIC is refused for lack of an IOMMU, with the kernel parameters
that turn one on, and nothing is written; guest/xml --pci passes libvirt's
schema.  Only reads /sys: no device changes driver here.  (Captured trees,
every refusal and the writes are tested in tests/unit/test_pci_*.c and
test_cli_pci.c.)
"""

import json
import os
import re
from pathlib import Path

import pytest

import pontoon_harness as ph
import programs

DEVICES = Path("/sys/bus/pci/devices")

DOMAIN = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
{device}
  </devices>
</domain>
"""


@pytest.fixture(scope="module", autouse=True)
def tools():
    try:
        programs.require("lspci", "virt-xml-validate", "xmllint")
    except programs.MissingProgram as e:
        pytest.fail(str(e))


def lspci_numeric():
    """`lspci -D -n -k`: {address: (class "0200", "8086:10c9", driver or None)}."""
    out = ph.sh("lspci", "-D", "-n", "-k").stdout
    devices, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}): "
                     r"([0-9a-f]{4}:[0-9a-f]{4})", line)
        if m:
            current = m.group(1)
            devices[current] = [m.group(2), m.group(3), None]
            continue
        m = re.match(r"^\s+Kernel driver in use: (\S+)", line)
        if m and current:
            devices[current][2] = m.group(1)
    return {a: tuple(v) for a, v in devices.items()}


def lspci_names():
    """`lspci -D -vmm`: {address: {"Class": ..., "Vendor": ..., "Device": ...}}."""
    out = ph.sh("lspci", "-D", "-vmm").stdout
    records = {}
    for block in out.strip().split("\n\n"):
        fields = dict(line.split(":\t", 1) for line in block.splitlines() if ":\t" in line)
        records[fields["Slot"]] = fields
    return records


def show_json(pontoon, *args):
    return json.loads(pontoon("pci/show", *args, "--format=json"))


def host_nic():
    """This machine's NIC: a network-class PCI device with a netdev (through
    net/ or virtioN/net/), as (address, netdev)."""
    for dev in sorted(DEVICES.iterdir()):
        if not (dev / "class").read_text().startswith("0x02"):
            continue
        for net in [dev / "net"] + sorted(dev.glob("virtio*/net")):
            if net.is_dir():
                names = sorted(p.name for p in net.iterdir())
                if names:
                    return dev.name, names[0]
    return None, None


def has_iommu():
    groups = Path("/sys/kernel/iommu_groups")
    return groups.is_dir() and any(groups.iterdir())


def driver_state(address):
    dev = DEVICES / address
    driver = os.readlink(dev / "driver") if (dev / "driver").exists() else None
    return driver, (dev / "driver_override").read_text()


@pytest.mark.cli
def test_show_lists_what_lspci_lists(pontoon):
    ours = {d["address"]: d for d in show_json(pontoon)["devices"]}
    theirs = lspci_numeric()
    assert sorted(ours) == sorted(theirs)
    for address, (cls, ids, driver) in theirs.items():
        dev = ours[address]
        assert dev["class"][:4] == cls, address
        assert f"{dev['vendor']}:{dev['device']}" == ids, address
        assert dev["driver"] == driver, address


@pytest.mark.cli
def test_names_are_lspci_names(pontoon):
    """The same pci.ids read by our parser and by libpci."""
    ours = {d["address"]: d for d in show_json(pontoon)["devices"]}
    for address, rec in lspci_names().items():
        dev = ours[address]
        # libpci: the subclass's name, else the class's with its code.
        if dev["subclass_name"]:
            assert rec["Class"] == dev["subclass_name"], address
        elif dev["class_name"]:
            assert rec["Class"] == f"{dev['class_name']} [{dev['class'][:4]}]", address
        else:
            assert rec["Class"] == f"Class {dev['class'][:4]}", address
        assert rec["Vendor"] == (dev["vendor_name"] or f"Vendor {dev['vendor']}"), address
        assert rec["Device"] == (dev["device_name"] or f"Device {dev['device']}"), address
        if "SVendor" in rec:
            assert rec["SVendor"] == (dev["subsystem_vendor_name"]
                                      or f"Vendor {dev['subsystem_vendor']}"), address
            assert rec["SDevice"] == (dev["subsystem_name"]
                                      or f"Device {dev['subsystem_device']}"), address


@pytest.mark.cli
def test_text_tree_and_one_device(pontoon):
    listing = pontoon("pci/show")
    devices = sorted(p.name for p in DEVICES.iterdir())
    for address in devices:
        assert re.search(rf"^{re.escape(address)} ", listing, re.M), address
    tree = pontoon("pci/show", "--tree")
    for address in devices:
        assert len(re.findall(rf"\+- {re.escape(address)} ", tree)) == 1, address
    assert tree.startswith("pci0000:00\n")
    doc = show_json(pontoon, "--tree")
    seen = []

    def walk(nodes):
        for n in nodes:
            seen.append(n["address"])
            walk(n["children"])
    for bus in doc["tree"]:
        walk(bus["devices"])
    assert sorted(seen) == devices

    address, netdev = host_nic()
    if not address:
        pytest.skip("no PCI NIC with a netdev on this machine")
    one = pontoon("pci/show", address)
    assert one.startswith(f"device          {address}\n")
    assert f"\nnet             {netdev}\n" in one
    # Also by the netdev's name, without the domain, and as libvirt names it.
    assert pontoon("pci/show", netdev) == one
    assert pontoon("pci/show", address[5:]) == one
    assert pontoon("pci/show", "pci_" + re.sub(r"[:.]", "_", address)) == one
    dev = show_json(pontoon, address)["device"]
    assert dev["address"] == address and netdev in dev["netdevs"]


@pytest.mark.cli
def test_detach_refused_without_iommu_and_nothing_written(pontoon):
    if has_iommu():
        pytest.skip("this machine has an IOMMU")
    address, netdev = host_nic()
    if not address:
        pytest.skip("no PCI NIC with a netdev on this machine")
    before = driver_state(address)
    for args in ([address], [netdev], [address, "--force"], [address, "--dry-run"]):
        message = pontoon.fails("pci/detach", *args)
        assert message == (
            f"cannot detach {address}: this machine has no IOMMU (no /sys/kernel/iommu_groups "
            "entries), and vfio-pci needs one to give a device to a guest; turn it on with the "
            "kernel parameter intel_iommu=on (Intel VT-d) or amd_iommu=on (AMD-Vi), plus "
            "iommu=pt to keep the host's own devices fast, with VT-d/AMD-Vi enabled in the "
            "firmware, and reboot")
        assert driver_state(address) == before
    r = pontoon.run("pci/detach", address, "--format=json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "refused" and doc["writes"] == [] and not doc["applied"]
    assert not doc["forceable"]
    assert driver_state(address) == before
    # Given back: nothing to do, it is on its own driver.
    out = pontoon("pci/reattach", address)
    assert out == f"{address} is not detached: it is bound to {os.path.basename(before[0])}\n"
    assert driver_state(address) == before


@pytest.mark.cli
def test_help(pontoon):
    out = pontoon("pci/show", "--help")
    assert out.startswith("NAME\n  pci/show - ")
    assert "SYNOPSIS\n  pontoon [OPTIONS] pci/show [ADDR|DEV] [--tree] [--root DIR]" in out
    assert "--tree" in out and "pci.ids" in out
    assert "intel_iommu=on" in pontoon("pci/detach", "--help")
    assert "vfio-pci" in pontoon("pci/reattach", "--help")


@pytest.mark.cli
def test_guest_xml_hostdev_passes_virt_xml_validate(pontoon, workdir):
    address, _ = host_nic()
    if not address:
        pytest.skip("no PCI NIC on this machine")
    out = pontoon("guest/xml", "--pci", address)
    domain, bus, slot, function = re.split(r"[:.]", address)
    assert out == ("<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                   "  <source>\n"
                   f"    <address domain='0x{domain}' bus='0x{bus}' slot='0x{slot}' "
                   f"function='0x{int(function, 16):x}'/>\n"
                   "  </source>\n"
                   "</hostdev>\n")
    path = workdir / "hostdev.xml"
    indented = "\n".join("    " + line for line in out.rstrip("\n").splitlines())
    path.write_text(DOMAIN.format(name="hostdev", device=indented))
    r = ph.sh("virt-xml-validate", path, "domain", check=False)
    assert r.returncode == 0, f"{path} fails libvirt's schema:\n{path.read_text()}\n{r.stdout}{r.stderr}"
    doc = json.loads(pontoon("--format=json", "guest/xml", "--pci", address))
    assert doc == {"name": address, "type": "hostdev", "xml": out}
