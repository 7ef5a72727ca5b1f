"""What each worker process of the scale-out tests runs: its own event loop and Session against the emulator.

Functions here are the targets of `multiprocessing` (spawned processes import this module); each reports a
small dict on its queue. ``store`` describes the shared store: ``("redis", url)`` or ``("file", path)``.
"""

from __future__ import annotations

import asyncio
import multiprocessing.synchronize
import time
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

import gizwits_async as gizwits

APPID = "demo-appid"
USERNAME, PASSWORD = "demo", "demo-password"
Store = tuple[str, str]


def make_store(store: Store, redis: Redis | None, **options: Any) -> gizwits.TokenStore:
    """The shared token store a worker uses."""
    kind, where = store
    if kind == "redis":
        assert redis is not None
        return gizwits.RedisTokenStore(redis, appid=APPID, username=USERNAME, **options)
    return gizwits.FileTokenStore(where)


def _redis_of(store: Store) -> Redis | None:
    return Redis.from_url(store[1]) if store[0] == "redis" else None


def _wait(barrier: multiprocessing.synchronize.Barrier | None) -> None:
    if barrier is not None:
        barrier.wait(timeout=60)


async def _signed_in_calls(store: Store, base_url: str, barriers: tuple[Any, Any], calls: int) -> dict[str, Any]:
    ready, go = barriers
    redis = _redis_of(store)
    try:
        async with gizwits.Session(APPID, base_url=base_url, token_store=make_store(store, redis),
                                   max_concurrency=5) as session:
            await asyncio.to_thread(_wait, ready)
            await session.ensure_login(USERNAME, PASSWORD)
            await asyncio.to_thread(_wait, go)
            devices = 0
            for _ in range(calls):
                devices += len(await session.bindings())
            assert session.token is not None
            return {"logins": session.login_count, "token": session.token.token, "devices": devices}
    finally:
        if redis is not None:
            await redis.aclose()


def signed_in_calls(store: Store, base_url: str, ready: Any, go: Any, calls: int, results: Any) -> None:
    """Wait at ``ready``, ``ensure_login``, wait at ``go``, then make ``calls`` user-token calls (bindings)."""
    results.put(asyncio.run(_signed_in_calls(store, base_url, (ready, go), calls)))


async def _hold_lock_in_login(store: Store, base_url: str, lock_timeout: float) -> None:
    redis = _redis_of(store)
    async with gizwits.Session(APPID, base_url=base_url, timeout=120,
                               token_store=make_store(store, redis, lock_timeout=lock_timeout)) as session:
        await session.ensure_login(USERNAME, PASSWORD)  # the test holds this login until we are killed


def hold_lock_in_login(store: Store, base_url: str, lock_timeout: float) -> None:
    """Start a login that never ends (the test holds it), holding the store's lock: to be killed."""
    asyncio.run(_hold_lock_in_login(store, base_url, lock_timeout))


async def _ensure_after_kill(store: Store, base_url: str, lock_timeout: float, ready: Any, go: Any
                             ) -> dict[str, Any]:
    redis = _redis_of(store)
    try:
        async with gizwits.Session(APPID, base_url=base_url,
                                   token_store=make_store(store, redis, lock_timeout=lock_timeout)) as session:
            await asyncio.to_thread(_wait, ready)
            await asyncio.to_thread(_wait, go)
            started = time.monotonic()
            await session.ensure_login(USERNAME, PASSWORD)
            return {"logins": session.login_count, "seconds": time.monotonic() - started}
    finally:
        if redis is not None:
            await redis.aclose()


def ensure_after_kill(store: Store, base_url: str, lock_timeout: float, ready: Any, go: Any, results: Any) -> None:
    """Once past ``ready`` and ``go`` (the lock holder is about to be killed), ``ensure_login``; report how long
    it took."""
    results.put(asyncio.run(_ensure_after_kill(store, base_url, lock_timeout, ready, go)))


async def _paced_reads(redis_url: str, base_url: str, dids: list[str], seconds: float, go: Any, rate: float,
                       margin: float) -> dict[str, Any]:
    redis = Redis.from_url(redis_url)
    limiter = gizwits.RedisRateLimiter(redis, rate, appid=APPID, margin=margin)
    try:
        async with gizwits.Session(APPID, base_url=base_url, rate_limiter=limiter, max_concurrency=20) as session:
            await asyncio.to_thread(_wait, go)
            deadline = time.monotonic() + seconds

            async def until_deadline() -> AsyncIterator[str]:
                index = 0
                while time.monotonic() < deadline:
                    yield dids[index % len(dids)]
                    index += 1

            report = await session.latest_many(until_deadline(), concurrency=20)
            return {"sent": len(report.outcomes), "failed": len(report.failed)}
    finally:
        await redis.aclose()


def paced_reads(redis_url: str, base_url: str, dids: list[str], seconds: float, go: Any, rate: float, margin: float,
                results: Any) -> None:
    """Read the latest data of ``dids`` round-robin for ``seconds``, paced by the shared Redis limiter."""
    results.put(asyncio.run(_paced_reads(redis_url, base_url, dids, seconds, go, rate, margin)))
