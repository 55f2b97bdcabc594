#!/usr/bin/python3
"""The requests iproute2 sends for `ip link set DEV vf N ...`, captured.

For each case below this runs, on a veth made for the purpose (a device
without VFs: the kernel refuses with EOPNOTSUPP, the request is still
sent),
    strace -qq -o FILE -e trace=sendmsg -e write=all ip link set DEV vf N ARGS
and keeps the RTM_NEWLINK message (the one carrying IFLA_VFINFO_LIST) as
hex.  Run as root from anywhere to rewrite the stored captures
(iproute2-vf-requests.txt, beside this file):
    /usr/bin/python3 tests/data/sriov/iproute2_capture.py
tests/unit/test_vf_netlink.c compares Pontoon's requests with the stored
ones byte for byte (its sequence number and ifindex taken from each), and
tests/integration/test_sriov.py captures again with the iproute2 of the
machine and compares with the stored ones, so that a change in iproute2 is
seen.
"""

import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STORED = HERE / "iproute2-vf-requests.txt"
RTM_NEWLINK = 16

# (name, VF index, ip link's words, the same in sriov/vf's words).  Every
# case names its settings in the order Pontoon sends them: mac, vlan (qos,
# proto), spoofchk, trust, state, then the rate (iproute2 adds the rate
# after the others whatever the order of its words).
CASES = [
    ("mac", 0, "mac 02:00:00:00:00:01", "mac=02:00:00:00:00:01"),
    ("mac-zero", 0, "mac 00:00:00:00:00:00", "mac=00:00:00:00:00:00"),
    ("vlan", 0, "vlan 10", "vlan=10"),
    ("vlan-clear", 0, "vlan 0", "vlan=0"),
    ("vlan-qos", 0, "vlan 10 qos 3", "vlan=10 qos=3"),
    ("vlan-802.1Q", 0, "vlan 10 qos 3 proto 802.1Q", "vlan=10 qos=3 proto=802.1Q"),
    ("vlan-802.1ad", 0, "vlan 10 qos 3 proto 802.1ad", "vlan=10 qos=3 proto=802.1ad"),
    ("vlan-802.1ad-no-qos", 0, "vlan 4000 proto 802.1ad", "vlan=4000 proto=802.1ad"),
    ("spoofchk-on", 0, "spoofchk on", "spoofchk=on"),
    ("spoofchk-off", 0, "spoofchk off", "spoofchk=off"),
    ("trust-on", 0, "trust on", "trust=on"),
    ("trust-off", 0, "trust off", "trust=off"),
    ("state-auto", 0, "state auto", "link-state=auto"),
    ("state-enable", 0, "state enable", "link-state=enable"),
    ("state-disable", 0, "state disable", "link-state=disable"),
    ("rate", 0, "min_tx_rate 100 max_tx_rate 1000", "min-rate=100 max-rate=1000"),
    # Only one rate: iproute2 asks the kernel for the other (none on a veth: 0).
    ("max-rate", 0, "max_tx_rate 1000", "max-rate=1000"),
    ("vf-5", 5, "trust on", "trust=on"),
    ("all", 3, "mac 52:54:00:12:34:56 vlan 100 qos 5 spoofchk off trust on state enable "
     "min_tx_rate 10 max_tx_rate 500",
     "mac=52:54:00:12:34:56 vlan=100 qos=5 spoofchk=off trust=on link-state=enable "
     "min-rate=10 max-rate=500"),
]

HEX_LINE = re.compile(r"^ \| [0-9a-f]{5}  (.{49})")


def parse_strace(text):
    """Every buffer strace dumped (-e write=all), as bytes: each dump starts
    at offset 00000 (after a " * N bytes in buffer K" line for sendmsg's
    iovecs, straight after the call for sendto's)."""
    buffers = []
    for line in text.splitlines():
        m = HEX_LINE.match(line)
        if not m:
            continue
        if line.startswith(" | 00000 ") or not buffers:
            buffers.append(bytearray())
        buffers[-1] += bytes(int(h, 16) for h in m.group(1).split())
    return [bytes(b) for b in buffers]


