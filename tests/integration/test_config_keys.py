"""The other_config/options keys Pontoon acts on are listed once, in
src/db/config_keys.c, and pontoon(8) is made from that list: every key the
sources read must be listed there, and every listed key must be read
somewhere (no root, no network: the sources and the man page)."""

import re
import subprocess

import pontoon_harness as ph

SRC = ph.REPO / "src"
REGISTRY = SRC / "db" / "config_keys.c"


def listed():
    text = REGISTRY.read_text()
    return {(column, key) for _table, column, key in
            re.findall(r'\{\s*"(\w+)",\s*"(other_config|options)",\s*"([^"]+)"', text)}


def read_by_sources():
    keys = set()
    for f in SRC.rglob("*.c"):
        if f == REGISTRY:
            continue
        text = f.read_text()
        # db_row_get_map_string(row, "other_config", "mac-aging-time")
        keys |= set(re.findall(r'get_map_string\(\s*[\w>.*-]+\s*,\s*"(other_config|options)"'
                               r'\s*,\s*"([^"]+)"', text))
        # The bond's helpers over other_config: map_uint(port, "bond-hash-basis", ...)
        if f.name == "bond_runtime.c":
            helpers = re.findall(r'map_(?:uint|true)\(\s*\w+,\s*"([^"]+)"', text)
            keys |= {("other_config", k) for k in helpers}
        # Tunnel options are parsed key by key: !strcmp(k, "remote_ip")
        if f.name == "tunnel_options.c":
            keys |= {("options", k) for k in re.findall(r'strcmp\(k, "([^"]+)"\)', text)}
    return keys


def test_every_key_read_is_listed_and_every_listed_key_is_read():
    have, read = listed(), read_by_sources()
    assert len(have) >= 30, have
    assert read - have == set(), f"read but not in {REGISTRY.name}: {sorted(read - have)}"
    assert have - read == set(), f"listed but never read: {sorted(have - read)}"


def test_man_page_lists_the_keys():
    page = subprocess.run([str(ph.PONTOON), "--man"], capture_output=True, text=True,
                          timeout=30).stdout
    section = page[page.index(".SH CONFIGURATION KEYS"):]
    for column, key in listed():
        roff = f"{column}:{key}".replace("-", "\\-")
        assert roff in section, (column, key)
