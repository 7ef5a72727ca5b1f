"""The fast transport: HTTP/1.1 keep-alive connections on `asyncio.Protocol`, answers parsed by httptools.

It sends what the Gizwits API needs and nothing more: one request with its whole body, one answer read whole
(Content-Length, chunked or until close; gzip or deflate decoded; at most ``max_answer`` bytes as sent and as
decoded), connections kept alive in a pool of at most ``pool_size``, TLS verified by Python's `ssl`. It refuses
what that API never does: a 3xx is handed back as it is (no redirect followed), cookies are neither kept nor
sent, bodies are bytes (no uploads, no streams), a protocol switch (101) is an error. It is the session's
default pool; where the environment names a proxy for the host, `make_transport` sends through the aiohttp pool
instead.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import zlib
from collections import deque
from typing import cast
from urllib.parse import quote, urlsplit

import aiohttp
import httptools

from ..errors import TransportError, ValidationError
from .aiohttp_base import DEFAULT_MAX_ANSWER
from .aiohttp_pool import Verify, ssl_setting
from .base import Response, Timeout, answer_failed, no_connection_within, not_connected, os_reason, pool_closed

__all__ = ["FastTransport", "decode_body"]

#: Anything but visible ASCII in a header would let a value write its own header.
_UNSAFE = re.compile(r"[^\x20-\x7e]|^ | $")
#: What a request path may carry as it is; anything else is percent-encoded (UTF-8), as browsers and yarl do.
_PATH_SAFE = "/?&=%:@!$'()*+,;~-._"
#: The lengths of the headers read: Content-Encoding, Content-Length, Transfer-Encoding.
_WATCHED_LENGTHS = frozenset((16, 14, 17))
_WBITS = {b"gzip": 16 + zlib.MAX_WBITS, b"x-gzip": 16 + zlib.MAX_WBITS, b"deflate": zlib.MAX_WBITS}


class AnswerError(Exception):
    """The answer broke HTTP/1.1 or a limit of this transport."""


def decode_body(body: bytes, encoding: bytes, limit: int) -> bytes:
    """``body`` without its Content-Encoding (gzip, deflate, identity), at most ``limit`` bytes once decoded."""
    if not encoding or encoding == b"identity":
        return body
    wbits = _WBITS.get(encoding)
    if wbits is None:
        raise AnswerError(f"unsupported Content-Encoding {encoding.decode('latin-1')!r}")
    try:
        decoder = zlib.decompressobj(wbits)
        data = decoder.decompress(body, limit + 1)
    except zlib.error as exc:
        raise AnswerError(f"the {encoding.decode()} body does not decode: {exc}") from None
    if len(data) > limit:
        raise AnswerError(f"answered more than {limit} bytes once decoded (max_answer_size)")
    if not decoder.eof:
        raise AnswerError(f"the {encoding.decode()} body is truncated")
    return data


class _Connection(asyncio.Protocol):
    """One connection: writes a request, feeds what arrives to the parser, resolves ``waiter`` with the answer."""

    def __init__(self, limit: int) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport
        self.limit = limit
        self.waiter: asyncio.Future[None] | None = None
        self.lost = False
        self.keep_alive = False
        self.deadline = 0.0  # the loop time by which the answer must be complete
        #: Whether the end of the connection may end an unframed answer (TLS: only after the server's close_notify).
        self.clean_end = True
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.chunks: list[bytes] = []
        self.size = 0
        self.encoding = b""
        self.framed = False  # Content-Length or chunked: otherwise the body ends when the server closes

    def request(self, data: bytes, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """Send ``data`` (a whole request); the future resolves once the whole answer has arrived."""
        self._reset()
        self.waiter = waiter = loop.create_future()
        self.transport.write(data)
        return waiter

    def answer(self) -> tuple[int, bytes, bytes]:
        """The status, body and Content-Encoding of the answer that resolved the waiter."""
        chunks = self.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self.status, body, self.encoding

    def fail(self, exc: BaseException) -> None:
        """End the exchange with ``exc`` and the connection with it (it is no longer in a known state)."""
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.transport.abort()

    # -- asyncio.Protocol -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        unframed = self.status >= 200 and not self.framed  # an answer delimited by the end of the connection
        if unframed and self.clean_end:
            self.keep_alive = False
            waiter.set_result(None)
        elif unframed and exc is None:  # TLS without close_notify: a cut connection would look the same
            waiter.set_exception(AnswerError("the connection ended without TLS close_notify: the answer may be cut"))
        else:
            waiter.set_exception(exc or ConnectionResetError("the server closed the connection"))

    def feed(self, data: bytes) -> None:
        """Parse ``data``, the next bytes of the answer as the server sent it (decrypted, for TLS)."""
        if self.waiter is None or self.waiter.done():
            self.fail(AnswerError("the server sent bytes no request asked for"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(AnswerError("the server switched protocols (101), which this client never asks for"))
        except httptools.HttpParserError as exc:
            self.fail(AnswerError(f"malformed HTTP answer: {exc}"))

    data_received = feed  # on plain TCP, what arrives is the answer as sent

    # -- httptools callbacks --------------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) not in _WATCHED_LENGTHS:  # most headers, skipped without lower-casing them
            return
        name = name.lower()
        if name == b"content-encoding":
            self.encoding = value.strip().lower()
        elif name in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.limit:
            self.fail(AnswerError(f"answered more than {self.limit} bytes (max_answer_size)"))
        else:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200:  # 1xx: an interim answer; the real one follows on the same connection
            self._reset()
            return
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class _TLSConnection(_Connection):
    """A connection that speaks TLS itself, through Python's `ssl` over memory buffers.

    asyncio's own TLS layer costs about twenty Python calls and a raised `ssl.SSLWantReadError` per answer;
    here what arrives is decrypted in one call and a request encrypted in one. The certificate and host name
    are checked by ``context`` during `handshake`, as asyncio would.
    """

    def __init__(self, limit: int, context: ssl.SSLContext, hostname: str) -> None:
        super().__init__(limit)
        self.clean_end = False
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=hostname)
        #: Done once the handshake is (made by the loop's protocol factory, inside the running loop).
        self._shaken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def handshake(self) -> None:
        """Run the TLS handshake; `ssl.SSLError` (an `OSError`) if it fails, the certificate included."""
        self._shake()
        try:
            await self._shaken
        except BaseException:  # failed, timed out or cancelled: the connection is of no use
            self.transport.abort()
            raise

    def _shake(self) -> None:
        shaken = self._shaken
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return
        except ssl.SSLError as exc:
            self._flush()  # the alert that says why
            shaken.set_exception(exc)
            return
        self._flush()
        shaken.set_result(None)

    def _flush(self) -> None:
        if self._outgoing.pending:
            self.transport.write(self._outgoing.read())

    def request(self, data: bytes, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        self._tls.write(data)
        return super().request(self._outgoing.read(), loop)

    def data_received(self, data: bytes) -> None:
        self._incoming.write(data)
        if not self._shaken.done():
            self._shake()
            return
        tls, incoming = self._tls, self._incoming
        try:
            while not self.lost:
                plain = tls.read(65536)
                if not plain:  # the server's close_notify: nothing more can come, the answer ends here
                    self.clean_end = True
                    self.transport.close()
                    break
                self.feed(plain)
                if not incoming.pending and not tls.pending():  # all read: no SSLWantReadError to raise
                    break
        except ssl.SSLWantReadError:  # the rest of a record is still on its way
            pass
        except ssl.SSLError as exc:
            self.fail(exc)
            return
        self._flush()  # what reading may have to answer (a key update)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._shaken.done():
            closed = ConnectionResetError("the server closed the connection in the TLS handshake")
            self._shaken.set_exception(exc or closed)
        super().connection_lost(exc)


class FastTransport:
    """A session-owned pool of HTTP/1.1 keep-alive connections to the base URL's host, at most ``pool_size``.

    ``max_answer``: the largest answer body accepted, before and after decompression (a larger one is a
    `TransportError`).
    """

    def __init__(self, *, base_url: str, timeout: Timeout, pool_size: int, verify: Verify = True,
                 max_answer: int = DEFAULT_MAX_ANSWER) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValidationError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
        self._address = (url.hostname, url.port or (443 if url.scheme == "https" else 80))
        self._verify = ssl_setting(verify)
        self._ssl = _ssl_context(self._verify) if url.scheme == "https" else None
        self._websockets: aiohttp.ClientSession | None = None  # opened for the push API, if it is used
        #: How errors name the server: its host, and its port when the URL gives one.
        self.host = url.netloc.rpartition("@")[2]
        self._prefix = url.path.rstrip("/")
        self.timeout = timeout
        self._size = pool_size
        self._max_answer = max_answer
        self._common = f"Host: {self.host}\r\nAccept-Encoding: gzip, deflate\r\n".encode("ascii")
        self._headers: tuple[dict[str, str] | None, bytes] = (None, b"")
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()  # open ones, idle or busy: closing the pool ends them all
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._open = 0  # connections open or being opened
        self._leases = 0
        self._closing = False
        self._seconds = timeout.request
        #: How often the sweeper looks for requests past their deadline: a tenth of the timeout, at most 1 s.
        self._sweep_every = 0.0 if timeout.request is None else min(timeout.request / 10, 1.0)
        self._sweeper: asyncio.TimerHandle | None = None

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send the request and read the whole answer; socket, TLS, protocol and size errors become
        `TransportError`."""
        data = self._request(method, path, headers, body)
        self._leases += 1
        try:
            connection = self._idle.pop() if self._idle and not self._closing else None
            if connection is None or connection.lost:
                if connection is not None:
                    self._forget(connection)
                connection = await self._acquire(method, path)
            try:
                await self._started(connection, data)
                status, raw, encoding = connection.answer()
                answer = Response(status, decode_body(raw, encoding, self._max_answer) if encoding else raw)
            except BaseException as exc:
                connection.fail(exc)
                self._discard(connection)
                if isinstance(exc, TimeoutError | OSError | AnswerError):
                    raise TransportError(f"{method} {path}: {self._failed(exc)}", sent=True, cause=exc) from exc
                raise
            self._release(connection)
            return answer
        finally:
            self._leases -= 1

    def _started(self, connection: _Connection, data: bytes) -> asyncio.Future[None]:
        """Send ``data`` on ``connection`` under the request timeout; the future resolves with the answer.

        One sweeping timer per pool fails the connections past their deadline (to within a tenth of the
        timeout, at most 1 s late): a timer per request cost more than the rest of the transport's work.
        """
        loop = asyncio.get_running_loop()
        waiter = connection.request(data, loop)
        if self._seconds is not None:
            connection.deadline = loop.time() + self._seconds
            if self._sweeper is None:
                self._sweeper = loop.call_later(self._sweep_every, self._sweep)
        return waiter

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        now, busy = loop.time(), False
        for connection in self._all:
            waiter = connection.waiter
            if waiter is not None and not waiter.done():
                if connection.deadline <= now:
                    connection.fail(TimeoutError())
                else:
                    busy = True
        self._sweeper = loop.call_later(self._sweep_every, self._sweep) if busy else None

    def _request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> bytes:
        if not path.startswith("/"):
            raise ValidationError(f"request path must start with '/', got {path!r:.80}")
        if not (path.isascii() and path.isprintable()) or " " in path:  # (the usual path: two C calls, no regex)
            path = quote(path, safe=_PATH_SAFE)
        seen, block = self._headers
        if headers is not seen:  # the same dict for every request with one token: encoded once
            block = self._header_block(headers)
            self._headers = (headers, block)
        head = f"{method} {self._prefix}{path} HTTP/1.1\r\n".encode("ascii")
        if body is None:
            return head + block + b"\r\n"
        return b"".join((head, block, b"Content-Length: %d\r\n\r\n" % len(body), body))

    def _header_block(self, headers: dict[str, str]) -> bytes:
        lines = []
        for name, value in headers.items():
            if _UNSAFE.search(name) or _UNSAFE.search(value) or ":" in name or not name:
                raise ValidationError(f"header {name!r:.40} or its value is not visible ASCII on one line")
            lines.append(f"{name}: {value}\r\n")
        return self._common + "".join(lines).encode("ascii")

    # -- the pool -------------------------------------------------------------------------------------

    async def _acquire(self, method: str, path: str) -> _Connection:
        """An idle live connection, a new one if the pool has room, else the next one released."""
        while True:
            if self._closing:
                raise pool_closed(method, path)
            idle = self._take_idle()
            if idle is not None:
                return idle
            if self._open < self._size:
                self._open += 1
                try:
                    return await self._connect(method, path)
                except BaseException:
                    self._discard(None)
                    raise
            waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # woken at the same time: pass it on
                    self._pass_on(waiter.result())
                raise
            if handed is not None and not handed.lost:
                return handed
            if handed is not None:
                self._forget(handed)

    def _take_idle(self) -> _Connection | None:
        """An idle live connection, or None; the ones the server closed while they were idle are forgotten."""
        while self._idle:
            connection = self._idle.pop()
            if not connection.lost:
                return connection
            self._forget(connection)
        return None

    async def _connect(self, method: str, path: str) -> _Connection:
        host, port = self._address
        limit, context = self._max_answer, self._ssl
        try:
            async with asyncio.timeout(self.timeout.connect_or_request):
                _, connection = await asyncio.get_running_loop().create_connection(
                    lambda: _Connection(limit) if context is None else _TLSConnection(limit, context, host),
                    host, port)
                if isinstance(connection, _TLSConnection):
                    await connection.handshake()
        except TimeoutError as exc:
            raise not_connected(method, path, self.host, no_connection_within(self.timeout), exc) from exc
        except OSError as exc:
            raise not_connected(method, path, self.host, os_reason(exc), exc) from exc
        if self._closing:  # closed while this connection was being opened
            connection.fail(ConnectionResetError("the pool was closed"))
            raise pool_closed(method, path)
        self._all.add(connection)
        return connection

    def _release(self, connection: _Connection) -> None:
        if connection.lost or not connection.keep_alive or self._closing:
            connection.fail(ConnectionResetError("closed by the client"))
            self._discard(connection)
        else:
            self._pass_on(connection)

    def _discard(self, connection: _Connection | None) -> None:
        """A connection of the pool (or one being opened) is gone: its place goes to the next waiter, if any."""
        self._forget(connection)
        self._pass_on(None)

    def _forget(self, connection: _Connection | None) -> None:
        self._open -= 1
        if connection is not None:
            self._all.discard(connection)

    def _pass_on(self, connection: _Connection | None) -> None:
        """Hand ``connection`` (or, for None, room for a new one) to the first waiter still waiting."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is not None:
            self._idle.append(connection)

    def _failed(self, exc: BaseException) -> str:
        return f"{self.host}: {exc}" if isinstance(exc, AnswerError) else answer_failed(self.host, self.timeout, exc)

    def websocket_client(self) -> aiohttp.ClientSession:
        """An aiohttp session for opening WebSockets (the push API) with this pool's ``verify``; closed with it."""
        if self._closing:
            raise pool_closed()
        if self._websockets is None:
            self._websockets = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._verify),
                                                     cookie_jar=aiohttp.DummyCookieJar())
        return self._websockets

    async def aclose(self) -> None:
        """Close every connection; requests in flight or waiting for a connection fail with `TransportError`."""
        self._closing = True
        self._idle = []
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for connection in list(self._all):
            connection.fail(ConnectionResetError("the pool was closed"))
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
        websockets, self._websockets = self._websockets, None
        if websockets is not None:
            await websockets.close()

    @property
    def closed(self) -> bool:
        """Whether `aclose` was called."""
        return self._closing

    @property
    def connections_in_use(self) -> int:
        """Requests this transport has in flight now, each holding or awaiting a connection (0 when idle)."""
        return self._leases


def _ssl_context(setting: bool | ssl.SSLContext) -> ssl.SSLContext:
    if isinstance(setting, ssl.SSLContext):
        return setting
    if setting:
        return ssl.create_default_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
