# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether an install (or removal) took: decided from the host's state before and after, never from the exit code.

Only 0 and 3010 are well attested for update.exe, pkgmgr and dism (WSUS Offline also accepts 1641 and 3011), and DISM's
0x800f081e "not applicable" is reported for "already installed" too; 2359302 and 0x80240017 are Windows Update agent
(wusa) codes. So after the installer one command reads the state again (the probe's sections for the update's
registry evidence and pending restarts, plus the CurrentState of the package's CBS key, named by the .msu's .xml),
the outcome follows from it, and the exit code is reported verbatim with its documented meaning when it has one.

CBS CurrentState values: the install states of CbsApi.dll (CbsInstallStateAbsent 0, …Resolving 16, …Resolved 32,
…Staging 48, …Staged 64, …Superseded 80, …InstallPending 96, …PartiallyInstalled 101, …Installed 112, …Permanent 128,
and Uninstall Pending 5), as Microsoft lists them in "Tip of the Day: CBS Servicing States Chart - Refresher"
(2015-10-12, https://learn.microsoft.com/archive/blogs/tip_of_the_day/tip-of-the-day-cbs-servicing-states-chart-refresher);
the registry shows them in hex, CBS.log in decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import (
    KB_SECTIONS,
    REBOOT_SECTIONS,
    kb_recorded,
    reboot_reasons,
    sections_line,
    split_sections,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import StrEnum
from ansible_collections.winfix.volsnap.plugins.plugin_utils._reg import first_key, query_command

CBS_PACKAGES = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"
CBS_STATES = {
    0x00: "Absent",
    0x05: "Uninstall Pending",
    0x10: "Resolving",
    0x20: "Resolved",
    0x30: "Staging",
    0x40: "Staged",
    0x50: "Superseded",
    0x60: "Install Pending",
    0x65: "Partially Installed",
    0x70: "Installed",
    0x80: "Permanent",
}
INSTALL_PENDING = 0x60
UNINSTALL_PENDING = 0x05
_INSTALLED = frozenset({0x60, 0x70, 0x80})  # Install Pending: installed, waiting for its restart
_REMOVED = frozenset({0x00, 0x05})  # Uninstall Pending: removed, waiting for its restart
_RESTART_CODES = frozenset({3010, 3011, 1641})
CBS_E_NOT_APPLICABLE = 0x800F081E

# What a code means, where it is documented (Microsoft "System Error Codes"; "Windows Update error codes"; DISM).
EXIT_MEANINGS: dict[int, str] = {
    0: "success",
    3010: "ERROR_SUCCESS_REBOOT_REQUIRED: success, a restart is required",
    3011: "ERROR_SUCCESS_RESTART_REQUIRED: success, a restart is required",
    1641: "ERROR_SUCCESS_REBOOT_INITIATED: success, the installer started a restart",
    5: "ERROR_ACCESS_DENIED",
    87: "ERROR_INVALID_PARAMETER",
    1603: "ERROR_INSTALL_FAILURE: fatal error during installation",
    0x80070002: "ERROR_FILE_NOT_FOUND",
    0x80070005: "E_ACCESSDENIED",
    0x80070570: "ERROR_FILE_CORRUPT: the file or directory is corrupted and unreadable",
    CBS_E_NOT_APPLICABLE: "CBS_E_NOT_APPLICABLE: the package is not applicable (also reported for an update that is "
    "already installed)",
    0x240006: "WU_S_ALREADY_INSTALLED, a Windows Update agent (wusa) code that this installer is not documented to "
    "return",
    0x80240017: "WU_E_NOT_APPLICABLE, a Windows Update agent (wusa) code that this installer is not documented to "
    "return",
}


class Result(StrEnum):
    INSTALLED = "installed"
    REMOVED = "removed"
    ALREADY_INSTALLED = "already_installed"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


@dataclass(frozen=True)
class ServicingState:
    recorded: bool  # registry evidence of KB2748349 (CBS key names, the 2003 Updates and Hotfix keys)
    cbs_state: int | None  # CurrentState of the package's CBS key; None: no such key, or not asked
    pending: tuple[str, ...]  # pending-restart markers found


@dataclass(frozen=True)
class Outcome:
    result: Result
    changed: bool
    restart_required: bool
    exit_code: int
    message: str


def state_command(identity: str | None) -> str:
    """ONE command: the update's registry evidence, pending restarts, and the CurrentState of its CBS package."""
    package = (("cbs_package", query_command(f"{CBS_PACKAGES}\\{identity}", "CurrentState")),) if identity else ()
    return sections_line((*package, *KB_SECTIONS, *REBOOT_SECTIONS))


def parse_state(stdout: str) -> ServicingState:
    sections = split_sections(stdout)
    state: int | None = None
    package = sections.get("cbs_package")
    if package is not None and package.ok:
        key = first_key(package.text)
        value = key.value("CurrentState") if key else None
        state = value.as_int() if value else None
    return ServicingState(kb_recorded(sections), state, tuple(reboot_reasons(sections)))


def meaning(code: int) -> str:
    """`exit 3010 (0x00000BC2: ERROR_SUCCESS_REBOOT_REQUIRED: …)`, or the code verbatim and "not documented"."""
    unsigned = code & 0xFFFFFFFF
    known = EXIT_MEANINGS.get(unsigned)
    return f"exit {code} (0x{unsigned:08X}: {known or 'a code with no documented meaning for this installer'})"


def decide(
    installer: str,
    installed_before: bool,
    after: ServicingState,
    exit_code: int,
    log_path: str,
    removing: bool = False,
    restart_by_catalog: bool = True,
) -> Outcome:
    """The outcome from the state before and after; the exit code only informs the message (and tells a package
    that does not apply from other failures when the host records nothing)."""
    code = f"{installer} {meaning(exit_code)}"
    state = _describe(after)
    restart = bool(after.pending) or (exit_code & 0xFFFFFFFF) in _RESTART_CODES
    if removing:
        gone = after.cbs_state in _REMOVED if after.cbs_state is not None else not after.recorded
        if gone and installed_before:
            restart = restart or after.cbs_state == UNINSTALL_PENDING or restart_by_catalog
            return Outcome(Result.REMOVED, True, restart, exit_code, f"removed ({state}); {code}")
        return _failed(Result.FAILED, exit_code, f"the host still records the update ({state}); {code}", log_path)
    present = after.cbs_state in _INSTALLED if after.cbs_state is not None else after.recorded
    if present and installed_before:
        return Outcome(
            Result.ALREADY_INSTALLED, False, bool(after.pending), exit_code, f"already installed ({state}); {code}"
        )
    if present:
        restart = restart or after.cbs_state == INSTALL_PENDING or restart_by_catalog
        return Outcome(Result.INSTALLED, True, restart, exit_code, f"installed ({state}); {code}")
    kind = Result.NOT_APPLICABLE if (exit_code & 0xFFFFFFFF) == CBS_E_NOT_APPLICABLE else Result.FAILED
    return _failed(kind, exit_code, f"the host records no installed update afterwards ({state}); {code}", log_path)


def _failed(kind: Result, exit_code: int, text: str, log_path: str) -> Outcome:
    if kind is Result.NOT_APPLICABLE:
        text = f"not applicable to this host: wrong product or architecture, or a superseding update; {text}"
    return Outcome(kind, False, False, exit_code, f"{text}; see {log_path} on the host")


def _describe(after: ServicingState) -> str:
    parts = []
    if after.cbs_state is not None:
        name = CBS_STATES.get(after.cbs_state, "an undocumented state")
        parts.append(f"CBS package state {name} (0x{after.cbs_state:X})")
    else:
        parts.append("the registry records KB2748349" if after.recorded else "no registry record of KB2748349")
    if after.pending:
        parts.append(f"restart pending: {', '.join(after.pending)}")
    return "; ".join(parts)
