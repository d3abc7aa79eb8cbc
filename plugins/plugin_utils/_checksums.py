# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expected SHA-256 of update packages: a `SHA256SUMS` file (sha256sum format) or a mapping from the user.

Every error names the file it is about, so a user with fifty packages knows which one to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# sha256sum writes "<hex><space><space or *><name>"; '*' marks binary mode, which means nothing on Linux or here.
_LINE = re.compile(r"^\\?([0-9a-fA-F]{64}) [ *](.+)$")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class ChecksumError(ValueError):
    """A checksum list or entry that cannot be trusted; the message names the file."""


def _file_name(listed: str) -> str:
    """`./sub/Windows6.1-KB2748349-x64.msu` → `Windows6.1-KB2748349-x64.msu`: packages are looked up by name."""
    return re.split(r"[/\\]", listed.strip())[-1]


def parse_sha256sums(text: str, source: str = "SHA256SUMS") -> dict[str, str]:
    """`<hex>  <name>` (or `<hex> *<name>`) lines → {name: lower-case hex}; blank lines and # comments are skipped.

    The same name listed twice with different hashes is refused: one of them is wrong and we cannot tell which.
    """
    sums: dict[str, str] = {}
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ChecksumError(f"{source} line {number} is not '<sha256>  <file name>': {line[:80]!r}")
        name, value = _file_name(match.group(2)), match.group(1).lower()
        if sums.get(name, value) != value:
            raise ChecksumError(f"{source} lists {name} twice with different SHA-256: {sums[name]} and {value}")
        sums[name] = value
    return sums


def validate_mapping(mapping: Mapping[object, object], source: str = "checksums") -> dict[str, str]:
    """A user's {file name: sha256} mapping → {name: lower-case hex}; every bad entry is named in one error."""
    valid: dict[str, str] = {}
    problems: list[str] = []
    for key, value in mapping.items():
        name, text = str(key).strip(), str(value).strip()
        if not name:
            problems.append(f"an empty file name (value {text!r})")
        elif not _HEX.match(text):
            problems.append(f"{name}: {text!r} is not 64 hex digits")
        else:
            valid[_file_name(name)] = text.lower()
    if problems:
        raise ChecksumError(f"{source}: " + "; ".join(problems))
    return valid


def expected_sha256(name: str, sums: Mapping[str, str]) -> str:
    """The expected hash for a package; Windows file names are case-insensitive, so the lookup is too."""
    value = sums.get(name)
    if value is None:
        folded = {key.casefold(): hex_ for key, hex_ in sums.items()}
        value = folded.get(name.casefold())
    if value is None:
        raise ChecksumError(f"no SHA-256 is listed for {name}: add it to SHA256SUMS or to the checksums mapping")
    if not _HEX.match(value):
        raise ChecksumError(f"the SHA-256 listed for {name} is not 64 hex digits: {value!r}")
    return value.lower()


def verify(name: str, actual: str, expected: str) -> None:
    """Raise, naming the file and both hashes, when what arrived is not what was expected."""
    if actual.strip().lower() != expected.strip().lower():
        raise ChecksumError(
            f"{name}: SHA-256 mismatch: the file has {actual.strip().lower()}, expected {expected.strip().lower()}"
        )
