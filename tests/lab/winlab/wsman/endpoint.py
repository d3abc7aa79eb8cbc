"""One host's WinRM listener: its socket, availability, authentication, message encryption and transport faults.

Transport faults (profile `faults:`): auth_refused (no password is ever right, every request is a 401),
unreachable (handled by the server: nothing listens), drop_after_bytes (cut the connection in the middle of the
request during which the host's received bytes reach N, once), slow_ms (every response N ms late, without holding
up any other host).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
import sys
from pathlib import Path

from winlab.api import Availability, Host
from winlab.profile import HostProfile
from winlab.stats import HostStats
from winlab.wsman import faults, soap
from winlab.wsman.auth import (
    ENCRYPTED_CONTENT_TYPE,
    SOAP_CONTENT_TYPE,
    AuthFailed,
    NtlmSession,
    UserFile,
    check_basic,
    negotiate_token,
)
from winlab.wsman.http import HttpConnection, HttpRequest, HttpResponse
from winlab.wsman.shells import ShellService

WSMAN_PATH = "/wsman"
REOPEN_POLL_S = 0.1  # how often a down host is asked whether it is back


def bound_socket(port: int | None) -> socket.socket:
    """A loopback socket bound (not yet listening) to the pinned port, or to a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    return sock


class Endpoint:
    """Implements winlab.wsman.http.ConnectionGate for one host."""

    def __init__(self, host: Host, profile: HostProfile, sock: socket.socket, secrets_dir: Path) -> None:
        self.host = host
        self.profile = profile
        self.port: int = sock.getsockname()[1]
        self.stats = HostStats()
        self.dirty = True  # counters changed since stats.json was written
        self.shells = ShellService(host, f"http://127.0.0.1:{self.port}{WSMAN_PATH}", self.stats)
        self._socket: socket.socket | None = sock
        self._server: asyncio.Server | None = None
        self._connections: set[HttpConnection] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._drop_after = profile.faults.get("drop_after_bytes")
        self._slow_s = float(profile.faults.get("slow_ms") or 0) / 1000
        # auth_refused: the handshake runs as on Windows, but against a password nobody knows.
        self._password = secrets.token_urlsafe(24) if profile.faults.get("auth_refused") else profile.password
        self._users = UserFile(secrets_dir, profile.username, self._password) if profile.auth == "ntlm" else None

    # -- listening ----------------------------------------------------------------------------------------------
    async def listen(self) -> None:
        loop = asyncio.get_running_loop()
        sock = self._socket or bound_socket(self.port)
        self._socket = None
        self._server = await loop.create_server(lambda: HttpConnection(self), sock=sock, backlog=128)

    @property
    def listening(self) -> bool:
        return self._server is not None

    def stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self._connections):
            connection.abort()

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        self.stop_listening()
        if self._socket is not None:
            self._socket.close()

    # -- availability -------------------------------------------------------------------------------------------
    def check_up(self) -> bool:
        """Asked on every connection and request (and by the server's sweep): a host that is restarting or gone
        closes its port, as Windows' does, and loses its shells; a watcher re-opens the port when it is back."""
        if self.host.availability() is Availability.UP:
            return True
        if self.listening:
            self.stop_listening()
            self.shells.forget_all()
            self._watcher = asyncio.get_running_loop().create_task(self._reopen_when_up())
        return False

    async def _reopen_when_up(self) -> None:
        while True:
            await asyncio.sleep(REOPEN_POLL_S)
            state = self.host.availability()
            if state is Availability.GONE:
                return
            if state is Availability.UP:
                try:
                    await self.listen()
                    return
                except OSError:  # the port is briefly taken; try again on the next poll
                    continue

    # -- ConnectionGate -----------------------------------------------------------------------------------------
    def connection_opened(self, connection: HttpConnection) -> bool:
        if not self.check_up():
            return False
        self._connections.add(connection)
        return True

    def connection_closed(self, connection: HttpConnection) -> None:
        self._connections.discard(connection)

    def bytes_received(self, count: int) -> bool:
        before = self.stats.bytes_in
        self.stats.bytes_in += count
        self.dirty = True
        # Only the bytes that cross the mark cut the connection: once, so a rerun gets through.
        return self._drop_after is None or not before < int(self._drop_after) <= self.stats.bytes_in

    def bytes_sent(self, count: int) -> None:
        self.stats.bytes_out += count
        self.dirty = True

    async def respond(self, connection: HttpConnection, request: HttpRequest) -> HttpResponse | None:
        self.stats.requests += 1
        self.dirty = True
        if not self.check_up():
            return None
        response = await self._answer(connection, request)
        if self._slow_s:
            await asyncio.sleep(self._slow_s)
            if not self.check_up():
                return None
        return response

    # -- HTTP → SOAP --------------------------------------------------------------------------------------------
    async def _answer(self, connection: HttpConnection, request: HttpRequest) -> HttpResponse:
        if request.target.split("?", 1)[0].lower() != WSMAN_PATH:
            return HttpResponse(404)
        if request.method != "POST":
            return HttpResponse(405, headers=(("Allow", "POST"),))
        if self._users is None:
            return await self._basic(request)
        return await self._negotiate(connection, request)

    def _unauthorized(self, challenge: str) -> HttpResponse:
        return HttpResponse(401, headers=(("WWW-Authenticate", challenge),))

    async def _basic(self, request: HttpRequest) -> HttpResponse:
        if not check_basic(request.header("authorization"), self.profile.username, self._password):
            self.stats.auth_failures += 1
            return self._unauthorized('Basic realm="WSMAN"')
        status, reply = await self._soap(request.body)
        return HttpResponse(status, reply, (("Content-Type", SOAP_CONTENT_TYPE),))

    async def _negotiate(self, connection: HttpConnection, request: HttpRequest) -> HttpResponse:
        assert self._users is not None
        offered = negotiate_token(request.header("authorization"))
        session = connection.auth_context if isinstance(connection.auth_context, NtlmSession) else None
        if offered is not None:
            scheme, token = offered
            if session is None or session.complete:  # a new handshake (re)authenticates the connection
                session = NtlmSession(self._users)
                connection.auth_context = session
            try:
                answer = session.step(token)
            except AuthFailed:
                connection.auth_context = None
                self.stats.auth_failures += 1
                return self._unauthorized("Negotiate")
            if not session.complete:
                return self._unauthorized(f"{scheme} {base64.b64encode(answer or b'').decode()}")
        if session is None or not session.complete:
            return self._unauthorized("Negotiate")
        if not request.body:
            return HttpResponse(200)  # pywinrm's empty POST that sets up the security context
        if not request.header("content-type").lower().startswith("multipart/encrypted"):
            return self._unauthorized("Negotiate")  # AllowUnencrypted is false on Windows over HTTP
        try:
            message = session.unseal(request.body)
        except AuthFailed:
            connection.auth_context = None
            return self._unauthorized("Negotiate")
        status, reply = await self._soap(message)
        return HttpResponse(status, session.seal(reply), (("Content-Type", ENCRYPTED_CONTENT_TYPE),))

    async def _soap(self, data: bytes) -> tuple[int, bytes]:
        """(HTTP status, envelope): 200 with the answer, or 500 with a SOAP fault as Windows does."""
        relates_to = ""
        try:
            req = soap.parse_request(data)
            relates_to = req.message_id
            return 200, await self.shells.handle(req)
        except faults.WsmanFault as fault:
            return 500, soap.fault_response(relates_to, fault)
        except Exception as error:  # a lab bug: answer as a broken service would, and say why on stderr
            print(f"winlab: {self.profile.name}: internal error: {error!r}", file=sys.stderr)
            return 500, soap.fault_response(relates_to, faults.internal_error(repr(error)))
