"""Installers that stay quiet, through the playbooks: a host that answers Receives with w:TimedOut for longer than the
operation timeout is waited for; one that outlasts ansible_winrs_command_timeout fails clearly and keeps its lock
and work folder, because its installer may still be running."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, W7, Lab, extra_vars, remediate, run_ansible
from fault_matrix import fault

from winlab.stats import read_stats

FAST = {"restart_takes_s": 1}
STUCK_FOR_S = 24  # long enough for a second ansible-playbook to probe the host before it ends, on a busy machine


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {
            "defaults": {**DEFAULTS, "faults": FAST},
            "hosts": {
                "quiet": {**W7, "faults": {"command_takes_s": {"/add-package": 6}, **FAST}},
                "stuck": {**W7, "faults": {"command_takes_s": {"/add-package": STUCK_FOR_S}, **FAST}},
            },
        }
    )


def _row(directory: Path, host: str) -> dict[str, Any]:
    return json.loads((directory / "report.json").read_text())["hosts"][host]  # type: ignore[no-any-return]


def _temp_listing(lab: Lab, host: str) -> str:
    done = run_ansible("ansible", "-i", str(lab.inventory), host, "-m", "raw", "-a", r"dir /b C:\Windows\Temp")
    assert done.returncode == 0, done.stdout
    return done.stdout


@fault("quiet-installer")
def test_an_installer_quiet_for_three_operation_timeouts_ends_compliant(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    done = remediate(
        lab,
        "quiet",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
            "ansible_winrm_operation_timeout_sec=2",
            "ansible_winrm_read_timeout_sec=4",
        ),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert _row(tmp_path, "quiet")["status"] == "compliant"
    time.sleep(1)  # the lab writes its counters twice a second
    assert read_stats(lab.state_dir)["quiet"]["receive_timeouts"] >= 2  # dism ran 6 s, each Receive waited 2 s
    assert lab.programs("quiet").count("dism.exe") == 1


@fault("command-timeout")
def test_an_installer_past_command_timeout_fails_and_keeps_lock_and_work_folder(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    args = extra_vars(
        f"volsnap_package_dir={packages}",
        "volsnap_restart=now",
        f"volsnap_report_dir={tmp_path}",
        "ansible_winrm_operation_timeout_sec=1",
        "ansible_winrm_read_timeout_sec=3",
        "ansible_winrs_command_timeout=3",
    )
    started = time.monotonic()
    first = remediate(lab, "stuck", *args)
    assert first.returncode != 0
    reason = _row(tmp_path, "stuck")["reason"]
    port = lab.hosts["stuck"].port
    assert f"winrs: http://127.0.0.1:{port}/wsman (transport ntlm): dism.exe was still running after 3 s" in reason
    assert "ansible_winrs_command_timeout" in reason and "it was not stopped" in reason
    folder = re.search(r"the work folder (C:\\Windows\\Temp\\winfix-volsnap-[0-9a-f]{8})", reason)
    assert folder is not None, reason
    assert r"the lock C:\Windows\Temp\winfix-volsnap.lock" in reason
    assert "The installer may still be running on the host; a later run will find the lock" in reason
    listing = _temp_listing(lab, "stuck")
    assert "winfix-volsnap.lock" in listing and folder.group(1).rsplit("\\", 1)[1] in listing
    assert "shutdown" not in lab.programs("stuck") and "rmdir" not in lab.programs("stuck")
    # A later run meets the lock and changes nothing.
    second = remediate(lab, "stuck", *args)
    assert second.returncode != 0, second.stdout[-6000:]
    refused = _row(tmp_path, "stuck")["reason"]
    assert "another winfix.volsnap run holds the lock" in refused
    assert "will be broken once it is older than volsnap_lock_max_age_s (21600 s)" in refused
    assert lab.programs("stuck").count("dism.exe") == 0  # the first dism has not ended yet
    # The installer was left running, not stopped: it ends and takes effect on the host.
    time.sleep(max(0.0, STUCK_FOR_S + 1 - (time.monotonic() - started)))
    facts = run_ansible("ansible", "-i", str(lab.inventory), "stuck", "-m", "winfix.volsnap.volsnap_facts")
    assert '"status": "reboot_pending"' in facts.stdout, facts.stdout[-2000:]
    assert lab.programs("stuck").count("dism.exe") == 1
