"""Installer plans per family and architecture, removal plans, work folders, and the exit-code table."""

from __future__ import annotations

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError
from ansible_collections.winfix.volsnap.plugins.plugin_utils._install import (
    Installer,
    Result,
    install_plan,
    installer_for_family,
    interpret_exit_code,
    removal_plan,
    work_directory,
)

WORK = r"C:\Documents and Settings\admin\Local Settings\Temp\winfix-volsnap-a1b2c3d4"
LOG = WORK + ".log"


# (code as the host may report it, result, restart required)
EXIT_CODES = [
    (0, Result.INSTALLED, False),
    (3010, Result.INSTALLED, True),
    (1641, Result.INSTALLED, True),
    (3011, Result.INSTALLED, True),
    (2359302, Result.ALREADY_INSTALLED, False),
    (0x240006, Result.ALREADY_INSTALLED, False),
    (-2145124329, Result.NOT_APPLICABLE, False),
    (2149842967, Result.NOT_APPLICABLE, False),
    (0x80240017, Result.NOT_APPLICABLE, False),
    (0x800F081E, Result.NOT_APPLICABLE, False),
    (-2146498530, Result.NOT_APPLICABLE, False),
    (2148468766, Result.NOT_APPLICABLE, False),
]


@pytest.mark.parametrize(("code", "result", "restart"), EXIT_CODES)
def test_exit_code_table(code: int, result: Result, restart: bool) -> None:
    outcome = interpret_exit_code(code, "dism", LOG)
    assert (outcome.result, outcome.restart_required, outcome.exit_code) == (result, restart, code)
    assert outcome.changed is (result is Result.INSTALLED)
    assert outcome.restart_initiated is (code == 1641)


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        (1603, "exit code 1603 (0x00000643): fatal error"),
        (-2147024891, "exit code -2147024891 (0x80070005): access denied"),
        (2147942405, "exit code 2147942405 (0x80070005)"),
        (424242, "exit code 424242 (0x00067932); see"),
        (-1, "exit code -1 (0xFFFFFFFF)"),
    ],
)
def test_unknown_codes_are_failures_reported_verbatim_with_the_log(code: int, shown: str) -> None:
    outcome = interpret_exit_code(code, "pkgmgr", LOG)
    assert outcome.result is Result.FAILED and not outcome.changed and not outcome.restart_required
    assert shown in outcome.message and outcome.message.endswith(f"see {LOG} on the host")


def test_removal_codes() -> None:
    assert interpret_exit_code(3010, "spuninst", LOG, removing=True).result is Result.REMOVED
    # "already installed" / "not applicable" mean nothing sensible for a removal: report them as failures.
    assert interpret_exit_code(0x240006, "dism", LOG, removing=True).result is Result.FAILED
    assert interpret_exit_code(0x800F081E, "dism", LOG, removing=True).result is Result.FAILED


@pytest.mark.parametrize(
    ("family", "installer"), [("2003", "update_exe"), ("vista_2008", "pkgmgr"), ("7_2008r2", "dism")]
)
def test_installer_per_family(family: str, installer: str) -> None:
    assert installer_for_family(family) == installer
    with pytest.raises(ValueError, match="'xp'"):
        installer_for_family("xp")


@pytest.mark.parametrize(
    "package",
    [
        "WindowsServer2003-KB2748349-x86-ENU.exe",
        "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe",
        "WindowsServer2003.WindowsXP-KB2748349-ia64-ENU.exe",
    ],
)
def test_2003_runs_the_update_exe_with_a_log(package: str) -> None:
    plan = install_plan("update_exe", package, WORK)
    assert plan.package_path == f"{WORK}\\{package}"
    assert [s.command for s in plan.steps] == [f'"{WORK}\\{package}" /quiet /norestart /log:"{LOG}"']
    assert plan.steps[0].is_installer and plan.log_path == LOG


