"""`Session.watch`: many devices' state kept current by push, with REST reads wherever push cannot vouch for it.

Sources, merged in one loop: push events (values merge into the device's state; online news set its flag),
REST readings of the devices whose socket is down (at least every ``poll_interval``) and of a socket's devices
once it is back. A device's `DeviceData` is yielded first once for every device (from a REST reading), then
whenever its values or its online state change. Binary values stay in REST form (hex), whatever the source,
so `DeviceData.binary` works on every yield.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs

from ..log import logger
from ..models import DeviceData
from .client import Push
from .events import AttrsEvent, ConnectionEvent, OnlineEvent

if TYPE_CHECKING:
    from ..session import Session

__all__ = ["watch_devices"]

class _Failed:
    """A helper task's failure, handed to the consumer's loop to raise."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


Update = AttrsEvent | OnlineEvent | DeviceData


class _States:
    """The current state per device; `apply` returns the new `DeviceData` when something changed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.current: dict[str, DeviceData] = {}

    def apply(self, update: Update) -> DeviceData | None:
        old = self.current.get(update.did)
        if isinstance(update, DeviceData):
            new = update if old is None or update.online is not None else attrs.evolve(update, online=old.online)
        elif old is None:
            return None  # not read yet: the first reading (REST) will carry it
        elif isinstance(update, AttrsEvent):
            values = update.attrs if self.session.product_of(update.did) else _as_reported(update.attrs)
            new = attrs.evolve(old, attrs={**old.attrs, **values}, updated_at=update.at)
        else:
            new = attrs.evolve(old, online=update.online)
        if old is not None and old.attrs == new.attrs and old.online == new.online:
            self.current[new.did] = new
            return None
        self.current[new.did] = new
        return new


def _as_reported(values: dict[str, Any]) -> dict[str, Any]:
    """Pushed values in the form REST reports them when the product's schema is unknown: binaries as hex."""
    return {name: value.hex() if isinstance(value, bytes) else value for name, value in values.items()}


class _Watch:
    """The sources of one `watch`: the push events and the REST reads, feeding one queue the consumer reads."""

    def __init__(self, session: Session, push: Push, dids: list[str], poll_interval: float) -> None:
        self.session = session
        self.push = push
        self.dids = dids
        self.poll_interval = poll_interval
        self.updates: asyncio.Queue[Update | _Failed] = asyncio.Queue(maxsize=1)  # backpressure: push coalesces
        self.resync: set[str] = set()
        self.wake = asyncio.Event()
        self.lost: set[str] = set()  # sockets that were down: their devices are read once more when they are back

    async def pump(self) -> None:
        """Push events into the queue; a socket back after a loss asks for its devices to be read again."""
        async for event in self.push:
            if isinstance(event, ConnectionEvent):
                self.connection(event)
            elif isinstance(event, AttrsEvent | OnlineEvent):
                await self.updates.put(event)

    def connection(self, event: ConnectionEvent) -> None:
        if event.state == "lost":
            self.lost.add(event.url)
        elif event.state == "connected" and event.url in self.lost:
            self.lost.discard(event.url)
            self.resync.update(did for did in self.dids if self.push.url_of(did) == event.url)
            self.wake.set()

    async def poll(self) -> None:
        """REST reads of the devices push cannot vouch for, every ``poll_interval`` or when a socket is back."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self.wake.wait()
            self.wake.clear()
            due = [did for did in self.dids if did in self.resync or not self.push.is_live(did)]
            self.resync.clear()
            for data in await _read(self.session, due):
                await self.updates.put(data)

    async def guarded(self, body: Callable[[], Awaitable[None]]) -> None:
        try:
            await body()
        except Exception as exc:  # raised in the consumer's loop instead of dying unseen
            await self.updates.put(_Failed(exc))


async def watch_devices(
    session: Session, push: Push, dids: list[str], poll_interval: float,
) -> AsyncGenerator[DeviceData, None]:
    """The body of `Session.watch` (see the module)."""
    watch = _Watch(session, push, dids, poll_interval)
    await push.want(dids)
    states = _States(session)
    for data in await _read(session, dids):
        record = push.record(data.did)
        fresh = states.apply(attrs.evolve(data, online=record.is_online) if record is not None else data)
        if fresh is not None:
            yield fresh
    tasks = [asyncio.create_task(watch.guarded(watch.pump)), asyncio.create_task(watch.guarded(watch.poll))]
    try:
        while True:
            update = await watch.updates.get()
            if isinstance(update, _Failed):
                raise update.error
            fresh = states.apply(update)
            if fresh is not None:
                yield fresh
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _read(session: Session, dids: Iterable[str]) -> list[DeviceData]:
    """REST readings of ``dids``; a failed read is logged, and the device is read again next round."""
    wanted = list(dids)
    if not wanted:
        return []
    report = await session.latest_many(wanted)
    for did, error in report.failed.items():
        logger.warning("watch: reading %s over REST failed: %s", did, error)
    readings: list[DeviceData] = [outcome.value for outcome in report.outcomes if outcome.ok]
    return readings


