"""Sending through an `aiohttp.ClientSession`: what the session's own pool and a lent aiohttp session share.

Per request it skips what buys a client nothing: parsing the whole URL again (it joins the checked path to the
parsed base URL) and converting the same headers again (once per token).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..errors import TransportError
from .base import Response, Timeout, answer_failed, no_connection_within, not_connected, os_reason, too_large

__all__ = ["DEFAULT_MAX_ANSWER", "RESENT_BY_AIOHTTP", "AiohttpSender", "send_once"]

#: The largest answer read by default (compressed and decompressed): Open API answers are a few KiB.
DEFAULT_MAX_ANSWER = 4 * 1024 * 1024


#: The methods of a request aiohttp sends a second time, by itself, when the reused connection it went out on
#: fails (RFC 9112's idempotent methods; a POST is never sent again).
RESENT_BY_AIOHTTP = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


class _NotResent(aiohttp.ClientError):
    """A failure of a request on a reused connection that aiohttp would have answered by sending it again."""


async def send_once(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
    """An aiohttp client middleware: a request goes out at most once.

    aiohttp sends an idempotent-method request (PUT and DELETE included) a second time when the reused connection
    it went out on was closed; the session's retry policy would not know, and an account change could be applied
    twice. Here the failure is raised as is (wrapped so that aiohttp does not retry it), and the policy decides.
    Given per request to the methods of `RESENT_BY_AIOHTTP` only: a middleware costs each request it wraps.
    """
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # the connection never opened: nothing was sent, and aiohttp does not retry it either
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise _NotResent(str(exc)) from exc


def scrubbed(exc: BaseException) -> BaseException:
    """``exc`` as the cause of a `TransportError`, without what may quote a secret.

    aiohttp's response errors keep the request's headers (the user token among them) in ``request_info``, which
    their repr shows: such an error is replaced by a plain `ConnectionError` with its status and message.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        return ConnectionError(f"{type(exc).__name__}: {exc.status}, {exc.message}")
    return exc


class AiohttpSender:
    """Sends requests below ``base_url`` through the `aiohttp.ClientSession` that `_client` returns."""

    def __init__(self, *, base_url: str, timeout: Timeout, max_answer: int = DEFAULT_MAX_ANSWER) -> None:
        self._base_url = base_url
        base = URL(base_url)
        # A base URL with no path, query or fragment (the common case) takes a path by `with_path`: quoting
        # one path costs a quarter of parsing a whole URL, per request.
        plain = base.raw_path in ("", "/") and not base.raw_query_string and not base.raw_fragment
        self._origin = base if plain else None
        #: How errors name the server: its host, and its port when the URL gives one.
        host = base.host or ""  # (the session checked that the base URL has one)
        self.host = host if base.explicit_port is None else f"{host}:{base.explicit_port}"
        # Headers come as the same dict for every request with one token: converted once, not per request.
        self._headers: tuple[dict[str, str] | None, CIMultiDict[str]] = (None, CIMultiDict())
        self.timeout = timeout
        #: Extra keyword arguments of every `ClientSession.request` (what a subclass needs per request). The Open
        #: API never redirects: a redirect is answered as the error it is, and no token follows it elsewhere.
        self._options: dict[str, Any] = {"allow_redirects": False}
        #: Those of a request whose method aiohttp sends again by itself (`RESENT_BY_AIOHTTP`).
        self._once_options = self._options
        self.max_answer = max_answer
        self._leases = 0
        self._closing = False

    def _client(self) -> aiohttp.ClientSession:
        """The aiohttp session to send through."""
        raise NotImplementedError

    def websocket_client(self) -> aiohttp.ClientSession:
        """The aiohttp session requests go through, for opening WebSockets (the push API) on it too."""
        return self._client()

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
        """Send through the aiohttp session; aiohttp and socket errors become `TransportError`."""
        client = self._client()
        self._leases += 1
        failure: TransportError
        try:
            # Awaited, not `async with`: read() releases the connection, or closes it if reading fails, so the
            # context manager would only add four coroutines per request.
            answer = await client.request(method, self._url(path), data=body, headers=self._multidict(headers),
                                          **(self._once_options if method in RESENT_BY_AIOHTTP else self._options))
            if answer.content.is_eof():
                # Already all received (a small answer comes with its headers; flow control keeps a large one
                # from arriving whole before it is read): one read, then the size check. The usual case.
                received = await answer.read()
                if len(received) <= self.max_answer:
                    return Response(answer.status, received)
                failure = self._too_large(answer, method, path)
            else:
                return Response(answer.status, await self._read(answer, method, path))
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            reason = no_connection_within(self.timeout) if isinstance(exc, aiohttp.ConnectionTimeoutError) else None
            failure = not_connected(method, path, self.host, reason or os_reason(exc), scrubbed(exc))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            reason = answer_failed(self.host, self.timeout, exc)
            failure = TransportError(f"{method} {path}: {reason}", sent=True, cause=scrubbed(exc))
        except asyncio.CancelledError:
            # Closing the pool cancels the requests still waiting for a connection; that is no cancellation
            # of the caller's task, so it must not leak out as one.
            task = asyncio.current_task()
            if not self._closing or (task is not None and task.cancelling()):
                raise
            raise TransportError(f"{method} {path}: the connection pool was closed", sent=False) from None
        finally:
            self._leases -= 1
        raise failure  # outside the except clause: aiohttp's exception is not kept as the context either

    async def _read(self, answer: aiohttp.ClientResponse, method: str, path: str) -> bytes:
        """The whole answer body, still arriving: at most ``max_answer`` bytes as sent (compressed) and as decoded."""
        limit = self.max_answer
        length = answer.content_length
        if length is not None and length <= limit and "Content-Encoding" not in answer.headers:
            return await answer.read()  # bounded by its declared length: read in one go
        if length is None or length <= limit:
            chunks = []
            size = 0
            async for chunk in answer.content.iter_any():
                size += len(chunk)
                if size > limit:
                    break
                chunks.append(chunk)
            else:
                answer.release()
                return b"".join(chunks)
        raise self._too_large(answer, method, path)

    def _too_large(self, answer: aiohttp.ClientResponse, method: str, path: str) -> TransportError:
        answer.close()
        return too_large(method, path, self.host, self.max_answer)

    @property
    def connections_in_use(self) -> int:
        """Requests this transport has in flight now, each holding or awaiting a connection (0 when idle)."""
        return self._leases
