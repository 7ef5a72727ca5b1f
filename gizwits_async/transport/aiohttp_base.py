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
from .base import Response, Timeout, os_reason

__all__ = ["AiohttpSender"]


class AiohttpSender:
    """Sends requests below ``base_url`` through the `aiohttp.ClientSession` that `_client` returns."""

    def __init__(self, *, base_url: str, timeout: Timeout) -> None:
        self._base_url = base_url
        base = URL(base_url)
        # A base URL with no path, query or fragment (the common case) takes a path by `with_path`: quoting
        # one path costs a quarter of parsing a whole URL, per request.
        plain = base.raw_path in ("", "/") and not base.raw_query_string and not base.raw_fragment
        self._origin = base if plain else None
        #: How errors name the server: its host, and its port when the URL gives one.
        self.host = base.host if base.explicit_port is None else f"{base.host}:{base.explicit_port}"
        # Headers come as the same dict for every request with one token: converted once, not per request.
        self._headers: tuple[dict[str, str] | None, CIMultiDict[str]] = (None, CIMultiDict())
        self.timeout = timeout
        #: Extra keyword arguments of every `ClientSession.request` (what a subclass needs per request).
        self._options: dict[str, Any] = {}
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
        try:
            # Awaited, not `async with`: read() releases the connection, or closes it if reading fails, so the
            # context manager would only add four coroutines per request.
            answer = await client.request(method, self._url(path), data=body, headers=self._multidict(headers),
                                          **self._options)
            return Response(answer.status, await answer.read())
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise TransportError(f"{method} {path}: {self._not_connected(exc)}", sent=False, cause=exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransportError(f"{method} {path}: {self._failed(exc)}", sent=True, cause=exc) from exc
        except asyncio.CancelledError:
            # Closing the pool cancels the requests still waiting for a connection; that is no cancellation
            # of the caller's task, so it must not leak out as one.
            task = asyncio.current_task()
            if not self._closing or (task is not None and task.cancelling()):
                raise
            raise TransportError(f"{method} {path}: the connection pool was closed", sent=False) from None
        finally:
            self._leases -= 1

    def _not_connected(self, exc: Exception) -> str:
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return f"could not connect to {self.host}: no connection within {self.timeout.connect_or_request} s"
        return f"could not connect to {self.host}: {os_reason(exc)}"

    def _failed(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"{self.host} sent no complete answer within {self.timeout.request} s (timed out)"
        return f"{self.host}: {os_reason(exc)}"

    @property
    def connections_in_use(self) -> int:
        """Requests this transport has in flight now, each holding or awaiting a connection (0 when idle)."""
        return self._leases
