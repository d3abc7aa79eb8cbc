# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File transfer over cmd.exe alone (no PowerShell): the command templates and the checks on what they print.

Upload: base64 text streamed over stdin to `findstr "^"` (copies every line to a file), `certutil -decode` to a
second temporary name, `certutil -hashfile … SHA256` compared with the controller's hash, and only then `move /y`
onto the final name. Download: `certutil -encode`, the text read back with `type`, the hash compared.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path

LINE = 76  # base64 characters per line, as MIME does: well under any line limit of findstr or certutil
_HEX_LINE = re.compile(r"^\s*((?:[0-9a-fA-F]{2}\s?){32})\s*$")


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
        return (
            f"certutil -f -decode {quote_path(self.staging_b64)} {quote_path(self.staging_file)} >nul"
            f" && certutil -hashfile {quote_path(self.staging_file)} SHA256"
        )

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


def parse_hashfile(stdout: str) -> str | None:
    """The SHA-256 from `certutil -hashfile`: Windows 7 prints byte pairs with spaces, Windows 10 without."""
    for line in stdout.replace("\r", "").split("\n"):
        match = _HEX_LINE.match(line)
        if match:
            return re.sub(r"\s", "", match.group(1)).lower()
    return None


@dataclass(frozen=True)
class DownloadPlan:
    source: str
    staging_b64: str

    def hash_command(self) -> str:
        return f"certutil -hashfile {quote_path(self.source)} SHA256"

    def read_command(self) -> str:
        b64 = quote_path(self.staging_b64)
        return f"certutil -f -encode {quote_path(self.source)} {b64} >nul && type {b64} & del /q {b64} 2>nul"


def download_plan(source: str, staging_dir: str, token: str) -> DownloadPlan:
    quote_path(source)
    return DownloadPlan(source, f"{staging_dir.rstrip(chr(92))}\\winrs-{token}.b64")


def decode_certutil_text(text: str) -> bytes:
    """certutil -encode output (BEGIN/END lines around base64) → bytes; raises ValueError when malformed."""
    body = "".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----"))
    return base64.b64decode(body, validate=True)
