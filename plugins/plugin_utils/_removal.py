# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing a folder the collection made on a host (the work folder, the lock), and proving it is gone.

`rmdir /s /q` can fail part-way (a file in use, access denied) and its exit code is not documented to say so; the line
therefore checks afterwards whether the folder still exists and, if so, lists what is left. The outcome is read from
markers, never from cmd's (localised) messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import folder_test
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of

MARK = "@@volsnap-removal"


def removal_command(path: str) -> str:
    folder = quote_path(path)
    return (
        f"rmdir /s /q {folder} & if exist {folder_test(path)} (echo {MARK} left& dir /b {folder}) else echo {MARK} gone"
    )


@dataclass(frozen=True)
class Removal:
    gone: bool | None  # None: no marker came back (output cut), so nobody can tell
    left: tuple[str, ...] = ()  # what the folder still holds, as `dir /b` lists it


def parse_removal(stdout: str) -> Removal:
    lines = [line.strip() for line in lines_of(stdout)]
    for index, line in enumerate(lines):
        if line == f"{MARK} gone":
            return Removal(True)
        if line == f"{MARK} left":
            return Removal(False, tuple(entry for entry in lines[index + 1 :] if entry))
    return Removal(None)
