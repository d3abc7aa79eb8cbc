# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File transfer over cmd.exe alone (no PowerShell): the command templates and the checks on what they print.

Upload: base64 text streamed over stdin to `findstr "^"` (copies every line to a file), `certutil -decode` to a
second temporary name, the host's hash of it (SHA-256, or SHA-1 where the host has no SHA-2: _hashes.py) compared with
the controller's, and only then `move /y` onto the final name. Download: the host's hash first, then `certutil
-encode`, the text read back with `type`, and the same hash of what arrived compared.

certutil's `-f` (overwrite) is not used with -decode/-encode: whether Windows Server 2003's certutil has it is
unconfirmed (tests/lab/FIDELITY.md), and the staging names are new for every transfer, so nothing is overwritten.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_file_name,
    quote_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import hash_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts

LINE = 76  # base64 characters per line, as MIME does: well under any line limit of findstr or certutil
# An http(s) URL that cmd.exe takes inside double quotes as it is: no %, quotes, spaces or control characters.
SAFE_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@$&'()*+,;=\[\]-]+$")


# The package source arguments of volsnap_update, which volsnap_preflight takes too, so that a preflight is given
# exactly what the remediation will be.
SOURCE_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "source": {"type": "str", "choices": ["controller", "url", "host"], "default": "controller"},
    "package_dir": {"type": "path"},
    "package_url": {"type": "str"},
    "package_path": {"type": "str"},
    "package_names": {"type": "dict", "default": {}},
    "checksums": {"type": "dict", "default": {}},
    "checksum_file": {"type": "path"},
}


def check_source_arguments(args: Mapping[str, Any]) -> None:
    """The package source arguments of volsnap_update and volsnap_preflight (source, package_path, package_url,
    package_names), checked before anything is sent; raises UnsafeArgumentError saying what is wrong."""
    needed = {"host": "package_path", "url": "package_url"}.get(args["source"])
    if needed and not args[needed]:
        raise UnsafeArgumentError(f"source={args['source']} needs {needed}")
    for key, name in args["package_names"].items():
        check_file_name(str(name), f"package_names[{key}]")
    if args["source"] == "host":
        quote_path(args["package_path"])  # the package names joined to it are checked above
    if args["source"] == "url" and not SAFE_URL.match((args["package_url"] or "").rstrip("/") + "/x"):
        # The value is not repeated: a URL can carry credentials.
        raise UnsafeArgumentError(
            "package_url cannot be passed to cmd.exe safely (an http(s) URL without %, quotes or spaces)"
        )


def has_urlcache(facts: HostFacts) -> bool:
    """`certutil -urlcache` is attested from Vista on; Windows Server 2003 (5.2, build 3790) has none (the ledger's
    certutil -urlcache rows). Source url is refused for such a host."""
    return not (facts.current_version == "5.2" or (facts.build or 0) == 3790)


@dataclass(frozen=True)
class UploadPlan:
    target: str
    staging_b64: str
    staging_file: str

    def receive_command(self) -> str:
        return f'findstr "^" > {quote_path(self.staging_b64)}'

    def empty_file_command(self) -> str:
        return f"type nul > {quote_path(self.staging_file)}"

    def decode_and_hash_command(self) -> str:
        staging = quote_path(self.staging_file)
        return f"certutil -decode {quote_path(self.staging_b64)} {staging} >nul && ({hash_command(staging)})"

    def commit_command(self) -> str:
        return f"move /y {quote_path(self.staging_file)} {quote_path(self.target)} >nul"

    def cleanup_command(self) -> str:
        return f"del /q {quote_path(self.staging_b64)} {quote_path(self.staging_file)} 2>nul"


def upload_plan(target: str, token: str) -> UploadPlan:
    """Staging names beside the target (same volume, so the final move is a rename)."""
    quote_path(target)  # refuse before anything is sent
    return UploadPlan(target, f"{target}.{token}.b64", f"{target}.{token}.part")


def base64_lines(data: bytes, chunk_bytes: int) -> Iterator[bytes]:
    """The file as CRLF-terminated base64 lines, in pieces of about chunk_bytes (stdin Send payloads)."""
    per_piece = max(LINE * 3 // 4, chunk_bytes // (LINE + 2) * (LINE * 3 // 4))
    for start in range(0, len(data), per_piece):
        text = base64.b64encode(data[start : start + per_piece])
        yield b"".join(text[i : i + LINE] + b"\r\n" for i in range(0, len(text), LINE))


@dataclass(frozen=True)
class DownloadPlan:
    source: str
    staging_b64: str

    def hash_command(self) -> str:
        return hash_command(quote_path(self.source))

    def read_command(self) -> str:
        b64 = quote_path(self.staging_b64)
        return f"certutil -encode {quote_path(self.source)} {b64} >nul && type {b64} & del /q {b64} 2>nul"


def download_plan(source: str, staging_dir: str, token: str) -> DownloadPlan:
    quote_path(source)
    return DownloadPlan(source, f"{staging_dir.rstrip(chr(92))}\\winrs-{token}.b64")


def decode_certutil_text(text: str) -> bytes:
    """certutil -encode output (BEGIN/END lines around base64) → bytes; raises ValueError when malformed."""
    body = "".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----"))
    return base64.b64decode(body, validate=True)


def url_fetch_command(url: str, target: str) -> str:
    """The host downloads the package itself (Vista and later only; `url` already checked by the caller) and hashes
    it in the same line: one round trip. The download prints no line of hex digits."""
    quoted = quote_path(target)
    return f'certutil -urlcache -split -f "{url}" {quoted} && ({hash_command(quoted)})'


def host_copy_command(source: str, target: str) -> str:
    """The host copies the package from a folder it can read, and hashes it in the same line."""
    quoted = quote_path(target)
    return f"copy /y {quote_path(source)} {quoted} && ({hash_command(quoted)})"
