"""The push methods of `Session`: `push()` and `watch()`."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable

from ..endpoints._base import Endpoints
from ..errors import ValidationError
from ..models import DeviceData
from ..validation import check_did, check_seconds
from .client import Push
from .connection import PushSettings
from .watch import watch_devices

__all__ = ["PushAPI"]


class PushAPI(Endpoints):
    """`Session.push` and `Session.watch`."""

    def push(
        self,
        *,
        heartbeat: float = 60.0,
        max_events: int = 10_000,
        login_timeout: float = 10.0,
        reconnect_first: float = 3.0,
        reconnect_cap: float = 60.0,
    ) -> Push:
        """Live news of this session's devices: ``async with session.push() as push: ...`` (see `Push`).

        ``heartbeat``: seconds between pings (the interval declared to the server is 3 x that, at most 180 s).
        ``max_events``: events kept for a slow consumer before newer news of a device replace older ones.
        ``login_timeout``: seconds to wait for a login answer (each further try waits longer).
        ``reconnect_first`` / ``reconnect_cap``: the first reconnect delay's ceiling and the longest delay.
        """
        for name, value in (("heartbeat", heartbeat), ("login_timeout", login_timeout),
                            ("reconnect_first", reconnect_first), ("reconnect_cap", reconnect_cap)):
            check_seconds(value, name)
        if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
            raise ValidationError(f"max_events must be an int >= 1, got {max_events!r}")
        settings = PushSettings(heartbeat=heartbeat, login_timeout=login_timeout, reconnect_first=reconnect_first,
                                reconnect_cap=reconnect_cap, max_events=max_events,
                                connect_timeout=self._shared.timeout.connect_or_request or 10.0)
        return Push(self, settings)  # type: ignore[arg-type]  # the mixin is only ever part of a Session

    async def watch(
        self, dids: Iterable[str], *, poll_interval: float = 60.0, **push_options: float,
    ) -> AsyncGenerator[DeviceData, None]:
        """The state of ``dids``, kept current by push: yields each device's `DeviceData` first, then again
        whenever its values or online state change. While a device's socket is down it is read over REST at
        least every ``poll_interval`` seconds, and once more when the socket is back, so the state is never
        silently stale. ``push_options`` go to `push`."""
        devices = list(dict.fromkeys(check_did(did) for did in ([dids] if isinstance(dids, str) else dids)))
        if not devices:
            raise ValidationError("watch needs at least one did")
        check_seconds(poll_interval, "poll_interval")
        async with self.push(**push_options) as push:  # type: ignore[arg-type]
            async for data in watch_devices(self, push, devices, poll_interval):  # type: ignore[arg-type]
                yield data
