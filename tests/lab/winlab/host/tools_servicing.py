r"""Installers: expand, dism, pkgmgr, the 2003 update .exe and its uninstaller (tests/lab/FIDELITY.md).

Sources: Microsoft KB934307 (.msu contents, expand), KB928636, KB940410 and TechNet cc749465 (pkgmgr: `/m:` names the
package's .cab or the folder of an unpacked package, `/s:` a sandbox, `/up:<package name>` never with `/m:`), the
MSDN blog "Tips for using Vista Package Manager (pkgmgr)" (`md c:\sandbox` then `start /w pkgmgr /ip /m:<x>.cab
/s:c:\sandbox`: "Package Manager needs an empty sandbox for each fix or package"), DISM's documented options,
KB262841 and KB832475 (update.exe switches), and KB2748349's "File information" (which file per branch).

A package is applied from its content (the manifest inside), never from its name. Exit codes are limited to what is
attested: 0 and 3010 for all three installers, 0x800f081e (CBS_E_NOT_APPLICABLE) for DISM; where an installer's
answer is not documented (pkgmgr and update.exe on a package that does not apply or is already installed, a malformed
call) the lab gives the least convenient one and installs nothing: 0 with nothing changed for "already installed",
a code the collection does not know for the rest. Never 2359302 or 0x80240017: those are Windows Update agent (wusa)
codes. Success stages the fixed volsnap.sys for the host's current branch (applied at the next restart), records the
update in the registry (the CBS package key in Install Pending, or the 2003 Updates key), marks a restart pending, and
exits 3010. The fault `installer_exit_code` forces a code and installs nothing.
"""

from __future__ import annotations

import contextlib
import enum
import ntpath
import re
import xml.etree.ElementTree as ET

from winlab.host.filesystem import DiskFullError
from winlab.host.machine import VOLSNAP, Machine
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import (
    KB,
    UNATTEND_NS,
    Manifest,
    PackageError,
    read_cab,
    read_inner,
    read_manifest,
    read_update_exe,
)

SUCCESS = 0
SUCCESS_RESTART = 3010
CBS_E_NOT_APPLICABLE = 0x800F081E  # DISM: "The specified package is not applicable to this image."
FILE_CORRUPT = 0x80070570  # ERROR_FILE_CORRUPT as an HRESULT (unconfirmed for these installers)
NOT_FOUND = 0x80070002  # ERROR_FILE_NOT_FOUND as an HRESULT (unconfirmed for pkgmgr)
NOT_INSTALLED = 0x80070490  # ERROR_NOT_FOUND (removal of something absent; unconfirmed)
ALREADY_EXISTS = 0x800700B7  # ERROR_ALREADY_EXISTS: a sandbox that is not empty (unconfirmed)
INVALID_PARAMETER = 87
UPDATE_EXE_REFUSED = 1  # update.exe on a package that does not apply: not documented (unconfirmed)
UPDATE_EXE_CORRUPT = 1392  # ERROR_FILE_CORRUPT: the self-extractor cannot unpack itself (unconfirmed)


class Applied(enum.Enum):
    INSTALLED = "installed"
    ALREADY = "already installed"
    NOT_APPLICABLE = "not applicable"


def family_of_build(build: int) -> str | None:
    """The package family an OS build takes (the fidelity ledger's families too); None for a later Windows."""
    if build == 3790:
        return "2003"
    if 6000 <= build <= 6003:
        return "vista_2008"
    if build in (7600, 7601):
        return "7_2008r2"
    return None


def host_family(machine: Machine) -> str | None:
    return family_of_build(machine.profile.build)


