"""The preflight's fleet view: rows from task results (unreachable, failed, checked, never run), rows across serial
batches, the verdict's reasons, the table and preflight.json's exact shape."""

from __future__ import annotations

import json

from ansible_collections.winfix.volsnap.plugins.plugin_utils._preflight_report import (
    NOT_ATTEMPTED,
    document,
    not_ready,
    record_batch,
    row_from_result,
    summary,
    table,
)

CHECKED = {
    "changed": False,
    "ready": True,
    "status": "vulnerable",
    "msg": "ready",
    "checks": {
        "host_time": {"ok": True, "detail": "2012-11-23 12:00:00 (UTC+01:00) host time"},
        "reachable": {"ok": True, "detail": "reached"},
        "lock": {"ok": False, "detail": "held by run 0badc0de"},
        "assessment": {"ok": True, "detail": "vulnerable: below"},
    },
}


def test_a_checked_host_s_row_holds_ready_and_its_checks_in_order() -> None:
    row = row_from_result(CHECKED)
    assert set(row) == {"ready", "checks"}
    assert list(row["checks"]) == ["reachable", "assessment", "lock", "host_time"]
    # ready follows the checks, whatever the result said
    assert row["ready"] is False and row["checks"]["lock"] == {"ok": False, "detail": "held by run 0badc0de"}


def test_an_unreachable_host_a_failed_task_and_a_host_never_run() -> None:
    error = "winrs: http://10.0.0.7:5985/wsman (transport ntlm): cannot reach the WinRM endpoint"
    assert row_from_result({"unreachable": True, "msg": error, "changed": False}) == {
        "ready": False,
        "checks": {"reachable": {"ok": False, "detail": error}},
    }
    failed = {"failed": True, "msg": "source=url needs package_url; nothing was sent"}
    assert row_from_result(failed) == {
        "ready": False,
        "checks": {"preflight": {"ok": False, "detail": "source=url needs package_url; nothing was sent"}},
    }
    assert row_from_result({"changed": False}) == {
        "ready": False,
        "checks": {"preflight": {"ok": False, "detail": "the task returned no checks"}},
    }
    for missing in (None, {}):
        assert row_from_result(missing) == {
            "ready": False,
            "checks": {"reachable": {"ok": False, "detail": NOT_ATTEMPTED}},
        }


def test_batches_add_their_hosts_and_hosts_not_reached_yet_are_not_attempted() -> None:
    ok = row_from_result({"checks": {"reachable": {"ok": True, "detail": "reached"}}})
    first = record_batch({}, {"a": ok}, ["a", "b", "c"])
    assert first["a"] == ok and first["b"]["checks"]["reachable"]["detail"] == NOT_ATTEMPTED
    second = record_batch(first, {"b": ok}, ["a", "b", "c"])
    assert list(second) == ["a", "b", "c"] and second["b"] == ok and not second["c"]["ready"]


def test_not_ready_names_each_failed_check_with_its_detail() -> None:
    rows = {
        "w7": row_from_result(CHECKED),
        "ok": row_from_result({"checks": {"reachable": {"ok": True, "detail": "reached"}}}),
        "down": row_from_result({"unreachable": True, "msg": "cannot reach the WinRM endpoint"}),
    }
    assert not_ready(rows) == {
        "w7": "lock: held by run 0badc0de",
        "down": "reachable: cannot reach the WinRM endpoint",
    }
    assert summary(rows) == {"ready": 1, "not_ready": 2}


def test_the_table_has_a_line_per_host_with_ready_and_the_failed_checks() -> None:
    rows = {
        "w2003-url": row_from_result(
            {
                "checks": {
                    "reachable": {"ok": True, "detail": "reached"},
                    "urlcache": {"ok": False, "detail": "no -urlcache"},
                    "disk_space": {"ok": False, "detail": "only 1 MB"},
                }
            }
        ),
        "w7": row_from_result({"checks": {"reachable": {"ok": True, "detail": "reached"}}}),
    }
    assert table(rows) == [
        "host       ready  failed checks",
        "w2003-url  no     urlcache, disk_space",
        "w7         yes",
    ]
    assert table({}) == ["host  ready  failed checks"]


def test_preflight_json_has_exactly_the_documented_shape() -> None:
    rows = {"b": row_from_result(CHECKED), "a": row_from_result({"unreachable": True, "msg": "down"})}
    doc = json.loads(json.dumps(document(rows, "2026-12-01T12:00:00Z")))
    assert set(doc) == {"generated", "summary", "hosts"} and list(doc["hosts"]) == ["a", "b"]
    for row in doc["hosts"].values():
        assert set(row) == {"ready", "checks"} and isinstance(row["ready"], bool)
        for check in row["checks"].values():
            assert set(check) == {"ok", "detail"} and isinstance(check["ok"], bool) and isinstance(check["detail"], str)
    assert doc["summary"] == {"ready": 0, "not_ready": 2}
