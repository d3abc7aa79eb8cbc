"""Installer plans and exit codes, restart plans, checksums, cmd quoting, transfer helpers."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    expected_sha256,
    parse_sha256sums,
    verify,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, check_name, quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._install import (
    Result,
    install_plan,
    interpret_exit_code,
    removal_plan,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import (
    date_format_from_short_date,
    max_delay,
    shutdown_command,
    task_create_v1,
    task_xml_v2,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import (
    base64_lines,
    decode_certutil_text,
    parse_hashfile,
    upload_plan,
)

HEX = "ab" * 32


@pytest.mark.parametrize(
    ("code", "result", "restart"),
    [
        (0, Result.INSTALLED, False),
        (3010, Result.INSTALLED, True),
        (3011, Result.INSTALLED, True),
        (1641, Result.INSTALLED, True),
        (2359302, Result.ALREADY_INSTALLED, False),
        (-2145124329, Result.NOT_APPLICABLE, False),
        (2149842967, Result.NOT_APPLICABLE, False),
        (0x800F081E, Result.NOT_APPLICABLE, False),
        (-2146498530, Result.NOT_APPLICABLE, False),
        (1603, Result.FAILED, False),
        (-2147024894, Result.FAILED, False),
    ],
)
@pytest.mark.fault("installer-exit-codes")
def test_exit_codes(code: int, result: Result, restart: bool) -> None:
    outcome = interpret_exit_code(code, "dism", r"C:\Windows\Temp\w\install.log")
    assert (outcome.result, outcome.restart_required) == (result, restart)
    if result is Result.FAILED:
        assert str(code) in outcome.message and "install.log" in outcome.message


def test_plans_per_family_never_use_wusa() -> None:
    work = r"C:\Windows\Temp\winfix-volsnap-1"
    exe = install_plan("update_exe", "WindowsServer2003-KB2748349-x86-ENU.exe", work)
    assert exe.steps[0].command.startswith(f'"{work}\\WindowsServer2003-KB2748349-x86-ENU.exe" /quiet /norestart')
    vista = install_plan("pkgmgr", "Windows6.0-KB2748349-x64.msu", work)
    assert [s.command.split()[0] for s in vista.steps] == ["mkdir", "start"]
    assert "pkgmgr /ip" in vista.steps[1].command and vista.steps[1].is_installer
    win7 = install_plan("dism", "Windows6.1-KB2748349-ia64.msu", work)
    assert "Windows6.1-KB2748349-ia64.cab" in win7.steps[1].command and "/add-package" in win7.steps[1].command
    assert all("wusa" not in step.command.lower() for plan in (exe, vista, win7) for step in plan.steps)
    assert win7.workdir == work and win7.package_path.startswith(work + "\\")
    with pytest.raises(ValueError):
        install_plan("wusa", "x.msu", work)


def test_removal_plans() -> None:
    work = r"C:\Windows\Temp\w"
    assert "spuninst.exe" in removal_plan("update_exe", "x.exe", work, r"C:\WINDOWS").steps[0].command
    assert (
        "/remove-package" in removal_plan("dism", "Windows6.1-KB2748349-x64.msu", work, r"C:\Windows").steps[1].command
    )
    assert "pkgmgr /up" in removal_plan("pkgmgr", "Windows6.0-KB2748349-x64.msu", work, r"C:\Windows").steps[1].command


def test_restart_limits_per_windows() -> None:
    assert max_delay(3790) == 600 and max_delay(6002) == 600 and max_delay(7600) == 315360000
    assert shutdown_command(600, "patch", 6002) == 'shutdown /r /f /t 600 /d p:2:17 /c "patch"'
    # Never /t 0 over WinRM: the answer must get out before the restart cuts the connection.
    assert shutdown_command(0, "patch", 6002) == 'shutdown /r /f /t 2 /d p:2:17 /c "patch"'
    with pytest.raises(UnsafeArgumentError):
        shutdown_command(601, "patch", 6002)
    with pytest.raises(UnsafeArgumentError):
        shutdown_command(0, "x" * 128, 3790)
    shutdown_command(0, "x" * 500, 7600)
    with pytest.raises(UnsafeArgumentError):
        shutdown_command(0, 'evil" & del C:\\x', 7600)


@pytest.mark.parametrize(
    ("short", "expected"),
    [("M/d/yyyy", "/sd 03/07/2026"), ("dd.MM.yyyy", "/sd 07.03.2026"), ("yyyy-MM-dd", "/sd 2026-03-07")],
)
def test_task_scheduler_1_uses_the_host_date_format(short: str, expected: str) -> None:
    command = task_create_v1("winfix restart", dt.datetime(2026, 3, 7, 23, 30), short)
    assert expected in command and "/st 23:30:00" in command and "/ru SYSTEM" in command and "/xml" not in command
    with pytest.raises(ValueError):
        date_format_from_short_date("nonsense")


def test_task_scheduler_2_xml_is_locale_proof() -> None:
    root = ET.fromstring(task_xml_v2(dt.datetime(2026, 3, 7, 23, 30), "a <b> & c").split("\n", 1)[1])
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert root.findtext(".//t:StartBoundary", namespaces=ns) == "2026-03-07T23:30:00"
    assert root.findtext(".//t:UserId", namespaces=ns) == "S-1-5-18"
    assert root.findtext(".//t:Description", namespaces=ns) == "a <b> & c"


def test_task_names_are_checked() -> None:
    with pytest.raises(UnsafeArgumentError):
        check_name('x" & shutdown /s', "task name")
    assert check_name("winfix-volsnap restart", "task name")


def test_checksums() -> None:
    sums = parse_sha256sums(f"# packages\n{HEX}  a.msu\n{'cd' * 32} *b.exe\n\n")
    assert expected_sha256("a.msu", sums) == HEX and expected_sha256("b.exe", sums) == "cd" * 32
    with pytest.raises(ChecksumError, match="line 1"):
        parse_sha256sums("not a checksum line")
    with pytest.raises(ChecksumError, match=r"no SHA-256 is listed for c\.msu"):
        expected_sha256("c.msu", sums)
    with pytest.raises(ChecksumError) as caught:
        verify("a.msu", "ef" * 32, HEX)
    assert "ef" * 32 in str(caught.value) and HEX in str(caught.value)


@pytest.mark.parametrize(
    "path",
    [r"C:\Temp\%PATH%.msu", r'C:\Temp\a".msu', "relative.msu", r"C:\Temp\*.msu", "C:\\Temp\\a\nb", r"\\server\share\x"],
)
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(UnsafeArgumentError):
        quote_path(path)


def test_safe_paths_are_quoted() -> None:
    assert quote_path(r"C:\My Dir\a&b^c(1).msu") == r'"C:\My Dir\a&b^c(1).msu"'


def test_transfer_helpers() -> None:
    data = bytes(range(256)) * 100
    pieces = list(base64_lines(data, 1000))
    assert len(pieces) > 1 and all(len(line) <= 78 for p in pieces for line in p.split(b"\r\n"))
    joined = b"".join(pieces).replace(b"\r\n", b"")
    assert b"".join(base64.b64decode(p.replace(b"\r\n", b"")) for p in pieces) == data and joined
    plan = upload_plan(r"C:\Windows\Temp\x.msu", "abcd")
    assert (
        plan.staging_b64.endswith(".abcd.b64")
        and plan.receive_command() == r'findstr "^" > "C:\Windows\Temp\x.msu.abcd.b64"'
    )
    spaced = "SHA256 hash of file x:\r\n" + " ".join(HEX[i : i + 2] for i in range(0, 64, 2)) + "\r\nCertUtil: done\r\n"
    assert parse_hashfile(spaced) == HEX and parse_hashfile(f"SHA256 hash of x:\n{HEX}\n") == HEX
    assert parse_hashfile("CertUtil: -hashfile command FAILED") is None
    text = "-----BEGIN CERTIFICATE-----\r\n" + base64.b64encode(b"hello").decode() + "\r\n-----END CERTIFICATE-----\r\n"
    assert decode_certutil_text(text) == b"hello"
    with pytest.raises(ValueError):
        decode_certutil_text("-----BEGIN-----\r\n!!!!\r\n")
