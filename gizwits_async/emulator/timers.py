"""Things the emulated service does later, on its clock: scheduled tasks, the delays of a running scene."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead a recurring task's next run is looked for (a 31st comes round within two months).
_HORIZON_DAYS = 400


class Timers:
    """Callbacks due at a time of the clock, run in time order by `run_due`."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[float], object]]] = []
        self._sequence = 0

    def at(self, when: float, callback: Callable[[float], object]) -> None:
        """Call ``callback(when)`` once the clock reaches ``when``."""
        self._sequence += 1
        heapq.heappush(self._heap, (when, self._sequence, callback))

    def run_due(self, now: float) -> int:
        """Run every callback due by ``now`` (also those that callbacks add for times <= now); how many ran."""
        ran = 0
        while self._heap and self._heap[0][0] <= now:
            when, _, callback = heapq.heappop(self._heap)
            callback(when)
            ran += 1
        return ran


def _matches(day: date, repeat: str, days: frozenset[int]) -> bool:
    if repeat == "day":
        return day.day in days
    return WEEKDAYS[day.weekday()] in repeat.split(",")


def next_run(
    *, time: str, after: float, repeat: str = "none", day: str | None = None, days: frozenset[int] = frozenset(),
    start: str | None = None, end: str | None = None,
) -> float | None:
    """The first run at or after ``after`` (Unix seconds) of a task, or None when it will not run again.

    ``repeat`` is "none" (once, on ``day``), "day" (on the ``days`` of the month) or a comma list of weekdays;
    ``start``/``end`` (dates, inclusive) bound a recurring task. Everything is UTC.
    """
    hh, mm = (int(part) for part in time.split(":"))
    at = dtime(hh, mm, tzinfo=UTC)
    if repeat == "none":
        if day is None:
            return None
        when = datetime.combine(date.fromisoformat(day), at).timestamp()
        return when if when >= after else None
    first = datetime.fromtimestamp(after, UTC).date()
    if start is not None:
        first = max(first, date.fromisoformat(start))
    last = date.fromisoformat(end) if end is not None else None
    for offset in range(_HORIZON_DAYS):
        candidate = first + timedelta(days=offset)
        if last is not None and candidate > last:
            return None
        when = datetime.combine(candidate, at).timestamp()
        if when >= after and _matches(candidate, repeat, days):
            return when
    return None
