"""What installing or removing KB2748349 does to a simulated host, whichever installer asks.

The installers (dism, pkgmgr, the 2003 update.exe, spuninst) differ in syntax, output and exit codes; the decision
and the state change are the same and live here. A package is judged by its manifest (product family, architecture,
service branch), never by its file name. Success changes nothing on disk yet: the fixed volsnap.sys is staged for
the next restart, the update is recorded in the registry and a restart is marked pending, as Windows does.
"""

from __future__ import annotations

import enum
import ntpath
from dataclasses import dataclass

from winlab.host.machine import ARCH_TAG, SESSION_MANAGER, VOLSNAP, Machine
from winlab.packages import FIXED, KB, PUBLIC_KEY_TOKEN, Manifest

# The product build each family's package is made for (its <parent>): RTM of 7/2008 R2, SP2 of Vista/2008 and 2003.
_FAMILY_BUILDS = {"2003": (3790,), "vista_2008": (6002, 6003), "7_2008r2": (7600,)}
# Revision ranges of the two service branches (legacy-windows.md §2), the same rule the collection uses.
_BRANCH_REVISIONS = {"GDR": range(16000, 20000), "LDR": range(20000, 24000)}


class Outcome(enum.Enum):
    INSTALLED = "installed"  # staged; restart required
    REMOVED = "removed"  # staged; restart required
    ALREADY_INSTALLED = "already installed"
    NOT_APPLICABLE = "not applicable"
    NOT_INSTALLED = "not installed"  # removal of an update that is not there
    FORCED = "forced"  # profile fault installer_exit_code: nothing changed


@dataclass(frozen=True)
class ServicingResult:
    outcome: Outcome
    reason: str  # one line for the installer's log
    forced_code: int | None = None  # the exit code the fault asks for (Outcome.FORCED only)


def host_family(machine: Machine) -> str | None:
    """The article's product family of the host, from its build ("2003", "vista_2008", "7_2008r2")."""
    build = machine.profile.build
    if build == 3790:
        return "2003"
    if 6000 <= build <= 6003:
        return "vista_2008"
    if build in (7600, 7601):
        return "7_2008r2"
    return None


def host_branch(machine: Machine) -> str | None:
    """GDR or LDR from the installed volsnap.sys revision; 2003 has a single branch; None when it fits neither."""
    if host_family(machine) == "2003":
        return "single"
    version = machine.volsnap_version() or ""
    try:
        revision = int(version.split(".")[3])
    except (IndexError, ValueError):
        return None
    return next((branch for branch, revisions in _BRANCH_REVISIONS.items() if revision in revisions), None)


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def wrong_product_reason(machine: Machine, manifest: Manifest) -> str | None:
    """Why the package is for another update, product, build or architecture; None when it is for this host."""
    profile = machine.profile
    if manifest.kb != KB:
        return f"the package is {manifest.kb}, not {KB}"
    if manifest.family != host_family(machine):
        return f"the package is for {manifest.family}, the host is build {profile.build}"
    if manifest.arch != profile.arch:
        return f"the package is for {manifest.arch}, the host is {profile.arch}"
    if profile.build not in _FAMILY_BUILDS[manifest.family]:
        return f"build {profile.build} is not the one the package updates (the fix is in SP1, or SP2 is missing)"
    if manifest.family == "2003" and "2" not in (profile.csd_version or ""):
        return "Windows Server 2003 needs Service Pack 2"
    return None


def superseded_reason(machine: Machine, manifest: Manifest) -> str | None:
    """Why the host's own volsnap.sys makes the package pointless (unknown branch, or already as new)."""
    branch = host_branch(machine)
    target = manifest.versions.get(branch or "")
    if target is None:
        return f"volsnap.sys {machine.volsnap_version()} is on no service branch the package carries"
    current = machine.volsnap_version() or ""
    if _version_key(current) >= _version_key(target):
        return f"volsnap.sys {current} is already at or above {target} (a superseding update)"
    return None


def forced_exit_code(machine: Machine) -> int | None:
    """Profile fault installer_exit_code: the installer exits with it and changes nothing."""
    forced = machine.faults.get("installer_exit_code")
    return None if forced is None else int(forced)


def uninstall_folder(machine: Machine) -> str:
    """2003 keeps the replaced files and spuninst.exe here (%SystemRoot%\\$NtUninstallKB2748349$)."""
    return rf"{machine.windows_root}\$NtUninstall{KB}$"


