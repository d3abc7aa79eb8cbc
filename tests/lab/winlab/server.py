"""The lab server: one event loop, one loopback listening socket per host, the inventory and the stats file."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from winlab.api import Host
from winlab.profile import HostProfile, LabConfig
from winlab.stats import write_stats
from winlab.wsman.endpoint import Endpoint, bound_socket

STATS_EVERY_S = 0.5  # stats.json is rewritten at most this often (and only when a counter moved), and on exit
SWEEP_EVERY_S = 0.5  # hosts are asked for their availability this often even when nobody calls them

HostFactory = Callable[[HostProfile, Path, float], Host]


def default_host_factory(profile: HostProfile, state_dir: Path, clock_rate: float) -> Host:
    from winlab.host import create_host  # the simulated hosts; imported late so the server loads without them

    return create_host(profile, state_dir, clock_rate)


@dataclass(frozen=True)
class Listing:
    """What the inventory says about one host."""

    profile: HostProfile
    port: int


class LabServer:
    def __init__(
        self,
        config: LabConfig,
        state_dir: Path,
        clock_rate: float = 1.0,
        host_factory: HostFactory = default_host_factory,
    ) -> None:
        self.config = config
        self.state_dir = state_dir
        self.clock_rate = clock_rate
        self.host_factory = host_factory
        self.endpoints: dict[str, Endpoint] = {}  # by host name
        self.listings: list[Listing] = []
        self._secrets_dir: Path | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Every reachable host listens when this returns."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._secrets_dir = Path(tempfile.mkdtemp(prefix="winlab-ntlm-"))  # mode 0700: the NTLM user files
        for profile in self.config.hosts:
            sock = bound_socket(profile.port)
            if profile.faults.get("unreachable"):
                self.listings.append(Listing(profile, sock.getsockname()[1]))
                sock.close()  # the inventory names the port; nothing listens there
                continue
            host = self.host_factory(profile, self.state_dir, self.clock_rate)
            endpoint = Endpoint(host, profile, sock, self._secrets_dir)
            self.endpoints[profile.name] = endpoint
            self.listings.append(Listing(profile, endpoint.port))
            await endpoint.listen()
        self._tasks = [asyncio.create_task(self._every(STATS_EVERY_S, self.flush_stats))]
        self._tasks.append(asyncio.create_task(self._every(SWEEP_EVERY_S, self._sweep)))

    def endpoint(self, name: str) -> Endpoint:
        return self.endpoints[name]

    @staticmethod
    async def _every(seconds: float, action: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(seconds)
            action()

    def _sweep(self) -> None:
        """Lets hosts notice scheduled restarts and closes the ports of those that went down."""
        for endpoint in self.endpoints.values():
            if endpoint.listening:
                endpoint.check_up()

    def flush_stats(self, force: bool = False) -> None:
        if force or any(e.dirty for e in self.endpoints.values()):
            counters = {e.profile.name: e.stats for e in self.endpoints.values()}
            write_stats(self.state_dir, counters)
            for endpoint in self.endpoints.values():
                endpoint.dirty = False

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for endpoint in self.endpoints.values():
            await endpoint.close()
        self.flush_stats(force=True)
        if self._secrets_dir is not None:
            shutil.rmtree(self._secrets_dir, ignore_errors=True)


# -- inventory ----------------------------------------------------------------------------------------------------
def inventory_text(listings: list[Listing]) -> str:
    lines = ["[windows]"]
    for listing in listings:
        p = listing.profile
        variables = {
            "ansible_host": "127.0.0.1",
            "ansible_port": str(listing.port),
            "ansible_user": p.username,
            "ansible_password": p.password,
            "ansible_connection": "winfix.volsnap.winrs",
            "ansible_winrm_scheme": "http",
            "ansible_winrm_transport": p.auth,
        }
        lines.append(" ".join([ini_value(p.name), *(f"{k}={ini_value(v)}" for k, v in variables.items())]))
    return "\n".join(lines) + "\n"


def ini_value(value: str) -> str:
    """A value as Ansible's INI inventory reads it back unchanged: the line is shlex-split (POSIX, '#' starts a
    comment), then each value goes through ast.literal_eval. A value that would parse as a Python literal (123,
    True, '...') is written as a string literal; anything with blanks, quotes, '#' or backslashes is double-quoted
    for shlex. Plain values stay bare, so a plain shlex reader sees them as they are too."""
    text = repr(value) if _is_python_literal(value) else value
    if text and not any(c.isspace() or c in "\"'#\\" for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_python_literal(value: str) -> bool:
    try:
        ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def write_inventory(path: Path, listings: list[Listing]) -> None:
    """Atomic and private (it holds passwords): a temporary name in the same directory, then rename."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(inventory_text(listings))
    os.replace(temporary, path)
