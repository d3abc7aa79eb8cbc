"""Installer command lines, restart plans, checksums, cmd quoting, transfer helpers."""

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
    install_command,
    needs_expand,
    removal_command,
    workspace,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._msu import MsuPackage
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
    upload_plan,
)

HEX = "ab" * 32


MSU = MsuPackage("Windows6.0-KB2748349-x64.cab", "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.0.1.0")
WORK = r"C:\Windows\Temp\winfix-volsnap-1"


def test_2003_runs_the_package_itself_with_its_log() -> None:
    space = workspace("WindowsServer2003-KB2748349-x86-ENU.exe", WORK)
    assert install_command("update_exe", space) == (
        f'"{WORK}\\WindowsServer2003-KB2748349-x86-ENU.exe" /quiet /norestart /log:"{WORK}\\install.log"'
    )
    assert not needs_expand("update_exe")
    assert removal_command("update_exe", space, r"C:\WINDOWS") == (
        r'"C:\WINDOWS\$NtUninstallKB2748349$\spuninst\spuninst.exe" /quiet /norestart'
    )


def test_vista_installs_the_inner_cab_named_by_the_xml_with_its_own_sandbox() -> None:
    space = workspace("site-renamed.msu", WORK)  # the .msu's own name says nothing about its cabinet
    expand = space.expand_command("pkgmgr")
    assert expand == (
        f'mkdir "{WORK}\\expanded" && mkdir "{WORK}\\sandbox" && expand -F:* "{WORK}\\site-renamed.msu" '
        f'"{WORK}\\expanded" && type "{WORK}\\expanded\\*.xml"'
    )
    assert install_command("pkgmgr", space, MSU) == (
        f"start /w pkgmgr /ip /m:{WORK}\\expanded\\Windows6.0-KB2748349-x64.cab /s:{WORK}\\sandbox /quiet /norestart"
    )
    # KB940410: /up: takes the package name, never with /m:.
    assert removal_command("pkgmgr", space, r"C:\Windows", MSU) == (
        "start /w pkgmgr /up:Package_for_KB2748349~31bf3856ad364e35~amd64~~6.0.1.0 /quiet /norestart"
    )


def test_windows_7_uses_dism_on_the_inner_cab() -> None:
    space = workspace("Windows6.1-KB2748349-ia64.msu", WORK)
    msu = MsuPackage("Windows6.1-KB2748349-ia64.cab", None)
    assert install_command("dism", space, msu) == (
        f"dism.exe /online /add-package /packagepath:{WORK}\\expanded\\Windows6.1-KB2748349-ia64.cab /quiet /norestart"
    )
    assert "/remove-package /packagepath:" in removal_command("dism", space, r"C:\Windows", msu)


def test_no_plan_uses_wusa_and_bad_inputs_are_refused() -> None:
    space = workspace("x.msu", WORK)
    with pytest.raises(ValueError):
        install_command("wusa", space, MSU)
    with pytest.raises(ValueError, match="needs the package named by"):
        install_command("dism", space)
    with pytest.raises(UnsafeArgumentError, match="cannot follow an installer switch unquoted"):
        install_command("dism", workspace("x.msu", r"C:\My Temp\w"), MSU)
    with pytest.raises(UnsafeArgumentError, match="no package identity"):
        removal_command("pkgmgr", space, r"C:\Windows", MsuPackage("a.cab", None))


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
    decode = plan.decode_and_hash_command()
    assert " -f " not in decode  # -f on 2003's certutil is unconfirmed; the staging names are new each time
    assert decode.endswith(
        r'&& (certutil -hashfile "C:\Windows\Temp\x.msu.abcd.part" SHA256 || '
        r'certutil -hashfile "C:\Windows\Temp\x.msu.abcd.part")'
    )
    text = "-----BEGIN CERTIFICATE-----\r\n" + base64.b64encode(b"hello").decode() + "\r\n-----END CERTIFICATE-----\r\n"
    assert decode_certutil_text(text) == b"hello"
    with pytest.raises(ValueError):
        decode_certutil_text("-----BEGIN-----\r\n!!!!\r\n")
