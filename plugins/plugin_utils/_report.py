# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report model: a row per host, merging rows from batches, runs and job slices, what a run left behind,
status counts, counts by product, CSV and chart geometry.

report.json (an interface other checks rely on):
`{"generated": …, "summary": {status: count}, "by_product": {…}, "hosts": {name: {status, reason, product,
service_pack, arch, installed_version, branch, required_version, package, reboot_pending, exposure, actions, error,
time}}}`

A part (what one run publishes with set_stats as `volsnap_part_<id>`, and what report_merge takes):
`{"generated": …, "rows": {name: row}}`, the rows as in report.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC

STATUSES = ("compliant", "vulnerable", "reboot_pending", "prerequisite_missing", "not_applicable", "unknown")
ROW_FIELDS = (
    "status",
    "reason",
    "product",
    "service_pack",
    "arch",
    "installed_version",
    "branch",
    "required_version",
    "package",
    "reboot_pending",
    "exposure",
    "actions",
)
EXPOSURE_FIELDS = ("large_volumes_multiple_of_8gib", "shadow_copies")  # the note is the same for every host: not kept
PART_PREFIX = "volsnap_part_"
NOT_ATTEMPTED = "not attempted: the run stopped before this host's turn"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC; sorts as text

# What `volsnap_require` (report_merge) and the playbooks' verdicts accept. A host with an error (unreachable,
# failed, not attempted) never passes; otherwise its status must be one of these.
REQUIREMENTS: Mapping[str, frozenset[str]] = {
    "reached": frozenset(STATUSES),
    "remediated": frozenset({"compliant", "reboot_pending", "not_applicable", "prerequisite_missing"}),
    "compliant": frozenset({"compliant", "not_applicable"}),
}
COLOURS = {
    "compliant": "#2e7d32",
    "vulnerable": "#c62828",
    "reboot_pending": "#ef6c00",
    "prerequisite_missing": "#6a1b9a",
    "not_applicable": "#607d8b",
    "unknown": "#424242",
}

Row = dict[str, Any]


class PartError(ValueError):
    """A part that is not what a run publishes; the message names the part (and the host) and what is wrong."""


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def host_row(
    assessment: Mapping[str, Any] | None, actions: Sequence[str], failure: str | None, time: str | None = None
) -> Row:
    """One host's row. No assessment (unreachable, failed before the probe) → `unknown` with the reason. `time` is
    when the run recorded it; a row without one (a host the run never reached) loses to any row that has one."""
    row: Row = dict.fromkeys(ROW_FIELDS)
    if assessment:
        row.update({k: assessment.get(k) for k in ROW_FIELDS if k in assessment})
    else:  # nothing known of the host is an error too, whatever the run asks for
        failure = failure or "no assessment: the host was unreachable or failed earlier"
        row.update(status="unknown", reason=failure)
    reason = str(row.get("reason") or "")
    if failure and assessment and reason not in failure:  # a verify failure already quotes the reason
        row["reason"] = f"{reason}; last error: {failure}"
    row["error"] = failure
    row["actions"] = [str(action) for action in actions]
    row["reboot_pending"] = bool(row.get("reboot_pending")) or row.get("status") == "reboot_pending"
    exposure = row.get("exposure") or {}
    row["exposure"] = {k: _plain(exposure[k]) for k in EXPOSURE_FIELDS if k in exposure}
    row["time"] = time
    plain: Row = _plain(row)
    return plain


