"""Fixtures of the unit tests: a Session on an injected httpx client, mocked with respx, and a fake clock."""

from __future__ import annotations

import datetime as dt
import functools
import ssl
import time
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

import gizwits_async.auth
import gizwits_async.models
import gizwits_async.session
from gizwits_async import MemoryTokenStore, Session, Token

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
async def session(client: httpx.AsyncClient) -> AsyncIterator[Session]:
    """A session that is not signed in (with an app secret for A1/V1-V3)."""
    async with Session(APPID, client=client, app_secret=SECRET) as giz:
        yield giz


@pytest.fixture
async def user_session(client: httpx.AsyncClient) -> AsyncIterator[Session]:
    """A session signed in through its token store (no login request, no way to renew)."""
    store = MemoryTokenStore(stored_token())
    async with Session(APPID, client=client, app_secret=SECRET, token_store=store) as giz:
        yield giz


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Retries wait 0 s; returns the list of failure numbers `backoff` was asked about."""
    asked: list[int] = []

    def instant(attempt: int, policy: object, *, rand: float | None = None) -> float:
        asked.append(attempt)
        return 0.0

    monkeypatch.setattr(gizwits_async.session, "backoff", instant)
    return asked


class FakeClock:
    """Replaces the wall and monotonic clocks of the token lifecycle; `advance` moves both."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.mono = 1000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    namespace = types.SimpleNamespace(time=fake.time, monotonic=fake.monotonic, perf_counter=time.perf_counter)
    monkeypatch.setattr(gizwits_async.auth, "time", namespace)
    monkeypatch.setattr(gizwits_async.models, "time", namespace)
    return fake
