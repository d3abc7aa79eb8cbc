# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The installer plan per OS family, its removal plan, and what an installer's exit code means (legacy-windows.md §4).

2003: the update .exe itself; Vista/2008: expand the .msu, then pkgmgr (run with `start /w` so cmd waits for it);
7/2008 R2: expand the .msu, then dism. Never wusa: it refuses to run from a remote session (exit 5).

A plan is a list of command lines for cmd.exe; the action plugin runs them in order through the winrs connection:
`prepare_command()`, then each step (a non-installer step must exit 0), then `cleanup_commands()` whatever happened.
The work folder is `<host %TEMP%>\\winfix-volsnap-<token>`; the installer's log sits beside it, not inside, so that the
log a failure message names survives the cleanup.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, quote_path

KB = "KB2748349"
WORKDIR_PREFIX = "winfix-volsnap-"

SUCCESS = 0
SUCCESS_RESTART_REQUIRED = 3010
SUCCESS_RESTART_INITIATED = 1641
SUCCESS_RESTART_REQUIRED_MSI = 3011
ALREADY_INSTALLED = 0x240006  # 2359302, WU_S_ALREADY_INSTALLED
NOT_APPLICABLE = 0x80240017  # WU_E_NOT_APPLICABLE (also when a superseding update is present)
DISM_NOT_APPLICABLE = 0x800F081E  # CBS_E_NOT_APPLICABLE

# Hints for failures seen often on these hosts; the code itself is always reported too.
_FAILURE_HINTS = {
    5: "access denied",
    0x80070005: "access denied",
    1392: "the package is corrupt",
    0x80070570: "the package is corrupt",
    0x80070002: "a file was not found",
    1603: "fatal error during installation",
    0x800F0818: "the package is corrupt (CBS_E_IDENTITY_MISMATCH)",
}
_TOKEN = re.compile(r"^[0-9A-Za-z]{4,32}$")
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]*\.(msu|exe)$", re.IGNORECASE)  # safe inside quotes


class Installer(enum.StrEnum):
    UPDATE_EXE = "update_exe"  # Windows Server 2003: the package is update.exe
    PKGMGR = "pkgmgr"  # Vista / Server 2008: no DISM yet
    DISM = "dism"  # Windows 7 / Server 2008 R2


_INSTALLER_BY_FAMILY = {"2003": Installer.UPDATE_EXE, "vista_2008": Installer.PKGMGR, "7_2008r2": Installer.DISM}


def installer_for_family(family: str) -> Installer:
    """`2003` → update_exe, `vista_2008` → pkgmgr, `7_2008r2` → dism."""
    try:
        return _INSTALLER_BY_FAMILY[family]
    except KeyError:
        raise ValueError(f"no installer is known for OS family {family!r}") from None


class Result(enum.StrEnum):
    INSTALLED = "installed"
    REMOVED = "removed"
    ALREADY_INSTALLED = "already_installed"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    description: str
    command: str
    is_installer: bool = False  # its exit code is interpreted; other steps must exit 0


@dataclass(frozen=True)
class Plan:
    workdir: str
    package_path: str  # where the package must be put on the host ("" when the plan needs none)
    log_path: str
    steps: tuple[Step, ...]

    def prepare_command(self) -> str:
        return f"mkdir {quote_path(self.workdir)}"

    def cleanup_command(self) -> str:
        """Removes the work folder: the package and everything expanded from it."""
        return f"rmdir /s /q {quote_path(self.workdir)}"

    def cleanup_commands(self, keep_log: bool) -> tuple[str, ...]:
        """Every path the plan creates; keep the log when a failure message points at it."""
        if keep_log:
            return (self.cleanup_command(),)
        return self.cleanup_command(), f"del /f /q {quote_path(self.log_path)}"


def work_directory(temp_root: str, token: str) -> str:
    """A fresh folder under the host's %TEMP%; the caller picks the random token, so this stays pure."""
    if not _TOKEN.match(token):
        raise UnsafeArgumentError(f"work folder token {token!r} must be 4-32 letters or digits")
    quote_path(temp_root)  # refuses a root that cmd could misread
    return f"{temp_root.rstrip(chr(92))}\\{WORKDIR_PREFIX}{token}"


def _checked_package(package: str) -> str:
    if not _PACKAGE_NAME.match(package):
        raise UnsafeArgumentError(
            f"package file name {package!r} must be a plain .msu or .exe file name (letters, digits, space ._()+-)"
        )
    return package


def _inner_cab(package: str) -> str:
    """An .msu holds one inner cabinet named after it: Windows6.1-KB2748349-x64.msu → Windows6.1-KB2748349-x64.cab."""
    return package.rsplit(".", 1)[0] + ".cab"


def _expand_step(package_path: str, expanded: str) -> Step:
    return Step(
        "expand the package",
        f"mkdir {quote_path(expanded)} && expand -F:* {quote_path(package_path)} {quote_path(expanded)}",
    )


