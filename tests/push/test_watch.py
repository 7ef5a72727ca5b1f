"""`Session.watch`: every device first, then changes by push; REST reads while a socket is down and after."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from push_support import FAST

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.asyncio


async def next_of(updates: AsyncIterator[gizwits.DeviceData], did: str, limit: float = 5.0) -> gizwits.DeviceData:
    async with asyncio.timeout(limit):
        async for data in updates:
            if data.did == did:
                return data
    raise AssertionError("watch ended")


async def test_every_device_first_then_changes(emulator: Emulator[FakeClock], session: gizwits.Session,
                                               dids: list[str]) -> None:
    async with contextlib.aclosing(session.watch(dids, poll_interval=30, **FAST)) as updates:
        first = [await anext(updates) for _ in dids]
        assert sorted(d.did for d in first) == sorted(dids)
        assert all(d.online is True and d.attrs["mode"] == "auto" for d in first)
        await session.control(dids[2], {"mode": "cool", "color": b"\x01\x02\x03"})
        changed = await next_of(updates, dids[2])
        assert changed.attrs["mode"] == "cool" and changed.binary("color") == b"\x01\x02\x03"
        emulator.state.set_online(dids[3], False)
        offline = await next_of(updates, dids[3])
        assert offline.online is False and offline.attrs["mode"] == "auto"
    assert emulator.stats.requests["D1"] == len(dids)  # one REST read each: push did the rest


async def test_rest_while_down_and_a_resync_after(emulator: Emulator[FakeClock], session: gizwits.Session,
                                                  dids: list[str]) -> None:
    user = emulator.state.user("demo")
    async with contextlib.aclosing(session.watch(dids[:2], poll_interval=0.3, **FAST)) as updates:
        for _ in range(2):
            await anext(updates)
        await asyncio.sleep(0.2)  # the sockets are up
        emulator.push.refuse(1.5)
        emulator.push.drop()
        await asyncio.sleep(0.1)
        reads = emulator.stats.requests["D1"]
        emulator.state.control(user, dids[0], {"brightness": 11})  # no socket can report it
        down = await next_of(updates, dids[0], limit=1.0)  # found by the REST reads within the poll interval
        assert down.attrs["brightness"] == 11
        assert emulator.stats.requests["D1"] > reads
        emulator.state.control(user, dids[1], {"brightness": 12})
        await next_of(updates, dids[1], limit=1.0)
        await asyncio.sleep(1.8)  # the refusal ends; the sockets come back and are read once more by REST
        settled = emulator.stats.requests["D1"]
        await asyncio.sleep(0.8)
        assert emulator.stats.requests["D1"] == settled  # no more polling once push vouches for the state
        emulator.state.control(user, dids[0], {"brightness": 13})
        assert (await next_of(updates, dids[0], limit=2.0)).attrs["brightness"] == 13


async def test_bad_arguments(session: gizwits.Session) -> None:
    with pytest.raises(gizwits.ValidationError):
        await anext(session.watch([]))
    with pytest.raises(gizwits.ValidationError):
        await anext(session.watch(["a"], poll_interval=0))
