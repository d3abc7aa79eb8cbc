"""The lab clock: lab time runs `rate` times faster than real time, so scheduled tasks can fire in a test.

It runs in UTC, as Windows keeps its system time; each host shows it in its own time zone (profile field
utc_offset_minutes, Machine.local_now). A controller that used its own clock for a host's local time would be off by
the offset, as it would be against real hosts in other time zones.
"""

from __future__ import annotations

import datetime as dt
import time


class LabClock:
    def __init__(self, rate: float = 1.0, start: dt.datetime | None = None) -> None:
        self.rate = rate
        self._real_start = time.monotonic()
        self._lab_start = start or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    def now(self) -> dt.datetime:
        """Lab time in UTC (naive)."""
        elapsed = (time.monotonic() - self._real_start) * self.rate
        return self._lab_start + dt.timedelta(seconds=elapsed)

    @staticmethod
    def real() -> float:
        return time.monotonic()
