"""The remote shell life cycle of one host: Create → Command → Send/Receive/Signal → Delete, over the api.py seam.

It knows WS-Man, never HTTP and never cmd.exe: requests come in parsed (winlab.wsman.soap) and the host behind
the seam runs the commands.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from winlab.api import Host, RunningCommand, Shell, ShellClosed
from winlab.stats import HostStats
from winlab.wsman import faults, soap

DEFAULT_CODEPAGE = 437  # an en-US host's OEM code page, what WinRS uses when the client names none
OUTPUT_PER_RECEIVE = 96 * 1024  # raw bytes per Receive: base64 of it stays under pywinrm's 150 KB envelope
RECEIVE_WAIT_S = 1.0  # Windows holds a Receive up to OperationTimeout; the lab answers sooner, then w:TimedOut
POLL_STEPS_S = (0.005, 0.01, 0.02, 0.05, 0.1)  # growing pauses between looks at a running command

SHELL_ACTIONS = (soap.ACTION_DELETE, soap.ACTION_COMMAND, soap.ACTION_SEND, soap.ACTION_RECEIVE, soap.ACTION_SIGNAL)


@dataclass
class _Command:
    running: RunningCommand
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    done: bool = False
    exit_code: int | None = None

    def collect(self) -> bool:
        """Take what the host has; True when there is something to answer with (output or the end)."""
        if not self.done:
            chunk = self.running.receive()
            if chunk is not None:
                self.stdout += chunk.stdout
                self.stderr += chunk.stderr
                self.done, self.exit_code = chunk.done, chunk.exit_code
        return self.done or bool(self.stdout) or bool(self.stderr)


@dataclass
class _OpenShell:
    shell: Shell
    commands: dict[str, _Command] = field(default_factory=dict)


class ShellService:
    """The shells open on one host (all belong to the host's one user, so the quota is per host)."""

    def __init__(self, host: Host, address: str, stats: HostStats, receive_wait_s: float = RECEIVE_WAIT_S) -> None:
        self.host = host
        self.address = address
        self.stats = stats
        self.receive_wait_s = receive_wait_s
        self._shells: dict[str, _OpenShell] = {}

    @property
    def open_shells(self) -> int:
        return len(self._shells)

    def forget_all(self) -> None:
        """The host restarted: no shell survives."""
        self._shells.clear()

    async def handle(self, req: soap.Request) -> bytes:
        """The response envelope; faults are raised as faults.WsmanFault."""
        if req.action != soap.ACTION_CREATE and req.action not in SHELL_ACTIONS:
            raise faults.action_not_supported(req.action)
        if req.resource_uri != soap.CMD_RESOURCE:
            raise faults.invalid_resource_uri(req.resource_uri)
        if req.action == soap.ACTION_CREATE:
            return self._create(req)
        state = self._shells.get(req.shell_id or "")
        if state is None:
            raise faults.shell_not_found(req.shell_id)
        try:
            return await self._in_shell(req, state)
        except ShellClosed as error:
            self._shells.pop(req.shell_id or "", None)
            raise faults.shell_not_found(req.shell_id) from error

    async def _in_shell(self, req: soap.Request, state: _OpenShell) -> bytes:
        if req.action == soap.ACTION_DELETE:
            del self._shells[req.shell_id or ""]
            state.shell.close()
            return soap.empty_response(req, soap.ACTION_DELETE)
        if req.action == soap.ACTION_COMMAND:
            return self._command(req, state)
        if req.action == soap.ACTION_SEND:
            chunk = soap.stdin_of(req.body)
            self._find(state, chunk.command_id).running.send_stdin(chunk.data, chunk.end)
            return soap.empty_response(req, soap.ACTION_SEND, "rsp:SendResponse")
        if req.action == soap.ACTION_RECEIVE:
            return await self._receive(req, state)
        signal = soap.signal_of(req.body)
        command = self._find(state, signal.command_id)
        command.running.terminate()
        if signal.code != soap.SIGNAL_CTRL_C:  # terminate ends the command's life on the server
            del state.commands[signal.command_id]
        return soap.empty_response(req, soap.ACTION_SIGNAL, "rsp:SignalResponse")

    def _create(self, req: soap.Request) -> bytes:
        if len(self._shells) >= faults.MAX_SHELLS_PER_USER:
            raise faults.shell_quota()
        try:
            codepage = int(req.options.get("WINRS_CODEPAGE") or DEFAULT_CODEPAGE)
        except ValueError as error:
            raise faults.bad_xml("WINRS_CODEPAGE is not a number.") from error
        spec = soap.shell_spec_of(req.body)
        shell = self.host.open_shell(codepage, spec.working_directory, spec.environment)
        shell_id = str(uuid.uuid4()).upper()
        self._shells[shell_id] = _OpenShell(shell)
        self.stats.shells += 1
        return soap.created_response(req, shell_id, self.address)

    def _command(self, req: soap.Request, state: _OpenShell) -> bytes:
        running = state.shell.start_command(soap.command_line_of(req.body))
        command_id = str(uuid.uuid4()).upper()
        state.commands[command_id] = _Command(running)
        self.stats.commands += 1
        return soap.command_response(req, command_id)

    @staticmethod
    def _find(state: _OpenShell, command_id: str) -> _Command:
        command = state.commands.get(command_id)
        if command is None:
            raise faults.command_not_found(command_id)
        return command

    async def _receive(self, req: soap.Request, state: _OpenShell) -> bytes:
        command_id = soap.receive_command_id(req.body)
        command = self._find(state, command_id)
        wait_s = min(self.receive_wait_s, req.operation_timeout_s or self.receive_wait_s)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        step = 0
        while not command.collect():
            if loop.time() >= deadline:
                raise faults.timed_out()
            await asyncio.sleep(POLL_STEPS_S[min(step, len(POLL_STEPS_S) - 1)])
            step += 1
        stdout = bytes(command.stdout[:OUTPUT_PER_RECEIVE])
        stderr = bytes(command.stderr[:OUTPUT_PER_RECEIVE])
        del command.stdout[:OUTPUT_PER_RECEIVE], command.stderr[:OUTPUT_PER_RECEIVE]
        finished = command.done and not command.stdout and not command.stderr
        if finished:
            exit_code = command.exit_code if command.exit_code is not None else 0
            return soap.receive_response(req, command_id, stdout, stderr, exit_code)
        return soap.receive_response(req, command_id, stdout, stderr, None)
