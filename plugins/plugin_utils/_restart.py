# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restart plan (legacy-windows.md §5): shutdown with reason p:2:17, or a scheduled task running as SYSTEM.

`plan_restart` decides what to do (nothing, report only, shutdown now or after a delay, a task at a time);
the command builders below turn that into cmd.exe lines; `came_back` decides from two LastBootUpTime values
whether a restart happened. The action plugin runs the commands through the winrs connection.

Task Scheduler 1.0 (Windows Server 2003) takes the start date only in the short-date format of the user that runs
schtasks, so the caller reads it first: `SHORT_DATE_QUERY` (the WinRM user's HKCU, which is what schtasks.exe
parses with) and, if that has no value, `SHORT_DATE_QUERY_DEFAULT` (HKU\\.DEFAULT, the machine default); then
`parse_short_date` on the output. Task Scheduler 2.0 (Vista and later) gets an XML document whose StartBoundary
is ISO 8601, so no locale is involved; schtasks reads that file as UTF-16 with a byte order mark.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, check_name

REASON = "p:2:17"  # Operating System: Hot fix (Planned)
ALREADY_SCHEDULED = 1190  # ERROR_SHUTDOWN_IS_SCHEDULED
NOTHING_TO_ABORT = 1116  # ERROR_NO_SHUTDOWN_IN_PROGRESS (shutdown /a)
RESTART_COMMAND = f"shutdown.exe /r /t 0 /d {REASON}"
ABORT_COMMAND = "shutdown /a"
BOOT_TIME_QUERY = "wmic os get LastBootUpTime /value < nul"
SHORT_DATE_QUERY = r'reg query "HKCU\Control Panel\International" /v sShortDate'
SHORT_DATE_QUERY_DEFAULT = r'reg query "HKU\.DEFAULT\Control Panel\International" /v sShortDate'
TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
WINDOWS_7_BUILD = 7600
_COMMENT_OK = re.compile(r"^[A-Za-z0-9 .,:;()_/+-]*$")  # nothing cmd or shutdown's own quoting could misread


class Mode(enum.StrEnum):
    NOW = "now"
    WINDOW = "window"
    DELAY = "delay"
    NONE = "none"


@dataclass(frozen=True)
class ShutdownLimits:
    max_delay_s: int  # shutdown /t
    max_comment: int  # shutdown /c
    task_scheduler: int  # 1 (schtasks without /xml) or 2


_LEGACY = ShutdownLimits(max_delay_s=600, max_comment=127, task_scheduler=2)
_LIMITS_BY_FAMILY = {
    "2003": ShutdownLimits(max_delay_s=600, max_comment=127, task_scheduler=1),
    "vista_2008": _LEGACY,
    "7_2008r2": ShutdownLimits(max_delay_s=315360000, max_comment=512, task_scheduler=2),
}


def limits_for_family(family: str) -> ShutdownLimits:
    try:
        return _LIMITS_BY_FAMILY[family]
    except KeyError:
        raise ValueError(f"no restart limits are known for OS family {family!r}") from None


def limits_for_build(build: int) -> ShutdownLimits:
    """By kernel build: 3790 is Server 2003 (Task Scheduler 1.0); 6000-6002 Vista/2008; 7600 and later Windows 7+."""
    if build <= 3790:
        return _LIMITS_BY_FAMILY["2003"]
    return _LIMITS_BY_FAMILY["7_2008r2"] if build >= WINDOWS_7_BUILD else _LEGACY


def max_delay(build: int) -> int:
    """shutdown /t: 0-600 s before Windows 7, up to 10 years from Windows 7 on."""
    return limits_for_build(build).max_delay_s


def max_comment(build: int) -> int:
    return limits_for_build(build).max_comment


def uses_task_scheduler_1(build: int) -> bool:
    return limits_for_build(build).task_scheduler == 1


class Action(enum.StrEnum):
    SKIP = "skip"  # no restart needed (and none forced)
    REPORT_ONLY = "report_only"  # needed, but mode none: say so
    SHUTDOWN = "shutdown"  # shutdown /r /t <delay_s>
    TASK = "task"  # a scheduled task as SYSTEM at <at>


@dataclass(frozen=True)
class RestartPlan:
    action: Action
    reason: str
    delay_s: int = 0
    at: dt.datetime | None = None  # host-local time, for Action.TASK
    wait_for_boot: bool = False  # mode now: wait for a new boot time


