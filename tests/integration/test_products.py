"""Schema-checked control against the emulator on loopback: how the session learns products, where it checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import MakeSession, requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock


async def test_datapoints_fetches_once_and_for_user_children_share_it(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    product = await session.datapoints("demo-product")
    assert product.product_key == "demo-product" and product.name == "Demo Device"
    assert product.datapoints["brightness"].maximum == 100 and product.datapoints["brightness"].writable
    assert not product.datapoints["temp"].writable
    assert product.datapoints["mode"].enum == ("auto", "cool", "heat")
    assert product.datapoints["color"].length == 3
    assert await session.datapoints("demo-product") is product
    assert session.token is not None
    child = session.for_user(session.token)
    assert await child.datapoints("demo-product") is product
    assert requests_sent(emulator, "DV2") == 1


async def test_unknown_product_key_is_an_api_error(session: gizwits.Session) -> None:
    with pytest.raises(gizwits.APIError) as refused:
        await session.datapoints("no-such-product")
    assert refused.value.code == gizwits.ErrorCode.PRODUCT_KEY_INVALID
    with pytest.raises(gizwits.ValidationError):
        await session.datapoints("a/b")


async def test_no_check_before_the_session_knows_the_device_product(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    await session.datapoints("demo-product")  # the schema alone: the device's product is not known yet
    with pytest.raises(gizwits.APIError) as refused:
        await session.control(dids[0], {"brightness": 101})
    assert refused.value.code == gizwits.ErrorCode.ATTR_INVALID  # the server decided
    assert requests_sent(emulator, "C1") == 1


async def known(session: gizwits.Session) -> list[str]:
    """Teach the session every bound device's product and the product's schema."""
    devices = [device async for device in session.iter_bindings()]
    await session.datapoints("demo-product")
    return [device.did for device in devices]


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "out of range": ({"brightness": 101}, "'brightness' (uint8) takes 0..100"),
    "read-only": ({"temp": 20}, "'temp' is read-only"),
    "unknown datapoint": ({"nope": 1}, "no datapoint 'nope'"),
    "unknown enum label": ({"mode": "dry"}, "'mode' (enum) takes one of"),
    "binary too long": ({"color": b"\x00" * 4}, "at most 3 bytes"),
}


@pytest.mark.parametrize(("attrs", "rule"), REFUSED.values(), ids=REFUSED.keys())
async def test_control_refuses_locally_once_the_product_is_known(
    session: gizwits.Session, emulator: Emulator[FakeClock], attrs: dict[str, Any], rule: str
) -> None:
    dids = await known(session)
    with pytest.raises(gizwits.ValidationError) as refused:
        await session.control(dids[0], attrs)
    assert str(refused.value).startswith(f"device {dids[0]}: ") and rule in str(refused.value)
    assert requests_sent(emulator, "C1") == 0


async def test_checked_values_go_out_in_wire_form(session: gizwits.Session, emulator: Emulator[FakeClock]) -> None:
    dids = await known(session)
    await session.control(dids[0], {"color": b"\x0a", "mode": 2, "switch": 1})
    assert emulator.stats.last_body["C1"] == {"attrs": {"color": "0a0000", "mode": 2, "switch": True}}
    data = await session.latest(dids[0])
    assert data.attrs["color"] == b"\x0a\x00\x00" and data.raw["attr"]["color"] == "0a0000"
    assert data.attrs["mode"] == "heat" and data.attrs["switch"] is True


async def test_bulk_refusals_are_outcomes_and_the_others_go_on(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    dids = await known(session)
    commands = [(dids[0], {"brightness": 10}), (dids[1], {"brightness": 500}), (dids[2], {"temp": 1})]
    report = await session.control_many(commands)
    assert [o.ok for o in report.outcomes] == [True, False, False]
    assert all(isinstance(o.error, gizwits.ValidationError) for o in report.outcomes[1:])
    assert [o.attempts for o in report.outcomes] == [1, 0, 0]
    assert dids[1] in str(report.outcomes[1].error)
    streamed = [o async for o in session.stream_control(commands)]
    assert sorted(o.ok for o in streamed) == [False, False, True]
    assert requests_sent(emulator, "C1") == 2


async def test_schedules_are_checked_by_their_product_key(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    await session.datapoints("demo-product")  # the command names its product: no device record needed
    bad = gizwits.ScheduledCommand("anydevice", "demo-product", {"brightness": 101})
    with pytest.raises(gizwits.ValidationError, match="'brightness'"):
        await session.create_schedule(time="12:00", commands=[bad])
    good = gizwits.ScheduledCommand("anydevice", "demo-product", {"color": "ff"})
    await session.create_schedule(time="12:00", commands=[good])
    assert emulator.stats.last_body["S1"]["task"][0]["attrs"] == {"color": "ff0000"}
    assert requests_sent(emulator, "S1") == 1


async def test_products_handed_over_need_no_request(
    make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    schema = gizwits.Product.from_wire(emulator.state.products["demo-product"].to_schema())
    session = await make_session(products=[schema])
    await session.bindings(limit=5)
    with pytest.raises(gizwits.ValidationError, match=r"0\.\.100"):
        await session.control(dids[0], {"brightness": 101})
    assert requests_sent(emulator, "DV2") == 0
    with pytest.raises(gizwits.ValidationError):
        gizwits.Session("demo-appid", products=[{"product_key": "x"}])  # type: ignore[list-item]


async def test_emulator_loads_a_product_file(tmp_path: Path) -> None:
    schema = {"product_key": "pump", "name": "Wave pump", "entities": [{"id": 0, "name": "entity0", "attrs": [
        {"id": 0, "name": "Mode", "data_type": "enum", "type": "status_writable", "enum": ["经典", "正弦"]},
        {"id": 1, "name": "speed", "data_type": "uint8", "type": "status_writable",
         "uint_spec": {"min": 0, "max": 100, "ratio": 0.5, "addition": -10}}]}]}
    path = tmp_path / "pump.json"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    emulator = Emulator(EmulatorConfig(devices=2, product_file=str(path)), clock=FakeClock(1_700_000_000))
    async with emulator.serve() as url, gizwits.Session("demo-appid", base_url=url) as session:
        await session.login("demo", "demo-password")
        devices = await session.bindings()
        assert {d.product_key for d in devices} == {"pump"}
        product = await session.datapoints("pump")
        assert product.datapoints["speed"].minimum == -10 and product.datapoints["speed"].maximum == 40
        await session.control(devices[0].did, {"Mode": "正弦", "speed": 39.5})
        with pytest.raises(gizwits.ValidationError, match=r"steps of 0\.5"):
            await session.control(devices[0].did, {"speed": 39.7})
        assert (await session.latest(devices[0].did)).attrs == {"Mode": "正弦", "speed": 39.5}