@pytest.mark.parametrize("arch", ["x86", "x64", "ia64"])
def test_vista_2008_expands_then_pkgmgr_waits(arch: str) -> None:
    package = f"Windows6.0-KB2748349-{arch}.msu"
    plan = install_plan("pkgmgr", package, WORK)
    expand, install = plan.steps
    assert expand.command == f'mkdir "{WORK}\\expanded" && expand -F:* "{WORK}\\{package}" "{WORK}\\expanded"'
    assert not expand.is_installer and install.is_installer
    assert install.command == f'start /w pkgmgr /ip /m:"{WORK}\\expanded" /quiet /norestart /l:"{LOG}"'


@pytest.mark.parametrize("arch", ["x86", "x64", "ia64"])
def test_7_2008r2_expands_then_dism_adds_the_inner_cab(arch: str) -> None:
    plan = install_plan("dism", f"Windows6.1-KB2748349-{arch}.msu", WORK)
    assert plan.steps[1].command == (
        f'dism.exe /online /add-package /packagepath:"{WORK}\\expanded\\Windows6.1-KB2748349-{arch}.cab" '
        f'/quiet /norestart /logpath:"{LOG}"'
    )


def test_never_wusa_and_unknown_installers_refused() -> None:
    plans = [install_plan(kind, "Windows6.1-KB2748349-x64.msu", WORK) for kind in Installer]
    assert all("wusa" not in step.command.lower() for plan in plans for step in plan.steps)
    with pytest.raises(ValueError, match="'wusa'"):
        install_plan("wusa", "Windows6.1-KB2748349-x64.msu", WORK)


@pytest.mark.parametrize("package", ["..\\evil.msu", "a&b.msu", "%TEMP%.msu", "update.bat", ""])
def test_package_names_that_are_not_plain_file_names_are_refused(package: str) -> None:
    with pytest.raises(UnsafeArgumentError):
        install_plan("dism", package, WORK)


def test_rollback_plans() -> None:
    dism = removal_plan("dism", "Windows6.1-KB2748349-x64.msu", WORK, r"C:\Windows")
    assert dism.steps[0].command.startswith("mkdir") and dism.package_path.endswith("x64.msu")
    assert dism.steps[1].command == (
        f'dism.exe /online /remove-package /packagepath:"{WORK}\\expanded\\Windows6.1-KB2748349-x64.cab" '
        f'/quiet /norestart /logpath:"{LOG}"'
    )
    pkgmgr = removal_plan("pkgmgr", "Windows6.0-KB2748349-x86.msu", WORK, r"C:\Windows")
    assert pkgmgr.steps[1].command == f'start /w pkgmgr /up /m:"{WORK}\\expanded" /quiet /norestart /l:"{LOG}"'
    spuninst = removal_plan("update_exe", "WindowsServer2003-KB2748349-x86-ENU.exe", WORK, "C:\\WINDOWS\\")
    assert spuninst.package_path == ""  # nothing to transfer
    assert [s.command for s in spuninst.steps] == [
        r'"C:\WINDOWS\$NtUninstallKB2748349$\spuninst\spuninst.exe" /quiet /norestart'
    ]


def test_work_folder_is_unique_under_temp_and_cleaned_up() -> None:
    temp = r"C:\Documents and Settings\admin\Local Settings\Temp"
    assert work_directory(temp, "a1b2c3d4") == WORK
    assert work_directory(temp + "\\", "a1b2c3d4") == WORK
    assert work_directory(temp, "a1b2c3d4") != work_directory(temp, "e5f6a7b8")
    for bad_token in ("", "ab", "..\\x1234", "a b c d"):
        with pytest.raises(UnsafeArgumentError):
            work_directory(temp, bad_token)
    with pytest.raises(UnsafeArgumentError):
        work_directory(r"C:\Users\%USERNAME%\Temp", "a1b2c3d4")
    plan = install_plan("dism", "Windows6.1-KB2748349-x64.msu", WORK)
    assert plan.prepare_command() == f'mkdir "{WORK}"'
    assert plan.cleanup_commands(keep_log=True) == (f'rmdir /s /q "{WORK}"',)
    assert plan.cleanup_commands(keep_log=False) == (f'rmdir /s /q "{WORK}"', f'del /f /q "{LOG}"')
    assert not plan.log_path.startswith(WORK + "\\")  # the log outlives the folder for a failure to point at
