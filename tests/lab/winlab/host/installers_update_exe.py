"""The Windows Server 2003 update package run by its path, and the uninstaller it leaves behind.

Switches: Microsoft KB262841 "Command-line switches for Windows software update packages" (update.exe 6.x):
/quiet (or /q), /norestart (or /z), /passive, /log:<path> (update.exe 6.1.22.0+); without /log the log is
%SystemRoot%\\KB2748349.log. Log lines follow update.exe's "0.000: …" format. The uninstaller is
%SystemRoot%\\$NtUninstallKB2748349$\\spuninst\\spuninst.exe with the same switches; it goes away once used.
"""

from __future__ import annotations

import contextlib

from winlab.host import servicing
from winlab.host.installers_common import (
    ALREADY_INSTALLED,
    FILE_CORRUPT,
    NOT_APPLICABLE,
    NOT_INSTALLED_HRESULT,
    SUCCESS_RESTART_REQUIRED,
    parse_switches,
    write_file,
)
from winlab.host.machine import Machine
from winlab.host.servicing import Outcome, ServicingResult
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import KB, PackageError, read_package

_CODES = {
    Outcome.INSTALLED: SUCCESS_RESTART_REQUIRED,
    Outcome.REMOVED: SUCCESS_RESTART_REQUIRED,
    Outcome.ALREADY_INSTALLED: ALREADY_INSTALLED,
    Outcome.NOT_APPLICABLE: NOT_APPLICABLE,
    Outcome.NOT_INSTALLED: NOT_INSTALLED_HRESULT,
}
_UPDATE_EXE_VERSION = "6.3.13.0"


def spuninst_path(machine: Machine) -> str:
    return servicing.uninstall_folder(machine) + r"\spuninst\spuninst.exe"


def _log(ctx: ToolContext, name: str, code: int, detail: str) -> None:
    path = parse_switches(ctx.argv).get("log") or rf"{ctx.machine.windows_root}\{KB}.log"
    stamp = ctx.machine.clock.now().strftime("%Y/%m/%d %H:%M:%S.000")
    lines = [
        "0.000: " + "=" * 80,
        f"0.000: {stamp} (local)",
        f"0.000: {name} (version {_UPDATE_EXE_VERSION})",
        f"0.016: {detail}",
        f"0.031: Update.exe extended error code = 0x{code:x}",
        f"0.031: Update.exe return code was masked to 0x{code:08x} for MSI custom action compliance.",
    ]
    with contextlib.suppress(OSError):  # update.exe carries on without its log (disk full, folder gone)
        write_file(ctx.machine, ctx.resolve(path), ("\r\n".join(lines) + "\r\n").encode("ascii"))


def _exit_code(result: ServicingResult) -> int:
    return int(result.forced_code or 0) if result.outcome is Outcome.FORCED else _CODES[result.outcome]


@register_tool("@package-exe")
def update_exe(ctx: ToolContext) -> int:
    """`<package>.exe /quiet /norestart` (or /q /z): cmd runs an MZ file given by path through this."""
    entry = ctx.machine.files.read(ctx.resolve(ctx.name))
    try:
        manifest = read_package(entry.data if entry else b"")
    except PackageError as error:
        _log(ctx, ctx.name, FILE_CORRUPT, f"The self-extracting archive cannot be opened: {error}")
        return FILE_CORRUPT
    result = servicing.install(ctx.machine, manifest)
    code = _exit_code(result)
    if result.outcome is Outcome.INSTALLED:
        write_file(ctx.machine, spuninst_path(ctx.machine), b"MZ" + b"\0" * 62 + b"spuninst")
    _log(ctx, ctx.name, code, f"{KB}: {result.outcome.value} ({result.reason})")
    return code


@register_tool("spuninst")
def spuninst(ctx: ToolContext) -> int:
    machine = ctx.machine
    if "\\" in ctx.name and not machine.files.exists(ctx.resolve(ctx.name)):
        ctx.error(
            ctx.text(
                "The system cannot find the path specified.",
                "Das System kann den angegebenen Pfad nicht finden.",
            )
        )
        return 3  # ERROR_PATH_NOT_FOUND, as cmd reports a missing program given by path
    result = servicing.remove(machine)
    code = _exit_code(result)
    if result.outcome is Outcome.REMOVED:
        # The uninstall folder goes once the removal is done (the replaced file is staged back already).
        machine.files.rmtree(servicing.uninstall_folder(machine))
    _log(ctx, "spuninst.exe", code, f"{KB}: {result.outcome.value} ({result.reason})")
    return code
