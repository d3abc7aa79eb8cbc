# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report model: a row per host, status counts, counts by product, merging batches, CSV, chart geometry.

report.json (an interface other checks rely on):
`{"generated": …, "summary": {status: count}, "by_product": {product: {status: count}}, "hosts": {name: {status,
reason, product, service_pack, arch, installed_version, branch, required_version, package, reboot_pending, exposure,
actions, error, observed}}}`. Reports merge across `serial` batches and runs: per host, the newest row wins
(`observed`, the `generated` time of the run that saw it). Everything here is pure: the caller passes the time in.

The functions that take and return plain dicts (`host_row`, `merge`, `csv_rows`, `chart`, `html_view`,
`left_behind`) are what the report filters hand to Jinja2; the dataclasses keep the shape in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
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
# Colours that mean something at a glance: green done, red exposed, orange waiting, purple blocked, grey no matter.
COLOURS = {
    "compliant": "#2e7d32",
    "vulnerable": "#c62828",
    "reboot_pending": "#ef6c00",
    "prerequisite_missing": "#6a1b9a",
    "not_applicable": "#607d8b",
    "unknown": "#424242",
}
NO_ASSESSMENT = "no assessment: the host was unreachable or failed earlier"
UNIDENTIFIED_PRODUCT = "unidentified"


@dataclass(frozen=True)
class Exposure:
    large_volumes_multiple_of_8gib: tuple[str, ...] = ()
    shadow_copies: int | None = None
    note: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Exposure:
        data = data or {}
        copies = data.get("shadow_copies")
        return cls(
            tuple(str(v) for v in data.get("large_volumes_multiple_of_8gib") or ()),
            int(copies) if copies is not None else None,
            str(data["note"]) if data.get("note") else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "large_volumes_multiple_of_8gib": list(self.large_volumes_multiple_of_8gib),
            "shadow_copies": self.shadow_copies,
            "note": self.note,
        }

    @property
    def worth_a_look(self) -> bool:
        return bool(self.large_volumes_multiple_of_8gib or self.shadow_copies or self.note)


