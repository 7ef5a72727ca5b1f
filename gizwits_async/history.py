"""How a device-history range is read: the caller's range checked, then cut into the windows the service allows.

The service answers a window shorter than 48 hours, within the last 7 days and ending no later than now, and
at most 5000 entries deep (``skip + limit``). A longer range is read window by window; a window holding more
than that is halved until it fits. Windows are half-open, ``[start, end)``, so an entry on a boundary is read
once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from .errors import ValidationError

__all__ = ["KEPT", "MAX_DEPTH", "PAGE", "WINDOW", "check_range", "split", "windows"]

#: How far back the service keeps records, in seconds.
KEPT = 7 * 24 * 3600
#: The longest window asked for: under 48 hours, with room for rounding both ends to whole seconds.
WINDOW = 47 * 3600
#: Entries per page (the service's maximum) and the deepest entry a window can reach.
PAGE = 1000
MAX_DEPTH = 5000


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{name} must be an aware datetime (or Unix seconds), got a naive one")
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValidationError(f"{name} must be a datetime or Unix seconds, got {type(value).__name__}")


def check_range(start: Any, end: Any, now: float) -> tuple[float, float]:
    """``(start, end)`` in Unix seconds: the end clamped to now (a whole second), the start within the last 7
    days and before the end; else `ValidationError`."""
    first, last = _seconds(start, "start"), min(_seconds(end, "end"), float(math.floor(now)))
    if first < now - KEPT:
        raise ValidationError("start is older than the 7 days the service keeps records for")
    if first >= last:
        raise ValidationError("start must be before end (and before now)")
    return first, last


def windows(start: float, end: float, span: float = WINDOW) -> Iterator[tuple[float, float]]:
    """``[start, end)`` cut into consecutive half-open windows of at most ``span`` seconds, oldest first."""
    edge = start
    while edge < end:
        following = min(edge + span, end)
        yield edge, following
        edge = following


def split(start: float, end: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """A window's two halves (on a whole second), or None when it cannot be cut any finer."""
    middle = float(math.floor((start + end) / 2))
    if not start < middle < end:
        return None
    return (start, middle), (middle, end)
