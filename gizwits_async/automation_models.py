"""What the service keeps to act on many devices at once: groups, per-device schedules and scenes."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import attrs

from .errors import APIError, exception_class
from .models import BindResult, KeepsRaw, _obj, _raw_field, timestamp
from .sharing_models import text

__all__ = ["DeviceSchedule", "Group", "GroupChange", "Scene", "SceneStatus", "SceneTask"]

#: The longest delay step of a scene, in seconds.
MAX_SCENE_DELAY = 3600


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


@attrs.frozen
class Group(KeepsRaw):
    """A named set of the user's devices; ``product_key`` is "" for a group mixing products."""

    id: str
    name: str
    product_key: str = ""
    verbose_name: str = ""
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> Group:
        """From one entry of the group list."""
        body = _obj(data)
        return cls(
            id=str(body["id"]),
            name=text(body.get("group_name")),
            product_key=text(body.get("product_key")),
            verbose_name=text(body.get("verbose_name")),
            created_at=timestamp(body.get("created_at")),
            updated_at=timestamp(body.get("updated_at")),
            raw=body,
        )


@attrs.frozen
class GroupChange(BindResult):
    """Which dids were added to (or removed from) a group; ``errors`` holds the service's reason per failed did
    when it gave one (a `DeviceNotFoundError` for 9014, say)."""

    errors: dict[str, APIError] = attrs.field(factory=dict)

    @classmethod
    def from_wire(cls, data: Any) -> GroupChange:
        """From ``{"success": [...], "failed": [...], "detail"?: [{"did", "error_code", "error_message"}]}``."""
        result = BindResult.from_wire(data)
        errors = {}
        for item in _obj(data).get("detail") or []:
            entry = _obj(item)
            code = entry.get("error_code")
            code = int(code) if code not in (None, "") else None
            detail = entry.get("detail_msg") or entry.get("detail_message")
            errors[str(entry["did"])] = exception_class(code, 200)(
                text(entry.get("error_message")) or "refused", code=code,
                detail=str(detail) if detail else None, status=200)
        return cls(result.success, result.failed, errors)


def _repeat(value: str) -> str | tuple[str, ...]:
    if value in ("none", "day", ""):
        return value or "none"
    return tuple(day.strip() for day in value.split(","))


@attrs.frozen
class DeviceSchedule(KeepsRaw):
    """A device's timed command (times and dates are UTC).

    ``repeat`` is "none" (once, on ``date``), "day" (on the ``days`` of each month) or a tuple of weekdays
    ("mon".."sun"). ``command`` holds raw bytes when the task sends raw data instead of ``attrs``. A task of the
    common scheduler targets a device (``did``), a group (``group_id``) or a scene (``scene_id``).
    """

    id: str
    did: str
    date: dt.date | None
    time: dt.time | None
    repeat: str | tuple[str, ...] = "none"
    attrs: dict[str, Any] = attrs.field(factory=dict)
    enabled: bool = True
    remark: str = ""
    days: tuple[int, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    command: bytes | None = None
    product_key: str = ""
    group_id: str = ""
    scene_id: str = ""
    created_at: dt.datetime | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> DeviceSchedule:
        """From one task of a scheduler list (``raw`` on the wire is a hex string)."""
        body = _obj(data)
        clock, command = body.get("time"), body.get("raw")
        return cls(
            id=str(body["id"]),
            did=text(body.get("did")),
            date=_date(body.get("date")),
            time=dt.time.fromisoformat(clock) if clock else None,
            repeat=_repeat(text(body.get("repeat"))),
            attrs=dict(_obj(body.get("attrs") or {})),
            enabled=bool(body.get("enabled", True)),
            remark=text(body.get("remark")),
            days=tuple(int(day) for day in body.get("days") or ()),
            start_date=_date(body.get("start_date")),
            end_date=_date(body.get("end_date")),
            command=bytes.fromhex(command) if command else None,
            product_key=text(body.get("product_key")),
            group_id=text(body.get("group_id")),
            scene_id=text(body.get("scene_id")),
            created_at=timestamp(body.get("created_at")),
            raw=body,
        )


TASK_KINDS = ("device", "group", "delay")


@attrs.frozen
class SceneTask(KeepsRaw):
    """One step of a scene: control a device or a group, or wait.

    Build one with `SceneTask.device`, `SceneTask.group` or `SceneTask.delay`. In a scene, enum values are
    sent as their index; ``command`` is raw bytes (sent base64) instead of ``attrs``.
    """

    kind: str
    did: str = ""
    group_id: str = ""
    attrs: Mapping[str, Any] = attrs.field(factory=dict)
    command: bytes | None = None
    seconds: int = 0
    product_key: str = ""
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def device(cls, did: str, attrs: Mapping[str, Any] | None = None, *, command: bytes | None = None) -> SceneTask:
        """Control the device ``did`` with ``attrs`` (or raw ``command`` bytes)."""
        return cls("device", did=did, attrs=attrs or {}, command=command)

    @classmethod
    def group(cls, group_id: str, attrs: Mapping[str, Any] | None = None, *,
              command: bytes | None = None) -> SceneTask:
        """Control every device of a (single-product) group."""
        return cls("group", group_id=group_id, attrs=attrs or {}, command=command)

    @classmethod
    def delay(cls, seconds: int) -> SceneTask:
        """Wait ``seconds`` (at most an hour) before the next step."""
        return cls("delay", seconds=seconds)

    @classmethod
    def from_wire(cls, data: Any) -> SceneTask:
        """From one entry of a scene's ``tasks`` (``raw`` on the wire is base64)."""
        body = _obj(data)
        command = body.get("raw")
        return cls(
            kind=text(body.get("task_type")),
            did=text(body.get("did")),
            group_id=text(body.get("group_id")),
            attrs=dict(_obj(body.get("attrs") or {})),
            command=base64.b64decode(command) if command else None,
            seconds=int(body.get("time") or 0),
            product_key=text(body.get("product_key")),
            raw=body,
        )


@attrs.frozen
class Scene(KeepsRaw):
    """A named sequence of device, group and delay steps the service runs on request."""

    id: str
    name: str
    remark: str = ""
    tasks: tuple[SceneTask, ...] = ()
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> Scene:
        """From one entry of the scene list."""
        body = _obj(data)
        return cls(
            id=str(body["id"]),
            name=text(body.get("scene_name")),
            remark=text(body.get("remark")),
            tasks=tuple(SceneTask.from_wire(task) for task in body.get("tasks") or ()),
            created_at=timestamp(body.get("created_at")),
            updated_at=timestamp(body.get("updated_at")),
            raw=body,
        )


class SceneStatus(StrEnum):
    """How the last run of a scene went (the service answers an index)."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    NOT_RUN = "not run"

    @classmethod
    def from_wire(cls, data: Any) -> SceneStatus:
        """From ``{"status": 0..3}``."""
        index = int(_obj(data)["status"])
        if not 0 <= index < len(cls):
            raise ValueError(f"unknown scene status {index}")
        return list(cls)[index]
