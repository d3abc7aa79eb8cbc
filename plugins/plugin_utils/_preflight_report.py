# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's fleet view: a row per host from its task result, rows kept across serial batches, the hosts that
are not ready, the table the playbook prints, and preflight.json.

preflight.json (an interface other checks rely on):
`{"generated": …, "summary": {"ready": n, "not_ready": n}, "hosts": {name: {"ready": bool, "checks": {check:
{"ok": bool, "detail": str}}}}}`. A row holds exactly `ready` and `checks`; the checks are those of _preflight.CHECKS
that apply to the host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._preflight import CHECKS

Row = dict[str, Any]
NOT_ATTEMPTED = "not attempted: the run stopped before this host's turn"


def _row(checks: Mapping[str, Mapping[str, Any]]) -> Row:
    ordered = sorted(checks.items(), key=lambda item: CHECKS.index(item[0]) if item[0] in CHECKS else len(CHECKS))
    plain = {
        str(name): {"ok": bool(check.get("ok")), "detail": str(check.get("detail") or "")} for name, check in ordered
    }
    return {"ready": bool(plain) and all(check["ok"] for check in plain.values()), "checks": plain}


def row_from_result(result: Mapping[str, Any] | None) -> Row:
    """A host's row from its registered volsnap_preflight result. Unreachable: `reachable` failed with the connection's
    error. A task that failed (bad arguments, a host whose output broke the action): `preflight` failed with its
    message. No result (the host's batch never ran): `reachable`, not attempted."""
    if not result:
        return _row({"reachable": {"ok": False, "detail": NOT_ATTEMPTED}})
    message = str(result.get("msg") or "no message")
    if result.get("unreachable"):
        return _row({"reachable": {"ok": False, "detail": message}})
    checks = result.get("checks")
    if result.get("failed") or not isinstance(checks, Mapping) or not checks:
        return _row(
            {"preflight": {"ok": False, "detail": message if result.get("failed") else "the task returned no checks"}}
        )
    return _row({name: check for name, check in checks.items() if isinstance(check, Mapping)})


def record_batch(recorded: Mapping[str, Row], observed: Mapping[str, Row], targeted: Sequence[str]) -> dict[str, Row]:
    """The run's rows after one of its batches: rows observed now replace earlier ones, and every targeted host still
    without a row is listed as not attempted."""
    rows = {name: dict(row) for name, row in recorded.items()}
    rows.update({name: dict(row) for name, row in observed.items()})
    for name in targeted:
        rows.setdefault(name, row_from_result(None))
    return dict(sorted(rows.items()))


def failed_checks(row: Mapping[str, Any]) -> list[str]:
    return [name for name, check in (row.get("checks") or {}).items() if not check.get("ok")]


def not_ready(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The hosts that are not ready, each with its failed checks and their details (for the verdict message)."""
    return {
        name: "; ".join(f"{check}: {row['checks'][check]['detail']}" for check in failed_checks(row))
        for name, row in rows.items()
        if not row.get("ready")
    }


def summary(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    ready = sum(1 for row in rows.values() if row.get("ready"))
    return {"ready": ready, "not_ready": len(rows) - ready}


def document(rows: Mapping[str, Mapping[str, Any]], generated: str) -> dict[str, Any]:
    """preflight.json."""
    return {
        "generated": generated,
        "summary": summary(rows),
        "hosts": {name: dict(rows[name]) for name in sorted(rows)},
    }


def table(rows: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One line per host: name, ready, the failed checks; a header line first."""
    width = max([len("host"), *(len(name) for name in rows)])
    lines = [f"{'host':<{width}}  ready  failed checks"]
    for name in sorted(rows):
        ready = "yes" if rows[name].get("ready") else "no"
        lines.append(f"{name:<{width}}  {ready:<5}  {', '.join(failed_checks(rows[name]))}".rstrip())
    return lines