def capture(dev, vf, words, strace="strace", ip="ip"):
    """The RTM_NEWLINK `ip link set DEV vf VF WORDS` sends; (bytes, the
    command line, what ip printed)."""
    with tempfile.NamedTemporaryFile("r", prefix="iproute2-vf-", suffix=".strace") as out:
        argv = [ip, "link", "set", dev, "vf", str(vf)] + words.split()
        r = subprocess.run([strace, "-qq", "-o", out.name, "-e", "trace=sendmsg",
                            "-e", "write=all"] + argv, capture_output=True, text=True,
                           timeout=30)
        messages = [m for m in parse_strace(out.read())
                    if len(m) >= 36 and int.from_bytes(m[4:6], "little") == RTM_NEWLINK]
    if len(messages) != 1:
        raise RuntimeError(f"{' '.join(argv)}: {len(messages)} RTM_NEWLINK requests seen "
                           f"(ip said: {r.stderr.strip()!r})")
    return messages[0], " ".join(["ip"] + argv[1:]), r.stderr.strip()


def normalized(message):
    """The request without what changes between runs: the sequence number
    (bytes 8-11) and the ifindex (bytes 20-23)."""
    return message[:8] + bytes(4) + message[12:20] + bytes(4) + message[24:]


def load(path=STORED):
    """{case name: {"vf", "ip", "pontoon", "bytes"}} from the stored file."""
    cases, current = {}, None
    for line in Path(path).read_text().splitlines():
        if line.startswith("== "):
            current = {"bytes": bytearray()}
            cases[line[3:]] = current
        elif current is None or not line or line.startswith("#"):
            continue
        elif ": " in line and not re.match(r"^[0-9a-f]{2}( |$)", line):
            key, _, value = line.partition(": ")
            current[key] = value
        else:
            current["bytes"] += bytes(int(h, 16) for h in line.split())
    for c in cases.values():
        c["bytes"] = bytes(c["bytes"])
    return cases


def write(path, dev):
    ip_version = subprocess.run(["ip", "-V"], capture_output=True, text=True).stdout.strip()
    strace_version = subprocess.run(["strace", "-V"], capture_output=True,
                                    text=True).stdout.splitlines()[0]
    lines = [
        "# The RTM_NEWLINK requests iproute2 sends for `ip link set DEV vf N ...`,",
        "# captured by iproute2_capture.py (beside this file) with",
        f"#   {ip_version}; {strace_version}; Linux {os.uname().release}",
        "# on a veth (no VFs: the kernel answered EOPNOTSUPP; the request is as sent).",
        "# Each case: its name, the VF, the ip command (DEV: the veth), the same",
        "# settings in pontoon sriov/vf's words, what ip printed, then the request,",
        "# 16 bytes a line.  Bytes 8-11 (sequence number) and 20-23 (ifindex) are",
        "# the capture's own; the tests take them from here.",
        "",
    ]
    for name, vf, words, pontoon in CASES:
        message, command, said = capture(dev, vf, words)
        lines += [f"== {name}", f"vf: {vf}",
                  "ip: " + command.replace(f" {dev} ", " DEV "), f"pontoon: {pontoon}",
                  f"ip said: {said}"]
        for i in range(0, len(message), 16):
            lines.append(" ".join(f"{b:02x}" for b in message[i:i + 16]))
        lines.append("")
    Path(path).write_text("\n".join(lines))


def main():
    dev = "ptcap" + secrets.token_hex(2)
    subprocess.run(["ip", "link", "add", dev, "type", "veth", "peer", "name", dev + "p"],
                   check=True)
    try:
        write(sys.argv[1] if len(sys.argv) > 1 else STORED, dev)
    finally:
        subprocess.run(["ip", "link", "del", dev], check=False)


if __name__ == "__main__":
    main()
