"""Which fixed file a package installs, by the volsnap.sys line the host carries (docs/versions.md's lines)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from test_host import PACKAGES, host, run, shell_of

from winlab.host.shell import SimulatedHost
from winlab.host.tools_servicing import (
    CBS_E_NOT_APPLICABLE,
    SUCCESS_RESTART,
    UPDATE_EXE_REFUSED,
    host_branch,
    host_family,
)
from winlab.samples import (
    HYPERV_R2,
    SBS2008,
    W7_SP1_ESU,
    W2003,
    W2003_LATER,
    W2003_R2,
    W2008,
    W2008_6003,
    W2008_6003_OLD_FILE,
    W2008_MERGED,
    WES7,
    XP_X64,
)


@pytest.mark.parametrize(
    ("profile", "family", "branch"),
    [
        ({**W2008, "volsnap_version": "6.0.6002.18005"}, "vista_2008", "GDR"),
        ({**W2008, "volsnap_version": "6.0.6002.19999"}, "vista_2008", "GDR"),
        ({**W2008, "volsnap_version": "6.0.6002.20000"}, "vista_2008", "LDR"),
        ({**W2008, "volsnap_version": "6.0.6002.22500"}, "vista_2008", "LDR"),
        (W2008_MERGED, "vista_2008", "LDR"),  # the merged rollup line continues LDR
        ({**W2008, "volsnap_version": "6.0.6002.24565"}, "vista_2008", "LDR"),
        ({**W2008, "volsnap_version": "6.0.6002.17999"}, "vista_2008", None),
        ({**W2008, "build": 6001, "volsnap_version": "6.0.6001.18000"}, "vista_2008", None),  # SP2 first
        (W2008_6003, "vista_2008", None),  # 6.0.6003 files never need it
        (W2008_6003_OLD_FILE, "vista_2008", "GDR"),
        ({}, "7_2008r2", "GDR"),
        ({"volsnap_version": "6.1.7600.19999"}, "7_2008r2", "GDR"),
        ({"volsnap_version": "6.1.7600.20000"}, "7_2008r2", "LDR"),
        (HYPERV_R2, "7_2008r2", "GDR"),
        (WES7, "7_2008r2", "GDR"),
        (W7_SP1_ESU, "7_2008r2", None),
        (W2003, "2003", "single"),
        (W2003_LATER, "2003", "single"),
        ({**W2003, "csd_version": "Service Pack 1", "volsnap_version": "5.2.3790.1830"}, "2003", None),
        ({**W2003, "volsnap_version": "5.2.3790.3958"}, "2003", None),
    ],
)
def test_family_and_branch_from_the_installed_file(profile: dict[str, Any], family: str, branch: str | None) -> None:
    machine = host(**profile).machine
    assert (host_family(machine), host_branch(machine)) == (family, branch)


def _pkgmgr(h: SimulatedHost, name: str) -> int:
    sh = shell_of(h)
    path = rf"C:\Windows\Temp\{name}"
    h.machine.files.write(path, PACKAGES[name])
    run(sh, r"mkdir C:\Windows\Temp\x")
    assert run(sh, rf'expand -F:* "{path}" C:\Windows\Temp\x')[2] == 0
    return run(sh, rf"start /w pkgmgr /ip /m:C:\Windows\Temp\x\{name[:-4]}.cab /quiet /norestart")[2]


def _restart(h: SimulatedHost) -> None:
    assert run(shell_of(h), "shutdown /r /t 0 /d p:2:17")[2] == 0
    deadline = time.monotonic() + 5
    while h.availability().value != "up" and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_6003_host_with_an_old_6002_gdr_file_gets_the_gdr_fix() -> None:
    h = host(**W2008_6003_OLD_FILE, faults={"restart_takes_s": 0.1})
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == SUCCESS_RESTART
    _restart(h)
    assert h.machine.volsnap_version() == "6.0.6002.18679"


@pytest.mark.parametrize("profile", [W2008_6003, W2008_MERGED, {**W2008, "volsnap_version": "6.0.6002.19214"}])
def test_a_file_at_or_above_the_fix_is_never_replaced(profile: dict[str, Any]) -> None:
    h = host(**profile)
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == CBS_E_NOT_APPLICABLE
    assert not h.machine.staged_files and not h.machine.kb_installed("KB2748349")


def test_the_merged_line_below_the_ldr_fix_gets_the_ldr_file() -> None:
    h = host(**{**W2008_MERGED, "volsnap_version": "6.0.6002.22500"}, faults={"restart_takes_s": 0.1})
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == SUCCESS_RESTART
    _restart(h)
    assert h.machine.volsnap_version() == "6.0.6002.22913"


def test_the_2003_x64_package_is_refused_on_xp_x64() -> None:
    for profile, code in ((XP_X64, UPDATE_EXE_REFUSED), (W2003_R2, SUCCESS_RESTART)):
        h = host(**profile)
        exe = r"C:\Windows\Temp\WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe"
        h.machine.files.write(exe, PACKAGES["WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe"])
        assert run(shell_of(h), rf'"{exe}" /quiet /norestart')[2] == code


def test_sbs_2008_is_a_2008_host_on_the_gdr_branch() -> None:
    h = host(**SBS2008)
    assert (host_family(h.machine), host_branch(h.machine)) == ("vista_2008", "GDR")
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == SUCCESS_RESTART


VISTA_MSU = "Windows6.0-KB2748349-x64.msu"
VISTA_CAB = r"C:\Windows\Temp\x\Windows6.0-KB2748349-x64.cab"
VISTA_ID = "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.0.1.0"
CBS_KEY = rf"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages\{VISTA_ID}"


def _expanded(profile: dict[str, Any] | None = None) -> tuple[SimulatedHost, Any]:
    h = host(**(profile or {**W2008, "arch": "AMD64"}), faults={"restart_takes_s": 0.1})
    sh = shell_of(h)
    h.machine.files.write(rf"C:\Windows\Temp\{VISTA_MSU}", PACKAGES[VISTA_MSU])
    assert run(sh, rf"mkdir C:\Windows\Temp\x && expand -F:* C:\Windows\Temp\{VISTA_MSU} C:\Windows\Temp\x")[2] == 0
    return h, sh


def _nothing_installed(h: SimulatedHost) -> bool:
    return (
        not h.machine.staged_files and not h.machine.kb_installed("KB2748349") and h.machine.cbs_state(CBS_KEY) is None
    )


@pytest.mark.parametrize(
    "line",
    [
        r"start /w pkgmgr /ip /m:C:\Windows\Temp\x /quiet /norestart",  # the folder expand made: no documented form
        r"start /w pkgmgr /ip /m:C:\Windows\Temp\x\WSUSSCAN.cab /quiet /norestart",
        r"start /w pkgmgr /ip /quiet /norestart",
        rf"start /w pkgmgr /ip /m:{VISTA_CAB} /s:C:\Windows\Temp\x /quiet /norestart",  # a sandbox that is not empty
    ],
)
def test_pkgmgr_refuses_what_no_documented_form_covers_and_installs_nothing(line: str) -> None:
    h, sh = _expanded()
    code = run(sh, line)[2]
    assert code not in (0, SUCCESS_RESTART, 2359302, 0x80240017)
    assert _nothing_installed(h)


def test_pkgmgr_installs_the_inner_cab_into_an_empty_sandbox_and_cbs_finishes_at_the_restart() -> None:
    h, sh = _expanded()
    run(sh, r"mkdir C:\Windows\Temp\sandbox")
    line = rf"start /w pkgmgr /ip /m:{VISTA_CAB} /s:C:\Windows\Temp\sandbox /quiet /norestart"
    assert run(sh, line)[2] == SUCCESS_RESTART
    assert h.machine.cbs_state(CBS_KEY) == 0x60  # Install Pending
    assert h.machine.registry.key(
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending"
    )
    assert run(sh, line.replace("sandbox", "sandbox2"))[2] == 0  # already installed: 0, and nothing changed
    _restart(h)
    assert h.machine.cbs_state(CBS_KEY) == 0x70 and h.machine.volsnap_version() == "6.0.6002.18679"


def test_pkgmgr_unpacked_folder_and_unattend_forms() -> None:
    _h, sh = _expanded()
    run(sh, rf"mkdir C:\Windows\Temp\unpacked && expand -F:* {VISTA_CAB} C:\Windows\Temp\unpacked")
    assert run(sh, r"start /w pkgmgr /ip /m:C:\Windows\Temp\unpacked /quiet /norestart")[2] == SUCCESS_RESTART
    other, osh = _expanded()
    assert run(osh, r"start /w pkgmgr /n:C:\Windows\Temp\x\Windows6.0-KB2748349-x64.xml /quiet")[2] == SUCCESS_RESTART
    assert other.machine.cbs_state(CBS_KEY) == 0x60


def test_pkgmgr_removes_by_package_name_never_with_m() -> None:
    h, sh = _expanded()
    assert run(sh, rf"start /w pkgmgr /ip /m:{VISTA_CAB} /quiet /norestart")[2] == SUCCESS_RESTART
    _restart(h)
    sh = shell_of(h)  # the old shell ended with the restart
    assert run(sh, rf"start /w pkgmgr /up:{VISTA_ID} /m:{VISTA_CAB} /quiet")[2] == 87  # KB940410
    assert run(sh, rf"start /w pkgmgr /up:{VISTA_ID} /quiet /norestart")[2] == SUCCESS_RESTART
    assert h.machine.cbs_state(CBS_KEY) == 0x5  # Uninstall Pending
    _restart(h)
    assert h.machine.cbs_state(CBS_KEY) is None and not h.machine.kb_installed("KB2748349")


@pytest.mark.parametrize(
    ("profile", "package", "tool"),
    [
        (W2003, "WindowsServer2003-KB2748349-x86-ENU.exe", "exe"),
        (W2003, "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe", "exe"),  # another architecture
        ({**W2008, "arch": "AMD64"}, VISTA_MSU, "pkgmgr"),
        ({**W2008, "arch": "x86"}, VISTA_MSU, "pkgmgr"),  # another architecture
    ],
)
def test_installers_never_answer_with_windows_update_agent_codes(
    profile: dict[str, Any], package: str, tool: str
) -> None:
    h = host(**profile)
    sh = shell_of(h)
    root = h.machine.windows_root
    h.machine.files.write(rf"{root}\Temp\{package}", PACKAGES[package])
    if tool == "exe":
        line = rf'"{root}\Temp\{package}" /quiet /norestart'
    else:
        run(sh, rf"mkdir {root}\Temp\x && expand -F:* {root}\Temp\{package} {root}\Temp\x")
        line = rf"start /w pkgmgr /ip /m:{root}\Temp\x\{package[:-4]}.cab /quiet /norestart"
    codes = [run(sh, line)[2] for _ in range(2)]  # the second run meets an installed update (or refuses again)
    assert not {2359302, 0x80240017} & set(codes), codes


def test_update_exe_marks_the_restart_in_the_key_form() -> None:
    h = host(**W2003)
    exe = r"C:\WINDOWS\Temp\WindowsServer2003-KB2748349-x86-ENU.exe"
    h.machine.files.write(exe, PACKAGES["WindowsServer2003-KB2748349-x86-ENU.exe"])
    assert run(shell_of(h), rf'"{exe}" /quiet /norestart')[2] == SUCCESS_RESTART
    key = h.machine.registry.key(r"HKLM\SOFTWARE\Microsoft\Updates\UpdateExeVolatile")
    assert key is not None and key.values["flags"].data == "0x1"


def test_type_prints_every_file_a_wildcard_matches() -> None:
    _h, sh = _expanded()
    out, _, rc = run(sh, r'type "C:\Windows\Temp\x\*.xml"')
    assert rc == 0 and b'<source location="%configsetroot%\\Windows6.0-KB2748349-x64.cab" />' in out
    assert run(sh, r'type "C:\Windows\Temp\x\*.none"')[2] == 1
