"""The retry policy: which failures are worth another attempt, and how long to wait first.

Two small pure functions, so that tests (and readers) can check the decision table directly.
"""

from __future__ import annotations

import random
from enum import Enum

import attrs

from .errors import ErrorCode, GizwitsError, ServerError, ThrottledError, TokenError, TransportError
from .validation import check_int, check_number

__all__ = ["Idempotency", "RetryPolicy", "Step", "backoff", "next_step", "should_retry"]

_RETRY_STATUSES = frozenset({502, 503, 504})


class Idempotency(Enum):
    """Whether a call may be repeated after it possibly reached the server."""

    #: GETs, control, bind/unbind, login: repeating them does no harm.
    SAFE = "safe"
    #: Calls that create or change something once (register, create_schedule, send_sms_code, account
    #: changes): repeated only when the server certainly did not act (refused connection, throttle).
    UNSAFE = "unsafe"


def _attempts(_policy: object, _attribute: object, value: object) -> None:
    check_int(value, "RetryPolicy attempts", minimum=1)


def _seconds(_policy: object, attribute: attrs.Attribute[float], value: object) -> None:
    check_number(value, f"RetryPolicy {attribute.name} (seconds)", zero_ok=True)


@attrs.frozen
class RetryPolicy:
    """How transient failures are retried: ``attempts`` in all, waiting about ``base * 2**n`` (capped).

    A bad value raises `ValidationError`.
    """

    attempts: int = attrs.field(default=3, validator=_attempts)
    base: float = attrs.field(default=0.5, validator=_seconds)
    cap: float = attrs.field(default=8.0, validator=_seconds)


class Step(Enum):
    """What the request path does after a failed attempt."""

    #: Renew the rejected token and send again (once per call; not counted as a failed attempt).
    REPLAY = "replay"
    #: Wait `backoff` and send again.
    RETRY = "retry"
    #: Give up: raise the error.
    RAISE = "raise"


def next_step(
    error: GizwitsError, idempotency: Idempotency, *, failed: int, policy: RetryPolicy, can_replay: bool,
) -> Step:
    """What to do after ``error``: ``failed`` counts the failed attempts, this one included (replays not).

    A rejected token is replayed once when ``can_replay`` (the call carried a token that can be renewed or
    replaced, and was not replayed yet); other failures are retried while `should_retry` says so and the
    policy has attempts left.
    """
    if isinstance(error, TokenError) and can_replay:
        return Step.REPLAY
    if failed < policy.attempts and should_retry(error, idempotency):
        return Step.RETRY
    return Step.RAISE


def should_retry(error: GizwitsError, idempotency: Idempotency) -> bool:
    """Whether ``error`` is transient and the call may be sent again.

    A throttle (9041/429) or a connection that never opened means the server did not act, so every call may
    be repeated; other transient failures (timeouts, dropped connections, 502/503/504, 9008, and any other 5xx
    that carries no Gizwits code, such as a bare 500) only for calls that are safe to repeat.
    """
    if isinstance(error, ThrottledError):
        return True
    if isinstance(error, TransportError):
        return not error.sent or idempotency is Idempotency.SAFE
    if isinstance(error, ServerError):
        # A bare 5xx (no Gizwits code) is the service failing, not refusing: it clears up by itself.
        transient = error.code == ErrorCode.SERVER_ERROR or error.status in _RETRY_STATUSES or (
            error.code is None and error.status >= 500)
        return transient and idempotency is Idempotency.SAFE
    return False


def backoff(attempt: int, policy: RetryPolicy, *, rand: float | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): exponential with jitter.

    The wait is ``min(cap, base * 2**(attempt-1))`` scaled by a factor in [0.5, 1.0) ("equal jitter"), so
    retries spread out but never collapse to zero. ``rand`` in [0, 1) replaces the random draw in tests.
    """
    draw = random.random() if rand is None else rand
    # The exponent is bounded so that a huge attempt number cannot overflow before the cap applies.
    return float(min(policy.cap, policy.base * 2.0 ** min(attempt - 1, 64)) * (0.5 + draw / 2))
