"""Sending a prepared request: the only package that knows which HTTP library is underneath.

The session hands a transport a method, a path (below the session's base URL), headers and a body, and gets
back the status and the body bytes, or a `TransportError` that says whether the request may have reached the
server and names the host and the reason. Errors, retries and tokens are handled above this line, once,
whichever transport sends. One module per transport: `aiohttp_pool` (the default, the session's own pool),
`aiohttp_lent` (a lent `aiohttp.ClientSession`), `fast` (HTTP/1.1 on asyncio with httptools, imported only
when chosen), `httpx_client` (a lent `httpx.AsyncClient`, imported only
then, so that ``import gizwits_async`` does not load httpx).
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
