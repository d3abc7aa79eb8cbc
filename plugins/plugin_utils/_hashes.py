# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hashing a file on the host with certutil, and reading what it printed, on every supported Windows.

`certutil -hashfile <file> SHA256` works from Vista on. Windows Server 2003 SP2 has no SHA-2 in its crypto providers
unless KB938397 or KB968730 is installed, so there it fails (NTE_BAD_ALGID, 0x80090008); `certutil -hashfile <file>`
without an algorithm computes SHA-1. The command tries SHA-256 and falls back to the plain form only when that fails,
so which one the host could compute is read from its answer, never assumed from its version.

certutil's header and trailer lines are localised ("SHA256 hash of file …:", "SHA256-Hash von Datei …:") and the hash
is printed as space-separated byte pairs up to Windows 8.1, without spaces from Windows 10. So only the line made of
hex digits is read, by its length: 64 digits are SHA-256, 40 are SHA-1 (tests/lab/FIDELITY.md, certutil rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import StrEnum
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of


class Algorithm(StrEnum):
    SHA256 = "sha256"
    SHA1 = "sha1"


_BY_DIGITS = {64: Algorithm.SHA256, 40: Algorithm.SHA1}
# Byte pairs separated by one space (Windows 7, 2008, 2003), or one run of digits (Windows 10).
_HEX_LINE = re.compile(r"^(?:[0-9a-fA-F]{2}(?: [0-9a-fA-F]{2})*|[0-9a-fA-F]+)$")


@dataclass(frozen=True)
class HostDigest:
    algorithm: Algorithm
    hex: str  # lower case, no spaces


def hash_command(quoted_path: str) -> str:
    """SHA-256 where the host has it, else SHA-1 (the plain form), in one round trip. `quoted_path` is already
    quoted for cmd.exe (_cmdline.quote_path). The algorithm is upper case: Windows 7's certutil refuses `sha256`."""
    return f"certutil -hashfile {quoted_path} SHA256 || certutil -hashfile {quoted_path}"


def parse_host_digest(stdout: str) -> HostDigest | None:
    """The first line of 40 or 64 hex digits (spaced in pairs or not) and what it is; None when there is none."""
    for line in lines_of(stdout):
        text = line.strip()
        if not _HEX_LINE.match(text):
            continue
        digits = text.replace(" ", "").lower()
        algorithm = _BY_DIGITS.get(len(digits))
        if algorithm is not None:
            return HostDigest(algorithm, digits)
    return None
