"""The playbooks against a lab: every status, remediation with restarts, idempotence, check mode, windows, failures."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DEFAULTS, VISTA, W7, W2003, Lab, extra_vars, run_ansible

ROOT = Path(__file__).resolve().parents[2]
FAST = {"restart_takes_s": 1}


def fleet() -> dict[str, Any]:
    hosts = yaml.safe_load((ROOT / "tests" / "integration" / "fleets" / "demo.yml").read_text())
    hosts["hosts"]["w7-garbled"] = {**W7, "faults": {"garbled_output": True}}
    hosts["hosts"]["w7-pending"] = {**W7, "installed_kbs": ["KB2748349"], "pending_reboot": True}
    return hosts


def playbook(lab: Lab, name: str, *extra: str) -> Any:
    return run_ansible("ansible-playbook", "-i", str(lab.inventory), f"playbooks/{name}", *extra)


def report(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "report.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.fault("bad-probe-output")
def test_audit_reports_every_status_and_changes_nothing(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory(fleet())
    done = playbook(lab, "audit.yml", "-e", f"volsnap_report_dir={tmp_path}")
    assert done.returncode == 0, done.stdout[-3000:]
    hosts = report(tmp_path)["hosts"]
    statuses = {name: row["status"] for name, row in hosts.items()}
    assert set(statuses.values()) == {
        "compliant",
        "vulnerable",
        "reboot_pending",
        "prerequisite_missing",
        "not_applicable",
        "unknown",
    }
    assert statuses["w7-rtm-x86-ldr"] == "vulnerable" and statuses["w7-garbled"] == "unknown"
    assert hosts["w2003-sp2-x86"]["exposure"]["shadow_copies"] == 2
    recap = [line for line in done.stdout.split("PLAY RECAP")[1].splitlines() if ": ok=" in line]
    assert len(recap) == len(hosts) and all("changed=0" in line for line in recap), recap
    html = (tmp_path / "report.html").read_text()
    assert 'id="status-chart"' in html and "w7-garbled" in html
    assert (tmp_path / "report.csv").read_text().count("\n") == len(hosts) + 1


def test_audit_without_a_report_publishes_it_and_fails_for_an_unreachable_host_only(lab_factory: Any) -> None:
    lab = lab_factory({"defaults": DEFAULTS, "hosts": {"w7": W7, "gone": {**W7, "faults": {"unreachable": True}}}})
    done = playbook(lab, "audit.yml")
    assert done.returncode == 2, done.stdout[-3000:]
    recap = done.stdout.split("PLAY RECAP")[1]
    assert re.search(r"w7 +: ok=\d +changed=0 +unreachable=0 +failed=0", recap), recap
    assert re.search(r"gone +: ok=\d+ +changed=0 +unreachable=0 +failed=1", recap), recap
    assert "not assessed: gone (unknown: " in done.stdout and "cannot reach the WinRM endpoint" in done.stdout
    healthy = playbook(lab, "audit.yml", "--limit", "w7")
    assert healthy.returncode == 0, healthy.stdout[-3000:]
    assert "PLAY [Fail the hosts that could not be assessed]" in healthy.stdout
    assert "skipping: no hosts matched" in healthy.stdout.split("PLAY [Fail the hosts that could not be assessed]")[1]


def test_package_names_come_from_the_variable_unless_the_task_sets_them(lab_factory: Any) -> None:
    lab = lab_factory({"defaults": DEFAULTS, "hosts": {"w7": W7}})
    site = json.dumps({"volsnap_package_names": {"7_2008r2/AMD64": "site-w7.msu"}})
    module = ("ansible", "-i", str(lab.inventory), "all", "-o", "-m", "winfix.volsnap.volsnap_facts", "-e", site)
    from_variable = run_ansible(*module)
    assert from_variable.returncode == 0, from_variable.stdout[-2000:]
    assert '"package": "site-w7.msu"' in from_variable.stdout
    from_task = run_ansible(*module, "-a", json.dumps({"package_names": {"7_2008r2/AMD64": "task-w7.msu"}}))
    assert from_task.returncode == 0, from_task.stdout[-2000:]
    assert '"package": "task-w7.msu"' in from_task.stdout and "site-w7.msu" not in from_task.stdout
    default = run_ansible(*module[:-2])
    assert '"package": "Windows6.1-KB2748349-x64.msu"' in default.stdout


def test_check_mode_changes_nothing_on_any_host(lab_factory: Any, packages: Path) -> None:
    lab = lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": {"w7": W7, "w2003": W2003}})
    done = playbook(
        lab, "remediate.yml", "--check", "-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    for host in ("w7", "w2003"):
        ran = lab.programs(host)
        assert not {"dism.exe", "dism", "shutdown", "expand", "findstr", "mkdir"} & set(ran), ran


def test_remediate_now_then_verify_then_nothing_changes(lab_factory: Any, packages: Path, tmp_path: Path) -> None:
    lab = lab_factory(fleet())  # its defaults make restarts take 1 s
    args = extra_vars(
        f"volsnap_package_dir={packages}",
        "volsnap_restart=now",
        f"volsnap_report_dir={tmp_path}",
    )
    first = playbook(lab, "remediate.yml", *args)
    assert first.returncode != 0  # the garbled host needed a decision and could not get one: named, run fails
    assert "not remediated: w7-garbled (unknown" in first.stdout + first.stderr
    statuses = {n: r["status"] for n, r in report(tmp_path)["hosts"].items()}
    for name in (
        "w2003-sp2-x86",
        "vista-sp2-x64",
        "w2008-sp2-ia64",
        "w2008r2-core",
        "w7-rtm-x64-gdr",
        "w7-rtm-x86-ldr",
        "w7-pending",
    ):
        assert statuses[name] == "compliant", (name, statuses)
    assert statuses["w2003-sp1-x64"] == "prerequisite_missing" and statuses["w10"] == "not_applicable"
    verify = playbook(lab, "verify.yml", "--limit", "all:!w7-garbled:!w2003-sp1-x64")
    assert verify.returncode == 0, verify.stdout[-3000:]
    second = playbook(lab, "remediate.yml", *args, "--limit", "all:!w7-garbled")
    assert second.returncode == 0, second.stdout[-3000:]
    recap = second.stdout.split("PLAY RECAP")[-1]
    assert all("changed=0" in line for line in recap.splitlines() if line.startswith("w"))


def test_window_mode_schedules_a_task_that_restarts_on_the_lab_clock(lab_factory: Any, packages: Path) -> None:
    lab = lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": {"w7": W7, "w2003": W2003}}, clock_rate=120.0)
    at = (dt.datetime.now() + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    done = playbook(
        lab,
        "remediate.yml",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=window",
            f"volsnap_restart_at={at}",
        ),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert any(argv[0].lower() == "schtasks" and "/xml" in [a.lower() for a in argv] for argv in lab.commands("w7"))
    assert any(argv[0].lower() == "schtasks" and "/sd" in [a.lower() for a in argv] for argv in lab.commands("w2003"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        verify = playbook(lab, "verify.yml")
        if verify.returncode == 0:
            break
        time.sleep(1)
    assert verify.returncode == 0, verify.stdout[-2000:]


@pytest.mark.fault("unreachable")
@pytest.mark.fault("corrupt-package")
@pytest.mark.fault("installer-exit-codes")
def test_mixed_fleet_failures_are_named_and_the_rest_is_remediated(
    lab_factory: Any, packages: Path, tmp_path: Path
) -> None:
    lab = lab_factory(
        {
            "defaults": {**DEFAULTS, "faults": FAST},
            "hosts": {
                "good": W7,
                "broken-installer": {**W7, "faults": {"installer_exit_code": 1603, **FAST}},
                "wrong-package": W2003,
                "down": {**W7, "faults": {"unreachable": True}},
            },
        }
    )
    (packages.parent / "tampered").mkdir(exist_ok=True)
    tampered = packages.parent / "tampered"
    for item in packages.iterdir():
        (tampered / item.name).write_bytes(item.read_bytes())
    (tampered / "WindowsServer2003-KB2748349-x86-ENU.exe").write_bytes(b"MZ not the real package")
    done = playbook(
        lab,
        "remediate.yml",
        *extra_vars(
            f"volsnap_package_dir={tampered}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
        ),
    )
    assert done.returncode != 0
    rows = report(tmp_path)["hosts"]
    assert rows["good"]["status"] == "compliant"
    assert "1603" in rows["broken-installer"]["reason"]
    assert "SHA-256 mismatch" in rows["wrong-package"]["reason"]
    assert rows["down"]["status"] == "unknown" and "cannot reach the WinRM endpoint" in rows["down"]["reason"]
    assert not [a for a in lab.commands("wrong-package") if a[0].lower().endswith(".exe")]  # nothing ran


def test_rollback_removes_the_update_after_a_remediation(lab_factory: Any, packages: Path) -> None:
    lab = lab_factory(
        {
            "defaults": {**DEFAULTS, "faults": FAST},
            "hosts": {
                "w7": W7,
                "w2003": W2003,
                "vista": VISTA,
            },
        }
    )
    common = ("-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now")
    assert playbook(lab, "remediate.yml", *common).returncode == 0
    rolled = playbook(lab, "rollback.yml", *common)
    assert rolled.returncode == 0, rolled.stdout[-3000:]
    for host, tool in (("w7", "dism.exe"), ("w2003", "spuninst.exe"), ("vista", "start")):
        assert any(argv[0].lower().endswith(tool) for argv in lab.commands(host)), host
    after = playbook(lab, "audit.yml", "-e", "volsnap_report_dir=" + str(packages.parent / "after-rollback"))
    statuses = {n: r["status"] for n, r in report(packages.parent / "after-rollback")["hosts"].items()}
    assert after.returncode == 0 and statuses == {"w7": "vulnerable", "w2003": "vulnerable", "vista": "vulnerable"}
    again = playbook(lab, "rollback.yml", *common)
    assert again.returncode == 0 and "changed=1" not in again.stdout


@pytest.mark.fault("concurrent-runs")
def test_a_held_lock_stops_a_second_run_before_it_changes_anything(lab_factory: Any, packages: Path) -> None:
    lab = lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": {"w7": W7}})
    held = run_ansible(
        "ansible",
        "-i",
        str(lab.inventory),
        "w7",
        "-m",
        "raw",
        "-a",
        r"mkdir C:\Windows\Temp\winfix-volsnap.lock & echo 2026-11-25T00:00:00Z other> "
        r"C:\Windows\Temp\winfix-volsnap.lock\owner.txt",
    )
    assert held.returncode == 0
    done = playbook(lab, "remediate.yml", "-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now")
    assert done.returncode != 0
    assert "holds the lock" in done.stdout + done.stderr and "2026-11-25T00:00:00Z other" in done.stdout + done.stderr
    ran = lab.programs("w7")
    assert "findstr" not in ran and "dism.exe" not in ran and "shutdown" not in ran
