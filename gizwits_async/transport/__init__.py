"""Sending a prepared request: the only package that knows which HTTP library is underneath.

The session hands a transport a method, a path (below the session's base URL), headers and a body, and gets
back the status and the body bytes, or a `TransportError` that says whether the request may have reached the
server and names the host and the reason. Errors, retries and tokens are handled above this line, once,
whichever transport sends. One module per transport: `fast` (the default pool: HTTP/1.1 on asyncio with
httptools, imported when a session first opens one), `aiohttp_pool` (aiohttp's pool, on request or behind a
proxy), `aiohttp_lent` (a lent `aiohttp.ClientSession`), `httpx_client` (a lent `httpx.AsyncClient`, imported
only then, so that ``import gizwits_async`` does not load httpx).
"""

from __future__ import annotations

from .aiohttp_lent import LentAiohttpTransport
from .aiohttp_pool import AiohttpTransport, Verify
from .base import Response, Timeout, Transport, make_timeout
from .choice import TransportName, make_transport

__all__ = [
    "AiohttpTransport",
    "LentAiohttpTransport",
    "Response",
    "Timeout",
    "Transport",
    "TransportName",
    "Verify",
    "make_timeout",
    "make_transport",
]
