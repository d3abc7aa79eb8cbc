"""Lab fixtures: a LabServer on a background event loop, its inventory written, reached with plain pywinrm.

`lab(hosts)` starts one from a HOSTS.yml-style mapping of host name to profile fields (defaults: the sample
password, NTLM) and returns a RunningLab, which unpacks as (inventory path, {name: HostAccess}, state_dir).
Pass `host_factory=FakeHost.create` (tests/lab/tests/fake_host.py) to test the server without the simulated hosts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import winrm

from winlab.api import Host
from winlab.profile import load_config
from winlab.samples import PASSWORD
from winlab.server import HostFactory, LabServer, default_host_factory, write_inventory
from winlab.wsman.endpoint import Endpoint


@dataclass(frozen=True)
class HostAccess:
    """How a client reaches one lab host (what the inventory line says)."""

    port: int
    user: str
    password: str
    auth: str  # "ntlm" or "basic"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/wsman"


class RunningLab:
    def __init__(self, hosts: dict[str, Any], workdir: Path, clock_rate: float, host_factory: HostFactory) -> None:
        config = load_config({"defaults": {"password": PASSWORD}, "hosts": hosts})
        self.state_dir = workdir / "state"
        self.inventory = workdir / "inventory.ini"
        self.server = LabServer(config, self.state_dir, clock_rate, host_factory)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="winlab", daemon=True)
        self._thread.start()
        self.call(self.server.start())
        write_inventory(self.inventory, self.server.listings)
        self.hosts = {
            listing.profile.name: HostAccess(
                listing.port, listing.profile.username, listing.profile.password, listing.profile.auth
            )
            for listing in self.server.listings
        }

    def __iter__(self) -> Iterator[Any]:
        return iter((self.inventory, self.hosts, self.state_dir))

    @property
    def ports(self) -> dict[str, int]:
        return {name: access.port for name, access in self.hosts.items()}

    def call(self, coroutine: Any, timeout: float = 60) -> Any:
        """Run a coroutine on the lab's loop (where the server lives) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def session(self, name: str, password: str | None = None, **kwargs: Any) -> winrm.Session:
        access = self.hosts[name]
        kwargs.setdefault("transport", access.auth)
        kwargs.setdefault("message_encryption", "auto" if access.auth == "ntlm" else "never")
        return winrm.Session(access.endpoint, auth=(access.user, password or access.password), **kwargs)

    def endpoint(self, name: str) -> Endpoint:
        return self.server.endpoint(name)

    def host(self, name: str) -> Host:
        return self.server.endpoint(name).host

    def stop(self) -> None:
        self.call(self.server.stop(), 30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Callable[..., RunningLab]]:
    """A factory: lab(hosts, clock_rate=1.0, host_factory=winlab.host.create_host) -> RunningLab."""
    started: list[RunningLab] = []

    def start(
        hosts: dict[str, Any], clock_rate: float = 1.0, host_factory: HostFactory = default_host_factory
    ) -> RunningLab:
        workdir = tmp_path / f"lab{len(started)}"
        workdir.mkdir()
        running = RunningLab(hosts, workdir, clock_rate, host_factory)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
