"""The fast transport against a scripted HTTP/1.1 server on loopback: each rule of the protocol it relies on,
what it refuses, its limits, its pool and its errors. The server reads each request whole and answers with the
bytes the test scripted for it, counting the connections it accepted."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import sys
import threading
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import gizwits_async as gizwits
from gizwits_async.transport import Timeout
from gizwits_async.transport.fast import FastTransport, decode_body

CERT = Path(__file__).parent.parent / "faults" / "untrusted-cert.pem"
KEY = CERT.with_name("untrusted-key.pem")
HEADERS = {"X-Gizwits-Application-Id": "app", "Content-Type": "application/json"}

#: The rules of HTTP/1.1 hold on plain TCP and through the transport's own TLS layer alike.
BOTH_SCHEMES = pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])

Script = Callable[[int, bytes], bytes | None]  # (connection number, request) -> answer bytes, None: hang up


def ok(body: bytes, *extra: str) -> bytes:
    head = "".join(f"{line}\r\n" for line in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), head.encode(), body)


class Server:
    """A loopback server answering each request with ``script(connection number, request)``."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.script(number, request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()


@contextlib.asynccontextmanager
async def serving(script: Script, *, tls: bool = False, pool_size: int = 4, request_timeout: float = 5.0,
                  max_answer: int = 1024) -> AsyncIterator[tuple[Server, FastTransport]]:
    server = Server(script)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_tls() if tls else None)
    port = listener.sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    transport = FastTransport(base_url=f"{scheme}://127.0.0.1:{port}", timeout=Timeout(request=request_timeout),
                              pool_size=pool_size, verify=str(CERT) if tls else True, max_answer=max_answer)
    try:
        yield server, transport
    finally:
        await transport.aclose()
        listener.close()


async def get(transport: FastTransport, path: str = "/app/x") -> gizwits.transport.Response:
    return await transport.send("GET", path, HEADERS, None)


@BOTH_SCHEMES
async def test_a_content_length_answer_is_read_whole_and_the_connection_kept(tls: bool) -> None:
    async with serving(lambda _n, _r: ok(b'{"a": 1}'), tls=tls) as (server, transport):
        assert await get(transport) == (200, b'{"a": 1}')
        assert await transport.send("POST", "/app/control/d", HEADERS, b'{"attrs": {}}') == (200, b'{"a": 1}')
        assert server.connections == 1
        assert server.requests[1].endswith(b"Content-Length: 13\r\n\r\n{\"attrs\": {}}")
        assert b"Host: 127.0.0.1:" in server.requests[0] and b"X-Gizwits-Application-Id: app" in server.requests[0]


@BOTH_SCHEMES
async def test_a_chunked_answer_is_joined(tls: bool) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n5\r\n\": 1}\r\n0\r\n\r\n"
    async with serving(lambda _n, _r: chunked, tls=tls) as (server, transport):
        assert await get(transport) == (200, b'{"a": 1}')
        assert await get(transport) == (200, b'{"a": 1}')
        assert server.connections == 1


@BOTH_SCHEMES
async def test_connection_close_is_honoured(tls: bool) -> None:
    async with serving(lambda _n, _r: ok(b"{}", "Connection: close"), tls=tls) as (server, transport):
        assert await get(transport) == (200, b"{}")
        assert await get(transport) == (200, b"{}")
        assert server.connections == 2


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    return context


@BOTH_SCHEMES
async def test_a_body_without_length_ends_when_the_server_closes(tls: bool) -> None:
    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\n\r\n{"a": 1}')
        await writer.drain()
        writer.close()  # over TLS: close_notify first, which is what makes the end of the body trustworthy

    listener = await asyncio.start_server(answer_then_close, "127.0.0.1", 0, ssl=server_tls() if tls else None)
    port = listener.sockets[0].getsockname()[1]
    transport = FastTransport(base_url=f"{'https' if tls else 'http'}://127.0.0.1:{port}",
                              timeout=Timeout(request=5), pool_size=2, verify=str(CERT))
    try:
        assert await get(transport) == (200, b'{"a": 1}')
        assert await get(transport) == (200, b'{"a": 1}')  # on a new connection: the first ended with its body
    finally:
        await transport.aclose()
        listener.close()


