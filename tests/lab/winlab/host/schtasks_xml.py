"""Task Scheduler 2.0 task XML as `schtasks /create /xml <file>` reads it (Vista and later).

Schema: Microsoft "Task Scheduler Schema" (namespace http://schemas.microsoft.com/windows/2004/02/mit/task):
Triggers/TimeTrigger/StartBoundary is an ISO 8601 date-time, Actions/Exec/Command and Arguments the action,
Principals/Principal/UserId the account (S-1-5-18 or SYSTEM). The file is UTF-16 with a byte order mark as
schtasks /query /xml writes it; UTF-8 is read too.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
_SYSTEM_IDS = {"s-1-5-18", "system", "nt authority\\system"}


class TaskXmlError(ValueError):
    """A task XML schtasks refuses: "ERROR: The task XML is malformed." (or incomplete)."""


@dataclass(frozen=True)
class TaskDefinition:
    start: dt.datetime  # lab (local) time
    command_line: str
    runs_as_system: bool


def _text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def read_task_xml(data: bytes) -> TaskDefinition:
    try:
        text = _text(data)
        # ElementTree refuses a str that declares an encoding other than its own; the declaration says UTF-16.
        root = ET.fromstring(text.split("?>", 1)[1] if text.lstrip().startswith("<?xml") else text)
    except (UnicodeDecodeError, ET.ParseError) as error:
        raise TaskXmlError(f"malformed task XML ({error})") from error
    start = root.findtext("t:Triggers/t:TimeTrigger/t:StartBoundary", namespaces=_NS)
    command = root.findtext("t:Actions/t:Exec/t:Command", namespaces=_NS)
    arguments = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=_NS) or ""
    user = root.findtext("t:Principals/t:Principal/t:UserId", namespaces=_NS) or ""
    if not start or not command:
        raise TaskXmlError("the task XML has no TimeTrigger StartBoundary or no Exec Command")
    try:
        when = dt.datetime.fromisoformat(start.strip())
    except ValueError as error:
        raise TaskXmlError(f"StartBoundary {start!r} is not ISO 8601") from error
    # The lab clock has no time zone: a boundary with an offset is taken at its wall-clock time.
    line = f"{command.strip()} {arguments.strip()}".strip()
    return TaskDefinition(when.replace(tzinfo=None), line, user.strip().lower() in _SYSTEM_IDS)
