# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_restart: restart now and wait, at a window (scheduled task), after a delay, or only report."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import VolsnapAction, facts_result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_name,
    quote_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import (
    ALREADY_SCHEDULED,
    Mode,
    came_back,
    check_comment,
    max_delay,
    shutdown_command,
    task_create_v1,
    task_create_v2,
    task_xml_v2,
    uses_task_scheduler_1,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._wmic import parse_wmic_values

ARGUMENT_SPEC = {
    "mode": {"type": "str", "choices": [m.value for m in Mode], "default": Mode.NONE.value},
    "at": {"type": "str"},
    "delay": {"type": "int", "default": 0},
    "timeout": {"type": "int", "default": 900},
    "poll_interval": {"type": "float", "default": 2.0},
    "force": {"type": "bool", "default": False},
    "restart_required": {"type": "bool"},
    "comment": {"type": "str", "default": "winfix.volsnap KB2748349"},
    "task_name": {"type": "str", "default": "winfix-volsnap-restart"},
}
BOOT_COMMAND = "wmic os get LastBootUpTime /value < nul"
SHORT_DATE_COMMAND = r'reg query "HKCU\Control Panel\International" /v sShortDate'


class ActionModule(VolsnapAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC

    def check_arguments(self, args: dict[str, Any]) -> None:
        try:
            check_name(args["task_name"], "task_name")
            check_comment(args["comment"])
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent") from None

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        mode = Mode(args["mode"])
        needed = args["restart_required"] if args["restart_required"] is not None else facts.pending_reboot
        result.update(
            changed=False,
            mode=mode.value,
            restart_needed=bool(needed),
            ansible_facts={"volsnap": facts_result(facts, assessment)},
        )
        if not needed and not args["force"]:
            result.update(restarted=False, msg="no restart needed")
            return result
        if mode is Mode.NONE:
            result.update(restarted=False, restart_pending=True, msg="a restart is needed; mode none: not restarting")
            return result
        if self._play_context.check_mode:
            result.update(changed=True, restart_pending=True, msg=f"would restart ({mode.value})")
            return result
        try:
            if mode is Mode.NOW:
                result.update(self._now(facts, args))
            elif mode is Mode.DELAY and args["delay"] <= max_delay(facts.build or 0):
                result.update(self._shutdown(facts, args["delay"], args["comment"]))
            else:
                result.update(self._schedule_task(facts, args, mode))
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(str(error)) from None
        return result

    def _shutdown(self, facts: HostFacts, delay: int, comment: str) -> dict[str, Any]:
        done = self.cmd(shutdown_command(delay, comment, facts.build or 0))
        if done.rc == ALREADY_SCHEDULED:
            return {
                "changed": False,
                "restart_pending": True,
                "msg": "a shutdown was already scheduled on the host (1190)",
            }
        if done.rc != 0:
            raise AnsibleActionFail(f"shutdown failed (exit {done.rc}): {done.stderr.strip()}")
        return {"changed": True, "restart_pending": True, "msg": f"restart in {delay} s"}

    def _now(self, facts: HostFacts, args: dict[str, Any]) -> dict[str, Any]:
        before = facts.last_boot
        started = time.monotonic()
        scheduled = self._shutdown(facts, 0, args["comment"])
        if not scheduled["changed"]:
            return scheduled
        deadline = started + args["timeout"]
        while time.monotonic() < deadline:
            time.sleep(args["poll_interval"])
            now = self._boot_time()
            if came_back(before, now):
                elapsed = round(time.monotonic() - started, 1)
                return {
                    "changed": True,
                    "restarted": True,
                    "restart_pending": False,
                    "elapsed": elapsed,
                    "msg": f"restarted in {elapsed} s",
                }
        return {  # failed, but with the facts kept (reboot_pending) so that the report says so
            "failed": True,
            "changed": True,
            "restarted": False,
            "restart_pending": True,
            "msg": f"the host did not come back with a new boot time within {args['timeout']} s; "
            "the restart is pending",
        }

    def _boot_time(self) -> str | None:
        try:
            self._connection.reset()
            done = self.cmd(BOOT_COMMAND)
        except (AnsibleConnectionFailure, AnsibleActionFail, OSError):
            return None  # down, or WinRM not up yet
        records = parse_wmic_values(done.stdout) if done.rc == 0 else []
        return records[0].get("LastBootUpTime") if records else None

    def _schedule_task(self, facts: HostFacts, args: dict[str, Any], mode: Mode) -> dict[str, Any]:
        when = self._when(args, mode)
        name = args["task_name"]
        if uses_task_scheduler_1(facts.build or 0):
            short = self.cmd(SHORT_DATE_COMMAND)
            pattern = next(
                (line.split("REG_SZ")[-1].strip() for line in short.stdout.splitlines() if "sShortDate" in line),
                "M/d/yyyy",
            )
            command = task_create_v1(name, when, pattern)
            self.cmd(f'schtasks /delete /tn "{name}" /f')  # Task Scheduler 1.0 has no /f on create
        else:
            xml_path = f"{self.temp_root(facts)}\\{name}.xml"
            self._send_text(task_xml_v2(when, args["comment"]), xml_path)
            command = task_create_v2(name, quote_path(xml_path))
        done = self.cmd(command)
        if done.rc != 0:
            raise AnsibleActionFail(f"creating the restart task failed (exit {done.rc}): {done.stderr.strip()}")
        return {
            "changed": True,
            "restart_pending": True,
            "scheduled_for": when.isoformat(),
            "task_name": name,
            "msg": f"restart scheduled for {when:%Y-%m-%d %H:%M} (host time) as task {name}",
        }

    def _when(self, args: dict[str, Any], mode: Mode) -> dt.datetime:
        if mode is Mode.DELAY:
            return dt.datetime.now().replace(microsecond=0) + dt.timedelta(seconds=args["delay"])
        text = args["at"]
        if not text:
            raise AnsibleActionFail(
                "mode=window needs at: the host-local time of the restart (YYYY-MM-DDTHH:MM or HH:MM)"
            )
        try:
            if len(text) <= 5:
                today = dt.datetime.now()
                hour, minute = (int(p) for p in text.split(":"))
                when = today.replace(hour=hour, minute=minute, second=0, microsecond=0)
                return when if when > today else when + dt.timedelta(days=1)
            return dt.datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            raise AnsibleActionFail(f"at={text!r} is not HH:MM or an ISO 8601 date and time") from None

    def _send_text(self, text: str, remote: str) -> None:
        fd, local = tempfile.mkstemp(suffix=".xml")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-16"))  # Task Scheduler reads the XML as UTF-16 (with a BOM)
            self._connection.put_file(local, remote)
        finally:
            os.unlink(local)
