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
from ..validation import encode_attrs
from .context import Settings, pass_settings, run
from .failures import describe, error_fields
from .output import Output, to_json
from .values import check_did, parse_assignments, parse_hex

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
    if out.as_json or readings:  # no empty table above the errors when every read failed
        out.result(payload, Output.table(_READING_COLUMNS, [_reading_row(data) for data in readings]))
    for outcome in report.failures:
        _report_failure(out, outcome)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _error(outcome: Outcome[Any]) -> str:
    return describe(outcome.error) if outcome.error is not None else ""


def _report_failure(out: Output, outcome: Outcome[Any]) -> None:
    """A device's failed read on stderr: a line for people, a JSON object under --json."""
    if outcome.error is None:
        return
    if out.as_json:
        out.warn(to_json({"did": outcome.did, "error": error_fields(outcome.error)}))
    else:
        out.warn(f"{outcome.did}: {describe(outcome.error)}")


@click.command(short_help="Set datapoints of a device: NAME=VALUE...")
@click.argument("did")
@click.argument("assignments", metavar="NAME=VALUE...", nargs=-1, required=True)
@pass_settings
def control(settings: Settings, did: str, assignments: tuple[str, ...]) -> None:
    """Set datapoints of DID: values are JSON scalars (true, 12, 1.5, "text"), a bare word, or hex:0102."""
    check_did(did)
    attrs = parse_assignments(assignments)
    settings.call(lambda session: session.control(did, attrs))
    sent = encode_attrs(attrs)  # what went on the wire: bytes as hex, as the device received them
    settings.output.result({"did": did, "attrs": sent, "ok": True}, f"Sent {to_json(sent)} to {did}.")


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
@click.option("--count", type=click.IntRange(min=1),
              help="Stop after this many reads (each read counts, changed or not, failed or not).")
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--every", is_flag=True, help="Show every reading, not only changed ones.")
@pass_settings
def poll(settings: Settings, dids: tuple[str, ...], interval: float, count: int | None, duration: float | None,
         every: bool) -> None:
    """Watch DIDs: a live table of their readings, changed values highlighted.

    Piped (or under --json), one line (one JSON object) per new reading instead of the table.
    """
    run(_poll(settings, _dids(dids), interval, count, duration, every))


class _Enough(Exception):
    """--count reads were made: stop polling."""


async def _poll(settings: Settings, dids: list[str], interval: float, count: int | None, duration: float | None,
                every: bool) -> None:
    out = settings.output
    board = _Board()
    reads = 0

    def counted() -> None:
        nonlocal reads
        reads += 1
        if count is not None and reads >= count:
            raise _Enough

    def failed(outcome: Outcome[DeviceData]) -> None:
        _report_failure(out, outcome)
        counted()

    def show(data: DeviceData) -> None:
        if out.as_json:
            out.result(_reading(data))
        else:  # one unwrapped line per reading, for a pipe
            did, stamp, attrs = _reading_row(data)
            out.out.print(Text("  ").join([Text(did), Text(stamp), attrs]), soft_wrap=True)

    async with settings.signed_in() as session:
        # Every reading comes back (changes_only=False) so that --count counts reads, not changes.
        readings = session.poll_latest(dids, interval=interval, changes_only=False, on_error=failed)
        live = not out.as_json and out.out.is_terminal
        display = Live(board.render(), console=out.out, auto_refresh=False) if live else contextlib.nullcontext()
        with display as table, contextlib.suppress(TimeoutError, _Enough):
            async with asyncio.timeout(duration), contextlib.aclosing(readings):
                async for data in readings:
                    if board.update(data) or every:
                        if table is None:
                            show(data)
                        else:
                            table.update(board.render(), refresh=True)
                    counted()


class _Board:
    """The latest reading of each device, the attrs that changed in it, and how many changes were seen."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[DeviceData, frozenset[str], int]] = {}

    def update(self, data: DeviceData) -> bool:
        """Record a reading; whether it is new (the device's first, or a changed ``updated_at``)."""
        previous = self.rows.get(data.did)
        if previous is None:
            self.rows[data.did] = (data, frozenset(), 0)
            return True
        if previous[0].updated_at == data.updated_at:
            return False
        before = previous[0].attrs
        changed = frozenset(k for k, v in data.attrs.items() if before.get(k) != v)
        self.rows[data.did] = (data, changed, previous[2] + 1)
        return True

    def render(self) -> Table:
        """The board as a table."""
        rows = [[*_reading_row(data, changed), updates] for data, changed, updates in self.rows.values()]
        return Output.table([*_READING_COLUMNS, "updates"], rows, title="Polling (changed values in yellow)")
