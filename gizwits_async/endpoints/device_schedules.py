"""Per-device schedules (a device's own timed commands) and the common scheduler (device, group or scene)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from ..automation_models import DeviceSchedule
from ..errors import APIError, ErrorCode
from ..recurrence import WIRE_KEYS, check_target, check_task, task_fields
from ..retry import Idempotency
from ..validation import check_did, check_page, check_segment
from ._base import Auth, Call, paginate
from .products import ProductsAPI

_COMMON = "/app/common_scheduler"
Repeat = str | Iterable[str]


def _device_path(did: str, schedule_id: str | None = None) -> str:
    path = f"/app/devices/{check_did(did)}/scheduler"
    return path if schedule_id is None else f"{path}/{check_segment(schedule_id, 'schedule_id')}"


def _schedules_from_wire(data: Any) -> list[DeviceSchedule]:
    return [DeviceSchedule.from_wire(item) for item in data or []]


def _created_id(data: Any) -> str:
    return str(data["id"])


def _task_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """The task-body fields of a listed task (what an update sends back unchanged)."""
    return {key: record[key] for key in WIRE_KEYS.values() if record.get(key) not in (None, "", [], {})}


class DeviceSchedulesAPI(ProductsAPI):
    """A device's own schedules, and the common scheduler."""


    async def device_schedules(self, did: str, *, limit: int = 20, skip: int = 0) -> list[DeviceSchedule]:
        """One page of a device's schedules."""
        limit, skip = check_page(limit, skip)
        result: list[DeviceSchedule] = await self._call(
            Call("GET", f"{_device_path(did)}?limit={limit}&skip={skip}", Auth.USER, parse=_schedules_from_wire))
        return result

    async def iter_device_schedules(self, did: str, *, page_size: int = 100) -> AsyncIterator[DeviceSchedule]:
        """Every schedule of a device, page after page."""
        async def fetch(limit: int, skip: int) -> list[DeviceSchedule]:
            return await self.device_schedules(did, limit=limit, skip=skip)

        async for schedule in paginate(fetch, page_size):
            yield schedule

    async def create_device_schedule(
        self, did: str, *, time: dt.time | str, attrs: Mapping[str, Any] | None = None,
        date: dt.date | str | None = None, repeat: Repeat = "none", enabled: bool = True,
        start_date: dt.date | str | None = None, end_date: dt.date | str | None = None,
        remark: str | None = None, days: Iterable[int] | None = None, command: bytes | None = None,
    ) -> str:
        """Schedule ``attrs`` (or raw ``command`` bytes) on ``did`` at ``time`` (UTC); returns the schedule id.

        ``repeat``: "none" (once, on ``date``; default the next time ``time`` comes round), weekdays
        ("mon".."sun", an iterable or a comma list), or "day" with ``days`` of the month (1..31).
        ``start_date``/``end_date`` bound a recurring task. Bad values raise `ValidationError` before any request.
        """
        body = check_task(task_fields({
            "time": time, "date": date, "repeat": repeat, "days": days, "start_date": start_date,
            "end_date": end_date, "enabled": enabled, "remark": remark, "attrs": attrs, "command": command},
            self._attrs_checker(did=did)))
        result: str = await self._call(Call("POST", _device_path(did), Auth.USER, json=body, parse=_created_id,
                                            idempotency=Idempotency.UNSAFE))
        return result

    async def update_device_schedule(self, did: str, schedule_id: str, **fields: Any) -> None:
        """Change the given fields of a device's schedule (the keywords of `create_device_schedule`).

        The other fields keep their values: the schedule is read first, and sent back whole with the changes
        (an `APIError` with code 9030 when the device has no schedule ``schedule_id``).
        """
        changes = task_fields(fields, self._attrs_checker(did=did))
        current = await self._find(self.iter_device_schedules(did), schedule_id)
        body = check_task(_task_body(current.raw) | changes)
        await self._call(Call("PUT", _device_path(did, schedule_id), Auth.USER, json=body))

    async def delete_device_schedule(self, did: str, schedule_id: str) -> None:
        """Delete a device's schedule."""
        await self._call(Call("DELETE", _device_path(did, schedule_id), Auth.USER))

    # -- the common scheduler ---------------------------------------------------------------------------

    async def common_schedules(self, *, did: str | None = None, group_id: str | None = None,
                               scene_id: str | None = None, limit: int = 20, skip: int = 0) -> list[DeviceSchedule]:
        """One page of the common scheduler's tasks, optionally only those of one device, group or scene."""
        limit, skip = check_page(limit, skip)
        query = f"?limit={limit}&skip={skip}"
        for key, value in (("did", did), ("group_id", group_id), ("scene_id", scene_id)):
            if value is not None:
                query += f"&{key}={check_segment(value, key)}"
        result: list[DeviceSchedule] = await self._call(
            Call("GET", _COMMON + query, Auth.USER, parse=_schedules_from_wire))
        return result

    async def create_common_schedule(
        self, *, time: dt.time | str, did: str | None = None, group_id: str | None = None,
        scene_id: str | None = None, attrs: Mapping[str, Any] | None = None, date: dt.date | str | None = None,
        repeat: Repeat = "none", enabled: bool = True, start_date: dt.date | str | None = None,
        end_date: dt.date | str | None = None, remark: str | None = None, days: Iterable[int] | None = None,
        command: bytes | None = None,
    ) -> str:
        """A task of the common scheduler for exactly one of a device, a group or a scene; returns its id.

        The rules are those of `create_device_schedule`; a scene task takes no ``attrs`` (the scene says
        what to do).
        """
        key, target = check_target(did, group_id, scene_id)
        body = check_task(task_fields({
            "time": time, "date": date, "repeat": repeat, "days": days, "start_date": start_date,
            "end_date": end_date, "enabled": enabled, "remark": remark, "attrs": attrs, "command": command},
            self._attrs_checker(did=did, group_id=group_id)), needs_command=key != "scene_id")
        result: str = await self._call(Call("POST", _COMMON, Auth.USER, json={key: target, **body},
                                            parse=_created_id, idempotency=Idempotency.UNSAFE))
        return result

    async def update_common_schedule(self, schedule_id: str, **fields: Any) -> None:
        """Change the given fields of a common-scheduler task (its target stays)."""
        async def every() -> AsyncIterator[DeviceSchedule]:
            async for schedule in paginate(lambda limit, skip: self.common_schedules(limit=limit, skip=skip), 100):
                yield schedule

        task_fields(fields)  # bad fields are refused before the list is read
        current = await self._find(every(), schedule_id)
        target = {key: current.raw[key] for key in ("did", "group_id", "scene_id") if current.raw.get(key)}
        changes = task_fields(fields, self._attrs_checker(did=target.get("did"), group_id=target.get("group_id")))
        body = check_task(_task_body(current.raw) | changes, needs_command="scene_id" not in target)
        await self._call(Call("PUT", f"{_COMMON}/{check_segment(schedule_id, 'schedule_id')}", Auth.USER,
                              json=target | body))

    async def delete_common_schedule(self, schedule_id: str) -> None:
        """Delete a common-scheduler task."""
        await self._call(Call("DELETE", f"{_COMMON}/{check_segment(schedule_id, 'schedule_id')}", Auth.USER))

    def _attrs_checker(self, *, did: str | None = None,
                       group_id: str | None = None) -> Callable[[Any], dict[str, Any]]:
        """How a task's attrs are checked: against the device's or the group's product when it is known."""
        product_key = self._shared.group_products.get(group_id) if group_id is not None else None
        return lambda attrs: self.check_attrs(did, attrs, product_key=product_key)

    @staticmethod
    async def _find(schedules: AsyncIterator[DeviceSchedule], schedule_id: str) -> DeviceSchedule:
        check_segment(schedule_id, "schedule_id")
        async for schedule in schedules:
            if schedule.id == schedule_id:
                return schedule
        raise APIError("scheduler not found", code=ErrorCode.SCHEDULER_NOT_FOUND, status=404,
                       detail=schedule_id)
