"""``devices``, ``latest``, ``control``, ``raw`` and ``poll``: one user's devices."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import click
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..fanout import BulkReport, Outcome
from ..models import Device, DeviceData
from ..session import Session
from .context import Settings, describe, pass_settings, run
from .output import Output, to_json
from .values import check_did, parse_assignments, parse_hex, shown_attrs

__all__ = ["control", "devices", "latest", "poll", "raw"]

_READING_COLUMNS = ("did", "updated at (UTC)", "attrs")


def _device_rows(devices: Sequence[Device]) -> list[list[Any]]:
    """Rows of the devices table: did, product, online, remark."""
    return [[d.did, d.product_key, "yes" if d.is_online else "no", d.remark] for d in devices]


def _reading_row(data: DeviceData, changed: frozenset[str] = frozenset()) -> list[Any]:
    """A row of did, updated at, and the attrs (changed ones highlighted)."""
    attrs = Text()
    for i, (name, value) in enumerate(sorted(data.attrs.items())):
        if i:
            attrs.append(" ")
        attrs.append(f"{name}={to_json(value)}", style="bold yellow" if name in changed else "")
    stamp = data.updated_at.strftime("%Y-%m-%d %H:%M:%S") if data.updated_at else "never"
    return [data.did, stamp, attrs]


def _dids(values: tuple[str, ...]) -> list[str]:
    return [check_did(did) for did in values]


def _reading(data: DeviceData) -> dict[str, Any]:
    return {"did": data.did, "updated_at": data.updated_at, "attrs": data.attrs}


@click.command()
@click.option("--show-disabled", is_flag=True, help="Include disabled devices.")
@pass_settings
def devices(settings: Settings, show_disabled: bool) -> None:
    """List the devices bound to the logged-in user."""

    async def listing(session: Session) -> list[Device]:
        return [d async for d in session.iter_bindings(show_disabled=show_disabled)]

    found = settings.call(listing)
    payload = [
        {"did": d.did, "product_key": d.product_key, "is_online": d.is_online, "remark": d.remark, "mac": d.mac}
        for d in found
    ]
    title = f"{len(found)} device(s)"
    settings.output.result(payload, Output.table(["did", "product", "online", "remark"], _device_rows(found), title))


@click.command()
@click.argument("dids", nargs=-1, required=True)
@pass_settings
def latest(settings: Settings, dids: tuple[str, ...]) -> None:
    """Show the latest reported data of each DID (exit 1 if any read failed)."""
    wanted = _dids(dids)
    report: BulkReport[DeviceData] = settings.call(lambda session: session.latest_many(wanted))
    readings = [o.value for o in report.outcomes if o.ok]
    out = settings.output
    payload = [_reading(o.value) if o.ok else {"did": o.did, "error": _error(o)} for o in report.outcomes]
    out.result(payload, Output.table(_READING_COLUMNS, [_reading_row(data) for data in readings]))
    for outcome in report.outcomes:
        if not outcome.ok:
            out.warn(f"{outcome.did}: {_error(outcome)}")
    if not report.ok:
        raise click.exceptions.Exit(1)


def _error(outcome: Outcome[Any]) -> str:
    return describe(outcome.error) if outcome.error is not None else ""


@click.command(short_help="Set datapoints of a device: NAME=VALUE...")
@click.argument("did")
@click.argument("assignments", metavar="NAME=VALUE...", nargs=-1, required=True)
@pass_settings
def control(settings: Settings, did: str, assignments: tuple[str, ...]) -> None:
    """Set datapoints of DID: values are JSON scalars (true, 12, 1.5, "text"), a bare word, or hex:0102."""
    check_did(did)
    attrs = parse_assignments(assignments)
    settings.call(lambda session: session.control(did, attrs))
    shown = shown_attrs(attrs)
    settings.output.result({"did": did, "attrs": shown, "ok": True}, f"Sent {to_json(shown)} to {did}.")


@click.command()
@click.argument("did")
@click.argument("data", metavar="HEX")
@pass_settings
def raw(settings: Settings, did: str, data: str) -> None:
    """Send raw bytes to DID, as HEX such as 0102ff."""
    check_did(did)
    payload = parse_hex(data)
    settings.call(lambda session: session.control_raw(did, payload))
    settings.output.result({"did": did, "raw": payload.hex(), "ok": True}, f"Sent {len(payload)} byte(s) to {did}.")


@click.command(short_help="Watch devices: a live table of changing readings.")
@click.argument("dids", nargs=-1, required=True)
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds between two reads of a device.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many readings.")
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--every", is_flag=True, help="Show every reading, not only changed ones.")
@pass_settings
def poll(settings: Settings, dids: tuple[str, ...], interval: float, count: int | None, duration: float | None,
         every: bool) -> None:
    """Watch DIDs: a live table of their readings, changed values highlighted (JSON lines under --json)."""
    run(_poll(settings, _dids(dids), interval, count, duration, every))


async def _poll(settings: Settings, dids: list[str], interval: float, count: int | None, duration: float | None,
                every: bool) -> None:
    out = settings.output
    board = _Board()

    def failed(outcome: Outcome[DeviceData]) -> None:
        out.warn(f"{outcome.did}: {_error(outcome)}")

    async with settings.signed_in() as session:
        readings = session.poll_latest(dids, interval=interval, changes_only=not every, on_error=failed)
        display = contextlib.nullcontext() if out.as_json else Live(board.render(), console=out.out, auto_refresh=False)
        with display as live:
            seen = 0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(duration), contextlib.aclosing(readings):
                    async for data in readings:
                        board.update(data)
                        if live is None:
                            out.result(_reading(data))
                        else:
                            live.update(board.render(), refresh=True)
                        seen += 1
                        if count is not None and seen >= count:
                            break


class _Board:
    """The latest reading of each device, the attrs that changed in it, and how many changes were seen."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[DeviceData, frozenset[str], int]] = {}

    def update(self, data: DeviceData) -> None:
        """Record a reading."""
        previous = self.rows.get(data.did)
        if previous is None:
            self.rows[data.did] = (data, frozenset(), 0)
            return
        before = previous[0].attrs
        changed = frozenset(k for k, v in data.attrs.items() if before.get(k) != v)
        self.rows[data.did] = (data, changed, previous[2] + 1)

    def render(self) -> Table:
        """The board as a table."""
        rows = [[*_reading_row(data, changed), updates] for data, changed, updates in self.rows.values()]
        return Output.table([*_READING_COLUMNS, "updates"], rows, title="Polling (changed values in yellow)")
