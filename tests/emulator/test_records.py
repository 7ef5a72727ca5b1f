"""The emulator's device records carry every key real records carry, with the push address its own."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from gizwits_async.emulator import Emulator, EmulatorConfig
from gizwits_async.emulator.records import Endpoint, endpoint_of

if TYPE_CHECKING:
    from conftest import Api

# Written from the field descriptions of bindings rows and device details, independently of the emulator's list.
DOCUMENTED_KEYS = {
    "product_key", "did", "mac", "is_online", "passcode", "host", "port", "port_s", "ws_port", "wss_port", "remark",
    "is_disabled", "type", "dev_alias", "dev_label", "role", "protoc", "proto_ver", "product_name", "gw_did",
    "mesh_id", "state_last_timestamp", "sleep_duration", "is_low_power", "is_sandbox", "wifi_soft_version",
    "wifi_hard_version", "mcu_soft_version", "mcu_hard_version",
}  # fmt: skip
VERSION_KEYS = ("wifi_soft_version", "wifi_hard_version", "mcu_soft_version", "mcu_hard_version")


async def test_rows_and_details_carry_every_documented_key(api: Api) -> None:
    token = await api.login()
    rows = (await api.call("GET", "/app/bindings?limit=100", token=token)).json()["devices"]
    assert len(rows) == 10
    for row in rows:
        assert set(row) == DOCUMENTED_KEYS
        details = await api.call("GET", f"/app/devices/{row['did']}", token=token)
        assert details.status_code == 200
        assert details.json() == row


async def test_records_have_realistic_values(api: Api) -> None:
    token = await api.login()
    rows = (await api.call("GET", "/app/bindings?limit=100", token=token)).json()["devices"]
    aliases = [row["dev_alias"] for row in rows]
    assert aliases[:3] == ["Living room", "Kitchen", "Bedroom"] and len(set(aliases)) == len(rows)
    for row in rows:
        assert (row["port"], row["port_s"], row["role"], row["dev_label"]) == (1883, 8883, "owner", [])
        assert (row["protoc"], row["proto_ver"], row["product_name"], row["is_sandbox"]) == (3, "04", "Demo Device",
                                                                                             False)
        assert all(isinstance(row[key], str) and len(row[key]) == 8 for key in VERSION_KEYS)
        device = api.emu.state.devices[row["did"]]
        assert row["state_last_timestamp"] == int(api.emu.clock.now()) == device.state_last_timestamp


async def test_state_last_timestamp_moves_when_the_device_goes_offline(api: Api) -> None:
    token = await api.login()
    did = next(iter(api.emu.state.user("demo").bindings))
    api.emu.clock.advance(90)
    api.emu.state.set_online(did, False)
    row = (await api.call("GET", f"/app/devices/{did}", token=token)).json()
    assert (row["is_online"], row["state_last_timestamp"]) == (False, int(api.emu.clock.now()))


async def test_push_address_is_the_served_emulator(live_api: Api) -> None:
    token = await live_api.login()
    served = urlsplit(str(live_api.client.base_url))
    rows = (await live_api.call("GET", "/app/bindings", token=token)).json()["devices"]
    ports = live_api.emu.state.push_ports  # the served port and one more: devices are spread over both
    assert ports[0] == served.port and len(ports) == 2
    assert [(row["host"], row["ws_port"], row["wss_port"]) for row in rows] == [
        (served.hostname, ports[index % 2], ports[index % 2]) for index in range(len(rows))
    ]


def test_endpoint_of_the_request() -> None:
    assert endpoint_of(("127.0.0.1", 8765), "localhost:8765", "http") == Endpoint("127.0.0.1", 8765)
    assert endpoint_of(("0.0.0.0", 8765), "192.0.2.7:8765", "http") == Endpoint("192.0.2.7", 8765)
    assert endpoint_of(("::", 8765), "[::1]:8765", "http") == Endpoint("::1", 8765)
    assert endpoint_of(("emulator", None), "emulator", "http") == Endpoint("emulator", 80)
    assert endpoint_of(("emulator", None), "emulator", "https") == Endpoint("emulator", 443)
    assert endpoint_of(None, "example.test:9000", "http") == Endpoint("example.test", 9000)
    assert endpoint_of(None, "bad:port", "http") == Endpoint("bad", 80)
    assert endpoint_of(None, None, "http") == Endpoint("127.0.0.1", 80)


async def test_config_names_another_push_address() -> None:
    emulator = Emulator(EmulatorConfig(devices=1, m2m_host="m2m.example.test", m2m_port=8080))
    headers = {"X-Gizwits-Application-Id": "demo-appid"}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://emulator", headers=headers) as client:
        login = await client.post("/app/login", json={"username": "demo", "password": "demo-password"})
        answer = await client.get("/app/bindings", headers={"X-Gizwits-User-token": login.json()["token"]})
        rows = answer.json()["devices"]
    assert [(row["host"], row["ws_port"], row["wss_port"]) for row in rows] == [("m2m.example.test", 8080, 8080)]


async def test_put_binding_answers_the_three_fields_per_user(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    answer = await api.call("PUT", f"/app/bindings/{did}", token=token, json={"dev_alias": "Salon"})
    assert (answer.status_code, answer.json()) == (200, {"remark": "", "dev_alias": "Salon", "dev_label": []})
    answer = await api.call("PUT", f"/app/bindings/{did}", token=token, json={"dev_label": ["a", "b"], "remark": "r"})
    assert answer.json() == {"remark": "r", "dev_alias": "Salon", "dev_label": ["a", "b"]}
    # Another user bound to the same device keeps their own alias.
    api.emu.state.add_user("eve", "pw")
    api.emu.state.bind("eve", did)
    other = await api.login("eve", "pw")
    row = (await api.call("GET", f"/app/devices/{did}", token=other)).json()
    assert (row["dev_alias"], row["dev_label"], row["remark"]) == ("Living room", [], "")


async def test_put_binding_refusals(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    for body in ({}, {"other": 1}, {"dev_alias": 3}, {"remark": None}, {"dev_label": "x"}, {"dev_label": [1]}):
        api.assert_error(await api.call("PUT", f"/app/bindings/{did}", token=token, json=body), 9015, 400)
    unbound = api.emu.state.add_device().did
    api.assert_error(await api.call("PUT", f"/app/bindings/{unbound}", token=token, json={"remark": ""}), 9017, 401)
    api.assert_error(await api.call("PUT", "/app/bindings/nosuch", token=token, json={"remark": ""}), 9014, 404)
    api.assert_error(await api.call("GET", f"/app/devices/{unbound}", token=token), 9017, 401)
    api.assert_error(await api.call("GET", "/app/devices/nosuch", token=token), 9014, 404)
    api.assert_error(await api.call("GET", f"/app/devices/{did}"), 9004, 400)
