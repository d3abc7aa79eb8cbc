"""One host's WinRM endpoint: authentication, (de)encryption, the shell life cycle, faults from the profile."""

from __future__ import annotations

import asyncio
import base64
import secrets
import sys
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from winlab.api import Availability, CommandOptions, Host, ReceiveChunk, RunningCommand, Shell, ShellClosed
from winlab.clock import LabClock
from winlab.kerberos import keytab_path, user_principal
from winlab.profile import HostProfile
from winlab.stats import HostStats, tool_of
from winlab.wsman import soap
from winlab.wsman.auth import (
    AuthFailed,
    CredSspAcceptor,
    KerberosAcceptor,
    NtlmAcceptor,
    NtlmUser,
    SessionAcceptor,
    check_basic,
    write_user_file,
)

# The WWW-Authenticate scheme a host offers, and the Authorization schemes it takes ([MS-WSMV] 2.2.9.1, RFC 4559).
_SCHEMES = {"basic": 'Basic realm="WSMAN"', "ntlm": "Negotiate", "kerberos": "Negotiate", "credssp": "CredSSP"}
_ACCEPTED_SCHEMES = {"ntlm": ("negotiate", "ntlm"), "kerberos": ("negotiate",), "credssp": ("credssp",)}
MAX_SHELLS = 30  # Windows' default MaxShellsPerUser on 2008 R2-era WinRM
CHUNK = 96 * 1024  # output per Receive, under WinRM's 150 KB envelope
# A Receive without w:OperationTimeout waits as long as the service's MaxTimeoutms allows: 60000 ([MS-WSMV] 2.2.4.10).
DEFAULT_OPERATION_TIMEOUT_S = 60.0


@dataclass
class _Exchange:
    """One HTTP request, for the counters: its size, and the program of the command it belongs to (if any)."""

    size_in: int
    tool: str | None = None


@dataclass
class _Command:
    running: RunningCommand
    tool: str
    pending_out: bytes = b""
    pending_err: bytes = b""
    exit_code: int | None = None
    finished: bool = False


@dataclass
class _ShellState:
    shell: Shell
    commands: dict[str, _Command] = field(default_factory=dict)
    last_request: float = field(default_factory=LabClock.real)  # real time of the last request about this shell


class _DropConnection(Exception):
    """Raised inside a request whose connection the lab cuts (fault drop_during_command)."""


