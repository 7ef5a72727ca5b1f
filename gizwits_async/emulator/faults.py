"""Fault and realism knobs, and the per-key request-rate limiter behind `Faults.rate_limit`."""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field

#: How an injected 5xx looks: a proxy's HTML page, or a plain-text one.
ERROR_PAGES = ("html", "plain")


@dataclass
class Faults:
    """Mutable knobs, read on every request, so they can be changed at any time.

    Probabilities are in 0..1. `rate_limit` is requests per second per token (per appid without a token),
    measured on the wall clock over a sliding one-second window; None turns it off. Injected errors (`error_rate`)
    take the statuses of `error_statuses` in turn, as a proxy's `error_page`: "html" or "plain" text, with no
    Gizwits code; `fail_next` makes the next that many requests get one whatever `error_rate` says.
    """

    latency: float = 0.0
    jitter: float = 0.0
    rate_limit: float | None = None
    error_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    seed: int | None = None
    error_statuses: tuple[int, ...] = (502, 503)
    error_page: str = "html"
    fail_next: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _errors: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        if not self.error_statuses or not all(500 <= status <= 599 for status in self.error_statuses):
            raise ValueError(f"error_statuses must be 5xx statuses, got {self.error_statuses!r}")
        if self.error_page not in ERROR_PAGES:
            raise ValueError(f"error_page must be one of {', '.join(ERROR_PAGES)}, got {self.error_page!r}")

    def delay(self) -> float:
        """The latency to add to this response, in seconds."""
        if self.jitter > 0:
            return self.latency + self._rng.uniform(0, self.jitter)
        return self.latency

    def roll(self, probability: float) -> bool:
        """True with the given probability."""
        return probability > 0 and self._rng.random() < probability

    def inject_error(self) -> bool:
        """Whether this request gets an injected 5xx page (one of the `fail_next`, or by `error_rate`)."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return True
        return self.roll(self.error_rate)

    def next_error_status(self) -> int:
        """The status of the next injected proxy error: `error_statuses` in turn (502 and 503 by default)."""
        self._errors += 1
        return self.error_statuses[(self._errors - 1) % len(self.error_statuses)]


class RateLimiter:
    """Sliding one-second window per key on the monotonic clock."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, limit: float) -> bool:
        """Record a request for `key` and say whether it is within `limit` requests per second."""
        now = time.monotonic()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - 1.0:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True
