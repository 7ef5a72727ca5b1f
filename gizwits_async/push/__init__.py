"""The M2M WebSocket push API: `Push` (from `Session.push`), its events, and `Session.watch`."""

from .client import Push
from .events import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    OnlineEvent,
    PushEvent,
    PushStats,
    RawEvent,
    SubscribeResult,
)

__all__ = [
    "AttrsEvent",
    "BindingEvent",
    "ConnectionEvent",
    "OnlineEvent",
    "Push",
    "PushEvent",
    "PushStats",
    "RawEvent",
    "SubscribeResult",
]
