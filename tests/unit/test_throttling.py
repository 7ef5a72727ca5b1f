"""The rate limiter: never more than ``rate`` starts in any one-second window, no initial burst, even when the event
loop wakes its sleepers late; and anything with an async ``wait()`` is a pacer."""

from __future__ import annotations

import asyncio
import bisect
import itertools

import pytest

from gizwits_async import ValidationError
from gizwits_async.clock import SystemClock
from gizwits_async.throttling import Pacer, RateLimiter, Slots


class LateClock(SystemClock):
    """The real clock, whose sleeps end up to ``late`` seconds after they were due (a busy event loop).

    ``last`` is the last time it told: right after `RateLimiter.wait` returns, the time the start was granted at.
    """

    def __init__(self, late: float = 0.0) -> None:
        self.lateness = itertools.cycle([0.0, late, late / 3, 0.0, late / 2])
        self.last = 0.0

    def monotonic(self) -> float:
        self.last = super().monotonic()
        return self.last

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds + next(self.lateness))


def most_in_one_second(starts: list[float]) -> int:
    """The most starts any half-open one-second window [t, t+1) holds (it suffices to try windows at a start)."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, t + 1.0) - i for i, t in enumerate(starts))


async def run(limiter: RateLimiter, clock: LateClock, workers: int, count: int) -> list[float]:
    starts: list[float] = []

    async def worker() -> None:
        while len(starts) < count:
            await limiter.wait()
            starts.append(clock.last)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return starts


@pytest.mark.parametrize(("rate", "workers", "count"), [(40, 10, 60), (400, 50, 480), (3.5, 4, 6)])
async def test_never_more_than_rate_starts_in_any_second_even_with_late_wakeups(
    rate: float, workers: int, count: int,
) -> None:
    clock = LateClock(late=0.004)
    starts = await run(RateLimiter(rate, clock=clock), clock, workers, count)
    assert most_in_one_second(starts) <= int(rate)


async def test_no_initial_burst_and_no_burst_after_an_idle_spell() -> None:
    clock = LateClock()
    limiter = RateLimiter(100, clock=clock)
    first = await run(limiter, clock, 20, 20)
    assert first[-1] - first[0] >= 19 / 100 - 1e-9  # evenly spaced from the first start on
    await asyncio.sleep(0.3)  # idle: the next starts are spaced again, not a catch-up burst
    second = await run(limiter, clock, 20, 10)
    assert second[-1] - second[0] >= 9 / 100 - 1e-9


async def test_a_cancelled_wait_does_not_break_the_rule() -> None:
    clock = LateClock()
    limiter = RateLimiter(50, clock=clock)
    waiters = [asyncio.create_task(limiter.wait()) for _ in range(10)]
    await asyncio.sleep(0.05)
    for waiter in waiters[3:7]:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert sum(not w.cancelled() for w in waiters) >= 6
    starts = await run(limiter, clock, 5, 10)
    assert most_in_one_second(starts) <= 50


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "10", None, 10**400])
def test_bad_rates_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="rate"):
        RateLimiter(bad)  # type: ignore[arg-type]


def test_the_pacer_protocol_is_any_async_wait() -> None:
    class Remote:
        async def wait(self) -> None:
            return None

    assert isinstance(RateLimiter(5), Pacer)
    assert isinstance(Remote(), Pacer)
    assert not isinstance(object(), Pacer)


async def test_slots_are_taken_without_waiting_while_free_and_given_back() -> None:
    slots = Slots(2)
    assert [slots.try_take(), slots.try_take(), slots.try_take()] == [True, True, False]
    assert slots.free == 0
    slots.give()
    assert slots.free == 1
    await slots.take()  # free: returns at once
    assert slots.free == 0


async def test_slots_go_to_waiters_first_come_first_served() -> None:
    slots = Slots(1)
    assert slots.try_take()
    order: list[int] = []

    async def waiter(number: int) -> None:
        await slots.take()
        order.append(number)

    tasks = [asyncio.create_task(waiter(number)) for number in range(3)]
    await asyncio.sleep(0)
    assert not slots.try_take()  # taken, and others wait: no one jumps the queue
    for _ in range(3):
        slots.give()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]
    assert slots.free == 0  # each give went to a waiter, none to the free ones
    slots.give()
    assert slots.free == 1


async def test_a_cancelled_waiter_takes_no_slot() -> None:
    slots = Slots(1)
    assert slots.try_take()
    waiting = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    slots.give()
    assert slots.free == 1
    assert slots.try_take()


async def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    slots = Slots(1)
    assert slots.try_take()
    first = asyncio.create_task(slots.take())
    second = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    slots.give()  # handed to the first waiter, which has not run yet
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # the second got the slot the first gave up
    assert slots.free == 0