def _backup_path(machine: Machine) -> str:
    """Where the replaced volsnap.sys is kept for removal (the uninstall folder on 2003, WinSxS backup later)."""
    if machine.is_2003:
        return uninstall_folder(machine) + r"\volsnap.sys"
    tag = ARCH_TAG[machine.profile.arch]
    return rf"{machine.windows_root}\winsxs\Backup\{tag}_microsoft-windows-volsnap_{PUBLIC_KEY_TOKEN}_volsnap.sys"


def _keep(machine: Machine, path: str, data: bytes, version: str | None) -> None:
    machine.files.mkdir(ntpath.dirname(path))
    machine.files.write(path, data, version)


def _mark_restart_pending(machine: Machine) -> None:
    """All markers a real install leaves: CBS RebootPending (Vista+) or UpdateExeVolatile (2003), and the rename."""
    machine.set_reboot_pending()
    machine.registry.set_value(
        SESSION_MANAGER, "PendingFileRenameOperations", "REG_MULTI_SZ", rf"\??\{VOLSNAP}.pending\0!\??\{VOLSNAP}"
    )


def install(machine: Machine, manifest: Manifest) -> ServicingResult:
    """Apply a readable package: stage the fixed volsnap.sys of the host's branch, record the KB, mark a restart."""
    forced = forced_exit_code(machine)
    if forced is not None:
        return ServicingResult(Outcome.FORCED, f"fault installer_exit_code={forced}", forced)
    reason = wrong_product_reason(machine, manifest)
    if reason is not None:
        return ServicingResult(Outcome.NOT_APPLICABLE, reason)
    if machine.kb_installed(KB):
        return ServicingResult(Outcome.ALREADY_INSTALLED, f"{KB} is already installed")
    reason = superseded_reason(machine, manifest)
    if reason is not None:
        return ServicingResult(Outcome.NOT_APPLICABLE, reason)
    branch = host_branch(machine) or ""
    current = machine.files.read(VOLSNAP)
    if current is not None:
        _keep(machine, _backup_path(machine), current.data, current.version)
    machine.staged_files[VOLSNAP] = (manifest.payloads[branch], manifest.versions[branch])
    machine.record_kb(KB)
    _mark_restart_pending(machine)
    machine.log_event(f"installed {KB} ({branch} {manifest.versions[branch]}); restart pending")
    return ServicingResult(Outcome.INSTALLED, f"staged volsnap.sys {manifest.versions[branch]} ({branch})")


def _base_version(machine: Machine) -> str | None:
    """The version removal goes back to when no backup exists (the update came with the host's profile)."""
    family = host_family(machine)
    if family is None:
        return machine.profile.volsnap_version
    fixed = set(FIXED[family].values())
    if machine.profile.volsnap_version not in fixed:
        return machine.profile.volsnap_version
    return {"2003": "5.2.3790.3959", "vista_2008": "6.0.6002.18005", "7_2008r2": "6.1.7600.16385"}[family]


def remove(machine: Machine) -> ServicingResult:
    """Take the update away again: the previous volsnap.sys is staged back, the KB forgotten, a restart marked."""
    forced = forced_exit_code(machine)
    if forced is not None:
        return ServicingResult(Outcome.FORCED, f"fault installer_exit_code={forced}", forced)
    if not machine.kb_installed(KB):
        return ServicingResult(Outcome.NOT_INSTALLED, f"{KB} is not installed")
    backup = machine.files.read(_backup_path(machine))
    if backup is not None:
        machine.staged_files[VOLSNAP] = (backup.data, backup.version)
    else:
        current = machine.files.read(VOLSNAP)
        machine.staged_files[VOLSNAP] = (current.data if current else b"MZ", _base_version(machine))
    machine.forget_kb(KB)
    _mark_restart_pending(machine)
    machine.log_event(f"removed {KB}; restart pending")
    return ServicingResult(Outcome.REMOVED, f"volsnap.sys {machine.staged_files[VOLSNAP][1]} staged back")


def installed_package_names(machine: Machine) -> list[str]:
    """CBS package identities of the host (what dism /get-packages lists)."""
    cbs = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"
    return sorted(ntpath.basename(key.path) for key in machine.registry.subkeys(cbs))
