"""The session's clock: wall time, monotonic time and sleeping, in one injectable object.

Token expiry, login back-off, retries, the rate limiter and polling all ask the session's clock, so a test
(or a simulation) can pass its own instead of patching module globals.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What the library needs of a clock."""

    def time(self) -> float:
        """Wall time, in seconds since the Unix epoch (token expiry is given in it)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals and deadlines)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` on this clock."""
        ...


class SystemClock:
    """The machine's clocks and `asyncio.sleep`."""

    def time(self) -> float:
        """`time.time()`."""
        return time.time()

    def monotonic(self) -> float:
        """`time.monotonic()`, the event loop's clock."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """`asyncio.sleep(seconds)`."""
        await asyncio.sleep(seconds)


#: The clock every session uses unless given another.
SYSTEM_CLOCK = SystemClock()
