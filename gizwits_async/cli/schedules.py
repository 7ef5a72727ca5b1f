"""``schedules list|create|delete|logs``: timed control tasks (times are UTC)."""

from __future__ import annotations

import datetime as dt

import click

from ..models import Schedule, ScheduledCommand, ScheduleLog
from ..session import Session
from .context import Settings, pass_settings
from .output import Output, to_json
from .values import InputError, check_did, parse_assignments, shown_attrs

__all__ = ["schedules"]


@click.group()
def schedules() -> None:
    """Timed control tasks (times are UTC)."""


def _repeat(schedule: Schedule) -> str:
    return schedule.repeat if isinstance(schedule.repeat, str) else ",".join(schedule.repeat)


@schedules.command("list")
@pass_settings
def list_(settings: Settings) -> None:
    """List the user's schedules."""

    async def listing(session: Session) -> list[Schedule]:
        return [s async for s in session.iter_schedules()]

    found = settings.call(listing)
    payload = [
        {"id": s.id, "date": s.date, "time": s.time, "repeat": s.repeat, "retry_count": s.retry_count,
         "commands": [{"did": c.did, "product_key": c.product_key, "attrs": dict(c.attrs)} for c in s.commands]}
        for s in found
    ]
    rows = [[s.id, s.date, s.time.strftime("%H:%M") if s.time else "", _repeat(s),
             "; ".join(f"{c.did} {to_json(dict(c.attrs))}" for c in s.commands)] for s in found]
    settings.output.result(
        payload, Output.table(["id", "date", "time", "repeat", "commands"], rows, f"{len(found)} schedule(s)"))


@schedules.command()
@click.argument("did")
@click.argument("assignments", metavar="NAME=VALUE...", nargs=-1, required=True)
@click.option("--time", "at", required=True, help="UTC time of day, HH:MM.")
@click.option("--date", help="UTC date, YYYY-MM-DD (default: the next time HH:MM comes round).")
@click.option("--repeat", default="none", show_default=True, help="'none' or weekdays, e.g. mon,wed,fri.")
@click.option("--retry-count", default=0, show_default=True, type=click.IntRange(0, 60))
@click.option("--retry-task", default="all", show_default=True, type=click.Choice(["all", "failed"]))
@click.option("--product-key", help="The device's product key (default: looked up in your bindings).")
@pass_settings
def create(settings: Settings, did: str, assignments: tuple[str, ...], at: str, date: str | None, repeat: str,
           retry_count: int, retry_task: str, product_key: str | None) -> None:
    """Create a schedule that sets NAME=VALUE... on DID at --time."""
    check_did(did)
    attrs = parse_assignments(assignments)
    if date is not None and repeat == "none":
        _check_future(date, at)

    async def creating(session: Session) -> str:
        key = product_key
        if key is None:
            key = await anext((d.product_key async for d in session.iter_bindings() if d.did == did), None)
            if key is None:
                raise InputError(f"{did} is not bound to you: bind it, or pass --product-key")
        return await session.create_schedule(
            time=at, date=date, repeat=repeat, retry_count=retry_count, retry_task=retry_task,
            commands=[ScheduledCommand(did, key, attrs)])

    schedule_id = settings.call(creating)
    settings.output.result({"id": schedule_id, "did": did, "attrs": shown_attrs(attrs)},
                           f"Created schedule {schedule_id}.")


def _check_future(date: str, at: str, now: dt.datetime | None = None) -> None:
    """A one-off task must be due later than now (UTC): the server would accept a past one that never runs."""
    try:
        due = dt.datetime.combine(dt.date.fromisoformat(date), dt.time.fromisoformat(at), dt.UTC)
    except ValueError:
        return  # the library refuses the format itself, naming the field
    now = now or dt.datetime.now(dt.UTC)
    if due <= now:
        raise InputError(f"{date} {at} UTC is in the past (now {now:%Y-%m-%d %H:%M} UTC): the task would never run")


@schedules.command()
@click.argument("schedule_id")
@pass_settings
def delete(settings: Settings, schedule_id: str) -> None:
    """Delete the schedule SCHEDULE_ID."""
    settings.call(lambda session: session.delete_schedule(schedule_id))
    settings.output.result({"id": schedule_id, "deleted": True}, f"Deleted schedule {schedule_id}.")


@schedules.command()
@click.argument("schedule_id")
@pass_settings
def logs(settings: Settings, schedule_id: str) -> None:
    """Show the runs of the schedule SCHEDULE_ID."""
    runs: list[ScheduleLog] = settings.call(lambda session: session.schedule_logs(schedule_id))
    payload = [{"datetime": log.datetime, "status": log.status, "detail": log.detail} for log in runs]
    rows = [[f"{log.datetime:%Y-%m-%d %H:%M:%S}", log.status,
             ", ".join(f"{did}: {'ok' if ok else 'failed'}" for did, ok in log.detail.items())] for log in runs]
    settings.output.result(payload, Output.table(["at (UTC)", "status", "devices"], rows, f"{len(runs)} run(s)"))
