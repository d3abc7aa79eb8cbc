"""The seam between the WS-Management server (winlab.wsman) and the simulated hosts (winlab.host).

The server knows SOAP, HTTP, authentication and transport faults; it never interprets a command. The host knows
cmd.exe, the registry, files, packages, restarts and host faults; it never sees HTTP. Everything crosses here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class Availability(enum.Enum):
    UP = "up"  # WinRM answers
    RESTARTING = "restarting"  # the endpoint is gone for a while (connections refused), then comes back
    GONE = "gone"  # went down and never returns (fault restart_never_returns)


class ShellClosed(Exception):
    """Raised by a Shell or RunningCommand whose host restarted since the shell was created."""


@dataclass(frozen=True)
class ReceiveChunk:
    """What one WS-Man Receive returns for a command."""

    stdout: bytes = b""
    stderr: bytes = b""
    done: bool = False  # CommandState Done
    exit_code: int | None = None  # set when done


@dataclass(frozen=True)
class CommandOptions:
    """The WINRS options of a Command request ([MS-WSMV] 3.1.4.11); absent options take these defaults."""

    console_mode_stdin: bool = True  # WINRS_CONSOLEMODE_STDIN
    skip_cmd_shell: bool = False  # WINRS_SKIP_CMD_SHELL: run the line without cmd.exe


class RunningCommand(Protocol):
    """One WS-Man Command inside a shell."""

    def send_stdin(self, data: bytes, end: bool) -> None:
        """WS-Man Send: more stdin bytes; end=True closes stdin (EOF)."""

    def receive(self) -> ReceiveChunk | None:
        """WS-Man Receive. None means the command is still running with nothing new to say (the server waits, up to
        the request's OperationTimeout, and then answers with the w:TimedOut fault, as Windows does). Raises
        ShellClosed when the command or its shell has ended without it (terminated, shell deleted, restart)."""

    def seconds_left(self) -> float | None:
        """Real seconds until the command can answer a Receive; None when that depends on the client (stdin)."""

    def terminate(self) -> None:
        """WS-Man Signal terminate / ctrl_c: a command still running ends without its effect."""


class Shell(Protocol):
    """One WS-Man shell (cmd.exe session) on a host: working directory and environment persist across commands."""

    def start_command(self, command_line: str, options: CommandOptions | None = None) -> RunningCommand:
        """WS-Man Command: the command line as the client sent it (Command element plus Arguments joined by
        spaces). The shell's code page decides how output text becomes bytes."""

    def close(self, at: float | None = None) -> None:
        """WS-Man Delete, or the server deleting an idle shell at real time `at`: the shell's commands that are still
        running end with it (those that ended by `at` keep their effect)."""


class Host(Protocol):
    """A simulated Windows host behind one endpoint."""

    name: str

    def availability(self) -> Availability:
        """Called by the server on every request and accepted connection."""

    def open_shell(self, codepage: int, working_directory: str | None, environment: dict[str, str]) -> Shell:
        """WS-Man Create (rsp:Shell with WINRS_CODEPAGE)."""
