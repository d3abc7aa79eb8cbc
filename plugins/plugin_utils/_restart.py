# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restart plan (tests/lab/FIDELITY.md, shutdown and schtasks rows): shutdown with reason p:2:17, or a scheduled
task as SYSTEM."""

from __future__ import annotations

import datetime as dt
import enum
import re
from xml.sax.saxutils import escape

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, check_name

REASON = "p:2:17"  # Operating System: Hot fix (Planned)
ALREADY_SCHEDULED = 1190
NOTHING_TO_ABORT = 1116
RESTART_COMMAND = f"shutdown.exe /r /t 0 /d {REASON}"
_COMMENT_OK = re.compile(r"^[A-Za-z0-9 .,:;()_/+-]*$")


class Mode(enum.StrEnum):
    NOW = "now"
    WINDOW = "window"
    DELAY = "delay"
    NONE = "none"


def max_delay(build: int) -> int:
    """shutdown /t: 0-600 s before Windows 7, up to 10 years from Windows 7 on."""
    return 600 if build < 7600 else 315360000


def max_comment(build: int) -> int:
    return 127 if build < 7600 else 512


def check_comment(comment: str, limit: int = 512) -> str:
    """The restart comment goes inside /c "..." on the command line: plain characters only, within shutdown's limit."""
    if len(comment) > limit or not _COMMENT_OK.match(comment):
        raise UnsafeArgumentError(
            f"restart comment must be at most {limit} plain characters (letters, digits, .,:;()_/+-)"
        )
    return comment


def shutdown_command(delay_s: int, comment: str, build: int) -> str:
    if not 0 <= delay_s <= max_delay(build):
        raise UnsafeArgumentError(f"restart delay {delay_s} s is outside 0-{max_delay(build)} s for this Windows")
    check_comment(comment, max_comment(build))
    return f'shutdown /r /t {delay_s} /d {REASON} /c "{comment}"'


def uses_task_scheduler_1(build: int) -> bool:
    return build <= 3790  # Windows Server 2003: Task Scheduler 1.0, no /xml


def date_format_from_short_date(pattern: str) -> str:
    """Windows' sShortDate ("M/d/yyyy", "dd.MM.yyyy") → a strftime format with the same order and separators."""
    out = pattern
    for token, directive in (("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("M", "%m"), ("dd", "%d"), ("d", "%d")):
        out = re.sub(rf"(?<![%A-Za-z]){token}(?![A-Za-z])", directive, out)
    if not all(d in out for d in ("%m", "%d")) or "%" not in out:
        raise ValueError(f"unrecognised short date format {pattern!r}")
    return out


def task_create_v1(name: str, when: dt.datetime, short_date: str) -> str:
    """Task Scheduler 1.0 (2003): /sd in the host locale's format, /st HH:MM:SS, no /xml."""
    check_name(name, "task name")
    date = when.strftime(date_format_from_short_date(short_date))
    return f'schtasks /create /tn "{name}" /tr "{RESTART_COMMAND}" /sc once /st {when:%H:%M:%S} /sd {date} /ru SYSTEM'


def task_xml_v2(when: dt.datetime, description: str) -> str:
    """Task Scheduler 2.0 XML: an ISO 8601 StartBoundary needs no locale; runs as SYSTEM."""
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Description>{escape(description)}</Description></RegistrationInfo>
  <Triggers>
    <TimeTrigger><StartBoundary>{when:%Y-%m-%dT%H:%M:%S}</StartBoundary><Enabled>true</Enabled></TimeTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal>
  </Principals>
  <Settings><StartWhenAvailable>true</StartWhenAvailable><Enabled>true</Enabled></Settings>
  <Actions Context="Author">
    <Exec><Command>shutdown.exe</Command><Arguments>/r /t 0 /d {REASON}</Arguments></Exec>
  </Actions>
</Task>
"""


def task_create_v2(name: str, xml_path_quoted: str) -> str:
    check_name(name, "task name")
    return f'schtasks /create /tn "{name}" /xml {xml_path_quoted} /f'


def parse_wmic_datetime(text: str | None) -> dt.datetime | None:
    """wmic's CIM_DATETIME "20121120093000.500000+060" → a naive datetime (host local time)."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(text.strip()[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def came_back(boot_before: str | None, boot_now: str | None) -> bool:
    """The host restarted: it answers and reports a different boot time."""
    return boot_now is not None and boot_now != boot_before
