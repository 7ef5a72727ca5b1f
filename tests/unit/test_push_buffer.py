"""The push buffer's overflow policy: bounded, newest state per device, counted, in order per device."""

from __future__ import annotations

import datetime as dt

import pytest

import gizwits_async as gizwits
from gizwits_async.push.buffer import EventBuffer

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def drain(buffer: EventBuffer) -> list[gizwits.PushEvent]:
    events = []
    while (event := buffer.get_nowait()) is not None:
        events.append(event)
    return events


def test_below_the_limit_events_keep_arrival_order() -> None:
    stats = gizwits.PushStats()
    buffer = EventBuffer(10, stats)
    events = [gizwits.AttrsEvent("a", AT, {"n": i}) for i in range(5)]
    for event in events:
        buffer.put(event)
    assert stats.buffered == 5
    assert drain(buffer) == events
    assert (stats.events, stats.coalesced, stats.dropped, stats.buffered) == (5, 0, 0, 0)


def test_overflow_keeps_the_newest_state_per_device_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    stats = gizwits.PushStats()
    buffer = EventBuffer(2, stats)
    buffer.put(gizwits.AttrsEvent("a", AT, {"n": 0}))
    buffer.put(gizwits.AttrsEvent("b", AT, {"n": 0}))
    for i in range(1, 1001):  # the consumer sleeps
        buffer.put(gizwits.AttrsEvent("a", AT, {"n": i, f"k{i % 2}": i}))
        buffer.put(gizwits.OnlineEvent("b", AT, i % 2 == 0))
        buffer.put(gizwits.RawEvent("b", AT, bytes([i % 256])))
    buffer.put(gizwits.ConnectionEvent("ws://h:1/ws/app/v1", "lost"))
    buffer.put(gizwits.ConnectionEvent("ws://h:1/ws/app/v1", "connected"))
    assert len(buffer) == stats.buffered == 2 + 4  # the limit, plus one per device and kind
    assert stats.coalesced == 999 + 999 + 1
    assert stats.dropped == 999
    assert [r.message for r in caplog.records].count(
        "push: the consumer lags 2 events behind; keeping the newest news per device") == 1
    events = drain(buffer)
    assert events[2] == gizwits.AttrsEvent("a", AT, {"n": 1000, "k1": 999, "k0": 1000})  # merged, newest wins
    assert events[3] == gizwits.OnlineEvent("b", AT, True)
    assert events[4] == gizwits.RawEvent("b", AT, bytes([1000 % 256]))
    assert events[5] == gizwits.ConnectionEvent("ws://h:1/ws/app/v1", "connected", at=events[5].at)


def test_once_overflowing_later_news_never_overtake_older_ones() -> None:
    stats = gizwits.PushStats()
    buffer = EventBuffer(1, stats)
    buffer.put(gizwits.AttrsEvent("a", AT, {"n": 1}))
    buffer.put(gizwits.AttrsEvent("a", AT, {"n": 2}))  # overflows
    assert buffer.get_nowait() == gizwits.AttrsEvent("a", AT, {"n": 1})
    buffer.put(gizwits.AttrsEvent("a", AT, {"n": 3}))  # room in the queue, but n=2 waits in the overflow
    assert drain(buffer) == [gizwits.AttrsEvent("a", AT, {"n": 3})]


async def test_close_ends_the_consumer() -> None:
    buffer = EventBuffer(5, gizwits.PushStats())
    buffer.put(gizwits.OnlineEvent("a", AT, True))
    assert await buffer.get() == gizwits.OnlineEvent("a", AT, True)
    buffer.close()
    with pytest.raises(StopAsyncIteration):
        await buffer.get()
