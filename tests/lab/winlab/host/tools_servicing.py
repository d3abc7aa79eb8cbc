"""Installers: expand, dism, pkgmgr, the 2003 update .exe and its uninstaller.

Sources: Microsoft KB934307 (.msu contents, expand), KB928636 and TechNet cc749465 (pkgmgr), DISM's documented
options, KB262841 and KB832475 (update.exe switches), and KB2748349's "File information" (which file per branch).

A package is applied from its content (the manifest inside), never from its name: another product family or
architecture is "not applicable", a second install "already installed", a corrupt one fails with the installer's
code. Success stages the fixed volsnap.sys for the host's current branch (applied at the next restart), records the
update in the registry, marks a restart pending, and exits 3010.
"""

from __future__ import annotations

import contextlib
import ntpath

from winlab.host.filesystem import DiskFullError
from winlab.host.machine import VOLSNAP, Machine
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import KB, Manifest, PackageError, read_cab, read_inner, read_update_exe

SUCCESS_RESTART = 3010
ALREADY_INSTALLED = 0x240006  # 2359302
NOT_APPLICABLE = 0x80240017  # WU_E_NOT_APPLICABLE, as an unsigned exit code
DISM_NOT_APPLICABLE = 0x800F081E  # CBS_E_NOT_APPLICABLE
FILE_CORRUPT = 0x80070570  # ERROR_FILE_CORRUPT as an HRESULT
NOT_INSTALLED = 0x80070490  # ERROR_NOT_FOUND (removal of something absent)


def host_family(machine: Machine) -> str | None:
    build = machine.profile.build
    if build == 3790:
        return "2003"
    if 6000 <= build <= 6003:
        return "vista_2008"
    if build in (7600, 7601):
        return "7_2008r2"
    return None


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


def apply(machine: Machine, manifest: Manifest) -> int:
    """Install a package the host has accepted as well-formed; the exit code says what happened."""
    forced = machine.faults.get("installer_exit_code")
    if forced is not None:
        return int(forced)
    if manifest.kb != KB or manifest.family != host_family(machine) or manifest.arch != machine.profile.arch:
        return NOT_APPLICABLE
    if machine.profile.build == 7601:  # the fix is part of SP1: the RTM update does not apply
        return NOT_APPLICABLE
    # Windows XP x64 (5.2.3790, WinNT) is not listed by the article: whether the 2003 x64 package installs there is
    # unconfirmed, so the lab refuses it (the collection never sends it: it decides such hosts not_applicable).
    if manifest.family == "2003" and machine.profile.product_type == "WinNT":
        return NOT_APPLICABLE
    if machine.kb_installed(KB):
        return ALREADY_INSTALLED
    # A build 6003 host still carrying a 6002 file gets the fixed file of that file's branch, as a 6002 host does.
    # Unconfirmed (no public record of this 2012 package on a 6003 host); 6.0.6003 files are refused above.
    branch = host_branch(machine)
    target = manifest.versions.get(branch or "")
    # A file already at or above the fix is never downgraded; refused (strict: a superseded package's answer from
    # pkgmgr / dism / update.exe is not attested, and "not applicable" is the least convenient one).
    if target is None or _version_key(machine.volsnap_version()) >= _version_key(target):
        return NOT_APPLICABLE
    current = machine.files.read(VOLSNAP)
    machine.staged_files[VOLSNAP] = ((current.data if current else b"MZ"), target)
    machine.record_kb(KB)
    machine.set_reboot_pending()
    machine.log_event(f"installed {KB} ({branch} {target}); restart pending")
    return SUCCESS_RESTART


def _version_key(version: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (version or "").split("."))
    except ValueError:
        return ()


def remove(machine: Machine) -> int:
    if not machine.kb_installed(KB):
        return NOT_INSTALLED
    machine.staged_files[VOLSNAP] = (b"MZ", machine.profile.volsnap_version)
    machine.forget_kb(KB)
    machine.set_reboot_pending()
    machine.log_event(f"removed {KB}; restart pending")
    return SUCCESS_RESTART


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
        return _dism_error(ctx, 87, "The /online option or an image path is required.")
    if "add-package" in options:
        entry = ctx.machine.files.read(ctx.resolve(options.get("packagepath", "")))
        if entry is None:
            return _dism_error(ctx, 0x80070002, "The system cannot find the file specified.")
        try:
            manifest = read_inner(entry.data)
        except PackageError:
            return _dism_error(ctx, FILE_CORRUPT, "The file or directory is corrupted and unreadable.")
        code = apply(ctx.machine, manifest)
        if code == NOT_APPLICABLE:
            return _dism_error(ctx, DISM_NOT_APPLICABLE, "The specified package is not applicable to this image.")
        if code not in (SUCCESS_RESTART, ALREADY_INSTALLED) and not quiet:
            ctx.print(f"Error: {code}")
        return code
    if "remove-package" in options:
        return remove(ctx.machine)
    return _dism_error(ctx, 87, "The option is unknown.")


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
    # pkgmgr prints nothing with /quiet; the exit code is the whole answer (TechNet cc749465, KB928636).
    options = _options(ctx.argv)
    source = ctx.resolve(options.get("m", ""))
    if ctx.machine.files.is_dir(source):
        cabs = [
            n for n in ctx.machine.files.listdir(source) if n.lower().endswith(".cab") and n.lower() != "wsusscan.cab"
        ]
        source = ntpath.join(source, cabs[0]) if cabs else source
    entry = ctx.machine.files.read(source)
    if entry is None:
        return 0x80070002
    try:
        manifest = read_inner(entry.data)
    except PackageError:
        return FILE_CORRUPT
    if "up" in options:
        return remove(ctx.machine)
    if "ip" in options:
        return apply(ctx.machine, manifest)
    return 87


@register_tool("@package-exe")
def update_exe(ctx: ToolContext) -> int:
    """The 2003 update package run by path: `<package>.exe /quiet /norestart [/log:path]` (also /q /z)."""
    entry = ctx.machine.files.read(ctx.resolve(ctx.name))
    try:
        manifest = read_update_exe(entry.data if entry else b"")
    except PackageError:
        return 1392  # ERROR_FILE_CORRUPT: the self-extractor cannot unpack itself
    if host_family(ctx.machine) != "2003" and manifest.family == "2003":
        return NOT_APPLICABLE
    code = apply(ctx.machine, manifest)
    log = _options(ctx.argv).get("log")
    if log:
        with contextlib.suppress(DiskFullError, FileNotFoundError):
            ctx.machine.files.write(ctx.resolve(log), f"{KB} setup exited with {code}\r\n".encode())
    if code == SUCCESS_RESTART:
        ctx.machine.files.mkdir(rf"{ctx.machine.windows_root}\$NtUninstall{KB}$\spuninst")
        ctx.machine.files.write(rf"{ctx.machine.windows_root}\$NtUninstall{KB}$\spuninst\spuninst.exe", b"MZ")
    return code


@register_tool("spuninst")
def spuninst(ctx: ToolContext) -> int:
    code = remove(ctx.machine)
    return 0 if code == SUCCESS_RESTART else code
