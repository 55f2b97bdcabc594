"""The external programs the tests and the bench run, as scripts/programs.txt
lists them with their Debian packages.  Nothing here installs anything:
scripts/install-deps.sh does, once, before the tests; a program that is
missing is a clear failure that says which package and that script."""

import os
import shutil
from pathlib import Path

LIST = Path(__file__).resolve().parents[2] / "scripts" / "programs.txt"


class MissingProgram(Exception):
    """A program or file the tests need is not on this machine."""


def _packages():
    table = {}
    for line in LIST.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2:
            table[words[0]] = words[1]
    return table


def package_of(program):
    """The Debian package scripts/programs.txt names for program."""
    try:
        return _packages()[program]
    except KeyError:
        raise MissingProgram(f"{program} is not listed in {LIST}: add it with the Debian "
                             "package that provides it") from None


def require(*programs):
    """Raises MissingProgram unless every program (a name looked up in PATH,
    or an absolute path) is here; the message names the package."""
    for program in programs:
        package = package_of(program)
        here = os.path.exists(program) if program.startswith("/") else shutil.which(program)
        if not here:
            raise MissingProgram(f"{program} not found: it comes from the Debian package "
                                 f"{package}; run scripts/install-deps.sh (as root)")
