"""One request budget for many processes: `Session(rate_limiter=RedisRateLimiter(...))` in 4 worker processes,
with the arrivals counted at the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

from . import workers
from .conftest import ArrivalRecorder, Workers, barrier
from .test_redis_limiter import busiest_second

PROCESSES, RATE, SECONDS, MARGIN = 4, 100, 3.0, 0.08


async def test_four_processes_share_one_budget_at_the_server(
    redis_url: str, redis_client: Redis, arrivals: tuple[ArrivalRecorder, str], worker_processes: Workers,
    dids: list[str],
) -> None:
    recorder, base_url = arrivals
    go = barrier(PROCESSES)
    for _ in range(PROCESSES):
        # margin: 80 ms of each second kept free for what happens between a reservation and its arrival at the
        # server (a worker or the emulator's process running late on a loaded 2-core machine; we measured up
        # to 3 extra arrivals in a window with 30 ms); it costs about 8% of the rate
        worker_processes.start(workers.paced_reads, redis_url, base_url, dids, SECONDS, go, RATE, MARGIN)
    reports = await worker_processes.collect(PROCESSES)
    await worker_processes.join()

    assert sum(r["failed"] for r in reports) == 0
    total = sum(r["sent"] for r in reports)
    assert len(recorder.arrivals) == total
    assert busiest_second(recorder.arrivals) <= RATE
    # the first SECONDS of the run (the workers' last reservations, made before their deadline, land after it)
    first = min(recorder.arrivals)
    in_run = sum(1 for arrival in recorder.arrivals if arrival < first + SECONDS)
    assert abs(in_run - RATE * SECONDS) <= 0.15 * RATE * SECONDS
    assert all(r["sent"] > 0 for r in reports)  # every process got a share


class CountingPacer:
    """A pacer that lets everything through and counts the waits."""

    def __init__(self) -> None:
        self.waits = 0

    async def wait(self) -> None:
        self.waits += 1


async def test_the_session_rate_limiter_paces_every_request(
    emulator: Emulator[FakeClock], base_url: str, dids: list[str],
) -> None:
    pacer: Any = CountingPacer()
    async with gizwits.Session("demo-appid", base_url=base_url, rate_limiter=pacer,
                               retry=gizwits.RetryPolicy(attempts=3, base=0.01, cap=0.02)) as session:
        token = await session.login("demo", "demo-password")
        await session.latest(dids[0])
        await session.control(dids[0], {"switch": True})
        report = await session.latest_many(dids[:5])
        assert report.ok
        await session.for_user(token).bindings()
        emulator.faults.error_rate = 1.0
        with pytest.raises(gizwits.ServerError) as failed:
            await session.latest(dids[0])
        assert failed.value.attempts == 3
    assert pacer.waits == sum(emulator.stats.requests.values()) == 1 + 1 + 1 + 5 + 1 + 3
