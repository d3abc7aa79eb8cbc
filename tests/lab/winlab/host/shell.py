"""The api.py seam implemented over a Machine: shells, commands, stdin, receive."""

from __future__ import annotations

from winlab.api import Availability, ReceiveChunk, ShellClosed
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
    """Runs when stdin is closed, or at the first Receive when no stdin was ever sent (pywinrm's run_cmd)."""

    def __init__(self, shell: LabShell, command_line: str) -> None:
        self.shell = shell
        self.command_line = command_line
        self.stdin = bytearray()
        self.sent_stdin = False
        self.stdin_closed = False
        self.result: ReceiveChunk | None = None
        self.delivered = False

    def send_stdin(self, data: bytes, end: bool) -> None:
        self.sent_stdin = True
        self.stdin += data
        self.stdin_closed = self.stdin_closed or end

    def receive(self) -> ReceiveChunk | None:
        self.shell.check_alive()
        if self.result is None:
            if self.sent_stdin and not self.stdin_closed:
                return None
            out, err, code = self.shell.interpreter.run_line(self.command_line, bytes(self.stdin))
            self.result = ReceiveChunk(out, err, True, code)
        if self.delivered:
            return ReceiveChunk(b"", b"", True, self.result.exit_code)
        self.delivered = True
        return self.result

    def terminate(self) -> None:
        self.delivered = True


class LabShell:
    def __init__(self, machine: Machine, codepage: int, working_directory: str | None, env: dict[str, str]) -> None:
        self.machine = machine
        self.generation = machine.boot_generation
        environment = {**_environment(machine, machine.profile.username), **env}
        self.interpreter = Interpreter(machine, environment, codepage, working_directory or environment["USERPROFILE"])

    def check_alive(self) -> None:
        if self.generation != self.machine.boot_generation:
            raise ShellClosed("the shell ended with the restart")

    def start_command(self, command_line: str) -> LabCommand:
        self.check_alive()
        return LabCommand(self, command_line)

    def close(self) -> None:
        return None


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
