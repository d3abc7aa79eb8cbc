"""What the winrs connection sends so that `cmd.exe /c` runs exactly the line: checked against the documented /c quote
rule as the lab implements it (tests/lab/winlab/host/cmd_c.py, from `cmd /?`)."""

from __future__ import annotations

import sys

import pytest

# The lab (tests/lab) needs Python 3.11; the ansible-core 2.15 run of `make compat` is on Python 3.9, and the other
# versions' runs (3.10 and later) cover this module.
if sys.version_info < (3, 11):
    pytest.skip("needs the lab (winlab), which runs on Python 3.11", allow_module_level=True)

from command_samples import all_lines
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_cmd_line_length,
    for_cmd_c,
    program_of,
)
from winlab.host.cmd_c import cmd_c_line

INSTALLER_2003 = (
    r'"C:\WINDOWS\Temp\w\WindowsServer2003-KB2748349-x86-ENU.exe" /quiet /norestart'
    r' /log:"C:\WINDOWS\Temp\w\install.log"'
)


def _never(_name: str) -> bool:
    return False


def _always(_name: str) -> bool:
    return True


def test_the_documented_rule_mangles_the_2003_installer_line() -> None:
    # Branch 2 of `cmd /?`: the first quote and the LAST quote go; the path and /log: are glued into one word.
    assert cmd_c_line(INSTALLER_2003, _never) == (
        r"C:\WINDOWS\Temp\w\WindowsServer2003-KB2748349-x86-ENU.exe"
        + '" /quiet /norestart /log:"'
        + r"C:\WINDOWS\Temp\w\install.log"
    )


def test_the_wrapped_line_runs_as_written() -> None:
    assert for_cmd_c(INSTALLER_2003) == f'"{INSTALLER_2003}"'
    for executable in (_never, _always):
        assert cmd_c_line(for_cmd_c(INSTALLER_2003), executable) == INSTALLER_2003


@pytest.mark.parametrize(
    "line",
    [
        "ver",
        'findstr "^" > "C:\\Windows\\Temp\\x.b64"',
        '"C:\\Program Files\\x.exe"',  # exactly two quotes around an executable: cmd keeps them
        '"C:\\Program Files\\x.exe" /a & echo done',
        '  "C:\\x\\a.exe" /log:"C:\\x\\l.txt"',
        '"unterminated',
        'echo "a" "b"',
    ],
)
def test_every_line_survives_cmd_c_as_sent(line: str) -> None:
    for executable in (_never, _always):
        assert cmd_c_line(for_cmd_c(line), executable) == line.lstrip(" \t")


@given(st.text(alphabet=st.sampled_from(list('ab "&<>()@^|\\:.\t')), max_size=40))
def test_any_line_survives_cmd_c_as_sent(line: str) -> None:
    for executable in (_never, _always):
        assert cmd_c_line(for_cmd_c(line), executable) == line.lstrip(" \t")


def test_lines_that_do_not_start_with_a_quote_are_sent_unchanged() -> None:
    for line in ("ver", "mkdir x && echo y", 'dism.exe /online /packagepath:"C:\\x y\\a.cab" /quiet'):
        assert for_cmd_c(line) == line


@pytest.mark.parametrize("family", ["2003", "vista_2008", "7_2008r2"])
def test_every_line_the_core_writes_runs_as_planned(family: str) -> None:
    for line in all_lines(family):
        for executable in (_never, _always):
            assert cmd_c_line(for_cmd_c(line), executable) == line


def test_a_line_cmd_would_cut_off_is_refused() -> None:
    check_cmd_line_length("x" * 8191)
    with pytest.raises(UnsafeArgumentError, match=r"8192 characters long; cmd\.exe takes at most 8191"):
        check_cmd_line_length("x" * 8192)


@pytest.mark.parametrize(
    ("line", "program"),
    [
        (INSTALLER_2003, "WindowsServer2003-KB2748349-x86-ENU.exe"),
        ('start /w pkgmgr /ip /m:"C:\\w\\expanded" /quiet /norestart', "pkgmgr"),
        ('dism.exe /online /add-package /packagepath:"C:\\w\\x.cab"', "dism.exe"),
        ('findstr "^" > "C:\\x.b64"', "findstr"),
        ("call x.cmd", "x.cmd"),
        ("", "(empty command)"),
    ],
)
def test_program_of_names_what_runs(line: str, program: str) -> None:
    assert program_of(line) == program
