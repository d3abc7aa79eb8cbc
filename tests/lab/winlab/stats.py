"""Per-host counters (requests, bytes, commands, shells), kept current in STATE_DIR/stats.json."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class HostStats:
    requests: int = 0
    bytes_in: int = 0  # request line, headers and body as received
    bytes_out: int = 0  # status line, headers and body as sent
    commands: int = 0
    shells: int = 0
    auth_failures: int = 0
    largest_request: int = 0  # bytes of the largest request body received (encrypted, as sent)
    oversized_requests: int = 0  # refused with HTTP 413 (larger than the profile's max_envelope_kb)
    receive_timeouts: int = 0  # Receives answered with w:TimedOut (a command with nothing to say yet)
    # Request and response bytes of each command (Command, Send, Receive, Signal), keyed by the command's first word
    # (`findstr`, `certutil`, …), so that a benchmark can tell a transfer's bytes from the rest.
    wire_bytes_by_tool: dict[str, int] = field(default_factory=dict)
    # Completed logons per mechanism (`ntlm`, `kerberos`), those that came with a delegated (forwarded) ticket, and
    # requests whose body arrived sealed with the session's key (WinRM message encryption, [MS-WSMV] 2.2.9.1).
    logons: dict[str, int] = field(default_factory=dict)
    delegated_logons: int = 0
    sealed_requests: int = 0

    def count_logon(self, mechanism: str, delegated: bool) -> None:
        self.logons[mechanism] = self.logons.get(mechanism, 0) + 1
        self.delegated_logons += delegated

    def count_tool(self, tool: str, size: int) -> None:
        self.wire_bytes_by_tool[tool] = self.wire_bytes_by_tool.get(tool, 0) + size


def tool_of(command_line: str) -> str:
    """The program a command line starts with, as cmd.exe would find it: `"C:\\x\\Setup.EXE" /q` → `setup`."""
    line = command_line.strip()
    first = line[1:].split('"', 1)[0] if line.startswith('"') else (line.split(None, 1) or [""])[0]
    name = first.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return name.removesuffix(".exe") or "(empty)"


def write_stats(path: Path, stats: dict[str, HostStats]) -> None:
    """Atomic: readers never see half a file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({name: asdict(s) for name, s in stats.items()}, indent=1, sort_keys=True))
    os.replace(temporary, path)


def read_stats(state_dir: Path) -> dict[str, dict[str, Any]]:
    return json.loads((state_dir / "stats.json").read_text())  # type: ignore[no-any-return]
