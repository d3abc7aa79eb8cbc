"""Which fixed file a package installs, by the volsnap.sys line the host carries (docs/versions.md's lines)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from test_host import PACKAGES, host, run, shell_of

from winlab.host.shell import SimulatedHost
from winlab.host.tools_servicing import NOT_APPLICABLE, SUCCESS_RESTART, host_branch, host_family
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
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == NOT_APPLICABLE
    assert not h.machine.staged_files and not h.machine.kb_installed("KB2748349")


def test_the_merged_line_below_the_ldr_fix_gets_the_ldr_file() -> None:
    h = host(**{**W2008_MERGED, "volsnap_version": "6.0.6002.22500"}, faults={"restart_takes_s": 0.1})
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == SUCCESS_RESTART
    _restart(h)
    assert h.machine.volsnap_version() == "6.0.6002.22913"


def test_the_2003_x64_package_is_refused_on_xp_x64() -> None:
    for profile, code in ((XP_X64, NOT_APPLICABLE), (W2003_R2, SUCCESS_RESTART)):
        h = host(**profile)
        exe = r"C:\Windows\Temp\WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe"
        h.machine.files.write(exe, PACKAGES["WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe"])
        assert run(shell_of(h), rf'"{exe}" /quiet /norestart')[2] == code


def test_sbs_2008_is_a_2008_host_on_the_gdr_branch() -> None:
    h = host(**SBS2008)
    assert (host_family(h.machine), host_branch(h.machine)) == ("vista_2008", "GDR")
    assert _pkgmgr(h, "Windows6.0-KB2748349-x64.msu") == SUCCESS_RESTART
