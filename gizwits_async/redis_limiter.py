"""`RedisRateLimiter`: one request budget shared by every process of an application, kept in Redis.

Each request start reserves the next free slot in one Lua script run atomically by Redis on its own clock (a
GCRA without burst: one key holds the next free slot), so processes on different hosts agree without any other
coordination. Slots are evenly spaced, ``max(1 / rate, (1 + margin) / floor(rate))`` seconds apart, with no
initial burst: any ``floor(rate) + 1`` starts span more than one second plus ``margin``, so there are never more
than ``rate`` starts in any one-second window, as with the in-process limiter. ``margin`` absorbs what happens
between the reservation and the request reaching the server (a late wake-up, a busy core): it keeps the rule
true at the server for delays up to ``margin``, at the cost of about ``margin`` of the throughput.

A Redis outage never hangs or stops the application: it fails open. When Redis does not answer within
``timeout`` or refuses, the process paces itself with a local limiter at ``outage_rate`` (default ``rate``:
N processes may then send up to N times ``rate``; pass ``rate / N`` if you know N), logs one warning, and
tries Redis again every ``retry_after`` seconds; it logs once more when Redis answers again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING

from .redis_common import outage_errors, redis_key
from .throttling import RateLimiter
from .validation import check_number

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateLimiter", "spacing_us"]

logger = logging.getLogger("gizwits_async")

#: KEYS[1]: the next free slot (microseconds on Redis's clock). ARGV: the spacing in whole microseconds, and
#: how many consecutive slots to reserve. Returns how long until the first of them, in microseconds. The slot
#: is written with %.0f because Lua would otherwise turn a 16-digit number into "1.7e+15" on its way to Redis.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local spacing, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = now
local free = redis.call('GET', KEYS[1])
if free then
    slot = math.max(now, tonumber(free))
end
local after = slot + count * spacing
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return slot - now
"""


def spacing_us(rate: float, margin: float) -> int:
    """Microseconds between two starts: ``max(1 / rate, (1 + margin) / floor(rate))``, rounded up (rounding
    down would let ``floor(rate) + 1`` starts fit in a second)."""
    return math.ceil(1e6 * max(1.0 / rate, (1.0 + margin) / max(1, math.floor(rate))))


class RedisRateLimiter:
    """At most ``rate`` request starts per second, shared by every process using the same Redis key.

    ``redis`` is your ``redis.asyncio.Redis``; the key's ``{appid}`` field is filled from ``appid=`` (or pass
    a key without it). Give it to ``Session(rate_limiter=...)`` in each process. See the module for the
    ``margin`` and for what happens during a Redis outage.
    """

    def __init__(
        self,
        redis: Redis,
        rate: float,
        key: str = "gizwits:rate:{appid}",
        *,
        appid: str | None = None,
        margin: float = 0.02,
        timeout: float = 0.5,
        retry_after: float = 1.0,
        outage_rate: float | None = None,
    ) -> None:
        self.rate = check_number(rate, "rate (requests per second)")
        if margin != 0:
            check_number(margin, "margin (seconds)")
        self.redis = redis
        self.key = redis_key(key, appid=appid)
        self.timeout = check_number(timeout, "timeout (seconds)")
        self.retry_after = check_number(retry_after, "retry_after (seconds)")
        self.spacing_us = spacing_us(self.rate, margin)
        self._reserve = redis.register_script(_RESERVE)
        self._local = RateLimiter(self.rate if outage_rate is None else outage_rate)
        self._outage = outage_errors()
        self._down_until: float | None = None  # set while Redis is considered down (monotonic seconds)
        #: Starts waiting for the next reservation, and the task making it (while there is one).
        self._queue: list[asyncio.Future[float | None]] = []
        self._reserver: asyncio.Task[None] | None = None

    async def wait(self) -> None:
        """Return when the next request may start."""
        slot = await self._shared_slot() if self._redis_due() else None
        if slot is None:
            await self._local.wait()
            return
        delay = slot - asyncio.get_running_loop().time()
        if delay > 0:  # no timer when the slot has passed while the start waited for its turn to run
            await asyncio.sleep(delay)

    def _redis_due(self) -> bool:
        """Whether to ask Redis: always, except for ``retry_after`` seconds after it failed."""
        return self._down_until is None or time.monotonic() >= self._down_until

    def _shared_slot(self) -> asyncio.Future[float | None]:
        """When this start may go, on the event loop's clock (None while Redis is unusable).

        Starts queue here while a reservation is in flight and the next Redis call reserves consecutive slots
        for all of them: a Redis round trip costs about as much as a request, so one per start would halve a
        busy process's throughput. A start cancelled meanwhile leaves its slot unused.
        """
        turn: asyncio.Future[float | None] = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        if self._reserver is None:
            self._reserver = asyncio.create_task(self._reserve_queued())
        return turn

    async def _reserve_queued(self) -> None:
        """Reserve slots for the queued starts, one Redis call per batch, until none is left."""
        batch: list[asyncio.Future[float | None]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                first = await self._reserve_slots(len(batch))
                if first is not None:
                    first += asyncio.get_running_loop().time()
                for index, turn in enumerate(batch):
                    if not turn.done():
                        turn.set_result(None if first is None else first + index * self.spacing_us / 1e6)
        except BaseException as exc:  # cancelled with its event loop, or a bug: no start may wait forever
            for turn in (*batch, *self._queue):
                if turn.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    turn.cancel()
                else:
                    turn.set_exception(exc)
            raise
        finally:
            self._reserver = None

    async def _reserve_slots(self, count: int) -> float | None:
        """Seconds until the first of ``count`` reserved slots, or None when Redis failed (then marked down)."""
        try:
            async with asyncio.timeout(self.timeout):
                waited: int = await self._reserve(keys=[self.key], args=[self.spacing_us, count])
        except self._outage as exc:
            if self._down_until is None:
                logger.warning("Redis rate limiter %s unavailable (%s: %s): pacing this process alone at "
                               "%g/s until Redis answers", self.key, type(exc).__name__, exc,
                               self._local.rate)
            self._down_until = time.monotonic() + self.retry_after
            return None
        if self._down_until is not None:
            self._down_until = None
            logger.warning("Redis rate limiter %s answers again: shared pacing resumed", self.key)
        return waited / 1e6

    def __repr__(self) -> str:
        return f"RedisRateLimiter(key={self.key!r}, rate={self.rate:g})"
