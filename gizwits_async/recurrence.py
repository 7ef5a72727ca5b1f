"""The task body of the per-device and common schedulers: each field checked, then the rules between fields.

Every failure is a `ValidationError`, raised before any request. Times and dates are UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import ValidationError
from .validation import check_text, encode_attrs, schedule_date, schedule_repeat, schedule_time

__all__ = ["check_task", "next_date", "task_fields"]

#: The wire key of each keyword argument of a scheduler call.
WIRE_KEYS = {
    "time": "time",
    "date": "date",
    "repeat": "repeat",
    "days": "days",
    "start_date": "start_date",
    "end_date": "end_date",
    "enabled": "enabled",
    "remark": "remark",
    "attrs": "attrs",
    "command": "raw",
}


def next_date(time: str, now: dt.datetime | None = None) -> str:
    """The UTC date on which ``time`` ("HH:MM") next comes round."""
    now = now or dt.datetime.now(dt.UTC)
    hour, minute = map(int, time.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (at if at > now else at + dt.timedelta(days=1)).date().isoformat()


def task_repeat(value: Any) -> str:
    """"none", "day" (days of the month, see ``days``) or weekdays, sent comma-joined in week order."""
    return "day" if value == "day" else schedule_repeat(value)


def month_days(value: Any) -> list[int]:
    """Days of the month (1..31), sorted, without repeats."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(f"days must be an iterable of days of the month 1..31, got {value!r:.60}")
    days = set()
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise ValidationError(f"days must be days of the month 1..31, got {day!r}")
        days.add(day)
    return sorted(days)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"enabled must be True or False, got {value!r}")
    return value


def _remark(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"remark must be a string, got {type(value).__name__}")
    return value


def _command(value: Any) -> str:
    if not isinstance(value, bytes | bytearray | memoryview) or not value:
        raise ValidationError("command must be non-empty bytes")
    return bytes(value).hex()


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "time": schedule_time,
    "date": schedule_date,
    "repeat": task_repeat,
    "days": month_days,
    "start_date": schedule_date,
    "end_date": schedule_date,
    "enabled": _flag,
    "remark": _remark,
    "attrs": encode_attrs,
    "command": _command,
}


def task_fields(fields: Mapping[str, Any],
                attrs: Callable[[Any], dict[str, Any]] = encode_attrs) -> dict[str, Any]:
    """The given keyword fields, each checked, in wire form (None values are left out).

    ``attrs`` checks the datapoint values (against the target's product, in a session that knows its schema).
    """
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in _ENCODERS:
            raise ValidationError(f"unknown schedule field {name!r}; known: {', '.join(_ENCODERS)}")
        if value is not None:
            body[WIRE_KEYS[name]] = (attrs if name == "attrs" else _ENCODERS[name])(value)
    return body


def check_task(body: dict[str, Any], *, needs_command: bool = True, now: dt.datetime | None = None) -> dict[str, Any]:
    """Apply the rules between fields to a whole wire body; returns it, with ``date`` filled in when absent.

    A task needs a time, and ``attrs`` or raw bytes (unless ``needs_command`` is False: scene tasks);
    ``days`` go with repeat "day" only and it needs some; ``start_date``/``end_date`` bound recurring tasks
    only, in that order. A task without a date gets the next date its time comes round (the service wants
    one even for recurring tasks).
    """
    if "time" not in body:
        raise ValidationError("a schedule needs a time (UTC, 'HH:MM')")
    if needs_command and not body.get("attrs") and not body.get("raw"):
        raise ValidationError("a schedule needs attrs or a raw command")
    repeat = body.setdefault("repeat", "none")
    if (repeat == "day") != bool(body.get("days")):
        raise ValidationError("days (of the month) go with repeat='day', which needs at least one")
    start, end = body.get("start_date"), body.get("end_date")
    if repeat == "none" and (start or end):
        raise ValidationError("start_date and end_date bound recurring tasks; this one runs once")
    if start and end and start > end:
        raise ValidationError(f"start_date {start} is after end_date {end}")
    if not body.get("date"):
        body["date"] = next_date(body["time"], now)
    return body


def check_target(did: str | None, group_id: str | None, scene_id: str | None) -> tuple[str, str]:
    """The one target of a common-scheduler task: ("did" | "group_id" | "scene_id", its id)."""
    given = [(key, value) for key, value in (("did", did), ("group_id", group_id), ("scene_id", scene_id))
             if value is not None]
    if len(given) != 1:
        raise ValidationError("a common-scheduler task targets exactly one of did, group_id or scene_id")
    key, value = given[0]
    return key, check_text(value, key)
