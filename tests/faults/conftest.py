"""Fault injection against the emulator served on loopback, through the session's default (aiohttp) transport.

Each test gets a fresh emulator on a fake clock started at the real time (so the client's clock and the
server's agree until a test moves the server's), served by uvicorn on 127.0.0.1, and a factory of signed-in
sessions that are all closed at teardown. Retry policies are fast so that no test sleeps for seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock

#: Fast retries, so fault tests do not sleep for seconds.
FAST_RETRY = gizwits.RetryPolicy(attempts=3, base=0.01, cap=0.05)

MakeSession = Callable[..., Awaitable[gizwits.Session]]


@pytest.fixture
def devices() -> int:
    """How many devices the emulator seeds and binds to demo (override with ``@pytest.mark.parametrize``)."""
    return 40


@pytest.fixture
def emulator(devices: int) -> Emulator[FakeClock]:
    return Emulator(EmulatorConfig(devices=devices), clock=FakeClock(time.time()))


@pytest_asyncio.fixture
async def base_url(emulator: Emulator[FakeClock]) -> AsyncIterator[str]:
    async with emulator.serve() as url:
        yield url


@pytest_asyncio.fixture
async def make_session(base_url: str) -> AsyncIterator[MakeSession]:
    """``await make_session(**options)``: an open session signed in as demo (``login=False``: not signed in)."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(*, login: bool = True, **options: Any) -> gizwits.Session:
            options = {"app_secret": "demo-secret", "retry": FAST_RETRY, "max_concurrency": 20, **options}
            session = await stack.enter_async_context(gizwits.Session("demo-appid", base_url=base_url, **options))
            if login:
                await session.login("demo", "demo-password")
            return session

        yield make


@pytest_asyncio.fixture
async def session(make_session: MakeSession) -> gizwits.Session:
    """A session signed in as demo, with FAST_RETRY and 20 connections."""
    return await make_session()


@pytest.fixture
def dids(emulator: Emulator[FakeClock]) -> list[str]:
    """The dids bound to demo by the seed, in bind order."""
    return list(emulator.state.user("demo").bindings)


def gizwits_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running code of the client library (the emulator's server tasks excluded)."""
    current = asyncio.current_task()
    found = []
    for task in asyncio.all_tasks():
        module = getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")
        if task is not current and "gizwits_async" in module and "emulator" not in module:
            found.append(task)
    return found


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
