# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn hostvars into the fleet report (documented in the .yml files beside this one)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils import _report


def volsnap_report_rows(hosts: list[str], hostvars: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    rows = {}
    for name in hosts:
        found = hostvars.get(name) or {}
        # A failed step's own view of the host (kept by the remediate role's rescue) is newer than the last facts.
        facts = found.get("volsnap_last_seen") or (found.get("ansible_facts") or {}).get("volsnap") or {}
        rows[name] = _report.host_row(
            facts.get("assessment"),
            found.get("volsnap_actions") or [],
            found.get("volsnap_failure") or _unreached(found),
        )
    return rows


def _unreached(found: Mapping[str, Any]) -> str | None:
    """The audit keeps unreachable hosts in the play; their connection error is the reason in the report."""
    assessed = found.get("volsnap_assess_result") or {}
    return str(assessed.get("msg") or "unreachable") if assessed.get("unreachable") else None


def volsnap_report_merge(rows: Mapping[str, Any], previous: Mapping[str, Any] | None, generated: str) -> dict[str, Any]:
    report = _report.merge(previous, rows, generated)
    report["chart"] = _report.chart(report["summary"])
    return report


def volsnap_report_csv(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(_report.csv_rows(report))
    return buffer.getvalue()


def volsnap_left_behind(rows: Mapping[str, Any], restart_mode: str) -> list[str]:
    return _report.left_behind(rows, restart_mode)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "volsnap_report_rows": volsnap_report_rows,
            "volsnap_report_merge": volsnap_report_merge,
            "volsnap_report_csv": volsnap_report_csv,
            "volsnap_left_behind": volsnap_left_behind,
        }
