"""How WinRS hands a command line to cmd.exe: `cmd.exe /c <line>`, and what /c does to quotes.

Source: `cmd /?` (every release from Windows 2000 on prints the same rule):

    If /C or /K is specified, then the remainder of the command line after the switch is processed as a command
    line, where the following logic is used to process quote (") characters:
        1. If all of the following conditions are met, then quote characters on the command line are preserved:
           - no /S switch
           - exactly two quote characters
           - no special characters between the two quote characters, where special is one of: &<>()@^|
           - there are one or more whitespace characters between the two quote characters
           - the string between the two quote characters is the name of an executable file.
        2. Otherwise, old behavior is to see if the first character is a quote character and if so, strip the leading
           character and remove the last quote character on the command line, preserving any text after the last
           quote character.

WinRS runs the command through cmd.exe unless the Command request sets WINRS_SKIP_CMD_SHELL ([MS-WSMV] 3.1.4.11,
option WINRS_SKIP_CMD_SHELL). Whether it passes /S is not documented (unconfirmed, tests/lab/FIDELITY.md): the lab
takes plain /c, where both branches can apply; a line wrapped in one more pair of quotes (what the winrs connection
sends) comes out the same under /S, which always takes branch 2.
"""

from __future__ import annotations

from collections.abc import Callable

SPECIAL = set("&<>()@^|")


def cmd_c_line(line: str, is_executable: Callable[[str], bool]) -> str:
    """The line cmd.exe runs after `cmd.exe /c <line>`. Leading whitespace after /c is skipped, as cmd does."""
    line = line.lstrip(" \t")
    if _keeps_quotes(line, is_executable):
        return line
    if not line.startswith('"'):
        return line
    last = line.rfind('"')
    if last == 0:  # the only quote is the first character: only it goes
        return line[1:]
    return line[1:last] + line[last + 1 :]


def _keeps_quotes(line: str, is_executable: Callable[[str], bool]) -> bool:
    if line.count('"') != 2:
        return False
    first = line.index('"')
    second = line.index('"', first + 1)
    inside = line[first + 1 : second]
    return not (SPECIAL & set(inside)) and any(c in " \t" for c in inside) and is_executable(inside)
