# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_restart: restart now and wait, at a window (scheduled task), after a delay, or only report.

Every time sent to the host is computed from the host's own clock, read by the probe (wmic LocalDateTime), never from
the controller's.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.utils.display import Display

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import VolsnapAction, facts_result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_name,
    quote_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import (
    HostTime,
    HostTimeError,
    after_delay,
    host_now,
    parse_cim_datetime,
    parse_window,
    restarted,
    window_start,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import (
    ALREADY_SCHEDULED,
    IN_PROGRESS,
    Mode,
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
BOOT_COMMAND = "wmic os get LastBootUpTime,LocalDateTime /value < nul"
SHORT_DATE_COMMAND = r'reg query "HKCU\Control Panel\International" /v sShortDate'
NO_CLOCK = (
    "cannot read the host's local time (wmic os get LocalDateTime printed none), and a start time must come from the "
    "host's own clock; nothing was scheduled"
)

display = Display()


class ActionModule(VolsnapAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC

    def check_arguments(self, args: dict[str, Any]) -> None:
        try:
            check_name(args["task_name"], "task_name")
            check_comment(args["comment"])
            if args["mode"] == Mode.WINDOW.value:
                if not args["at"]:
                    raise HostTimeError("mode=window needs at: the host-local time of the restart (HH:MM or ISO 8601)")
                parse_window(args["at"])
        except (UnsafeArgumentError, HostTimeError) as error:
            raise AnsibleActionFail(f"{error}; nothing was sent") from None
        if args["delay"] < 0:
            raise AnsibleActionFail(f"delay must be 0 or more seconds, not {args['delay']}; nothing was sent")

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        mode = Mode(args["mode"])
        needed = args["restart_required"] if args["restart_required"] is not None else facts.pending_reboot
        result.update(
            changed=False,
            mode=mode.value,
            restart_needed=bool(needed),
            restarted=False,
            ansible_facts={"volsnap": facts_result(facts, assessment)},
        )
        if not needed and not args["force"]:
            result.update(restart_pending=False, msg="no restart needed")
            return result
        if mode is Mode.NONE:
            result.update(restart_pending=True, msg="a restart is needed; mode none: not restarting")
            return result
        by_task = mode is Mode.WINDOW or args["delay"] > max_delay(facts.build or 0)
        try:
            if self._play_context.check_mode:
                result.update(self._would(facts, args, mode, by_task))
            elif mode is Mode.NOW:
                result.update(self._now(facts, args))
            elif by_task:
                result.update(self._schedule_task(facts, args, mode))
            else:
                result.update(self._shutdown_later(facts, args))
        except (UnsafeArgumentError, HostTimeError) as error:
            raise AnsibleActionFail(f"{error}; nothing was restarted") from None
        return result

    # -- check mode ---------------------------------------------------------------------------------------------
    def _would(self, facts: HostFacts, args: dict[str, Any], mode: Mode, by_task: bool) -> dict[str, Any]:
        """What a run would do; a start time is computed from the host's clock as the run would compute it."""
        found: dict[str, Any] = {"changed": True, "restart_pending": True, "msg": f"would restart ({mode.value})"}
        now = host_now(facts)
        if mode is Mode.NOW or now is None:
            return found
        when = self._when(args, mode, now) if by_task else after_delay(now, args["delay"])
        found.update(_scheduled(when, now))
        found["msg"] = f"would restart at {when:%Y-%m-%d %H:%M:%S} host time ({mode.value})"
        return found

    # -- now: restart and wait for a new boot time ---------------------------------------------------------------
    def _now(self, facts: HostFacts, args: dict[str, Any]) -> dict[str, Any]:
        before = parse_cim_datetime(facts.last_boot) or self._boot_time()
        if before is None:
            raise AnsibleActionFail(
                "cannot read the host's boot time (wmic os get LastBootUpTime printed none), so a restart could not "
                "be confirmed; nothing was restarted. Use mode delay or window, which do not wait"
            )
        started = time.monotonic()
        lost = ""
        try:
            done = self.cmd(shutdown_command(0, args["comment"], facts.build or 0))
        except AnsibleConnectionFailure as error:
            if getattr(error, "command_started", None) is False:
                raise AnsibleActionFail(f"shutdown could not be sent ({error}); nothing was restarted") from None
            # Its answer was lost after it was sent: the restart has probably begun; the boot time will tell.
            lost = str(error)
            display.v(f"{self.host_name}: the answer of shutdown was lost ({lost}); waiting for a new boot time")
        else:
            if done.rc in (ALREADY_SCHEDULED, IN_PROGRESS):
                return _already(done.rc)
            if done.rc != 0:
                raise AnsibleActionFail(f"shutdown failed (exit {done.rc}): {done.stderr.strip()}")
        seen: bool | None = None
        while time.monotonic() < started + args["timeout"]:
            time.sleep(args["poll_interval"])
            seen = restarted(before, self._boot_time())
            if seen:
                elapsed = round(time.monotonic() - started, 1)
                note = f"; the answer of shutdown was lost ({lost}), and the new boot time confirms the restart"
                return {
                    "changed": True,
                    "restarted": True,
                    "restart_pending": False,
                    "reply_lost": bool(lost),
                    "elapsed": elapsed,
                    "msg": f"restarted in {elapsed} s" + (note if lost else ""),
                }
        last = "gave no boot time (down, or WinRM not up yet)" if seen is None else "still had its old boot time"
        why = f"the answer of shutdown was lost ({lost}) and " if lost else ""
        return {  # failed, but with the facts kept (reboot_pending) so that the report says so
            "failed": True,
            "changed": True,
            "reply_lost": bool(lost),
            "restart_pending": True,
            "msg": f"{why}the host did not come back with a new boot time within {args['timeout']} s (its last "
            f"answer {last}); the restart is pending",
        }

    def _boot_time(self) -> HostTime | None:
        """The host's boot time, or None when it cannot be read now (down, WinRM not up, no wmic): cannot tell."""
        try:
            self._connection.reset()
            done = self.cmd(BOOT_COMMAND)
        except (AnsibleConnectionFailure, AnsibleActionFail, OSError):
            return None
        records = parse_wmic_values(done.stdout) if done.rc == 0 else []
        return parse_cim_datetime(records[0].get("LastBootUpTime")) if records else None

    # -- delay within shutdown's /t ------------------------------------------------------------------------------
    def _shutdown_later(self, facts: HostFacts, args: dict[str, Any]) -> dict[str, Any]:
        command = shutdown_command(args["delay"], args["comment"], facts.build or 0)
        now = host_now(facts)
        when = _scheduled(after_delay(now, args["delay"]), now) if now else {}
        try:
            done = self.cmd(command)
        except AnsibleConnectionFailure as error:
            if getattr(error, "command_started", None) is False:
                raise AnsibleActionFail(f"shutdown could not be sent ({error}); nothing was restarted") from None
            return {**when, **self._ask_again(command, str(error), args["delay"])}
        if done.rc in (ALREADY_SCHEDULED, IN_PROGRESS):
            return _already(done.rc)
        if done.rc != 0:
            raise AnsibleActionFail(f"shutdown failed (exit {done.rc}): {done.stderr.strip()}")
        return {
            **when,
            "changed": True,
            "restart_pending": True,
            "reply_lost": False,
            "msg": f"restart in {args['delay']} s",
        }

    def _ask_again(self, command: str, lost: str, delay: int) -> dict[str, Any]:
        """The answer of shutdown was lost: send it again over a new connection. 1190 says a restart is scheduled
        (the first one); 0 says the first was not taken and this one is."""
        self._connection.close()
        try:
            again = self.cmd(command)
        except AnsibleConnectionFailure as error:
            raise AnsibleActionFail(
                f"the answer of shutdown was lost ({lost}) and the host did not answer again ({error}): whether a "
                "restart is scheduled cannot be told"
            ) from None
        if again.rc not in (0, ALREADY_SCHEDULED, IN_PROGRESS):
            raise AnsibleActionFail(f"shutdown failed (exit {again.rc}): {again.stderr.strip()}")
        found = "sent again, it was taken" if again.rc == 0 else f"asked again, the host has it scheduled ({again.rc})"
        return {
            "changed": True,
            "restart_pending": True,
            "reply_lost": True,
            "msg": f"restart in {delay} s (the answer of shutdown was lost: {lost}; {found})",
        }

    # -- window, or a delay beyond /t: a scheduled task as SYSTEM ------------------------------------------------
    def _schedule_task(self, facts: HostFacts, args: dict[str, Any], mode: Mode) -> dict[str, Any]:
        now = host_now(facts)
        if now is None:
            raise AnsibleActionFail(NO_CLOCK)
        when = self._when(args, mode, now)
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
            **_scheduled(when, now),
            "changed": True,
            "restart_pending": True,
            "task_name": name,
            "msg": f"restart scheduled for {when:%Y-%m-%d %H:%M:%S} host time ({_offset(now)}) as task {name}",
        }

    @staticmethod
    def _when(args: dict[str, Any], mode: Mode, now: HostTime) -> dt.datetime:
        return after_delay(now, args["delay"]) if mode is Mode.DELAY else window_start(args["at"], now)

    def _send_text(self, text: str, remote: str) -> None:
        fd, local = tempfile.mkstemp(suffix=".xml")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-16"))  # Task Scheduler reads the XML as UTF-16 (with a BOM)
            self._connection.put_file(local, remote)
        finally:
            os.unlink(local)


def _scheduled(when: dt.datetime, now: HostTime) -> dict[str, Any]:
    """The result's times: host-local (what the host runs by) and in UTC at the host's current offset."""
    utc = when - dt.timedelta(minutes=now.offset_minutes)
    return {
        "scheduled_for": when.isoformat(),
        "scheduled_for_utc": f"{utc.isoformat()}Z",
        "host_time": now.local.replace(microsecond=0).isoformat(),
    }


def _offset(now: HostTime) -> str:
    return now.describe().rsplit(" ", 1)[-1].strip("()")


def _already(rc: int) -> dict[str, Any]:
    what = "already scheduled on the host (1190)" if rc == ALREADY_SCHEDULED else "already in progress (1115)"
    return {
        "changed": False,
        "restart_pending": True,
        "reply_lost": False,
        "msg": f"a shutdown was {what}; this task's was not taken",
    }
