# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Putting user-supplied paths and names on a cmd.exe command line safely: quote, or refuse before sending.

Inside double quotes cmd.exe treats & | < > ( ) ^ and spaces literally, but it still expands %VAR% (and !VAR!
under delayed expansion), and a " ends the quoting. Those cannot be carried safely, so they are refused; so are
wildcards (del and move would act on every match) and control characters. Windows forbids < > | " * ? in file names
anyway, so a real path never needs them.
"""

from __future__ import annotations

import re

_UNSAFE_PATH = re.compile(r'["%!*?<>|\x00-\x1f]')
_ABSOLUTE = re.compile(r"^[A-Za-z]:\\")
_TASK_NAME = re.compile(r"^[A-Za-z0-9 ._-]{1,200}$")
_FILE_NAME_UNSAFE = re.compile(r'[\\/:"%!*?<>|\x00-\x1f]')


class UnsafeArgumentError(ValueError):
    """A value that cannot be put on a cmd.exe line safely; nothing was sent."""


def quote_path(path: str) -> str:
    """`C:\\My Dir\\a&b.msu` → `"C:\\My Dir\\a&b.msu"`; raises UnsafeArgumentError for anything cmd could misread."""
    bad = _UNSAFE_PATH.search(path)
    if bad:
        raise UnsafeArgumentError(f"path {path!r} contains {bad.group(0)!r}, which cannot be passed to cmd.exe safely")
    if not _ABSOLUTE.match(path):
        raise UnsafeArgumentError(f"path {path!r} is not an absolute Windows path (like C:\\Windows\\Temp\\x)")
    if path.endswith("\\") and len(path) > 3:
        path = path.rstrip("\\")
    return f'"{path}"'


def check_file_name(name: str, what: str = "file name") -> str:
    """A bare file name that will be joined to a folder on the host: no folder parts, nothing cmd could misread."""
    bad = _FILE_NAME_UNSAFE.search(name)
    if bad or not name.strip(" .") or len(name) > 200:
        found = f"contains {bad.group(0)!r}" if bad else "is empty or too long"
        raise UnsafeArgumentError(f"{what} {name!r} {found}; it must be a plain file name cmd.exe can take in quotes")
    return name


def check_name(name: str, what: str = "name") -> str:
    """Names that go on a command line unquoted or inside other quoting (task names): a plain character set."""
    if not _TASK_NAME.match(name):
        raise UnsafeArgumentError(f"{what} {name!r} may only contain letters, digits, spaces, '.', '_' and '-'")
    return name


_CMD_C_LIMIT = 8191  # the longest line cmd.exe takes (Microsoft KB830473)


def for_cmd_c(line: str) -> str:
    """The line to send so that WinRS's `cmd.exe /c` runs exactly `line`.

    `cmd /?` documents how /c treats quotes: unless the line has exactly two quotes around the name of an executable
    (with whitespace and no `&<>()@^|` between them), a line whose first character is a quote loses that quote and the
    LAST quote on the line. `"C:\\x\\a.exe" /log:"C:\\x\\l.txt"` would run as `C:\\x\\a.exe" /log:"C:\\x\\l.txt`. One
    more pair of quotes around such a line is what cmd strips, in both branches of the rule (the wrapped line has at
    least three quotes, so the keep-quotes branch never applies). Lines that do not start with a quote are left alone:
    neither branch touches them.
    """
    stripped = line.lstrip(" \t")
    return f'"{stripped}"' if stripped.startswith('"') else line


def check_cmd_line_length(line: str) -> None:
    """Refuse what cmd.exe would cut off (8191 characters, KB830473) before it is sent."""
    if len(line) > _CMD_C_LIMIT:
        raise UnsafeArgumentError(
            f"the command line is {len(line)} characters long; cmd.exe takes at most {_CMD_C_LIMIT}"
        )


def program_of(line: str) -> str:
    """The program a command line runs, for messages: `"C:\\x\\Setup.exe" /q` → `Setup.exe`; `start /w pkgmgr /ip`
    → `pkgmgr`; `call x.cmd` → `x.cmd`."""
    words = _words(line)
    while words and (words[0].lower() in ("start", "call") or (words[0].startswith("/") and len(words) > 1)):
        words = words[1:]
    first = words[0] if words else ""
    return first.replace("/", "\\").rsplit("\\", 1)[-1] or "(empty command)"


def _words(line: str) -> list[str]:
    """Whitespace-separated words, a quoted stretch counting as part of its word (quotes removed)."""
    words: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line.strip():
        if char == '"':
            quoted = not quoted
        elif char in " \t" and not quoted:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words
