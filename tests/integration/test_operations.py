"""Operations a fleet needs, against the lab: locks left by dead runs, a lock that cannot be made, host time zones,
a restart whose answer is lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import (
    BIN,
    DEFAULTS,
    ROOT,
    VISTA,
    W7,
    W2003,
    Lab,
    ansible_env,
    extra_vars,
    host_now,
    raw,
    remediate,
    run_ansible,
)
from fault_matrix import fault

FAST = {"restart_takes_s": 1}
LOCK = r"C:\Windows\Temp\winfix-volsnap.lock"


def _module(lab: Lab, host: str, module: str, args: str, *extra: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """An ad-hoc module run and its result (the JSON after `host | STATUS =>`)."""
    done = run_ansible("ansible", "-i", str(lab.inventory), host, "-m", f"winfix.volsnap.{module}", "-a", args, *extra)
    start = done.stdout.find("=> {")
    assert start >= 0, done.stdout + done.stderr
    return done, json.loads(done.stdout[start + 3 :])


def _events(lab: Lab, host: str) -> list[dict[str, str]]:
    path = lab.state_dir / "hosts" / host / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _installs(lab: Lab, host: str) -> int:
    """dism command lines the host received (a slow command is logged in commands.jsonl only when it ends)."""
    return sum("/add-package" in line["line"] for line in lab.command_lines(host))


def _row(directory: Path, host: str) -> dict[str, Any]:
    return json.loads((directory / "report.json").read_text())["hosts"][host]  # type: ignore[no-any-return]


# -- locks ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {
            "defaults": {**DEFAULTS, "faults": FAST},
            "hosts": {
                "killed": {
                    **W7,
                    "faults": {"command_takes_s": {"/add-package": 6}, "installer_exit_code": 1603, **FAST},
                },
                "stale": W7,
                "denied": {**W7, "faults": {"access_denied": [LOCK], **FAST}},
                "lost": {**W7, "faults": {"drop_during_command": "shutdown", **FAST}},
            },
        }
    )


@fault("stale-lock")
def test_a_killed_run_leaves_its_lock_a_later_run_refuses_it_fresh_and_breaks_it_stale(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    args = extra_vars(
        f"volsnap_package_dir={packages}",
        "volsnap_restart=none",
        f"volsnap_report_dir={tmp_path}",
    )
    command = [str(BIN / "ansible-playbook"), "-i", str(lab.inventory), "playbooks/remediate.yml"]
    command += ["-e", "volsnap_hosts=killed", *args]
    run = subprocess.Popen(command, cwd=ROOT, env=ansible_env(), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any("/add-package" in line["line"] for line in lab.command_lines("killed")):
        assert run.poll() is None and time.monotonic() < deadline, "the installer never started"
        time.sleep(0.1)
    # AWX's cancel: SIGKILL, and the execution environment's container goes with it, so every process of the run dies
    # (ansible's workers run in sessions of their own: killing the process group alone would leave them running).
    tree = [run.pid, *(child.pid for child in psutil.Process(run.pid).children(recursive=True))]
    for pid in tree:
        os.kill(pid, signal.SIGKILL)
    run.wait(30)
    killed_at = time.monotonic()
    listing = raw(lab, "killed", r"dir /b C:\Windows\Temp")
    assert "winfix-volsnap.lock" in listing and re.search(r"winfix-volsnap-[0-9a-f]{8}", listing)
    owner = raw(lab, "killed", rf"type {LOCK}\owner.txt")
    taken = re.search(r"winfix-volsnap lock taken (\d{14})\.\d{6}[+-]\d{3} by \S+ run ([0-9a-f]{8})", owner)
    assert taken is not None, owner  # the host's own time when the lock was taken
    run_id = taken.group(2)

    fresh = remediate(lab, "killed", *args, "-e", "volsnap_lock_max_age_s=3600")
    assert fresh.returncode != 0
    reason = _row(tmp_path, "killed")["reason"]
    assert f"another winfix.volsnap run holds the lock on this host ({LOCK}): run {run_id} of " in reason, reason
    assert "old and will be broken once it is older than volsnap_lock_max_age_s (3600 s)" in reason
    assert _installs(lab, "killed") == 1  # nothing installed by the refused run

    time.sleep(max(0.0, 5 - (time.monotonic() - killed_at)))
    broke = remediate(lab, "killed", *args, "-e", "volsnap_lock_max_age_s=4", "-v")
    output = broke.stdout + broke.stderr
    warning = f"killed: broke the stale lock {LOCK} of run {run_id} of "
    assert f"[WARNING]: {warning}" in output, output[-4000:]
    assert output.count(warning) >= 2  # the warning, and the same line at -v
    assert "above volsnap_lock_max_age_s (4 s)" in output
    assert _installs(lab, "killed") == 2  # this run took the lock and installed
    row = _row(tmp_path, "killed")
    assert "1603" in row["reason"]  # the installer fault, reported as such
    assert any(action.startswith(f"lock: broke the stale lock {LOCK} of run {run_id}") for action in row["actions"])
    assert "winfix-volsnap.lock" not in raw(lab, "killed", r"dir /b C:\Windows\Temp")  # released afterwards


@fault("stale-lock")
def test_a_lock_of_another_controller_older_than_the_default_is_broken_and_the_result_says_whose(
    lab: Lab, packages: Path
) -> None:
    seven_hours_ago = host_now(lab, "stale") - dt.timedelta(hours=7)
    owner = f"winfix-volsnap lock taken {seven_hours_ago:%Y%m%d%H%M%S}.000000+000 by awx-ee-7f9c run 0badc0de"
    raw(lab, "stale", f"mkdir {LOCK} && echo {owner}> {LOCK}\\owner.txt")
    done, result = _module(lab, "stale", "volsnap_update", f"package_dir={packages}")
    assert done.returncode == 0, done.stdout
    broken = result["lock_broken"]
    assert (broken["controller"], broken["run"], broken["max_age_s"]) == ("awx-ee-7f9c", "0badc0de", 21600)
    assert 7 * 3600 <= broken["age_s"] < 7 * 3600 + 120
    assert broken["msg"].startswith(f"broke the stale lock {LOCK} of run 0badc0de of awx-ee-7f9c, taken ")
    assert "7 h 0" in broken["msg"]
    assert f"[WARNING]: stale: {broken['msg']}" in done.stdout + done.stderr
    assert result["outcome"] == "installed"


@fault("lock-not-created")
def test_a_lock_that_cannot_be_made_says_why_and_not_another_run(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = remediate(lab, "denied", "-e", f"volsnap_package_dir={packages}", "-e", f"volsnap_report_dir={tmp_path}")
    assert done.returncode != 0
    reason = _row(tmp_path, "denied")["reason"]
    assert f"cannot create the lock {LOCK}: Access is denied.; nothing was changed" in reason
    assert "another" not in reason
    ran = lab.programs("denied")
    assert "findstr" not in ran and "dism.exe" not in ran and "shutdown" not in ran


# -- restart --------------------------------------------------------------------------------------------------------
@fault("restart-reply-lost")
def test_a_restart_whose_answer_is_lost_is_confirmed_by_the_boot_time(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = remediate(
        lab,
        "lost",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
        ),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    row = _row(tmp_path, "lost")
    assert row["status"] == "compliant"
    assert any("the answer of shutdown was lost" in a and "new boot time confirms" in a for a in row["actions"]), row
    shutdowns = [line["line"] for line in lab.command_lines("lost") if line["line"].startswith("shutdown")]
    assert shutdowns == ['shutdown /r /f /t 2 /d p:2:17 /c "winfix.volsnap KB2748349"']  # sent once, /t 2
    assert [e["event"] for e in _events(lab, "lost")].count("boot") == 1


# -- host time ------------------------------------------------------------------------------------------------------
RATE = 120.0  # lab seconds per real second


@pytest.fixture(scope="module")
def ahead(lab_factory: Any) -> Lab:
    """Hosts five hours ahead of the controller (which, like an AWX execution environment, may run in UTC)."""
    tz = {"utc_offset_minutes": 300, "pending_reboot": True, "faults": {"restart_takes_s": 0.5}}
    return lab_factory(
        {"defaults": DEFAULTS, "hosts": {"vista5h": {**VISTA, **tz}, "w2003_5h": {**W2003, **tz}}}, clock_rate=RATE
    )


@fault("host-time-zone")
@pytest.mark.parametrize("host", ["vista5h", "w2003_5h"])  # Task Scheduler 2.0 (XML) and 1.0 (/st /sd)
def test_a_delay_beyond_the_shutdown_limit_fires_at_the_host_s_time(ahead: Lab, host: str) -> None:
    delay = 3600  # above shutdown /t's 600 s on these builds: a scheduled task
    done, result = _module(ahead, host, "volsnap_restart", f"mode=delay delay={delay}")
    assert done.returncode == 0, done.stdout
    probed = dt.datetime.fromisoformat(result["host_time"])
    scheduled = dt.datetime.fromisoformat(result["scheduled_for"])
    assert scheduled - probed == dt.timedelta(seconds=delay)
    assert dt.datetime.fromisoformat(result["scheduled_for_utc"].rstrip("Z")) == scheduled - dt.timedelta(hours=5)
    assert "host time (UTC+05:00)" in result["msg"]
    # The lab's clock is UTC: the host shows it five hours ahead; the task must wait for the host's own time.
    deadline = time.monotonic() + (delay / RATE) * 3 + 30
    while not any(e["event"] == f"task {result['task_name']} ran" for e in _events(ahead, host)):
        assert time.monotonic() < deadline, "the restart task never ran"
        time.sleep(0.2)
    ran = next(e for e in _events(ahead, host) if e["event"] == f"task {result['task_name']} ran")
    fired = dt.datetime.fromisoformat(ran["host_time"])
    assert fired - dt.datetime.fromisoformat(ran["lab_time"]) == dt.timedelta(hours=5)
    assert scheduled <= fired <= scheduled + dt.timedelta(seconds=RATE * 1.5)  # the lab ticks twice a second
    assert "restart" in [e["event"] for e in _events(ahead, host)]
