"""The preflight against a mixed lab fleet: it marks exactly what each host lacks, writes preflight.json, prints the
table, fails naming the hosts that are not ready (with --limit and serial too), and sends every host reading commands
only: the lab's command logs hold nothing that writes, and the locks it found are still there."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, VISTA, W7, W2003, AwxJob, Lab, extra_vars, host_now, raw, run_ansible

from winlab.host import cmdparse
from winlab.host.cmdparse import Binary, Block, If, Node

LOCK = r"C:\Windows\Temp\winfix-volsnap.lock"
PASSWORD = DEFAULTS["password"]
SMALL_DISK = [{"drive": "C:", "capacity_bytes": 25769803776, "free_bytes": 1_000_000}]  # the package needs ~3 MB
FLEET: dict[str, dict[str, Any]] = {
    "ready-w7": W7,
    "ready-vista": VISTA,
    "ready-2003": W2003,  # stock SP2: SHA-1 only, proven by the controller's copy
    "url-2003": W2003,  # source url (host_vars): no certutil -urlcache on Server 2003
    "stale-lock": W7,
    "fresh-lock": W7,
    "small-disk": {**W7, "volumes": SMALL_DISK},
    "no-dism": W7,  # its dism.exe is deleted before the run
    "down": {**W7, "faults": {"unreachable": True}},
    "pending": {**W7, "pending_reboot": True},
    "compliant": {**W7, "volsnap_version": "6.1.7600.17122"},
}
# What each host lacks: the failed checks of its row, in row order.
EXPECTED = {
    "ready-w7": [],
    "ready-vista": [],
    "ready-2003": [],
    "url-2003": ["urlcache"],
    "stale-lock": [],
    "fresh-lock": ["lock"],
    "small-disk": ["disk_space"],
    "no-dism": ["installer"],
    "down": ["reachable"],
    "pending": ["pending_restart"],
    "compliant": [],
}
# Reading commands only: (program, verb) as the fidelity ledger names them (tests/ledger.py), nothing else.
READ_ONLY = {
    ("reg", "query"),
    ("wmic", "datafile"),
    ("wmic", "volume"),
    ("wmic", "os"),
    ("wmic", "logicaldisk"),
    ("vssadmin", "list shadows"),
    ("certutil", "-hashfile"),
    ("type", None),
    ("echo", None),
}


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    started = lab_factory({"defaults": DEFAULTS, "hosts": FLEET})
    host_vars = started.inventory.parent / "host_vars"
    host_vars.mkdir()
    (host_vars / "url-2003.yml").write_text(
        "volsnap_package_source: url\nvolsnap_package_url: http://127.0.0.1:9/kb2748349/\n"  # never fetched
    )
    now = {name: host_now(started, name) for name in ("stale-lock", "fresh-lock")}
    for name, age in (("stale-lock", dt.timedelta(hours=7)), ("fresh-lock", dt.timedelta(minutes=10))):
        taken = now[name] - age
        owner = f"winfix-volsnap lock taken {taken:%Y%m%d%H%M%S}.000000+000 by awx-ee-7f9c run 0badc0de"
        raw(started, name, f"mkdir {LOCK} && echo {owner}> {LOCK}\\owner.txt")
    raw(started, "no-dism", r"del /q C:\Windows\System32\dism.exe")
    return started


def _preflight(lab: Lab, packages: Path, report: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/preflight.yml",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            f"volsnap_report_dir={report}",
        ),
        *extra,
    )


def _failed(row: dict[str, Any]) -> list[str]:
    return [name for name, check in row["checks"].items() if not check["ok"]]


def _writes(node: Node) -> Iterable[str]:
    """Output redirections of a parsed line to anything but nul (what could write a file)."""
    if isinstance(node, Binary):
        yield from _writes(node.left)
        yield from _writes(node.right)
    elif isinstance(node, If):
        yield from _writes(node.body)
        if node.otherwise is not None:
            yield from _writes(node.otherwise)
    else:
        if isinstance(node, Block):
            yield from _writes(node.body)
        for redirect in node.redirects:
            if redirect.mode != "<" and redirect.target.lower() != "nul":
                yield f"{redirect.mode}{redirect.target}"


def _verb(argv: list[str]) -> tuple[str, str | None]:
    program = argv[0].replace("/", "\\").rsplit("\\", 1)[-1].lower().removesuffix(".exe")
    if program in ("reg", "wmic"):
        return program, argv[1].lower() if len(argv) > 1 else None
    if program == "vssadmin":
        return program, " ".join(argv[1:3]).lower()
    if program == "certutil":
        return program, next((a.lower() for a in argv[1:] if a.startswith("-")), None)
    return ("echo" if program.startswith("echo") else program), None


def _assert_read_only(lab: Lab, host: str, lines_before: int, commands_before: int) -> int:
    """Every command line the host got since, as sent and as it ran, reads only. Returns how many lines it got."""
    from ledger import commands_of

    lines = lab.command_lines(host)[lines_before:]
    for record in lines:
        line = record["runs"] if record["runs"] is not None else record["line"]
        assert set(commands_of(line)) <= READ_ONLY, (host, line)
        assert list(_writes(cmdparse.parse(line))) == [], (host, line)
    ran = {_verb(argv) for argv in lab.commands(host)[commands_before:]}
    assert ran <= READ_ONLY, (host, ran - READ_ONLY)
    return len(lines)


def test_a_mixed_fleet_is_marked_host_by_host_and_nothing_changes(lab: Lab, packages: Path, tmp_path: Path) -> None:
    before = {name: (len(lab.command_lines(name)), len(lab.commands(name))) for name in FLEET}
    done = _preflight(lab, packages, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    written = json.loads((tmp_path / "preflight.json").read_text())
    assert set(written) == {"generated", "summary", "hosts"} and set(written["hosts"]) == set(FLEET)
    rows = written["hosts"]
    for name, row in rows.items():
        assert set(row) == {"ready", "checks"}, name
        assert all(set(check) == {"ok", "detail"} for check in row["checks"].values()), name
    assert {name: _failed(row) for name, row in rows.items()} == EXPECTED
    assert {name for name, row in rows.items() if row["ready"]} == {n for n, lacks in EXPECTED.items() if not lacks}
    assert written["summary"] == {"ready": 5, "not_ready": 6}

    # What each check found, in the host's own terms.
    checks = {name: {check: value["detail"] for check, value in row["checks"].items()} for name, row in rows.items()}
    assert checks["ready-w7"]["host_hash"].startswith("sha256: ")
    assert checks["ready-vista"]["installer"].startswith(r"expand.exe and pkgmgr.exe in C:\Windows\System32")
    assert (
        checks["ready-2003"]["host_hash"].startswith("sha1: ")
        and "controller's copy" in checks["ready-2003"]["host_hash"]
    )
    assert checks["ready-2003"]["installer"].startswith(r"update.exe runs itself; C:\WINDOWS\Temp exists")
    assert checks["url-2003"]["urlcache"].startswith("Windows Server 2003 has no certutil -urlcache")
    assert "7 h 0" in checks["stale-lock"]["lock"] and "would be broken" in checks["stale-lock"]["lock"]
    assert "run 0badc0de of awx-ee-7f9c" in checks["fresh-lock"]["lock"]
    assert "a run now would refuse it" in checks["fresh-lock"]["lock"]
    assert checks["small-disk"]["disk_space"].startswith("C: has only 1.0 MB free")
    assert checks["no-dism"]["installer"] == r"dism.exe not in C:\Windows\System32: dism cannot run"
    assert "cannot reach the WinRM endpoint" in checks["down"]["reachable"]
    assert checks["pending"]["pending_restart"].startswith("pending for another change")
    assert set(checks["compliant"]) == {"reachable", "assessment", "pending_restart", "host_time"}
    assert checks["compliant"]["assessment"].startswith("compliant: ")
    assert checks["ready-w7"]["host_time"].endswith("(UTC+00:00) host time")

    # The table, then the verdict naming every host that is not ready (and no other).
    assert re.search(r"fresh-lock\s+no\s+lock", output) and re.search(r"url-2003\s+no\s+urlcache", output)
    assert re.search(r'"ready-w7\s+yes"', output), output[-3000:]
    for name, lacks in EXPECTED.items():
        named = f"not ready: {name} (" in output
        assert named == bool(lacks), name
    assert PASSWORD not in output and PASSWORD not in (tmp_path / "preflight.json").read_text()

    # Nothing but reading commands reached any host, and the locks it found are where they were.
    for name in FLEET:
        sent = _assert_read_only(lab, name, *before[name])
        if name == "down":
            assert sent == 0
        elif EXPECTED[name] == [] and name == "compliant":
            assert sent == 1  # the probe only: nothing to install there
        else:
            assert sent == 2, (name, sent)  # the probe and the one preflight line
    for name in ("stale-lock", "fresh-lock"):
        listing = raw(lab, name, r"dir /b C:\Windows\Temp")
        assert "winfix-volsnap.lock" in listing and not re.search(r"winfix-volsnap-[0-9a-f]{8}", listing)


def test_with_limit_and_serial_the_limited_hosts_get_their_rows_and_the_verdict(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    limited = ["ready-w7", "fresh-lock", "down"]
    done = _preflight(lab, packages, tmp_path, "--limit", ",".join(limited), "-e", "volsnap_serial=1")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    rows = json.loads((tmp_path / "preflight.json").read_text())["hosts"]
    assert {name: _failed(row) for name, row in rows.items()} == {name: EXPECTED[name] for name in limited}
    assert "not ready: fresh-lock (lock: " in output and "not ready: down (reachable: " in output
    assert "not ready: ready-w7" not in output


def test_volsnap_preflight_fail_false_reports_without_failing(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = _preflight(lab, packages, tmp_path, "--limit", "ready-w7,small-disk", "-e", "volsnap_preflight_fail=false")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    rows = json.loads((tmp_path / "preflight.json").read_text())["hosts"]
    assert {name: row["ready"] for name, row in rows.items()} == {"ready-w7": True, "small-disk": False}
    assert "not ready: small-disk" not in done.stdout


def test_an_awx_job_limited_to_some_hosts_publishes_the_preflight_and_no_secret(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    """As AWX runs it (ansible-runner, a private data dir, the Limit field): the job fails for the host that is not
    ready, and its artifacts say which check failed; nothing in the events or artifacts carries the password."""
    extravars = {"volsnap_package_dir": str(packages), "volsnap_report_dir": str(tmp_path / "report")}
    job = AwxJob(tmp_path / "pdd", lab, "preflight.yml", extravars, limit="ready-vista,small-disk")
    assert job.run.status == "failed"
    published = job.artifacts["volsnap_preflight"]
    assert published["summary"] == {"ready": 1, "not_ready": 1}
    assert published["not_ready"] == {"small-disk": ["disk_space"]}
    failed = {e["event_data"]["host"] for e in job.events if e["event"] == "runner_on_failed"}
    assert failed == {"small-disk"}
    assert PASSWORD not in job.everything()
