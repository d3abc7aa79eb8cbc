"""pkgmgr.exe (Vista / Server 2008): `pkgmgr /ip /m:<cab or folder> /quiet /norestart [/l:<log>]` and `/up`.

Syntax: Microsoft TechNet "Package Manager Command-Line Options" (Vista): /ip install, /up uninstall, /m: the
package (a .cab, or the folder holding the expanded update), /quiet, /norestart, /l: log file. pkgmgr prints nothing
with /quiet: the exit code is the whole answer (legacy-windows.md §4), and the caller must wait for it (`start /w`).
"""

from __future__ import annotations

import ntpath

from winlab.host import servicing
from winlab.host.installers_common import (
    ALREADY_INSTALLED,
    FILE_CORRUPT_HRESULT,
    FILE_NOT_FOUND_HRESULT,
    INVALID_PARAMETER,
    NOT_APPLICABLE,
    NOT_INSTALLED_HRESULT,
    SUCCESS_RESTART_REQUIRED,
    parse_switches,
    read_bytes,
    write_log,
)
from winlab.host.servicing import Outcome
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import PackageError, read_package

_CODES = {
    Outcome.INSTALLED: SUCCESS_RESTART_REQUIRED,
    Outcome.REMOVED: SUCCESS_RESTART_REQUIRED,
    Outcome.ALREADY_INSTALLED: ALREADY_INSTALLED,
    Outcome.NOT_APPLICABLE: NOT_APPLICABLE,
    Outcome.NOT_INSTALLED: NOT_INSTALLED_HRESULT,
}


def _package_file(ctx: ToolContext, source: str) -> str:
    """/m: names the cabinet itself, or a folder: the update cabinet in it (an expanded .msu) or its update.mum."""
    files = ctx.machine.files
    if not files.is_dir(source):
        return source
    names = files.listdir(source)
    cabs = [n for n in names if n.lower().endswith(".cab") and n.lower() != "wsusscan.cab"]
    return ntpath.join(source, cabs[0]) if len(cabs) == 1 else source


@register_tool("pkgmgr")
def pkgmgr(ctx: ToolContext) -> int:
    switches = parse_switches(ctx.argv)
    log = switches.get("l", "")
    installing, removing = "ip" in switches, "up" in switches
    if installing == removing or not switches.get("m"):
        write_log(ctx, log, ["Error pkgmgr: one of /ip or /up and /m:<package> are required"])
        return INVALID_PARAMETER
    path = _package_file(ctx, ctx.resolve(switches["m"]))
    data = read_bytes(ctx, path)
    if data is None:
        write_log(ctx, log, [f"Error pkgmgr: cannot open {path}"])
        return FILE_NOT_FOUND_HRESULT
    try:
        manifest = read_package(data)
    except PackageError as error:
        write_log(ctx, log, [f"Error pkgmgr: {path}: {error}"])
        return FILE_CORRUPT_HRESULT
    result = servicing.remove(ctx.machine) if removing else servicing.install(ctx.machine, manifest)
    code = result.forced_code if result.outcome is Outcome.FORCED else _CODES[result.outcome]
    write_log(ctx, log, [f"Info pkgmgr: {manifest.package_name}: {result.outcome.value} ({result.reason})"])
    return int(code or 0)
