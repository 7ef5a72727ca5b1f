"""Fixtures of the unit tests: a Session on an injected httpx client, mocked with respx, and a fake clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from gizwits_async import MemoryTokenStore, RetryPolicy, Session, Token

APPID = "appid"
SECRET = "secret"
BASE = "https://api.gizwits.com"
USER_TOKEN = "user-token-value"
APP_TOKEN = "app-token-value"


def token_wire(
    token: str = USER_TOKEN, uid: str = "uid", lifetime: float = 86400.0, now: float | None = None
) -> dict[str, Any]:
    """A login answer whose token expires ``lifetime`` seconds from ``now`` (default: the real clock)."""
    return {"uid": uid, "token": token, "expire_at": (time.time() if now is None else now) + lifetime}


def error_body(code: int | str, message: str = "error", **extra: Any) -> dict[str, Any]:
    """A Gizwits error body."""
    return {"error_code": code, "error_message": message, "detail_message": None, **extra}


def gizwits_error(code: int, status: int = 400) -> httpx.Response:
    """An error answer as the server sends it."""
    return httpx.Response(status, json=error_body(code))


def stored_token(value: str = USER_TOKEN, lifetime: float = 86400.0) -> Token:
    """A token that a store can hand to a session."""
    return Token("uid", value, dt.datetime.fromtimestamp(time.time() + lifetime, dt.UTC))


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def new_client() -> httpx.AsyncClient:
    """An httpx client; they share one SSL context (building one per client costs ~50 ms, and respx never uses it)."""
    return httpx.AsyncClient(verify=_ssl_context())


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client() as http:
        yield http


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """respx on the default base URL; routes need not all be called."""
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def session(client: httpx.AsyncClient, clock: FakeClock) -> AsyncIterator[Session]:
    """A session that is not signed in (with an app secret for A1/V1-V3), on the fake clock."""
    async with Session(APPID, client=client, app_secret=SECRET, clock=clock) as giz:
        yield giz


@pytest.fixture
async def user_session(client: httpx.AsyncClient, clock: FakeClock) -> AsyncIterator[Session]:
    """A session signed in through its token store (no login request, no way to renew), on the fake clock."""
    store = MemoryTokenStore(stored_token())
    async with Session(APPID, client=client, app_secret=SECRET, token_store=store, clock=clock) as giz:
        yield giz


class FakeClock:
    """A `gizwits_async.clock.Clock` that moves only when told to (`advance`) or slept on (instantly)."""

    def __init__(self) -> None:
        self.now = time.time()
        self.mono = 1000.0
        #: Every sleep asked for, in seconds.
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def backoffs(clock: FakeClock, policy: RetryPolicy | None = None) -> list[int]:
    """The failure number each of the clock's sleeps backed off after, each checked against the policy's range."""
    policy = policy or RetryPolicy()
    for failure, wait in enumerate(clock.slept, 1):
        longest = min(policy.cap, policy.base * 2 ** (failure - 1))
        assert longest / 2 <= wait <= longest, (failure, wait)
    return list(range(1, len(clock.slept) + 1))
