"""Per-host counters (requests, bytes, commands, shells), kept current in STATE_DIR/stats.json."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class HostStats:
    requests: int = 0
    bytes_in: int = 0  # request line, headers and body as received
    bytes_out: int = 0  # status line, headers and body as sent
    commands: int = 0
    shells: int = 0
    auth_failures: int = 0


def write_stats(path: Path, stats: dict[str, HostStats]) -> None:
    """Atomic: readers never see half a file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({name: asdict(s) for name, s in stats.items()}, indent=1, sort_keys=True))
    os.replace(temporary, path)


def read_stats(state_dir: Path) -> dict[str, dict[str, int]]:
    return json.loads((state_dir / "stats.json").read_text())  # type: ignore[no-any-return]
