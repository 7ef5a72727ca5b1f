"""Throttling requests: how many are in flight (`Slots`), and when each may start (the `Pacer` protocol every
request path honours, and the `RateLimiter` that ships).

A pacer is asked once before each request starts (retries included) and returns when that request may start.
Anything with an async ``wait()`` is one, so a limiter shared between processes (one backed by Redis, say) plugs
in where the in-process `RateLimiter` does.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Protocol, runtime_checkable

from .clock import SYSTEM_CLOCK, Clock
from .validation import check_number

__all__ = ["Pacer", "RateLimiter", "Slots", "paced_by_both"]


@runtime_checkable
class Pacer(Protocol):
    """Decides when each request may start.

    ``wait()`` is awaited once before every request start, retries included, by every task that sends; it
    returns when the request may start. It must be safe to call from many tasks at once and to cancel (a
    cancelled wait gives up its turn). It raises nothing but what it cannot help (a `GizwitsError` subclass for
    a pacer that talks to a service), which then becomes that request's failure.
    """

    async def wait(self) -> None:
        """Return when the next request may start."""
        ...


class RateLimiter:
    """Lets at most ``rate`` requests start in any one-second window, evenly spaced, with no initial burst.

    Each caller reserves the next start time on a fixed grid ``1/rate`` apart, then sleeps until it. Reserving
    before sleeping, rather than after waking, keeps the event loop's late wake-ups (up to a millisecond each)
    from adding up, so the rate holds at tens of thousands of starts a second. Starts the grid owed while the
    process was held up (a busy event loop, the OS scheduling another process) are made up for at once, up to
    ``CATCH_UP`` seconds of them; a grid further behind than that moves to now, so the first start and the
    first after an idle spell come without a burst. A start is also held back until a second has passed since
    the start ``floor(rate)`` places before it, so starts that bunch can never put more than ``rate`` of them
    in any second.
    """

    #: How far behind (seconds) the grid may fall and still be caught up on.
    CATCH_UP = 0.05

    def __init__(self, rate: float, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.rate = check_number(rate, "rate (requests per second)")
        self.interval = 1.0 / self.rate
        self._clock = clock
        #: The last ``floor(rate)`` starts (at least one).
        self._starts: collections.deque[float] = collections.deque(maxlen=max(1, int(self.rate)))
        self._next = float("-inf")

    async def wait(self) -> None:
        """Return when the next request may start."""
        clock = self._clock
        now = clock.monotonic()
        slot = self._next if self._next > now - self.CATCH_UP else now
        self._next = slot + self.interval
        starts = self._starts
        while True:
            if len(starts) == starts.maxlen:
                slot = max(slot, starts[0] + 1.0)
            if slot <= now:
                break
            await clock.sleep(slot - now)
            now = clock.monotonic()
        starts.append(now)


class _Both:
    """Two pacers in turn: a run's own rate within a session-wide budget."""

    __slots__ = ("_first", "_second")

    def __init__(self, first: Pacer, second: Pacer) -> None:
        self._first = first
        self._second = second

    async def wait(self) -> None:
        """Return when both let the request start."""
        await self._first.wait()
        await self._second.wait()


def paced_by_both(first: Pacer | None, second: Pacer) -> Pacer:
    """A pacer that waits for ``first`` (when there is one), then for ``second``."""
    return second if first is None else _Both(first, second)


class Slots:
    """A counting semaphore for the request path, first come first served.

    Unlike `asyncio.Semaphore`, taking a free slot is a plain call (`try_take`), not a coroutine: the bulk path
    takes one per request. A released slot passes straight to the longest waiter.
    """

    __slots__ = ("_free", "_waiters")

    def __init__(self, count: int) -> None:
        self._free = count
        #: Waiters in arrival order; while any waits, no slot is free.
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_take(self) -> bool:
        """Take a slot if one is free and nobody waits for one; return whether it was taken."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def take(self) -> None:
        """Take a slot, waiting for one when none is free. Cancelled, it takes none."""
        if self.try_take():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a slot just as it was cancelled: the next waiter gets it
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        """Give back a taken slot: to the longest waiter if any, else to the free ones."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    @property
    def free(self) -> int:
        """How many slots are free now."""
        return self._free
