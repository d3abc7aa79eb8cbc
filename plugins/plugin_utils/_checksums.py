# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expected SHA-256 of update packages: a `SHA256SUMS` file (sha256sum format) or a mapping from the user."""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class ChecksumError(ValueError):
    """A checksum list or entry that cannot be trusted; the message names the file."""


def parse_sha256sums(text: str, source: str = "SHA256SUMS") -> dict[str, str]:
    """`<hex>  <name>` (or `<hex> *<name>`) lines → {name: hex}; blank lines and # comments are skipped."""
    sums: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ChecksumError(f"{source} line {number} is not '<sha256>  <file name>': {line[:80]!r}")
        sums[match.group(2).strip()] = match.group(1).lower()
    return sums


def expected_sha256(name: str, sums: Mapping[str, str]) -> str:
    value = sums.get(name)
    if value is None:
        raise ChecksumError(f"no SHA-256 is listed for {name}: add it to SHA256SUMS or to the checksums mapping")
    if not _HEX.match(value):
        raise ChecksumError(f"the SHA-256 listed for {name} is not 64 hex digits: {value!r}")
    return value.lower()


def verify(name: str, actual: str, expected: str) -> None:
    if actual.lower() != expected.lower():
        raise ChecksumError(f"{name}: SHA-256 mismatch: the file has {actual.lower()}, expected {expected.lower()}")
