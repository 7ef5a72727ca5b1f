"""Scheduler (S1-S4): tasks fire on the FakeClock through the control logic, with retries and logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api

# The FakeClock starts at 2026-01-01T00:00:00Z, a Thursday.


def task(*dids: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": "2026-01-01",
        "time": "01:00",
        "repeat": "none",
        "retry_count": 0,
        "retry_task": "all",
    }
    body["task"] = [{"did": did, "product_key": "demo-product", "attrs": {"brightness": 7}} for did in dids]
    return body | fields


async def create(api: Api, token: str, body: dict[str, Any]) -> str:
    response = await api.call("POST", "/app/scheduler", token=token, json=body)
    assert response.status_code == 201, response.text
    schedule_id: str = response.json()["id"]
    return schedule_id


async def logs(api: Api, token: str, schedule_id: str) -> list[dict[str, Any]]:
    response = await api.call("GET", f"/app/scheduler/{schedule_id}/logs", token=token)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


async def test_one_shot_fires_at_its_utc_time(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    schedule_id = await create(api, token, task(did))
    api.emu.clock.advance(3599)
    assert await logs(api, token, schedule_id) == []
    api.emu.clock.advance(1)
    assert api.emu.state.schedules[schedule_id].logs == [
        {"datetime": "2026-01-01T01:00:00", "status": "succeed", "detail": {did: True}}
    ]
    latest = (await api.call("GET", f"/app/devdata/{did}/latest")).json()
    assert latest["attr"]["brightness"] == 7
    assert latest["updated_at"] == datetime(2026, 1, 1, 1, tzinfo=UTC).timestamp()
    api.emu.clock.advance(2 * 86400)
    assert len(await logs(api, token, schedule_id)) == 1


@pytest.mark.parametrize(
    ("retry_task", "retry_detail", "first_device_commands"),
    [("failed", {"b": True}, 1), ("all", {"a": True, "b": True}, 2)],
)
async def test_retry_resends_failed_or_all(
    api: Api, retry_task: str, retry_detail: dict[str, bool], first_device_commands: int
) -> None:
    token = await api.login()
    a, b = (await api.dids(token))[:2]
    api.emu.state.set_online(b, False)
    schedule_id = await create(api, token, task(a, b, retry_count=3, retry_task=retry_task))
    api.emu.clock.advance(3600)
    assert await logs(api, token, schedule_id) == [
        {"datetime": "2026-01-01T01:00:00", "status": "failed", "detail": {a: True, b: False}}
    ]
    api.emu.state.set_online(b, True)
    api.emu.clock.advance(api.emu.config.retry_interval)
    second = (await logs(api, token, schedule_id))[1]
    names = {"a": a, "b": b}
    assert second == {
        "datetime": "2026-01-01T01:01:00",
        "status": "succeed",
        "detail": {names[k]: v for k, v in retry_detail.items()},
    }
    assert api.emu.state.device(a).commands == first_device_commands
    api.emu.clock.advance(3600)
    assert len(await logs(api, token, schedule_id)) == 2


async def test_retries_stop_after_retry_count(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    api.emu.state.set_online(did, False)
    schedule_id = await create(api, token, task(did, retry_count=2))
    api.emu.clock.advance(86400)
    assert [log["status"] for log in await logs(api, token, schedule_id)] == ["failed"] * 3


async def test_weekly_repeat(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    schedule_id = await create(api, token, task(did, date=None, time="08:00", repeat="mon,wed"))
    api.emu.clock.advance(14 * 86400)
    token = await api.login()
    assert [log["datetime"] for log in await logs(api, token, schedule_id)] == [
        "2026-01-05T08:00:00",
        "2026-01-07T08:00:00",
        "2026-01-12T08:00:00",
        "2026-01-14T08:00:00",
    ]


async def test_past_one_shot_never_fires(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    schedule_id = await create(api, token, task(did, date="2015-01-01"))
    api.emu.clock.advance(86400)
    assert await logs(api, token, schedule_id) == []


async def test_list_page_delete_and_ownership(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    ids = [await create(api, token, task(did, time=f"0{i}:00")) for i in (1, 2, 3)]
    page = (await api.call("GET", "/app/scheduler?limit=2&skip=1", token=token)).json()
    assert [s["id"] for s in page] == ids[1:]
    assert page[0]["created_at"] == "2026-01-01T00:00:00" and page[0]["time"] == "02:00"
    await api.call("POST", "/app/users", json={"username": "mallory", "password": "pw"})
    other = await api.login("mallory", "pw")
    api.assert_error(await api.call("GET", f"/app/scheduler/{ids[0]}/logs", token=other), 9030, 404)
    api.assert_error(await api.call("DELETE", f"/app/scheduler/{ids[0]}", token=other), 9030, 404)
    assert (await api.call("GET", "/app/scheduler", token=other)).json() == []
    assert (await api.call("DELETE", f"/app/scheduler/{ids[0]}", token=token)).status_code == 200
    api.assert_error(await api.call("DELETE", f"/app/scheduler/{ids[0]}", token=token), 9030, 404)
    api.emu.clock.advance(86400)
    assert api.emu.state.device(did).commands == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"time": "25:00"},
        {"time": "1:00"},
        {"repeat": "mon,xyz"},
        {"repeat": ""},
        {"retry_count": 61},
        {"retry_count": True},
        {"retry_task": "some"},
        {"task": []},
        {"task": [{"did": "x"}]},
        {"date": None},
        {"date": "2026-13-01"},
    ],
)
async def test_bad_task_forms(api: Api, fields: dict[str, Any]) -> None:
    token = await api.login()
    response = await api.call("POST", "/app/scheduler", token=token, json=task("x") | fields)
    api.assert_error(response, 9015, 400)
