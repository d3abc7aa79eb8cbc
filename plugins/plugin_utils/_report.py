# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report model: a row per host, status counts, counts by product, merging batches, CSV, chart geometry.

report.json (an interface other checks rely on):
`{"generated": …, "summary": {status: count}, "by_product": {…}, "hosts": {name: {status, reason, product,
service_pack, arch, installed_version, branch, required_version, package, reboot_pending, exposure, actions}}}`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
COLOURS = {
    "compliant": "#2e7d32",
    "vulnerable": "#c62828",
    "reboot_pending": "#ef6c00",
    "prerequisite_missing": "#6a1b9a",
    "not_applicable": "#607d8b",
    "unknown": "#424242",
}


def host_row(assessment: Mapping[str, Any] | None, actions: Sequence[str], failure: str | None) -> dict[str, Any]:
    """One host's row. No assessment (unreachable, failed before the probe) → `unknown` with the reason."""
    row: dict[str, Any] = {name: None for name in ROW_FIELDS}
    if assessment:
        row.update({k: assessment.get(k) for k in ROW_FIELDS if k in assessment})
    else:
        row.update(status="unknown", reason=failure or "no assessment: the host was unreachable or failed earlier")
    if failure and assessment:
        row["reason"] = f"{row.get('reason')}; last error: {failure}"
    row["error"] = failure
    row["actions"] = list(actions)
    row["reboot_pending"] = bool(row.get("reboot_pending")) or row.get("status") == "reboot_pending"
    row["exposure"] = row.get("exposure") or {}
    return row


def merge(previous: Mapping[str, Any] | None, rows: Mapping[str, Mapping[str, Any]], generated: str) -> dict[str, Any]:
    """Rows of this run win over the previous report's rows for the same hosts; others are kept."""
    hosts: dict[str, Any] = dict((previous or {}).get("hosts") or {})
    hosts.update({name: dict(row) for name, row in rows.items()})
    ordered = dict(sorted(hosts.items()))
    return {"generated": generated, "summary": summary(ordered), "by_product": by_product(ordered), "hosts": ordered}


def left_behind(rows: Mapping[str, Mapping[str, Any]], restart_mode: str) -> list[str]:
    """Hosts the remediation did not finish, each with why: failed, undecidable, still vulnerable, or (restart
    `now`) still waiting for its restart. Compliant, not_applicable and prerequisite_missing hosts are fine."""
    problems = []
    for name, row in rows.items():
        status = row.get("status")
        if (
            row.get("error")
            or status in ("vulnerable", "unknown")
            or (status == "reboot_pending" and restart_mode == "now")
        ):
            problems.append(f"{name} ({status}: {row.get('reason')})")
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
        table.setdefault(product, dict.fromkeys(STATUSES, 0))[str(row.get("status") or "unknown")] += 1
    return dict(sorted(table.items()))


def csv_cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    text = "" if value is None else ("; ".join(map(str, value)) if isinstance(value, list) else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(report: Mapping[str, Any]) -> list[list[str]]:
    header = ["host", *[f for f in ROW_FIELDS if f != "exposure"], "volumes_multiple_of_8gib", "shadow_copies"]
    rows = [header]
    for name, row in report["hosts"].items():
        exposure = row.get("exposure") or {}
        rows.append(
            [
                csv_cell(name),
                *[csv_cell(row.get(f)) for f in ROW_FIELDS if f != "exposure"],
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
