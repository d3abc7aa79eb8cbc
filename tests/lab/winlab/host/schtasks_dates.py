"""Dates and times as schtasks reads and prints them: /sd only in the host's short date format (sShortDate).

Microsoft "Schtasks.exe" documentation: "/sd StartDate … The format for StartDate varies with the locale selected
for the local computer in Regional and Language Options"; /st is HH:MM (HH:MM:SS on 2003's Task Scheduler 1.0,
which later versions also accept). A date in another locale's order is refused, as on Windows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from winlab.host.machine import Machine

SHORT_DATE_KEY = r"HKCU\Control Panel\International"
_LOCALE_SHORT_DATE = {"en-US": "M/d/yyyy", "de-DE": "dd.MM.yyyy"}
_TOKENS = {"yyyy": "%Y", "yy": "%Y", "MM": "%m", "M": "%m", "dd": "%d", "d": "%d"}


class DateFormatError(ValueError):
    """A /sd or /st value the host's schtasks refuses."""


@dataclass(frozen=True)
class DateFormat:
    pattern: str  # sShortDate, e.g. "M/d/yyyy"
    strftime: str  # "%m/%d/%Y"
    shown: str  # how schtasks names the format in its error: "mm/dd/yyyy"

    def parse(self, text: str) -> dt.date:
        # strptime alone would take a two-digit year ("1/2/26"); schtasks wants four digits.
        separator = re.sub(r"[A-Za-z]", "", self.pattern)[:1]
        parts = text.split(separator) if separator else []
        if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[self._year_index()]) != 4:
            raise DateFormatError(text)
        try:
            return dt.datetime.strptime(text, self.strftime).date()
        except ValueError as error:
            raise DateFormatError(text) from error

    def format(self, day: dt.date) -> str:
        return day.strftime(self.strftime)

    def _year_index(self) -> int:
        return next(i for i, part in enumerate(re.split(r"[^A-Za-z]", self.pattern)) if part.startswith("y"))


def date_format_of(pattern: str) -> DateFormat:
    """sShortDate → the format schtasks /sd takes (four-digit year whatever the pattern shows)."""
    strftime = re.sub(r"yyyy|yy|MM|M|dd|d", lambda m: _TOKENS[m.group(0)], pattern)
    shown = re.sub(r"y+", "yyyy", re.sub(r"M+", "mm", re.sub(r"d+", "dd", pattern)))
    return DateFormat(pattern, strftime, shown)


def host_date_format(machine: Machine) -> DateFormat:
    """The host's short date format: sShortDate of the user's profile, else the locale's default."""
    key = machine.registry.key(SHORT_DATE_KEY)
    value = key.values.get("sshortdate") if key is not None else None
    return date_format_of(value.data if value is not None else _LOCALE_SHORT_DATE[machine.profile.locale])


def parse_time(text: str) -> dt.time:
    """/st HH:MM or HH:MM:SS (24-hour)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if match is None:
        raise DateFormatError(text)
    hour, minute, second = (int(g or 0) for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise DateFormatError(text)
    return dt.time(hour, minute, second)


def shown_time(when: dt.datetime, locale: str) -> str:
    """A date and time in schtasks /query output: 11/25/2026 6:30:00 AM (en-US), 25.11.2026 06:30:00 (de-DE)."""
    if locale == "de-DE":
        return f"{when:%d.%m.%Y %H:%M:%S}"
    hour = when.hour % 12 or 12
    return f"{when.month}/{when.day}/{when.year} {hour}:{when:%M:%S} {'AM' if when.hour < 12 else 'PM'}"
