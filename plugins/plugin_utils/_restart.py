# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restart plan: shutdown with reason p:2:17, or a scheduled task as SYSTEM.

Sources (tests/lab/FIDELITY.md, shutdown and schtasks rows; README, "Operations"): Microsoft's shutdown command
reference (learn.microsoft.com/windows-server/administration/windows-commands/shutdown) and the 2003-era help
(ss64.com/nt/shutdown.html): /t is 0-600 s before Windows 7, up to 315360000 s from Windows 7, the comment 127 or 512
characters; p:2:17 is "Operating System: Hot fix (Planned)". Task Scheduler 1.0 (2003) takes /st and /sd in the locale's
format; 2.0 (Vista and later) an XML definition whose StartBoundary without an offset is the host's local time
(learn.microsoft.com/windows/win32/api/taskschd/nf-taskschd-itrigger-put_startboundary).
"""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError, check_name
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import StrEnum

REASON = "p:2:17"  # Operating System: Hot fix (Planned)
ALREADY_SCHEDULED = 1190
IN_PROGRESS = 1115
NOTHING_TO_ABORT = 1116
# The shortest /t sent over WinRM: the answer of `shutdown /t 0` can be cut by the restart it starts. ansible.windows'
# win_reboot waits 2 s the same way (pre_reboot_delay, default 2).
REPLY_GRACE_S = 2
# /f: applications are closed without asking. Microsoft documents it as implied by /t > 0 (Windows 7 and later);
# for 2003, Vista and 2008 it is not written down, so it is always passed.
RESTART_COMMAND = f"shutdown.exe /r /f /t 0 /d {REASON}"
_COMMENT_OK = re.compile(r"^[A-Za-z0-9 .,:;()_/+-]*$")


class Mode(StrEnum):
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
    """A restart in `delay_s` seconds, never sooner than REPLY_GRACE_S (the answer must get out first)."""
    if not 0 <= delay_s <= max_delay(build):
        raise UnsafeArgumentError(f"restart delay {delay_s} s is outside 0-{max_delay(build)} s for this Windows")
    check_comment(comment, max_comment(build))
    return f'shutdown /r /f /t {max(delay_s, REPLY_GRACE_S)} /d {REASON} /c "{comment}"'


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
    <Exec><Command>shutdown.exe</Command><Arguments>/r /f /t 0 /d {REASON}</Arguments></Exec>
  </Actions>
</Task>
"""


def task_create_v2(name: str, xml_path_quoted: str) -> str:
    check_name(name, "task name")
    return f'schtasks /create /tn "{name}" /xml {xml_path_quoted} /f'