def tls_server_thread(answer: bytes) -> tuple[int, threading.Thread]:
    """A TLS server in a thread that answers one request with ``answer`` and closes its socket without a
    close_notify (as a cut connection, or an attacker truncating the answer, would)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener, server_tls().wrap_socket(listener.accept()[0], server_side=True) as connection:
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(4096)
            connection.sendall(answer)
        # SSLSocket.close() sends no close_notify: the peer sees the TCP connection end, not the TLS session

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


async def test_a_tls_answer_without_length_cut_without_close_notify_is_refused() -> None:
    port, thread = tls_server_thread(b'HTTP/1.1 200 OK\r\n\r\n{"a": 1')
    transport = FastTransport(base_url=f"https://127.0.0.1:{port}", timeout=Timeout(request=5), pool_size=1,
                              verify=str(CERT))
    try:
        with pytest.raises(gizwits.TransportError, match="without TLS close_notify") as caught:
            await get(transport)
        assert caught.value.sent
    finally:
        await transport.aclose()
        await asyncio.to_thread(thread.join, 5)


async def test_a_tls_answer_with_length_needs_no_close_notify() -> None:
    port, thread = tls_server_thread(ok(b'{"a": 1}'))
    transport = FastTransport(base_url=f"https://127.0.0.1:{port}", timeout=Timeout(request=5), pool_size=1,
                              verify=str(CERT))
    try:
        assert await get(transport) == (200, b'{"a": 1}')
    finally:
        await transport.aclose()
        await asyncio.to_thread(thread.join, 5)


@pytest.mark.parametrize(("silent", "error"), [
    (False, "could not connect to 127.0.0.1:{port}: .*closed the connection in the TLS handshake"),
    (True, r"could not connect to 127.0.0.1:{port}: no connection within 0.2 s"),
], ids=["closed", "silent"])
async def test_a_server_that_fails_the_tls_handshake_was_never_sent_to(silent: bool, error: str) -> None:
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append((reader, writer))
        if not silent:
            writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)  # plain TCP: it never answers the hello
    port = listener.sockets[0].getsockname()[1]
    transport = FastTransport(base_url=f"https://127.0.0.1:{port}", timeout=Timeout(request=5, connect=0.2),
                              pool_size=1, verify=str(CERT))
    try:
        with pytest.raises(gizwits.TransportError, match=error.format(port=port)) as caught:
            await get(transport)
        assert not caught.value.sent
        assert transport.connections_in_use == 0
        if silent:
            hello = await asyncio.wait_for(opened[0][0].read(), 5)  # ends: the client hung up on timing out
            assert hello.startswith(b"\x16\x03")  # a TLS handshake record, and no request after it
    finally:
        for _reader, writer in opened:
            writer.close()
        await transport.aclose()
        listener.close()


@BOTH_SCHEMES
async def test_a_connection_the_server_closed_while_idle_is_replaced(tls: bool) -> None:
    answers = {1: ok(b"first", "Connection: keep-alive")}

    def script(number: int, _r: bytes) -> bytes | None:
        return answers.get(number, ok(b"second"))

    async with serving(script, tls=tls) as (server, transport):
        assert await get(transport) == (200, b"first")
        server.script = lambda number, _r: None if number == 1 else ok(b"second")
        # The server drops connection 1 while it is idle (it would answer None to the next request on it).
        await _wait_until(lambda: server.open == 1)
        for task in [t for t in asyncio.all_tasks() if "handle" in repr(t.get_coro())]:
            task.cancel()
        await _wait_until(lambda: server.open == 0)
        assert await get(transport) == (200, b"second")
        assert server.connections == 2


async def _wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


@BOTH_SCHEMES
async def test_cancelling_a_half_read_answer_discards_its_connection(tls: bool) -> None:
    half = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf"

    def script(number: int, _r: bytes) -> bytes:
        return half if number == 1 else ok(b"whole")

    async with serving(script, tls=tls) as (server, transport):
        task = asyncio.ensure_future(get(transport))
        await _wait_until(lambda: len(server.requests) == 1)
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert transport.connections_in_use == 0
        # The rest of the first answer must never be read as the next answer: a new connection serves it.
        assert await get(transport) == (200, b"whole")
        assert server.connections == 2


@BOTH_SCHEMES
async def test_interim_1xx_answers_are_skipped(tls: bool) -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    async with serving(lambda _n, _r: interim + ok(b"final"), tls=tls) as (server, transport):
        assert await get(transport) == (200, b"final")
        assert await get(transport) == (200, b"final")
        assert server.connections == 1


async def test_a_protocol_switch_is_refused() -> None:
    switch = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    async with serving(lambda _n, _r: switch) as (_server, transport):
        with pytest.raises(gizwits.TransportError, match="switched protocols") as caught:
            await get(transport)
        assert caught.value.sent


async def test_redirects_are_handed_back_not_followed_and_cookies_never_sent() -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nSet-Cookie: s=1\r\nContent-Length: 0\r\n\r\n"
    async with serving(lambda _n, _r: redirect) as (server, transport):
        assert await get(transport) == (302, b"")
        assert await get(transport) == (302, b"")
        assert len(server.requests) == 2 and all(b"/app/x " in request for request in server.requests)
        assert not any(b"cookie" in request.lower() for request in server.requests)


async def test_a_malformed_answer_is_a_transport_error() -> None:
    async with serving(lambda _n, _r: b"HTTP/1.1 abc nonsense\r\n\r\n") as (_server, transport):
        with pytest.raises(gizwits.TransportError, match="malformed HTTP answer"):
            await get(transport)


@pytest.mark.parametrize(("encoding", "pack"), [("gzip", gzip.compress), ("deflate", zlib.compress)])
async def test_compressed_answers_are_decoded(encoding: str, pack: Callable[[bytes], bytes]) -> None:
    body = b'{"attr": ' + b"1" * 500 + b"}"
    async with serving(lambda _n, _r: ok(pack(body), f"Content-Encoding: {encoding}")) as (server, transport):
        assert await get(transport) == (200, body)
        assert b"Accept-Encoding: gzip, deflate" in server.requests[0]


@BOTH_SCHEMES
async def test_answers_larger_than_the_limit_are_refused_compressed_or_not(tls: bool) -> None:
    bomb = gzip.compress(b"0" * 100_000)  # ~100 bytes on the wire
    answers = [ok(b"x" * 2000), ok(bomb, "Content-Encoding: gzip")]
    async with serving(lambda _n, _r: answers.pop(0), tls=tls) as (_server, transport):
        with pytest.raises(gizwits.TransportError, match=r"answered more than 1024 bytes \(max_answer_size\)"):
            await get(transport)
        with pytest.raises(gizwits.TransportError, match="answered more than 1024 bytes once decoded"):
            await get(transport)


@pytest.mark.parametrize(("body", "encoding", "error"), [
    (b"plain", b"br", "unsupported Content-Encoding 'br'"),
    (b"not gzip", b"gzip", "does not decode"),
    (gzip.compress(b"x" * 100)[:-12], b"gzip", "truncated"),
])
def test_decode_body_refuses_what_it_cannot_decode(body: bytes, encoding: bytes, error: str) -> None:
    with pytest.raises(Exception, match=error):
        decode_body(body, encoding, 1024)


@BOTH_SCHEMES
async def test_a_slow_answer_times_out_and_its_connection_is_dropped(tls: bool) -> None:
    answers = [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nslow", ok(b"fast")]
    async with serving(lambda _n, _r: answers.pop(0), request_timeout=0.1, tls=tls) as (server, transport):
        with pytest.raises(gizwits.TransportError, match=r"no complete answer within 0.1 s \(timed out\)") as caught:
            await get(transport)
        assert caught.value.sent
        assert await get(transport) == (200, b"fast")
        assert server.connections == 2


async def test_a_refused_connection_was_not_sent() -> None:
    listener = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    transport = FastTransport(base_url=f"http://127.0.0.1:{port}", timeout=Timeout(request=5), pool_size=2)
    with pytest.raises(gizwits.TransportError, match=f"could not connect to 127.0.0.1:{port}") as caught:
        await get(transport)
    assert not caught.value.sent
    assert transport.connections_in_use == 0
    await transport.aclose()


async def test_the_pool_never_opens_more_than_its_size_and_reuses_connections() -> None:
    async with serving(lambda _n, _r: ok(b"{}"), pool_size=3) as (server, transport):
        answers = await asyncio.gather(*(get(transport) for _ in range(50)))
        assert answers == [(200, b"{}")] * 50
        assert server.most_open <= 3 and server.connections <= 3
        assert transport.connections_in_use == 0


async def test_closing_the_pool_ends_requests_in_flight_and_waiting() -> None:
    async with serving(lambda _n, _r: b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", pool_size=1) as (
            _server, transport):
        in_flight = asyncio.ensure_future(get(transport))
        waiting = asyncio.ensure_future(get(transport))
        await asyncio.sleep(0.05)
        await transport.aclose()
        with pytest.raises(gizwits.TransportError, match="pool was closed") as ended:
            await in_flight
        assert ended.value.sent
        with pytest.raises(gizwits.TransportError, match="pool is closed") as refused:
            await waiting
        assert not refused.value.sent
        assert transport.closed and transport.connections_in_use == 0


async def test_paths_go_out_percent_encoded() -> None:
    async with serving(lambda _n, _r: ok(b"{}")) as (server, transport):
        await get(transport, "/app/control/设备 1\r\nX-Evil: 1?limit=5&skip=0")
        await get(transport, "/app/control/%E8%AE%BE")
    assert [request.split(b"\r\n", 1)[0] for request in server.requests] == [
        b"GET /app/control/%E8%AE%BE%E5%A4%87%201%0D%0AX-Evil:%201?limit=5&skip=0 HTTP/1.1",
        b"GET /app/control/%E8%AE%BE HTTP/1.1",
    ]


@pytest.mark.parametrize(("path", "headers"), [
    ("app/x", HEADERS),
    ("/app/x", {"X-Token": "a\r\nX-Evil: 1"}),
    ("/app/x", {"Bad:Name": "v"}),
])
async def test_nothing_that_could_write_its_own_header_leaves(path: str, headers: dict[str, str]) -> None:
    async with serving(lambda _n, _r: ok(b"{}")) as (server, transport):
        with pytest.raises(gizwits.ValidationError):
            await transport.send("GET", path, headers, None)
        assert server.requests == []


async def test_tls_with_a_custom_ca_is_verified() -> None:
    async with serving(lambda _n, _r: ok(b"{}"), tls=True) as (server, transport):
        assert await get(transport) == (200, b"{}")
        assert await get(transport) == (200, b"{}")
        assert server.connections == 1


async def test_an_untrusted_certificate_is_refused_by_default() -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    listener = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    transport = FastTransport(base_url=f"https://127.0.0.1:{port}", timeout=Timeout(request=5), pool_size=1)
    try:
        with pytest.raises(gizwits.TransportError, match="certificate verify failed") as caught:
            await get(transport)
        assert not caught.value.sent
    finally:
        await transport.aclose()
        listener.close()


def test_the_session_sends_through_the_fast_transport_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the suite's own choice of default (GIZWITS_TEST_TRANSPORT) does not apply here
    assert isinstance(gizwits.Session("a", base_url="http://127.0.0.1:1")._transport, FastTransport)
    assert isinstance(gizwits.Session("a", base_url="http://127.0.0.1:1", transport="fast")._transport, FastTransport)
    aiohttp_pool = gizwits.Session("a", base_url="http://127.0.0.1:1", transport="aiohttp")._transport
    assert isinstance(aiohttp_pool, gizwits.transport.AiohttpTransport)
    with pytest.raises(gizwits.ValidationError, match="transport must be"):
        gizwits.Session("a", base_url="http://127.0.0.1:1", transport="curl")  # type: ignore[arg-type]


def test_without_httptools_the_session_says_how_to_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "gizwits_async.transport.fast", None)  # its import now fails
    with pytest.raises(gizwits.ValidationError, match=r"needs httptools: pip install httptools .*transport='aiohttp'"):
        gizwits.Session("a", base_url="http://127.0.0.1:1")
    aiohttp_pool = gizwits.Session("a", base_url="http://127.0.0.1:1", transport="aiohttp")._transport
    assert isinstance(aiohttp_pool, gizwits.transport.AiohttpTransport)


def test_an_environment_proxy_sends_through_the_aiohttp_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    for chosen in ({}, {"transport": "fast"}):
        session = gizwits.Session("a", base_url="https://api.example.invalid", **chosen)  # type: ignore[arg-type]
        assert isinstance(session._transport, gizwits.transport.AiohttpTransport)
    direct = gizwits.Session("a", base_url="https://api.example.invalid", trust_env=False)
    assert isinstance(direct._transport, FastTransport)


async def test_push_sockets_are_opened_with_the_pools_verify() -> None:
    async def hello(request: web.Request) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse()
        await socket_.prepare(request)
        await socket_.send_str("hello")
        await socket_.close()
        return socket_

    app = web.Application()
    app.router.add_get("/ws/app/v1", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls()).start()
    url = f"wss://127.0.0.1:{runner.addresses[0][1]}/ws/app/v1"
    trusting = FastTransport(base_url="https://127.0.0.1:1", timeout=Timeout(), pool_size=1, verify=str(CERT))
    default = FastTransport(base_url="https://127.0.0.1:1", timeout=Timeout(), pool_size=1)
    try:
        opener = trusting.websocket_client()
        assert trusting.websocket_client() is opener  # one per pool
        async with opener.ws_connect(url) as websocket:
            assert (await websocket.receive()).data == "hello"
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await default.websocket_client().ws_connect(url)
    finally:
        await trusting.aclose()
        await default.aclose()
        await runner.cleanup()
    assert opener.closed  # closed with the pool
    with pytest.raises(gizwits.TransportError, match="closed"):
        trusting.websocket_client()
