"""A small stand-in for winlab.host behind the api.py seam, so the server's tests do not depend on cmd.exe.

Commands it knows: `ver`; `echo TEXT`; `chcp` (the shell's code page, as cmd prints it); `cat` (stdin back once
stdin is closed); `hang` (runs until signalled); `big N` (N bytes of output); `cd` (the working directory);
`set NAME` (one environment variable). Anything else: cmd's 9009.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from winlab.api import Availability, ReceiveChunk, ShellClosed
from winlab.profile import HostProfile

BANNER = b"\r\nMicrosoft Windows [Version 6.1.7600]\r\n"


@dataclass
class FakeCommand:
    shell: FakeShell
    line: str
    stdin: bytearray = field(default_factory=bytearray)
    stdin_sent: bool = False
    stdin_closed: bool = False
    terminated: bool = False
    delivered: bool = False

    def send_stdin(self, data: bytes, end: bool) -> None:
        self.shell.check_alive()
        self.stdin += data
        self.stdin_sent = True
        self.stdin_closed = self.stdin_closed or end

    def receive(self) -> ReceiveChunk | None:
        self.shell.check_alive()
        if self.delivered:
            return ReceiveChunk(done=True, exit_code=0)
        word, _, rest = self.line.partition(" ")
        if word == "hang" and not self.terminated:
            return None
        if word == "cat" and not self.stdin_closed:
            return None
        self.delivered = True
        return self._result(word, rest)

    def _result(self, word: str, rest: str) -> ReceiveChunk:
        shell = self.shell
        outputs = {
            "ver": lambda: BANNER,
            "echo": lambda: rest.encode(f"cp{shell.codepage}") + b"\r\n",
            "chcp": lambda: f"Active code page: {shell.codepage}\r\n".encode(),
            "cat": lambda: bytes(self.stdin),
            "hang": lambda: b"",
            "big": lambda: b"x" * int(rest or 0),
            "cd": lambda: (shell.working_directory or "C:\\Users\\Administrator").encode() + b"\r\n",
            "set": lambda: f"{rest}={shell.environment.get(rest, '')}\r\n".encode(),
        }
        if word not in outputs:
            message = f"'{word}' is not recognized as an internal or external command,\r\n"
            return ReceiveChunk(stderr=message.encode(), done=True, exit_code=9009)
        return ReceiveChunk(stdout=outputs[word](), done=True, exit_code=-1073741510 if self.terminated else 0)

    def terminate(self) -> None:
        self.terminated = True


@dataclass
class FakeShell:
    host: FakeHost
    codepage: int
    working_directory: str | None
    environment: dict[str, str]
    generation: int
    commands: list[FakeCommand] = field(default_factory=list)
    closed: bool = False

    def check_alive(self) -> None:
        if self.generation != self.host.generation:
            raise ShellClosed("the shell ended with the restart")

    def start_command(self, command_line: str) -> FakeCommand:
        self.check_alive()
        command = FakeCommand(self, command_line)
        self.commands.append(command)
        return command

    def close(self) -> None:
        self.closed = True


class FakeHost:
    def __init__(self, name: str) -> None:
        self.name = name
        self.shells: list[FakeShell] = []
        self.generation = 0
        self.down_until: float | None = None
        self.gone = False

    @classmethod
    def create(cls, profile: HostProfile, state_dir: Path | None, clock_rate: float) -> FakeHost:
        return cls(profile.name)

    def availability(self) -> Availability:
        if self.gone:
            return Availability.GONE
        if self.down_until is not None and time.monotonic() < self.down_until:
            return Availability.RESTARTING
        self.down_until = None
        return Availability.UP

    def restart(self, takes_s: float) -> None:
        """Down for takes_s seconds; the shells of before do not survive."""
        self.generation += 1
        self.down_until = time.monotonic() + takes_s

    def open_shell(self, codepage: int, working_directory: str | None, environment: dict[str, str]) -> FakeShell:
        shell = FakeShell(self, codepage, working_directory, environment, self.generation)
        self.shells.append(shell)
        return shell
