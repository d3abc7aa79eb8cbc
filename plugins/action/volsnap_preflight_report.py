# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_preflight_report: the preflight rows of this play's hosts, kept across serial batches, written to
preflight.json and printed as a table.

Runs on the controller only (no connection). Every decision is in plugin_utils/_preflight_report.py; this file reads
the hosts' registered results, keeps the run's rows between batches (as a fact of localhost) and writes the file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.winfix.volsnap.plugins.plugin_utils import _preflight_report
from ansible_collections.winfix.volsnap.plugins.plugin_utils._local_files import write_atomically
from ansible_collections.winfix.volsnap.plugins.plugin_utils._play_record import check_recording_task, current_batch
from ansible_collections.winfix.volsnap.plugins.plugin_utils._report import TIME_FORMAT

ARGUMENT_SPEC = {
    "dir": {"type": "path"},
    "result_var": {"type": "str", "default": "volsnap_preflight_result"},
}
RUN_FACT = "volsnap_preflight_run"  # localhost's record of this play's rows, kept between serial batches
FILE_NAME = "preflight.json"


class ActionModule(ActionBase):  # type: ignore[misc]
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args: dict[str, Any] = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        check_recording_task(self._task, "volsnap_preflight_report")
        stamp = time.strftime(TIME_FORMAT, time.gmtime())  # UTC, as the report's times
        rows = self._record_play(task_vars, args["result_var"])
        behind = _preflight_report.not_ready(rows)
        counts = _preflight_report.summary(rows)
        written = [] if self._task.check_mode else self._write(args["dir"], rows, stamp)
        published = {  # host and check names only: nothing a host printed, nothing secret
            "generated": stamp,
            "summary": counts,
            "not_ready": {name: _preflight_report.failed_checks(rows[name]) for name in behind},
        }
        result.update(
            changed=False,  # the hosts did not change; the file is the controller's record of them
            summary=counts,
            not_ready=behind,
            table=_preflight_report.table(rows),
            files=written,
            ansible_facts={RUN_FACT: {"key": self._task._uuid, "rows": rows, "not_ready": behind}},
            ansible_stats={"data": {"volsnap_preflight": published}, "per_host": False, "aggregate": False},
            msg=_message(counts, written, self._task.check_mode),
        )
        return result

    def _record_play(self, task_vars: Mapping[str, Any], result_var: str) -> dict[str, Any]:
        """This play's rows so far: the current batch's hosts (and hosts dropped from the play) read now, merged into
        what earlier batches recorded on localhost; hosts no batch has reached yet are not attempted."""
        hostvars = task_vars["hostvars"]  # read with raw_get, as _play_record says why
        batch = current_batch(self._task, task_vars, RUN_FACT)
        rows = {
            host: _preflight_report.row_from_result(hostvars.raw_get(host).get(result_var)) for host in batch.observed
        }
        return _preflight_report.record_batch(batch.earlier.get("rows") or {}, rows, batch.targeted)

    @staticmethod
    def _write(folder: str | None, rows: Mapping[str, Any], stamp: str) -> list[str]:
        if not folder:
            return []
        text = json.dumps(_preflight_report.document(rows, stamp), indent=2) + "\n"
        return [write_atomically(Path(folder) / FILE_NAME, text)]


def _message(counts: Mapping[str, int], written: list[str], check_mode: bool) -> str:
    files = "nothing written (check mode)" if check_mode else ("written: " + ", ".join(written) if written else "")
    counted = f"{counts['ready']} ready, {counts['not_ready']} not ready"
    return ". ".join(part for part in (counted, files) if part)
