"""What a user's code sees under ``mypy --strict --disallow-any-expr``: every result typed, none of it ``Any``.

Not a test module: `.ci/run` type-checks it (``mypy --strict --disallow-any-expr tests/typing``); it never runs.
"""

from __future__ import annotations

import datetime as dt
from typing import assert_type

import aiohttp

import gizwits_async as gizwits


async def bulk(session: gizwits.Session, dids: list[str]) -> None:
    readings = await session.latest_many(dids, concurrency=20, rate=100.0)
    assert_type(readings, gizwits.BulkReport[gizwits.DeviceData])
    first = readings.outcomes[0]
    assert_type(first, gizwits.Outcome[gizwits.DeviceData])
    assert_type(first.value, gizwits.DeviceData)
    assert_type(first.value.attrs["x"], gizwits.AttrValue)
    assert_type(first.value.updated_at, dt.datetime | None)
    assert_type(first.error, gizwits.GizwitsError | None)
    sent = await session.control_many({did: {"switch": True} for did in dids})
    assert_type(sent, gizwits.BulkReport[None])
    assert_type(sent.outcomes[0].value, None)
    assert_type(sent.failed, dict[str, gizwits.GizwitsError])
    async for outcome in session.stream_control([(did, {"switch": False}) for did in dids]):
        assert_type(outcome, gizwits.Outcome[None])
    async for data in session.poll_latest(dids, interval=5.0):
        assert_type(data, gizwits.DeviceData)
        break


async def single(session: gizwits.Session) -> None:
    token = await session.login("bob", "secret")
    assert_type(token, gizwits.Token)
    assert_type(token.expire_at, dt.datetime)
    devices = await session.bindings()
    assert_type(devices, list[gizwits.Device])
    data = await session.latest(devices[0].did)
    assert_type(data.attrs, dict[str, gizwits.AttrValue])
    assert_type(await session.control(devices[0].did, {"switch": True}), None)
    assert_type(await session.schedules(), list[gizwits.Schedule])


async def seams(lent: aiohttp.ClientSession) -> None:
    timeout = gizwits.Timeout(5.0, connect=2.0, total=20.0)
    pacer: gizwits.Pacer = gizwits.RateLimiter(50.0)
    await pacer.wait()
    async with gizwits.Session("appid", client=lent, timeout=timeout) as session:
        user = session.for_user(("token", "uid"))
        assert_type(user, gizwits.Session)
        assert_type(user.token, gizwits.Token | None)
