"""The user profile, binding by MAC (signed) and guests, against the emulator on loopback."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from support import requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.endpoints.binding import bind_signature

SECRET = "demo-product-secret"


async def test_profile_read_and_update(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    user = await session.user()
    assert user.username == "demo" and session.token is not None and user.uid == session.token.uid
    assert user.gender == "N" and not user.is_anonymous and user.raw["uid"] == user.uid
    updated = await session.update_user(name="Ada", gender="F", birthday=dt.date(1990, 5, 17), lang="zh-cn")
    assert isinstance(updated, dt.datetime) and updated.tzinfo is not None
    user = await session.user()
    assert (user.name, user.gender, user.birthday, user.lang) == ("Ada", "F", "1990-05-17", "zh-cn")
    assert await session.update_user(name="Ada") is None  # the service's 9999: nothing changed


@pytest.mark.parametrize("fields", [{}, {"email": "a@b.c"}, {"gender": "X"}, {"name": 5},
                                    {"birthday": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}])
async def test_bad_profile_fields_send_nothing(
    session: gizwits.Session, emulator: Emulator[FakeClock], fields: dict[str, object]
) -> None:
    before = requests_sent(emulator, "U12")
    with pytest.raises(gizwits.ValidationError):
        await session.update_user(**fields)  # type: ignore[arg-type]
    assert requests_sent(emulator, "U12") == before


async def test_bind_mac_registers_and_binds_and_records_the_product(
    session: gizwits.Session, emulator: Emulator[FakeClock], caplog: pytest.LogCaptureFixture
) -> None:
    emulator.clock.set(time.time())
    await session.datapoints("demo-product")
    with caplog.at_level(logging.DEBUG, logger="gizwits_async"):
        device = await session.bind_mac("demo-product", "A0B1C2D3E4F5", product_secret=SECRET, dev_alias="Hall")
    assert device.mac == "a0b1c2d3e4f5" and device.product_key == "demo-product" and device.dev_alias == "Hall"
    assert device.did in emulator.state.user("demo").bindings
    sent = emulator.stats.last_body["B5"]
    assert sent == {"product_key": "demo-product", "mac": "a0b1c2d3e4f5", "dev_alias": "Hall"}
    assert SECRET not in caplog.text and "X-Gizwits-Signature" in caplog.text
    stamp = int(time.time())
    assert all(bind_signature(SECRET, s) not in caplog.text for s in range(stamp - 5, stamp + 1))
    with pytest.raises(gizwits.ValidationError, match="brightness"):  # the product is known now: checked
        await session.control(device.did, {"brightness": 300})
    again = await session.bind_mac("demo-product", "a0b1c2d3e4f5", product_secret=SECRET)
    assert again.did == device.did  # the same device, not a second one


async def test_bind_mac_refusals(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    emulator.clock.set(time.time())
    with pytest.raises(gizwits.APIError) as wrong:
        await session.bind_mac("demo-product", "a0b1c2d3e4f5", product_secret="not-the-secret")
    assert wrong.value.code == gizwits.ErrorCode.SIGNATURE_INVALID
    emulator.clock.advance(600)  # the client's timestamp is now ten minutes behind the server's clock
    with pytest.raises(gizwits.APIError) as stale:
        await session.bind_mac("demo-product", "a0b1c2d3e4f5", product_secret=SECRET)
    assert stale.value.code == gizwits.ErrorCode.TIMESTAMP_INVALID
    with pytest.raises(gizwits.APIError) as unknown:
        await session.bind_mac("no-product", "a0b1c2d3e4f5", product_secret=SECRET)
    assert unknown.value.code == gizwits.ErrorCode.PRODUCT_KEY_INVALID
    assert requests_sent(emulator, "B5") == 3
    for mac, secret in (("a0b1c2d3e4", SECRET), ("a0b1c2d3e4fg", SECRET), ("a0b1c2d3e4f5", "")):
        with pytest.raises(gizwits.ValidationError):
            await session.bind_mac("demo-product", mac, product_secret=secret)
    assert requests_sent(emulator, "B5") == 3


async def test_owner_lists_and_removes_guests(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    state = emulator.state
    guest = state.add_user("guest", "guest-password", email="guest@example.com")
    state.bind("guest", dids[0])
    state.user("guest").bindings[dids[0]].role = "guest"
    guests = await session.guests(dids[0])
    assert [(g.uid, g.username, g.email) for g in guests] == [(guest.uid, "g***t", "g***@example.com")]
    await session.remove_guest(dids[0], guest.uid)
    assert dids[0] not in guest.bindings
    assert await session.guests(dids[0]) == []
    with pytest.raises(gizwits.PermissionDeniedError) as not_a_guest:
        await session.remove_guest(dids[0], guest.uid)
    assert not_a_guest.value.code == 9096
    async with gizwits.Session("demo-appid", base_url=session.base_url) as other:
        await other.login("guest", "guest-password")
        state.bind("guest", dids[1])
        state.user("guest").bindings[dids[1]].role = "guest"
        with pytest.raises(gizwits.PermissionDeniedError) as not_owner:
            await other.guests(dids[1])
        assert not_owner.value.code == 9093
