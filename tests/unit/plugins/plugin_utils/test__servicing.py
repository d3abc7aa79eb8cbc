"""Whether an install took, decided from the host's state after it; the exit code reported verbatim."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from probe_samples import reg_output, section

from ansible_collections.winfix.volsnap.plugins.plugin_utils._servicing import (
    Result,
    ServicingState,
    decide,
    meaning,
    parse_state,
    state_command,
)

IDENTITY = "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0"
CBS = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
LOG = r"C:\Windows\Logs\DISM\dism.log"


def state_output(current_state: str | None, pending: bool = False, xp: bool = False) -> str:
    key = rf"{CBS}\Packages\{IDENTITY}"
    parts = []
    if not xp:
        found = current_state is not None
        body = reg_output(key, [("CurrentState", "REG_DWORD", current_state or "")]) if found else ""
        parts.append(section("cbs_package", body, found))
        listing = (
            f"\r\n{key}\r\n\r\nEnd of search: 1 match(es) found.\r\n"
            if found
            else "\r\nEnd of search: 0 match(es) found.\r\n"
        )
        parts.append(section("kb_cbs", listing, found))
    parts += [
        section("kb_2003_updates", "", False),
        section("kb_2003_hotfix", "", False),
        section("cbs_reboot_pending", reg_output(CBS + r"\RebootPending", []) if pending else "", pending),
        section("wu_reboot_required", "", False),
        section("pending_file_renames", "", False),
        section("update_exe_volatile", "", False),
        section("update_exe_volatile_flags", "", False),
    ]
    return "".join(parts)


def test_the_state_command_asks_for_the_package_named_by_the_msu() -> None:
    line = state_command(IDENTITY)
    packages = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"
    assert f'reg query "{packages}\\{IDENTITY}" /v CurrentState' in line
    assert "UpdateExeVolatile" in line and "RebootPending" in line
    assert "cbs_package" not in state_command(None)


def test_install_pending_is_installed_and_waits_for_a_restart() -> None:
    after = parse_state(state_output("0x60", pending=True))
    assert after == ServicingState(True, 0x60, ("Component Based Servicing RebootPending",))
    outcome = decide("dism", False, after, 3010, LOG)
    assert (outcome.result, outcome.changed, outcome.restart_required) == (Result.INSTALLED, True, True)
    assert "Install Pending (0x60)" in outcome.message
    assert "exit 3010 (0x00000BC2: ERROR_SUCCESS_REBOOT_REQUIRED" in outcome.message


def test_exit_0_with_nothing_installed_is_a_failure() -> None:
    outcome = decide("pkgmgr", False, parse_state(state_output(None)), 0, LOG)
    assert outcome.result is Result.FAILED and not outcome.changed and not outcome.restart_required
    assert "records no installed update" in outcome.message and LOG in outcome.message


def test_a_failure_code_with_the_update_in_place_is_installed() -> None:
    outcome = decide("pkgmgr", False, parse_state(state_output("0x70")), 1603, LOG)
    assert outcome.result is Result.INSTALLED and "exit 1603 (0x00000643: ERROR_INSTALL_FAILURE" in outcome.message


def test_staged_is_not_installed() -> None:
    outcome = decide("dism", False, parse_state(state_output("0x40")), 0, LOG)
    assert outcome.result is Result.FAILED and "Staged (0x40)" in outcome.message


def test_not_applicable_is_told_by_the_code_only_when_nothing_was_installed() -> None:
    outcome = decide("dism", False, parse_state(state_output(None)), -2146498530, LOG)
    assert outcome.result is Result.NOT_APPLICABLE and "CBS_E_NOT_APPLICABLE" in outcome.message
    already = decide("dism", True, parse_state(state_output("0x70")), 0x800F081E, LOG)
    assert already.result is Result.ALREADY_INSTALLED and not already.changed


@pytest.mark.parametrize("code", [2359302, 0x80240017])
def test_windows_update_agent_codes_are_reported_for_what_they_are_and_decide_nothing(code: int) -> None:
    outcome = decide("update_exe", False, parse_state(state_output(None, xp=True)), code, LOG)
    assert outcome.result is Result.FAILED
    assert "Windows Update agent (wusa) code" in outcome.message and str(code) in outcome.message


def test_unknown_codes_are_verbatim() -> None:
    assert meaning(-1) == "exit -1 (0xFFFFFFFF: a code with no documented meaning for this installer)"
    assert meaning(1) == "exit 1 (0x00000001: a code with no documented meaning for this installer)"


def test_2003_is_decided_by_the_updates_key_and_update_exe_volatile() -> None:
    text = (
        state_output(None, xp=True)
        .replace(
            "@@volsnap kb_2003_updates\r\n@@volsnap-rc 1",
            "@@volsnap kb_2003_updates\r\n"
            + reg_output(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\Windows Server 2003\SP3\KB2748349", [], True)
            + "@@volsnap-rc 0",
        )
        .replace(
            "@@volsnap update_exe_volatile_flags\r\n@@volsnap-rc 1",
            "@@volsnap update_exe_volatile_flags\r\n"
            + reg_output(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\UpdateExeVolatile",
                [("Flags", "REG_DWORD", "0x1")],
                True,
            )
            + "@@volsnap-rc 0",
        )
    )
    after = parse_state(text)
    assert after.recorded and after.cbs_state is None and after.pending == ("UpdateExeVolatile\\Flags=1 (update.exe)",)
    outcome = decide("update_exe", False, after, 3010, r"C:\WINDOWS\Temp\w\install.log", restart_by_catalog=False)
    assert outcome.result is Result.INSTALLED and outcome.restart_required


def test_removal_is_decided_by_the_package_state() -> None:
    gone = decide("dism", True, parse_state(state_output("0x5", pending=True)), 3010, LOG, removing=True)
    assert (gone.result, gone.changed, gone.restart_required) == (Result.REMOVED, True, True)
    stuck = decide("dism", True, parse_state(state_output("0x70")), 0, LOG, removing=True)
    assert stuck.result is Result.FAILED and "still records the update" in stuck.message


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_the_state_reader_never_raises(text: str) -> None:
    parse_state(text)
