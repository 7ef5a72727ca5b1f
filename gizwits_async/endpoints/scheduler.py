"""Timed control tasks (/app/scheduler)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ..models import Schedule, ScheduledCommand, ScheduleLog, schedule_logs_from_wire
from ..recurrence import next_date
from ..retry import Idempotency
from ..validation import (
    check_page,
    check_segment,
    schedule_commands,
    schedule_date,
    schedule_repeat,
    schedule_retry,
    schedule_time,
)
from ._base import Auth, Call, paginate
from .products import ProductsAPI

_SCHEDULER = "/app/scheduler"


def _schedules_from_wire(data: Any) -> list[Schedule]:
    return [Schedule.from_wire(item) for item in data]


class SchedulerAPI(ProductsAPI):
    """Timed control tasks: create, list, delete, and their logs."""

    def _check_command(self, did: str, product_key: str, attrs: Any) -> dict[str, Any]:
        return self.check_attrs(did, attrs, product_key=product_key)

    async def create_schedule(
        self,
        *,
        time: dt.time | str,
        commands: Iterable[ScheduledCommand | tuple[str, str, Mapping[str, Any]]],
        date: dt.date | str | None = None,
        repeat: str | Iterable[str] = "none",
        retry_count: int = 0,
        retry_task: str = "all",
    ) -> str:
        """POST /app/scheduler: create a task that sends ``commands`` at ``time`` (UTC); returns its id.

        A one-off task (``repeat="none"``) with no ``date`` runs at the next UTC occurrence of ``time``.
        ``repeat`` is "none" or weekdays ("mon".."sun"). Bad values raise `ValidationError` before any request.
        """
        clock = schedule_time(time)
        days = schedule_repeat(repeat)
        day = schedule_date(date)
        retries, retry_on = schedule_retry(retry_count, retry_task)
        body: dict[str, Any] = {"time": clock, "repeat": days, "task": schedule_commands(commands, self._check_command),
                                "retry_count": retries, "retry_task": retry_on}
        if day is None and days == "none":
            day = next_date(clock)
        if day is not None:
            body = {"date": day, **body}
        result: str = await self._call(Call("POST", _SCHEDULER, Auth.USER, json=body,
                                            parse=lambda data: str(data["id"]), idempotency=Idempotency.UNSAFE))
        return result

    async def schedules(self, *, limit: int = 20, skip: int = 0) -> list[Schedule]:
        """GET /app/scheduler: one page of the user's tasks."""
        limit, skip = check_page(limit, skip)
        result: list[Schedule] = await self._call(
            Call("GET", f"{_SCHEDULER}?limit={limit}&skip={skip}", Auth.USER, parse=_schedules_from_wire))
        return result

    async def iter_schedules(self, *, page_size: int = 100) -> AsyncIterator[Schedule]:
        """GET /app/scheduler, every page: yields each task, stopping after a short page."""
        async def fetch(limit: int, skip: int) -> list[Schedule]:
            return await self.schedules(limit=limit, skip=skip)

        async for schedule in paginate(fetch, page_size):
            yield schedule

    async def delete_schedule(self, schedule_id: str) -> None:
        """DELETE /app/scheduler/{id}: delete a task."""
        await self._call(Call("DELETE", f"{_SCHEDULER}/{check_segment(schedule_id, 'schedule_id')}", Auth.USER))

    async def schedule_logs(self, schedule_id: str) -> list[ScheduleLog]:
        """GET /app/scheduler/{id}/logs: the task's execution logs."""
        result: list[ScheduleLog] = await self._call(Call(
            "GET", f"{_SCHEDULER}/{check_segment(schedule_id, 'schedule_id')}/logs", Auth.USER,
            parse=schedule_logs_from_wire))
        return result
