"""Sending through an `aiohttp.ClientSession` the application lends (the habit of Home Assistant and most aiohttp
applications: one session, shared by every library). It is used as it is and never closed here."""

from __future__ import annotations

import aiohttp

from ..errors import TransportError
from .aiohttp_base import DEFAULT_MAX_ANSWER, AiohttpSender
from .base import Timeout

__all__ = ["LentAiohttpTransport"]


class LentAiohttpTransport(AiohttpSender):
    """Sends through the user's `aiohttp.ClientSession`, with this session's timeout and no raise-for-status.

    The lent session's connector, proxy, TLS and cookie settings apply as its owner configured them.
    """

    def __init__(self, client: aiohttp.ClientSession, *, base_url: str, timeout: Timeout,
                 max_answer: int = DEFAULT_MAX_ANSWER) -> None:
        super().__init__(base_url=base_url, timeout=timeout, max_answer=max_answer)
        self.client = client
        self._options |= {
            "timeout": aiohttp.ClientTimeout(total=timeout.request, sock_connect=timeout.connect_or_request),
            "raise_for_status": False,
        }

    def _client(self) -> aiohttp.ClientSession:
        if self.client.closed:  # aiohttp would raise a bare RuntimeError
            raise TransportError("the lent aiohttp session was closed by its owner", sent=False)
        return self.client

    async def aclose(self) -> None:
        """Nothing to release: the lent session belongs to whoever lent it."""

    @property
    def closed(self) -> bool:
        """Whether the lent session was closed by its owner."""
        return self.client.closed
