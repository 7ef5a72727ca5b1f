"""What one client may cost the emulator: request body size and pace, JSON nesting, time to send headers.

A fuzzer or a slow client must get a 4xx answer or a closed connection, never a 500, a quadratic read or a
connection held open forever.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .routing import Receive

__all__ = ["Rejected", "check_depth", "read_body", "with_header_deadline"]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class Rejected(Exception):
    """A request refused before it reaches a handler: an HTTP status and why (a form-invalid body)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail

    def body(self) -> dict[str, Any]:
        """The Gizwits error body (9015, form invalid)."""
        return {"error_code": 9015, "error_message": "form invalid!", "detail_message": self.detail}


async def read_body(receive: Receive, declared: str | None, *, max_body: int, idle_timeout: float) -> bytes:
    """The whole request body, read in linear time; 413 past ``max_body`` bytes, 408 after ``idle_timeout``
    seconds without a chunk."""
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise Rejected(413, f"the body is larger than {max_body} bytes")
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        try:
            async with asyncio.timeout(idle_timeout):
                message = await receive()
        except TimeoutError:
            raise Rejected(408, f"no part of the body arrived for {idle_timeout} s") from None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise Rejected(413, f"the body is larger than {max_body} bytes")
        chunks.append(chunk)
        more = bool(message.get("more_body"))
    return b"".join(chunks)


def check_depth(body: bytes, limit: int) -> None:
    """400 when the JSON in ``body`` nests arrays/objects deeper than ``limit`` (linear; strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:  # the usual small body: nothing to scan
        return
    depth = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            raise Rejected(400, f"JSON nested deeper than {limit} levels")


def with_header_deadline(protocol: type[Any], timeout: float) -> type[Any]:
    """A subclass of a uvicorn HTTP protocol that closes a connection whose request headers are not complete
    ``timeout`` seconds after it opened or after its previous response (a slowloris client)."""

    class HeaderDeadline(protocol):  # type: ignore[misc]
        _deadline: asyncio.TimerHandle | None = None
        _waiting_after: object = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            # uvicorn starts a new request cycle once a request's headers are complete, or hands the connection
            # to another protocol (a WebSocket upgrade).
            if self._deadline is not None and (
                    self.cycle is not self._waiting_after or self.transport.get_protocol() is not self):
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._waiting_after = self.cycle
            self._deadline = asyncio.get_running_loop().call_later(timeout, self.transport.close)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

    return HeaderDeadline
