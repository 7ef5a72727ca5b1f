"""Which transport a session sends through: the client the user lent, or one of the session's own pools."""

from __future__ import annotations

import sys
from typing import Literal

import aiohttp
from yarl import URL

from ..errors import ValidationError
from .aiohttp_base import DEFAULT_MAX_ANSWER
from .aiohttp_lent import LentAiohttpTransport
from .aiohttp_pool import AiohttpTransport, Verify, env_proxy
from .base import Timeout, Transport

__all__ = ["DEFAULT_TRANSPORT", "TransportName", "make_transport"]

#: The session's own pools: "fast" (HTTP/1.1 on asyncio, parsed by httptools) or "aiohttp" (aiohttp's pool).
TransportName = Literal["aiohttp", "fast"]
#: The pool a session opens when it is given neither a client nor a transport name: the fast one, at a third of
#: aiohttp's CPU per request (benchmarks/RESULTS.md).
DEFAULT_TRANSPORT: TransportName = "fast"


def make_transport(
    client: object, *, base_url: str, timeout: Timeout, pool_size: int, verify: Verify, trust_env: bool,
    max_answer: int = DEFAULT_MAX_ANSWER,
    transport: TransportName | None = None,
) -> Transport:
    """A transport for ``client`` (an `httpx.AsyncClient` or an `aiohttp.ClientSession`), or the own pool
    ``transport`` names (None: `DEFAULT_TRANSPORT`).

    httpx is imported only when the client is one of its clients (then it is imported already). The fast pool
    speaks to the server directly: where the environment names a proxy for it, the aiohttp pool sends instead.
    """
    if client is None:
        name = DEFAULT_TRANSPORT if transport is None else transport
        if name not in ("aiohttp", "fast"):
            raise ValidationError(f"transport must be 'aiohttp' or 'fast', got {name!r:.80}")
        if name == "fast" and not (trust_env and env_proxy(URL(base_url))[0] is not None):
            return _fast(base_url=base_url, timeout=timeout, pool_size=pool_size, verify=verify,
                         max_answer=max_answer)
        return AiohttpTransport(base_url=base_url, timeout=timeout, pool_size=pool_size, verify=verify,
                                trust_env=trust_env, max_answer=max_answer)
    if transport is not None:
        raise ValidationError("transport names the session's own pool: pass it or a client, not both")
    if isinstance(client, aiohttp.ClientSession):
        return LentAiohttpTransport(client, base_url=base_url, timeout=timeout, max_answer=max_answer)
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(client, httpx.AsyncClient):
        from .httpx_client import HttpxTransport  # httpx only for those who use it

        return HttpxTransport(client, base_url=base_url, timeout=timeout, max_answer=max_answer)
    raise ValidationError(f"client must be an httpx.AsyncClient or an aiohttp.ClientSession, got {client!r:.80}")


def _fast(*, base_url: str, timeout: Timeout, pool_size: int, verify: Verify, max_answer: int) -> Transport:
    try:
        from .fast import FastTransport  # httptools only for those who use it
    except ImportError as exc:
        raise ValidationError(f"the fast transport needs httptools: pip install httptools ({exc}),"
                              " or pass transport='aiohttp'") from None
    return FastTransport(base_url=base_url, timeout=timeout, pool_size=pool_size, verify=verify,
                         max_answer=max_answer)
