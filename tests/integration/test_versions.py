"""Hosts patched after 2012 and editions sharing the listed builds, against the lab: audit, remediation, overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, Lab, extra_vars, remediate, run_ansible

from winlab.samples import (
    HYPERV_R2,
    SBS2008,
    W7_SP1_ESU,
    W2003_LATER,
    W2003_R2,
    W2008_6003,
    W2008_6003_OLD_FILE,
    W2008_MERGED,
    WES7,
    XP_X64,
)

FAST = {"restart_takes_s": 1}
# name → (profile, status, required_version, package, branch)
FLEET: dict[str, tuple[dict[str, Any], str, str | None, str | None, str | None]] = {
    "w2008-merged": (W2008_MERGED, "compliant", "6.0.6002.22913", "Windows6.0-KB2748349-x64.msu", "LDR"),
    "w2008-6003": (W2008_6003, "compliant", None, "Windows6.0-KB2748349-x64.msu", "6003"),
    "w2008-6003-old-file": (
        W2008_6003_OLD_FILE,
        "vulnerable",
        "6.0.6002.18679",
        "Windows6.0-KB2748349-x64.msu",
        "GDR",
    ),
    "w7-sp1-esu": (W7_SP1_ESU, "compliant", None, "Windows6.1-KB2748349-x64.msu", "SP1"),
    "w2003-later": (W2003_LATER, "compliant", "5.2.3790.5059", "WindowsServer2003-KB2748349-x86-ENU.exe", "single"),
    "w2003-r2": (
        W2003_R2,
        "vulnerable",
        "5.2.3790.5059",
        "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe",
        "single",
    ),
    "hyperv-r2": (HYPERV_R2, "vulnerable", "6.1.7600.17122", "Windows6.1-KB2748349-x64.msu", "GDR"),
    "wes7": (WES7, "vulnerable", "6.1.7600.17122", "Windows6.1-KB2748349-x86.msu", "GDR"),
    "sbs2008": (SBS2008, "vulnerable", "6.0.6002.18679", "Windows6.0-KB2748349-x64.msu", "GDR"),
    "xp-x64": (XP_X64, "not_applicable", None, None, None),
}
PRODUCTS = {
    "w2008-merged": "Windows Server 2008",
    "w2008-6003": "Windows Server 2008",
    "w2008-6003-old-file": "Windows Server 2008",
    "w7-sp1-esu": "Windows 7",
    "w2003-later": "Windows Server 2003",
    "w2003-r2": "Windows Server 2003",
    "hyperv-r2": "Windows Server 2008 R2",
    "wes7": "Windows 7",
    "sbs2008": "Windows Server 2008",
    "xp-x64": "Windows XP Professional x64 Edition",
}
PROBE = {"echo", "reg", "vssadmin", "wmic"}  # the programs of the one read-only probe command
# What a host runs to be changed: transfer, unpack, install, lock and work folders, restart.
CHANGING = {"findstr", "certutil", "move", "copy", "expand", "pkgmgr", "dism", "dism.exe", "mkdir", "shutdown"}


def hosts(*names: str) -> dict[str, Any]:
    return {"defaults": {**DEFAULTS, "faults": FAST}, "hosts": {n: FLEET[n][0] for n in names}}


def report(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "report.json").read_text())  # type: ignore[no-any-return]


def changing(lab: Lab, host: str) -> set[str]:
    ran = lab.programs(host)
    return {p for p in ran if p in CHANGING or (p.endswith(".exe") and "kb2748349" in p)}


def test_audit_gives_status_required_version_and_package_per_host(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory(hosts(*FLEET))
    done = run_ansible(
        "ansible-playbook", "-i", str(lab.inventory), "playbooks/audit.yml", "-e", f"volsnap_report_dir={tmp_path}"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    rows = report(tmp_path)["hosts"]
    for name, (profile, status, required, package, branch) in FLEET.items():
        row = rows[name]
        got = (row["status"], row["required_version"], row["package"], row["branch"], row["product"])
        assert got == (status, required, package, branch, PRODUCTS[name]), (name, row["reason"])
        assert row["installed_version"] == profile["volsnap_version"]
    assert "the file is from build 6002, the OS reports build 6003" in rows["w2008-6003-old-file"]["reason"]
    assert "may carry the same defect (unconfirmed)" in rows["xp-x64"]["reason"]
    assert all(not changing(lab, name) for name in FLEET)


def test_remediation_of_a_mixed_fleet_leaves_patched_2008_hosts_untouched(lab_factory: Any, packages: Path) -> None:
    names = ("w2008-merged", "w2008-6003", "w2008-6003-old-file", "sbs2008", "hyperv-r2", "w2003-r2", "xp-x64")
    lab = lab_factory(hosts(*names))
    done = remediate(lab, "all", "-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now")
    assert done.returncode == 0, done.stdout[-4000:]
    for untouched in ("w2008-merged", "w2008-6003", "xp-x64"):  # probed (read-only programs), nothing else
        assert set(lab.programs(untouched)) == PROBE, (untouched, lab.programs(untouched))
    for fixed in ("w2008-6003-old-file", "sbs2008", "hyperv-r2", "w2003-r2"):
        assert "shutdown" in lab.programs(fixed), fixed
    after = run_ansible(
        "ansible",
        "-i",
        str(lab.inventory),
        "all",
        "-o",
        "-m",
        "winfix.volsnap.volsnap_verify",
        "-a",
        json.dumps({"allow": ["not_applicable"]}),
    )
    assert after.returncode == 0, after.stdout[-3000:]
    assert '"installed_version": "6.0.6002.18679"' in after.stdout  # the 6003 host's GDR file was replaced


VALID = {
    "volsnap_catalog_overrides": {
        "vista_2008": {
            "branches": [
                {"line": "6.0.6002", "from": 24000, "to": 99999, "branch": "rollup", "fixed": "6.0.6002.24300"}
            ]
        }
    }
}


def facts(lab: Lab, *extra: str) -> Any:
    return run_ansible("ansible", "-i", str(lab.inventory), "all", "-o", "-m", "winfix.volsnap.volsnap_facts", *extra)


def test_a_valid_override_changes_the_verdict(lab_factory: Any) -> None:
    lab = lab_factory(hosts("w2008-merged"))
    before = facts(lab)
    assert before.returncode == 0 and '"status": "compliant"' in before.stdout, before.stdout[-2000:]
    after = facts(lab, "-e", json.dumps(VALID))
    assert after.returncode == 0, after.stdout[-2000:]
    assert '"status": "vulnerable"' in after.stdout and '"branch": "rollup"' in after.stdout
    assert "volsnap_catalog_overrides.vista_2008.branches[0]" in after.stdout
    verify = run_ansible(
        "ansible", "-i", str(lab.inventory), "all", "-o", "-m", "winfix.volsnap.volsnap_verify", "-e", json.dumps(VALID)
    )
    assert verify.returncode != 0 and "not fixed: vulnerable: volsnap.sys 6.0.6002.24202 (rollup)" in verify.stdout


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("volsnap_facts", {}),
        ("volsnap_update", {"package_dir": "/nonexistent"}),
        ("volsnap_restart", {"mode": "now"}),
        ("volsnap_verify", {}),
    ],
)
def test_an_invalid_override_fails_before_anything_is_sent(lab_factory: Any, module: str, args: dict[str, Any]) -> None:
    lab = lab_factory(hosts("w2008-6003-old-file"))
    bad = {
        "volsnap_catalog_overrides": {
            "vista_2008": {"branches": [{"line": "6.0.6002", "branch": "LDR", "fixed": "6.0.6002"}]}
        }
    }
    done = run_ansible(
        "ansible",
        "-i",
        str(lab.inventory),
        "all",
        "-o",
        "-m",
        f"winfix.volsnap.{module}",
        *(("-a", json.dumps(args)) if args else ()),
        *extra_vars(
            json.dumps(bad),
        ),
    )
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "w2008-6003-old-file: volsnap_catalog_overrides.vista_2008.branches[0].fixed: '6.0.6002'" in out, out[-2000:]
    assert "nothing was sent" in out
    assert lab.commands("w2008-6003-old-file") == []  # the lab's command log is unchanged: not even the probe
