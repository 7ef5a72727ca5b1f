"""`RedisRateLimiter`: one request budget shared by every process of an application, kept in Redis.

Each request start reserves the next free slot in one Lua script run atomically by Redis on its own clock, so
processes on different hosts agree without any other coordination. Slots are spaced ``1/rate`` apart with no
initial burst, and the slot after the last ``floor(rate)`` ones comes at least one second (plus ``margin``)
after the first of them: never more than ``rate`` starts in any one-second window, as with the in-process
limiter. ``margin`` absorbs what happens between the reservation and the request reaching the server (a late
wake-up, a busy core): it keeps the rule true at the server for delays up to ``margin``, at the cost of about
``margin`` seconds per second of throughput.

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

__all__ = ["RedisRateLimiter"]

logger = logging.getLogger("gizwits_async")

#: KEYS[1]: a list of the last n reserved slots, newest first (microseconds on Redis's clock).
#: ARGV: the spacing, n = floor(rate), the window (one second plus the margin), all in microseconds.
#: Returns how long the caller waits for its slot, in microseconds. Slots are formatted with %.0f because
#: Lua would otherwise turn a 16-digit number into "1.7e+15" on its way to Redis.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local spacing, n, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local slot = now
local newest = redis.call('LINDEX', KEYS[1], 0)
if newest then
    slot = math.max(slot, tonumber(newest) + spacing)
end
if redis.call('LLEN', KEYS[1]) >= n then
    slot = math.max(slot, tonumber(redis.call('LINDEX', KEYS[1], n - 1)) + window)
end
redis.call('LPUSH', KEYS[1], string.format('%.0f', slot))
redis.call('LTRIM', KEYS[1], 0, n - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + window) / 1000) + 1000)
return slot - now
"""


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
        self._args = (1e6 / self.rate, max(1, math.floor(self.rate)), 1e6 * (1.0 + margin))
        self._reserve = redis.register_script(_RESERVE)
        self._local = RateLimiter(self.rate if outage_rate is None else outage_rate)
        self._outage = outage_errors()
        self._down_until: float | None = None  # set while Redis is considered down (monotonic seconds)

    async def wait(self) -> None:
        """Return when the next request may start."""
        delay = await self._reserve_slot() if self._redis_due() else None
        if delay is None:
            await self._local.wait()
        elif delay > 0:
            await asyncio.sleep(delay)

    def _redis_due(self) -> bool:
        """Whether to ask Redis: always, except for ``retry_after`` seconds after it failed."""
        return self._down_until is None or time.monotonic() >= self._down_until

    async def _reserve_slot(self) -> float | None:
        """Seconds to wait for the reserved slot, or None when Redis failed (then marked down for a while)."""
        try:
            async with asyncio.timeout(self.timeout):
                waited: int = await self._reserve(keys=[self.key], args=list(self._args))
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
