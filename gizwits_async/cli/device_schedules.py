"""``schedules device list|create|delete``: a device's own timed commands (times are UTC)."""

from __future__ import annotations

import click

from ..automation_models import DeviceSchedule
from ..session import Session
from .context import Settings, pass_settings
from .output import Output, to_json
from .values import InputError, check_did, parse_assignments, shown_attrs

__all__ = ["device_schedules"]


@click.group("device")
def device_schedules() -> None:
    """A device's own schedules (times are UTC)."""


def _repeat(schedule: DeviceSchedule) -> str:
    if schedule.repeat == "day":
        return "days " + ",".join(map(str, schedule.days))
    return schedule.repeat if isinstance(schedule.repeat, str) else ",".join(schedule.repeat)


@device_schedules.command("list")
@click.argument("did")
@pass_settings
def list_(settings: Settings, did: str) -> None:
    """List the schedules of DID."""
    check_did(did)

    async def listing(session: Session) -> list[DeviceSchedule]:
        return [s async for s in session.iter_device_schedules(did)]

    found = settings.call(listing)
    payload = [{"id": s.id, "date": s.date, "time": s.time, "repeat": s.repeat, "days": s.days, "enabled": s.enabled,
                "start_date": s.start_date, "end_date": s.end_date, "remark": s.remark, "attrs": s.attrs,
                "command": s.command} for s in found]
    rows = [[s.id, s.date, s.time.strftime("%H:%M") if s.time else "", _repeat(s), "yes" if s.enabled else "no",
             to_json(s.attrs) if s.attrs else (s.command or b"").hex(), s.remark] for s in found]
    settings.output.result(payload, Output.table(
        ["id", "date", "time", "repeat", "enabled", "command", "remark"], rows, f"{len(found)} schedule(s)"))


def _days(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(day) for day in text.split(",")]
    except ValueError:
        raise InputError(f"--days takes days of the month, e.g. 1,15; got {text!r}") from None


@device_schedules.command()
@click.argument("did")
@click.argument("assignments", metavar="NAME=VALUE...", nargs=-1, required=True)
@click.option("--time", "at", required=True, help="UTC time of day, HH:MM.")
@click.option("--date", help="UTC date of a one-off task, YYYY-MM-DD (default: the next time HH:MM comes round).")
@click.option("--repeat", default="none", show_default=True,
              help="'none', weekdays (e.g. mon,wed,fri), or 'day' with --days.")
@click.option("--days", help="Days of the month for --repeat day, e.g. 1,15.")
@click.option("--start-date", help="First day of a recurring task, YYYY-MM-DD.")
@click.option("--end-date", help="Last day of a recurring task, YYYY-MM-DD.")
@click.option("--disabled", is_flag=True, help="Create it switched off.")
@click.option("--remark", help="A note kept with the task.")
@pass_settings
def create(settings: Settings, did: str, assignments: tuple[str, ...], at: str, date: str | None, repeat: str,
           days: str | None, start_date: str | None, end_date: str | None, disabled: bool,
           remark: str | None) -> None:
    """Schedule NAME=VALUE... on DID at --time (UTC)."""
    check_did(did)
    attrs = parse_assignments(assignments)
    schedule_id = settings.call(lambda session: session.create_device_schedule(
        did, time=at, attrs=attrs, date=date, repeat=repeat, days=_days(days), start_date=start_date,
        end_date=end_date, enabled=not disabled, remark=remark))
    settings.output.result({"id": schedule_id, "did": did, "attrs": shown_attrs(attrs)},
                           f"Created schedule {schedule_id} on {did}.")


@device_schedules.command()
@click.argument("did")
@click.argument("schedule_id")
@pass_settings
def delete(settings: Settings, did: str, schedule_id: str) -> None:
    """Delete the schedule SCHEDULE_ID of DID."""
    check_did(did)
    settings.call(lambda session: session.delete_device_schedule(did, schedule_id))
    settings.output.result({"id": schedule_id, "did": did, "deleted": True}, f"Deleted schedule {schedule_id}.")
