"""cmd.exe: runs a parsed command line against a Machine. Built-ins live here; external tools in tools_*.py."""

from __future__ import annotations

import ntpath
from collections.abc import Callable
from dataclasses import dataclass

from winlab.host import cmdparse
from winlab.host.cmd_c import cmd_c_line
from winlab.host.cmdparse import Binary, Block, If, Node, ParseError, Redirect, Simple
from winlab.host.filesystem import AccessDeniedError, DiskFullError
from winlab.host.machine import Machine
from winlab.host.tools import ExitRequest, ToolContext, find_tool

GARBLED_TOOLS = {"reg", "wmic", "vssadmin"}
CMD_LINE_LIMIT = 8191  # the longest line cmd.exe takes, in characters (Microsoft KB830473)


@dataclass
class Streams:
    stdin: bytes
    out: bytearray
    err: bytearray


_Body = Callable[[Streams], int]


class Interpreter:
    def __init__(self, machine: Machine, env: dict[str, str], codepage: int, cwd: str) -> None:
        self.machine = machine
        self.env = env
        self.codepage = codepage
        self.cwd = cwd
        self.errorlevel = 0

    # -- entry ------------------------------------------------------------------------------------------------
    def run_line(self, line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        env = {**self._dynamic_variables(), **self.env, "ERRORLEVEL": str(self.errorlevel), "CD": self.cwd}
        streams = Streams(stdin, bytearray(), bytearray())
        expanded = cmdparse.expand_variables(line, env)
        if max(len(line), len(expanded)) > CMD_LINE_LIMIT:
            # Microsoft KB830473: the limit applies to the line and to what its variables expand to. The message is
            # cmd's; its errorlevel is not documented (unconfirmed, tests/lab/FIDELITY.md): the lab answers 1.
            streams.err += self.encode("The command line is too long.\r\n")
            return b"", bytes(streams.err), 1
        try:
            node = cmdparse.parse(expanded)
        except ParseError as error:
            streams.err += self.encode(f"{error}\r\n")
            return bytes(streams.out), bytes(streams.err), 255
        try:
            self.errorlevel = self.run(node, streams)
        except ExitRequest as leave:
            self.errorlevel = leave.code
        return bytes(streams.out), bytes(streams.err), self.errorlevel

    def _dynamic_variables(self) -> dict[str, str]:
        """%DATE% and %TIME%: the host's local time as `date /t` and `time` show it, unless the user set a variable of
        that name (`set /?`: "If the user explicitly defines a variable with one of these names, then that definition
        will override the dynamic one")."""
        return {"DATE": date_text(self.machine), "TIME": time_text(self.machine)}

    def run_program(self, line: str, stdin: bytes) -> tuple[bytes, bytes, int]:
        """A Command with WINRS_SKIP_CMD_SHELL=TRUE: the line is one program and its arguments, started without
        cmd.exe ([MS-WSMV] 3.1.4.11). So no %VAR% expansion, no operators or redirections (they reach the program as
        arguments), no built-ins; `cmd /c <line>` is the way to get cmd. What Windows reports for a program it cannot
        start is not documented for WinRS: the lab answers CreateProcess's "file not found" (2)."""
        words = _program_words(line)
        if not words:
            return b"", self.encode("The system cannot find the file specified.\r\n"), 2
        name = cmdparse.unquote(words[0])
        base = name.rsplit("\\", 1)[-1].lower().removesuffix(".exe")
        rest = line.lstrip()[len(words[0]) :]
        if base == "cmd" and "/c" in [word.lower() for word in rest.split()[:2]]:  # cmd /c or cmd /s /c
            after = rest[rest.lower().index("/c") + 2 :]
            return self.run_line(cmd_c_line(after, self.is_executable), stdin)
        if base in _BUILTINS or base.startswith("echo") or (find_tool(name) is None and "\\" not in name):
            return b"", self.encode("The system cannot find the file specified.\r\n"), 2
        streams = Streams(stdin, bytearray(), bytearray())
        code = self._simple(Simple(words, rest), streams)
        return bytes(streams.out), bytes(streams.err), code

    def is_executable(self, text: str) -> bool:
        """Whether `text` names a program file, for cmd /c's keep-quotes rule: a PE image (MZ) at that path, or a
        tool of this host found on its PATH."""
        if "\\" in text or ":" in text:
            entry = self.machine.files.read(self.resolve_path(text))
            return entry is not None and entry.data[:2] == b"MZ"
        return find_tool(text) is not None and self.machine.has_tool(text.lower())

    def encode(self, text: str) -> bytes:
        return text.encode(_codec(self.codepage), errors="replace")

    def resolve_path(self, path: str) -> str:
        path = cmdparse.unquote(path)
        if len(path) >= 2 and path[1] == ":":
            return ntpath.normpath(path)
        return ntpath.normpath(ntpath.join(self.cwd, path))

    # -- nodes ------------------------------------------------------------------------------------------------
    def run(self, node: Node, streams: Streams) -> int:
        if isinstance(node, Binary):
            return self._binary(node, streams)
        if isinstance(node, Block):
            return self._with_redirects(node.redirects, streams, lambda s: self.run(node.body, s))
        if isinstance(node, If):
            return self._if(node, streams)
        return self._with_redirects(node.redirects, streams, lambda s: self._simple(node, s))

    def _binary(self, node: Binary, streams: Streams) -> int:
        if node.op == "|":
            piped = Streams(streams.stdin, bytearray(), streams.err)
            self.errorlevel = self.run(node.left, piped)
            return self.run(node.right, Streams(bytes(piped.out), streams.out, streams.err))
        self.errorlevel = self.run(node.left, streams)
        if (node.op == "&&" and self.errorlevel != 0) or (node.op == "||" and self.errorlevel == 0):
            return self.errorlevel
        self.errorlevel = self.run(node.right, streams)
        return self.errorlevel

    def _if(self, node: If, streams: Streams) -> int:
        if node.kind == "exist":
            target = node.operands[0].replace('"', "")
            # A trailing backslash makes the test true for a folder only: `IF EXIST "C:\folder\"` (ss64.com/nt/if.html;
            # Wine's cmd special-cases the trailing backslash the same way).
            found = self.resolve_path(target)
            result = self.machine.files.is_dir(found) if target.endswith("\\") else self.machine.files.exists(found)
        elif node.kind == "errorlevel":
            result = self.errorlevel >= int(node.operands[0])
        else:
            left, right = (cmdparse.unquote(o) if '"' in o else o for o in node.operands)
            result = left.lower() == right.lower() if node.ignore_case else left == right
        if result != node.negate:
            return self.run(node.body, streams)
        if node.otherwise is not None:
            return self.run(node.otherwise, streams)
        return self.errorlevel

    def _with_redirects(self, redirects: list[Redirect], streams: Streams, body: _Body) -> int:
        if not redirects:
            return body(streams)
        inner = Streams(streams.stdin, bytearray(), bytearray())
        targets: dict[int, tuple[str, str]] = {}
        merge_err_into_out = False
        for redirect in redirects:
            if redirect.mode == "<":
                inner.stdin = self._read_input(redirect.target, streams)
                if inner.stdin is None:  # type: ignore[comparison-overlap]
                    return 1
            elif redirect.mode == ">&":
                merge_err_into_out = redirect.fd == 2 and redirect.target == "1"
            else:
                targets[redirect.fd] = (redirect.target, redirect.mode)
        code = body(inner)
        out, err = bytes(inner.out), bytes(inner.err)
        if merge_err_into_out:
            out, err = out + err, b""
        for fd, data in ((1, out), (2, err)):
            if fd in targets:
                target, mode = targets[fd]
                if not self._write_target(target, mode, data, streams):
                    return 1
            else:
                (streams.out if fd == 1 else streams.err).extend(data)
        return code

    def _read_input(self, target: str, streams: Streams) -> bytes:
        if target.lower() == "nul":
            return b""
        entry = self.machine.files.read(self.resolve_path(target))
        if entry is None:
            streams.err += self.encode(
                self._text(
                    "The system cannot find the file specified.", "Das System kann die angegebene Datei nicht finden."
                )
                + "\r\n"
            )
            return None  # type: ignore[return-value]
        return entry.data

    def _write_target(self, target: str, mode: str, data: bytes, streams: Streams) -> bool:
        if target.lower() == "nul":
            return True
        try:
            self.machine.files.write(self.resolve_path(target), data, append=mode == ">>")
        except AccessDeniedError:
            streams.err += self.encode(self._text("Access is denied.", "Zugriff verweigert") + "\r\n")
            return False
        except DiskFullError:
            streams.err += self.encode(
                self._text(
                    "There is not enough space on the disk.",
                    "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
                )
                + "\r\n"
            )
            return False
        except FileNotFoundError:
            streams.err += self.encode(
                self._text(
                    "The system cannot find the path specified.", "Das System kann den angegebenen Pfad nicht finden."
                )
                + "\r\n"
            )
            return False
        return True

    # -- simple commands --------------------------------------------------------------------------------------
    def _simple(self, node: Simple, streams: Streams) -> int:
        name = node.words[0]
        argv = [cmdparse.unquote(w) for w in node.words[1:]]
        self.machine.log_command([cmdparse.unquote(name), *argv])
        low = cmdparse.unquote(name).lower()
        if low.startswith("echo") and (low == "echo" or low[4] in ".:"):
            return self._echo(node, low, streams)
        builtin = _BUILTINS.get(low)
        if builtin is not None:
            return builtin(self, argv, node, streams)
        tool = find_tool(name) if self.machine.has_tool(low) else None
        if tool is None and "\\" in name:
            tool = find_tool("@package-exe") if self._is_package(name) else None
        if tool is None:
            streams.err += self.encode(self._not_recognized(cmdparse.unquote(name)))
            return 9009
        ctx = ToolContext(self.machine, self, cmdparse.unquote(name), argv, node.raw_args, streams.stdin)
        try:
            code = tool(ctx)
        except AccessDeniedError:  # fault access_denied: a tool writing where it may not
            ctx.error(ctx.text("Access is denied.", "Zugriff verweigert"))
            code = 5
        out = self.encode("".join(ctx.out))
        if self.machine.faults.get("garbled_output") and low.removesuffix(".exe") in GARBLED_TOOLS:
            out = _garble(out)
        streams.out += bytes(ctx.raw_out) + out
        streams.err += self.encode("".join(ctx.err))
        return code

    def _is_package(self, name: str) -> bool:
        entry = self.machine.files.read(self.resolve_path(name))
        return entry is not None and entry.data[:2] == b"MZ" and len(entry.data) > 64

    def _not_recognized(self, name: str) -> str:
        if self.machine.german:
            return f'Der Befehl "{name}" ist entweder falsch geschrieben oder\r\nkonnte nicht gefunden werden.\r\n'
        return f"'{name}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"

    def _text(self, english: str, german: str) -> str:
        return german if self.machine.german else english

    def _echo(self, node: Simple, low: str, streams: Streams) -> int:
        if low != "echo":  # echo. and echo: print what follows the dot, or an empty line
            text = cmdparse.unquote(node.words[0])[5:] + node.raw_args
        else:
            text = node.raw_args[1:] if node.raw_args[:1] in (" ", "\t") else node.raw_args
            if not text.strip():
                text = "ECHO is on."
        streams.out += self.encode(_unescape_carets(text) + "\r\n")
        return 0


def _program_words(line: str) -> list[str]:
    """Words as CreateProcess's command-line convention splits them (quotes kept, as cmdparse words keep them)."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line.strip():
        if char == '"':
            quoted = not quoted
        if char in " \t" and not quoted:
            if current:
                words.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


def _unescape_carets(text: str) -> str:
    """^x → x outside quotes, as cmd's parser leaves echo's text."""
    out: list[str] = []
    quoted, escaped = False, False
    for char in text:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "^" and not quoted:
            escaped = True
        else:
            quoted = quoted != (char == '"')
            out.append(char)
    return "".join(out)


def _garble(data: bytes) -> bytes:
    """Fault garbled_output: keep the first half, scramble every fifth byte (deterministic)."""
    half = bytearray(data[: len(data) // 2])
    for index in range(0, len(half), 5):
        half[index] = 0x3F if half[index] != 0x3F else 0x23
    return bytes(half)


def _codec(codepage: int) -> str:
    return {65001: "utf-8", 1200: "utf-16-le"}.get(codepage, f"cp{codepage}")


from winlab.host.builtins import BUILTINS as _BUILTINS
from winlab.host.builtins import date_text, time_text
