"""Per-host counters (requests, bytes on the wire, commands, shells), kept current in STATE_DIR/stats.json."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

STATS_FILE = "stats.json"


@dataclass
class HostStats:
    requests: int = 0  # HTTP requests, the 401 legs of authentication included
    bytes_in: int = 0  # raw bytes read from the host's sockets
    bytes_out: int = 0  # raw bytes written to them
    commands: int = 0  # WS-Man Command
    shells: int = 0  # WS-Man Create
    auth_failures: int = 0  # requests refused for their credentials


def write_stats(state_dir: Path, stats: dict[str, HostStats]) -> Path:
    """Atomic (a temporary name, then rename): readers never see half a file."""
    path = state_dir / STATS_FILE
    temporary = path.with_name(f".{STATS_FILE}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({name: asdict(s) for name, s in stats.items()}, indent=1, sort_keys=True))
    os.replace(temporary, path)
    return path


def read_stats(state_dir: Path) -> dict[str, HostStats]:
    raw = json.loads((state_dir / STATS_FILE).read_text())
    return {name: HostStats(**counters) for name, counters in raw.items()}
