"""The fleet benchmark runs end to end in a small form (timings are not asserted: they belong to `make bench`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_smoke(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "fleet.py"),
            "--sizes",
            "3",
            "--remediation-hosts",
            "2",
            "--serial",
            "1",
            "--repeats",
            "1",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=600,
        cwd=ROOT,
    )
    results = json.loads(out.read_text())
    row = results["3"]
    assert set(row) >= {
        "hosts",
        "audit_s",
        "floor_s",
        "ratio",
        "commands_per_host_audit",
        "requests_per_host_audit",
        "requests_per_host_floor",
        "controller_peak_rss_mb",
        "controller_cpu_ratio",
    }
    assert row["controller_peak_rss_mb"] > 50 and row["controller_cpu_ratio"] > 0  # measured, not left at zero
    assert row["commands_per_host_audit"] == 1.0  # the audit is one command per host: a count, not a timing
    assert set(results["remediation"]) >= {"hosts", "wall_s", "wire_bytes_per_package_byte"}
    # Byte counts, not timings. A push carries base64 text inside WinRM's base64 stdin (16/9 before any envelope); a
    # download is the package plus HTTP headers and two short commands, within the 1.45 target.
    pushed, downloaded = (results[k]["wire_bytes_per_package_byte"] for k in ("remediation", "remediation_url"))
    assert 1.0 <= downloaded < 1.45 and 16 / 9 < pushed < 2.2
    for key in ("remediation", "remediation_url"):
        figures = results[key]
        assert figures["whole_run_wire_bytes_per_package_byte"] > figures["wire_bytes_per_package_byte"]
    assert "findstr" in results["remediation"]["winrm_wire_bytes_by_tool"]
    assert "findstr" not in results["remediation_url"]["winrm_wire_bytes_by_tool"]
    assert results["remediation_url"]["http_wire_bytes"] > results["remediation_url"]["package_bytes"]
