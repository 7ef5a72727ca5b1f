"""The data the API returns, as frozen attrs classes, each converted from wire JSON in one place.

Conversions are tolerant: unknown extra fields are ignored, absent optional ones take a default, and a wire
value of the wrong shape becomes a `ValueError` that the request path reports as an `APIError`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "AppToken",
    "AttrValue",
    "BindRequest",
    "BindResult",
    "Captcha",
    "Device",
    "DeviceData",
    "Guest",
    "RawRecord",
    "Schedule",
    "ScheduleLog",
    "ScheduledCommand",
    "Token",
    "User",
]

#: Wire timestamps above this are milliseconds (the API's own examples mix both).
_MILLIS_THRESHOLD = 1e11

Json = dict[str, Any]

#: A datapoint's value as a device reports it: a bool, a number, a string (an enum's label), or bytes (a binary
#: datapoint once its product's schema is known; hex text before).
AttrValue = bool | int | float | str | bytes


def timestamp(value: Any) -> dt.datetime | None:
    """A wire timestamp as an aware UTC datetime: Unix seconds or milliseconds, or ISO-8601; 0/None -> None."""
    if type(value) is int:  # the usual case first: it runs once per latest reading
        if value == 0:
            return None
        if 0 < value <= _MILLIS_THRESHOLD:
            return dt.datetime.fromtimestamp(value, dt.UTC)
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


class KeepsRaw:
    """The models that keep the whole record they were read from, as ``raw``."""

    __slots__ = ()
    _raw: Mapping[str, Any]

    @property
    def raw(self) -> Mapping[str, Any]:
        """The record as received, read-only: every key, those without a field of their own included."""
        return MappingProxyType(self._raw)


def _raw_field() -> Any:
    """The ``_raw`` field of a `KeepsRaw` model (its argument is ``raw``): a shallow copy of the record, since the
    caller's dict may change later. A plain dict, shown read-only by `KeepsRaw.raw`: a read-only proxy kept per
    record was one more object per reading for the garbage collector to walk. Kept out of repr (it may hold a
    passcode), of eq and of hash (a mapping is not hashable)."""
    return attrs.field(factory=dict, converter=dict, repr=False, eq=False)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    """An optional whole number; the service writes some as strings ("8880")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an integer: {value!r}")
    return int(value)


def _opt_bool(value: Any) -> bool | None:
    """An optional flag: true/false, or 0/1 as older firmware reports it."""
    if value is None or isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise ValueError(f"not a boolean: {value!r}")


def _labels(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"dev_label must be a list, got {value!r}")
    return tuple(str(label) for label in value)


@attrs.frozen
class Device(KeepsRaw):
    """A device bound to the user, as the bindings list and the device details describe it.

    Fields the service did not send are None (the first ten keep their historical defaults). ``raw`` is the
    whole record as received, read-only, so that nothing the service sends is lost. The passcode stays out of
    repr, and so does ``raw``, which holds it too.
    """

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
    #: The name the user gave the device ("Living room"); per user.
    dev_alias: str | None = None
    #: The user's labels for the device; per user.
    dev_label: tuple[str, ...] | None = None
    product_name: str | None = None
    #: MQTT over TLS; ``port`` is plain MQTT.
    port_s: int | None = None
    #: The push (WebSocket) ports on ``host``: ``ws_port`` plain, ``wss_port`` TLS.
    ws_port: int | None = None
    wss_port: int | None = None
    #: The user's relation to the device: "special", "owner", "guest" or "normal".
    role: str | None = None
    is_sandbox: bool | None = None
    protoc: int | None = None
    proto_ver: str | None = None
    wifi_soft_version: str | None = None
    wifi_hard_version: str | None = None
    mcu_soft_version: str | None = None
    mcu_hard_version: str | None = None
    #: The gateway's did, for a sub-device.
    gw_did: str | None = None
    #: When the device last came online or went offline.
    state_last_timestamp: dt.datetime | None = None
    is_low_power: bool | None = None
    sleep_duration: int | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> Device:
        """From one entry of ``{"devices": [...]}`` or a device-details answer."""
        body = _obj(data)
        get = body.get
        return cls(
            did=str(body["did"]),
            product_key=str(get("product_key") or ""),
            mac=str(get("mac") or ""),
            is_online=bool(get("is_online", False)),
            passcode=str(get("passcode") or ""),
            host=str(get("host") or ""),
            port=_opt_int(get("port")),
            remark=str(get("remark") or ""),
            is_disabled=bool(get("is_disabled", False)),
            type=str(get("type") or "normal"),
            dev_alias=_opt_str(get("dev_alias")),
            dev_label=_labels(get("dev_label")),
            product_name=_opt_str(get("product_name")),
            port_s=_opt_int(get("port_s")),
            ws_port=_opt_int(get("ws_port")),
            wss_port=_opt_int(get("wss_port")),
            role=_opt_str(get("role")),
            is_sandbox=_opt_bool(get("is_sandbox")),
            protoc=_opt_int(get("protoc")),
            proto_ver=_opt_str(get("proto_ver")),
            wifi_soft_version=_opt_str(get("wifi_soft_version")),
            wifi_hard_version=_opt_str(get("wifi_hard_version")),
            mcu_soft_version=_opt_str(get("mcu_soft_version")),
            mcu_hard_version=_opt_str(get("mcu_hard_version")),
            gw_did=_opt_str(get("gw_did")),
            state_last_timestamp=timestamp(get("state_last_timestamp")),
            is_low_power=_opt_bool(get("is_low_power")),
            sleep_duration=_opt_int(get("sleep_duration")),
            raw=body,
        )


