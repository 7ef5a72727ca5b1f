"""Push tests: the emulator's push endpoint on loopback, a signed-in session, and a factory of `Push` objects
with short heartbeat and backoff settings so that the suite stays fast."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from push_support import FAST, QUICK_HEARTBEAT

import gizwits_async as gizwits

MakePush = Callable[..., Awaitable[gizwits.Push]]


@pytest.fixture
def devices() -> int:
    """Six devices, three on each of the emulator's two push ports."""
    return 6


@pytest_asyncio.fixture
async def make_push(session: gizwits.Session) -> AsyncIterator[MakePush]:
    """``await make_push(**options)``: an open `Push` of the demo session with FAST settings, closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**options: Any) -> gizwits.Push:
            return await stack.enter_async_context(session.push(**{**FAST, **options}))

        yield make


@pytest_asyncio.fixture
async def push(make_push: MakePush) -> gizwits.Push:
    """A `Push` with FAST settings."""
    return await make_push()


@pytest_asyncio.fixture
async def quick_push(make_push: MakePush) -> gizwits.Push:
    """A `Push` with FAST settings and a ping every 0.3 s (a declared interval of 1 s)."""
    return await make_push(heartbeat=QUICK_HEARTBEAT)
