# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's own clock: wmic's CIM_DATETIME values, and every time the collection sends to a host, computed from them.

A controller (an AWX execution environment runs in UTC) does not share the host's time zone, and its clock is not the
host's. So nothing sent to a host is computed from the controller's clock: `wmic os get LocalDateTime` (read in the
probe's round trip) gives the host's local time with its UTC offset, and task start times, restart windows and lock
ages are computed from it.

CIM_DATETIME (Microsoft, https://learn.microsoft.com/en-us/windows/win32/wmisdk/cim-datetime):
`yyyymmddHHMMSS.mmmmmmsUUU`, the local date and time, microseconds, then `+` or `-` and the offset from UTC in three
digits of minutes: `20121120093000.500000+060` is 09:30:00.5 at UTC+01:00.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import UTC

_CIM = re.compile(r"^([0-9]{14})\.([0-9]{6})([+-])([0-9]{3})$")
# Time zones in use run from UTC-12:00 to UTC+14:00; a value outside is not a host's offset.
MIN_OFFSET_MINUTES = -720
MAX_OFFSET_MINUTES = 840


class HostTimeError(ValueError):
    """A time that cannot be sent to the host (malformed, in the past on the host); the message says why."""


@dataclass(frozen=True)
class HostTime:
    """A moment as the host's clock shows it: its local wall time and the UTC offset it was read with."""

    local: dt.datetime  # naive: the host's local date and time
    offset_minutes: int  # local = UTC + offset

    @property
    def utc(self) -> dt.datetime:
        """The same moment in UTC (aware), for comparisons across time zones and offset changes."""
        return (self.local - dt.timedelta(minutes=self.offset_minutes)).replace(tzinfo=UTC)

    def to_cim(self) -> str:
        sign = "-" if self.offset_minutes < 0 else "+"
        return f"{self.local:%Y%m%d%H%M%S}.{self.local.microsecond:06d}{sign}{abs(self.offset_minutes):03d}"

    def describe(self) -> str:
        """`2026-03-07 23:30:00 (UTC+05:30)`: the host's wall time and its offset, for messages."""
        sign = "-" if self.offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        return f"{self.local:%Y-%m-%d %H:%M:%S} (UTC{sign}{hours:02d}:{minutes:02d})"


def parse_cim_datetime(text: str | None) -> HostTime | None:
    """wmic's `20121120093000.500000+060` → HostTime; None for anything else (absent, padded with asterisks, an offset
    no time zone has, a date that does not exist). Surrounding spaces (wmic pads values) are ignored."""
    if not text:
        return None
    match = _CIM.match(text.strip())
    if match is None:
        return None
    stamp, micro, sign, offset = match.groups()
    minutes = int(offset) * (-1 if sign == "-" else 1)
    if not MIN_OFFSET_MINUTES <= minutes <= MAX_OFFSET_MINUTES:
        return None
    try:
        local = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(microsecond=int(micro))
    except ValueError:
        return None
    return HostTime(local, minutes)


def host_now(facts: HostFacts) -> HostTime | None:
    """The host's clock as the probe read it (wmic LocalDateTime); None when it could not be read."""
    return parse_cim_datetime(facts.local_time)


def seconds_between(earlier: HostTime, later: HostTime) -> float:
    """Elapsed seconds between two readings of host clocks, in UTC: right across a change of offset (DST)."""
    return (later.utc - earlier.utc).total_seconds()


def after_delay(now: HostTime, delay_s: int) -> dt.datetime:
    """The host-local wall time `delay_s` seconds after `now`, at the offset `now` was read with. A daylight-saving
    change inside the delay moves the wall time by the change (the host's rules are not known here)."""
    return now.local.replace(microsecond=0) + dt.timedelta(seconds=delay_s)


_HH_MM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Window:
    """A restart window as given: a time of day (next occurrence), or a date and time (host-local, or a moment)."""

    time_of_day: dt.time | None = None
    at: dt.datetime | None = None  # naive: host-local; aware: that moment


def parse_window(at: str) -> Window:
    """`HH:MM`, `YYYY-MM-DDTHH:MM[:SS]` or the same with an offset (`+02:00`, `Z`); anything else is refused, before
    anything is sent to the host."""
    text = at.strip()
    hh_mm = _HH_MM.match(text)
    if hh_mm:
        return Window(time_of_day=dt.time(int(hh_mm.group(1)), int(hh_mm.group(2))))
    try:
        parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise HostTimeError(f"at={at!r} is not HH:MM or an ISO 8601 date and time (YYYY-MM-DDTHH:MM)") from None
    if "T" not in text and " " not in text:
        raise HostTimeError(f"at={at!r} has a date but no time (YYYY-MM-DDTHH:MM)")
    return Window(at=parsed.replace(microsecond=0))


def window_start(at: str, now: HostTime) -> dt.datetime:
    """The host-local wall time of a restart window.

    `HH:MM`: its next occurrence on the host's clock (tomorrow when it has passed today). `YYYY-MM-DDTHH:MM[:SS]`:
    that host-local time. With an offset (`…+02:00`, `…Z`) the moment is converted to the host's local time with the
    host's current offset. A time that is not in the future on the host is refused: Task Scheduler would start a task
    whose time has passed at once (StartWhenAvailable)."""
    window = parse_window(at)
    if window.at is None:  # a time of day
        today = dt.datetime.combine(now.local.date(), window.time_of_day or dt.time())
        return today if today > now.local else today + dt.timedelta(days=1)
    when = window.at
    if when.tzinfo is not None:
        offset = when.utcoffset() or dt.timedelta(0)
        when = when.replace(tzinfo=None) - offset + dt.timedelta(minutes=now.offset_minutes)
    if when <= now.local:
        raise HostTimeError(f"at={at!r} is not in the future on the host, whose local time is {now.describe()}")
    return when


def restarted(boot_before: HostTime | None, boot_now: HostTime | None) -> bool | None:
    """Whether the host booted again: its boot time moved forward (by more than a second: Windows computes
    LastBootUpTime from the clock and the uptime, so two readings of one boot can differ by a tick). None when either
    boot time is unknown: a query that got no boot time cannot tell."""
    if boot_before is None or boot_now is None:
        return None
    return seconds_between(boot_before, boot_now) > 1.0
