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


class RunningCommand(Protocol):
    """One WS-Man Command inside a shell."""

    def send_stdin(self, data: bytes, end: bool) -> None:
        """WS-Man Send: more stdin bytes; end=True closes stdin (EOF)."""

    def receive(self) -> ReceiveChunk | None:
        """WS-Man Receive. None means the command is still running with nothing new to say (the server answers
        the Receive with the w:TimedOut fault after its operation timeout, as Windows does)."""

    def terminate(self) -> None:
        """WS-Man Signal terminate / ctrl_c."""


class Shell(Protocol):
    """One WS-Man shell (cmd.exe session) on a host: working directory and environment persist across commands."""

    def start_command(self, command_line: str) -> RunningCommand:
        """WS-Man Command: the command line as the client sent it (Command element plus Arguments joined by
        spaces). The shell's code page decides how output text becomes bytes."""

    def close(self) -> None:
        """WS-Man Delete."""


class Host(Protocol):
    """A simulated Windows host behind one endpoint."""

    name: str

    def availability(self) -> Availability:
        """Called by the server on every request and accepted connection."""

    def open_shell(self, codepage: int, working_directory: str | None, environment: dict[str, str]) -> Shell:
        """WS-Man Create (rsp:Shell with WINRS_CODEPAGE)."""
