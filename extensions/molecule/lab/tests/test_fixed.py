"""After converge: the fixed volsnap.sys is in place and no restart is pending, checked with plain cmd commands."""

from __future__ import annotations

from typing import Any

FIXED = {"5.2.3790": "5.2.3790.5059", "6.0.6002": "6.0.6002.18679", "6.1.7600": ("6.1.7600.17122", "6.1.7600.21320")}
CBS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
VOLSNAP = r'wmic datafile where name="C:\\Windows\\System32\\drivers\\volsnap.sys" get Version /value < nul'


def test_volsnap_is_fixed(host: Any) -> None:
    version = host.check_output(VOLSNAP).strip().split("=", 1)[1].strip()
    expected = FIXED[version.rsplit(".", 1)[0]]
    assert version in (expected if isinstance(expected, tuple) else (expected,))


def test_no_restart_pending(host: Any) -> None:
    cbs = host.run(rf'reg query "{CBS}\RebootPending"')
    update_exe = host.run(r'reg query "HKLM\SOFTWARE\Microsoft\Updates" /v UpdateExeVolatile')
    assert cbs.rc == 1 and update_exe.rc == 1
