"""How close `RateLimiter` comes to the asked rate, whether it keeps its rule, and what a start costs:
python benchmarks/rate_limiter.py [--seconds S]

1. The pacer alone: 200 tasks start "requests" that do nothing, at rates from 100 to 20,000 a second, for S
   seconds each (default 3). Printed per rate: the rate reached as a share of the asked one (starts after the first
   over the time since it), the most starts seen in any one-second window (the rule: at most the rate), the first
   second's starts (no initial burst: the first start comes at once, then one every 1/rate), and the CPU time per
   start. The limiter the package shipped before (one lock, each start scheduled from the previous one's wake-up)
   runs beside it as the baseline.
2. `control_many(rate=...)` against nginx (0 ms, echo module; the bundled emulator where nginx is missing) at 500,
   1,000 and 2,000 a second: the rate reached, and the CPU time per request, for comparison with a start's cost.
Wall-clock figures on a shared machine are noisy; the shares are ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clients  # noqa: E402
import servers  # noqa: E402

import gizwits_async as gizwits  # noqa: E402
from gizwits_async.clock import SystemClock  # noqa: E402

PACER_RATES = (100, 1_000, 2_000, 5_000, 10_000, 20_000)
SESSION_RATES = (500, 1_000, 2_000)
TASKS = 200


class PreviousRateLimiter:
    """The limiter before this change, kept here as the baseline: one lock; each start is scheduled ``1/rate``
    after the previous one woke up, so every late wake-up of the event loop (up to a millisecond) adds up."""

    def __init__(self, rate: float, clock: RecordingClock) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._window: collections.deque[float] = collections.deque(maxlen=max(1, int(rate)))
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            window = self._window
            slot = max(self._next, window[0] + 1.0 if len(window) == window.maxlen else 0.0)
            delay = slot - self._clock.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = self._clock.monotonic()
            window.append(now)
            self._next = now + self.interval


class RecordingClock(SystemClock):
    """The system clock, remembering the last time it told: right after `RateLimiter.wait` returns, that is the
    time the limiter granted the start at (reading the clock again would be a few microseconds later)."""

    last = 0.0

    def monotonic(self) -> float:
        self.last = time.monotonic()
        return self.last


def most_in_one_second(starts: list[float]) -> int:
    """The most starts in any half-open window [t, t+1) (it suffices to try windows opening at a start)."""
    return max(bisect.bisect_left(starts, t + 1.0) - i for i, t in enumerate(starts))


async def pace_alone(make: Callable[[float, RecordingClock], gizwits.Pacer], rate: float,
                     seconds: float) -> dict[str, float]:
    """``TASKS`` tasks start as fast as the pacer lets them for ``seconds``; the figures of that run."""
    clock = RecordingClock()
    pacer = make(rate, clock)
    starts: list[float] = []
    deadline = time.monotonic() + seconds

    async def task() -> None:
        while clock.last < deadline:
            await pacer.wait()
            starts.append(clock.last)

    cpu = time.process_time()
    await asyncio.gather(*(task() for _ in range(TASKS)))
    cpu = time.process_time() - cpu
    starts.sort()
    reached = (len(starts) - 1) / (starts[-1] - starts[0])
    first_second = bisect.bisect_left(starts, starts[0] + 1.0)
    return {"share": reached / rate, "most": most_in_one_second(starts), "first": first_second,
            "cpu_us": cpu / len(starts) * 1e6}


async def session_at(url: str, rate: float, seconds: float) -> dict[str, float]:
    """``control_many(rate=rate)`` for about ``seconds``; the share of the rate reached and CPU per request."""
    target = clients.Target(url, [f"did{i:05d}" for i in range(1000)])
    n = int(rate * seconds)
    commands = [(target.dids[i % len(target.dids)], clients.ATTRS) for i in range(n)]
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    def started(_outcome: gizwits.Outcome[None]) -> None:
        starts.append(loop.time())  # completion times: the rate of completions over a long run is the start rate

    async with gizwits.Session(target.appid, base_url=url, max_concurrency=200) as session:
        user = session.for_user((target.token, target.uid))
        await user.control_many(commands[:200], concurrency=200)  # open the connections first
        cpu = time.process_time()
        report = await user.control_many(commands, concurrency=200, rate=rate, progress=started)
        cpu = time.process_time() - cpu
    if not report.ok:
        raise RuntimeError(f"benchmark run failed: {gizwits.BulkError(report)}")
    starts.sort()
    return {"share": (len(starts) - 1) / (starts[-1] - starts[0]) / rate, "cpu_us": cpu / n * 1e6}


def run(coroutine: Awaitable[dict[str, float]]) -> dict[str, float]:
    async def main() -> dict[str, float]:
        return await coroutine

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description="RateLimiter: rate reached, the one-second rule, cost per start")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measured run (default 3)")
    seconds = parser.parse_args().seconds
    print("| asked rate/s | limiter | rate reached (share) | most starts in any 1 s | first second's starts "
          "| CPU per start (µs) |")
    print("|---|---|---|---|---|---|")
    limiters: dict[str, Callable[[float, RecordingClock], gizwits.Pacer]] = {
        "RateLimiter": lambda rate, clock: gizwits.RateLimiter(rate, clock=clock), "previous": PreviousRateLimiter}
    for rate in PACER_RATES:
        for name, make in limiters.items():
            got = run(pace_alone(make, rate, seconds))
            print(f"| {rate:,} | {name} | {got['share']:.3f} | {got['most']:,.0f} | {got['first']:,.0f} "
                  f"| {got['cpu_us']:.1f} |", flush=True)
    print()
    print("| asked rate/s | control_many rate reached (share) | CPU per request (µs) |")
    print("|---|---|---|")
    with servers.nginx([0]) if servers.nginx_available() else servers.emulator(0) as server:
        url = server[0] if isinstance(server, dict) else server
        for rate in SESSION_RATES:
            got = run(session_at(url, rate, seconds))
            print(f"| {rate:,} | {got['share']:.3f} | {got['cpu_us']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
