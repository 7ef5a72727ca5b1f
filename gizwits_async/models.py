"""The data the API returns, as frozen attrs classes, each converted from wire JSON in one place.

Conversions are tolerant: unknown extra fields are ignored, absent optional ones take a default, and a wire
value of the wrong shape becomes a `ValueError` that the request path reports as an `APIError`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "AppToken",
    "BindRequest",
    "BindResult",
    "Captcha",
    "Device",
    "DeviceData",
    "Schedule",
    "ScheduleLog",
    "ScheduledCommand",
    "Token",
]

#: Wire timestamps above this are milliseconds (the API's own examples mix both).
_MILLIS_THRESHOLD = 1e11

Json = dict[str, Any]


def timestamp(value: Any) -> dt.datetime | None:
    """A wire timestamp as an aware UTC datetime: Unix seconds or milliseconds, or ISO-8601; 0/None -> None."""
    if type(value) is int:  # the usual case first: it runs once per latest reading
        if value == 0:
            return None
    elif value is None or value == "" or value == 0:
        return None
    elif isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > _MILLIS_THRESHOLD else value
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError) as exc:  # out of datetime's range, inf, nan
            raise ValueError(f"timestamp out of range: {value!r}") from exc
    if isinstance(value, str):
        if value.strip().lstrip("-").replace(".", "", 1).isdigit():
            return timestamp(float(value))
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise ValueError(f"not a timestamp: {value!r}")


def _required_timestamp(value: Any) -> dt.datetime:
    stamp = timestamp(value)
    if stamp is None:
        raise ValueError(f"missing timestamp: {value!r}")
    return stamp


def _seconds_until(when: dt.datetime, now: dt.datetime | None) -> float:
    if now is None:
        return when.timestamp() - time.time()
    return (when - now).total_seconds()


def _obj(data: Any) -> Mapping[str, Any]:
    if type(data) is dict:  # the usual case, without the cost of an ABC check
        return data
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


@attrs.frozen
class Token:
    """A user token. Its value never shows in repr/str."""

    uid: str
    token: str = attrs.field(repr=False)
    expire_at: dt.datetime

    def expires_in(self, now: dt.datetime | None = None) -> float:
        """Seconds until expiry (negative once expired)."""
        return _seconds_until(self.expire_at, now)

    @classmethod
    def from_wire(cls, data: Any) -> Token:
        """From ``{"uid", "token", "expire_at"}``."""
        body = _obj(data)
        return cls(str(body["uid"]), str(body["token"]), _required_timestamp(body["expire_at"]))


@attrs.frozen
class AppToken:
    """An application token, for the captcha and SMS-code calls. Its value never shows in repr/str."""

    token: str = attrs.field(repr=False)
    expire_at: dt.datetime

    def expires_in(self, now: dt.datetime | None = None) -> float:
        """Seconds until expiry (negative once expired)."""
        return _seconds_until(self.expire_at, now)

    @classmethod
    def from_wire(cls, data: Any) -> AppToken:
        """From ``{"token", "expired_at"}`` (note the spelling)."""
        body = _obj(data)
        return cls(str(body["token"]), _required_timestamp(body["expired_at"]))


@attrs.frozen
class Captcha:
    """A picture captcha to show the user before an SMS code is sent."""

    captcha_id: str
    captcha_url: str

    @classmethod
    def from_wire(cls, data: Any) -> Captcha:
        """From ``{"captcha_id", "captcha_url"}``."""
        body = _obj(data)
        return cls(str(body["captcha_id"]), str(body["captcha_url"]))


@attrs.frozen
class Device:
    """A device bound to the user, as GET /app/bindings lists it. The passcode stays out of repr."""

    did: str
    product_key: str = ""
    mac: str = ""
    is_online: bool = False
    passcode: str = attrs.field(default="", repr=False)
    host: str = ""
    port: int | None = None
    remark: str = ""
    is_disabled: bool = False
    type: str = "normal"

    @classmethod
    def from_wire(cls, data: Any) -> Device:
        """From one entry of ``{"devices": [...]}``."""
        body = _obj(data)
        port = body.get("port")
        return cls(
            did=str(body["did"]),
            product_key=str(body.get("product_key") or ""),
            mac=str(body.get("mac") or ""),
            is_online=bool(body.get("is_online", False)),
            passcode=str(body.get("passcode") or ""),
            host=str(body.get("host") or ""),
            port=int(port) if port not in (None, "") else None,
            remark=str(body.get("remark") or ""),
            is_disabled=bool(body.get("is_disabled", False)),
            type=str(body.get("type") or "normal"),
        )


@attrs.frozen
class DeviceData:
    """A device's latest reported data (GET /app/devdata/{did}/latest); ``updated_at`` None: never reported."""

    did: str
    updated_at: dt.datetime | None
    attrs: dict[str, Any] = attrs.field(factory=dict)

    def binary(self, name: str) -> bytes:
        """A binary datapoint's value as bytes (the wire carries it as a hex string)."""
        return bytes.fromhex(str(self.attrs[name]))

    @classmethod
    def from_wire(cls, data: Any) -> DeviceData:
        """From ``{"did", "updated_at", "attr": {...}}``."""
        body = _obj(data)
        values = body.get("attr") or {}
        return cls(str(body["did"]), timestamp(body.get("updated_at")), dict(_obj(values)))


