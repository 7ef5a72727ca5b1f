"""Devices, bindings and control (D1-D4, C1-C2): the walk and every refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api


async def test_default_seed_is_reproducible(api: Api) -> None:
    token = await api.login()
    dids = await api.dids(token)
    assert len(dids) == 10 and all(len(d) == 22 and d.isalnum() for d in dids)
    from gizwits_async.emulator import Emulator

    assert list(Emulator().state.devices) == dids


async def test_walk_register_bind_control_latest_unbind(api: Api) -> None:
    device = api.emu.state.add_device(passcode="PASSCODE01")
    assert (await api.call("POST", "/app/users", json={"username": "eve", "password": "pw"})).status_code == 201
    token = await api.login("eve", "pw")
    bind = {
        "devices": [
            {"did": device.did, "passcode": "PASSCODE01", "remark": "lamp"},
            {"did": device.did, "passcode": "WRONG"},
            {"did": "unknown", "passcode": "x"},
        ]
    }
    bound = await api.call("POST", "/app/bindings", token=token, json=bind)
    assert bound.json() == {"success": [device.did], "failed": [device.did, "unknown"]}
    (row,) = (await api.call("GET", "/app/bindings", token=token)).json()["devices"]
    assert row == {
        "remark": "lamp",
        "dev_alias": device.alias,
        "dev_label": [],
        "role": "owner",
        "product_key": "demo-product",
        "did": device.did,
        "mac": device.mac,
        "passcode": "PASSCODE01",
        "host": "emulator",
        "port": 1883,
        "port_s": 8883,
        "ws_port": 80,
        "wss_port": 80,
        "is_online": True,
        "is_disabled": False,
        "is_sandbox": False,
        "type": "normal",
        "product_name": "Demo Device",
        "protoc": 3,
        "proto_ver": "04",
        "wifi_soft_version": device.wifi_soft_version,
        "wifi_hard_version": device.wifi_hard_version,
        "mcu_soft_version": device.mcu_soft_version,
        "mcu_hard_version": device.mcu_hard_version,
        "gw_did": None,
        "mesh_id": None,
        "state_last_timestamp": device.state_last_timestamp,
        "is_low_power": False,
        "sleep_duration": 0,
    }
    before = (await api.call("GET", f"/app/devdata/{device.did}/latest")).json()
    api.emu.clock.advance(10)
    attrs = {"switch": True, "mode": "heat", "brightness": 100, "counter": 4294967295, "color": "0A0b0c"}
    control = await api.call("POST", f"/app/control/{device.did}", token=token, json={"attrs": attrs})
    assert (control.status_code, control.json()) == (200, {})
    after = (await api.call("GET", f"/app/devdata/{device.did}/latest")).json()
    assert after["attr"] == {**before["attr"], **attrs, "color": "0a0b0c"}
    assert after["updated_at"] == before["updated_at"] + 10
    unbound = await api.call("DELETE", "/app/bindings", token=token, json={"devices": [{"did": device.did}]})
    assert unbound.json() == {"success": [device.did], "failed": []}
    again = await api.call("DELETE", "/app/bindings", token=token, json={"devices": [{"did": device.did}]})
    assert again.json() == {"success": [], "failed": [device.did]}
    refused = await api.call("POST", f"/app/control/{device.did}", token=token, json={"attrs": {"switch": False}})
    api.assert_error(refused, 9017, 401)


async def test_paging_and_show_disabled(api: Api) -> None:
    token = await api.login()
    dids = await api.dids(token)
    page = await api.call("GET", "/app/bindings?limit=3&skip=3", token=token)
    assert [d["did"] for d in page.json()["devices"]] == dids[3:6]
    default = await api.call("GET", "/app/bindings", token=token)
    assert len(default.json()["devices"]) == 10
    api.emu.state.set_disabled(dids[0], True)
    hidden = await api.call("GET", "/app/bindings?limit=100", token=token)
    assert [d["did"] for d in hidden.json()["devices"]] == dids[1:]
    shown = await api.call("GET", "/app/bindings?limit=100&show_disabled=1", token=token)
    assert shown.json()["devices"][0] == {**shown.json()["devices"][0], "did": dids[0], "is_disabled": True}
    api.assert_error(await api.call("GET", "/app/bindings?limit=-1", token=token), 9015, 400)
    api.assert_error(await api.call("GET", "/app/bindings?skip=x", token=token), 9015, 400)


async def test_latest_of_unknown_and_never_reported_devices(api: Api) -> None:
    api.assert_error(await api.call("GET", "/app/devdata/nope/latest"), 9014, 404)
    silent = api.emu.state.add_device(online=False)
    assert (await api.call("GET", f"/app/devdata/{silent.did}/latest")).json() == {
        "did": silent.did,
        "updated_at": 0,
        "attr": {},
    }
    api.emu.state.set_online(silent.did, True)
    assert (await api.call("GET", f"/app/devdata/{silent.did}/latest")).json()["updated_at"] > 0


async def test_drifting_device_changes_when_polled_later(api: Api) -> None:
    device = api.emu.state.add_device(drift=True)
    first = (await api.call("GET", f"/app/devdata/{device.did}/latest")).json()
    assert (await api.call("GET", f"/app/devdata/{device.did}/latest")).json() == first
    api.emu.clock.advance(api.emu.config.drift_interval)
    second = (await api.call("GET", f"/app/devdata/{device.did}/latest")).json()
    assert second["updated_at"] > first["updated_at"]
    assert abs(second["attr"]["temp"] - first["attr"]["temp"]) == 1


BAD_CONTROLS: list[tuple[Any, int]] = [
    ({"attrs": {"nope": 1}}, 9025),
    ({"attrs": {"temp": 10}}, 9025),
    ({"attrs": {"switch": 2}}, 9025),  # 0/1 are taken, as by the real service
    ({"attrs": {"switch": "true"}}, 9025),
    ({"attrs": {"mode": "dry"}}, 9025),
    ({"attrs": {"mode": 3}}, 9025),  # an index within the labels is taken
    ({"attrs": {"brightness": 101}}, 9025),
    ({"attrs": {"brightness": True}}, 9025),
    ({"attrs": {"brightness": 1.5}}, 9025),
    ({"attrs": {"counter": -1}}, 9025),
    ({"attrs": {"color": "0a0b0c0"}}, 9025),  # shorter is padded on the right; longer is refused
    ({"attrs": {"color": "0a0b0c0d"}}, 9025),
    ({"attrs": {"color": "zzzzzz"}}, 9025),
    ({"attrs": {}}, 9015),
    ({"attrs": [1]}, 9015),
    ({"switch": True}, 9015),
    ([1, 2], 9015),
    ({"raw": [256]}, 9015),
    ({"raw": [-1]}, 9015),
    ({"raw": "00ff"}, 9015),
    ({"raw": []}, 9015),
]


@pytest.mark.parametrize(("body", "code"), BAD_CONTROLS)
async def test_control_refusals(api: Api, body: Any, code: int) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    api.assert_error(await api.call("POST", f"/app/control/{did}", token=token, json=body), code, 400)
    assert api.emu.state.device(did).commands == 0


async def test_control_device_states(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    on = {"attrs": {"switch": True}}
    api.assert_error(await api.call("POST", "/app/control/unknown", token=token, json=on), 9014, 404)
    stranger = api.emu.state.add_device()
    api.assert_error(await api.call("POST", f"/app/control/{stranger.did}", token=token, json=on), 9017, 401)
    api.emu.state.set_online(did, False)
    api.assert_error(await api.call("POST", f"/app/control/{did}", token=token, json=on), 9042, 400)
    api.assert_error(await api.call("POST", f"/app/control/{did}", token=token, json={"raw": [1]}), 9042, 400)
    api.emu.state.set_online(did, True)
    api.emu.state.set_disabled(did, True)
    api.assert_error(await api.call("POST", f"/app/control/{did}", token=token, json=on), 9023, 400)
    api.emu.state.set_disabled(did, False)
    raw = await api.call("POST", f"/app/control/{did}", token=token, json={"raw": [0, 1, 255]})
    assert raw.status_code == 200 and api.emu.state.device(did).last_raw == [0, 1, 255]
    assert api.emu.stats.requests["C2"] == 2 and api.emu.stats.requests["C1"] == 4


async def test_unknown_route_and_method(api: Api) -> None:
    assert (await api.call("GET", "/app/nothing")).status_code == 404
    assert (await api.call("PATCH", "/app/bindings")).status_code == 405
    index = (await api.client.get("/")).json()
    assert (
        index["appid"] == "demo-appid"
        and {"id": "D1", "method": "GET", "path": "/app/devdata/{did}/latest"} in (index["endpoints"])
    )
