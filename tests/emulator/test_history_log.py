"""The emulator's communication log and online records: what is logged, and the limits of reading it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api

H = 3600


async def read(api: Api, token: str, did: str, **query: Any) -> Any:
    return await api.call("GET", f"/app/devices/{did}/raw_data", token=token, params=query)


async def test_controls_reports_and_online_changes_are_logged(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    start = int(api.emu.clock.now())
    assert (await api.call("POST", f"/app/control/{did}", token=token, json={"raw": [1, 2]})).status_code == 200
    api.emu.state.set_online(did, False)
    drifting = api.emu.state.add_device(drift=True)
    api.emu.state.bind("demo", drifting.did)
    api.emu.clock.advance(api.emu.config.drift_interval + 1)
    await api.call("GET", f"/app/devdata/{drifting.did}/latest")
    end = int(api.emu.clock.now())
    log = (await read(api, token, did, start_time=start, end_time=end, sort="asc")).json()
    assert [(e["type"], e["payload_bin"]) for e in log["objects"]] == [("app2dev", "0102"), ("dev2app", "0102")]
    assert log["meta"]["total"] == 2 and log["objects"][0]["uid"] == api.emu.state.user("demo").uid
    online = (await read(api, token, did, type="online", start_time=start, end_time=end)).json()
    assert [e["type"] for e in online["objects"]] == ["dev_offline"]
    reported = (await read(api, token, drifting.did, start_time=start, end_time=end)).json()
    assert [e["type"] for e in reported["objects"]] == ["dev2app"]
    assert "temp" in bytes.fromhex(reported["objects"][0]["payload_bin"]).decode()


@pytest.mark.parametrize(("query", "why"), [
    ({"start_time": 100, "end_time": 100}, "empty window"),
    ({"start_time": 0, "end_time": 48 * H}, "48 hours"),
    ({"start_time": 0, "end_time": 3 * H, "limit": 1001}, "limit"),
    ({"start_time": 0, "end_time": 3 * H, "limit": 1000, "skip": 4001}, "depth"),
    ({"start_time": 0, "end_time": 3 * H, "sort": "up"}, "sort"),
    ({"start_time": 0, "end_time": 3 * H, "type": "alerts"}, "type"),
    ({"end_time": 3 * H}, "no start"),
])
async def test_reading_limits(api: Api, query: dict[str, Any], why: str) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    now = int(api.emu.clock.now())
    shifted = {k: now - 4 * H + v if k.endswith("_time") else v for k, v in query.items()}
    api.assert_error(await read(api, token, did, **shifted), 9015, 400)


async def test_windows_end_by_now_and_start_within_7_days(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    now = int(api.emu.clock.now())
    api.assert_error(await read(api, token, did, start_time=now - H, end_time=now + 10), 9015, 400)
    api.assert_error(await read(api, token, did, start_time=now - 7 * 24 * H - 10, end_time=now - 7 * 24 * H + H),
                     9015, 400)
    other = api.emu.state.add_device().did
    api.assert_error(await read(api, token, other, start_time=now - H, end_time=now), 9017, 401)
