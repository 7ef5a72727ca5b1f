"""Which transport a session sends through: the client the user lent, or the session's own pool."""

from __future__ import annotations

import sys

import aiohttp

from ..errors import ValidationError
from .aiohttp_base import DEFAULT_MAX_ANSWER
from .aiohttp_lent import LentAiohttpTransport
from .aiohttp_pool import AiohttpTransport, Verify
from .base import Timeout, Transport

__all__ = ["make_transport"]


def make_transport(
    client: object, *, base_url: str, timeout: Timeout, pool_size: int, verify: Verify, trust_env: bool,
    max_answer: int = DEFAULT_MAX_ANSWER,
) -> Transport:
    """A transport for ``client`` (an `httpx.AsyncClient` or an `aiohttp.ClientSession`), or the own pool.

    httpx is imported only when the client is one of its clients (then it is imported already).
    """
    if client is None:
        return AiohttpTransport(base_url=base_url, timeout=timeout, pool_size=pool_size, verify=verify,
                                trust_env=trust_env, max_answer=max_answer)
    if isinstance(client, aiohttp.ClientSession):
        return LentAiohttpTransport(client, base_url=base_url, timeout=timeout, max_answer=max_answer)
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(client, httpx.AsyncClient):
        from .httpx_client import HttpxTransport  # httpx only for those who use it

        return HttpxTransport(client, base_url=base_url, timeout=timeout, max_answer=max_answer)
    raise ValidationError(f"client must be an httpx.AsyncClient or an aiohttp.ClientSession, got {client!r:.80}")
