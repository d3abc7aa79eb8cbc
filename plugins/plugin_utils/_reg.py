# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`reg query` output → keys and values, for both reg.exe formats.

Formats (tests/lab/FIDELITY.md, reg rows; Microsoft's reg query reference,
learn.microsoft.com/windows-server/administration/windows-commands/reg-query): Vista and later print a blank line,
the key path, then values indented 4 spaces with fields separated by 4 spaces
(`    ProductName    REG_SZ    Windows 7 Professional`). XP/2003 reg.exe prints `! REG.EXE VERSION 3.0` and a blank
line first, and may separate fields with tabs. Errors are localised and go to stderr: success is judged by the exit
code, never by the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of

_VALUE_RE = re.compile(r"^[ \t]+(?P<name>.*?)(?: {4}|\t)(?P<type>REG_[A-Z_]+)(?:(?: {4}|\t)(?P<data>.*))?$")


@dataclass(frozen=True)
class RegValue:
    name: str
    type: str
    data: str

    def as_int(self) -> int | None:
        """REG_DWORD / REG_QWORD data ("0x1") as an int; None when it is not a number."""
        try:
            return int(self.data.strip(), 0)
        except ValueError:
            return None


@dataclass
class RegKey:
    path: str
    values: dict[str, RegValue] = field(default_factory=dict)

    def value(self, name: str) -> RegValue | None:
        """Case-insensitive lookup, as the registry is."""
        lowered = name.lower()
        for key, found in self.values.items():
            if key.lower() == lowered:
                return found
        return None

    def text(self, name: str) -> str | None:
        found = self.value(name)
        return found.data.strip() if found is not None else None


def query_command(key: str, value: str | None = None) -> str:
    """`reg query "KEY" [/v VALUE]`: key and value are constants of this collection, never user input."""
    return f'reg query "{key}"' + (f" /v {value}" if value else "")


def parse_reg_query(text: str) -> list[RegKey]:
    """Every key printed, in order, with its values. Lines that fit neither format are skipped."""
    keys: list[RegKey] = []
    for line in lines_of(text):
        if line.startswith("HKEY_") or line.startswith("HKLM\\"):
            keys.append(RegKey(path=line.strip()))
            continue
        match = _VALUE_RE.match(line)
        if match and keys:
            name = match.group("name").strip()
            keys[-1].values[name] = RegValue(name, match.group("type"), (match.group("data") or "").rstrip())
    return keys


def first_key(text: str) -> RegKey | None:
    keys = parse_reg_query(text)
    return keys[0] if keys else None
