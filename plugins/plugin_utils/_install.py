# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The installer plan per OS family, and what an installer's exit code means (Microsoft KB928636, KB934307 and
KB932224 and the pkgmgr reference; KB262841 and KB832475 for update.exe; DISM's documented options).

2003: the update .exe itself; Vista/2008: expand the .msu, then pkgmgr (run with `start /w` so cmd waits);
7/2008 R2: expand the .msu, then dism. Never wusa: it refuses to run from a remote session.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path

SUCCESS = 0
SUCCESS_RESTART_REQUIRED = 3010
SUCCESS_RESTART_INITIATED = 1641
SUCCESS_RESTART_REQUIRED_MSI = 3011
ALREADY_INSTALLED = 0x240006  # 2359302
NOT_APPLICABLE = 0x80240017  # WU_E_NOT_APPLICABLE (also when a superseding update is present)
DISM_NOT_APPLICABLE = 0x800F081E  # CBS_E_NOT_APPLICABLE


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
    package_path: str  # where the package is put on the host
    log_path: str
    steps: tuple[Step, ...]


def _stem(package: str) -> str:
    return package.rsplit(".", 1)[0]


def install_plan(installer: str, package: str, workdir: str) -> Plan:
    package_path = f"{workdir}\\{package}"
    expanded = f"{workdir}\\expanded"
    log = f"{workdir}\\install.log"
    pkg, out, cab = quote_path(package_path), quote_path(expanded), quote_path(f"{expanded}\\{_stem(package)}.cab")
    steps: tuple[Step, ...]
    if installer == "update_exe":
        steps = (Step("update.exe", f"{pkg} /quiet /norestart /log:{quote_path(log)}", True),)
    elif installer == "pkgmgr":
        steps = (
            Step("expand the package", f"mkdir {out} && expand -F:* {pkg} {out}"),
            Step("pkgmgr", f"start /w pkgmgr /ip /m:{out} /quiet /norestart", True),
        )
    elif installer == "dism":
        steps = (
            Step("expand the package", f"mkdir {out} && expand -F:* {pkg} {out}"),
            Step("dism", f"dism.exe /online /add-package /packagepath:{cab} /quiet /norestart", True),
        )
    else:
        raise ValueError(f"unknown installer kind {installer!r}")
    return Plan(workdir, package_path, log, steps)


def removal_plan(installer: str, package: str, workdir: str, windows_root: str) -> Plan:
    plan = install_plan(installer, package, workdir)
    if installer == "update_exe":
        uninstaller = quote_path(f"{windows_root}\\$NtUninstallKB2748349$\\spuninst\\spuninst.exe")
        return Plan(workdir, "", plan.log_path, (Step("spuninst", f"{uninstaller} /quiet /norestart", True),))
    out = quote_path(f"{workdir}\\expanded")
    if installer == "pkgmgr":
        last = Step("pkgmgr /up", f"start /w pkgmgr /up /m:{out} /quiet /norestart", True)
    else:
        cab = quote_path(f"{workdir}\\expanded\\{_stem(package)}.cab")
        last = Step(
            "dism /remove-package", f"dism.exe /online /remove-package /packagepath:{cab} /quiet /norestart", True
        )
    return Plan(workdir, plan.package_path, plan.log_path, (plan.steps[0], last))


@dataclass(frozen=True)
class Outcome:
    result: Result
    changed: bool
    restart_required: bool
    exit_code: int
    message: str


def interpret_exit_code(code: int, installer: str, log_path: str, removing: bool = False) -> Outcome:
    """The meaning of an installer's exit code; codes outside the table are failures, reported verbatim."""
    unsigned = code & 0xFFFFFFFF
    done = Result.REMOVED if removing else Result.INSTALLED
    verb = "removed" if removing else "installed"
    if unsigned in (SUCCESS_RESTART_REQUIRED, SUCCESS_RESTART_REQUIRED_MSI):
        return Outcome(done, True, True, code, f"{verb}; a restart is required ({installer} exit {code})")
    if unsigned == SUCCESS_RESTART_INITIATED:
        return Outcome(done, True, True, code, f"{verb}; the installer started a restart (exit 1641)")
    if unsigned == SUCCESS:
        return Outcome(done, True, False, code, f"{verb} ({installer} exit 0)")
    if unsigned == ALREADY_INSTALLED:
        return Outcome(Result.ALREADY_INSTALLED, False, False, code, "already installed (exit 0x240006)")
    if unsigned in (NOT_APPLICABLE, DISM_NOT_APPLICABLE):
        return Outcome(
            Result.NOT_APPLICABLE,
            False,
            False,
            code,
            f"not applicable to this host (exit 0x{unsigned:08X}): wrong product or architecture, "
            "or a superseding update is installed",
        )
    return Outcome(
        Result.FAILED,
        False,
        False,
        code,
        f"{installer} failed with exit code {code} (0x{unsigned:08X}); see {log_path} on the host",
    )
