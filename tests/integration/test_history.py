"""Device history (raw_data) against the emulator on loopback: windows, paging, halving, each record once."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from support import requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock

HOUR = 3600.0


@pytest.fixture
def emulator(devices: int) -> Emulator[FakeClock]:
    """An emulator whose clock starts a minute ago: what happens on it is history by the client's clock."""
    return Emulator(EmulatorConfig(devices=devices), clock=FakeClock(time.time() - 60))


def ahead_of_the_client(emulator: Emulator[FakeClock]) -> None:
    """The server's clock a little ahead of the client's, as on a real service (the client clamps to its now)."""
    emulator.clock.set(time.time() + 2)


async def test_commands_and_online_events_come_back_in_order(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    started = emulator.clock.now()
    await session.control(dids[0], {"switch": True})
    emulator.clock.advance(1)
    emulator.state.set_online(dids[0], False)
    emulator.clock.advance(1)
    emulator.state.set_online(dids[0], True)
    ahead_of_the_client(emulator)
    records = [r async for r in session.raw_data(dids[0], start=started - 10, end=time.time() + 60)]
    assert [r.kind for r in records] == ["app2dev", "dev2app"]
    sent = records[0]
    assert json.loads(sent.payload or b"") == {"switch": True}
    assert session.token is not None and sent.raw["uid"] == session.token.uid
    assert sent.ip == "203.0.113.9" and records[1].ip == "10.0.0.7"
    assert sent.timestamp == dt.datetime.fromtimestamp(started, dt.UTC)
    online = [r async for r in session.raw_data(dids[0], start=started - 10, end=time.time(), kind="online")]
    assert [(r.kind, r.payload) for r in online] == [("dev_offline", None), ("dev_online", None)]
    assert online[0].timestamp < online[1].timestamp


async def test_a_long_range_is_read_in_windows_each_record_once(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    now = time.time()
    history = emulator.state.history
    user = emulator.state.user("demo").uid
    # One record every 20 minutes for six days, some exactly on the client's 47-hour window edges.
    start = now - 6 * 24 * HOUR
    stamps = [start + i * 1200 for i in range(6 * 24 * 3)]
    stamps += [start + 47 * HOUR, start + 94 * HOUR]
    for stamp in stamps:
        history.control(dids[0], user, {"n": stamp}, stamp)
    ahead_of_the_client(emulator)
    records = [r async for r in session.raw_data(dids[0], start=start, end=now)]
    sent = [r.timestamp for r in records if r.kind == "app2dev"]
    assert sorted(sent) == sent  # ascending
    assert [t.timestamp() for t in sent] == pytest.approx(sorted(stamps))  # each exactly once
    assert requests_sent(emulator, "DV3") == 4  # ceil(144 h / 47 h) windows of one page each


async def test_a_window_deeper_than_paging_reaches_is_halved(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    now = time.time()
    history, user = emulator.state.history, emulator.state.user("demo").uid
    stamps = [now - 3 * HOUR + i * 1.5 for i in range(3000)]  # 6000 entries in 75 minutes
    for stamp in stamps:
        history.control(dids[1], user, [1, 2, 3], stamp)
    ahead_of_the_client(emulator)
    records = [r async for r in session.raw_data(dids[1], start=now - 4 * HOUR, end=now)]
    assert len(records) == 6000
    assert [r.timestamp.timestamp() for r in records[::2]] == pytest.approx(stamps)
    assert records[0].payload == b"\x01\x02\x03"


@pytest.mark.parametrize(("start", "end", "message"), [
    (-8 * 24 * HOUR, 0, "7 days"),
    (0, -HOUR, "before end"),
    (-HOUR, -HOUR, "before end"),
    (dt.datetime(2026, 1, 1), 0, "aware"),
    ("yesterday", 0, "datetime or Unix seconds"),
])
async def test_bad_ranges_are_refused_before_any_request(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], start: object, end: float,
    message: str,
) -> None:
    now = time.time()
    first = start if not isinstance(start, int | float) else now + start
    with pytest.raises(gizwits.ValidationError, match=message):
        async for _ in session.raw_data(dids[0], start=first, end=now + end):  # type: ignore[arg-type]
            pass
    with pytest.raises(gizwits.ValidationError, match="kind"):
        async for _ in session.raw_data(dids[0], start=now - HOUR, end=now, kind="alerts"):
            pass
    assert requests_sent(emulator, "DV3") == 0


async def test_server_refusals_are_typed(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    other = emulator.state.add_device().did
    ahead_of_the_client(emulator)
    with pytest.raises(gizwits.DeviceNotBoundError):
        async for _ in session.raw_data(other, start=time.time() - HOUR, end=time.time()):
            pass
