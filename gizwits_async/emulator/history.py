"""The devices' communication log and online records, and the route that reads them (``raw_data``).

Every control is logged as an ``app2dev`` entry (what the app sent) and a ``dev2app`` entry (the device's
report); every change of a device's online state as ``dev_online`` / ``dev_offline``. The emulator has no
device-protocol frame encoder: an entry's ``payload_bin`` is the hex of the command's JSON (or of the raw
bytes sent).

Reading follows the service's limits: a window of less than 48 hours within the last 7 days, ending no later
than now; ``limit`` at most 1000 and ``skip + limit`` at most 5000; both ends of the window included.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .routing import Call, Reply, Route

#: Kinds of entries by the ``type`` query parameter.
KINDS = {"cmd": frozenset({"app2dev", "dev2app"}), "online": frozenset({"dev_online", "dev_re_online", "dev_offline"})}
MAX_SPAN = 48 * 3600
KEPT = 7 * 24 * 3600
MAX_LIMIT = 1000
MAX_DEPTH = 5000
DEVICE_IP = "10.0.0.7"
APP_IP = "203.0.113.9"


class History:
    """Each device's log entries, in time order."""

    def __init__(self) -> None:
        self._entries: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def _add(self, did: str, entry: dict[str, Any]) -> None:
        # Entries mostly arrive in time order, but a schedule runs for its due instant: keep the list sorted.
        insort(self._entries[did], entry, key=_stamp)

    def control(self, did: str, uid: str, sent: Any, at: float) -> None:
        """A control command reached the device (app2dev) and it reported (dev2app)."""
        payload = _payload(sent)
        self._add(did, {"type": "app2dev", "ip": APP_IP, "payload_bin": payload, "timestamp": at,
                        "source": "client", "uid": uid})
        self._add(did, {"type": "dev2app", "ip": DEVICE_IP, "payload_bin": payload, "timestamp": at})

    def report(self, did: str, values: Any, at: float) -> None:
        """The device reported values by itself (dev2app)."""
        self._add(did, {"type": "dev2app", "ip": DEVICE_IP, "payload_bin": _payload(values), "timestamp": at})

    def online(self, did: str, online: bool, at: float) -> None:
        """The device came online or went offline."""
        self._add(did, {"type": "dev_online" if online else "dev_offline", "ip": DEVICE_IP, "timestamp": at})

    def read(self, did: str, kind: str, start: float, end: float) -> list[dict[str, Any]]:
        """The entries of one kind with ``start <= timestamp <= end``, oldest first."""
        entries = self._entries.get(did, [])
        window = entries[bisect_left(entries, start, key=_stamp):bisect_right(entries, end, key=_stamp)]
        return [e for e in window if e["type"] in KINDS[kind]]


def _payload(sent: Any) -> str:
    """Raw bytes (a list of ints) as hex, or values as the hex of their JSON."""
    return (bytes(sent) if isinstance(sent, list) else json.dumps(sent, sort_keys=True).encode()).hex()


def _stamp(entry: dict[str, Any]) -> float:
    return float(entry["timestamp"])


def _window(call: Call, now: float) -> tuple[int, int]:
    start, end = call.query("start_time", -1), call.query("end_time", -1)
    if start < 0 or end < 0:
        raise ApiError(9015, "start_time and end_time are required (seconds)")
    if not start < end <= now:
        raise ApiError(9015, "end_time must be after start_time and not in the future")
    if end - start >= MAX_SPAN:
        raise ApiError(9015, "the window must be shorter than 48 hours")
    if start < now - KEPT:
        raise ApiError(9015, "records are kept for 7 days")
    return start, end


class HistoryRoutes:
    """``GET /app/devices/{did}/raw_data``."""

    def __init__(self, history: History, bound_device: Callable[[Call, str], None], now: Callable[[], float]) -> None:
        self.history = history
        self._bound_device = bound_device
        self._now = now

    def routes(self) -> list[Route]:
        """The routes to add to the emulator's router."""
        return [Route("GET", "/app/devices/{did}/raw_data", "DV3", self.raw_data)]

    def raw_data(self, call: Call) -> Reply:
        """GET /app/devices/{did}/raw_data: one page of a device's log or online records."""
        did = call.params["did"]
        self._bound_device(call, did)
        kind = call.param("type") or "cmd"
        if kind not in KINDS:
            raise ApiError(9015, "type must be cmd or online")
        start, end = _window(call, self._now())
        limit, skip = call.query("limit", 20), call.query("skip", 0)
        sort = call.param("sort") or "desc"
        if not 1 <= limit <= MAX_LIMIT or skip + limit > MAX_DEPTH or sort not in ("asc", "desc"):
            raise ApiError(9015, "limit 1..1000, skip + limit <= 5000, sort asc or desc")
        entries = self.history.read(did, kind, start, end)
        if sort == "desc":
            entries.reverse()
        meta = {"did": did, "type": kind, "start_time": start, "end_time": end, "sort": sort, "limit": limit,
                "skip": skip, "total": len(entries)}
        return 200, {"meta": meta, "objects": entries[skip:skip + limit]}
