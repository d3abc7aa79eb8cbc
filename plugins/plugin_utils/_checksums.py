# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expected hashes of update packages, and the check of what the host computed.

The SHA-256 comes from a `SHA256SUMS` file (sha256sum format) or a mapping from the user. A host that cannot compute
SHA-256 (Windows Server 2003 without KB938397/KB968730) answers with SHA-1 (_hashes.py); that answer proves the bytes
on the host only against a SHA-1 taken from the same bytes whose SHA-256 was checked: the controller's copy of the
package (checked with SHA-256 first), or a `SHA1SUMS` list beside `SHA256SUMS`. SHA-1 is broken for collisions, not
for second preimages: to pass, altered bytes would need a second preimage of a file the attacker did not choose.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm, HostDigest

_DIGITS = {Algorithm.SHA256: 64, Algorithm.SHA1: 40}
_LABEL = {Algorithm.SHA256: "SHA-256", Algorithm.SHA1: "SHA-1"}


class ChecksumError(ValueError):
    """A checksum list or entry that cannot be trusted; the message names the file."""


@dataclass(frozen=True)
class Expected:
    """What a package's bytes must hash to. sha1 is None when the controller has no SHA-1 for it."""

    name: str
    sha256: str
    sha1: str | None = None


def sums_path(checksum_file: str | None, package_dir: str | None, name: str) -> str | None:
    """Where a checksum list is on the controller. SHA256SUMS: `checksum_file`, else in `package_dir`. SHA1SUMS:
    beside whichever SHA256SUMS is used. None when neither is given."""
    if checksum_file:
        return checksum_file if name == "SHA256SUMS" else os.path.join(os.path.dirname(checksum_file), name)
    return os.path.join(package_dir, name) if package_dir else None


def parse_sums(text: str, source: str, algorithm: Algorithm = Algorithm.SHA256) -> dict[str, str]:
    """`<hex>  <name>` (or `<hex> *<name>`) lines → {name: hex}; blank lines and # comments are skipped."""
    line_re = re.compile(rf"^([0-9a-fA-F]{{{_DIGITS[algorithm]}}}) [ *](.+)$")
    sums: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = line_re.match(line)
        if match is None:
            raise ChecksumError(f"{source} line {number} is not '<{algorithm.value}>  <file name>': {line[:80]!r}")
        sums[match.group(2).strip()] = match.group(1).lower()
    return sums


def parse_sha256sums(text: str, source: str = "SHA256SUMS") -> dict[str, str]:
    return parse_sums(text, source, Algorithm.SHA256)


def expected_sha256(name: str, sums: Mapping[str, str]) -> str:
    value = sums.get(name)
    if value is None:
        raise ChecksumError(f"no SHA-256 is listed for {name}: add it to SHA256SUMS or to the checksums mapping")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise ChecksumError(f"the SHA-256 listed for {name} is not 64 hex digits: {value!r}")
    return value.lower()


def verify(name: str, actual: str, expected: str) -> None:
    if actual.lower() != expected.lower():
        raise ChecksumError(f"{name}: SHA-256 mismatch: the file has {actual.lower()}, expected {expected.lower()}")


def check_host_digest(expected: Expected, found: HostDigest | None, where: str) -> Algorithm:
    """Which hash proved the file at `where` on the host; raises ChecksumError naming both sides otherwise."""
    if found is None:
        raise ChecksumError(f"{where}: certutil printed no SHA-256 or SHA-1 of the file, so it cannot be checked")
    label = _LABEL[found.algorithm]
    wanted = expected.sha256 if found.algorithm is Algorithm.SHA256 else expected.sha1
    if wanted is None:
        raise ChecksumError(
            f"{where}: the host could compute only SHA-1 (it has no SHA-2: Windows Server 2003 without KB968730 "
            f"or KB938397), and the controller has no SHA-1 of {expected.name} to check it with: put the package "
            "in the package folder on the controller (its SHA-256 is checked there and its SHA-1 taken from the "
            "same bytes), or list its SHA-1 in SHA1SUMS beside SHA256SUMS"
        )
    if found.hex != wanted.lower():
        raise ChecksumError(f"{where}: {label} mismatch on the host: the file has {found.hex}, expected {wanted}")
    return found.algorithm
