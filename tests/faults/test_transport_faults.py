"""Fault matrix, below the request path: nothing sent twice behind the retry policy's back, no redirect followed,
no token in any exception of a chain, only the service's answers count as success, answers bounded in size, and
time waiting for a pooled connection not counted against a request."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gzip
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from support import FAST_RETRY, MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

TOKEN = "secret-user-token-0123456789"
#: (connection number, request number on it, request line) -> raw answer (bytes or chunks), or None to close
#: without one.
Answer = Callable[[int, int, str], Awaitable[bytes | list[bytes] | None]]


def ok(body: bytes = b"{}", status: str = "200 OK", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n%s" % (status.encode(), len(body), extra, body)


@contextlib.asynccontextmanager
async def raw_server(answer: Answer) -> AsyncIterator[tuple[str, collections.Counter[str]]]:
    """An HTTP/1.1 server on loopback answering each request as ``answer`` says; counts requests by method.

    An answer is bytes, or a list of chunks written one by one (so that a big answer is never held whole).
    """
    received: collections.Counter[str] = collections.Counter()
    handlers: list[asyncio.Task[None]] = []
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = len(handlers)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            for request in range(1, 1000):
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode()
                length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n")
                               if h.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                received[line.split()[0]] += 1
                reply = await answer(number, request, line)
                if reply is None:
                    break
                for chunk in [reply] if isinstance(reply, bytes) else reply:
                    writer.write(chunk)
                    await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        await serve(reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", received
        for writer in writers:
            writer.close()
        async with asyncio.timeout(5):
            await asyncio.gather(*handlers, return_exceptions=True)


@contextlib.asynccontextmanager
async def user_session(url: str, **options: object) -> AsyncIterator[gizwits.Session]:
    options = {"retry": FAST_RETRY, **options}
    async with gizwits.Session("appid", base_url=url, **options) as session:  # type: ignore[arg-type]
        yield session.for_user((TOKEN, "uid"))


# -- 2. no silent re-send below the retry policy ----------------------------------------------------------------


async def second_request_on_a_connection_is_cut(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
    if request == 2:
        return None  # read the request, then close the connection without answering (a reset)
    body = b'{"updatedAt": "2024-01-01T00:00:00.000Z"}' if line.startswith("PUT") else (
        b'{"did": "d1", "updated_at": 1700000000, "attr": {}}')
    return ok(body)


async def test_an_account_change_cut_off_is_sent_once_and_reported_with_attempts_1() -> None:
    async with raw_server(second_request_on_a_connection_is_cut) as (url, received), user_session(url) as user:
        await user.latest("d1")  # opens the pooled connection the PUT will reuse
        with pytest.raises(gizwits.TransportError) as raised:
            await user.change_password("old-password", "new-password")
    assert received["PUT"] == 1  # before: 2 (aiohttp sent it again on a fresh connection)
    assert raised.value.attempts == 1 and raised.value.sent
    print(f"\n[matrix] PUT cut on a reused connection: server received before=2 after={received['PUT']}")


async def test_attempts_equal_the_requests_the_server_received() -> None:
    async with raw_server(second_request_on_a_connection_is_cut) as (url, received), user_session(url) as user:
        await user.latest("d1")
        before = received["GET"]
        report = await user.latest_many(["d1"])  # cut, then retried by the policy on a fresh connection
    assert report.ok and report.outcomes[0].attempts == received["GET"] - before == 2  # before: attempts=1


# -- 3. redirects are errors, and no token follows them --------------------------------------------------------


async def test_a_redirect_is_an_error_with_its_status_and_is_not_followed() -> None:
    async def elsewhere_answers(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
        return ok()

    async with raw_server(elsewhere_answers) as (other, other_received):

        async def redirect(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
            path = line.split()[1]
            return ok(b"", "307 Temporary Redirect", b"Location: %s%s\r\n" % (other.encode(), path.encode()))

        async with raw_server(redirect) as (url, _), user_session(url) as user:
            with pytest.raises(gizwits.APIError) as raised:
                await user.control("d1", {"switch": True})
            report = await user.control_many({f"d{i}": {"switch": True} for i in range(20)})
    assert raised.value.status == 307
    assert len(report.failed) == 20 and {e.status for e in report.failed.values()} == {307}  # type: ignore[attr-defined]
    assert sum(other_received.values()) == 0  # before: every command went there, with the user token
    print(f"\n[matrix] 307 to another host: controls counted ok before=21 after=0, "
          f"requests carrying the token elsewhere before=21 after={sum(other_received.values())}")


# -- 5. no secret anywhere in an exception chain ----------------------------------------------------------------


def chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


@pytest.mark.parametrize("reply", [b"HTTP/1.1 abc\r\n\r\n", b"NOT HTTP AT ALL\r\n\r\n",
                                   b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"did\""])
async def test_no_token_in_any_exception_of_the_chain(reply: bytes) -> None:
    async def broken(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
        return reply

    async with raw_server(broken) as (url, _), user_session(url, retry=1, timeout=2) as user:
        with pytest.raises(gizwits.GizwitsError) as raised:
            await user.control("d1", {"switch": True})
    for error in chain(raised.value):
        assert TOKEN not in repr(error) and TOKEN not in str(error), type(error)


# -- 6. a control succeeds only on an answer the service sends ------------------------------------------------


async def test_a_captive_portal_page_is_not_a_successful_control() -> None:
    page = b"<html><head><title>Wi-Fi login</title></head><body>Sign in to continue</body></html>"

    async def portal(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
        return ok(page, extra=b"Content-Type: text/html\r\n")

    async with raw_server(portal) as (url, _), user_session(url) as user:
        report = await user.control_many({f"d{i}": {"switch": True} for i in range(100)})
    errors = list(report.failed.values())
    assert len(errors) == 100 and all(isinstance(e, gizwits.APIError) and e.status == 200 for e in errors)
    assert "Wi-Fi login" in str(errors[0])  # the start of the body says what answered
    print("\n[matrix] captive portal: controls counted ok before=100 after=0")


# -- 7. answers bounded in size, as sent and as decompressed ----------------------------------------------------


async def test_answers_larger_than_the_limit_are_refused_without_being_read_whole() -> None:
    chunk = b"a" * 65536
    big = [b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (128 * len(chunk))] + [chunk] * 128  # 8 MiB
    bomb = gzip.compress(b'{"did": "d1", "x": "' + b"0" * (64 * 1024 * 1024) + b'"}')  # 64 MiB from ~64 KiB
    bomb_answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(bomb), bomb)
    chunked = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"] + [b"10000\r\n" + chunk + b"\r\n"] * 128

    async def huge(connection: int, request: int, line: str) -> bytes | list[bytes] | None:
        return bomb_answer if "bomb" in line else chunked if "chunked" in line else big

    peaks: dict[str, float] = {}
    async with raw_server(huge) as (url, _), user_session(url, retry=1, max_answer_size=1024 * 1024) as user:
        for did in ("d1", "bomb", "chunked"):
            tracemalloc.start()
            try:
                with pytest.raises(gizwits.TransportError, match="answered more than 1048576 bytes"):
                    await user.latest(did)
                peaks[did] = tracemalloc.get_traced_memory()[1] / 2**20
            finally:
                tracemalloc.stop()
    # Before (no limit): 16 MiB for the 8 MiB answer, 192 MiB for the bomb, 8 MiB for the chunked answer.
    assert max(peaks.values()) < 4
    print(f"\n[matrix] 8 MiB answers and a 64 MiB gzip bomb at max_answer_size=1 MiB: Python peak MiB {peaks}")


async def test_a_small_chunked_answer_is_read_at_once_and_still_bounded() -> None:
    body = b'{"did": "d1", "updated_at": 0, "attr": {"x": "' + b"0" * 200 + b'"}}'
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)

    async def small(connection: int, request: int, line: str) -> bytes:
        return chunked

    async with raw_server(small) as (url, _):
        async with user_session(url, retry=1, max_answer_size=len(body)) as user:
            assert (await user.latest("d1")).attrs == {"x": "0" * 200}  # exactly at the limit: read whole
        async with user_session(url, retry=1, max_answer_size=len(body) - 1) as user:
            with pytest.raises(gizwits.TransportError, match=f"answered more than {len(body) - 1} bytes"):
                await user.latest("d1")


def test_max_answer_size_is_checked() -> None:
    for bad in (0, -1, 1.5, "4MiB", None):
        with pytest.raises(gizwits.ValidationError):
            gizwits.Session("appid", max_answer_size=bad)  # type: ignore[arg-type]


# -- 8. waiting for a pooled connection is not request time ---------------------------------------------------


async def test_calls_queued_for_a_connection_do_not_time_out_while_waiting(
    make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    emulator.faults.latency = 0.2
    session = await make_session(max_concurrency=2, timeout=0.5, retry=1)
    results = await asyncio.gather(*(session.latest(dids[i % len(dids)]) for i in range(12)),
                                   return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    assert failed == []  # before: the calls queued behind 0.6 s of others timed out (10 of 12)
    print(f"\n[matrix] 12 calls on 2 connections, 0.2 s each, timeout 0.5 s: failed before=10 after={len(failed)}")
