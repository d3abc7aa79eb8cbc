"""What the installer tools share: exit codes (legacy-windows.md §4), switch parsing, and writing their logs."""

from __future__ import annotations

import contextlib
import ntpath

from winlab.host.filesystem import DiskFullError
from winlab.host.machine import Machine
from winlab.host.tools import ToolContext

SUCCESS = 0
SUCCESS_RESTART_REQUIRED = 3010  # ERROR_SUCCESS_REBOOT_REQUIRED
ALREADY_INSTALLED = 0x240006  # 2359302, WU_S_ALREADY_INSTALLED
NOT_APPLICABLE = 0x80240017  # WU_E_NOT_APPLICABLE (-2145124329 signed); exit codes are reported unsigned
DISM_NOT_APPLICABLE = 0x800F081E  # CBS_E_NOT_APPLICABLE
DISM_PACKAGE_NOT_FOUND = 0x800F0805  # CBS_E_INVALID_PACKAGE: removal of a package that is not there (unconfirmed)
FILE_NOT_FOUND = 2  # ERROR_FILE_NOT_FOUND
FILE_NOT_FOUND_HRESULT = 0x80070002
FILE_CORRUPT = 1392  # ERROR_FILE_CORRUPT
FILE_CORRUPT_HRESULT = 0x80070570
ACCESS_DENIED = 5  # ERROR_ACCESS_DENIED
INVALID_PARAMETER = 87  # ERROR_INVALID_PARAMETER
NOT_INSTALLED_HRESULT = 0x80070490  # ERROR_NOT_FOUND as an HRESULT

DISK_FULL_TEXT = (
    "There is not enough space on the disk.",
    "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
)


def parse_switches(argv: list[str]) -> dict[str, str]:
    """`/name:value` or `-name:value` switches by lower-case name ("" for a bare switch); positionals are skipped."""
    found: dict[str, str] = {}
    for arg in argv:
        if arg[:1] in ("/", "-") and len(arg) > 1:
            name, _, value = arg[1:].partition(":")
            found[name.lower()] = value
    return found


def positionals(argv: list[str]) -> list[str]:
    return [arg for arg in argv if not (arg[:1] in ("/", "-") and len(arg) > 1)]


def read_bytes(ctx: ToolContext, path: str) -> bytes | None:
    entry = ctx.machine.files.read(ctx.resolve(path)) if path else None
    return entry.data if entry is not None else None


def write_log(ctx: ToolContext, path: str, lines: list[str]) -> None:
    """Append to an installer's log; a log that cannot be written never changes the installer's result."""
    if not path:
        return
    machine = ctx.machine
    full = ctx.resolve(path)
    stamp = machine.clock.now().strftime("%Y-%m-%d %H:%M:%S")
    text = "".join(f"{stamp}, {line}\r\n" for line in lines)
    with contextlib.suppress(DiskFullError, FileNotFoundError):
        machine.files.write(full, text.encode("utf-8"), append=True)


def write_file(machine: Machine, path: str, data: bytes, version: str | None = None) -> None:
    """Write a file, creating its folder (installers lay out their own folders)."""
    machine.files.mkdir(ntpath.dirname(path))
    machine.files.write(path, data, version)
