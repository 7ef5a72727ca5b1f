"""Helpers shared by the loopback test suites (integration, faults): no fixtures here, see conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

#: Fast retries, so fault tests do not sleep for seconds.
FAST_RETRY = gizwits.RetryPolicy(attempts=3, base=0.01, cap=0.05)

MakeSession = Callable[..., Awaitable[gizwits.Session]]


def gizwits_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running code of the client library (the emulator's server tasks excluded)."""
    current = asyncio.current_task()
    found = []
    for task in asyncio.all_tasks():
        module = getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")
        if task is not current and "gizwits_async" in module and "emulator" not in module:
            found.append(task)
    return found


async def cancel_and_check_nothing_left(run: asyncio.Task[Any], session: gizwits.Session, within: float) -> None:
    """Cancel ``run`` (a bulk helper in flight): it must end within ``within`` seconds, leaving no library task
    and no pooled connection in use."""
    loop = asyncio.get_running_loop()
    cancelled_at = loop.time()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert loop.time() - cancelled_at < within  # promptly: no waiting for the in-flight answers
    await asyncio.sleep(0)
    assert gizwits_tasks() == []
    assert session._transport.connections_in_use == 0


def requests_sent(emulator: Emulator[FakeClock], *endpoints: str) -> int:
    """How many requests the emulator received for ``endpoints`` (faulted and refused ones included)."""
    return sum(emulator.stats.requests[endpoint] for endpoint in endpoints)


async def wait_until(condition: Callable[[], bool], limit: float = 5.0, step: float = 0.001) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` seconds instead of hanging."""
    for _ in range(int(limit / step)):
        if condition():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"condition not reached within {limit} s")


def change_password_elsewhere(emulator: Emulator[FakeClock]) -> None:
    """The demo user's password was changed on another client and the server revoked its tokens: the session's
    next call gets 9004, and its automatic re-login 9020."""
    emulator.state.change_password("demo", "changed-elsewhere")
    emulator.state.revoke_tokens("demo")