@attrs.frozen
class DeviceData(KeepsRaw):
    """A device's latest reported data (GET /app/devdata/{did}/latest); ``updated_at`` None: never reported.

    ``attrs`` are the values in Python form when the session knows the device's product schema (bool from 0/1,
    binaries as bytes, enum indexes as labels), else as reported. ``raw`` is the whole answer as received,
    read-only: ``raw["attr"]`` keeps the values as reported. ``online`` is None when unknown (a
    REST reading says nothing about it; `Session.watch` fills it in from push news).
    """

    did: str
    updated_at: dt.datetime | None
    attrs: dict[str, AttrValue] = attrs.field(factory=dict)
    _raw: Mapping[str, Any] = _raw_field()
    online: bool | None = None

    def binary(self, name: str) -> bytes:
        """A binary datapoint's value as bytes (the wire carries it as a hex string)."""
        value = self.attrs[name]
        return value if isinstance(value, bytes) else bytes.fromhex(str(value))

    @classmethod
    def from_wire(cls, data: Any, decode: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None) -> DeviceData:
        """From ``{"did", "updated_at", "attr": {...}}``; ``decode`` turns reported values into Python ones."""
        body = data if type(data) is dict else _obj(data)  # (a dict, the usual case, without a call)
        values = body.get("attr") or {}
        if type(values) is not dict:
            values = _obj(values)
        return cls(str(body["did"]), timestamp(body.get("updated_at")),
                   dict(values) if decode is None else decode(values), body)


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
class Schedule(KeepsRaw):
    """A timed control task (GET /app/scheduler). ``time`` is UTC; ``repeat`` is "none" or a tuple of weekdays."""

    id: str
    created_at: dt.datetime | None
    date: dt.date | None
    time: dt.time | None
    repeat: str | tuple[str, ...]
    commands: tuple[ScheduledCommand, ...]
    retry_count: int = 0
    retry_task: str = "all"
    #: The whole record as received, read-only.
    _raw: Mapping[str, Any] = _raw_field()

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
            raw=body,
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


@attrs.frozen
class RawRecord(KeepsRaw):
    """One entry of a device's communication log or online records (``raw_data``).

    ``kind``: "app2dev" (a command sent to the device), "dev2app" (the device's report), "dev_online",
    "dev_re_online" (logged in again before it was seen offline) or "dev_offline". ``payload`` is the frame's
    bytes (log entries only), ``ip`` the sender's address when given; ``raw`` the entry as received.
    """

    timestamp: dt.datetime
    kind: str
    payload: bytes | None = None
    ip: str | None = None
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> RawRecord:
        """From ``{"type", "timestamp" (seconds, a float), "payload_bin" (hex)?, "ip"?, ...}``."""
        body = _obj(data)
        payload = body.get("payload_bin")
        return cls(_required_timestamp(body["timestamp"]), str(body["type"]),
                   bytes.fromhex(payload) if payload else None, _opt_str(body.get("ip")), body)


@attrs.frozen
class User(KeepsRaw):
    """The signed-in user's profile (``GET /app/users``); ``birthday`` as the service sends it."""

    uid: str
    username: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    gender: str | None = None
    birthday: str | None = None
    address: str | None = None
    lang: str | None = None
    remark: str | None = None
    is_anonymous: bool = False
    _raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_wire(cls, data: Any) -> User:
        """From ``{"uid", "username", "email", "phone", "name", "gender", "birthday", ...}``."""
        body = _obj(data)
        get = body.get
        return cls(str(body["uid"]), _opt_str(get("username")), _opt_str(get("email")), _opt_str(get("phone")),
                   _opt_str(get("name")), _opt_str(get("gender")), _opt_str(get("birthday")),
                   _opt_str(get("address")), _opt_str(get("lang")), _opt_str(get("remark")),
                   bool(get("is_anonymous", False)), body)


@attrs.frozen
class Guest:
    """A user who shares a device the signed-in user owns (contact fields masked by the service)."""

    uid: str
    username: str | None = None
    email: str | None = None
    phone: str | None = None
    created_at: dt.datetime | None = None

    @classmethod
    def from_wire(cls, data: Any) -> Guest:
        """From ``{"uid", "username", "phone", "email", "created_at"}``."""
        body = _obj(data)
        return cls(str(body["uid"]), _opt_str(body.get("username")), _opt_str(body.get("email")),
                   _opt_str(body.get("phone")), timestamp(body.get("created_at")))