def row_from_host(variables: Mapping[str, Any], time: str) -> Row:
    """A host's row from its variables after a run's tasks: `volsnap_assess_result` (the registered assessment: an
    unreachable or failed one is the error), `ansible_facts.volsnap`, and what the remediate role's rescue keeps
    (`volsnap_failure`, `volsnap_last_seen`: the failed step's own view of the host) and `volsnap_actions`."""
    result = variables.get("volsnap_assess_result") or {}
    broken = bool(result.get("unreachable") or result.get("failed"))
    # Ansible keeps a failed task's facts out of the host's facts; the result itself still carries them. Facts from
    # an earlier run (a fact cache) must not stand in for a host this run could not assess.
    if broken:
        facts = variables.get("volsnap_last_seen") or (result.get("ansible_facts") or {}).get("volsnap") or {}
    else:
        facts = variables.get("volsnap_last_seen") or (variables.get("ansible_facts") or {}).get("volsnap") or {}
    failure = variables.get("volsnap_failure") or (str(result.get("msg") or "failed") if broken else None)
    return host_row(facts.get("assessment"), variables.get("volsnap_actions") or [], failure, time)


def not_attempted_row() -> Row:
    return host_row(None, [], NOT_ATTEMPTED)


def _plain(value: Any) -> Any:
    """JSON-safe plain copy (lists, dicts, scalars) of values that come from Ansible's variables."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _newer(candidate: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Ties go to the candidate (the later source); a row without a time is older than any row with one."""
    return str(candidate.get("time") or "") >= str(current.get("time") or "")


def merge_rows(*sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Row]:
    """The newest row per host across sources (reports, parts, batches), by the row's `time`; sorted by host."""
    merged: dict[str, Row] = {}
    for rows in sources:
        for name, row in rows.items():
            if name not in merged or _newer(row, merged[name]):
                merged[name] = dict(row)
    return dict(sorted(merged.items()))


def record_batch(
    recorded: Mapping[str, Mapping[str, Any]], observed: Mapping[str, Mapping[str, Any]], targeted: Sequence[str]
) -> dict[str, Row]:
    """A run's rows after one of its batches: the rows observed now replace earlier ones (a row whose content did
    not change keeps the time it was first recorded), and every targeted host still without a row is listed as not
    attempted, so that a run stopped early says which hosts it never reached."""
    rows = {name: dict(row) for name, row in recorded.items()}
    for name, row in observed.items():
        earlier = rows.get(name)
        if earlier is not None and _content(earlier) == _content(row) and earlier.get("time"):
            continue
        rows[name] = dict(row)
    for name in targeted:
        rows.setdefault(name, not_attempted_row())
    return dict(sorted(rows.items()))


def _content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "time"}


def report(rows: Mapping[str, Mapping[str, Any]], generated: str) -> dict[str, Any]:
    ordered = dict(sorted((name, dict(row)) for name, row in rows.items()))
    return {"generated": generated, "summary": summary(ordered), "by_product": by_product(ordered), "hosts": ordered}


def part(rows: Mapping[str, Mapping[str, Any]], generated: str) -> dict[str, Any]:
    return {"generated": generated, "rows": {name: dict(row) for name, row in rows.items()}}


_ID = re.compile(r"[A-Za-z0-9_]+")


def part_name(awx_job_id: Any, moment: dt.datetime, token: str) -> str:
    """`volsnap_part_<AWX job id>`, or for a run outside AWX `volsnap_part_<UTC time>_<token>` (token: random hex)."""
    if awx_job_id is not None and str(awx_job_id) != "":
        if not _ID.fullmatch(str(awx_job_id)):
            raise PartError(f"awx_job_id {str(awx_job_id)!r} cannot name a variable")
        return f"{PART_PREFIX}{awx_job_id}"
    return f"{PART_PREFIX}{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}_{token}"


def rows_of_parts(parts: Mapping[str, Any]) -> dict[str, Row]:
    """Every part's rows merged (newest per host wins). Parts are checked first: each must be a run's part."""
    if not parts:
        raise PartError(f"no parts: give the {PART_PREFIX}* variables that the runs published")
    checked = [_checked_part(name, parts[name]) for name in sorted(parts)]
    return merge_rows(*checked)


