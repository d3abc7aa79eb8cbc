"""The fidelity ledger covers every command the pure core writes, and the README lists exactly its unconfirmed rows.

The integration session checks the same over every command line the labs received (tests/integration/
test_fidelity.py); this is the quick, static half: the command templates with sample arguments, per OS family.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The lab (tests/lab) needs Python 3.11; the ansible-core 2.15 run of `make compat` is on Python 3.9, and the other
# versions' runs (3.10 and later) cover this module.
if sys.version_info < (3, 11):
    pytest.skip("needs the lab (winlab), which runs on Python 3.11", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).parent / "plugins" / "plugin_utils"))  # command_samples beside its kin

from command_samples import all_lines
from ledger import (
    FAMILIES,
    README,
    commands_of,
    ledger_unconfirmed,
    missing,
    readme_unconfirmed,
    rows,
)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_command_the_core_writes_has_a_ledger_row(family: str) -> None:
    assert missing({family: all_lines(family)}) == []


def test_a_command_without_a_row_is_named() -> None:
    gaps = missing({"2003": ["bitsadmin /transfer job http://x/p.exe C:\\p.exe & certutil -urlcache -split -f u f"]})
    assert gaps[0].startswith("bitsadmin (2003), sent as: bitsadmin /transfer job")
    assert len(gaps) == 1  # certutil -urlcache has a 2003 row (saying it is absent there)
    assert missing({"7_2008r2": ["start /w pkgmgr /ip /m:C:\\a.cab"]}) == [  # rows exist for vista_2008 only
        "pkgmgr /ip (7_2008r2), sent as: start /w pkgmgr /ip /m:C:\\a.cab",
        "start /w (7_2008r2), sent as: start /w pkgmgr /ip /m:C:\\a.cab",
    ]


def test_lines_are_split_as_cmd_splits_them() -> None:
    line = (
        'echo @@volsnap os& (reg query "HKLM\\X" /v Y && echo ok|| echo no) & '
        'mkdir "C:\\a" && start /w pkgmgr /ip /m:C:\\a\\b.cab /s:C:\\s /quiet & '
        '"C:\\WINDOWS\\Temp\\w\\WindowsServer2003-KB2748349-x86-ENU.exe" /quiet /log:"C:\\l.txt" & '
        'certutil -f -decode a b & dism.exe /online /quiet /add-package /packagepath:x & findstr "^" > f'
    )
    assert commands_of(line) == [
        ("echo", None),
        ("reg", "query"),
        ("echo", None),
        ("echo", None),
        ("mkdir", None),
        ("start", "/w"),
        ("pkgmgr", "/ip"),
        ("update.exe", None),
        ("certutil", "-decode"),
        ("dism", "/add-package"),
        ("findstr", None),
    ]


def test_else_branches_are_walked_too() -> None:
    line = 'if exist "C:\\x\\" (echo yes) else (wmic logicaldisk where DeviceID="C:" get FreeSpace /value < nul)'
    assert commands_of(line) == [("echo", None), ("wmic", "logicaldisk")]


def test_every_ledger_row_names_families_and_a_status() -> None:
    ledger = rows()
    assert len(ledger) > 40
    for row in ledger:
        assert row.families and row.status.split(" ")[0] in ("confirmed", "unconfirmed"), row
    commands = [row.command for row in ledger if row.table.startswith("Commands")]
    assert None not in commands and ("certutil", "-hashfile") in commands


def test_readme_known_limits_list_exactly_the_unconfirmed_rows() -> None:
    assert readme_unconfirmed() == ledger_unconfirmed()


def test_the_readme_check_notices_a_missing_or_extra_limit() -> None:
    text = README.read_text()
    dropped = text.replace("  - `del` (all): errorlevel 0", "  - `del` (never): errorlevel 0")
    assert readme_unconfirmed(dropped) != ledger_unconfirmed()
    extra = text.replace("  - `spuninst` (2003):", "  - `ver` (all): made up.\n  - `spuninst` (2003):")
    assert readme_unconfirmed(extra) - ledger_unconfirmed() == {("`ver`", "all")}