@dataclass(frozen=True)
class HostRow:
    status: str = "unknown"
    reason: str = NO_ASSESSMENT
    product: str | None = None
    service_pack: int | None = None
    arch: str | None = None
    installed_version: str | None = None
    branch: str | None = None
    required_version: str | None = None
    package: str | None = None
    reboot_pending: bool = False
    exposure: Exposure = field(default_factory=Exposure)
    actions: tuple[str, ...] = ()
    error: str | None = None
    observed: str | None = None  # the `generated` time of the run that produced this row

    @classmethod
    def from_assessment(
        cls, assessment: Mapping[str, Any] | None, actions: Sequence[str], failure: str | None
    ) -> HostRow:
        """No assessment (unreachable, failed before the probe) → `unknown` with the reason."""
        if not assessment:
            return cls(reason=failure or NO_ASSESSMENT, actions=tuple(actions), error=failure)
        row = cls.from_dict({**assessment, "actions": list(actions), "error": failure, "observed": None})
        if failure:
            row = _replace(row, reason=f"{row.reason}; last error: {failure}")
        return row

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostRow:
        """A row from report.json or a caller: missing fields get defaults, unknown keys are ignored."""
        status = str(data.get("status") or "unknown")
        status = status if status in STATUSES else "unknown"
        pack = data.get("service_pack")
        return cls(
            status=status,
            reason=str(data.get("reason") or (NO_ASSESSMENT if status == "unknown" else "")),
            product=_text(data.get("product")),
            service_pack=int(pack) if pack not in (None, "") else None,
            arch=_text(data.get("arch")),
            installed_version=_text(data.get("installed_version")),
            branch=_text(data.get("branch")),
            required_version=_text(data.get("required_version")),
            package=_text(data.get("package")),
            reboot_pending=bool(data.get("reboot_pending")) or status == "reboot_pending",
            exposure=Exposure.from_mapping(data.get("exposure")),
            actions=tuple(str(a) for a in data.get("actions") or ()),
            error=_text(data.get("error")),
            observed=_text(data.get("observed")),
        )

    def as_dict(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row.update(exposure=self.exposure.as_dict(), actions=list(self.actions))
        return row


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _replace(row: HostRow, **changes: Any) -> HostRow:
    values = {f.name: getattr(row, f.name) for f in fields(row)}
    values.update(changes)
    return HostRow(**values)


def _instant(text: str | None) -> dt.datetime:
    """ISO 8601 → an aware datetime for comparing rows; unknown times sort first (oldest)."""
    try:
        value = dt.datetime.fromisoformat(text or "")
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def host_row(assessment: Mapping[str, Any] | None, actions: Sequence[str], failure: str | None) -> dict[str, Any]:
    """One host's row as a dict (see `HostRow.from_assessment`)."""
    return HostRow.from_assessment(assessment, actions, failure).as_dict()


def merge_rows(previous: Mapping[str, HostRow], batch: Mapping[str, HostRow], generated: str) -> dict[str, HostRow]:
    """Per host the newest row wins; this batch's rows are as new as `generated` unless they say otherwise."""
    merged = dict(previous)
    for name, row in batch.items():
        row = row if row.observed else _replace(row, observed=generated)
        older = merged.get(name)
        if older is None or _instant(row.observed) >= _instant(older.observed):
            merged[name] = row
    return dict(sorted(merged.items()))


def merge(previous: Mapping[str, Any] | None, rows: Mapping[str, Mapping[str, Any]], generated: str) -> dict[str, Any]:
    """A new batch of rows merged into the previous report (as read from report.json): the report.json document,
    plus `view` (colours and chart geometry) for report.html."""
    before = previous or {}
    seen_then = _text(before.get("generated"))
    old = {
        str(name): _observed_default(HostRow.from_dict(row), seen_then)
        for name, row in (before.get("hosts") or {}).items()
    }
    hosts = merge_rows(old, {str(name): HostRow.from_dict(row) for name, row in rows.items()}, generated)
    report: dict[str, Any] = {
        "generated": generated,
        "summary": summary_of(hosts.values()),
        "by_product": by_product_of(hosts.values()),
        "hosts": {name: row.as_dict() for name, row in hosts.items()},
    }
    report["view"] = html_view(report)  # for report.html only; the report.json template leaves it out
    return report


def _observed_default(row: HostRow, generated: str | None) -> HostRow:
    return row if row.observed or not generated else _replace(row, observed=generated)


def summary_of(rows: Iterable[HostRow]) -> dict[str, int]:
    """{status: count} for every status, zeroes included, in the fixed status order."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def by_product_of(rows: Iterable[HostRow]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row.product or UNIDENTIFIED_PRODUCT, dict.fromkeys(STATUSES, 0))[row.status] += 1
    return dict(sorted(table.items()))


def left_behind(rows: Mapping[str, Mapping[str, Any]], restart_mode: str) -> list[str]:
    """Hosts the remediation did not finish, each with why: failed, undecidable, still vulnerable, or (restart
    `now`) still waiting for its restart. Compliant, not_applicable and prerequisite_missing hosts are fine."""
    problems = []
    for name, data in rows.items():
        row = HostRow.from_dict(data)
        if (
            row.error
            or row.status in ("vulnerable", "unknown")
            or (row.status == "reboot_pending" and restart_mode == "now")
        ):
            problems.append(f"{name} ({row.status}: {row.reason})")
    return problems


# --- CSV ---------------------------------------------------------------------------------------------------------

CSV_HEADER = (
    "host",
    *[f for f in ROW_FIELDS if f != "exposure"],
    "volumes_multiple_of_8gib",
    "shadow_copies",
    "exposure_note",
    "error",
    "observed",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def csv_cell(value: Any) -> str:
    """One cell as text; lists joined with '; '; a leading ' neutralises what a spreadsheet would run."""
    if value is None:
        text = ""
    elif isinstance(value, list | tuple):
        text = "; ".join(map(str, value))
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(report: Mapping[str, Any]) -> list[list[str]]:
    """Header and one line per host, for csv.writer."""
    lines = [list(CSV_HEADER)]
    for name, data in report["hosts"].items():
        row = HostRow.from_dict(data)
        values = asdict(row)
        lines.append(
            [
                csv_cell(name),
                *[csv_cell(values[f]) for f in ROW_FIELDS if f != "exposure"],
                csv_cell(row.exposure.large_volumes_multiple_of_8gib),
                csv_cell(row.exposure.shadow_copies),
                csv_cell(row.exposure.note),
                csv_cell(row.error),
                csv_cell(row.observed),
            ]
        )
    return lines


# --- Chart geometry for report.html (the template only prints these numbers) --------------------------------------

LABEL_WIDTH = 180  # room for the longest status name at 13 px
BAR_WIDTH = 360  # the longest bar
ROW_HEIGHT = 28
BAR_HEIGHT = 22
PRODUCT_LABEL_WIDTH = 280  # "Windows Server 2008 R2 Enterprise"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class ChartRow:
    label: str
    total: int
    label_y: int  # baseline of the label and total text
    total_x: int  # where the total is written, after the bar
    segments: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rows: tuple[ChartRow, ...]


def _scaled(value: int, largest: int, width: int) -> int:
    # A non-zero count is always visible (at least 2 px), however large the fleet.
    return 0 if value <= 0 else max(2, round(width * value / largest))


def _stacked_row(label: str, counts: Mapping[str, int], index: int, largest: int, left: int) -> ChartRow:
    y, x, segments = index * ROW_HEIGHT, left, []
    for status in STATUSES:
        value = counts.get(status, 0)
        if value:
            width = _scaled(value, largest, BAR_WIDTH)
            segments.append(Bar(status, value, COLOURS[status], x, y, width, BAR_HEIGHT))
            x += width
    return ChartRow(label, sum(counts.values()), y + 16, x + 6, tuple(segments))


def status_chart(counts: Mapping[str, int]) -> Chart:
    """One bar per status (zeroes shown as a label with no bar), scaled to the largest count."""
    largest = max(counts.values(), default=0) or 1
    rows = tuple(
        _stacked_row(status, {status: counts.get(status, 0)}, index, largest, LABEL_WIDTH)
        for index, status in enumerate(STATUSES)
    )
    return Chart(LABEL_WIDTH + BAR_WIDTH + 60, len(rows) * ROW_HEIGHT, rows)


def product_chart(table: Mapping[str, Mapping[str, int]]) -> Chart:
    """One stacked bar per product, segments in status order, scaled to the largest product."""
    largest = max((sum(c.values()) for c in table.values()), default=0) or 1
    rows = tuple(
        _stacked_row(product, counts, index, largest, PRODUCT_LABEL_WIDTH)
        for index, (product, counts) in enumerate(table.items())
    )
    return Chart(PRODUCT_LABEL_WIDTH + BAR_WIDTH + 60, max(len(rows), 1) * ROW_HEIGHT, rows)


def chart(counts: Mapping[str, int], width: int = BAR_WIDTH, bar_height: int = BAR_HEIGHT) -> list[dict[str, Any]]:
    """Plain status bars (label, value, colour, y, width, height) in the order given."""
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "label": status,
            "value": value,
            "colour": COLOURS.get(status, COLOURS["unknown"]),
            "y": index * ROW_HEIGHT,
            "width": round(width * value / largest),
            "height": bar_height,
        }
        for index, (status, value) in enumerate(counts.items())
    ]


def html_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything report.html draws that is not in report.json: colours and both charts' geometry."""
    return {
        "colours": dict(COLOURS),
        "status_chart": asdict(status_chart(report["summary"])),
        "product_chart": asdict(product_chart(report["by_product"])),
        "exposed_hosts": [
            name for name, data in report["hosts"].items() if HostRow.from_dict(data).exposure.worth_a_look
        ],
    }
