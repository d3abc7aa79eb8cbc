# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_report: the fleet report of this play's hosts (or of parts from other runs), written and published.

Runs on the controller only (no connection). Every decision is in plugin_utils/_report.py; this file reads the
hosts' variables, keeps the run's rows between serial batches (as a fact of localhost), and writes files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.winfix.volsnap.plugins.plugin_utils import _report
from ansible_collections.winfix.volsnap.plugins.plugin_utils._local_files import write_atomically as _write_atomically
from ansible_collections.winfix.volsnap.plugins.plugin_utils._play_record import check_recording_task, current_batch
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC

ARGUMENT_SPEC = {
    "dir": {"type": "path"},
    "save_part": {"type": "path"},
    "merge_parts": {"type": "bool", "default": False},
    "require": {"type": "str", "choices": list(_report.REQUIREMENTS)},
    "accept": {"type": "list", "elements": "str", "choices": list(_report.STATUSES)},
}
RUN_FACT = "volsnap_run"  # localhost's record of this play's rows, kept between serial batches


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args: dict[str, Any] = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("require", "accept")]
        )[1]
        accepted = (
            frozenset(args["accept"])
            if args["accept"] is not None
            else _report.accepted_statuses(args["require"] or "reached")
        )
        now = dt.datetime.now(UTC)
        stamp = _report.timestamp(now)
        name: str | None = None  # this run's part, for a play's own hosts
        if args["merge_parts"]:
            rows = self._merged_parts(args, task_vars)
        else:
            rows, name = self._record_play(task_vars, now, stamp)
        left = _report.left_behind(rows, accepted)
        stats: dict[str, Any] = {"volsnap_summary": _report.summary(rows)}
        if name is not None:
            stats[name] = _report.part(rows, stamp)
            result["part"] = name
            result["ansible_facts"] = {
                RUN_FACT: {"key": self._task._uuid, "part": name, "rows": rows, "left_behind": left}
            }
        written = [] if self._task.check_mode else self._write(args, rows, stats, stamp)
        result.update(
            changed=False,  # the hosts did not change; the files are the controller's record of them
            summary=stats["volsnap_summary"],
            left_behind=left,
            files=written,
            ansible_stats={"data": stats, "per_host": False, "aggregate": False},
            msg=_message(stats["volsnap_summary"], left, written, self._task.check_mode),
        )
        return result

    @staticmethod
    def _merged_parts(args: Mapping[str, Any], task_vars: Mapping[str, Any]) -> dict[str, Any]:
        """Every variable named volsnap_part_*, read as data. Never templated: a part holds what hosts reported
        (names, reasons), and extra variables from a file are trusted as templates, so rendering them would run
        whatever a host put there."""
        if args["save_part"]:
            raise AnsibleActionFail("save_part saves a run's own part; it does not apply to parts merged here")
        parts = {name: value for name, value in task_vars.items() if name.startswith(_report.PART_PREFIX)}
        try:
            return _report.rows_of_parts(parts)
        except _report.PartError as error:
            raise AnsibleActionFail(f"cannot merge the parts: {error}") from None

    def _record_play(self, task_vars: Mapping[str, Any], now: dt.datetime, stamp: str) -> tuple[dict[str, Any], str]:
        """This play's rows so far: the current batch's hosts (and hosts dropped from the play) observed now, merged
        into what earlier batches recorded on localhost."""
        check_recording_task(self._task, "volsnap_report")
        hostvars = task_vars["hostvars"]  # read with raw_get, as _play_record says why
        batch = current_batch(self._task, task_vars, RUN_FACT)
        rows = _report.record_batch(
            batch.earlier.get("rows") or {},
            {host: _report.row_from_host(hostvars.raw_get(host), stamp) for host in batch.observed},
            batch.targeted,
        )
        try:
            name = batch.earlier.get("part") or _report.part_name(
                task_vars.get("awx_job_id"), now, secrets.token_hex(3)
            )
        except _report.PartError as error:
            raise AnsibleActionFail(str(error)) from None
        return rows, str(name)

    def _write(
        self, args: Mapping[str, Any], rows: Mapping[str, Any], stats: Mapping[str, Any], stamp: str
    ) -> list[str]:
        written = []
        if args["dir"]:
            # Imported only when writing: compiling the page would cost every run that writes no files.
            from ansible_collections.winfix.volsnap.plugins.plugin_utils import _report_html

            folder = Path(args["dir"])
            report = _report.report(_report.merge_rows(_previous_rows(folder), rows), stamp)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(_report.csv_rows(report))
            for file_name, text in (
                ("report.json", json.dumps(report, indent=2) + "\n"),
                ("report.csv", buffer.getvalue()),
                ("report.html", _report_html.render(report)),
            ):
                written.append(_write_atomically(folder / file_name, text))
        if args["save_part"]:
            name = next(key for key in stats if key.startswith(_report.PART_PREFIX))
            written.append(_write_atomically(Path(args["save_part"]), json.dumps({name: stats[name]}) + "\n"))
        return written


def _previous_rows(folder: Path) -> dict[str, Any]:
    """The rows of an earlier report.json in the folder (other hosts, earlier runs); nothing when there is none."""
    path = folder / "report.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise AnsibleActionFail(f"cannot read {path}: {error.strerror}") from None
    try:
        hosts = json.loads(text)["hosts"]
        if not isinstance(hosts, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise AnsibleActionFail(f"{path} is not a fleet report; move it away or choose another folder") from None
    return hosts


def _message(counts: Mapping[str, int], left: Mapping[str, str], written: list[str], check_mode: bool) -> str:
    counted = ", ".join(f"{value} {status}" for status, value in counts.items() if value) or "no hosts"
    files = "nothing written (check mode)" if check_mode else ("written: " + ", ".join(written) if written else "")
    behind = f"left behind: {'; '.join(f'{h} ({why})' for h, why in left.items())}" if left else ""
    return ". ".join(part for part in (counted, behind, files) if part)
