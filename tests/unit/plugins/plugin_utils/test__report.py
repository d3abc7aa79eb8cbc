"""The fleet report model: rows, summaries, merging across batches, CSV, chart geometry."""

from __future__ import annotations

import csv
import io

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import (
    COLOURS,
    CSV_HEADER,
    ROW_FIELDS,
    STATUSES,
    HostRow,
    chart,
    csv_cell,
    csv_rows,
    host_row,
    html_view,
    left_behind,
    merge,
    product_chart,
    status_chart,
)

ASSESSED = {
    "status": "vulnerable",
    "reason": "volsnap.sys 6.1.7600.16385 is older than 6.1.7600.17122 (GDR)",
    "product": "Windows 7",
    "family": "7_2008r2",  # not a report field: dropped
    "service_pack": 0,
    "arch": "AMD64",
    "installed_version": "6.1.7600.16385",
    "branch": "GDR",
    "required_version": "6.1.7600.17122",
    "package": "Windows6.1-KB2748349-x64.msu",
    "reboot_pending": False,
    "exposure": {"large_volumes_multiple_of_8gib": ["D:"], "shadow_copies": 3, "note": "D: was extended"},
}
T1, T2, T3 = "2026-11-25T01:00:00+00:00", "2026-11-25T02:00:00+00:00", "2026-11-25T03:00:00+00:00"


def _row(**changes: object) -> dict[str, object]:
    return host_row({**ASSESSED, **changes}, [], None)


def test_a_row_has_the_report_fields_from_the_assessment() -> None:
    row = host_row(ASSESSED, ["update: installed"], None)
    assert set(ROW_FIELDS) <= set(row) and "family" not in row
    assert row["status"] == "vulnerable" and row["actions"] == ["update: installed"] and row["error"] is None
    assert row["exposure"] == ASSESSED["exposure"] and row["service_pack"] == 0


def test_unknown_hosts_and_failures_carry_a_reason() -> None:
    missing = host_row(None, [], "connection refused")
    assert missing["status"] == "unknown" and missing["reason"] == "connection refused"
    assert host_row(None, [], None)["reason"].startswith("no assessment")
    failed = host_row(ASSESSED, ["update"], "dism failed with exit code 1603")
    assert failed["reason"].endswith("; last error: dism failed with exit code 1603")
    assert failed["error"] == "dism failed with exit code 1603"
    assert host_row({"status": "reboot_pending", "reason": "r"}, [], None)["reboot_pending"] is True
    assert HostRow.from_dict({"status": "something new"}).status == "unknown"


def test_summary_counts_every_status_including_zeroes() -> None:
    report = merge(None, {"a": _row(), "b": _row(status="compliant"), "c": host_row(None, [], None)}, T1)
    assert list(report["summary"]) == list(STATUSES)
    assert report["summary"] == {**dict.fromkeys(STATUSES, 0), "vulnerable": 1, "compliant": 1, "unknown": 1}
    assert report["by_product"]["Windows 7"]["vulnerable"] == 1
    assert report["by_product"]["unidentified"]["unknown"] == 1


def test_merge_across_serial_batches_keeps_other_hosts_and_the_newest_row_wins() -> None:
    first = merge(None, {"a": _row(), "b": _row()}, T1)
    second = merge(first, {"c": _row(status="not_applicable")}, T2)
    third = merge(second, {"a": _row(status="compliant")}, T3)
    assert list(third["hosts"]) == ["a", "b", "c"] and third["generated"] == T3
    assert third["hosts"]["a"]["status"] == "compliant" and third["hosts"]["a"]["observed"] == T3
    assert third["hosts"]["b"]["status"] == "vulnerable" and third["hosts"]["b"]["observed"] == T1
    assert third["summary"]["compliant"] == 1 and third["summary"]["vulnerable"] == 1
    # An older batch merged late does not overwrite a newer row.
    late = merge(third, {"a": {**_row(status="vulnerable"), "observed": T2}}, T3)
    assert late["hosts"]["a"]["status"] == "compliant"
    # A previous report without per-row times counts as seen at its `generated` time.
    legacy = {"generated": T2, "hosts": {"a": {"status": "compliant", "reason": "ok"}}}
    assert merge(legacy, {"a": {**_row(), "observed": T1}}, T3)["hosts"]["a"]["status"] == "compliant"


