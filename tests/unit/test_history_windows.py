"""How a history range is checked and cut into windows: plain functions, tested as tables."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from gizwits_async import Guest, RawRecord, User, ValidationError
from gizwits_async.endpoints.binding import bind_signature
from gizwits_async.history import KEPT, WINDOW, check_range, split, windows

NOW = 1_800_000_000.5
H = 3600.0

WINDOWS = {
    "shorter than a window": ((0.0, 10 * H), [(0.0, 10 * H)]),
    "exactly one window": ((0.0, WINDOW), [(0.0, WINDOW)]),
    "one second more": ((0.0, WINDOW + 1), [(0.0, WINDOW), (WINDOW, WINDOW + 1)]),
    "three and a bit": ((5.5, 5.5 + 3 * WINDOW + 2), [(5.5, 5.5 + WINDOW), (5.5 + WINDOW, 5.5 + 2 * WINDOW),
                                                      (5.5 + 2 * WINDOW, 5.5 + 3 * WINDOW),
                                                      (5.5 + 3 * WINDOW, 5.5 + 3 * WINDOW + 2)]),
}


@pytest.mark.parametrize(("span", "expected"), WINDOWS.values(), ids=WINDOWS.keys())
def test_windows_are_consecutive_and_half_open(span: tuple[float, float], expected: list[tuple[float, float]]) -> None:
    assert list(windows(*span)) == expected


def test_the_window_with_its_rounded_ends_stays_under_48_hours() -> None:
    assert WINDOW + 2 < 48 * H


SPLITS = {
    "halved on a whole second": ((0.0, 11.0), ((0.0, 5.0), (5.0, 11.0))),
    "fractional ends": ((0.5, 3.5), ((0.5, 2.0), (2.0, 3.5))),
    "one second cannot be cut": ((4.0, 5.0), None),
    "within one second": ((4.2, 4.9), None),
}


@pytest.mark.parametrize(("window", "expected"), SPLITS.values(), ids=SPLITS.keys())
def test_split(window: tuple[float, float], expected: object) -> None:
    assert split(*window) == expected


RANGES = {
    "future end clamped to the last whole second": ((NOW - H, NOW + H), (NOW - H, 1_800_000_000.0)),
    "aware datetimes": ((dt.datetime.fromtimestamp(NOW - H, dt.UTC), dt.datetime.fromtimestamp(NOW - 10, dt.UTC)),
                        (NOW - H, NOW - 10)),
    "the oldest start kept": ((NOW - KEPT, NOW - 1), (NOW - KEPT, NOW - 1)),
}


@pytest.mark.parametrize(("given", "expected"), RANGES.values(), ids=RANGES.keys())
def test_check_range(given: tuple[object, object], expected: tuple[float, float]) -> None:
    assert check_range(*given, NOW) == pytest.approx(expected)


REFUSED = {
    "older than 7 days": (NOW - KEPT - 1, NOW),
    "empty": (NOW - 5, NOW - 5),
    "reversed": (NOW - 5, NOW - 10),
    "start within the last partial second": (NOW - 0.2, NOW),
    "naive datetime": (dt.datetime(2027, 1, 1), NOW),
    "bool": (True, NOW),
    "nan": (float("nan"), NOW),
}


@pytest.mark.parametrize(("start", "end"), REFUSED.values(), ids=REFUSED.keys())
def test_check_range_refuses(start: object, end: object) -> None:
    with pytest.raises(ValidationError):
        check_range(start, end, NOW)


def test_bind_signature_is_md5_of_secret_and_timestamp_lowercase() -> None:
    assert bind_signature("Secret", 1700000000) == hashlib.md5(b"Secret1700000000").hexdigest()
    assert bind_signature("Secret", 1700000000) != bind_signature("secret", 1700000000)


def test_records_from_wire() -> None:
    record = RawRecord.from_wire({"type": "app2dev", "ip": "203.0.113.9", "payload_bin": "00000003050000900102",
                                  "timestamp": 1700079990.1, "source": "client"})
    assert record.kind == "app2dev" and record.payload == bytes.fromhex("00000003050000900102")
    assert record.timestamp == dt.datetime.fromtimestamp(1700079990.1, dt.UTC) and record.raw["source"] == "client"
    online = RawRecord.from_wire({"type": "dev_online", "timestamp": 1700000000})
    assert (online.payload, online.ip) == (None, None)
    user = User.from_wire({"uid": "u1", "username": "bob", "gender": "M", "birthday": "1990-01-01",
                           "is_anonymous": False, "extra": 1})
    assert (user.uid, user.username, user.gender, user.birthday, user.email) == ("u1", "bob", "M", "1990-01-01", None)
    assert user.raw["extra"] == 1
    guest = Guest.from_wire({"uid": "u2", "username": "j***n", "created_at": "2026-11-30T09:00:00Z"})
    assert guest.created_at == dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