def install_plan(installer: str, package: str, workdir: str) -> Plan:
    """The commands that install `package` (a file name) once it has been put at `Plan.package_path`."""
    try:
        kind = Installer(installer)
    except ValueError:
        raise ValueError(f"unknown installer kind {installer!r} (expected one of {', '.join(Installer)})") from None
    package = _checked_package(package)
    package_path, expanded, log = f"{workdir}\\{package}", f"{workdir}\\expanded", f"{workdir}.log"
    out, log_q = quote_path(expanded), quote_path(log)
    if kind is Installer.UPDATE_EXE:
        steps: tuple[Step, ...] = (
            Step("update.exe", f"{quote_path(package_path)} /quiet /norestart /log:{log_q}", True),
        )
    elif kind is Installer.PKGMGR:
        steps = (
            _expand_step(package_path, expanded),
            Step("pkgmgr", f"start /w pkgmgr /ip /m:{out} /quiet /norestart /l:{log_q}", True),
        )
    else:
        cab = quote_path(f"{expanded}\\{_inner_cab(package)}")
        steps = (
            _expand_step(package_path, expanded),
            Step("dism", f"dism.exe /online /add-package /packagepath:{cab} /quiet /norestart /logpath:{log_q}", True),
        )
    return Plan(workdir, package_path, log, steps)


def removal_plan(installer: str, package: str, workdir: str, windows_root: str) -> Plan:
    """Rollback. pkgmgr and dism need the package again (its inner cabinet names the update); 2003 runs the
    uninstaller update.exe left under %SystemRoot%."""
    plan = install_plan(installer, package, workdir)
    log_q = quote_path(plan.log_path)
    if installer == Installer.UPDATE_EXE:
        uninstaller = quote_path(f"{windows_root.rstrip(chr(92))}\\$NtUninstall{KB}$\\spuninst\\spuninst.exe")
        return Plan(workdir, "", plan.log_path, (Step("spuninst", f"{uninstaller} /quiet /norestart", True),))
    expanded = f"{workdir}\\expanded"
    if installer == Installer.PKGMGR:
        last = Step("pkgmgr /up", f"start /w pkgmgr /up /m:{quote_path(expanded)} /quiet /norestart /l:{log_q}", True)
    else:
        cab = quote_path(f"{expanded}\\{_inner_cab(package)}")
        last = Step(
            "dism /remove-package",
            f"dism.exe /online /remove-package /packagepath:{cab} /quiet /norestart /logpath:{log_q}",
            True,
        )
    return Plan(workdir, plan.package_path, plan.log_path, (plan.steps[0], last))


@dataclass(frozen=True)
class InstallOutcome:
    result: Result
    changed: bool
    restart_required: bool
    exit_code: int
    message: str
    restart_initiated: bool = False  # 1641: the installer is restarting the host itself; do not start another


def interpret_exit_code(code: int, installer: str, log_path: str, removing: bool = False) -> InstallOutcome:
    """The meaning of an installer's exit code, given signed (-2145124329) or unsigned (2149842967).

    Codes outside the table are failures, reported verbatim in decimal and hex with the log to read.
    """
    unsigned = code & 0xFFFFFFFF
    done = Result.REMOVED if removing else Result.INSTALLED
    verb = "removed" if removing else "installed"
    if unsigned in (SUCCESS_RESTART_REQUIRED, SUCCESS_RESTART_REQUIRED_MSI):
        return InstallOutcome(done, True, True, code, f"{verb}; a restart is required ({installer} exit {code})")
    if unsigned == SUCCESS_RESTART_INITIATED:
        return InstallOutcome(
            done, True, True, code, f"{verb}; {installer} started a restart itself (exit 1641)", restart_initiated=True
        )
    if unsigned == SUCCESS:
        return InstallOutcome(done, True, False, code, f"{verb} ({installer} exit 0)")
    if unsigned == ALREADY_INSTALLED and not removing:
        return InstallOutcome(
            Result.ALREADY_INSTALLED, False, False, code, f"already installed ({installer} exit {code}, 0x240006)"
        )
    if unsigned in (NOT_APPLICABLE, DISM_NOT_APPLICABLE) and not removing:
        return InstallOutcome(
            Result.NOT_APPLICABLE,
            False,
            False,
            code,
            f"not applicable to this host ({installer} exit {code}, 0x{unsigned:08X}): wrong product or "
            "architecture, or a superseding update is installed",
        )
    hint = _FAILURE_HINTS.get(unsigned)
    return InstallOutcome(
        Result.FAILED,
        False,
        False,
        code,
        f"{installer} failed with exit code {code} (0x{unsigned:08X}){f': {hint}' if hint else ''}; "
        f"see {log_path} on the host",
    )
