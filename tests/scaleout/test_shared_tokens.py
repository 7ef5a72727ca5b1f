"""Many processes, one account: worker processes (each its own event loop and Session) sharing a RedisTokenStore
or a FileTokenStore sign in once between them, counted by the emulator."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

from . import workers
from .conftest import LoginGate, Workers, barrier

PROCESSES = 8
CALLS = 50
LOCK_TIMEOUT = 5.0  # the workers' RedisTokenStore(lock_timeout=...) in the killed-holder test


def _seed(emulator: Emulator[FakeClock]) -> gizwits.Token:
    """A token the emulator issued to demo (no request, so no login is counted)."""
    issued = emulator.state.login(workers.USERNAME, workers.PASSWORD)
    return gizwits.Token(issued.uid, issued.token, dt.datetime.fromtimestamp(issued.expire_at, dt.UTC))


async def _run_signed_in_workers(
    emulator: Emulator[FakeClock], base_url: str, shared_store: workers.Store, worker_processes: Workers,
    ready: Any, dids: list[str],
) -> str:
    """PROCESSES workers: ensure_login, then CALLS bindings() each, all at once; one login in all. The token."""
    go = barrier(PROCESSES)
    for _ in range(PROCESSES):
        worker_processes.start(workers.signed_in_calls, shared_store, base_url, ready, go, CALLS)
    reports = await worker_processes.collect(PROCESSES)
    await worker_processes.join()
    assert emulator.stats.logins == 1
    assert sum(r["logins"] for r in reports) == 1
    tokens = {r["token"] for r in reports}
    assert len(tokens) == 1  # every process uses the one token
    assert all(r["devices"] == CALLS * min(20, len(dids)) for r in reports)  # one page each
    return tokens.pop()


async def test_workers_starting_together_with_an_expired_token_sign_in_once(
    emulator: Emulator[FakeClock], base_url: str, shared_store: workers.Store, store_here: gizwits.TokenStore,
    worker_processes: Workers, dids: list[str],
) -> None:
    expired = gizwits.Token("some-uid", "expired-token", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    await store_here.save(expired)
    token = await _run_signed_in_workers(emulator, base_url, shared_store, worker_processes, barrier(PROCESSES),
                                         dids)
    assert emulator.stats.requests["D2"] == PROCESSES * CALLS  # the expired token was never sent
    stored = await store_here.load()
    assert stored is not None and stored.token == token


async def test_a_token_rejected_in_every_process_is_renewed_once(
    emulator: Emulator[FakeClock], base_url: str, shared_store: workers.Store, store_here: gizwits.TokenStore,
    worker_processes: Workers, dids: list[str],
) -> None:
    seeded = _seed(emulator)
    await store_here.save(seeded)
    emulator.state.revoke_tokens(workers.USERNAME)  # every process adopts it, then gets 9004 on its first call
    token = await _run_signed_in_workers(emulator, base_url, shared_store, worker_processes, None, dids)
    assert token != seeded.token
    # every process sent each call once, plus its one rejected first attempt
    assert emulator.stats.requests["D2"] == PROCESSES * (CALLS + 1)


async def test_a_lock_holder_killed_mid_login_blocks_the_others_no_longer_than_the_lock_expiry(
    emulator: Emulator[FakeClock], login_gate: tuple[LoginGate, str], shared_store: workers.Store,
    store_here: gizwits.TokenStore, worker_processes: Workers,
) -> None:
    gate, base_url = login_gate
    others, ready, go = PROCESSES - 1, barrier(PROCESSES), barrier(PROCESSES)
    for _ in range(others):
        worker_processes.start(workers.ensure_after_kill, shared_store, base_url, LOCK_TIMEOUT, ready, go)
    await asyncio.to_thread(ready.wait, 60)  # the others are up; now the holder takes the lock and hangs
    holder = worker_processes.start(workers.hold_lock_in_login, shared_store, base_url, LOCK_TIMEOUT, report=False)
    async with asyncio.timeout(60):
        await gate.arrived.wait()  # the holder's login is in flight, so it holds the lock
    await asyncio.to_thread(go.wait, 60)  # the others call ensure_login and wait for the lock
    redis_lock = isinstance(store_here, gizwits.RedisTokenStore)
    if redis_lock:
        assert await store_here.redis.pttl(store_here.lock_key) > 1000  # the holder's lock, for a while yet
    holder.kill()
    await asyncio.to_thread(holder.join, 10)
    gate.opened.set()
    reports = await worker_processes.collect(others)

    assert emulator.stats.logins == 1  # one for all the others (the killed holder's never reached the emulator)
    assert sum(r["logins"] for r in reports) == 1
    waited = sorted(r["seconds"] for r in reports)
    # each waited at most for the dead holder's lock to expire (Redis) or for the kernel to free it (a file)
    assert waited[-1] < LOCK_TIMEOUT + 1.5
    if redis_lock:
        assert waited[0] > 1.0  # they did wait for the dead holder's lock instead of ignoring it
