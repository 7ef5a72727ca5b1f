"""Fault matrix, emulator abuse: fuzzed bodies and queries get a 4xx (never a 500), bodies are bounded and read
in linear time, slow clients are cut off, and tokens do not pile up."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
import pytest_asyncio

from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock

APPID = {"X-Gizwits-Application-Id": "demo-appid"}


def make_emulator(**config: Any) -> Emulator[FakeClock]:
    return Emulator(EmulatorConfig(devices=2, **config), clock=FakeClock(1_700_000_000))


@contextlib.asynccontextmanager
async def served(emulator: Emulator[FakeClock]) -> AsyncIterator[tuple[str, int, httpx.AsyncClient]]:
    async with emulator.serve() as url, httpx.AsyncClient(base_url=url, headers=APPID) as client:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield host, int(port), client


@pytest_asyncio.fixture
async def live() -> AsyncIterator[tuple[Emulator[FakeClock], httpx.AsyncClient]]:
    emulator = make_emulator()
    async with served(emulator) as (_, _, client):
        yield emulator, client


async def login(client: httpx.AsyncClient) -> str:
    answer = await client.post("/app/login", json={"username": "demo", "password": "demo-password"})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


async def test_deeply_nested_json_is_400_not_500(live: tuple[Emulator[FakeClock], httpx.AsyncClient]) -> None:
    emulator, client = live
    token = await login(client)
    did = next(iter(emulator.state.user("demo").bindings))
    deep = b"[" * 20_000 + b"]" * 20_000
    answer = await client.post(f"/app/control/{did}", content=deep, headers={"X-Gizwits-User-token": token})
    assert answer.status_code == 400 and answer.json()["error_code"] == 9015
    # Brackets inside strings are text, not nesting: a flat body with many of them is served as usual.
    flat = json.dumps({"attrs": {"label": "[{" * 1000}}).encode()
    answer = await client.post(f"/app/control/{did}", content=flat, headers={"X-Gizwits-User-token": token})
    assert answer.status_code != 500 and answer.json().get("error_code") != 9015
    print("\n[matrix] emulator depth: 20,000-deep JSON before=500 after=400")


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "9" * 5000, "-1", "1e3"])
async def test_non_ascii_or_huge_query_numbers_are_400(
    live: tuple[Emulator[FakeClock], httpx.AsyncClient], limit: str
) -> None:
    _, client = live
    token = await login(client)
    answer = await client.get("/app/bindings", params={"limit": limit}, headers={"X-Gizwits-User-token": token})
    assert answer.status_code == 400 and answer.json()["error_code"] == 9015


async def test_body_over_the_limit_is_413_declared_or_streamed(
    live: tuple[Emulator[FakeClock], httpx.AsyncClient],
) -> None:
    _, client = live
    big = b"x" * (1024 * 1024 + 1)  # the default limit is 1 MiB
    answer = await client.post("/app/login", content=big)
    assert answer.status_code == 413 and answer.json()["error_code"] == 9015

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: chunked transfer encoding
        for _ in range(1100):
            yield b"y" * 1024

    answer = await client.post("/app/login", content=chunks())
    assert answer.status_code == 413
    assert (await client.get("/")).status_code == 200  # the server is fine afterwards


class CountingBytes(bytes):
    """A body chunk that counts how often it is concatenated (each `+` copies everything read so far)."""

    concatenations = 0

    def __add__(self, other: Any) -> bytes:
        CountingBytes.concatenations += 1
        return CountingBytes(bytes(self) + bytes(other))


async def test_a_body_is_read_without_concatenating_chunks() -> None:
    """Reading chunk by chunk with `body += chunk` is quadratic (a 100 MB body took 15.8 s)."""
    emulator = make_emulator(max_body=10 * 1024 * 1024)
    messages = [{"type": "http.request", "body": CountingBytes(b"z" * 1024), "more_body": True}] * 2000
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    received = iter(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(received)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/app/login", "headers": [], "query_string": b""}
    await emulator.app(scope, receive, send)
    assert sent[0]["status"] == 400  # read whole (2,000 KiB), then refused as no JSON object
    assert CountingBytes.concatenations == 0


async def test_slowloris_connection_is_closed_after_the_header_deadline() -> None:
    emulator = make_emulator(header_timeout=0.3)
    async with served(emulator) as (host, port, client):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(50):  # a header line every 0.1 s, never the blank line that ends them
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                closed = await asyncio.wait_for(reader.read(1), 0.1) == b""
            if closed:
                break
            with contextlib.suppress(ConnectionError):
                writer.write(b"X-Slow: 1\r\n")
        writer.close()
        assert closed  # cut within 5 s; before the fix the connection stayed open
        assert (await client.get("/")).status_code == 200  # a normal request on a new connection is served


async def test_a_body_that_stops_arriving_is_answered_408() -> None:
    emulator = make_emulator(idle_timeout=0.3)
    async with served(emulator) as (host, port, _):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /app/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"username\"")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert status_line.startswith(b"HTTP/1.1 408")


def test_tokens_are_capped_per_user_and_forgotten_after_expiry() -> None:
    emulator = make_emulator(max_tokens_per_user=5, token_ttl=100, expired_token_grace=50)
    state = emulator.state
    first = state.login("demo", "demo-password")
    tokens = [state.login("demo", "demo-password") for _ in range(20)]
    assert len(state.tokens) == 5  # before: 21, one per login, forever
    with pytest.raises(Exception, match="9004"):
        state.user_for_token(first.token)
    assert state.user_for_token(tokens[-1].token).username == "demo"
    emulator.clock.advance(120)  # expired, still within the grace period: answered "expired", not "unknown"
    with pytest.raises(Exception, match="9006"):
        state.user_for_token(tokens[-1].token)
    emulator.clock.advance(100)
    state.login("demo", "demo-password")
    assert len(state.tokens) == 1
    assert state.revoke_tokens("demo") == 1 and state.tokens == {}


async def test_the_header_deadline_leaves_an_upgraded_websocket_alone() -> None:
    emulator = make_emulator(header_timeout=0.2)
    async with emulator.serve() as url, aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url + "/ws/app/v1")
        await asyncio.sleep(0.6)  # three header deadlines
        await ws.send_str(json.dumps({"cmd": "ping"}))
        answer = await ws.receive(timeout=5)
        assert answer.type is aiohttp.WSMsgType.TEXT  # still open: the deadline ended with the upgrade
        await ws.close()