def test_merge_is_pure_and_keeps_the_previous_report_untouched() -> None:
    previous = merge(None, {"a": _row()}, T1)
    snapshot = repr(previous)
    merge(previous, {"a": _row(status="compliant")}, T2)
    assert repr(previous) == snapshot


def test_csv_neutralises_formulas_in_every_column() -> None:
    rows = {
        "=cmd|' /c calc'!A1": _row(reason="+1", package="@SUM(1)"),
        "-host": _row(reason="-2", actions=[]),
        "plain": _row(),
    }
    report = merge(None, rows, T1)
    report["hosts"]["plain"]["actions"] = ["=HYPERLINK(1)", "x"]
    lines = csv_rows(report)
    assert lines[0] == list(CSV_HEADER)
    by_host = {line[0]: dict(zip(CSV_HEADER, line, strict=True)) for line in lines[1:]}
    assert by_host["'=cmd|' /c calc'!A1"]["reason"] == "'+1"
    assert by_host["'=cmd|' /c calc'!A1"]["package"] == "'@SUM(1)"
    assert by_host["'-host"]["reason"] == "'-2"
    assert by_host["plain"]["actions"] == "'=HYPERLINK(1); x"
    assert by_host["plain"]["volumes_multiple_of_8gib"] == "D:" and by_host["plain"]["shadow_copies"] == "3"
    assert by_host["plain"]["reboot_pending"] == "no"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == lines  # survives a round trip


@pytest.mark.parametrize(("value", "cell"), [("=1", "'=1"), ("\t=1", "'\t=1"), ("a=1", "a=1"), (None, ""), (7, "7")])
def test_csv_cell(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_status_chart_geometry() -> None:
    chart_ = status_chart({"compliant": 4, "vulnerable": 2, "unknown": 1})
    rows = {row.label: row for row in chart_.rows}
    assert [row.label for row in chart_.rows] == list(STATUSES)
    assert rows["compliant"].segments[0].width == 360 and rows["vulnerable"].segments[0].width == 180
    assert rows["vulnerable"].segments[0].colour == COLOURS["vulnerable"] == "#c62828"
    assert rows["reboot_pending"].segments == () and rows["reboot_pending"].total == 0
    assert rows["unknown"].segments[0].width == 90
    ys = [row.segments[0].y for row in chart_.rows if row.segments]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert chart_.height == len(STATUSES) * 28 and chart_.width >= rows["compliant"].total_x


def test_one_host_in_a_large_fleet_is_still_visible() -> None:
    rows = {row.label: row for row in status_chart({"compliant": 100000, "vulnerable": 1}).rows}
    assert rows["vulnerable"].segments[0].width == 2


def test_product_chart_stacks_statuses_in_order() -> None:
    chart_ = product_chart(
        {
            "Windows 7": {**dict.fromkeys(STATUSES, 0), "compliant": 1, "vulnerable": 2},
            "Windows Server 2003": {**dict.fromkeys(STATUSES, 0), "vulnerable": 6},
        }
    )
    seven, w2003 = chart_.rows
    assert [(s.label, s.width) for s in seven.segments] == [("compliant", 60), ("vulnerable", 120)]
    assert seven.segments[1].x == seven.segments[0].x + seven.segments[0].width
    assert w2003.segments[0].width == 360 and w2003.total == 6 and w2003.label_y > seven.label_y


def test_html_view_and_the_legacy_chart() -> None:
    report = merge(None, {"a": _row(), "b": _row(exposure={}), "c": _row(status="compliant")}, T1)
    view = report["view"]
    assert view == html_view(report)
    assert view["exposed_hosts"] == ["a", "c"] and view["colours"]["compliant"] == "#2e7d32"
    assert [r["label"] for r in view["status_chart"]["rows"]] == list(STATUSES)
    assert [b["width"] for b in chart({"compliant": 4, "vulnerable": 2, "unknown": 0}, width=100)] == [100, 50, 0]


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
