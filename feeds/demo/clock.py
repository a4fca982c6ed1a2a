"""Simulated time: the units, Seoul-local days and hours, and a clock that runs at a chosen speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from feeds.values import SEOUL

MINUTE, HOUR, DAY = 60, 3600, 86400
# Seoul keeps one offset all year (UTC+9, no summer time), so local days and hours are plain arithmetic.
KST = int(datetime(2000, 1, 1, tzinfo=SEOUL).utcoffset().total_seconds())


def local_time(t: float) -> datetime:
    """Epoch seconds as Seoul's wall-clock time."""
    return datetime.fromtimestamp(t, SEOUL)


def local_floor(t: float, step: int) -> int:
    """Epoch seconds floored to a Seoul-local multiple of ``step`` (an hour, five minutes ...)."""
    return int((t + KST) // step * step - KST)


def local_stamp(t: float, pattern: str) -> str:
    """Epoch seconds written in Seoul time with a strftime pattern."""
    return local_time(t).strftime(pattern)


@dataclass(frozen=True)
class SimClock:
    """A clock that read ``start`` when the real ``clock`` read ``zero``, and runs ``speed`` times as fast."""

    start: float
    speed: float
    clock: Callable[[], float]
    zero: float

    @classmethod
    def running(
        cls, start: float | None = None, speed: float = 1.0, clock: Callable[[], float] = time.time
    ) -> SimClock:
        """A clock reading ``start`` now (default: the real time), ``speed`` simulated seconds a second."""
        if speed < 0:
            raise ValueError("speed must not be negative")
        zero = clock()
        return cls(zero if start is None else float(start), float(speed), clock, zero)

    def elapsed(self) -> float:
        """Simulated seconds since the start."""
        return (self.clock() - self.zero) * self.speed

    def now(self) -> float:
        return self.start + self.elapsed()

    def stopped_at(self, t: float) -> SimClock:
        """The same clock standing still at ``t``."""
        return replace(self, start=float(t), speed=0.0)
