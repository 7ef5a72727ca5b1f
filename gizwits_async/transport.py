"""Sending a prepared request: the only module that knows which HTTP library is underneath.

The session hands a transport a method, a path (below the session's base URL), headers and a body, and gets
back the status and the body bytes, or a `TransportError` that says whether the request may have reached the
server. Errors, retries and tokens are handled above this line, once, whichever transport sends.

- `AiohttpTransport` is the default: a session-owned aiohttp pool driven directly. Per request it skips what
  buys a client nothing: parsing the whole URL again (it joins the checked path to the parsed base URL),
  converting the same headers again (once per token), the cookie jar on every answer, and the httpx layer's
  URL merging, header merging and stream wrappers. aiohttp's pool also keeps up with hundreds of connections
  where httpx 0.28's pool scans every connection on every event.
- `HttpxTransport` sends through an `httpx.AsyncClient` the user injected, so its event hooks, proxies, mounts
  and respx mocks all apply; it is slower on bulk work.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple, Protocol

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

from .errors import TransportError

__all__ = ["AiohttpTransport", "HttpxTransport", "Response", "Transport", "make_timeout"]


class Response(NamedTuple):
    """What the session needs of an answer (a NamedTuple: one is built per request)."""

    status: int
    body: bytes


class Transport(Protocol):
    """Sends one request. Raises `TransportError` for anything below HTTP."""

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send the request for ``path`` (with its query string) and read the whole answer."""
        ...

    async def aclose(self) -> None:
        """Release what the transport owns."""
        ...

    @property
    def closed(self) -> bool:
        """Whether requests can no longer be sent (closed here, or by whoever owns the pool)."""
        ...


def make_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    """The session's timeout as an `httpx.Timeout` (a number applies to connect, read, write and pool)."""
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


class HttpxTransport:
    """Sends through an `httpx.AsyncClient`; closes it only if it was created here."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, timeout: httpx.Timeout, owned: bool) -> None:
        self.client = client
        self._base_url = base_url
        self._timeout = timeout
        self._owned = owned

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send through the client; httpx errors become `TransportError`."""
        try:
            answer = await self.client.request(method, self._base_url + path, content=body, headers=headers,
                                               timeout=self._timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransportError(f"{method} {path}: could not connect ({type(exc).__name__})",
                                 sent=False, cause=exc) from exc
        except httpx.TransportError as exc:
            raise TransportError(f"{method} {path}: {_describe(exc)}", sent=True, cause=exc) from exc
        return Response(answer.status_code, answer.content)

    async def aclose(self) -> None:
        """Close the client if this transport created it."""
        if self._owned:
            await self.client.aclose()

    @property
    def closed(self) -> bool:
        """Whether the client is closed."""
        return self.client.is_closed


class AiohttpTransport:
    """A session-owned aiohttp connection pool, sized to the session's concurrency, with no cookie jar."""

    def __init__(self, *, base_url: str, timeout: httpx.Timeout, pool_size: int, verify: bool = True) -> None:
        self._base_url = base_url
        base = URL(base_url)
        # A base URL with no path, query or fragment (the common case) takes a path by `with_path`: quoting
        # one path costs a quarter of parsing a whole URL, per request.
        plain = base.raw_path in ("", "/") and not base.raw_query_string and not base.raw_fragment
        self._origin = base if plain else None
        # Headers come as the same dict for every request with one token: converted once, not per request.
        self._headers: tuple[dict[str, str] | None, CIMultiDict[str]] = (None, CIMultiDict())
        self._timeout = timeout
        self._pool_size = pool_size
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None  # created on first use, inside the event loop
        self._closed = False

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise TransportError("the connection pool is closed", sent=False)
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, ssl=self._verify, ttl_dns_cache=300
        )
        # The read timeout bounds each whole request (one timer, where sock_read re-arms one per chunk read);
        # the connect timeout bounds opening a connection.
        timeout = aiohttp.ClientTimeout(total=self._timeout.read, sock_connect=self._timeout.connect)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False,
            auto_decompress=True,
        )
        return self._session

    def _url(self, path: str) -> URL:
        if self._origin is not None and "?" not in path and "%" not in path:
            return self._origin.with_path(path)
        return URL(self._base_url + path)

    def _multidict(self, headers: dict[str, str]) -> CIMultiDict[str]:
        seen, converted = self._headers
        if headers is not seen:
            converted = CIMultiDict(headers)
            self._headers = (headers, converted)
        return converted

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send through the pool; aiohttp and socket errors become `TransportError`."""
        session = self._session or self._open()
        try:
            # Awaited, not `async with`: read() releases the connection, or closes it if reading fails, so the
            # context manager would only add four coroutines per request.
            answer = await session.request(method, self._url(path), data=body, headers=self._multidict(headers))
            return Response(answer.status, await answer.read())
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise TransportError(f"{method} {path}: could not connect ({type(exc).__name__})",
                                 sent=False, cause=exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransportError(f"{method} {path}: {_describe(exc)}", sent=True, cause=exc) from exc
        except asyncio.CancelledError:
            # Closing the pool cancels the requests still waiting for a connection; that is no cancellation
            # of the caller's task, so it must not leak out as one.
            task = asyncio.current_task()
            if not self._closed or (task is not None and task.cancelling()):
                raise
            raise TransportError(f"{method} {path}: the connection pool was closed", sent=False) from None

    async def aclose(self) -> None:
        """Close the pool and its connections."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def closed(self) -> bool:
        """Whether `aclose` was called."""
        return self._closed

    @property
    def connections_in_use(self) -> int:
        """Connections currently lent out by the pool (0 when idle; for leak checks)."""
        if self._session is None:
            return 0
        connector = self._session.connector
        return len(connector._acquired) if connector is not None else 0


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError | httpx.TimeoutException):
        return f"timed out before a complete answer ({type(exc).__name__})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
