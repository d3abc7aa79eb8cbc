"""The api.py seam implemented over a Machine: shells, commands, stdin, receive."""

from __future__ import annotations

from typing import Any

from winlab.api import Availability, CommandOptions, ReceiveChunk, ShellClosed
from winlab.clock import LabClock
from winlab.host.cmd_c import cmd_c_line
from winlab.host.interpreter import Interpreter
from winlab.host.machine import Machine


def _environment(machine: Machine, user: str) -> dict[str, str]:
    root = machine.windows_root
    profile_dir = (r"C:\Documents and Settings" if machine.is_2003 else r"C:\Users") + "\\" + user
    return {
        "ALLUSERSPROFILE": r"C:\ProgramData" if not machine.is_2003 else r"C:\Documents and Settings\All Users",
        "COMPUTERNAME": machine.profile.name.upper()[:15],
        "ComSpec": root + r"\system32\cmd.exe",
        "NUMBER_OF_PROCESSORS": "2",
        "OS": "Windows_NT",
        "PATH": rf"{root}\system32;{root};{root}\System32\Wbem",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
        "PROCESSOR_ARCHITECTURE": machine.profile.arch,
        "ProgramFiles": r"C:\Program Files",
        "SystemDrive": "C:",
        "SystemRoot": root,
        "TEMP": root + r"\TEMP",
        "TMP": root + r"\TEMP",
        "USERNAME": user,
        "USERPROFILE": profile_dir,
        "windir": root,
    }


class LabCommand:
    """Runs when stdin is closed, or at the first Receive when no stdin was ever sent (pywinrm's run_cmd).

    A command matching the profile's fault `command_takes_s` then runs that many real seconds without output, and its
    effect happens at its end: at the first Receive or host tick after it (Machine.tick), unless it was ended first.
    Ending it: Signal terminate ([MS-WSMV] 2.2.5.6: "Terminates the shell or command"), the shell deleted or timed out
    idle, or a restart. WinRS runs a shell's processes inside one Windows job object, and they end with the shell:
    ansible-core's async_wrapper.ps1 must break away from that job for an async task to outlive the shell, and
    jborean93 describes the WinRM job's limits in PowerShell/Win32-OpenSSH#1032 (tests/lab/FIDELITY.md; no
    Microsoft page says it outright, so the lab takes the strict reading: the command ends without its effect).
    """

    def __init__(self, shell: LabShell, command_line: str, options: CommandOptions) -> None:
        self.shell = shell
        self.command_line = command_line
        self.options = options
        self.stdin = bytearray()
        self.sent_stdin = False
        self.stdin_closed = False
        self.result: ReceiveChunk | None = None
        self.delivered = False
        self.takes_s = _takes_s(shell.machine.faults.get("command_takes_s"), command_line)
        self.ends_at: float | None = None  # real time, once started
        self.ended_without_effect = False

    def send_stdin(self, data: bytes, end: bool) -> None:
        self.sent_stdin = True
        self.stdin += data
        self.stdin_closed = self.stdin_closed or end
        if self.stdin_closed and self.ends_at is None and self.takes_s > 0:
            self._start()  # a quiet command's time runs from here, with or without a Receive

    def receive(self) -> ReceiveChunk | None:
        self.shell.check_alive()
        if self.result is None and not self.ended_without_effect:
            if self.sent_stdin and not self.stdin_closed:
                return None
            if self.ends_at is None:
                self._start()
            elif LabClock.real() >= self.ends_at:
                self.finish()
            if self.result is None and not self.ended_without_effect:
                return None
        if self.ended_without_effect:
            raise ShellClosed("the command was ended before it finished")
        if self.delivered:
            return ReceiveChunk(b"", b"", True, self.result.exit_code)  # type: ignore[union-attr]
        self.delivered = True
        return self.result

    def seconds_left(self) -> float | None:
        if self.result is not None:
            return 0.0
        if self.ends_at is None:
            return None if self.sent_stdin and not self.stdin_closed else 0.0
        return max(0.0, self.ends_at - LabClock.real())

    def _start(self) -> None:
        self.ends_at = LabClock.real() + self.takes_s
        if self.takes_s > 0:
            self.shell.machine.running.append(self)
        else:
            self.finish()

    def finish(self) -> None:
        """The command's effect: the command line runs on the host (as WinRS hands it to cmd.exe, or without it)."""
        if self in self.shell.machine.running:
            self.shell.machine.running.remove(self)
        if self.result is not None or self.ended_without_effect:
            return
        if self.shell.generation != self.shell.machine.boot_generation:
            self.end_without_effect()  # the host restarted while it ran
            return
        interpreter = self.shell.interpreter
        if self.options.skip_cmd_shell:
            out, err, code = interpreter.run_program(self.command_line, bytes(self.stdin))
        else:
            out, err, code = interpreter.run_line(self.shell.cmd_c(self.command_line), bytes(self.stdin))
        self.result = ReceiveChunk(out, err, True, code)

    def end_without_effect(self) -> None:
        if self in self.shell.machine.running:
            self.shell.machine.running.remove(self)
        if self.result is None:
            self.ended_without_effect = True

    def terminate(self) -> None:
        self.end_without_effect()
        self.delivered = True


def _takes_s(fault: Any, command_line: str) -> float:
    """Fault command_takes_s: {"<substring of the command line>": seconds}; the first match counts."""
    if not isinstance(fault, dict):
        return 0.0
    line = command_line.lower()
    return next((float(seconds) for part, seconds in fault.items() if str(part).lower() in line), 0.0)


class LabShell:
    def __init__(self, machine: Machine, codepage: int, working_directory: str | None, env: dict[str, str]) -> None:
        self.machine = machine
        self.generation = machine.boot_generation
        environment = {**_environment(machine, machine.profile.username), **env}
        self.interpreter = Interpreter(machine, environment, codepage, working_directory or environment["USERPROFILE"])
        self.commands: list[LabCommand] = []

    def check_alive(self) -> None:
        if self.generation != self.machine.boot_generation:
            raise ShellClosed("the shell ended with the restart")

    def start_command(self, command_line: str, options: CommandOptions | None = None) -> LabCommand:
        self.check_alive()
        options = options or CommandOptions()
        command = LabCommand(self, command_line, options)
        self.commands = [c for c in self.commands if c.result is None and not c.ended_without_effect]
        self.commands.append(command)
        runs = None if options.skip_cmd_shell else self.cmd_c(command_line)
        self.machine.log_command_line(command_line, runs, options.console_mode_stdin, options.skip_cmd_shell)
        return command

    def cmd_c(self, command_line: str) -> str:
        return cmd_c_line(command_line, self.interpreter.is_executable)

    def close(self, at: float | None = None) -> None:
        for command in self.commands:
            if at is not None and command.ends_at is not None and command.ends_at <= at:
                command.finish()  # it ended before the shell did
            else:
                command.end_without_effect()
        self.commands.clear()


class SimulatedHost:
    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.name = machine.profile.name
        machine.run_as_system = self._run_as_system

    def availability(self) -> Availability:
        return self.machine.availability()

    def open_shell(self, codepage: int, working_directory: str | None, environment: dict[str, str]) -> LabShell:
        return LabShell(self.machine, codepage, working_directory, environment)

    def _run_as_system(self, command_line: str) -> None:
        env = {
            **_environment(self.machine, "SYSTEM"),
            "USERPROFILE": self.machine.windows_root + r"\system32\config\systemprofile",
        }
        Interpreter(self.machine, env, 437, self.machine.windows_root + r"\system32").run_line(command_line, b"")
