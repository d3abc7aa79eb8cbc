"""dism.exe (Windows 7 / Server 2008 R2 only): /online /add-package, /remove-package, /get-packages.

Syntax: Microsoft "DISM Operating System Package Servicing Command-Line Options" (Windows 7):
`/Add-Package /PackagePath:<cab>`, `/Remove-Package {/PackageName:<identity> | /PackagePath:<cab>}`,
`/Get-Packages`, with `/Quiet /NoRestart /LogPath:<file>`. Output: DISM 6.1.7600.16385 as published in forum
captures: a banner, "Processing 1 of 1 - Adding package <identity>", "The operation completed successfully.",
"Restart Windows to complete this operation."; errors as "Error: 0x800f081e", the message, and the log's path, also
with /quiet. /get-packages lists "Package Identity : …", "State : …", "Release Type : …", "Install Time : …".
The machine's DISM absence before Windows 7 is the host's (has_tool): cmd answers 9009 there.
"""

from __future__ import annotations

import datetime as dt

from winlab.host import servicing
from winlab.host.installers_common import (
    ALREADY_INSTALLED,
    DISM_NOT_APPLICABLE,
    DISM_PACKAGE_NOT_FOUND,
    FILE_CORRUPT_HRESULT,
    FILE_NOT_FOUND,
    INVALID_PARAMETER,
    SUCCESS,
    SUCCESS_RESTART_REQUIRED,
    parse_switches,
    read_bytes,
    write_log,
)
from winlab.host.machine import VOLSNAP
from winlab.host.servicing import Outcome, ServicingResult
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import Manifest, PackageError, read_package

_MESSAGES = {
    FILE_NOT_FOUND: "The system cannot find the file specified.",
    FILE_CORRUPT_HRESULT: "The file or directory is corrupted and unreadable.",
    DISM_NOT_APPLICABLE: "The specified package is not applicable to this image.",
    DISM_PACKAGE_NOT_FOUND: "The specified package is not valid Windows package.",
    INVALID_PARAMETER: "The parameter is incorrect.",
}
_DISM_BUILD_REVISION = 16385  # dism.exe's own file version revision on 7 / 2008 R2 RTM


class _Dism:
    """One dism.exe run: its switches, what it prints, and its log."""

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx
        self.switches = parse_switches(ctx.argv)
        self.quiet = "quiet" in self.switches
        self.log = self.switches.get("logpath") or rf"{ctx.machine.windows_root}\Logs\DISM\dism.log"

    def say(self, text: str = "") -> None:
        if not self.quiet:
            self.ctx.print(text)

    def banner(self) -> None:
        version = f"{self.ctx.machine.profile.current_version}.{self.ctx.machine.profile.build}"
        self.say()
        self.say("Deployment Image Servicing and Management tool")
        self.say(f"Version: {version}.{_DISM_BUILD_REVISION}")
        self.say()
        self.say(f"Image Version: {version}.{_DISM_BUILD_REVISION}")
        self.say()

    def fail(self, code: int, detail: str = "") -> int:
        # DISM prints its errors even with /quiet.
        self.ctx.print(f"Error: {code}" if code <= 0xFFFF else f"Error: 0x{code:08x}")
        self.ctx.print()
        self.ctx.print(_MESSAGES.get(code, detail or "The operation failed."))
        self.ctx.print()
        self.ctx.print(f"The DISM log file can be found at {self.log}")
        write_log(self.ctx, self.log, [f"Error                 DISM   DISM.EXE: {detail} hr:0x{code:08x}"])
        return code

    def succeed(self, verb: str, identity: str, restart: bool) -> int:
        self.say(f"Processing 1 of 1 - {verb} package {identity}")
        self.say("[==========================100.0%==========================]")
        self.say("The operation completed successfully.")
        if restart:
            self.say("Restart Windows to complete this operation.")
        write_log(self.ctx, self.log, [f"Info                  DISM   DISM.EXE: {verb} {identity}: success"])
        return SUCCESS_RESTART_REQUIRED if restart else SUCCESS

    def manifest(self, path: str) -> Manifest | int:
        data = read_bytes(self.ctx, path)
        if data is None:
            return self.fail(FILE_NOT_FOUND, f"package {path} not found")
        try:
            return read_package(data)
        except PackageError as error:
            return self.fail(FILE_CORRUPT_HRESULT, f"{path}: {error}")

    def result_code(self, result: ServicingResult, verb: str, identity: str) -> int:
        if result.outcome is Outcome.FORCED:
            return self.fail(result.forced_code or 0, result.reason)
        if result.outcome is Outcome.NOT_APPLICABLE:
            return self.fail(DISM_NOT_APPLICABLE, result.reason)
        if result.outcome is Outcome.NOT_INSTALLED:
            return self.fail(DISM_PACKAGE_NOT_FOUND, result.reason)
        if result.outcome is Outcome.ALREADY_INSTALLED:
            self.say(f"Processing 1 of 1 - {verb} package {identity}: the package is already installed.")
            write_log(self.ctx, self.log, [f"Info                  DISM   DISM.EXE: {identity} already installed"])
            return ALREADY_INSTALLED
        return self.succeed(verb, identity, restart=True)

    def add_package(self) -> int:
        manifest = self.manifest(self.switches.get("packagepath", ""))
        if isinstance(manifest, int):
            return manifest
        return self.result_code(servicing.install(self.ctx.machine, manifest), "Adding", manifest.package_name)

    def remove_package(self) -> int:
        name = self.switches.get("packagename")
        if name is None:
            manifest = self.manifest(self.switches.get("packagepath", ""))
            if isinstance(manifest, int):
                return manifest
            name = manifest.package_name
        elif name.lower() not in (n.lower() for n in servicing.installed_package_names(self.ctx.machine)):
            return self.fail(DISM_PACKAGE_NOT_FOUND, f"{name} is not installed")
        return self.result_code(servicing.remove(self.ctx.machine), "Removing", name)

    def get_packages(self) -> int:
        machine = self.ctx.machine
        pending = VOLSNAP in machine.staged_files
        self.say("Packages listing:")
        self.say()
        for identity in servicing.installed_package_names(machine):
            self.say(f"Package Identity : {identity}")
            self.say(f"State : {'Install Pending' if pending and 'KB' in identity else 'Installed'}")
            self.say(f"Release Type : {'Update' if 'KB' in identity else 'Foundation'}")
            self.say(f"Install Time : {_us_time(machine.boot_time)}")
            self.say()
        self.say("The operation completed successfully.")
        return SUCCESS


def _us_time(when: dt.datetime) -> str:
    """DISM's en-US short date and time: 9/6/2012 8:08 PM (no leading zeros)."""
    hour = when.hour % 12 or 12
    return f"{when.month}/{when.day}/{when.year} {hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


@register_tool("dism")
def dism(ctx: ToolContext) -> int:
    run = _Dism(ctx)
    run.banner()
    if "online" not in run.switches:
        return run.fail(INVALID_PARAMETER, "no /online (the lab services only the running system)")
    if "add-package" in run.switches:
        return run.add_package()
    if "remove-package" in run.switches:
        return run.remove_package()
    if "get-packages" in run.switches:
        return run.get_packages()
    return run.fail(INVALID_PARAMETER, "unknown DISM command")
