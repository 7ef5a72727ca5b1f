"""What a `Push` yields: one frozen event class per kind of news, and the result of a subscription."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import attrs

from ..errors import GizwitsError

__all__ = [
    "AttrsEvent",
    "BindingEvent",
    "ConnectionEvent",
    "ConnectionState",
    "OnlineEvent",
    "PushEvent",
    "PushStats",
    "RawEvent",
    "SubscribeResult",
]

ConnectionState = Literal["connected", "lost", "reconnecting"]


@attrs.frozen
class AttrsEvent:
    """A device's datapoint values (``s2c_noti``): at least the pushed items; binary datapoints as bytes."""

    did: str
    at: dt.datetime
    attrs: dict[str, Any]


@attrs.frozen
class OnlineEvent:
    """A device went online or offline (``s2c_online_status``)."""

    did: str
    at: dt.datetime
    online: bool


@attrs.frozen
class BindingEvent:
    """A device was bound to or unbound from the user (``s2c_binding_changed``)."""

    did: str
    at: dt.datetime
    bound: bool


@attrs.frozen
class RawEvent:
    """Transparent bytes from a device (``s2c_raw``); ``did`` is the 22-character device id."""

    did: str
    at: dt.datetime
    data: bytes


@attrs.frozen
class ConnectionEvent:
    """A socket to ``url`` logged in ("connected"), was lost ("lost", with why) or is opened again
    ("reconnecting"). ``did`` is always None."""

    url: str
    state: ConnectionState
    error: GizwitsError | None = None
    at: dt.datetime = attrs.field(factory=lambda: dt.datetime.now(dt.UTC))
    did: None = None


PushEvent = AttrsEvent | OnlineEvent | BindingEvent | RawEvent | ConnectionEvent


@attrs.frozen
class SubscribeResult:
    """Which devices a subscription succeeded for, and why the others were refused."""

    success: list[str] = attrs.field(factory=list)
    failed: dict[str, GizwitsError] = attrs.field(factory=dict)


@attrs.define
class PushStats:
    """Counters of a `Push`, for monitoring.

    ``sockets_opened``: WebSocket connections made; ``logins``: ``login_req`` answered with success (re-logins
    on the same socket included); ``relogins``: log-ins again on a live socket after the server lost its session;
    ``reconnects``: sockets opened again after one was lost; ``token_renewals``: REST sign-ins caused by a refused
    socket login; ``pings``: pings sent; ``events``: events handed to the consumer; ``coalesced``: events merged
    into a newer one of the same device while the consumer lagged; ``dropped``: events lost that way (raw data
    cannot be merged; only the newest per device is kept); ``buffered``: events waiting for the consumer now.
    """

    sockets_opened: int = 0
    logins: int = 0
    relogins: int = 0
    reconnects: int = 0
    token_renewals: int = 0
    pings: int = 0
    events: int = 0
    coalesced: int = 0
    dropped: int = 0
    buffered: int = 0