def _checked_part(name: str, value: Any) -> dict[str, Row]:
    if not isinstance(value, Mapping) or not isinstance(value.get("rows"), Mapping):
        raise PartError(f"{name}: not a part (expected {{'generated': …, 'rows': {{host: row}}}})")
    if not isinstance(value.get("generated"), str):
        raise PartError(f"{name}: 'generated' is missing or not a time")
    rows: dict[str, Row] = {}
    for host, row in value["rows"].items():
        if not isinstance(row, Mapping):
            raise PartError(f"{name}: host {host}: the row is not a mapping")
        if row.get("status") not in STATUSES:
            raise PartError(f"{name}: host {host}: status {row.get('status')!r} is not one of {', '.join(STATUSES)}")
        time = row.get("time")
        if time is not None and not _is_time(time):
            raise PartError(f"{name}: host {host}: time {time!r} is not YYYY-MM-DDTHH:MM:SSZ")
        kept = {k: row.get(k) for k in (*ROW_FIELDS, "error", "time")}
        kept["actions"] = [str(a) for a in (row.get("actions") or [])]
        kept["exposure"] = dict(row.get("exposure") or {})
        rows[str(host)] = _plain(kept)
    return rows


def _is_time(value: Any) -> bool:
    try:
        dt.datetime.strptime(str(value), TIME_FORMAT)
    except ValueError:
        return False
    return True


def accepted_statuses(requirement: str) -> frozenset[str]:
    try:
        return REQUIREMENTS[requirement]
    except KeyError:
        raise ValueError(f"unknown requirement {requirement!r}: choose one of {', '.join(REQUIREMENTS)}") from None


def left_behind(rows: Mapping[str, Mapping[str, Any]], accepted: Collection[str]) -> dict[str, str]:
    """The hosts that did not get where the run (or `volsnap_require`) wanted, each with why: an error (unreachable,
    failed, not attempted) or a status outside `accepted`."""
    problems = {}
    for name, row in rows.items():
        status = row.get("status")
        if row.get("error") or status not in accepted:
            problems[name] = f"{status}: {row.get('reason')}"
    return problems


def summary(hosts: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in hosts.values():
        status = str(row.get("status") or "unknown")
        counts[status if status in counts else "unknown"] += 1
    return counts


def by_product(hosts: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for row in hosts.values():
        product = str(row.get("product") or "unidentified")
        status = str(row.get("status") or "unknown")
        table.setdefault(product, dict.fromkeys(STATUSES, 0))[status if status in STATUSES else "unknown"] += 1
    return dict(sorted(table.items()))


def row_bytes(row: Mapping[str, Any]) -> int:
    """What one host adds to a part, in compact JSON (as a set_stats artifact carries it)."""
    return len(json.dumps(row, separators=(",", ":")).encode())


def csv_cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    text = "" if value is None else ("; ".join(map(str, value)) if isinstance(value, list) else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = [
    "host",
    *[f for f in ROW_FIELDS if f != "exposure"],
    "error",
    "time",
    "volumes_multiple_of_8gib",
    "shadow_copies",
]


def csv_rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = [list(CSV_HEADER)]
    for name, row in report["hosts"].items():
        exposure = row.get("exposure") or {}
        rows.append(
            [
                csv_cell(name),
                *[csv_cell(row.get(f)) for f in ROW_FIELDS if f != "exposure"],
                csv_cell(row.get("error")),
                csv_cell(row.get("time")),
                csv_cell(exposure.get("large_volumes_multiple_of_8gib") or []),
                csv_cell(exposure.get("shadow_copies")),
            ]
        )
    return rows


def chart(counts: Mapping[str, int], width: int = 360, bar_height: int = 22) -> list[dict[str, Any]]:
    """Horizontal bars for the HTML report: label, value, colour, y and width computed here, not in the template."""
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "label": status,
            "value": value,
            "colour": COLOURS.get(status, "#424242"),
            "y": index * (bar_height + 6),
            "width": round(width * value / largest),
            "height": bar_height,
        }
        for index, (status, value) in enumerate(counts.items())
    ]