def plan_restart(
    mode: str,
    needed: bool,
    force: bool,
    limits: ShutdownLimits,
    delay_s: int = 0,
    at: dt.datetime | None = None,
    host_now: dt.datetime | None = None,
) -> RestartPlan:
    """What to do. Restart only when needed unless forced; a delay beyond the OS's /t limit becomes a task."""
    chosen = Mode(mode)
    if not needed and not force:
        return RestartPlan(Action.SKIP, "no restart needed")
    if chosen is Mode.NONE:
        return RestartPlan(Action.REPORT_ONLY, "a restart is needed; mode none: not restarting")
    if chosen is Mode.NOW:
        return RestartPlan(Action.SHUTDOWN, "restart now", wait_for_boot=True)
    if chosen is Mode.DELAY:
        if delay_s < 0:
            raise ValueError(f"restart delay {delay_s} s is negative")
        if delay_s <= limits.max_delay_s:
            return RestartPlan(Action.SHUTDOWN, f"restart in {delay_s} s", delay_s=delay_s)
        if host_now is None:
            raise ValueError("a delay beyond shutdown's limit becomes a task: the host's current time is needed")
        when = host_now.replace(microsecond=0) + dt.timedelta(seconds=delay_s)
        return RestartPlan(
            Action.TASK, f"restart in {delay_s} s (over shutdown's {limits.max_delay_s} s limit): a task", at=when
        )
    if at is None:
        raise ValueError("mode window needs the host-local time of the restart")
    if host_now is not None and at <= host_now:
        raise ValueError(f"the restart window {at:%Y-%m-%d %H:%M} is not in the future (host time {host_now:%H:%M})")
    return RestartPlan(Action.TASK, f"restart at {at:%Y-%m-%d %H:%M} host time", at=at)


def next_window(hh_mm: str, host_now: dt.datetime) -> dt.datetime:
    """`"02:30"` → the next 02:30 on the host's clock (today if still ahead, else tomorrow)."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", hh_mm.strip())
    if match is None:
        raise ValueError(f"{hh_mm!r} is not a time of day HH:MM")
    when = host_now.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0, microsecond=0)
    return when if when > host_now else when + dt.timedelta(days=1)


def shutdown_command(delay_s: int, comment: str, build: int) -> str:
    limits = limits_for_build(build)
    if not 0 <= delay_s <= limits.max_delay_s:
        raise UnsafeArgumentError(f"restart delay {delay_s} s is outside 0-{limits.max_delay_s} s for this Windows")
    if len(comment) > limits.max_comment or not _COMMENT_OK.match(comment):
        raise UnsafeArgumentError(
            f"restart comment must be at most {limits.max_comment} plain characters (letters, digits, .,:;()_/+-)"
        )
    return f'shutdown /r /t {delay_s} /d {REASON} /c "{comment}"'


class ShutdownResult(enum.StrEnum):
    SCHEDULED = "scheduled"
    ALREADY_SCHEDULED = "already_scheduled"  # 1190: someone else's shutdown is pending; ours was not registered
    FAILED = "failed"


@dataclass(frozen=True)
class ShutdownOutcome:
    result: ShutdownResult
    changed: bool
    message: str


def interpret_shutdown_exit(code: int, output: str = "") -> ShutdownOutcome:
    if code == 0:
        return ShutdownOutcome(ShutdownResult.SCHEDULED, True, "restart scheduled")
    if code == ALREADY_SCHEDULED:
        return ShutdownOutcome(
            ShutdownResult.ALREADY_SCHEDULED,
            False,
            "a shutdown is already scheduled on the host (exit 1190); it will restart then, "
            "or cancel it with 'shutdown /a' and run again",
        )
    detail = output.strip().splitlines()[-1] if output.strip() else ""
    return ShutdownOutcome(
        ShutdownResult.FAILED, False, f"shutdown failed with exit code {code}" + (f": {detail}" if detail else "")
    )


def parse_short_date(reg_output: str) -> str | None:
    """sShortDate from `reg query ... /v sShortDate` (2003: tabs, Vista+: 4 spaces); None if absent."""
    for line in reg_output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0].lower() == "sshortdate" and parts[1] == "REG_SZ":
            return parts[2].strip()
    return None


def date_format_from_short_date(pattern: str) -> str:
    """Windows' sShortDate ("M/d/yyyy", "dd.MM.yyyy") → a strftime format with the same order and separators.

    schtasks wants a four-digit year whatever the pattern shows; names of months or days cannot be typed in.
    """
    if re.search(r"MMM|ddd|['\"]", pattern):
        raise ValueError(f"short date format {pattern!r} uses names or literals that schtasks /sd cannot take")
    out = pattern
    for token, directive in (("yyyy", "%Y"), ("yy", "%Y"), ("MM", "%m"), ("M", "%m"), ("dd", "%d"), ("d", "%d")):
        out = re.sub(rf"(?<![%A-Za-z]){token}(?![A-Za-z])", directive, out)
    if sorted(re.findall(r"%[Ymd]", out)) != ["%Y", "%d", "%m"] or re.search(r"(?<!%)[A-Za-z]", out):
        raise ValueError(f"unrecognised short date format {pattern!r}")
    return out


def task_create_v1(name: str, when: dt.datetime, short_date: str) -> str:
    """Task Scheduler 1.0 (2003): /sd in the host locale's format, /st HH:MM:SS, no /xml, /f or /rl."""
    check_name(name, "task name")
    date = when.strftime(date_format_from_short_date(short_date))
    return f'schtasks /create /tn "{name}" /tr "{RESTART_COMMAND}" /sc once /st {when:%H:%M:%S} /sd {date} /ru SYSTEM'


