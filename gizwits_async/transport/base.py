"""What every transport shares: the `Transport` protocol, the `Response` it returns, the `Timeout` it honours."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

import attrs

from ..errors import TransportError, ValidationError
from ..validation import check_seconds

if TYPE_CHECKING:
    import aiohttp

__all__ = ["OpensWebSockets", "Response", "Timeout", "Transport", "answer_failed", "make_timeout",
           "no_connection_within", "not_connected", "os_reason", "pool_closed", "too_large"]


class Response(NamedTuple):
    """What the session needs of an answer (a NamedTuple: one is built per request)."""

    status: int
    body: bytes


class Transport(Protocol):
    """Sends one request. Raises `TransportError` for anything below HTTP.

    Implementations: `FastTransport` (the session's own pool by default), `AiohttpTransport` (aiohttp's pool),
    `LentAiohttpTransport` (an `aiohttp.ClientSession` the user lends), `HttpxTransport` (an
    `httpx.AsyncClient` the user lends).
    """

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send the request for ``path`` (with its query string, below the base URL) and read the whole answer."""
        ...

    async def aclose(self) -> None:
        """Release what the transport owns (never a client it was lent)."""
        ...

    @property
    def closed(self) -> bool:
        """Whether requests can no longer be sent (closed here, or by whoever owns the pool)."""
        ...

    @property
    def connections_in_use(self) -> int:
        """Requests this transport has in flight now (0 when idle; for leak checks)."""
        ...


@runtime_checkable
class OpensWebSockets(Protocol):
    """A transport that also opens WebSockets (the push API) with its own settings (TLS verification)."""

    def websocket_client(self) -> aiohttp.ClientSession:
        """The aiohttp session to open WebSockets with; the transport closes it."""
        ...


def _seconds(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_seconds(value, f"timeout {attribute.name}", optional=True)


@attrs.frozen
class Timeout:
    """How long the session waits, whichever transport sends.

    ``request``: one request, from sending it to the end of its answer. ``connect``: opening a connection (None:
    the same as ``request``). ``total``: a whole call, its retries, the waits between them and any token renewal
    included (None: no bound beyond each request's). Each is seconds > 0, or None for no limit.
    """

    request: float | None = attrs.field(default=10.0, validator=_seconds)
    connect: float | None = attrs.field(default=None, validator=_seconds)
    total: float | None = attrs.field(default=None, validator=_seconds)

    @property
    def connect_or_request(self) -> float | None:
        """The bound on opening a connection."""
        return self.request if self.connect is None else self.connect


def make_timeout(timeout: object) -> Timeout:
    """A `Timeout` from seconds, a `Timeout`, or an `httpx.Timeout` (its read and connect timeouts)."""
    if isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        return Timeout(request=timeout)
    httpx = sys.modules.get("httpx")  # an httpx.Timeout exists only once httpx was imported: no import here
    if httpx is not None and isinstance(timeout, httpx.Timeout):
        return Timeout(request=timeout.read, connect=timeout.connect)
    raise ValidationError(f"timeout must be seconds, a gizwits_async.Timeout or an httpx.Timeout, got {timeout!r}")


def os_reason(exc: BaseException) -> str:
    """The operating system's words for why ``exc`` happened ("name or service not known"), else its text.

    HTTP libraries wrap the `OSError` (aiohttp keeps it as ``os_error``, httpx as a cause); the first one
    found in the chain of causes is the reason a user can act on.
    """
    seen: BaseException | None = exc
    for _ in range(8):  # a bounded walk: chains are short, and may be cyclic
        if seen is None:
            break
        os_error = getattr(seen, "os_error", seen)
        if isinstance(os_error, OSError) and os_error.strerror:
            text: str = os_error.strerror
            return text[:1].lower() + text[1:]
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# How every transport words its failures, so that a message reads the same whichever one sent the request.


def not_connected(method: str, path: str, host: str, reason: str, cause: BaseException) -> TransportError:
    """The error of a request that never left: no connection to ``host``, for ``reason``."""
    return TransportError(f"{method} {path}: could not connect to {host}: {reason}", sent=False, cause=cause)


def no_connection_within(timeout: Timeout) -> str:
    """The reason of a connection not made within the connect timeout."""
    return f"no connection within {timeout.connect_or_request} s"


def answer_failed(host: str, timeout: Timeout, exc: BaseException) -> str:
    """Why a request that was sent got no whole answer: the request timeout ran out, or the OS's reason."""
    if isinstance(exc, TimeoutError):
        return f"{host} sent no complete answer within {timeout.request} s (timed out)"
    return f"{host}: {os_reason(exc)}"


def pool_closed(method: str = "", path: str = "") -> TransportError:
    """The error of a request (``method`` and ``path``, when there is one) refused because its pool is closed."""
    request = f"{method} {path}: " if method else ""
    return TransportError(f"{request}the connection pool is closed", sent=False)


def too_large(method: str, path: str, host: str, limit: int) -> TransportError:
    """The error of an answer over ``max_answer_size``, refused without being read further."""
    return TransportError(f"{method} {path}: {host} answered more than {limit} bytes (max_answer_size)", sent=True)
