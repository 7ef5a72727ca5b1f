"""The M2M socket's frames: building what the client sends, turning what it receives into events.

Pure functions over JSON text, tested as tables. Every frame is one JSON object ``{"cmd": ..., "data": ...}``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ..wire import decode_json
from .events import AttrsEvent, BindingEvent, OnlineEvent, PushEvent, RawEvent

__all__ = [
    "DID_LENGTH",
    "PING",
    "Frame",
    "ack_frame",
    "decode",
    "event_of",
    "heartbeat_interval",
    "login_frame",
    "raw_frame",
    "read_frame",
    "reconnect_delay",
    "subscribe_frame",
    "write_frame",
]

DID_LENGTH = 22
#: The longest heartbeat interval the service accepts, in seconds.
MAX_HEARTBEAT_INTERVAL = 180
PING = '{"cmd":"ping"}'

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Frame(NamedTuple):
    """A received frame: its command, its ``data`` (None when absent) and the top-level ``req_sn``."""

    cmd: str
    data: Any
    req_sn: int | None = None


def heartbeat_interval(heartbeat: float) -> int:
    """The ``heartbeat_interval`` to declare for a ping every ``heartbeat`` seconds: 3 x the period (the vendor
    pings every 60 s against 180), whole seconds, within 1..180."""
    return max(1, min(MAX_HEARTBEAT_INTERVAL, int(3 * heartbeat)))


def login_frame(appid: str, uid: str, token: str, interval: int) -> str:
    """``login_req``; subscriptions are always explicit (``auto_subscribe`` false)."""
    data = {"appid": appid, "uid": uid, "token": token, "p0_type": "attrs_v4", "heartbeat_interval": interval,
            "auto_subscribe": False}
    return _dumps({"cmd": "login_req", "data": data})


def subscribe_frame(dids: Iterable[str]) -> str:
    """``subscribe_req`` for every did given, in one frame."""
    return _dumps({"cmd": "subscribe_req", "data": [{"did": did} for did in dids]})


def read_frame(did: str, names: Sequence[str] | None = None) -> str:
    """``c2s_read``; without ``names`` (all datapoints) when None."""
    data: dict[str, Any] = {"did": did}
    if names is not None:
        data["names"] = list(names)
    return _dumps({"cmd": "c2s_read", "data": data})


def write_frame(did: str, attrs: Mapping[str, Any]) -> str:
    """``c2s_write`` of values already in socket form (see `socket_attrs`)."""
    return _dumps({"cmd": "c2s_write", "data": {"did": did, "attrs": dict(attrs)}})


def raw_frame(did: str, data: Sequence[int]) -> str:
    """``c2s_raw`` of byte values."""
    return _dumps({"cmd": "c2s_raw", "data": {"did": did, "raw": list(data)}})


def ack_frame(did: str, sn: int) -> str:
    """``c2s_ack``: the answer a notification carrying ``req_sn`` asks for (top-level fields, no ``data``)."""
    return _dumps({"cmd": "c2s_ack", "res_sn": sn, "did": did})


def decode(text: str) -> Frame | None:
    """A received text frame, or None when it is not a JSON object with a string ``cmd``."""
    try:
        body = decode_json(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("cmd"), str):
        return None
    sn = body.get("req_sn")
    return Frame(body["cmd"], body.get("data"), sn if type(sn) is int else None)


def event_of(frame: Frame, at: dt.datetime) -> PushEvent | None:
    """The event a device frame carries, or None when the frame is not one (or is malformed)."""
    data = frame.data
    if not isinstance(data, dict) or not isinstance(data.get("did"), str):
        return None
    did: str = data["did"]
    cmd = frame.cmd
    if cmd == "s2c_noti":
        attrs = data.get("attrs")
        return AttrsEvent(did, at, {k: _value(v) for k, v in attrs.items()}) if isinstance(attrs, dict) else None
    if cmd == "s2c_online_status":
        online = data.get("online")
        return OnlineEvent(did, at, online) if isinstance(online, bool) else None
    if cmd == "s2c_binding_changed":
        bound = data.get("bind")
        return BindingEvent(did, at, bound) if isinstance(bound, bool) else None
    if cmd == "s2c_raw":
        raw = data.get("raw")
        if not isinstance(raw, list) or not _is_bytes(raw):
            return None
        # The service may append a suffix ("did/usr...") to the did of raw data: the did is its first 22 chars.
        return RawEvent(did[:DID_LENGTH], at, bytes(raw))
    return None


def error_code(data: Any) -> int | None:
    """The ``error_code`` of an ``s2c_invalid_msg`` (an int, or digits in a string), or None."""
    code = data.get("error_code") if isinstance(data, dict) else None
    if isinstance(code, str) and code.strip().isdigit():
        return int(code)
    return code if type(code) is int else None


def reconnect_delay(attempt: int, first: float, cap: float, *, rand: float | None = None) -> float:
    """Seconds before reconnect number ``attempt`` (0-based): the ceiling ``first * 2**attempt`` (at most
    ``cap``), jittered uniformly over its upper two thirds, so that clients do not reconnect in step and the
    delay never collapses to zero. ``rand`` in [0, 1) replaces the random draw in tests."""
    draw = random.random() if rand is None else rand
    ceiling = min(cap, first * 2.0 ** min(attempt, 64))
    return ceiling * (1 + 2 * draw) / 3


def _is_bytes(value: Any) -> bool:
    return isinstance(value, list) and all(type(b) is int and 0 <= b <= 255 for b in value)


def _value(value: Any) -> Any:
    """A pushed value: byte arrays (binary datapoints) become bytes, the rest stays as sent."""
    if type(value) is list and value and _is_bytes(value):
        return bytes(value)
    return value