def task_delete_command(name: str) -> str:
    """Before a 1.0 create (which would ask "replace it (Y/N)?"), and to cancel a planned window."""
    check_name(name, "task name")
    return f'schtasks /delete /tn "{name}" /f'


def _element(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{TASK_NAMESPACE}}}{tag}")
    child.text = text
    return child


def task_xml_v2(when: dt.datetime, description: str) -> str:
    """Task Scheduler 2.0 task (schema 1.2, Vista/2008 and later): shutdown at StartBoundary as SYSTEM.

    A missed start is not made up later (StartWhenAvailable false): a host that was off at the window has restarted
    anyway, and a late run would restart it outside the window. It runs on battery too (Windows 7 laptops).
    """
    ET.register_namespace("", TASK_NAMESPACE)
    task = ET.Element(f"{{{TASK_NAMESPACE}}}Task", {"version": "1.2"})
    _element(_element(task, "RegistrationInfo"), "Description", description)
    trigger = _element(_element(task, "Triggers"), "TimeTrigger")
    _element(trigger, "StartBoundary", when.replace(tzinfo=None, microsecond=0).isoformat())
    _element(trigger, "Enabled", "true")
    principal = _element(_element(task, "Principals"), "Principal")
    principal.set("id", "Author")
    _element(principal, "UserId", "S-1-5-18")  # LocalSystem
    _element(principal, "RunLevel", "HighestAvailable")
    settings = _element(task, "Settings")
    for tag, value in (
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "false"),
        ("Enabled", "true"),
    ):
        _element(settings, tag, value)
    actions = _element(task, "Actions")
    actions.set("Context", "Author")
    command, arguments = RESTART_COMMAND.split(" ", 1)
    execute = _element(actions, "Exec")
    _element(execute, "Command", command)
    _element(execute, "Arguments", arguments)
    ET.indent(task)
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"


def task_xml_bytes(when: dt.datetime, description: str) -> bytes:
    """The file schtasks /xml reads: UTF-16 little-endian with a byte order mark, CRLF line ends."""
    return task_xml_v2(when, description).replace("\n", "\r\n").encode("utf-16")


def task_create_v2(name: str, xml_path_quoted: str) -> str:
    check_name(name, "task name")
    return f'schtasks /create /tn "{name}" /xml {xml_path_quoted} /f'


_CIM_DATETIME = re.compile(r"^(\d{14})(?:\.\d{1,6})?([+-]\d{3})?")


def parse_wmic_datetime(text: str | None) -> dt.datetime | None:
    """wmic's CIM_DATETIME "20121120093000.500000+060" → a datetime (aware when the offset, in minutes, is given)."""
    match = _CIM_DATETIME.match((text or "").strip())
    if match is None:
        return None
    try:
        value = dt.datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if match.group(2):
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(minutes=int(match.group(2)))))
    return value


def came_back(boot_before: str | None, boot_now: str | None, tolerance_s: int = 5) -> bool:
    """The host restarted: it answers and reports a boot time later than before.

    WMI derives LastBootUpTime from the clock and the uptime, so the same boot can read a second or two apart:
    differences within the tolerance are the same boot. Unparseable values fall back to plain inequality.
    """
    if boot_now is None:
        return False
    before, now = parse_wmic_datetime(boot_before), parse_wmic_datetime(boot_now)
    if before is None or now is None or (before.tzinfo is None) != (now.tzinfo is None):
        return boot_now.strip() != (boot_before or "").strip()
    return (now - before).total_seconds() > tolerance_s
