"""Helpers of the push tests: reading events until one matches, with a deadline instead of a hang."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import gizwits_async as gizwits

#: Quick reconnects and login timeouts; a ping every second (declared interval: 3 s, slack for a loaded machine).
FAST = {"heartbeat": 1.0, "reconnect_first": 0.1, "reconnect_cap": 0.8, "login_timeout": 0.5}
#: The heartbeat tests' setting: a ping every 0.3 s (declared interval: 1 s, the protocol's smallest).
QUICK_HEARTBEAT = 0.3


async def next_event(
    push: gizwits.Push, match: Callable[[gizwits.PushEvent], bool], limit: float = 5.0
) -> gizwits.PushEvent:
    """The first event from ``push`` for which ``match`` holds (others are skipped); fails after ``limit`` s."""
    async with asyncio.timeout(limit):
        async for event in push:
            if match(event):
                return event
    raise AssertionError("the push ended")


def attrs_of(did: str, **values: object) -> Callable[[gizwits.PushEvent], bool]:
    """Matches an `AttrsEvent` of ``did`` carrying ``values``."""
    return lambda e: (isinstance(e, gizwits.AttrsEvent) and e.did == did
                      and all(e.attrs.get(k) == v for k, v in values.items()))


def connected(event: gizwits.PushEvent) -> bool:
    """Matches a "connected" `ConnectionEvent`."""
    return isinstance(event, gizwits.ConnectionEvent) and event.state == "connected"
