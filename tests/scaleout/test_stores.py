"""RedisTokenStore and FileTokenStore on their own: what they keep, their locks, and a Redis outage."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import stat
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis_server import free_port

import gizwits_async as gizwits

TOKEN = gizwits.Token("uid-1", "token-value", dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=7))


def _store(redis: Redis, **options: object) -> gizwits.RedisTokenStore:
    return gizwits.RedisTokenStore(redis, appid="app", username="bob", **options)  # type: ignore[arg-type]


async def test_redis_keeps_the_token_and_its_expiry_never_the_password(
    redis_client: Redis, base_url: str
) -> None:
    store = _store(redis_client)
    assert store.key == "gizwits:token:app:bob"
    assert await store.load() is None
    await store.save(TOKEN)
    assert await store.load() == TOKEN
    assert json.loads(await redis_client.get(store.key)) == {
        "uid": "uid-1", "token": "token-value", "expire_at": TOKEN.expire_at.isoformat()}
    assert 6.9 * 86400_000 < await redis_client.pttl(store.key) <= 7 * 86400_000  # expires with the token

    shared = gizwits.RedisTokenStore(redis_client, appid="demo-appid", username="demo")
    async with gizwits.Session("demo-appid", base_url=base_url, token_store=shared) as session:
        await session.ensure_login("demo", "demo-password")
    values = [await redis_client.get(key) for key in await redis_client.keys("*")]
    assert values and not any(b"demo-password" in value for value in values)


def test_the_key_template_needs_its_fields(redis_client: Redis) -> None:
    with pytest.raises(gizwits.ValidationError, match="username="):
        gizwits.RedisTokenStore(redis_client, appid="app")
    with pytest.raises(gizwits.ValidationError, match="unknown fields: user"):
        gizwits.RedisTokenStore(redis_client, key="t:{user}")
    assert gizwits.RedisTokenStore(redis_client, key="my-token").key == "my-token"
    with pytest.raises(gizwits.ValidationError, match="lock_timeout"):
        _store(redis_client, lock_timeout=0)


async def test_a_value_that_is_not_a_token_is_ignored_with_a_warning(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(redis_client)
    for junk in (b"not json", b'{"uid": "u", "token": "a\\r\\nb", "expire_at": "2030-01-01T00:00:00+00:00"}'):
        await redis_client.set(store.key, junk)
        assert await store.load() is None
    assert "does not hold a token" in caplog.text and "a\r\nb" not in caplog.text


async def _hold_both(first: gizwits.LockingTokenStore, second: gizwits.LockingTokenStore) -> None:
    """Two stores on the same token try to hold their lock at once: one block must end before the other starts."""
    order: list[str] = []

    async def hold(store: gizwits.LockingTokenStore, name: str) -> None:
        async with store.lock():
            order.append(f"{name} in")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    await asyncio.gather(hold(first, "a"), hold(second, "b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_the_redis_lock_excludes_other_holders(redis_client: Redis) -> None:
    first = _store(redis_client)
    await _hold_both(first, _store(redis_client))
    assert await redis_client.exists(first.lock_key) == 0


async def test_an_expired_lock_is_taken_over(redis_client: Redis) -> None:
    slow, other = _store(redis_client, lock_timeout=0.2), _store(redis_client, lock_timeout=5)
    async with slow.lock():
        await asyncio.sleep(0.3)  # longer than its expiry, as if its holder had died
        async with asyncio.timeout(1), other.lock():
            assert await redis_client.pttl(other.lock_key) > 1000  # now the other's, with its own expiry


async def test_releasing_a_lock_that_expired_leaves_the_new_owners_lock(redis_client: Redis) -> None:
    slow = _store(redis_client, lock_timeout=0.2)
    async with slow.lock():
        await asyncio.sleep(0.3)
        await redis_client.set(slow.lock_key, b"new-owner", px=5000)  # another process took it meanwhile
    assert await redis_client.get(slow.lock_key) == b"new-owner"


async def test_a_redis_outage_fails_open_within_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    store = _store(redis, timeout=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with caplog.at_level(logging.WARNING, "gizwits_async"):
        assert await store.load() is None
        await store.save(TOKEN)
        async with store.lock():
            pass
    await redis.aclose()
    assert loop.time() - started < 5.0  # three bounded failures, never a hang
    assert caplog.text.count("Redis unavailable") == 3


async def test_a_file_store_round_trip_is_private(tmp_path: Path) -> None:
    store = gizwits.FileTokenStore(tmp_path / "tokens" / "me.json")
    assert await store.load() is None
    await store.save(TOKEN)
    assert await store.load() == TOKEN
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert json.loads(store.path.read_text()) == {
        "uid": "uid-1", "token": "token-value", "expire_at": TOKEN.expire_at.isoformat()}
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["me.json"]  # no temporary file left
    assert await store.clear() and not await store.clear()


async def test_the_file_lock_excludes_other_holders(tmp_path: Path) -> None:
    await _hold_both(gizwits.FileTokenStore(tmp_path / "t.json"), gizwits.FileTokenStore(tmp_path / "t.json"))


async def test_waiting_for_a_file_lock_can_be_cancelled(tmp_path: Path) -> None:
    first, second = (gizwits.FileTokenStore(tmp_path / "t.json") for _ in range(2))
    async with first.lock():
        waiter = asyncio.create_task(second.lock().__aenter__())
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    async with second.lock():  # the cancelled wait left nothing held
        pass
