"""The lab clock: lab time runs `rate` times faster than real time, so scheduled tasks can fire in a test."""

from __future__ import annotations

import datetime as dt
import time


class LabClock:
    def __init__(self, rate: float = 1.0, start: dt.datetime | None = None) -> None:
        self.rate = rate
        self._real_start = time.monotonic()
        self._lab_start = start or dt.datetime.now().replace(microsecond=0)

    def now(self) -> dt.datetime:
        elapsed = (time.monotonic() - self._real_start) * self.rate
        return self._lab_start + dt.timedelta(seconds=elapsed)

    @staticmethod
    def real() -> float:
        return time.monotonic()
