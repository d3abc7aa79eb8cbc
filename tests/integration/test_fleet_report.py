"""The fleet report when a job is split: AWX job slices (ansible-runner, as AWX runs jobs) merged by report_merge,
`--limit` runs that keep their report and verdict, and serial waves that stop on failures. One lab for the module."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, VISTA, W7, W2003, AwxJob, Lab, extra_vars, remediate, run_ansible
from spnego._ntlm_raw.crypto import ntowfv1

from winlab.samples import W2008

FAST = {"restart_takes_s": 1}
FLEET = [f"h{i:02d}" for i in range(30)]
GONE = "h07"  # unreachable
FIXED = "h05"  # compliant already
PROFILES = [W7, W2003, VISTA, W2008]
SLICES = 3
GONE_SLICE = FLEET.index(GONE) % SLICES
SECRETS = (DEFAULTS["password"], ntowfv1(DEFAULTS["password"]).hex(), "TlRMTVNT", "Authorization")
COMPARED = ("status", "reason", "product", "installed_version", "required_version", "package")


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    hosts: dict[str, Any] = {name: PROFILES[i % len(PROFILES)] for i, name in enumerate(FLEET)}
    hosts[GONE] = {**W7, "faults": {"unreachable": True}}
    hosts[FIXED] = {**W7, "build": 7601, "csd_version": "Service Pack 1", "volsnap_version": "6.1.7601.17514"}
    # Serial waves: the first host of each play fails its install.
    hosts["wave1-fails"] = {**W7, "faults": {"installer_exit_code": 1603, **FAST}}
    hosts["wave2"] = W7
    hosts["wave3"] = W7
    return lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": hosts})


def slices(hosts: list[str]) -> list[str]:
    """AWX job slicing: slice k of N runs on every Nth host of the inventory, starting at the kth."""
    return [",".join(hosts[k::SLICES]) for k in range(SLICES)]


def sliced(tmp_path: Path, lab: Lab, playbook: str, hosts: list[str], extravars: dict[str, Any]) -> list[AwxJob]:
    return [
        AwxJob(tmp_path / f"slice{k}", lab, playbook, {**extravars, "awx_job_id": 100 + k}, limit)
        for k, limit in enumerate(slices(hosts))
    ]


def awx_merge(jobs: list[AwxJob]) -> dict[str, Any]:
    """AWX hands the next workflow node its parents' artifacts updated into one dict, in order (no deeper merge)."""
    merged: dict[str, Any] = {}
    for job in jobs:
        merged.update(job.artifacts)
    return merged


def report(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text())  # type: ignore[no-any-return]


def assert_no_secret(*jobs: AwxJob) -> None:
    for job in jobs:
        text = job.everything()
        for secret in SECRETS:
            assert secret not in text, (job.pdd.name, secret)


def bytes_per_host(jobs: list[AwxJob], kind: str) -> float:
    """What a host adds to a slice's artifact, as compact JSON (README: bytes per host); hosts with an error aside."""
    rows = [
        row
        for job in jobs
        for name, part in job.artifacts.items()
        if name.startswith("volsnap_part_")
        for row in part["rows"].values()
        if not row["error"]
    ]
    size = len(json.dumps(rows, separators=(",", ":"))) / len(rows)
    print(f"\n{kind}: {size:.0f} bytes per host in a part")
    return size


