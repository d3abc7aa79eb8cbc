"""An AWX-style run: ansible-runner with a private data dir (inventory, extravars, env, project), as AWX does it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, W7, W2003, AwxJob, Lab


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {"defaults": DEFAULTS, "hosts": {"w7": W7, "w2003": W2003, "gone": {**W7, "faults": {"unreachable": True}}}}
    )


@pytest.mark.fault("secrets")
def test_audit_job_events_and_stats_artifact(lab: Lab, tmp_path: Path) -> None:
    report = tmp_path / "report"
    job = AwxJob(tmp_path / "pdd", lab, "audit.yml", {"volsnap_report_dir": str(report)})
    events = job.events
    assessed = {
        e["event_data"]["host"]: e["event_data"]["res"]["ansible_facts"]["volsnap"]["assessment"]["status"]
        for e in events
        if e["event"] == "runner_on_ok" and e["event_data"].get("task") == "Assess"
    }
    assert assessed == {"w7": "vulnerable", "w2003": "vulnerable"}
    assert any(e["event"] == "runner_on_unreachable" and e["event_data"]["host"] == "gone" for e in events)
    stats = next(e for e in events if e["event"] == "playbook_on_stats")
    summary = stats["event_data"]["artifact_data"]["volsnap_summary"]
    assert summary["vulnerable"] == 2 and summary["unknown"] == 1
    assert DEFAULTS["password"] not in job.everything()
    assert json.loads((report / "report.json").read_text())["hosts"]["gone"]["status"] == "unknown"