class Endpoint:
    # WinRS deletes a shell that has had no request for IdleTimeout ms: 180000 by default ([MS-WSMV] 2.2.4.42
    # WinrsType; the Group Policy text says 15 minutes when not configured: the lab takes the shorter). Real seconds.
    shell_idle_timeout_s = 180.0

    def __init__(self, host: Host, profile: HostProfile, port: int, state_dir: Path) -> None:
        self.host = host
        self.profile = profile
        self.port = port
        self.stats = HostStats()
        self.shells: dict[str, _ShellState] = {}
        self._dropped = False
        self._drop_command: str | None = None  # command id whose output request is cut (drop_during_command)
        self._generation_seen = 0
        self._sessions: weakref.WeakKeyDictionary[Any, SessionAcceptor] = weakref.WeakKeyDictionary()
        # auth_refused: the handshake runs as on Windows, but no password is ever right.
        password = secrets.token_hex(16) if profile.faults.get("auth_refused") else profile.password
        self._password = password
        self._user_file = write_user_file(state_dir, NtlmUser(profile.username, password))
        self._state_dir = state_dir
        self.dirty = True

    # -- HTTP ---------------------------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.dirty = True
        self.stats.requests += 1
        body = await request.read()
        exchange = _Exchange(len(body) + sum(len(k) + len(v) + 4 for k, v in request.raw_headers) + 40)
        self.stats.bytes_in += exchange.size_in
        self.stats.largest_request = max(self.stats.largest_request, len(body))
        faults = self.profile.faults
        self._expire_idle_shells()
        if self.host.availability() is not Availability.UP:
            return self._abort(request)
        limit = faults.get("drop_after_bytes")
        if limit is not None and not self._dropped and self.stats.bytes_in >= int(limit):
            self._dropped = True  # once: a rerun must be able to complete
            return self._abort(request)
        if request.path.lower() != "/wsman":
            return self._respond(web.Response(status=404))
        if request.method != "POST":
            return self._respond(web.Response(status=405))
        if len(body) > self.profile.max_envelope_kb * 1024:
            # MaxEnvelopeSizekb "limit[s] the size of client request packets" ([MS-WSMV] 2.2.4.10); WinRM answers an
            # oversized one with HTTP 413 (jborean93 in ansible-collections/ansible.windows#620: "the WinRM service
            # complaining the data it is given is too large"). The lab counts the body as sent, encryption included.
            self.stats.oversized_requests += 1
            return self._respond(web.Response(status=413))
        try:
            if self.profile.auth == "basic":
                return await self._basic(request, body, exchange)
            return await self._negotiate(request, body, exchange)
        except _DropConnection:
            return self._abort(request)

    def _abort(self, request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)

    def _respond(self, response: web.Response, exchange: _Exchange | None = None) -> web.Response:
        size = len(response.body) if isinstance(response.body, bytes) else 0
        size += sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 60
        self.stats.bytes_out += size
        if exchange is not None and exchange.tool is not None:
            self.stats.count_tool(exchange.tool, exchange.size_in + size)
        return response

    def _unauthorized(self, token: str | None = None) -> web.Response:
        self.stats.auth_failures += token is None
        scheme = _SCHEMES[self.profile.auth]
        header = f"{scheme} {token}" if token is not None else scheme
        return self._respond(web.Response(status=401, headers={"WWW-Authenticate": header}))

    async def _basic(self, request: web.Request, body: bytes, exchange: _Exchange) -> web.Response:
        if not check_basic(request.headers.get("Authorization", ""), self.profile.username, self._password):
            return self._unauthorized()
        status, reply = await self._soap(body, exchange)
        headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
        return self._respond(web.Response(status=status, body=reply, headers=headers), exchange)

    def _new_acceptor(self) -> SessionAcceptor:
        if self.profile.auth == "credssp":
            return CredSspAcceptor(self._user_file, NtlmUser(self.profile.username, self._password))
        if self.profile.auth == "kerberos":
            refuse = bool(self.profile.faults.get("auth_refused"))
            principal = user_principal(self.profile.username)
            return KerberosAcceptor(keytab_path(self._state_dir, self.profile.name), principal, refuse)
        return NtlmAcceptor(self._user_file)

    async def _negotiate(self, request: web.Request, body: bytes, exchange: _Exchange) -> web.Response:
        transport = request.transport
        authorization = request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        mutual: dict[str, str] = {}
        if scheme.lower() in _ACCEPTED_SCHEMES[self.profile.auth] and token:
            acceptor = self._new_acceptor()
            if transport is not None:
                existing = self._sessions.get(transport)
                acceptor = existing if existing is not None and not existing.complete else acceptor
                self._sessions[transport] = acceptor
            try:
                answer = acceptor.step(base64.b64decode(token))
            except (AuthFailed, ValueError):
                if transport is not None:
                    self._sessions.pop(transport, None)
                return self._unauthorized()
            if not acceptor.complete:  # CredSSP's acceptor may answer with an empty token
                return self._unauthorized(base64.b64encode(answer or b"").decode())
            self.stats.count_logon(acceptor.mechanism, isinstance(acceptor, KerberosAcceptor) and acceptor.delegated)
            if answer:  # Kerberos mutual authentication: the final token rides on the 200 (RFC 4559 section 5)
                mutual = {"WWW-Authenticate": f"{acceptor.scheme} {base64.b64encode(answer).decode()}"}
            if not body:
                return self._respond(web.Response(status=200, headers=mutual))
        acceptor_done = self._sessions.get(transport) if transport is not None else None
        if acceptor_done is None or not acceptor_done.complete:
            return self._unauthorized()
        try:
            message = acceptor_done.unseal(body)
        except AuthFailed:
            return self._respond(web.Response(status=400))
        self.stats.sealed_requests += 1
        status, reply = await self._soap(message, exchange)
        content_type, sealed = acceptor_done.seal(reply)
        headers = {"Content-Type": content_type, **mutual}
        return self._respond(web.Response(status=status, body=sealed, headers=headers), exchange)

    # -- SOAP ---------------------------------------------------------------------------------------------------
    async def _soap(self, data: bytes, exchange: _Exchange) -> tuple[int, bytes]:
        slow = self.profile.faults.get("slow_ms")
        request_id = ""
        try:
            req = soap.parse_request(data)
            request_id = req.message_id
            exchange.tool = self._tool_of(req)
            reply = await self._dispatch(req)
            status = 200
        except soap.SoapError as error:
            status, reply = 500, soap.fault_response(request_id, error)
        except _DropConnection:
            raise
        except Exception as error:  # a lab bug: answer like a broken server and say why on stderr
            print(f"winlab: {self.profile.name}: internal error: {error!r}", file=sys.stderr)
            status, reply = (
                500,
                soap.fault_response(request_id, soap.SoapError(2150858770, f"winlab internal error: {error}")),
            )
        if slow:
            await asyncio.sleep(int(slow) / 1000)
        return status, reply

    def _tool_of(self, req: soap.Request) -> str | None:
        """The program of the command this request belongs to; None for shell requests (create, delete)."""
        if req.body is None:
            return None
        if req.action == soap.ACTION_COMMAND:
            return tool_of(soap.command_line_of(req.body))
        state = self.shells.get(req.shell_id or "")
        command = state.commands.get(soap.command_id_of(req.body)) if state is not None else None
        return command.tool if command is not None else None

    async def _dispatch(self, req: soap.Request) -> bytes:
        if req.action == soap.ACTION_CREATE:
            return self._create(req)
        state = self.shells.get(req.shell_id or "")
        if state is not None:
            state.last_request = LabClock.real()
        if state is None:
            raise soap.SoapError(
                soap.SHELL_NOT_FOUND,
                f"The request for the Windows Remote Shell with ShellId {req.shell_id} failed because the shell was "
                "not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no "
                "longer exists on the server. Provide the correct ShellId or create a new shell and retry the "
                "operation.",
                "w:InvalidSelectors",
            )
        if req.action == soap.ACTION_DELETE:
            self.shells.pop(req.shell_id or "", None)
            state.shell.close()  # its commands still running end with it (see host/shell.py LabCommand)
            return soap.empty_response(req, soap.ACTION_DELETE)
        if req.body is None:
            raise soap.SoapError(soap.BAD_XML, "The SOAP envelope has no body.")
        try:
            if req.action == soap.ACTION_COMMAND:
                return self._command(req, state)
            if req.action == soap.ACTION_SEND:
                command_id, data, end = soap.stdin_of(req.body)
                self._find(state, command_id).running.send_stdin(data, end)
                return soap.empty_response(req, soap.ACTION_SEND, "rsp:SendResponse")
            if req.action == soap.ACTION_RECEIVE:
                return await self._receive(req, state)
            if req.action == soap.ACTION_SIGNAL:
                signal = req.body.find("rsp:Signal", soap.NS)
                command_id = signal.get("CommandId", "") if signal is not None else ""
                command = state.commands.pop(command_id, None)
                if command is not None:
                    command.running.terminate()
                return soap.empty_response(req, soap.ACTION_SIGNAL, "rsp:SignalResponse")
        except ShellClosed as error:
            self.shells.pop(req.shell_id or "", None)
            raise soap.SoapError(
                soap.SHELL_NOT_FOUND, f"The shell was not found on the server ({error}).", "w:InvalidSelectors"
            ) from error
        raise soap.SoapError(
            soap.ACTION_NOT_SUPPORTED,
            f"The action is not supported by the service: {req.action}",
            "w:ActionNotSupported",
        )

    def _create(self, req: soap.Request) -> bytes:
        if len(self.shells) >= MAX_SHELLS:
            raise soap.SoapError(
                soap.QUOTA_SHELLS,
                f"The WS-Management service cannot process the request. This user is allowed a maximum number of "
                f"{MAX_SHELLS} concurrent shells, which has been exceeded. Close existing shells or raise the quota "
                "for this user.",
                "w:QuotaLimit",
            )
        codepage = int(req.options.get("WINRS_CODEPAGE") or 437)
        body = req.body.find("rsp:Shell", soap.NS) if req.body is not None else None
        workdir = body.findtext("rsp:WorkingDirectory", None, soap.NS) if body is not None else None
        env = (
            {v.get("Name", ""): v.text or "" for v in body.findall("rsp:Environment/rsp:Variable", soap.NS)}
            if body is not None
            else {}
        )
        shell_id = str(uuid.uuid4()).upper()
        self.shells[shell_id] = _ShellState(self.host.open_shell(codepage, workdir, env))
        self.stats.shells += 1
        return soap.created_response(req, shell_id, f"http://127.0.0.1:{self.port}/wsman")

    def _command(self, req: soap.Request, state: _ShellState) -> bytes:
        assert req.body is not None
        command_id = str(uuid.uuid4()).upper()
        line = soap.command_line_of(req.body)
        options = CommandOptions(
            console_mode_stdin=_option(req, "WINRS_CONSOLEMODE_STDIN", True),
            skip_cmd_shell=_option(req, "WINRS_SKIP_CMD_SHELL", False),
        )
        state.commands[command_id] = _Command(state.shell.start_command(line, options), tool_of(line))
        cut_at = self.profile.faults.get("drop_during_command")
        if cut_at and not self._dropped and str(cut_at).lower() in line.lower():
            self._dropped = True  # once: a rerun must be able to complete
            self._drop_command = command_id
        self.stats.commands += 1
        return soap.command_response(req, command_id)

    @staticmethod
    def _find(state: _ShellState, command_id: str) -> _Command:
        command = state.commands.get(command_id)
        if command is None:
            raise soap.SoapError(soap.SHELL_NOT_FOUND, f"The command {command_id} was not found.", "w:InvalidSelectors")
        return command

    async def _wait_for(self, running: RunningCommand, timeout_s: float) -> ReceiveChunk:
        """The command's output, waiting (without holding up other hosts) until it ends or the client's
        OperationTimeout passes: then the w:TimedOut fault, and the client sends the next Receive ([MS-WSMV]
        3.1.4.14: "If no output is available before the wsman:OperationTimeout expires, the server MUST return a
        WSManFault with the Code attribute equal to 2150858793")."""
        deadline = LabClock.real() + timeout_s
        while True:
            chunk = running.receive()
            if chunk is not None:
                return chunk
            left = deadline - LabClock.real()
            if left <= 0:
                self.stats.receive_timeouts += 1
                raise soap.SoapError(
                    soap.TIMED_OUT,
                    "The WS-Management service cannot complete the operation within "
                    "the time specified in OperationTimeout.",
                    "w:TimedOut",
                )
            ready_in = running.seconds_left()
            await asyncio.sleep(left if ready_in is None else min(left, ready_in + 0.001))

    def keep_time(self) -> None:
        """Bring the host up to the lab clock without a request: shells idle past IdleTimeout go first (with what
        still runs in them, as of when they expired), then the host's tasks, restarts and commands that ended."""
        self._expire_idle_shells()
        self.host.availability()

    def _expire_idle_shells(self) -> None:
        """Shells idle past IdleTimeout are deleted, with what still runs in them, as of the moment they expired."""
        now = LabClock.real()
        for shell_id, state in list(self.shells.items()):
            expired_at = state.last_request + self.shell_idle_timeout_s
            if now >= expired_at:
                del self.shells[shell_id]
                state.shell.close(at=expired_at)

    async def _receive(self, req: soap.Request, state: _ShellState) -> bytes:
        assert req.body is not None
        stream = req.body.find("rsp:Receive/rsp:DesiredStream", soap.NS)
        command_id = stream.get("CommandId", "") if stream is not None else ""
        command = self._find(state, command_id)
        if command_id == self._drop_command:
            # The client loses the connection while the command runs; the command itself carries on to its end,
            # as an installer does on Windows when the WinRM client goes away.
            self._drop_command = None
            command.running.receive()  # runs it (a lab command runs at its first Receive)
            raise _DropConnection()
        if not command.finished:
            chunk = await self._wait_for(command.running, req.operation_timeout_s or DEFAULT_OPERATION_TIMEOUT_S)
            command.pending_out, command.pending_err = chunk.stdout, chunk.stderr
            command.exit_code, command.finished = chunk.exit_code, True
        out, command.pending_out = command.pending_out[:CHUNK], command.pending_out[CHUNK:]
        err, command.pending_err = command.pending_err[:CHUNK], command.pending_err[CHUNK:]
        last = not command.pending_out and not command.pending_err
        return soap.receive_response(req, command_id, out, err, command.exit_code if last else None)


def _option(req: soap.Request, name: str, default: bool) -> bool:
    value = req.options.get(name)
    return default if value is None else value.strip().upper() == "TRUE"
