"""How an external tool (reg.exe, wmic.exe, …) is written and found: a function of a ToolContext → exit code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from winlab.host.interpreter import Interpreter
    from winlab.host.machine import Machine


@dataclass
class ToolContext:
    machine: Machine
    interpreter: Interpreter
    name: str  # as typed
    argv: list[str]  # arguments, quotes removed
    raw_args: str  # the argument text as typed (wmic parses its own line)
    stdin: bytes
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    raw_out: bytearray = field(default_factory=bytearray)  # for tools that write bytes (type of a binary file)

    def print(self, text: str = "") -> None:
        self.out.append(text + "\r\n")

    def error(self, text: str) -> None:
        self.err.append(text + "\r\n")

    def text(self, english: str, german: str) -> str:
        return german if self.machine.german else english

    def resolve(self, path: str) -> str:
        return self.interpreter.resolve_path(path)


class ExitRequest(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


Tool = Callable[[ToolContext], int]
_TOOLS: dict[str, Tool] = {}


def register_tool(*names: str) -> Callable[[Tool], Tool]:
    def decorate(function: Tool) -> Tool:
        for name in names:
            _TOOLS[name.lower()] = function
        return function

    return decorate


def find_tool(name: str) -> Tool | None:
    low = name.lower().replace('"', "")
    base = low.rsplit("\\", 1)[-1]
    return _TOOLS.get(base) or _TOOLS.get(base.removesuffix(".exe"))