def host_branch(machine: Machine) -> str | None:
    """The branch whose fixed file the package would install, from the installed volsnap.sys version, or None when
    the package has nothing for this host.

    The article's "File information" tables: one 2003 file (SP2 only), a GDR and an LDR file per 6.0.6002 and
    6.1.7600 architecture; KB824684 (GDR/LDR terminology): a hotfix keeps a file on the branch it is on. Revision
    ranges as in docs/versions.md: 6.0.6002 GDR 18000-19999, LDR (and the merged rollup line, 24xxx) from 20000;
    6.1.7600 GDR below 20000, LDR from 20000; 2003 SP2 files from 3959. Strict elsewhere (None = not applicable):
    pre-SP2 files (6.0.6000, 6.0.6001, 2003 below 3959), 6.0.6003 files (later than every 6002 line), 7601 (SP1).
    """
    version = machine.volsnap_version() or ""
    try:
        line, revision = version.rsplit(".", 1)[0], int(version.split(".")[3])
    except (IndexError, ValueError):
        return None
    if line == "5.2.3790":
        return "single" if revision >= 3959 else None
    if line == "6.0.6002":
        return "GDR" if 18000 <= revision <= 19999 else "LDR" if revision >= 20000 else None
    if line == "6.1.7600":
        return "GDR" if revision < 20000 else "LDR"
    return None


def apply(machine: Machine, manifest: Manifest) -> Applied | int:
    """Install a package the host has accepted as well-formed: what happened, or the forced exit code."""
    forced = machine.faults.get("installer_exit_code")
    if forced is not None:
        return int(forced)
    if manifest.kb != KB or manifest.family != host_family(machine) or manifest.arch != machine.profile.arch:
        return Applied.NOT_APPLICABLE
    if machine.profile.build == 7601:  # the fix is part of SP1: the RTM update does not apply
        return Applied.NOT_APPLICABLE
    # Windows XP x64 (5.2.3790, WinNT) is not listed by the article: whether the 2003 x64 package installs there is
    # unconfirmed, so the lab refuses it (the collection never sends it: it decides such hosts not_applicable).
    if manifest.family == "2003" and machine.profile.product_type == "WinNT":
        return Applied.NOT_APPLICABLE
    if machine.kb_installed(KB):
        return Applied.ALREADY
    # A build 6003 host still carrying a 6002 file gets the fixed file of that file's branch, as a 6002 host does.
    # Unconfirmed (no public record of this 2012 package on a 6003 host); 6.0.6003 files are refused above.
    branch = host_branch(machine)
    target = manifest.versions.get(branch or "")
    # A file already at or above the fix is never downgraded; refused (strict: a superseded package's answer from
    # pkgmgr / dism / update.exe is not attested, and "not applicable" is the least convenient one).
    if target is None or _version_key(machine.volsnap_version()) >= _version_key(target):
        return Applied.NOT_APPLICABLE
    current = machine.files.read(VOLSNAP)
    machine.staged_files[VOLSNAP] = ((current.data if current else b"MZ"), target)
    machine.record_kb(KB, manifest.identity or None)
    machine.set_reboot_pending()
    machine.log_event(f"installed {KB} ({branch} {target}); restart pending")
    return Applied.INSTALLED


def _version_key(version: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (version or "").split("."))
    except ValueError:
        return ()


def remove(machine: Machine, identity: str | None = None) -> bool:
    """Remove the update if it is installed (and, given an identity, if that is its package): restart pending."""
    installed = machine.kb_installed(KB)
    if identity is not None:
        installed = installed and any(
            key.rsplit("\\", 1)[-1].lower() == identity.lower() for key in machine.cbs_packages(KB)
        )
    if not installed:
        return False
    machine.staged_files[VOLSNAP] = (b"MZ", machine.profile.volsnap_version)
    machine.forget_kb(KB)
    machine.set_reboot_pending()
    machine.log_event(f"removed {KB}; restart pending")
    return True


