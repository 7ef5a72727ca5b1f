"""``watch``: devices' news by push, as a live table or one JSON event per line."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import click
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..models import Device
from ..push import AttrsEvent, BindingEvent, ConnectionEvent, OnlineEvent, Push, PushEvent, RawEvent
from .context import Settings, pass_settings, run
from .failures import describe, error_fields
from .output import Output, to_json
from .values import check_did

__all__ = ["watch"]


@click.command()
@click.argument("dids", metavar="[DID]...", nargs=-1)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many events.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Stop after this many seconds.")
@click.option("--heartbeat", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds between pings on each socket.")
@pass_settings
def watch(settings: Settings, dids: tuple[str, ...], count: int | None, duration: float | None,
          heartbeat: float) -> None:
    """Watch devices by push (all bound devices when no DID is given): a live table of their values, changed
    ones highlighted, with the state of the connection.

    Piped (or under --json), one line (one JSON object) per event instead of the table.
    """
    run(_watch(settings, [check_did(did) for did in dids], count, duration, heartbeat))


async def _watch(settings: Settings, dids: list[str], count: int | None, duration: float | None,
                 heartbeat: float) -> None:
    out = settings.output
    async with settings.signed_in() as session, session.push(heartbeat=heartbeat) as push:
        targets: list[Device | str] = list(dids) or [device async for device in session.iter_bindings()]
        result = await push.subscribe(targets)
        for did, error in result.failed.items():
            failure = (to_json({"did": did, "error": error_fields(error)}) if out.as_json
                       else f"{did}: {describe(error)}")
            out.warn(failure)
        # Each device's online state as its record says, until an s2c_online_status changes it.
        records = (push.record(did) for did in result.success)
        board = _Board(push, {record.did: record.is_online for record in records if record is not None})
        live = not out.as_json and out.out.is_terminal
        display = Live(board.render(), console=out.out, auto_refresh=False) if live else contextlib.nullcontext()
        seen = 0
        with display as table, contextlib.suppress(TimeoutError):
            async with asyncio.timeout(duration):
                async for event in push:
                    board.update(event)
                    if table is not None:
                        table.update(board.render(), refresh=True)
                    else:
                        _print(out, event)
                    seen += 1
                    if count is not None and seen >= count:
                        return


def event_json(event: PushEvent) -> dict[str, Any]:
    """An event as one JSON object: its kind, ``did``, ``at`` and its own fields."""
    fields: dict[str, Any] = {"did": event.did, "at": event.at}
    if isinstance(event, AttrsEvent):
        return {"event": "attrs", **fields, "attrs": event.attrs}
    if isinstance(event, OnlineEvent):
        return {"event": "online", **fields, "online": event.online}
    if isinstance(event, BindingEvent):
        return {"event": "binding", **fields, "bound": event.bound}
    if isinstance(event, RawEvent):
        return {"event": "raw", **fields, "data": event.data}
    error = None if event.error is None else error_fields(event.error)
    return {"event": "connection", **fields, "url": event.url, "state": event.state, "error": error}


def _print(out: Output, event: PushEvent) -> None:
    if out.as_json:
        out.result(event_json(event))
        return
    line = event_json(event)
    del line["at"]
    out.out.print(Text(" ".join(f"{k}={to_json(v)}" for k, v in line.items() if v is not None)), soft_wrap=True)


class _Board:
    """What the table shows: each device's values (the ones changed by the last event marked), online state and
    number of updates, and the sockets' states."""

    def __init__(self, push: Push, online: dict[str, bool]) -> None:
        self.push = push
        self.values: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, frozenset[str]] = {}
        self.online = online
        self.updates: dict[str, int] = {}
        self.sockets: dict[str, str] = {}

    def update(self, event: PushEvent) -> None:
        """Take an event into the board."""
        if isinstance(event, ConnectionEvent):
            self.sockets[event.url] = event.state
            return
        did = event.did
        self.updates[did] = self.updates.get(did, 0) + 1
        if isinstance(event, AttrsEvent):
            first = did not in self.values
            before = self.values.setdefault(did, {})
            self.changed[did] = frozenset() if first else frozenset(
                name for name, value in event.attrs.items() if before.get(name) != value)
            before.update(event.attrs)
        elif isinstance(event, OnlineEvent):
            self.online[did] = event.online

    def render(self) -> Table:
        """The board as a table, titled with the connection state."""
        rows = []
        for did, values in self.values.items():
            attrs = Text()
            for i, (name, value) in enumerate(sorted(values.items())):
                if i:
                    attrs.append(" ")
                attrs.append(f"{name}={to_json(value)}", style="bold yellow" if name in self.changed[did] else "")
            online = self.online.get(did)
            rows.append([did, "?" if online is None else "yes" if online else "no", attrs, self.updates[did]])
        for did in self.online.keys() - self.values.keys():
            rows.append([did, "yes" if self.online[did] else "no", Text(), self.updates.get(did, 0)])
        up = sum(state == "connected" for state in self.sockets.values())
        title = (f"Push: {up}/{len(self.sockets)} sockets connected"
                 + ("" if self.push.connected else " (reconnecting)") + " - changed values in yellow")
        return Output.table(["did", "online", "attrs", "updates"], rows, title=title)
