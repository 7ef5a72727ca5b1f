"""Timed control tasks (/app/scheduler): the task form, its validation, and when a task fires next."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from .errors import ApiError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class Command:
    """One control command of a task."""

    did: str
    product_key: str
    attrs: dict[str, Any]


@dataclass
class Schedule:
    """A user's timed task and its execution logs; `due` is the next firing time (None = never again)."""

    id: str
    uid: str
    created_at: float
    date: str | None
    time: str
    repeat: str
    task: list[Command]
    retry_count: int
    retry_task: str
    logs: list[dict[str, Any]] = field(default_factory=list)
    due: float | None = None
    occurrence: float = 0.0  # the scheduled time of the run in progress (retries included)
    retries_left: int = 0
    retrying: list[Command] | None = None  # the commands the next retry resends

    @property
    def days(self) -> set[int]:
        """Weekday numbers (Monday = 0) of a repeating task; empty for a one-shot."""
        return set() if self.repeat == "none" else {WEEKDAYS.index(d) for d in self.repeat.split(",")}

    def next_occurrence(self, after: float) -> float | None:
        """The first scheduled time at or after `after` (Unix seconds), or None."""
        hh, mm = (int(part) for part in self.time.split(":"))
        at = dtime(hh, mm, tzinfo=UTC)
        start = date.fromisoformat(self.date) if self.date else None
        if not self.days:
            if start is None:
                return None
            when = datetime.combine(start, at).timestamp()
            return when if when >= after else None
        first = datetime.fromtimestamp(after, UTC).date()
        if start is not None and start > first:
            first = start
        for offset in range(8):
            day = first + timedelta(days=offset)
            when = datetime.combine(day, at).timestamp()
            if day.weekday() in self.days and when >= after:
                return when
        return None  # pragma: no cover - a week always holds one of the days

    def to_wire(self) -> dict[str, Any]:
        """The task as GET /app/scheduler lists it."""
        return {
            "id": self.id,
            "created_at": iso_seconds(self.created_at),
            "date": self.date,
            "time": self.time,
            "repeat": self.repeat,
            "task": [{"did": c.did, "product_key": c.product_key, "attrs": c.attrs} for c in self.task],
            "retry_count": self.retry_count,
            "retry_task": self.retry_task,
        }


def parse_schedule(body: Any, *, schedule_id: str, uid: str, now: float) -> Schedule:
    """Build a Schedule from a POST /app/scheduler body, or raise 9015 naming the first bad field."""
    if not isinstance(body, dict):
        raise ApiError(9015, "body must be a JSON object")
    when = body.get("time")
    if not isinstance(when, str) or not _TIME.fullmatch(when):
        raise ApiError(9015, "time must be HH:MM (UTC)")
    repeat = body.get("repeat", "none")
    if not isinstance(repeat, str) or (repeat != "none" and not all(d in WEEKDAYS for d in repeat.split(","))):
        raise ApiError(9015, "repeat must be 'none' or a comma list of mon..sun")
    day = body.get("date")
    if day is not None and not _is_date(day):
        raise ApiError(9015, "date must be YYYY-MM-DD")
    if repeat == "none" and day is None:
        raise ApiError(9015, "a one-shot task needs a date")
    retry_count = body.get("retry_count", 0)
    if not isinstance(retry_count, int) or isinstance(retry_count, bool) or not 0 <= retry_count <= 60:
        raise ApiError(9015, "retry_count must be an integer in 0..60")
    retry_task = body.get("retry_task", "all")
    if retry_task not in ("all", "failed"):
        raise ApiError(9015, "retry_task must be 'all' or 'failed'")
    return Schedule(
        id=schedule_id,
        uid=uid,
        created_at=now,
        date=day,
        time=when,
        repeat=repeat,
        task=_parse_task(body.get("task")),
        retry_count=retry_count,
        retry_task=retry_task,
    )


def _parse_task(task: Any) -> list[Command]:
    if not isinstance(task, list) or not task:
        raise ApiError(9015, "task must be a non-empty list")
    commands = []
    for item in task:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("did"), str)
            and isinstance(item.get("product_key"), str)
            and isinstance(item.get("attrs"), dict)
        ):
            raise ApiError(9015, "each task item needs did, product_key and attrs")
        commands.append(Command(item["did"], item["product_key"], item["attrs"]))
    return commands


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def iso_seconds(timestamp: float) -> str:
    """`2015-01-01T12:00:00`, UTC, the scheduler's timestamp format."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")
