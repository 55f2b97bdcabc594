"""`pontoon guest/xml`: every kind of <interface> it prints, wrapped in a
minimal domain, passes libvirt's own schema check (`virt-xml-validate FILE
domain`, Debian's libvirt-clients); the bridge kind for a port plugged the
way libvirt plugs one (test_qemu_guest.libvirt_plug, the captured ovs-vsctl
line) gives back what libvirt needs to run that same line; and the XML's
VLANs, replayed as libvirt's openvswitch plug turns them into ovs-vsctl
arguments, make the same Port columns.  No daemon is needed: guest/xml
reads the database.
"""

import json
import xml.etree.ElementTree as ET

import pytest

import pontoon_harness as ph
import programs
from test_qemu_guest import libvirt_plug

VALIDATE = "virt-xml-validate"

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
def validator():
    try:
        programs.require(VALIDATE, "xmllint")
    except programs.MissingProgram as e:
        pytest.fail(str(e))


def validate(workdir, name, element):
    """virt-xml-validate on the element inside a minimal domain."""
    path = workdir / f"{name}.xml"
    indented = "\n".join("    " + line for line in element.rstrip("\n").splitlines())
    path.write_text(DOMAIN.format(name=name, device=indented))
    r = ph.sh(VALIDATE, path, "domain", check=False)
    assert r.returncode == 0, f"{path} fails libvirt's schema:\n{path.read_text()}\n{r.stdout}{r.stderr}"


def interface(text):
    """The <interface> element of guest/xml's output (comments dropped)."""
    return ET.fromstring(text)


def libvirt_plug_args(iface):
    """The ovs-vsctl arguments libvirt's openvswitch plug builds from an
    <interface type='bridge'> (virNetDevOpenvswitchConstructVlans): with
    trunk='yes' the native mode and tag, then trunk= every tag; else tag=."""
    vlan = iface.find("vlan")
    if vlan is None:
        return []
    tags = vlan.findall("tag")
    if vlan.get("trunk") == "yes":
        args = []
        native = [t for t in tags if t.get("nativeMode")]
        if native:
            args += [f"vlan_mode=native-{native[0].get('nativeMode')}", f"tag={native[0].get('id')}"]
        return args + ["trunk=" + ",".join(t.get("id") for t in tags)]
    return [f"tag={tags[0].get('id')}"]


def port_vlans(pontoon, port):
    return tuple(pontoon.get("Port", port, c) for c in ("tag", "trunks", "vlan_mode"))


def test_every_kind_passes_virt_xml_validate(pontoon, net, workdir):
    br = net.name("br")
    lower, _ = net.add_veth("l", "lp")
    pontoon("add-br", br)
    ports = {
        "untagged": [],
        "access": ["tag=2"],
        "native": ["vlan_mode=native-untagged", "tag=42", "trunks=42,47"],
        "ntagged": ["vlan_mode=native-tagged", "tag=5", "trunks=10,20"],
        "trunk": ["trunks=100,200"],
        "nall": ["vlan_mode=native-untagged", "tag=7"],
    }
    for suffix, settings in ports.items():
        pontoon("add-port", br, net.name(suffix), *settings)
    mq = net.name("mq")
    pontoon("add-port", br, mq, "--", "set", "Interface", mq, "options:n_rxq=4")
    vhu, vhc = net.name("vhu"), net.name("vhc")
    pontoon("add-port", br, vhu, "--", "set", "Interface", vhu, "type=dpdkvhostuser")
    pontoon("add-port", br, vhc, "--", "set", "Interface", vhc, "type=dpdkvhostuserclient",
            f"options:vhost-server-path={workdir}/{vhc}.sock")
    mv = net.name("mv")
    pontoon("macvtap/add", lower, mv, "mac=52:54:00:aa:bb:01")
    pt = net.name("pt")
    lower2, _ = net.add_veth("m", "mp")
    pontoon("macvtap/add", lower2, pt, "mode=passthru")

    seen = set()
    cases = [[net.name(s)] for s in ports] + [[mq], [vhu, "--queues", "2"], [vhc], [mv],
                                              [mv, "--direct"], [pt, "--direct"],
                                              [mv, "--queues=3"]]
    for i, args in enumerate(cases):
        out = pontoon("guest/xml", *args)
        kind = interface(out[out.index("<interface"):]).get("type")
        seen.add(kind)
        validate(workdir, f"case{i}", out)
        data = json.loads(pontoon("--format=json", "guest/xml", *args))
        assert data == {"name": args[0], "type": kind, "xml": out}, data
    assert seen == {"bridge", "vhostuser", "ethernet", "direct"}, seen

    vh = interface(pontoon("guest/xml", vhu).split("-->\n", 1)[1])
    assert vh.find("source").attrib == {"type": "unix", "path": f"{pontoon.run_dir}/{vhu}",
                                        "mode": "client"}
    assert vh.find("driver") is None
    assert "<memoryBacking><access mode='shared'/></memoryBacking>" in pontoon("guest/xml", vhu)
    vc = interface(pontoon("guest/xml", vhc).split("-->\n", 1)[1])
    assert vc.find("source").get("mode") == "server"
    assert vc.find("source").get("path") == f"{workdir}/{vhc}.sock"
    assert interface(pontoon("guest/xml", mq)).find("driver").get("queues") == "4"
    m = interface(pontoon("guest/xml", mv))
    assert m.get("type") == "ethernet"
    assert m.find("target").attrib == {"dev": mv, "managed": "no"}
    assert m.find("mac").get("address") == "52:54:00:aa:bb:01"
    d = interface(pontoon("guest/xml", mv, "--direct").split("-->\n", 1)[1])
    assert d.find("source").attrib == {"dev": lower, "mode": "bridge"}


