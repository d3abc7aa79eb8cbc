"""Lab tests: a LabServer in a background event loop, reached with plain pywinrm."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import winrm

from winlab.kerberos import service_hostname
from winlab.profile import load_config
from winlab.samples import PASSWORD, VISTA, W2003  # noqa: F401  (re-exported for the tests)
from winlab.server import LabServer

W7: dict[str, Any] = {}  # the profile defaults are a Windows 7 RTM host


class RunningLab:
    def __init__(self, hosts: dict[str, Any], state_dir: Path, clock_rate: float = 1.0) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = LabServer(
            load_config({"defaults": {"password": PASSWORD}, "hosts": hosts}), state_dir, clock_rate
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(60)
        self.ports = {listing.profile.name: listing.port for listing in self.server.listings}

    def session(self, name: str, password: str = PASSWORD, **kwargs: Any) -> winrm.Session:
        auth = next(e.profile.auth for e in self.server.listings if e.profile.name == name)
        kwargs.setdefault("transport", auth)
        kwargs.setdefault("message_encryption", "auto" if auth in ("ntlm", "kerberos", "credssp") else "never")
        if auth == "kerberos":  # the ticket comes from the credential cache (see test_kerberos.py's `ticket`)
            kwargs.setdefault("kerberos_hostname_override", service_hostname(name))
        return winrm.Session(f"http://127.0.0.1:{self.ports[name]}/wsman", auth=("Administrator", password), **kwargs)

    def host(self, name: str) -> Any:
        return next(e.host for e in self.server.endpoints.values() if e.profile.name == name)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Callable[..., RunningLab]]:
    started: list[RunningLab] = []

    def start(hosts: dict[str, Any], clock_rate: float = 1.0) -> RunningLab:
        running = RunningLab(hosts, tmp_path / f"state{len(started)}", clock_rate)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
