"""Free space in the lab: profile volumes' free_bytes, wmic logicaldisk (Win32_LogicalDisk.FreeSpace), writes that
do not fit, the fault disk_full; and the servicing tools found by their files in System32."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import VISTA, W2003
from test_host import host, run

from winlab.host.shell import LabShell
from winlab.profile import ProfileError

FREE = 'wmic logicaldisk where DeviceID="C:" get FreeSpace /value < nul'


def free_of(shell: LabShell) -> int:
    out, _, rc = run(shell, FREE)
    assert rc == 0 and out.startswith(b"\r\r\n\r\r\nFreeSpace=") and out.endswith(b"\r\r\n\r\r\n\r\r\n"), out
    return int(out.split(b"=")[1].split(b"\r")[0])


def test_free_space_is_the_profile_s_and_defaults_to_half_the_capacity() -> None:
    assert free_of(host().open_shell(437, None, {})) == 25769803776 // 2
    small = host(
        volumes=[{"drive": "C:", "capacity_bytes": 10**9, "free_bytes": 5000}, {"drive": "D:", "capacity_bytes": 10**9}]
    )
    shell = small.open_shell(437, None, {})
    assert free_of(shell) == 5000
    out, _, rc = run(shell, "wmic logicaldisk get DeviceID,FreeSpace,Size /value < nul")
    assert (
        rc == 0 and out.count(b"DeviceID=") == 2 and b"DeviceID=D:\r\r\nFreeSpace=500000000\r\r\nSize=1000000000" in out
    )


def test_writes_count_against_the_free_space_and_one_that_does_not_fit_fails() -> None:
    h = host(volumes=[{"drive": "C:", "capacity_bytes": 10**9, "free_bytes": 3000}])
    shell = h.open_shell(437, None, {})
    _, _, rc = run(shell, r'findstr "^" > C:\Windows\Temp\a.txt', b"A" * 998 + b"\r\n")
    assert rc == 0 and free_of(shell) == 2000
    _, err, rc = run(shell, r'findstr "^" > C:\Windows\Temp\b.txt', b"B" * 2500 + b"\r\n")
    assert rc == 1 and b"There is not enough space on the disk." in err
    assert not h.machine.files.exists(r"C:\Windows\Temp\b.txt") and free_of(shell) == 2000
    run(shell, r"del /q C:\Windows\Temp\a.txt")
    assert free_of(shell) == 3000


def test_fault_disk_full_shows_at_most_what_one_write_may_add() -> None:
    assert free_of(host(faults={"disk_full": True}).open_shell(437, None, {})) == 4096


def test_only_the_documented_where_form_is_taken_and_an_unknown_drive_has_no_instance() -> None:
    shell = host().open_shell(437, None, {})
    for line in (
        "wmic logicaldisk where name='C:' get FreeSpace /value",
        "wmic logicaldisk where DeviceID=C: get FreeSpace",
    ):
        _, err, rc = run(shell, line)
        assert rc == 0x80041017 and b"Invalid query" in err, line
    out, err, rc = run(shell, "wmic logicaldisk where DeviceID='d:' get FreeSpace /value < nul")
    assert (out, rc) == (b"", 0) and err == b"No Instance(s) Available.\r\n"
    _, err, rc = run(host(wmic=False).open_shell(437, None, {}), FREE)
    assert rc == 9009


def test_a_free_space_beyond_the_capacity_is_refused() -> None:
    with pytest.raises(ProfileError, match="free_bytes must be from 0 to its capacity_bytes"):
        host(volumes=[{"drive": "C:", "capacity_bytes": 100, "free_bytes": 101}])


@pytest.mark.parametrize(
    ("profile", "present"),
    [
        ({**W2003}, {"expand.exe": True, "pkgmgr.exe": False, "dism.exe": False}),
        ({**VISTA}, {"expand.exe": True, "pkgmgr.exe": True, "dism.exe": False}),
        ({}, {"expand.exe": True, "pkgmgr.exe": True, "dism.exe": True}),
    ],
)
def test_servicing_tools_are_files_in_system32_and_run_only_while_there(
    profile: dict[str, Any], present: dict[str, bool]
) -> None:
    h = host(**profile)
    shell = h.open_shell(437, None, {})
    root = h.machine.windows_root
    for name, expected in present.items():
        out, _, _ = run(shell, rf'if exist "{root}\System32\{name}" (echo yes) else echo no')
        assert out == (b"yes\r\n" if expected else b"no\r\n"), name
        assert h.machine.has_tool(name) is expected
    if present["dism.exe"]:
        run(shell, rf"del /q {root}\System32\dism.exe")
        _, err, rc = run(shell, "dism.exe /online /get-packages")
        assert rc == 9009 and b"'dism.exe' is not recognized" in err
