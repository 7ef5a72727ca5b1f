"""What an outside control does to a device reaches push subscribers: a report is an `AttrsEvent`, going offline
an `OnlineEvent`; a group control's devices report their new values."""

from __future__ import annotations

import httpx
import pytest
from push_support import attrs_of, next_event

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.asyncio


async def test_outside_report_and_offline_reach_push(push: gizwits.Push, base_url: str, dids: list[str]) -> None:
    await push.subscribe(dids[:1])
    await next_event(push, attrs_of(dids[0]))  # the read after subscribing
    async with httpx.AsyncClient(base_url=base_url) as outside:
        assert (await outside.post(f"/_emulator/devices/{dids[0]}/report", json={"attrs": {"temp": 31}})).is_success
        await next_event(push, attrs_of(dids[0], temp=31))
        assert (await outside.post(f"/_emulator/devices/{dids[0]}/online", json={"online": False})).is_success
    event = await next_event(push, lambda e: isinstance(e, gizwits.OnlineEvent) and e.did == dids[0])
    assert isinstance(event, gizwits.OnlineEvent) and event.online is False


async def test_group_control_members_report_by_push(
    push: gizwits.Push, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    group = await push.session.create_group("pair")
    await push.session.add_to_group(group, dids[:2])
    await push.subscribe(dids[:2])
    assert await push.session.control_group(group, {"brightness": 12}) == {dids[0]: True, dids[1]: True}
    seen: set[str] = set()
    while seen != set(dids[:2]):  # the two devices may be on two sockets: either may come first
        event = await next_event(push, lambda e: isinstance(e, gizwits.AttrsEvent) and e.attrs.get("brightness") == 12)
        seen.add(event.did)  # type: ignore[arg-type]
