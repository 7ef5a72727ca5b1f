"""Sending through an `httpx.AsyncClient` the user lends: its event hooks, proxies, mounts and respx mocks all
apply. Slower on bulk work than the aiohttp transports. The only module that imports httpx."""

from __future__ import annotations

import httpx

from ..errors import TransportError
from .base import Response, Timeout, not_connected, os_reason, too_large

__all__ = ["HttpxTransport"]


class HttpxTransport:
    """Sends through an `httpx.AsyncClient`; never closes it."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, timeout: Timeout, max_answer: int) -> None:
        self.client = client
        self.max_answer = max_answer
        self._base_url = base_url
        self._host = httpx.URL(base_url).netloc.decode("ascii")
        request = timeout.request
        self._timeout = httpx.Timeout(request, connect=timeout.connect_or_request)
        self._leases = 0

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send through the client; httpx errors become `TransportError`."""
        self._leases += 1
        try:
            # The Open API never redirects: a redirect is answered as an error, and no token follows it elsewhere.
            answer = await self.client.request(method, self._base_url + path, content=body, headers=headers,
                                               timeout=self._timeout, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise not_connected(method, path, self._host, self._reason(exc), exc) from exc
        except httpx.TransportError as exc:
            raise TransportError(f"{method} {path}: {self._host}: {self._reason(exc)}", sent=True,
                                 cause=exc) from exc
        finally:
            self._leases -= 1
        if len(answer.content) > self.max_answer:
            raise too_large(method, path, self._host, self.max_answer)
        return Response(answer.status_code, answer.content)

    @staticmethod
    def _reason(exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out ({type(exc).__name__})"
        return os_reason(exc)

    async def aclose(self) -> None:
        """Nothing to release: the client belongs to whoever passed it."""

    @property
    def closed(self) -> bool:
        """Whether the client is closed."""
        return self.client.is_closed

    @property
    def connections_in_use(self) -> int:
        """Requests this transport has in flight now (0 when idle)."""
        return self._leases
