"""The emulator driven from outside its process: devices set online/offline, made to report, the fake clock moved
(so that a per-device schedule fires), and the matching command-line options."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from test_cli import BANNER

from gizwits_async.emulator import Emulator, FakeClock

if TYPE_CHECKING:
    from conftest import Api


async def test_a_device_goes_offline_and_reports_from_outside(live_api: Api) -> None:
    token = await live_api.login()
    did = (await live_api.dids(token))[0]
    answer = await live_api.client.post(f"/_emulator/devices/{did}/online", json={"online": False})
    assert answer.status_code == 200 and answer.json() == {"did": did, "online": False}
    refused = await live_api.call("POST", f"/app/control/{did}", token=token, json={"attrs": {"switch": True}})
    live_api.assert_error(refused, 9042, 400)

    live_api.emu.clock.advance(5)
    answer = await live_api.client.post(f"/_emulator/devices/{did}/report", json={"attrs": {"temp": 31}})
    assert answer.status_code == 200 and answer.json()["attrs"]["temp"] == 31
    latest = (await live_api.call("GET", f"/app/devdata/{did}/latest")).json()
    assert latest["attr"]["temp"] == 31 and latest["updated_at"] == int(live_api.emu.clock.now())
    assert live_api.emu.stats.requests["?"] == 0 and sum(live_api.emu.stats.requests.values()) == 4  # not counted


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_emulator/devices/nosuchdevice/online", {"online": True}, 404),
        ("/_emulator/devices/{did}/online", {"online": "yes"}, 400),
        ("/_emulator/devices/{did}/report", {"attrs": {"nope": 1}}, 400),
        ("/_emulator/devices/{did}/report", {"attrs": {"brightness": 1000}}, 400),
        ("/_emulator/devices/{did}/report", [1], 400),
        ("/_emulator/clock/advance", {"seconds": -1}, 400),
    ],
)
async def test_refused_controls_say_why(live_api: Api, path: str, body: object, status: int) -> None:
    did = next(iter(live_api.emu.state.devices))
    answer = await live_api.client.post(path.format(did=did), json=body)
    assert answer.status_code == status and isinstance(answer.json()["error"], str)


async def test_moving_the_clock_from_outside_fires_a_device_schedule(live_api: Api) -> None:
    token = await live_api.login()
    did = (await live_api.dids(token))[0]
    clock = (await live_api.client.get("/_emulator/clock")).json()
    assert clock == {"now": live_api.emu.clock.now(), "fake": True}
    at = datetime.fromtimestamp(clock["now"], UTC) + timedelta(hours=2)
    task = {"date": f"{at:%Y-%m-%d}", "time": f"{at:%H:%M}", "repeat": "none", "attrs": {"brightness": 64}}
    created = await live_api.call("POST", f"/app/devices/{did}/scheduler", token=token, json=task)
    assert created.status_code == 201
    moved = await live_api.client.post("/_emulator/clock/advance", json={"seconds": 3 * 3600})
    assert moved.json() == {"now": clock["now"] + 3 * 3600}
    latest = (await live_api.call("GET", f"/app/devdata/{did}/latest")).json()
    assert latest["attr"]["brightness"] == 64


async def test_the_wall_clock_cannot_be_moved() -> None:
    emulator = Emulator()
    async with emulator.serve() as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/_emulator/clock")).json()["fake"] is False
        answer = await client.post("/_emulator/clock/advance", json={"seconds": 60})
    assert answer.status_code == 409 and "--fake-clock" in answer.json()["error"]


def test_command_line_fake_clock_and_offline_devices() -> None:
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", "--devices", "4", "--offline", "2",
               "--fake-clock"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            match = BANNER.fullmatch(process.stdout.readline())
            assert match
            headers = {"X-Gizwits-Application-Id": "demo-appid"}
            with httpx.Client(base_url=match.group(1), headers=headers) as client:
                login = client.post("/app/login", json={"username": "demo", "password": "demo-password"}).json()
                rows = client.get("/app/bindings", headers={"X-Gizwits-User-token": login["token"]}).json()
                assert [row["is_online"] for row in rows["devices"]] == [True, True, False, False]
                before = client.get("/_emulator/clock").json()
                assert before["fake"] is True
                assert client.post("/_emulator/clock/advance", json={"seconds": 90}).json()["now"] == before["now"] + 90
        finally:
            process.kill()


def test_outside_routes_are_listed_nowhere_in_the_api_index(gizwits_emulator: Emulator[FakeClock]) -> None:
    paths = [route.template for route in gizwits_emulator.app.router.routes if route.endpoint]
    assert not any(path.startswith("/_emulator/") for path in paths)
