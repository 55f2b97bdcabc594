#!/usr/bin/python3
"""Checks, before the tests run, that every external program they and the
benchmark use comes from a package that scripts/install-deps.sh installs.

scripts/programs.txt lists each program (or absolute path) with the Debian
package that provides it; scripts/packages.txt is what install-deps.sh
installs.  For each listed program this asks dpkg which package owns it on
this machine, so a program installed by hand, or from a package the install
script does not name, fails here and not on a fresh machine.  It also scans
the tests and the bench for absolute paths to system files that the list
does not name.

With --path-dir DIR it then fills DIR with links to the listed programs
only; scripts/test.sh runs the tests and the bench with PATH=DIR, so a
program that is not listed is not found there either.

Exit 0 when all is well, 1 with one line per problem otherwise.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = REPO / "scripts" / "packages.txt"
PROGRAMS = REPO / "scripts" / "programs.txt"
SYSTEM_PATH = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")   # no /usr/local, no ~/.pyenv
SCANNED = (REPO / "tests", REPO / "bench")
DPKG_QUERY = "/usr/bin/dpkg-query"
# A quoted absolute path into the system's package-owned trees.
SYSTEM_FILE = re.compile(r"""["'](/(?:usr|bin|sbin|lib|lib64|opt)/[^"'\s{}*]+)["']""")
# The tests install nothing: scripts/install-deps.sh does.
PACKAGE_TOOL = re.compile(r"""["'](apt-get|apt|dpkg|aptitude|pip3?)["']""")
FIX = "run scripts/install-deps.sh"
EXEMPT = re.compile(r"#\s*check-deps: \w+")


def read_list(path):
    """Non-comment lines of a list file, split into words."""
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words:
            rows.append((number, words))
    return rows


def locate(program):
    """The path a bare program name runs from with the system's PATH, or
    the absolute path itself; None when absent."""
    if program.startswith("/"):
        return program if os.path.exists(program) else None
    for d in SYSTEM_PATH:
        p = os.path.join(d, program)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def aliases(path):
    """The names dpkg may know a file by: the path, its /usr-merged twin
    (/usr/bin/ip is /bin/ip to dpkg), each link on the way to the real file
    (alternatives), and the real file."""
    seen, out = set(), []

    def add(p):
        for q in (p, re.sub(r"^/usr/(s?bin|lib)/", r"/\1/", p),
                  re.sub(r"^/(s?bin|lib)/", r"/usr/\1/", p)):
            if q not in seen:
                seen.add(q)
                out.append(q)

    p = path
    for _ in range(10):
        add(p)
        if not os.path.islink(p):
            break
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    add(os.path.realpath(path))
    return out


def owners(path):
    """The packages dpkg says own path (by any of its names), in order."""
    found = []
    for name in aliases(path):
        r = subprocess.run([DPKG_QUERY, "-S", name], capture_output=True, text=True)
        if r.returncode != 0:
            continue
        for line in r.stdout.splitlines():
            if line.startswith("diversion by"):
                continue
            pkgs, _, owned = line.partition(": ")
            if owned.strip() != name:
                continue
            for p in pkgs.split(", "):
                p = p.split(":")[0]     # drop :amd64
                if p not in found:
                    found.append(p)
    return found


def depends(package):
    """The packages a metapackage such as linux-image-amd64 pulls in: a
    file from one of those counts as the metapackage's."""
    r = subprocess.run([DPKG_QUERY, "-W", "-f=${Depends}", package],
                       capture_output=True, text=True)
    return {re.split(r"[ :(]", alt.strip())[0]
            for dep in r.stdout.split(",") for alt in dep.split("|") if alt.strip()}


def check_programs(programs, installed, list_name):
    problems, resolved = [], {}
    for number, words in programs:
        if len(words) != 2:
            problems.append(f"{list_name}:{number}: want 'PROGRAM PACKAGE', got {' '.join(words)!r}")
            continue
        program, package = words
        if package not in installed:
            problems.append(f"{program}: its package {package} is not in scripts/packages.txt, "
                            "so install-deps.sh does not install it")
        path = locate(program)
        if path is None:
            problems.append(f"{program}: not found; it comes from the Debian package {package}: {FIX}")
            continue
        found = owners(path)
        if not found:
            problems.append(f"{program}: {path} belongs to no Debian package (installed by hand?); "
                            f"it should come from {package}: {FIX}")
        elif package not in found and not set(found) & depends(package):
            problems.append(f"{program}: {path} comes from {', '.join(found)}, not from {package} "
                            "as scripts/programs.txt says")
        resolved[program] = path
    return problems, resolved


def check_sources(listed, tops):
    """Absolute system paths quoted in the tests and the bench that the
    list does not name, and package installs."""
    problems = []
    for top in tops:
        for f in sorted(Path(top).rglob("*")):
            if f.suffix not in (".py", ".sh", "") or not f.is_file() or "__pycache__" in f.parts \
                    or "data" in f.relative_to(top).parts:
                continue
            try:
                text = f.read_text()
            except UnicodeDecodeError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                where = f"{f.relative_to(top.parent)}:{number}"
                # A line that says why it is exempt: what runs inside a
                # container of the test's own (its apt, its /usr), not here.
                if EXEMPT.search(line):
                    continue
                for path in SYSTEM_FILE.findall(line):
                    if path not in listed:
                        problems.append(f"{where}: uses {path}, which scripts/programs.txt "
                                        "does not list")
                for tool in PACKAGE_TOOL.findall(line):
                    problems.append(f"{where}: runs {tool}: tests install nothing "
                                    "(add the package to scripts/packages.txt)")
    return problems


def fill_path_dir(directory, resolved):
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for program, path in resolved.items():
        if not program.startswith("/"):
            (d / program).symlink_to(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--path-dir", metavar="DIR",
                    help="fill DIR with links to the listed programs (a PATH for the tests)")
    ap.add_argument("--programs", type=Path, default=PROGRAMS, metavar="FILE",
                    help=f"the program list (default {PROGRAMS.relative_to(REPO)})")
    ap.add_argument("--packages", type=Path, default=PACKAGES, metavar="FILE",
                    help=f"what install-deps.sh installs (default {PACKAGES.relative_to(REPO)})")
    ap.add_argument("--scan", type=Path, action="append", metavar="DIR",
                    help="directories whose sources are scanned (default tests/ and bench/)")
    args = ap.parse_args()

    installed = {words[0] for _, words in read_list(args.packages)}
    programs = read_list(args.programs)
    problems, resolved = check_programs(programs, installed, args.programs.name)
    problems += check_sources({words[0] for _, words in programs},
                              [p.resolve() for p in args.scan] if args.scan else SCANNED)
    for p in problems:
        print(f"check-deps: {p}", file=sys.stderr)
    if problems:
        return 1
    if args.path_dir:
        fill_path_dir(args.path_dir, resolved)
    print(f"check-deps: {len(resolved)} programs, each from a package install-deps.sh installs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
