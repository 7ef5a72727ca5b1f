"""`session.device(did)` and `session.update_binding(...)` against the emulator on loopback."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from support import MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock


@pytest.fixture
def devices() -> int:
    return 3


async def test_device_details_match_the_bindings_row(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], base_url: str
) -> None:
    device = await session.device(dids[1])
    (row,) = [d for d in await session.bindings() if d.did == dids[1]]
    assert device == row and device.raw == row.raw
    served = urlsplit(base_url)
    second = emulator.state.push_ports[1]  # devices take the served ports in turn: dids[1] the second one
    assert (device.host, device.ws_port, device.wss_port) == (served.hostname, second, second)
    assert emulator.state.push_ports[0] == served.port
    assert (device.dev_alias, device.product_name, device.role, device.dev_label) == ("Kitchen", "Demo Device",
                                                                                     "owner", ())
    assert (device.port, device.port_s, device.protoc, device.is_online) == (1883, 8883, 3, True)
    assert device.wifi_soft_version == emulator.state.devices[dids[1]].wifi_soft_version


async def test_device_sees_a_fresh_online_state(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.state.set_online(dids[0], False)
    assert (await session.device(dids[0])).is_online is False


async def test_unknown_device_is_9014(session: gizwits.Session) -> None:
    with pytest.raises(gizwits.DeviceNotFoundError) as caught:
        await session.device("nosuchdevice0000000000")
    assert (caught.value.code, caught.value.status) == (9014, 404)


async def test_device_not_bound_is_9017(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    other = emulator.state.add_device().did
    with pytest.raises(gizwits.DeviceNotBoundError) as caught:
        await session.device(other)
    assert (caught.value.code, caught.value.error_code) == (9017, gizwits.ErrorCode.DEVICE_NOT_BOUND)


async def test_device_after_a_revoked_token_signs_in_again(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    logins = emulator.stats.logins
    emulator.state.revoke_tokens("demo")
    assert (await session.device(dids[0])).did == dids[0]
    assert emulator.stats.logins == logins + 1


@pytest.mark.parametrize(("expire", "code"), [(False, 9004), (True, 9006)], ids=["revoked", "expired"])
async def test_device_with_a_dead_token_and_no_way_to_renew_is_a_token_error(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], expire: bool, code: int
) -> None:
    assert session.token is not None
    user = session.for_user((session.token.token, session.token.uid))  # no password: it cannot renew
    if expire:
        emulator.clock.advance(emulator.config.token_ttl + 1)
    else:
        emulator.state.revoke_tokens("demo")
    with pytest.raises(gizwits.TokenError) as caught:
        await user.device(dids[0])
    assert (caught.value.code, caught.value.status) == (code, 400)


async def test_device_checks_the_did_before_sending(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    with pytest.raises(gizwits.ValidationError):
        await session.device("a/b")
    assert emulator.stats.requests["DV1"] == 0


async def test_update_binding_changes_only_what_is_given(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    await session.update_binding(dids[0], dev_alias="Salon")
    await session.update_binding(dids[0], dev_label=("heating", "ground floor"))
    device = await session.device(dids[0])
    assert (device.dev_alias, device.dev_label, device.remark) == ("Salon", ("heating", "ground floor"), "")
    await session.update_binding(dids[0], remark="range=11", dev_alias="")
    device = await session.device(dids[0])
    assert (device.dev_alias, device.dev_label, device.remark) == ("", ("heating", "ground floor"), "range=11")
    assert emulator.stats.last_body["B7"] == {"remark": "range=11", "dev_alias": ""}


@pytest.mark.parametrize(
    "fields",
    [{}, {"remark": None}, {"dev_alias": 3}, {"dev_label": "one label"}, {"dev_label": ["ok", 2]}],
    ids=["nothing", "none", "alias-int", "label-str", "label-int"],
)
async def test_update_binding_refuses_bad_input_and_sends_nothing(
    make_session: MakeSession, dids: list[str], emulator: Emulator[FakeClock], fields: dict[str, object]
) -> None:
    session = await make_session()
    with pytest.raises(gizwits.ValidationError):
        await session.update_binding(dids[0], **fields)  # type: ignore[arg-type]
    assert emulator.stats.requests["B7"] == 0


async def test_update_binding_of_a_device_not_bound_is_9017(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    other = emulator.state.add_device().did
    with pytest.raises(gizwits.DeviceNotBoundError) as caught:
        await session.update_binding(other, dev_alias="Mine")
    assert caught.value.code == 9017


@pytest.mark.parametrize("page", ["html", "plain"])
async def test_a_get_answered_once_with_a_bare_500_succeeds_on_the_retry(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], page: str
) -> None:
    emulator.faults.error_statuses, emulator.faults.error_page, emulator.faults.fail_next = (500,), page, 1
    assert (await session.device(dids[0])).did == dids[0]
    assert emulator.stats.requests["DV1"] == 2


async def test_a_control_answered_once_with_a_bare_500_is_retried(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.faults.error_statuses, emulator.faults.fail_next = (500,), 1
    await session.control(dids[0], {"switch": True})  # control is safe to repeat: the documented rule
    assert emulator.stats.requests["C1"] == 2
    assert emulator.state.devices[dids[0]].attrs["switch"] is True


async def test_create_schedule_answered_with_a_bare_500_is_not_repeated(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.faults.error_statuses, emulator.faults.fail_next = (500,), 1
    command = gizwits.ScheduledCommand(dids[0], "demo-product", {"switch": True})
    with pytest.raises(gizwits.ServerError) as caught:
        await session.create_schedule(time="12:00", date="2030-01-01", commands=[command])
    assert (caught.value.status, caught.value.code, caught.value.attempts) == (500, None, 1)
    assert emulator.stats.requests["S1"] == 1
