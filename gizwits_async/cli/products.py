"""``device``, ``datapoints``, ``history`` and ``rename``: one device's details, a product's schema, a log."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

import attrs
import click

from ..models import Device, RawRecord
from ..products import Datapoint, Product
from ..session import Session
from .context import Settings, pass_settings
from .output import Output
from .values import check_did

__all__ = ["datapoints", "device", "history", "rename"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Fields of `Device` not shown: the passcode (a credential) and the raw record.
_HIDDEN = frozenset({"passcode", "_raw"})


def parse_duration(text: str) -> float:
    """Seconds from "90s", "15m", "1.5h" or "2d"."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise click.BadParameter(f"{text!r} is not a duration such as 90s, 15m, 1h or 2d")
    return float(found.group(1)) * _UNIT[found.group(2)]


def device_fields(device: Device) -> dict[str, Any]:
    """The device's fields as shown: everything the service sent but the passcode, None fields left out."""
    fields = attrs.asdict(device, recurse=False, filter=lambda a, v: a.name not in _HIDDEN and v is not None)
    return {name: list(value) if isinstance(value, tuple) else value for name, value in fields.items()}


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def datapoint_fields(point: Datapoint) -> dict[str, Any]:
    """One datapoint as the table and JSON show it: its values rather than its wire details."""
    values: str
    if point.data_type == "enum":
        values = " | ".join(f"{i}={label}" for i, label in enumerate(point.enum))
    elif point.data_type == "binary":
        values = f"{point.length} bytes"
    elif point.data_type == "bool":
        values = "true | false"
    else:
        values = f"{_number(point.minimum)}..{_number(point.maximum)} step {_number(point.step)}"
    return {"name": point.name, "display_name": point.display_name, "type": point.data_type,
            "writable": point.writable, "values": values}


def _record_row(record: RawRecord) -> list[Any]:
    return [record.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], record.kind, record.ip,
            record.payload.hex() if record.payload is not None else None]


@click.command()
@click.argument("did")
@pass_settings
def device(settings: Settings, did: str) -> None:
    """Show one device's details (GET /app/devices/DID), passcode left out."""
    check_did(did)
    found: Device = settings.call(lambda session: session.device(did))
    fields = device_fields(found)
    settings.output.result(fields, Output.table([], [[name, value] for name, value in fields.items()], did))


@click.command()
@click.argument("product_key")
@pass_settings
def datapoints(settings: Settings, product_key: str) -> None:
    """Show a product's datapoints: names, types, whether apps may write them, their values."""
    product: Product = settings.call(lambda session: session.datapoints(product_key))
    rows = [datapoint_fields(point) for point in product.datapoints.values()]
    table = Output.table(["name", "type", "writable", "values", "display name"],
                         [[r["name"], r["type"], "yes" if r["writable"] else "no", r["values"], r["display_name"]]
                          for r in rows], f"{product.name or product.product_key}: {len(rows)} datapoint(s)")
    settings.output.result({"product_key": product.product_key, "name": product.name, "datapoints": rows}, table)


@click.command()
@click.argument("did")
@click.option("--since", default="1h", show_default=True, help="How far back: 90s, 15m, 1h, 2d (at most 7d).")
@click.option("--kind", type=click.Choice(["cmd", "online"]), default="cmd", show_default=True,
              help="cmd: commands sent and reports received; online: online and offline events.")
@pass_settings
def history(settings: Settings, did: str, since: str, kind: str) -> None:
    """Show a device's communication log (or online records) of the last while, oldest first."""
    check_did(did)
    seconds = parse_duration(since)

    async def read(session: Session) -> list[RawRecord]:
        now = time.time()
        return [record async for record in session.raw_data(did, start=now - seconds, end=now, kind=kind)]

    records = settings.call(read)
    payload = [{"timestamp": r.timestamp, "kind": r.kind, "ip": r.ip,
                "payload": r.payload.hex() if r.payload is not None else None} for r in records]
    table = Output.table(["time (UTC)", "kind", "ip", "payload (hex)"], [_record_row(r) for r in records],
                         f"{len(records)} record(s) of {did} in the last {since}")
    settings.output.result(payload, table)


@click.command()
@click.argument("did")
@click.argument("alias")
@pass_settings
def rename(settings: Settings, did: str, alias: str) -> None:
    """Name a bound device (its alias, as the signed-in user sees it; the remark is left alone)."""
    check_did(did)
    settings.call(lambda session: session.update_binding(did, dev_alias=alias))
    settings.output.result({"did": did, "dev_alias": alias, "ok": True}, f"Renamed {did} to {alias!r}.")
