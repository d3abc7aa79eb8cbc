"""HTTP/1.1 with keep-alive for one WinRM endpoint: h11 over an asyncio protocol.

Owning the socket (rather than a web framework) lets the endpoint count the raw bytes on the wire, cut a connection
in the middle of a request, and keep NTLM state per TCP connection, which is what WinRM's NTLM authenticates.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass, field
from typing import Protocol

import h11

MAX_REQUEST_BYTES = 64 * 1024 * 1024  # far above WinRM's MaxEnvelopeSize; only a guard against runaway clients


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # names lower-cased (h11 normalises them)
    body: bytes

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), "")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class ConnectionGate(Protocol):
    """What an HTTP connection asks of its endpoint (implemented by winlab.wsman.endpoint.Endpoint)."""

    def connection_opened(self, connection: HttpConnection) -> bool:
        """False: refuse (the host is not up); the connection is reset at once."""

    def connection_closed(self, connection: HttpConnection) -> None: ...

    def bytes_received(self, count: int) -> bool:
        """Raw request bytes off the socket. False: cut the connection now (transport fault)."""

    def bytes_sent(self, count: int) -> None: ...

    async def respond(self, connection: HttpConnection, request: HttpRequest) -> HttpResponse | None:
        """None: reset the connection instead of answering."""


class HttpConnection(asyncio.Protocol):
    """One TCP connection: requests are answered one after another, in order (HTTP/1.1 without pipelining)."""

    def __init__(self, gate: ConnectionGate) -> None:
        self.gate = gate
        self.auth_context: object | None = None  # the endpoint's per-connection authentication state
        self._parser = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_REQUEST_BYTES)
        self._transport: asyncio.Transport | None = None
        self._head: h11.Request | None = None
        self._body = bytearray()
        self._serving: asyncio.Task[None] | None = None

    # -- asyncio.Protocol -----------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if not self.gate.connection_opened(self):
            self.abort()

    def data_received(self, data: bytes) -> None:
        if not self.gate.bytes_received(len(data)):
            self.abort()
            return
        self._parser.receive_data(data)
        self._advance()

    def eof_received(self) -> bool | None:
        self._parser.receive_data(b"")
        self._advance()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._serving is not None and not self._serving.done():
            self._serving.cancel()
        self._transport = None
        self.gate.connection_closed(self)

    # -- connection control ---------------------------------------------------------------------------------------
    def abort(self) -> None:
        """Reset (RST), as a host that went away or a cut cable does."""
        if self._transport is not None:
            self._transport.abort()

    @property
    def open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    # -- request assembly ---------------------------------------------------------------------------------------
    def _advance(self) -> None:
        if self._serving is not None and not self._serving.done():
            return  # the next request waits in h11's buffer until this one is answered
        while self._transport is not None:
            try:
                event = self._parser.next_event()
            except h11.RemoteProtocolError:
                self._send_and_close(HttpResponse(400))
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._head, self._body = event, bytearray()
            elif isinstance(event, h11.Data):
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage):
                self._serving = asyncio.get_running_loop().create_task(self._serve(self._request()))
                return
            elif isinstance(event, h11.ConnectionClosed):
                self._close()
                return

    def _request(self) -> HttpRequest:
        assert self._head is not None
        headers = tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in self._head.headers)
        return HttpRequest(
            self._head.method.decode("ascii"), self._head.target.decode("latin-1"), headers, bytes(self._body)
        )

    async def _serve(self, request: HttpRequest) -> None:
        try:
            response = await self.gate.respond(self, request)
        except Exception as error:  # a lab bug must not kill the loop; answer like a broken server and say why
            print(f"winlab: internal error answering {request.method} {request.target}: {error!r}", file=sys.stderr)
            response = HttpResponse(500)
        if response is None:
            self.abort()
            return
        if not self.open:
            return
        self._write(response)
        if self._parser.our_state is h11.MUST_CLOSE or self._parser.their_state is h11.MUST_CLOSE:
            self._close()
            return
        self._parser.start_next_cycle()
        self._serving = None
        self._advance()

    # -- output -------------------------------------------------------------------------------------------------
    def _write(self, response: HttpResponse) -> None:
        headers = [*response.headers, ("Content-Length", str(len(response.body))), ("Server", "Microsoft-HTTPAPI/2.0")]
        data = self._parser.send(h11.Response(status_code=response.status, headers=headers)) or b""
        if response.body:
            data += self._parser.send(h11.Data(data=response.body)) or b""
        data += self._parser.send(h11.EndOfMessage()) or b""
        self.gate.bytes_sent(len(data))
        assert self._transport is not None
        self._transport.write(data)

    def _send_and_close(self, response: HttpResponse) -> None:
        if self._parser.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            with contextlib.suppress(h11.LocalProtocolError):
                self._write(response)
        self._close()

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
