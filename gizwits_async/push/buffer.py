"""The bounded buffer between a `Push`'s sockets and its consumer, and its overflow policy.

Up to ``limit`` events wait in arrival order. Beyond that (a consumer slower than the pushes), events are kept
per device and kind instead, newest wins: a device's datapoint values merge into its waiting `AttrsEvent`
(newer values over older ones, so the state delivered is the newest), its online, binding and connection news
replace the waiting one, and raw data keeps only the newest frame. What was merged counts as ``coalesced``,
what was replaced without merging (raw data) as ``dropped``. Memory stays within ``limit`` events plus one per
device and kind, whatever the rate. Once the overflow starts, every later event goes there too until the
consumer has caught up, so a device's news never arrive out of order.
"""

from __future__ import annotations

import asyncio
from collections import deque

from ..log import logger
from .events import AttrsEvent, ConnectionEvent, PushEvent, PushStats, RawEvent

__all__ = ["EventBuffer"]


class EventBuffer:
    """Events for one consumer: ``put`` never blocks, ``get`` waits; see the module for the overflow policy."""

    def __init__(self, limit: int, stats: PushStats) -> None:
        self.limit = limit
        self.stats = stats
        self._queue: deque[PushEvent] = deque()
        self._overflow: dict[tuple[type, str | None], PushEvent] = {}
        self._wakeup: asyncio.Event = asyncio.Event()
        self._closed = False
        self._warned = False

    def __len__(self) -> int:
        return len(self._queue) + len(self._overflow)

    def put(self, event: PushEvent) -> None:
        """Add an event (never blocks; see the overflow policy)."""
        if self._overflow or len(self._queue) >= self.limit:
            self._spill(event)
        else:
            self._queue.append(event)
        self.stats.buffered = len(self)
        self._wakeup.set()

    def _spill(self, event: PushEvent) -> None:
        key = (type(event), event.url if isinstance(event, ConnectionEvent) else event.did)
        waiting = self._overflow.get(key)
        if waiting is None:
            if not self._warned:
                self._warned = True
                logger.warning("push: the consumer lags %d events behind; keeping the newest news per device",
                               self.limit)
        elif isinstance(event, AttrsEvent) and isinstance(waiting, AttrsEvent):
            event = AttrsEvent(event.did, event.at, {**waiting.attrs, **event.attrs})
            self.stats.coalesced += 1
        elif isinstance(event, RawEvent):
            self.stats.dropped += 1
        else:
            self.stats.coalesced += 1
        self._overflow[key] = event

    def get_nowait(self) -> PushEvent | None:
        """The next event, or None when none waits."""
        if self._queue:
            event = self._queue.popleft()
        elif self._overflow:
            event = self._overflow.pop(next(iter(self._overflow)))
        else:
            return None
        if not self._overflow:
            self._warned = False  # caught up: the next overflow warns again
        self.stats.buffered = len(self)
        self.stats.events += 1
        return event

    async def get(self) -> PushEvent:
        """The next event, waiting for one; `StopAsyncIteration` once closed."""
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def close(self) -> None:
        """End `get` for the consumer (events still waiting are dropped)."""
        self._closed = True
        self._queue.clear()
        self._overflow.clear()
        self.stats.buffered = 0
        self._wakeup.set()
