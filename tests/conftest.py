"""Shared by the whole suite: the emulator's pytest plugin (the one users load), and the loopback fixtures of
the integration and fault suites, which talk to it through each of the session's own pools in turn.

Each test gets a fresh emulator on a fake clock started at the real time (so the client's clock and the
server's agree until a test moves the server's), served by uvicorn on 127.0.0.1, and a factory of signed-in
sessions that are all closed at teardown. Retry policies are fast so that no test sleeps for seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any, get_args

import pytest
import pytest_asyncio
from support import FAST_RETRY, MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock
from gizwits_async.transport import choice

pytest_plugins = ["gizwits_async.emulator.pytest_plugin", "redis_server"]


#: The suites that run once on each of the session's own pools: what goes over the wire, faults and push.
ON_BOTH_POOLS = ("integration", "faults", "push")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if os.environ.get("GIZWITS_TEST_TRANSPORT") or metafunc.definition.path.parent.name not in ON_BOTH_POOLS:
        return
    metafunc.parametrize("session_transport", list(get_args(choice.TransportName)), indirect=True)


@pytest.fixture(autouse=True)
def session_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool every session the suite opens without a client or a transport name sends through: the default
    (the fast transport), each pool in turn for `ON_BOTH_POOLS`, or the one ``GIZWITS_TEST_TRANSPORT`` names
    (``GIZWITS_TEST_TRANSPORT=aiohttp pytest``: the whole suite on the aiohttp pool)."""
    name = getattr(request, "param", None) or os.environ.get("GIZWITS_TEST_TRANSPORT")
    if name:
        monkeypatch.setattr(choice, "DEFAULT_TRANSPORT", name)


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