def test_bridge_kind_is_what_the_libvirt_plug_expects(pontoon, net, workdir):
    """Plugged exactly as test_qemu_guest's libvirt flow plugs a guest's tap
    (libvirt 9.0's line with tag=2), the port gives back the element that
    makes libvirt run that line: same bridge, device, MAC, iface-id, tag."""
    br = net.name("br")
    pontoon("add-br", br)
    tap, _ = net.add_veth("vnet0", "vpeer")
    mac = "52:54:00:12:34:56"
    libvirt_plug(pontoon, br, tap, mac, tag=2)
    out = pontoon("guest/xml", tap)
    validate(workdir, "plugged", out)
    iface = interface(out)
    assert iface.get("type") == "bridge"
    assert iface.find("source").attrib == {"bridge": br}
    assert iface.find("target").attrib == {"dev": tap}
    assert iface.find("mac").attrib == {"address": mac}
    assert iface.find("model").attrib == {"type": "virtio"}
    vp = iface.find("virtualport")
    assert vp.get("type") == "openvswitch"
    assert vp.find("parameters").get("interfaceid") == "6e3c4b1e-1f0a-4b8e-9f39-0a6f0d2b7c11"
    assert libvirt_plug_args(iface) == ["tag=2"]


@pytest.mark.parametrize("settings", [
    [],
    ["tag=2"],
    ["vlan_mode=native-untagged", "tag=42", "trunks=42,47"],   # libvirt's captured line
    ["vlan_mode=native-tagged", "tag=5", "trunks=5,10"],
    ["trunks=100,200,300"],
], ids=["untagged", "access", "native-untagged", "native-tagged", "trunk"])
def test_vlans_replay_into_the_same_port(pontoon, net, settings):
    """What libvirt would run for the printed <vlan> recreates the port's
    tag, trunks and vlan_mode."""
    br, port = net.name("br"), net.name("p0")
    pontoon("add-br", br)
    pontoon("add-port", br, port, *settings)
    before = port_vlans(pontoon, port)
    args = libvirt_plug_args(interface(pontoon("guest/xml", port)))
    pontoon("del-port", port)
    pontoon("--timeout=5", "--", "--may-exist", "add-port", br, port, *args)
    assert port_vlans(pontoon, port) == before, (settings, args)


def test_refusals(pontoon, net):
    br = net.name("br")
    pontoon("add-br", br)
    err = pontoon.fails("guest/xml", "--virtualport", "KVM")
    assert "not a libvirt virtualport type" in err and "openvswitch" in err, err
    err = pontoon.fails("guest/xml", net.name("x"), "--virtualport=KVM")
    assert "<virtualport type='KVM'/> is not a libvirt virtualport type" in err, err
    assert pontoon.fails("guest/xml", net.name("no")) == f"no port or macvtap named {net.name('no')}"
    assert "internal port" in pontoon.fails("guest/xml", br)
    t = net.name("tun")
    pontoon("add-port", br, t, "vlan_mode=dot1q-tunnel", "tag=3")
    assert pontoon.fails("guest/xml", t) == \
        f"port {t}: vlan_mode dot1q-tunnel has no libvirt equivalent"
    p = net.name("p")
    pontoon("add-port", br, p, "--", "set", "Interface", p, "type=patch", "options:peer=x")
    assert pontoon.fails("guest/xml", p) == f"{p} is a port of type patch: no guest attaches to it"
    assert "--queues" in pontoon.fails("guest/xml", t, "--queues", "0")
    assert "--direct is for a macvtap" in pontoon.fails("guest/xml", p, "--direct")


def test_help_pages(pontoon):
    out = pontoon("guest/xml", "--help")
    assert out.startswith("NAME\n  guest/xml - ")
    for word in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES", "type='KVM'",
                 "managed='no'", "mode='client'", "memoryBacking"):
        assert word in out, word
    assert "guest/xml PORT|MACVTAP" in pontoon("--help")
