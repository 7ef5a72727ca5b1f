"""Injectable clocks: the emulator asks its clock for the time, so tests can move time by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

#: 2026-01-01T00:00:00Z, the default start of a FakeClock.
DEFAULT_START = 1_767_225_600.0


class Clock(Protocol):
    """What the emulator needs from a clock: the current Unix time in seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        """The current Unix time in seconds."""
        return time.time()


class FakeClock:
    """A clock that only moves when told to; listeners run after every move (the emulator fires schedules)."""

    def __init__(self, start: float | datetime = DEFAULT_START) -> None:
        self._now = _to_timestamp(start)
        self._listeners: list[Callable[[], object]] = []

    def now(self) -> float:
        """The current fake Unix time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (must not be negative)."""
        if seconds < 0:
            raise ValueError("a FakeClock only moves forward")
        self._now += seconds
        self._notify()

    def set(self, when: float | datetime) -> None:
        """Set the clock to a Unix time or an aware datetime (never backwards)."""
        target = _to_timestamp(when)
        if target < self._now:
            raise ValueError("a FakeClock only moves forward")
        self._now = target
        self._notify()

    def subscribe(self, listener: Callable[[], object]) -> None:
        """Call `listener()` after every move of the clock."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()


def _to_timestamp(when: float | datetime) -> float:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError("use an aware datetime (UTC)")
        return when.timestamp()
    return float(when)
