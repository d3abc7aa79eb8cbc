"""The simulated host and its cmd.exe, in-process through the api.py seam (formats checked byte for byte)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import pytest
from conftest import W2003

from winlab.host import create_host
from winlab.host.shell import LabShell, SimulatedHost
from winlab.packages import all_packages, read_cab, read_inner, read_update_exe, write_packages
from winlab.profile import load_config

PACKAGES = all_packages()


def host(clock_rate: float = 1.0, **fields: Any) -> SimulatedHost:
    (profile,) = load_config({"hosts": {"h": fields}}).hosts
    return create_host(profile, None, clock_rate)


def run(shell: LabShell, line: str, stdin: bytes = b"") -> tuple[bytes, bytes, int]:
    command = shell.start_command(line)
    if stdin:
        command.send_stdin(stdin, True)
    chunk = command.receive()
    assert chunk is not None and chunk.exit_code is not None
    return chunk.stdout, chunk.stderr, chunk.exit_code


def shell_of(h: SimulatedHost, codepage: int = 437) -> LabShell:
    return h.open_shell(codepage, None, {})


def test_reg_query_vista_format() -> None:
    out, _, rc = run(
        shell_of(host()), r'reg query "HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions" /v ProductType'
    )
    assert rc == 0
    assert out == (
        b"\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions\r\n"
        b"    ProductType    REG_SZ    WinNT\r\n\r\n"
    )


def test_reg_query_2003_format_has_header_and_tabs() -> None:
    out, _, rc = run(
        shell_of(host(**W2003)), r'reg query "HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions" /v ProductType'
    )
    assert rc == 0
    assert out.startswith(b"\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE")
    assert b"    ProductType\tREG_SZ\tServerNT\r\n" in out


def test_missing_key_exit_code_and_localised_error() -> None:
    _, err, rc = run(shell_of(host(locale="de-DE")), r'reg query "HKLM\SOFTWARE\Nope"')
    assert rc == 1 and err.decode("cp437").startswith("FEHLER:")


def test_wmic_value_format() -> None:
    line = r'wmic datafile where name="C:\\Windows\\System32\\drivers\\volsnap.sys" get Version /value < nul'
    out, _, rc = run(shell_of(host()), line)
    assert (out, rc) == (b"\r\r\n\r\r\nVersion=6.1.7600.16385\r\r\n\r\r\n\r\r\n", 0)


def test_wmic_single_backslash_is_an_invalid_query_and_absent_wmic_is_unknown() -> None:
    _, err, rc = run(shell_of(host()), r'wmic datafile where name="C:\Windows\x.sys" get Version /value')
    assert rc != 0 and b"Invalid query" in err
    _, err, rc = run(shell_of(host(wmic=False)), "wmic os get Caption /value")
    assert rc == 9009 and b"'wmic' is not recognized" in err


def test_operators_precedence_and_echo_spacing() -> None:
    sh = shell_of(host())
    out, _, _ = run(sh, "echo a & nosuch 2>nul && echo b || echo c")
    assert out == b"a \r\nc\r\n"
    out, _, _ = run(sh, "(echo x) & echo y")
    assert out == b"x\r\ny\r\n"


def test_variables_expand_once_before_the_line_runs() -> None:
    sh = shell_of(host())
    out, _, _ = run(sh, "nosuch 2>nul & echo %ERRORLEVEL%")
    assert out == b"0\r\n"  # the value from before the line, as cmd does
    run(sh, "nosuch 2>nul")
    out, _, _ = run(sh, "echo %ERRORLEVEL% %NOT_DEFINED% %SystemRoot:\\=/%")
    assert out == b"9009 %NOT_DEFINED% C:/Windows\r\n"


def test_redirection_quotes_and_caret() -> None:
    sh = shell_of(host())
    run(sh, r'echo a^&b > "C:\Windows\Temp\x y.txt"')
    out, _, rc = run(sh, r'type "C:\Windows\Temp\x y.txt"')
    assert (out, rc) == (b"a&b \r\n", 0)
    out, _, _ = run(sh, r'if exist "C:\Windows\Temp\x y.txt" echo yes & echo also')
    assert out == b"yes \r\nalso\r\n"


def test_unknown_command() -> None:
    _, err, rc = run(shell_of(host()), "frobnicate /x")
    assert rc == 9009
    assert (
        err
        == b"'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    )


def test_stdin_base64_round_trip_with_certutil() -> None:
    import base64

    sh = shell_of(host())
    data = bytes(range(256)) * 10
    text = base64.b64encode(data)
    lines = b"".join(text[i : i + 76] + b"\r\n" for i in range(0, len(text), 76))
    assert run(sh, r'findstr "^" > C:\Windows\Temp\t.b64', lines)[2] == 0
    assert run(sh, r"certutil -decode C:\Windows\Temp\t.b64 C:\Windows\Temp\t.bin")[2] == 0
    out, _, rc = run(sh, r"certutil -hashfile C:\Windows\Temp\t.bin SHA256")
    digest = hashlib.sha256(data).hexdigest()
    assert rc == 0 and " ".join(digest[i : i + 2] for i in range(0, 64, 2)).encode() in out
    assert run(sh, r"certutil -decode C:\Windows\Temp\t.b64 C:\Windows\Temp\t.bin")[2] == 0x80070050  # exists


def test_packages_are_real_cabinets_with_sums(tmp_path) -> None:  # type: ignore[no-untyped-def]
    written = write_packages(tmp_path)
    assert len(written) == 9
    sums = dict(reversed(line.split("  ")) for line in (tmp_path / "SHA256SUMS").read_text().splitlines())
    for path in written:
        assert sums[path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    outer = read_cab((tmp_path / "Windows6.1-KB2748349-x64.msu").read_bytes())
    manifest = read_inner(outer["Windows6.1-KB2748349-x64.cab"].buf)
    assert (manifest.family, manifest.arch, manifest.versions["LDR"]) == ("7_2008r2", "AMD64", "6.1.7600.21320")
    assert read_update_exe((tmp_path / "WindowsServer2003-KB2748349-x86-ENU.exe").read_bytes()).family == "2003"


def _stage(sh: LabShell, h: SimulatedHost, name: str, data: bytes | None = None) -> str:
    path = rf"C:\Windows\Temp\{name}"
    h.machine.files.write(path, PACKAGES[name] if data is None else data)
    return path


def _dism(sh: LabShell, h: SimulatedHost, name: str) -> int:
    msu = _stage(sh, h, name)
    run(sh, r"mkdir C:\Windows\Temp\x")
    assert run(sh, rf'expand -F:* "{msu}" C:\Windows\Temp\x')[2] == 0
    cab = rf"C:\Windows\Temp\x\{name[:-4]}.cab"
    return run(sh, rf'dism.exe /online /add-package /packagepath:"{cab}" /quiet /norestart')[2]


def test_dism_install_twice_wrong_arch_corrupt_and_forced_code() -> None:
    h = host(volsnap_version="6.1.7600.21000")  # LDR
    sh = shell_of(h)
    assert _dism(sh, h, "Windows6.1-KB2748349-x64.msu") == 3010
    assert h.machine.staged_files and h.machine.volsnap_version() == "6.1.7600.21000"  # only after restart
    assert _dism(sh, h, "Windows6.1-KB2748349-x64.msu") == 0x800F081E  # already installed: reported so by DISM
    other = host()
    assert _dism(shell_of(other), other, "Windows6.1-KB2748349-x86.msu") == 0x800F081E
    forced = host(faults={"installer_exit_code": 1603})
    assert _dism(shell_of(forced), forced, "Windows6.1-KB2748349-x64.msu") == 1603
    broken = host()
    path = _stage(
        shell_of(broken), broken, "Windows6.1-KB2748349-x64.msu", PACKAGES["Windows6.1-KB2748349-x64.msu"][:5000]
    )
    assert run(shell_of(broken), rf'expand -F:* "{path}" C:\Windows\Temp')[2] == 1


def test_restart_applies_the_branch_version() -> None:
    h = host(volsnap_version="6.1.7600.21000", faults={"restart_takes_s": 0.1})
    sh = shell_of(h)
    _dism(sh, h, "Windows6.1-KB2748349-x64.msu")
    assert run(sh, "shutdown /r /t 0 /d p:2:17")[2] == 0
    assert h.availability().value == "restarting"
    time.sleep(0.2)
    assert h.availability().value == "up"
    assert h.machine.volsnap_version() == "6.1.7600.21320"
    assert not h.machine.kb_installed("KB0") and h.machine.kb_installed("KB2748349")


def test_update_exe_and_pkgmgr() -> None:
    h = host(**W2003)
    sh = shell_of(h)
    exe = _stage(sh, h, "WindowsServer2003-KB2748349-x86-ENU.exe")
    assert run(sh, rf'"{exe}" /quiet /norestart')[2] == 3010
    vista = host(build=6002, current_version="6.0", csd_version="Service Pack 2", volsnap_version="6.0.6002.18005")
    vsh = shell_of(vista)
    msu = _stage(vsh, vista, "Windows6.0-KB2748349-x64.msu")
    run(vsh, r"mkdir C:\Windows\Temp\x")
    run(vsh, rf'expand -F:* "{msu}" C:\Windows\Temp\x')
    assert (
        run(vsh, r"start /w pkgmgr /ip /m:C:\Windows\Temp\x\Windows6.0-KB2748349-x64.cab /quiet /norestart")[2] == 3010
    )
    assert run(vsh, "dism /online /get-packages")[2] == 9009  # no DISM before Windows 7


def test_wusa_refuses_remotely() -> None:
    assert run(shell_of(host()), r"wusa C:\x.msu /quiet /norestart")[2] == 5


def test_shutdown_limits_1190_and_abort() -> None:
    old, new = shell_of(host(**W2003)), shell_of(host())
    assert run(old, "shutdown /r /t 601")[2] == 87
    assert run(new, "shutdown /r /t 601")[2] == 0
    assert run(new, "shutdown /r /t 30")[2] == 1190
    assert run(new, "shutdown /a")[2] == 0
    assert run(new, "shutdown /a")[2] == 1116
    assert run(old, 'shutdown /r /t 5 /c "' + "x" * 128 + '"')[2] == 87


def test_schtasks_locale_dates_and_firing() -> None:
    h = host(clock_rate=600.0, locale="de-DE", faults={"restart_takes_s": 0.1}, **W2003)
    sh = shell_of(h)
    when = h.machine.clock.now() + dt.timedelta(minutes=2)
    us = (
        f'schtasks /create /tn "night restart" /tr "shutdown /r /t 0" /sc once /st {when:%H:%M:%S} '
        f"/sd {when:%m/%d/%Y} /ru SYSTEM"
    )
    if when.day > 12:
        assert run(sh, us)[2] == 1  # a US date on a German host
    de = us.replace(f"{when:%m/%d/%Y}", f"{when:%d.%m.%Y}")
    assert run(sh, de)[2] == 0
    assert run(sh, de.replace("/ru SYSTEM", "/ru SYSTEM /f"))[2] == 1  # Task Scheduler 1.0 has no /f
    boot = h.machine.boot_time
    deadline = time.monotonic() + 5
    while h.machine.boot_time == boot and time.monotonic() < deadline:
        h.availability()
        time.sleep(0.05)
    assert h.machine.boot_time != boot


def test_garbled_and_disk_full_faults() -> None:
    clean, _, _ = run(shell_of(host()), r'reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"')
    garbled, _, _ = run(
        shell_of(host(faults={"garbled_output": True})),
        r'reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"',
    )
    assert garbled != clean and len(garbled) < len(clean)
    full = host(faults={"disk_full": True})
    _, err, rc = run(shell_of(full), r'findstr "^" > C:\Windows\Temp\big.b64', b"A" * 76 * 100 + b"\r\n")
    assert rc == 1 and b"not enough space" in err
    assert not full.machine.files.exists(r"C:\Windows\Temp\big.b64")


@pytest.mark.parametrize("codepage", [437, 850, 1252, 65001])
def test_output_in_the_shell_code_page(codepage: int) -> None:
    h = host(product_name="Windows 7 Professionnel ä")
    out, _, _ = run(
        shell_of(h, codepage), r'reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v ProductName'
    )
    codec = "utf-8" if codepage == 65001 else f"cp{codepage}"
    assert "Professionnel ä" in out.decode(codec)


def test_a_line_longer_than_cmd_takes_is_refused_before_it_runs() -> None:
    h = host()
    sh = shell_of(h)
    target = r" > C:\Windows\Temp\a.txt"
    exactly = "echo " + "x" * (8191 - len("echo ") - len(target)) + target
    assert len(exactly) == 8191 and run(sh, exactly)[2] == 0
    h.machine.files.delete(r"C:\Windows\Temp\a.txt")
    out, err, rc = run(sh, exactly.replace("echo ", "echo x"))
    assert (out, rc) == (b"", 1) and err == b"The command line is too long.\r\n"
    assert not h.machine.files.exists(r"C:\Windows\Temp\a.txt")
    # The limit holds for what the line's variables expand to as well.
    _, err, rc = run(h.open_shell(437, None, {"X": "y" * 5000}), "echo %X%%X%")
    assert rc == 1 and err == b"The command line is too long.\r\n"


def test_findstr_fails_on_a_line_longer_than_it_reads() -> None:
    h = host()
    sh = shell_of(h)
    fits = b"A" * 8191 + b"\r\n"
    assert run(sh, r'findstr "^" > C:\Windows\Temp\fits.b64', fits)[2] == 0
    entry = h.machine.files.read(r"C:\Windows\Temp\fits.b64")
    assert entry is not None and entry.data == fits
    _, err, rc = run(sh, r'findstr "^" > C:\Windows\Temp\long.b64', b"B" * 76 + b"\r\n" + b"A" * 8192 + b"\r\n")
    assert rc == 2 and err == b"FINDSTR: Line 2 is too long.\r\n"
