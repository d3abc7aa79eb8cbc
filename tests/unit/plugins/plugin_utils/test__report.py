"""The fleet report model: rows, merging batches, runs and parts, what a run left behind, CSV, chart."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC
from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import (
    NOT_ATTEMPTED,
    STATUSES,
    PartError,
    accepted_statuses,
    chart,
    csv_rows,
    host_row,
    left_behind,
    merge_rows,
    part,
    part_name,
    record_batch,
    report,
    row_bytes,
    row_from_host,
    rows_of_parts,
)

ASSESSED = {
    "status": "vulnerable",
    "reason": "old",
    "product": "Windows 7",
    "exposure": {"shadow_copies": 1, "large_volumes_multiple_of_8gib": ["C:"], "note": "the same for every host"},
}
T1, T2, T3 = "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", "2026-01-02T09:00:00Z"


def row(status: str = "vulnerable", time: str | None = T1, **extra: Any) -> dict[str, Any]:
    return host_row({**ASSESSED, "status": status, **extra}, [], None, time)


def test_rows_and_unknown_hosts() -> None:
    assessed = host_row(ASSESSED, ["update: installed"], None, T1)
    assert assessed["status"] == "vulnerable" and assessed["actions"] == ["update: installed"]
    assert assessed["error"] is None and assessed["time"] == T1
    assert assessed["exposure"] == {"large_volumes_multiple_of_8gib": ["C:"], "shadow_copies": 1}  # no note
    missing = host_row(None, [], "connection refused", T1)
    assert missing["status"] == "unknown" and missing["reason"] == "connection refused"
    assert missing["error"] == "connection refused"
    silent = host_row(None, [], None, T1)  # a host that left nothing behind (failed outside any rescue)
    assert silent["status"] == "unknown" and silent["error"] == silent["reason"] and "no assessment" in silent["reason"]


def test_a_failure_is_added_to_the_reason_unless_it_already_quotes_it() -> None:
    failed = host_row(ASSESSED, [], "exit 1603")
    assert failed["reason"] == "old; last error: exit 1603"
    verified = host_row({**ASSESSED, "reason": "volsnap.sys is old"}, [], "not fixed: vulnerable: volsnap.sys is old")
    assert verified["reason"] == "volsnap.sys is old" and verified["error"].startswith("not fixed")


def test_row_from_a_host_that_was_assessed_then_remediated() -> None:
    variables = {
        "volsnap_assess_result": {"changed": False, "ansible_facts": {"volsnap": {"assessment": ASSESSED}}},
        "ansible_facts": {"volsnap": {"assessment": {**ASSESSED, "status": "compliant", "reason": "fixed"}}},
        "volsnap_actions": ["update: installed"],
    }
    made = row_from_host(variables, T2)
    assert (made["status"], made["reason"], made["actions"], made["time"]) == (
        "compliant",
        "fixed",
        ["update: installed"],
        T2,
    )


def test_row_from_a_host_this_run_could_not_reach_ignores_facts_from_a_cache() -> None:
    variables = {
        "volsnap_assess_result": {"unreachable": True, "msg": "cannot reach the WinRM endpoint"},
        "ansible_facts": {"volsnap": {"assessment": {**ASSESSED, "status": "compliant"}}},  # last week's
    }
    made = row_from_host(variables, T2)
    assert made["status"] == "unknown" and made["error"] == "cannot reach the WinRM endpoint"


def test_row_from_a_failed_verify_keeps_the_status_the_result_carries() -> None:
    variables = {
        "volsnap_assess_result": {
            "failed": True,
            "msg": "not fixed: vulnerable: old",
            "ansible_facts": {"volsnap": {"assessment": ASSESSED}},
        }
    }
    made = row_from_host(variables, T2)
    assert (made["status"], made["reason"], made["error"]) == ("vulnerable", "old", "not fixed: vulnerable: old")


def test_row_from_a_rescued_host_uses_what_the_failed_step_saw() -> None:
    variables = {
        "volsnap_assess_result": {"ansible_facts": {"volsnap": {"assessment": ASSESSED}}},
        "ansible_facts": {"volsnap": {"assessment": ASSESSED}},
        "volsnap_last_seen": {"assessment": {**ASSESSED, "status": "reboot_pending", "reason": "restart pending"}},
        "volsnap_failure": "did not come back within 6 s",
    }
    made = row_from_host(variables, T2)
    assert made["status"] == "reboot_pending" and made["reboot_pending"] is True
    assert made["reason"] == "restart pending; last error: did not come back within 6 s"


def test_merge_keeps_the_newest_row_per_host_by_time() -> None:
    earlier = {"a": row("vulnerable", T2), "b": row("vulnerable", T1)}
    later = {"a": row("compliant", T1), "b": row("compliant", T3), "c": row("compliant", T1)}
    merged = merge_rows(earlier, later)
    assert {h: r["status"] for h, r in merged.items()} == {"a": "vulnerable", "b": "compliant", "c": "compliant"}
    assert list(merged) == ["a", "b", "c"]


def test_merge_a_row_without_time_never_wins_and_ties_go_to_the_later_source() -> None:
    observed = {"a": row("compliant", T1)}
    never_reached = {"a": host_row(None, [], NOT_ATTEMPTED)}
    assert merge_rows(observed, never_reached)["a"]["status"] == "compliant"
    assert merge_rows(never_reached, observed)["a"]["status"] == "compliant"
    assert merge_rows({"a": row("vulnerable", T1)}, {"a": row("compliant", T1)})["a"]["status"] == "compliant"


def test_record_batch_adds_the_batch_lists_the_hosts_not_reached_and_keeps_first_times() -> None:
    first = record_batch({}, {"a": row("compliant", T1)}, ["a", "b", "c"])
    assert first["a"]["time"] == T1
    assert first["b"]["status"] == "unknown" and first["b"]["error"] == NOT_ATTEMPTED and first["b"]["time"] is None
    # Batch 2: b is observed; a (dropped from the play earlier, seen again) did not change and keeps its time.
    second = record_batch(first, {"a": row("compliant", T2), "b": row("vulnerable", T2)}, ["a", "b", "c"])
    assert second["a"]["time"] == T1 and second["b"]["time"] == T2 and second["c"]["error"] == NOT_ATTEMPTED
    changed = record_batch(second, {"a": row("vulnerable", T3)}, ["a", "b", "c"])
    assert changed["a"]["status"] == "vulnerable" and changed["a"]["time"] == T3


def test_report_counts_and_groups() -> None:
    made = report({"b": row("compliant"), "a": row("vulnerable"), "c": host_row(None, [], "down")}, T3)
    assert list(made["hosts"]) == ["a", "b", "c"] and made["generated"] == T3
    assert made["summary"] == {**dict.fromkeys(STATUSES, 0), "compliant": 1, "vulnerable": 1, "unknown": 1}
    assert made["by_product"]["Windows 7"]["compliant"] == 1 and made["by_product"]["unidentified"]["unknown"] == 1


def test_parts_merge_newest_per_host_and_are_checked() -> None:
    slice_1 = part({"a": row("vulnerable", T1), "b": row("vulnerable", T1)}, T1)
    slice_2 = part({"c": row("compliant", T2)}, T2)
    rerun = part({"a": row("compliant", T3)}, T3)
    merged = rows_of_parts({"volsnap_part_1": slice_1, "volsnap_part_2": slice_2, "volsnap_part_3": rerun})
    assert {h: r["status"] for h, r in merged.items()} == {"a": "compliant", "b": "vulnerable", "c": "compliant"}
    # Through JSON, as AWX hands artifacts to the next node.
    assert rows_of_parts(json.loads(json.dumps({"volsnap_part_1": slice_1}))) == merge_rows(slice_1["rows"])


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({}, "no parts"),
        ({"volsnap_part_1": [1, 2]}, "volsnap_part_1: not a part"),
        ({"volsnap_part_1": {"rows": {}}}, "volsnap_part_1: 'generated'"),
        ({"volsnap_part_1": {"generated": T1, "rows": {"h": "x"}}}, "host h: the row is not a mapping"),
        ({"volsnap_part_1": {"generated": T1, "rows": {"h": {"status": "fixed"}}}}, "host h: status 'fixed'"),
        ({"volsnap_part_1": {"generated": T1, "rows": {"h": {"status": "compliant", "time": "now"}}}}, "time 'now'"),
    ],
)
def test_bad_parts_are_refused_naming_part_and_host(parts: dict[str, Any], message: str) -> None:
    with pytest.raises(PartError, match=message):
        rows_of_parts(parts)


def test_part_names() -> None:
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert part_name(4711, moment, "abc123") == "volsnap_part_4711"
    assert part_name(None, moment, "abc123") == "volsnap_part_20260102T030405Z_abc123"
    with pytest.raises(PartError, match="cannot name a variable"):
        part_name("1; rm", moment, "x")


def test_requirements_and_left_behind() -> None:
    rows = {
        "fixed": row("compliant"),
        "waiting": row("reboot_pending"),
        "old": row("vulnerable"),
        "failed": host_row({"status": "vulnerable", "reason": "old"}, [], "exit 1603"),
        "skipped": row("prerequisite_missing"),
        "other": row("not_applicable"),
        "gone": host_row(None, [], "unreachable"),
        "garbled": row("unknown"),
    }
    assert sorted(left_behind(rows, accepted_statuses("reached"))) == ["failed", "gone"]
    assert sorted(left_behind(rows, accepted_statuses("remediated"))) == ["failed", "garbled", "gone", "old"]
    assert sorted(left_behind(rows, accepted_statuses("compliant"))) == [
        "failed",
        "garbled",
        "gone",
        "old",
        "skipped",
        "waiting",
    ]
    assert left_behind(rows, accepted_statuses("reached"))["gone"] == "unknown: unreachable"
    with pytest.raises(ValueError, match="choose one of reached, remediated, compliant"):
        accepted_statuses("fixed")


def test_rows_stay_small() -> None:
    typical = host_row(
        {
            "status": "compliant",
            "reason": "volsnap.sys 6.1.7600.17122 (GDR) is at or above 6.1.7600.17122",
            "product": "Windows Server 2008 R2",
            "service_pack": 0,
            "arch": "AMD64",
            "installed_version": "6.1.7600.17122",
            "branch": "GDR",
            "required_version": "6.1.7600.17122",
            "package": "Windows6.1-KB2748349-x64.msu",
            "exposure": {"large_volumes_multiple_of_8gib": ["C:"], "shadow_copies": 2, "note": "x" * 300},
        },
        ["update: installed", "restart: restarted in 41.0 s"],
        None,
        T1,
    )
    assert row_bytes(typical) < 600, row_bytes(typical)


def test_csv_neutralises_formulas() -> None:
    made = report({"=cmd|' /c calc'!A1": host_row({**ASSESSED, "reason": "+1"}, ["-x"], None, T1)}, T1)
    rows = csv_rows(made)
    assert rows[1][0].startswith("'=") and rows[1][2] == "'+1" and rows[0][-4:-2] == ["error", "time"]


def test_chart_scales_to_the_largest_count() -> None:
    bars = chart({"compliant": 4, "vulnerable": 2, "unknown": 0}, width=100)
    assert [b["width"] for b in bars] == [100, 50, 0] and bars[1]["y"] > bars[0]["y"]