@attrs.frozen
class BindRequest:
    """One device to bind: its did, passcode and an optional remark (a name the user will recognise)."""

    did: str
    passcode: str = attrs.field(repr=False)
    remark: str = ""

    def to_wire(self) -> Json:
        """The entry of ``{"devices": [...]}`` in a bind request."""
        return {"did": self.did, "passcode": self.passcode, "remark": self.remark}


@attrs.frozen
class BindResult:
    """Which dids a bind/unbind batch succeeded and failed for."""

    success: list[str] = attrs.field(factory=list)
    failed: list[str] = attrs.field(factory=list)

    @classmethod
    def from_wire(cls, data: Any) -> BindResult:
        """From ``{"success": [...], "failed": [...]}``."""
        body = _obj(data)
        return cls([str(d) for d in body.get("success") or []], [str(d) for d in body.get("failed") or []])


@attrs.frozen
class ScheduledCommand:
    """One device command of a scheduled task."""

    did: str
    product_key: str
    attrs: Mapping[str, Any]

    def to_wire(self) -> Json:
        """The entry of ``"task": [...]``. ``attrs`` must already be in wire form."""
        return {"did": self.did, "product_key": self.product_key, "attrs": dict(self.attrs)}

    @classmethod
    def from_wire(cls, data: Any) -> ScheduledCommand:
        """From one entry of a task's ``"task"`` list."""
        body = _obj(data)
        return cls(str(body["did"]), str(body.get("product_key") or ""), dict(_obj(body.get("attrs") or {})))


@attrs.frozen
class Schedule:
    """A timed control task (GET /app/scheduler). ``time`` is UTC; ``repeat`` is "none" or a tuple of weekdays."""

    id: str
    created_at: dt.datetime | None
    date: dt.date | None
    time: dt.time | None
    repeat: str | tuple[str, ...]
    commands: tuple[ScheduledCommand, ...]
    retry_count: int = 0
    retry_task: str = "all"

    @classmethod
    def from_wire(cls, data: Any) -> Schedule:
        """From one entry of the GET /app/scheduler list."""
        body = _obj(data)
        date, clock, repeat = body.get("date"), body.get("time"), str(body.get("repeat") or "none")
        return cls(
            id=str(body["id"]),
            created_at=timestamp(body.get("created_at")),
            date=dt.date.fromisoformat(date) if date else None,
            time=dt.time.fromisoformat(clock) if clock else None,
            repeat="none" if repeat == "none" else tuple(day.strip() for day in repeat.split(",")),
            commands=tuple(ScheduledCommand.from_wire(c) for c in body.get("task") or []),
            retry_count=int(body.get("retry_count") or 0),
            retry_task=str(body.get("retry_task") or "all"),
        )


@attrs.frozen
class ScheduleLog:
    """One run of a scheduled task (its logs): when, "succeed" or "failed", and each device's result."""

    datetime: dt.datetime
    status: str
    detail: dict[str, bool] = attrs.field(factory=dict)

    @property
    def succeeded(self) -> bool:
        """Whether the run sent every command."""
        return self.status == "succeed"

    @classmethod
    def from_wire(cls, data: Any) -> ScheduleLog:
        """From ``{"datetime", "status", "detail": {did: bool}}``."""
        body = _obj(data)
        detail = _obj(body.get("detail") or {})
        return cls(
            _required_timestamp(body["datetime"]),
            str(body.get("status") or ""),
            {str(k): bool(v) for k, v in detail.items()},
        )


def schedule_logs_from_wire(data: Any) -> list[ScheduleLog]:
    """The logs endpoint answers one log object in the vendor's example, a list on servers with history: both."""
    items = data if isinstance(data, list) else [data] if data else []
    return [ScheduleLog.from_wire(item) for item in items]


def updated_at_from_wire(data: Any) -> dt.datetime:
    """The ``updatedAt`` of a PUT /app/users answer."""
    return _required_timestamp(_obj(data)["updatedAt"])
