"""The fleet report model."""

from __future__ import annotations

from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import (
    STATUSES,
    chart,
    csv_rows,
    host_row,
    left_behind,
    merge,
)

ASSESSED = {"status": "vulnerable", "reason": "old", "product": "Windows 7", "exposure": {"shadow_copies": 1}}


def test_rows_and_unknown_hosts() -> None:
    row = host_row(ASSESSED, ["update: installed"], None)
    assert row["status"] == "vulnerable" and row["actions"] == ["update: installed"] and row["error"] is None
    missing = host_row(None, [], "connection refused")
    assert missing["status"] == "unknown" and missing["reason"] == "connection refused"


def test_merge_keeps_other_hosts_and_newest_rows_win() -> None:
    first = merge(None, {"a": host_row(ASSESSED, [], None)}, "t1")
    second = merge(first, {"b": host_row({**ASSESSED, "status": "compliant"}, [], None)}, "t2")
    third = merge(second, {"a": host_row({**ASSESSED, "status": "compliant"}, [], None)}, "t3")
    assert list(third["hosts"]) == ["a", "b"] and third["generated"] == "t3"
    assert third["summary"] == {**dict.fromkeys(STATUSES, 0), "compliant": 2}
    assert third["by_product"]["Windows 7"]["compliant"] == 2


def test_csv_neutralises_formulas() -> None:
    report = merge(None, {"=cmd|' /c calc'!A1": host_row({**ASSESSED, "reason": "+1"}, ["-x"], None)}, "t")
    rows = csv_rows(report)
    assert rows[1][0].startswith("'=") and rows[1][2] == "'+1"


def test_chart_scales_to_the_largest_count() -> None:
    bars = chart({"compliant": 4, "vulnerable": 2, "unknown": 0}, width=100)
    assert [b["width"] for b in bars] == [100, 50, 0] and bars[1]["y"] > bars[0]["y"]


def test_left_behind() -> None:
    rows = {
        "fixed": host_row({"status": "compliant"}, [], None),
        "waiting": host_row({"status": "reboot_pending"}, [], None),
        "failed": host_row({"status": "vulnerable", "reason": "old"}, [], "exit 1603"),
        "skipped": host_row({"status": "prerequisite_missing"}, [], None),
        "gone": host_row(None, [], None),
    }
    assert [p.split()[0] for p in left_behind(rows, "now")] == ["waiting", "failed", "gone"]
    assert [p.split()[0] for p in left_behind(rows, "window")] == ["failed", "gone"]