def _options(argv: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("/") or arg.startswith("-"):
            name, _, value = arg[1:].partition(":")
            found[name.lower()] = value
    return found


@register_tool("expand")
def expand(ctx: ToolContext) -> int:
    # Format: expand.exe from Windows 7 (banner, "Expanding Files Complete ...", "N files total.").
    paths = [a for a in ctx.argv if not a.startswith("-") and not a.startswith("/")]
    ctx.print(
        "Microsoft (R) File Expansion Utility  Version "
        f"{ctx.machine.profile.current_version}.{ctx.machine.profile.build}.16385"
    )
    ctx.print("Copyright (c) Microsoft Corporation. All rights reserved.")
    ctx.print()
    if len(paths) != 2:
        ctx.error("Invalid parameter.")
        return 1
    source, target = (ctx.resolve(p) for p in paths)
    entry = ctx.machine.files.read(source)
    if entry is None:
        ctx.error(f"Can't open input file: {source}.")
        return 1
    try:
        archive = read_cab(entry.data)
    except PackageError:
        ctx.error(f"Can't read from input file: {source}.")
        return 1
    if not ctx.machine.files.is_dir(target):
        ctx.error(f"Can't open output file: {target}.")
        return 1
    for name in archive:
        ctx.print(f"Adding {ntpath.join(target, name)} to Extraction Queue")
    ctx.print()
    ctx.print("Expanding Files ....")
    try:
        for name, member in archive.items():
            ctx.machine.files.write(ntpath.join(target, name), member.buf)
    except DiskFullError:
        ctx.error(
            ctx.text(
                "ERROR: There is not enough space on the disk.",
                "FEHLER: Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
            )
        )
        return 1
    ctx.print()
    ctx.print("Expanding Files Complete ...")
    ctx.print(f"{len(archive)} files total.")
    return 0


@register_tool("dism")
def dism(ctx: ToolContext) -> int:
    options = _options(ctx.argv)
    quiet = "quiet" in options
    if not quiet:
        ctx.print()
        ctx.print("Deployment Image Servicing and Management tool")
        ctx.print(f"Version: {ctx.machine.profile.current_version}.{ctx.machine.profile.build}.16385")
        ctx.print()
    if "online" not in options:
        return _dism_error(ctx, INVALID_PARAMETER, "The /online option or an image path is required.")
    if "add-package" in options or "remove-package" in options:
        manifest: Manifest | None = None
        if "packagepath" in options:
            entry = ctx.machine.files.read(ctx.resolve(options["packagepath"]))
            if entry is None:
                return _dism_error(ctx, NOT_FOUND, "The system cannot find the file specified.")
            try:
                manifest = read_inner(entry.data)
            except PackageError:
                return _dism_error(ctx, FILE_CORRUPT, "The file or directory is corrupted and unreadable.")
        if "add-package" in options:
            if manifest is None:
                return _dism_error(ctx, INVALID_PARAMETER, "The /PackagePath option is required.")
            outcome = apply(ctx.machine, manifest)
            if isinstance(outcome, int):
                return outcome
            if outcome is Applied.INSTALLED:
                return SUCCESS_RESTART
            # Not applicable, and (third parties report) already installed: both 0x800f081e.
            return _dism_error(ctx, CBS_E_NOT_APPLICABLE, "The specified package is not applicable to this image.")
        identity = manifest.identity if manifest else options.get("packagename")
        if not identity:
            return _dism_error(ctx, INVALID_PARAMETER, "The /PackagePath or /PackageName option is required.")
        if not remove(ctx.machine, identity):
            return _dism_error(ctx, NOT_INSTALLED, "The specified package is not installed.")
        return SUCCESS_RESTART
    return _dism_error(ctx, INVALID_PARAMETER, "The option is unknown.")


def _dism_error(ctx: ToolContext, code: int, text: str) -> int:
    # DISM prints its errors even with /quiet: "Error: 0x800f081e", the text, and where its log is.
    ctx.print(f"Error: 0x{code:08x}" if code > 0xFFFF else f"Error: {code}")
    ctx.print()
    ctx.print(text)
    ctx.print()
    ctx.print(f"The DISM log file can be found at {ctx.machine.windows_root}\\Logs\\DISM\\dism.log")
    return code


@register_tool("pkgmgr")
def pkgmgr(ctx: ToolContext) -> int:
    """pkgmgr prints nothing with /quiet; the exit code is the whole answer (TechNet cc749465, KB928636).

    Installs only from the documented forms: `/ip /m:<the package's .cab>` or `/ip /m:<a folder holding an unpacked
    package (its update.mum)>`, or `/n:<unattend .xml>`; removes with `/up:<package name>` (never with /m:,
    KB940410). A folder holding the packed .cab and WSUSSCAN.cab (what expand leaves of an .msu), WSUSSCAN.cab itself,
    or a sandbox that is not empty installs nothing and fails."""
    options = _options(ctx.argv)
    machine = ctx.machine
    if "up" in options:
        if "m" in options or not options["up"]:
            return INVALID_PARAMETER
        return SUCCESS_RESTART if remove(machine, options["up"]) else NOT_INSTALLED
    sandbox = ctx.resolve(options["s"]) if options.get("s") else None
    if sandbox is not None and machine.files.is_dir(sandbox) and machine.files.listdir(sandbox):
        return ALREADY_EXISTS  # the msdn blog: an empty sandbox for each package (KB932224: the wrong one installs)
    if "n" in options:
        found = _from_unattend(ctx, ctx.resolve(options["n"]))
    elif "ip" in options and options.get("m"):
        found = _from_source(ctx, ctx.resolve(options["m"]))
    else:
        return INVALID_PARAMETER
    if isinstance(found, int):
        return found
    outcome = apply(machine, found)
    if isinstance(outcome, int):
        return outcome
    if outcome is Applied.INSTALLED:
        return SUCCESS_RESTART
    if outcome is Applied.ALREADY:
        return SUCCESS  # not documented: the least convenient answer, success with nothing changed
    return CBS_E_NOT_APPLICABLE  # not applicable: CBS's code, attested for DISM; unconfirmed for pkgmgr


def _from_source(ctx: ToolContext, source: str) -> Manifest | int:
    files = ctx.machine.files
    if files.is_dir(source):  # an unpacked package: its update.mum at the top of the folder
        mum = files.read(ntpath.join(source, "update.mum"))
        if mum is None:
            return NOT_FOUND
        try:
            return read_manifest(mum.data)
        except PackageError:
            return FILE_CORRUPT
    entry = files.read(source)
    if entry is None:
        return NOT_FOUND
    try:
        return read_inner(entry.data)  # WSUSSCAN.cab holds no update.mum: refused here
    except PackageError:
        return FILE_CORRUPT


_CONFIGSETROOT = re.compile(r"^%configsetroot%\\", re.IGNORECASE)


def _from_unattend(ctx: ToolContext, path: str) -> Manifest | int:
    """`pkgmgr /n:<unattend.xml>`: the package named by servicing/package/source/@location. How pkgmgr resolves
    %configsetroot% is not documented; the lab takes the folder of the .xml (unconfirmed; the collection uses /m:)."""
    entry = ctx.machine.files.read(path)
    if entry is None:
        return NOT_FOUND
    try:
        root = ET.fromstring(entry.data)
    except ET.ParseError:
        return FILE_CORRUPT
    ns = {"u": UNATTEND_NS}
    package = root.find("u:servicing/u:package", ns)
    source = root.find("u:servicing/u:package/u:source", ns)
    if package is None or source is None or package.get("action") != "install":
        return INVALID_PARAMETER
    location = source.get("location", "")
    if not _CONFIGSETROOT.match(location):
        return NOT_FOUND
    return _from_source(ctx, ntpath.join(ntpath.dirname(path), _CONFIGSETROOT.sub("", location)))


@register_tool("@package-exe")
def update_exe(ctx: ToolContext) -> int:
    """The 2003 update package run by path: `<package>.exe /quiet /norestart [/log:path]` (also /q /z)."""
    entry = ctx.machine.files.read(ctx.resolve(ctx.name))
    try:
        manifest = read_update_exe(entry.data if entry else b"")
    except PackageError:
        return UPDATE_EXE_CORRUPT
    outcome = apply(ctx.machine, manifest) if host_family(ctx.machine) == "2003" else Applied.NOT_APPLICABLE
    code = {Applied.INSTALLED: SUCCESS_RESTART, Applied.ALREADY: SUCCESS, Applied.NOT_APPLICABLE: UPDATE_EXE_REFUSED}
    exit_code = code[outcome] if isinstance(outcome, Applied) else outcome
    log = _options(ctx.argv).get("log")
    if log:
        with contextlib.suppress(DiskFullError, FileNotFoundError):
            ctx.machine.files.write(ctx.resolve(log), f"{KB} setup exited with {exit_code}\r\n".encode())
    if outcome is Applied.INSTALLED:
        ctx.machine.files.mkdir(rf"{ctx.machine.windows_root}\$NtUninstall{KB}$\spuninst")
        ctx.machine.files.write(rf"{ctx.machine.windows_root}\$NtUninstall{KB}$\spuninst\spuninst.exe", b"MZ")
    return exit_code


@register_tool("spuninst")
def spuninst(ctx: ToolContext) -> int:
    return SUCCESS if remove(ctx.machine) else NOT_INSTALLED