@pytest.mark.fault("secrets")
def test_an_audit_in_three_slices_merges_to_the_unsliced_report(lab: Lab, tmp_path: Path) -> None:
    whole = AwxJob(tmp_path / "whole", lab, "audit.yml", {"volsnap_report_dir": str(tmp_path / "whole-report")}, "h*")
    assert whole.run.rc != 0  # the unreachable host fails the audit, after the report has it
    parts = sliced(tmp_path, lab, "audit.yml", FLEET, {})
    assert [job.run.rc != 0 for job in parts] == [GONE in s.split(",") for s in slices(FLEET)]
    for k, job in enumerate(parts):
        part = job.artifacts[f"volsnap_part_{100 + k}"]
        assert sorted(part["rows"]) == sorted(slices(FLEET)[k].split(","))  # the slice's hosts, nothing else
        assert job.artifacts["volsnap_summary"] == {
            s: sum(r["status"] == s for r in part["rows"].values()) for s in job.artifacts["volsnap_summary"]
        }
        assert "volsnap_report_dir" not in job.artifacts
    artifacts = awx_merge(parts)
    assert sorted(k for k in artifacts if k.startswith("volsnap_part_")) == [
        "volsnap_part_100",
        "volsnap_part_101",
        "volsnap_part_102",
    ]
    merge = AwxJob(
        tmp_path / "merge", lab, "report_merge.yml", {**artifacts, "volsnap_report_dir": str(tmp_path / "m")}
    )
    assert merge.run.rc == 0, merge.run.stdout.read()
    expected, merged = report(tmp_path / "whole-report"), report(tmp_path / "m")
    assert sorted(merged["hosts"]) == sorted(expected["hosts"]) == FLEET
    for host in FLEET:
        assert {k: merged["hosts"][host][k] for k in COMPARED} == {k: expected["hosts"][host][k] for k in COMPARED}
    assert merged["summary"] == expected["summary"] == merge.artifacts["volsnap_summary"]
    assert merged["hosts"][GONE]["status"] == "unknown" and "cannot reach" in merged["hosts"][GONE]["reason"]
    assert merged["summary"]["unknown"] == 1 and merged["summary"]["compliant"] == 1
    assert (tmp_path / "m" / "report.csv").read_text().count("\n") == len(FLEET) + 1
    assert "h29" in (tmp_path / "m" / "report.html").read_text()
    assert_no_secret(whole, *parts, merge)
    assert bytes_per_host(parts, "audit") < 600


def test_a_remediation_in_three_slices_then_report_merge_requires_compliant(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    reachable = [h for h in FLEET if h != GONE]
    extravars = {"volsnap_package_dir": str(packages), "volsnap_restart": "now"}
    parts = sliced(tmp_path, lab, "remediate.yml", reachable, extravars)
    assert [job.run.rc for job in parts] == [0] * SLICES
    artifacts = awx_merge(parts)
    merge = AwxJob(
        tmp_path / "merge",
        lab,
        "report_merge.yml",
        {**artifacts, "volsnap_require": "compliant", "volsnap_report_dir": str(tmp_path / "m")},
    )
    assert merge.run.rc == 0, merge.run.stdout.read()
    merged = report(tmp_path / "m")
    assert sorted(merged["hosts"]) == reachable
    assert {row["status"] for row in merged["hosts"].values()} == {"compliant"}
    assert merge.artifacts["volsnap_summary"]["compliant"] == len(reachable)
    installed = [
        h for h, row in merged["hosts"].items() if any(a.startswith("update: installed") for a in row["actions"])
    ]
    assert len(installed) == len(reachable) - 1 and FIXED not in installed
    assert_no_secret(*parts, merge)
    assert bytes_per_host(parts, "remediation") < 600
    # The same requirement over the audit's parts of a slice with the unreachable host fails, naming it.
    audit_slice = AwxJob(tmp_path / "audit", lab, "audit.yml", {"awx_job_id": 200}, slices(FLEET)[GONE_SLICE])
    failing = AwxJob(
        tmp_path / "merge-2", lab, "report_merge.yml", {**audit_slice.artifacts, "volsnap_require": "compliant"}
    )
    assert failing.run.rc != 0
    message = next(e for e in failing.events if e["event"] == "runner_on_failed")["event_data"]["res"]["msg"]
    assert message.startswith("not compliant: ") and f"{GONE} (unknown: " in message
    assert all(f"{h} (" not in message for h in slices(FLEET)[GONE_SLICE].split(",") if h != GONE)


@pytest.mark.fault("unreachable")
def test_audit_and_remediate_with_a_limit_write_the_report_and_fail_for_an_unreachable_host(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    alone = run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/audit.yml",
        "-l",
        GONE,
        *extra_vars(
            f"volsnap_report_dir={tmp_path / 'alone'}",
        ),
    )
    assert alone.returncode != 0 and f"not assessed: {GONE} (unknown: " in alone.stdout
    assert list(report(tmp_path / "alone")["hosts"]) == [GONE]
    audit = run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/audit.yml",
        "-l",
        f"{GONE},{FIXED},h01",
        *extra_vars(
            f"volsnap_report_dir={tmp_path / 'audit'}",
        ),
    )
    assert audit.returncode != 0 and f"not assessed: {GONE} (unknown: " in audit.stdout
    rows = report(tmp_path / "audit")["hosts"]
    assert sorted(rows) == sorted([GONE, FIXED, "h01"])  # the limited hosts, nothing else
    assert (rows[GONE]["status"], rows[FIXED]["status"]) == ("unknown", "compliant") and not rows["h01"]["error"]
    done = remediate(
        lab,
        "all",
        "-l",
        f"{GONE},{FIXED}",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path / 'remediate'}",
            "volsnap_serial=1",
        ),
    )
    assert done.returncode != 0 and f"not remediated: {GONE} (unknown: " in done.stdout
    rows = report(tmp_path / "remediate")["hosts"]
    assert {h: r["status"] for h, r in rows.items()} == {GONE: "unknown", FIXED: "compliant"}
    assert "cannot reach the WinRM endpoint" in rows[GONE]["reason"]


