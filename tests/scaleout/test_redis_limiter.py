"""RedisRateLimiter in one process: one budget shared by every limiter on the key, the one-second-window rule,
and failing open to a local limiter while Redis is down."""

from __future__ import annotations

import asyncio
import bisect
import logging
import time

import pytest
from redis.asyncio import Redis
from redis_server import free_port, redis_binary, redis_server_on

import gizwits_async as gizwits
from gizwits_async.redis_limiter import spacing_us

#: The margin of the limiters whose starts are timed in this process (seconds of event-loop lateness absorbed).
LATE = 0.25


def busiest_second(starts: list[float]) -> int:
    """The most starts in any one-second window [t, t + 1) beginning at a start."""
    starts = sorted(starts)
    return max(bisect.bisect_left(starts, start + 1.0) - index for index, start in enumerate(starts))


async def _starts(limiters: list[gizwits.RedisRateLimiter], each: int) -> list[float]:
    """Every limiter's ``each`` waits, run concurrently (20 tasks per limiter); the times they returned."""
    starts: list[float] = []

    async def worker(limiter: gizwits.RedisRateLimiter, count: int) -> None:
        for _ in range(count):
            await limiter.wait()
            starts.append(time.monotonic())

    async with asyncio.TaskGroup() as group:
        for limiter in limiters:
            for _ in range(20):
                group.create_task(worker(limiter, each // 20))
    return starts


async def test_limiters_on_one_key_share_one_budget(redis_client: Redis) -> None:
    # starts are timed here, after the event loop woke each: the margin absorbs its lateness on a loaded machine
    limiters = [gizwits.RedisRateLimiter(redis_client, 50, appid="app", margin=LATE) for _ in range(3)]
    starts = await _starts(limiters, 60)
    assert len(starts) == 180
    assert busiest_second(starts) <= 50
    # 180 starts at 50 a second: the fourth second is reached, whichever limiter asked
    assert max(starts) - min(starts) >= 3.0


async def test_a_fractional_rate_keeps_the_window_rule(redis_client: Redis) -> None:
    limiter = gizwits.RedisRateLimiter(redis_client, 2.5, key="rate:test", margin=LATE)
    starts = []
    for _ in range(4):
        await limiter.wait()
        starts.append(time.monotonic())
    assert busiest_second(starts) <= 2  # spacing by 1/rate alone (0.4 s) would allow 3
    assert starts[2] - starts[0] >= 1.0


async def _reservations(redis: Redis) -> int:
    """How many times the reservation script ran on this server so far."""
    stats = await redis.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))


async def test_concurrent_starts_of_one_process_share_reservations(redis_client: Redis) -> None:
    limiter = gizwits.RedisRateLimiter(redis_client, 1e6, appid="app")
    before = await _reservations(redis_client)
    for _ in range(3):
        await asyncio.gather(*(limiter.wait() for _ in range(100)))
    assert await _reservations(redis_client) - before <= 3 * 3  # a few calls per 100 starts, not 100


async def test_cancelled_starts_leave_the_others_paced(redis_client: Redis) -> None:
    limiter = gizwits.RedisRateLimiter(redis_client, 20, appid="app")
    starts: list[float] = []

    async def start() -> None:
        await limiter.wait()
        starts.append(time.monotonic())

    tasks = [asyncio.create_task(start()) for _ in range(40)]
    await asyncio.sleep(0.1)
    for task in tasks[::2]:
        task.cancel()
    async with asyncio.timeout(10):
        await asyncio.gather(*tasks, return_exceptions=True)
    cancelled = sum(task.cancelled() for task in tasks)
    assert cancelled >= 19  # the first start had its slot at once: it may have been done already
    assert len(starts) == 40 - cancelled and busiest_second(starts) <= 20
    assert limiter._reserver is None  # no reservation left in flight


@pytest.mark.parametrize(("rate", "margin", "spacing"), [
    (100, 0, 10_000), (100, 0.02, 10_200), (3, 0, 333_334), (2.5, 0, 500_000), (2.5, 0.02, 510_000),
    (0.5, 0, 2_000_000), (20_000, 0.02, 51), (1e9, 0, 1),
])
def test_spacing(rate: float, margin: float, spacing: int) -> None:
    assert spacing_us(rate, margin) == spacing
    # any floor(rate) + 1 evenly spaced starts span at least a second plus the margin
    assert max(1, int(rate)) * spacing >= 1e6 * (1 + margin)


def test_bad_arguments(redis_client: Redis) -> None:
    for rate in (0, -1, float("inf"), float("nan"), True, "5"):
        with pytest.raises(gizwits.ValidationError, match="rate"):
            gizwits.RedisRateLimiter(redis_client, rate, appid="app")  # type: ignore[arg-type]
    with pytest.raises(gizwits.ValidationError, match="margin"):
        gizwits.RedisRateLimiter(redis_client, 5, appid="app", margin=-0.1)
    with pytest.raises(gizwits.ValidationError, match="appid="):
        gizwits.RedisRateLimiter(redis_client, 5)


async def test_an_outage_fails_open_to_local_pacing_and_shared_pacing_resumes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    binary, port = redis_binary(), free_port()
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    limiter = gizwits.RedisRateLimiter(redis, 1000, appid="app", timeout=0.2, retry_after=0.1, outage_rate=20)
    caplog.set_level(logging.WARNING, "gizwits_async")
    try:
        with redis_server_on(binary, port) as url:
            assert url is not None
            await limiter.wait()
            assert await redis.exists(limiter.key) == 1
        # Redis is gone: waits go on, paced locally at 20/s, with one warning
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(11):
            await limiter.wait()
        assert 0.45 <= loop.time() - started < 5.0
        assert caplog.text.count("unavailable") == 1
        with redis_server_on(binary, port) as url:
            assert url is not None
            await asyncio.sleep(0.15)  # past retry_after
            await limiter.wait()
            assert await redis.exists(limiter.key) == 1
        assert "answers again" in caplog.text
    finally:
        await redis.aclose()
