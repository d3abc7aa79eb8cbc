"""An AWX-style run: ansible-runner with a private data dir (inventory, extravars, env, project), as AWX does it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
from conftest import DEFAULTS, W7, W2003, Lab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {"defaults": DEFAULTS, "hosts": {"w7": W7, "w2003": W2003, "gone": {**W7, "faults": {"unreachable": True}}}}
    )


def _private_data_dir(base: Path, lab: Lab, extravars: dict[str, Any]) -> Path:
    pdd = base / "pdd"
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "env").mkdir()
    shutil.copy(lab.inventory, pdd / "inventory" / "hosts")
    shutil.copytree(ROOT / "playbooks", pdd / "project")
    (pdd / "env" / "extravars").write_text(json.dumps(extravars))
    (pdd / "env" / "envvars").write_text(
        json.dumps(
            {
                "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv" / "collections"),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "ANSIBLE_HOST_KEY_CHECKING": "False",
            }
        )
    )
    return pdd


@pytest.mark.fault("secrets")
def test_audit_job_events_and_stats_artifact(lab: Lab, tmp_path: Path) -> None:
    report = tmp_path / "report"
    pdd = _private_data_dir(tmp_path, lab, {"volsnap_report_dir": str(report)})
    run = ansible_runner.run(private_data_dir=str(pdd), playbook="audit.yml", quiet=True)
    events = list(run.events)
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
    everything = json.dumps(events) + "".join(
        p.read_text(errors="replace") for p in (pdd / "artifacts").rglob("*") if p.is_file()
    )
    assert DEFAULTS["password"] not in everything
    assert json.loads((report / "report.json").read_text())["hosts"]["gone"]["status"] == "unknown"
