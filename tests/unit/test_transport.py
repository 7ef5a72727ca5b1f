"""The request path's per-request shortcuts: one JSON encoder, the URL joined to the parsed base URL, headers
converted once per token."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

import gizwits_async as gizwits
from gizwits_async.transport import AiohttpTransport, Timeout

BASES = ["http://127.0.0.1:8765", "https://api.gizwits.com", "https://proxy.example/gizwits", "http://[::1]:81"]
#: What check_segment lets into a path segment: unreserved characters, not "." or "..".
SEGMENTS = st.from_regex(r"[A-Za-z0-9._~-]{1,12}", fullmatch=True).filter(lambda text: text not in (".", ".."))


def transport(base_url: str) -> AiohttpTransport:
    return AiohttpTransport(base_url=base_url, timeout=Timeout(5.0), pool_size=4)


@given(base=st.sampled_from(BASES), segment=SEGMENTS, query=st.sampled_from(["", "?limit=20&skip=0"]))
def test_url_is_the_one_parsing_base_plus_path_gives(base: str, segment: str, query: str) -> None:
    path = f"/app/devdata/{segment}/latest{query}"
    assert transport(base)._url(path) == URL(base + path)


def test_headers_are_converted_once_per_dict() -> None:
    sender = transport(BASES[0])
    headers = {"X-Gizwits-Application-Id": "app", "X-Gizwits-User-token": "t1"}
    converted = sender._multidict(headers)
    assert dict(converted) == headers
    assert sender._multidict(headers) is converted  # the same dict again: no new conversion
    renewed = {**headers, "X-Gizwits-User-token": "t2"}
    assert sender._multidict(renewed)["x-gizwits-user-token"] == "t2"  # a new token's dict: converted anew


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def loopback(handler: Handler) -> AsyncIterator[str]:
    """A raw loopback HTTP server running ``handler`` per connection; waits for every handler on exit."""
    handlers: list[asyncio.Task[None]] = []

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        try:
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):  # the client hung up
                await handler(reader, writer)
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with asyncio.timeout(5):
            await asyncio.gather(*handlers)


@pytest.mark.parametrize("prefix", ["", "/gizwits"])
async def test_paths_go_out_as_given_below_the_base_path(prefix: str) -> None:
    lines: list[str] = []
    body = b'{"devices":[]}'

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines.append(head.split(b"\r\n", 1)[0].decode())
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()

    async with loopback(answer) as url, gizwits.Session("app", base_url=url + prefix) as session:
        user = session.for_user(("token", "uid"))
        await user.control("dev_1.a~B-2", {"switch": True})
        await user.bindings(limit=5)
    assert lines == [
        f"POST {prefix}/app/control/dev_1.a~B-2 HTTP/1.1",
        f"GET {prefix}/app/bindings?show_disabled=0&limit=5&skip=0 HTTP/1.1",
    ]


async def test_a_body_that_stalls_times_out_and_gives_the_connection_back() -> None:
    async def half_an_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"did\":")  # then nothing more
        await writer.drain()
        await reader.read()  # until the client gives up and closes the connection

    async with loopback(half_an_answer) as url, gizwits.Session("app", base_url=url, timeout=0.2,
                                                                 retry=1) as session:
        with pytest.raises(gizwits.TransportError) as stalled:
            await session.latest("did-1")
        assert stalled.value.sent and "timed out" in str(stalled.value)
        assert session._transport.connections_in_use == 0
