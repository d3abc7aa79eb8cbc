"""The lab server: one aiohttp application, one listening socket per host on 127.0.0.1, all in one event loop."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from winlab.clock import LabClock
from winlab.host import create_host
from winlab.kerberos import LabKdc, RealmUser, service_hostname, user_principal
from winlab.profile import HostProfile, LabConfig
from winlab.stats import write_stats
from winlab.tls import server_context
from winlab.wsman.endpoint import Endpoint


@dataclass
class Listing:
    """What the inventory says about one host."""

    profile: HostProfile
    port: int


def _bound_socket(port: int | None, reuse: bool = True) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    return sock


class LabServer:
    def __init__(self, config: LabConfig, state_dir: Path, clock_rate: float = 1.0) -> None:
        self.config = config
        self.state_dir = state_dir
        self.clock = LabClock(clock_rate)
        self.endpoints: dict[int, Endpoint] = {}
        self.listings: list[Listing] = []
        self._runner: web.AppRunner | None = None
        self._stats_task: asyncio.Task[None] | None = None
        self.kdc: LabKdc | None = None
        self._saved_environment: dict[str, str | None] = {}
        # Unreachable hosts' ports, bound and never listening (connections are refused) until the lab stops, so that
        # no later listener, of this lab or another, is given the port the inventory names.
        self._refusing: list[socket.socket] = []

    async def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._start_realm()
        try:
            await self._start_endpoints()
        except BaseException:
            self._release_refusing_ports()
            self._stop_realm()
            raise

    def _start_realm(self) -> None:
        """The KDC of realm LAB.TEST when any host uses Kerberos; this process then accepts tickets with it."""
        kerberos_hosts = [p for p in self.config.hosts if p.auth == "kerberos"]
        if not kerberos_hosts:
            return
        users = {user_principal(p.username): p.password for p in kerberos_hosts}
        self.kdc = LabKdc(
            self.state_dir, [p.name for p in kerberos_hosts], [RealmUser(u, pw) for u, pw in users.items()]
        )
        self.kdc.start()
        for name, value in self.kdc.acceptor_environment().items():
            self._saved_environment[name] = os.environ.get(name)
            os.environ[name] = value

    def _stop_realm(self) -> None:
        if self.kdc is not None:
            self.kdc.stop()
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment.clear()

    async def _start_endpoints(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._route)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        tls = server_context(self.state_dir) if any(p.tls for p in self.config.hosts) else None
        for profile in self.config.hosts:
            unreachable = bool(profile.faults.get("unreachable"))
            sock = _bound_socket(profile.port, reuse=not unreachable)
            port = sock.getsockname()[1]
            self.listings.append(Listing(profile, port))
            if unreachable:
                self._refusing.append(sock)
                continue
            host = create_host(profile, self.state_dir, clock=self.clock)
            self.endpoints[port] = Endpoint(host, profile, port, self.state_dir)
            await web.SockSite(self._runner, sock, ssl_context=tls if profile.tls else None).start()
        self._stats_task = asyncio.create_task(self._keep_time_and_stats())

    async def _route(self, request: web.Request) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        endpoint = self.endpoints.get(sockname[1]) if sockname else None
        if endpoint is None:
            return web.Response(status=404)
        return await endpoint.handle(request)

    async def _keep_time_and_stats(self) -> None:
        """Twice a second: bring every host up to the lab clock (scheduled tasks and restarts happen on time, as on
        Windows, without waiting for a request; a tick is a few comparisons per host), then write the counters."""
        while True:
            await asyncio.sleep(0.5)
            for endpoint in self.endpoints.values():
                endpoint.keep_time()
            self.flush_stats()

    def flush_stats(self) -> None:
        if any(e.dirty for e in self.endpoints.values()) or not (self.state_dir / "stats.json").exists():
            write_stats(self.state_dir / "stats.json", {e.profile.name: e.stats for e in self.endpoints.values()})
            for endpoint in self.endpoints.values():
                endpoint.dirty = False

    async def stop(self) -> None:
        if self._stats_task is not None:
            self._stats_task.cancel()
        self.flush_stats()
        if self._runner is not None:
            await self._runner.cleanup()
        self._release_refusing_ports()
        self._stop_realm()

    def _release_refusing_ports(self) -> None:
        for sock in self._refusing:
            sock.close()
        self._refusing.clear()


def inventory_text(listings: list[Listing]) -> str:
    lines = ["[windows]"]
    for listing in listings:
        p = listing.profile
        fields = {
            "ansible_host": "127.0.0.1",
            "ansible_port": str(listing.port),
            "ansible_user": user_principal(p.username) if p.auth == "kerberos" else p.username,
            "ansible_password": p.password,
            "ansible_connection": "winfix.volsnap.winrs",
            "ansible_winrm_scheme": "https" if p.tls else "http",
            "ansible_winrm_transport": p.auth,
        }
        if p.auth == "kerberos":  # the SPN HTTP/<host>.lab.test, since the address is 127.0.0.1
            fields["ansible_winrm_kerberos_hostname_override"] = service_hostname(p.name)
        lines.append(p.name + " " + " ".join(f"{k}={_ini_value(v)}" for k, v in fields.items()))
    return "\n".join(lines) + "\n"


def _ini_value(value: str) -> str:
    """Quote for Ansible's INI inventory (shlex-split): anything beyond plain characters goes in single quotes."""
    if value and all(c.isalnum() or c in "._-:/@" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_inventory(path: Path, listings: list[Listing]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(inventory_text(listings))
    os.chmod(temporary, 0o600)  # it holds passwords
    os.replace(temporary, path)