def test_serial_waves_stop_when_a_batch_fails_beyond_the_percentage(lab: Lab, packages: Path, tmp_path: Path) -> None:
    waves = "wave1-fails,wave2,wave3"  # batches follow this (inventory) order
    common = ("-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now")

    def wave(name: str, *extra: str) -> tuple[Any, dict[str, Any], dict[str, list[list[str]]]]:
        before = {h: len(lab.commands(h)) for h in waves.split(",")}
        done = remediate(lab, waves, *common, "-e", f"volsnap_report_dir={tmp_path / name}", *extra)
        ran = {h: lab.commands(h)[before[h] :] for h in waves.split(",")}
        return done, report(tmp_path / name)["hosts"], ran

    # serial 1, no failure allowed: the failing first host stops the second before it is even probed.
    done, rows, ran = wave(
        "one",
        *("-e", "volsnap_serial=1", "-e", "volsnap_max_fail_percentage=0"),
        *("-e", f"volsnap_save_part={tmp_path / 'part.json'}"),
    )
    assert done.returncode != 0 and "not remediated: wave1-fails (vulnerable: " in done.stdout
    assert ran["wave2"] == [] and ran["wave3"] == []
    assert "1603" in rows["wave1-fails"]["reason"] and rows["wave1-fails"]["error"]
    assert rows["wave2"]["error"].startswith("not attempted") and rows["wave2"]["time"] is None
    ((name, saved),) = json.loads((tmp_path / "part.json").read_text()).items()
    assert re.fullmatch(r"volsnap_part_\d{8}T\d{6}Z_[0-9a-f]{6}", name), name  # outside AWX: time and random
    assert sorted(saved["rows"]) == ["wave1-fails", "wave2", "wave3"]
    # serial 2: one failure in a batch of two is 50 %, above 0: the batch finishes, the third host is not touched.
    done, rows, ran = wave("two", "-e", "volsnap_serial=2", "-e", "volsnap_max_fail_percentage=0")
    assert done.returncode != 0 and rows["wave2"]["status"] == "compliant" and ran["wave3"] == []
    # The same within the percentage (the default, 100): the next batch runs.
    done, rows, ran = wave("three", "-e", "volsnap_serial=2")
    assert done.returncode != 0 and rows["wave3"]["status"] == "compliant" and ran["wave3"] != []
    assert "not remediated: wave1-fails" in done.stdout


def test_verify_and_rollback_publish_their_part_too(lab: Lab, tmp_path: Path) -> None:
    verify = AwxJob(tmp_path / "verify", lab, "verify.yml", {"awx_job_id": 300}, f"{FIXED},{GONE}")
    assert verify.run.rc != 0  # the unreachable host is not verified
    rows = verify.artifacts["volsnap_part_300"]["rows"]
    assert rows[FIXED]["status"] == "compliant" and rows[GONE]["error"]
    assert verify.artifacts["volsnap_summary"]["compliant"] == 1
    failed = {
        e["event_data"]["host"]: e["event_data"]["res"]["msg"]
        for e in verify.events
        if e["event"] == "runner_on_failed" and not e["event_data"].get("ignore_errors")
    }
    assert list(failed) == [GONE] and failed[GONE].startswith(f"not fixed: {GONE} (unknown: ")
    # In serial batches, each batch publishes the run's rows and counts so far (set_stats would merge dicts, and
    # counts of the last batch alone would replace the run's).
    extravars = {"awx_job_id": 301, "volsnap_serial": 1}
    rollback = AwxJob(tmp_path / "rollback", lab, "rollback.yml", extravars, f"{FIXED},{GONE}")
    assert rollback.run.rc != 0  # the unreachable host, in the second batch
    rows = rollback.artifacts["volsnap_part_301"]["rows"]
    assert rows[FIXED]["status"] == "compliant" and rows[GONE]["error"]  # SP1: nothing to remove
    summary = rollback.artifacts["volsnap_summary"]
    assert (summary["compliant"], summary["unknown"], sum(summary.values())) == (1, 1, 2)
    assert "volsnap_report_dir" not in rollback.artifacts
