"""The library against the emulator served on loopback: real HTTP, the session's default transport."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock

#: Fast retries, so fault tests do not sleep for seconds.
FAST_RETRY = gizwits.RetryPolicy(attempts=3, base=0.01, cap=0.05)


@pytest.fixture
def emulator() -> Emulator[FakeClock]:
    """A fresh emulator with 40 devices bound to demo, on a fake clock that starts at the real time."""
    return Emulator(EmulatorConfig(devices=40), clock=FakeClock(time.time()))


@pytest_asyncio.fixture
async def base_url(emulator: Emulator[FakeClock]) -> AsyncIterator[str]:
    async with emulator.serve() as url:
        yield url


@pytest_asyncio.fixture
async def session(base_url: str) -> AsyncIterator[gizwits.Session]:
    """A session signed in as the demo user."""
    async with gizwits.Session("demo-appid", base_url=base_url, app_secret="demo-secret", retry=FAST_RETRY,
                               max_concurrency=20) as session:
        await session.login("demo", "demo-password")
        yield session


@pytest_asyncio.fixture
async def dids(session: gizwits.Session) -> list[str]:
    return [device.did async for device in session.iter_bindings()]
