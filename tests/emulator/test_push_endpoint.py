"""The emulator's push endpoint spoken to raw (aiohttp), frame by frame."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
import pytest_asyncio

from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock, SystemClock
from gizwits_async.emulator.scheduler import parse_schedule

pytestmark = pytest.mark.asyncio


class Client:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, cmd: str, data: Any = None) -> None:
        await self.ws.send_str(json.dumps({"cmd": cmd} if data is None else {"cmd": cmd, "data": data}))

    async def recv(self) -> dict[str, Any]:
        message = await self.ws.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        frame: dict[str, Any] = json.loads(message.data)
        return frame


@pytest.fixture
def emu() -> Emulator[FakeClock]:
    return Emulator(EmulatorConfig(devices=4), clock=FakeClock(time.time()))


@pytest_asyncio.fixture
async def connect(emu: Emulator[FakeClock]) -> AsyncIterator[Any]:
    async with emu.serve() as base_url, aiohttp.ClientSession() as http:

        async def open_socket(port: int | None = None) -> Client:
            url = base_url if port is None else f"http://127.0.0.1:{port}"
            return Client(await http.ws_connect(url + "/ws/app/v1"))

        yield open_socket


def login_data(emu: Emulator[Any], **changes: Any) -> dict[str, Any]:
    token = emu.state.login("demo", "demo-password")
    return {"appid": "demo-appid", "uid": token.uid, "token": token.token, "p0_type": "attrs_v4",
            "heartbeat_interval": 180, "auto_subscribe": False, **changes}


async def test_everything_but_login_needs_a_login(emu: Emulator[FakeClock], connect: Any) -> None:
    client = await connect()
    await client.send("ping")
    assert (await client.recv())["data"]["error_code"] == 1003
    await client.send("login_req", login_data(emu, token="wrong"))
    assert await client.recv() == {"cmd": "login_res", "data": {"success": False}}
    await client.send("login_req", login_data(emu, heartbeat_interval=181))
    assert (await client.recv())["data"]["success"] is False
    await client.send("login_req", login_data(emu))
    assert (await client.recv())["data"]["success"] is True
    await client.send("ping")
    assert await client.recv() == {"cmd": "pong"}
    assert emu.push.stats.logins == 1 and emu.push.stats.login_failures == 2


async def test_bad_frames_are_answered_and_survived(emu: Emulator[FakeClock], connect: Any) -> None:
    client = await connect()
    await client.ws.send_str("not json")
    assert (await client.recv())["data"]["error_code"] == 1000
    await client.send("login_req", login_data(emu))
    await client.recv()
    await client.send("no_such_cmd", {})
    assert (await client.recv())["data"]["error_code"] == 1000
    await client.send("c2s_write", {"did": next(iter(emu.state.devices)), "attrs": {"temp": 3}})
    assert (await client.recv())["data"]["error_code"] == 9025  # read-only datapoint


async def test_auto_subscribe_and_notifications(emu: Emulator[FakeClock], connect: Any) -> None:
    did = next(iter(emu.state.devices))
    client = await connect()
    await client.send("login_req", login_data(emu, auto_subscribe=True))
    await client.recv()
    assert emu.push.subscriptions == 4
    emu.state.control(emu.state.user("demo"), did, {"color": "0a0b0c"})
    assert await client.recv() == {"cmd": "s2c_noti", "data": {"did": did, "attrs": {"color": [10, 11, 12]}}}
    emu.state.set_online(did, False)
    assert (await client.recv())["data"]["online"] is False
    emu.state.unbind_devices(emu.state.user("demo"), [did])
    assert await client.recv() == {"cmd": "s2c_binding_changed", "data": {"did": did, "bind": False}}
    assert emu.push.subscriptions == 3


async def test_schedules_notify(emu: Emulator[FakeClock], connect: Any) -> None:
    did = next(iter(emu.state.devices))
    client = await connect()
    await client.send("login_req", login_data(emu))
    await client.recv()
    await client.send("subscribe_req", [{"did": did}, {"did": "unknown"}])
    answer = (await client.recv())["data"]
    assert [e["did"] for e in answer["success"]] == [did] and [e["did"] for e in answer["failed"]] == ["unknown"]
    clock = emu.clock
    when = time.strftime("%H:%M", time.gmtime(clock.now() + 120))
    body = {"date": time.strftime("%Y-%m-%d", time.gmtime(clock.now() + 120)), "time": when, "repeat": "none",
            "task": [{"did": did, "product_key": "demo-product", "attrs": {"brightness": 42}}]}
    state = emu.state
    state.add_schedule(parse_schedule(body, schedule_id=state.new_schedule_id(), uid=state.user("demo").uid,
                                      now=clock.now()))
    clock.advance(180)
    assert await client.recv() == {"cmd": "s2c_noti", "data": {"did": did, "attrs": {"brightness": 42}}}


async def test_heartbeat_is_enforced(emu: Emulator[FakeClock], connect: Any) -> None:
    client = await connect()
    await client.send("login_req", login_data(emu, heartbeat_interval=1))
    await client.recv()
    started = time.monotonic()
    assert (await client.recv())["data"] == {"error_code": 1011, "msg": "No heartbeat!"}
    closing = await client.ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE and client.ws.close_code == 1011
    assert 0.8 < time.monotonic() - started < 3


async def test_knobs(emu: Emulator[FakeClock], connect: Any) -> None:
    did = next(iter(emu.state.devices))
    client = await connect()
    await client.send("login_req", login_data(emu))
    await client.recv()
    await client.send("subscribe_req", [{"did": did}])
    await client.recv()
    assert emu.push.burst(did, 3) == 3
    assert [(await client.recv())["data"]["attrs"] for _ in range(3)] == [{"counter": n} for n in (1, 2, 3)]
    assert emu.push.expire() == 1
    assert (await client.recv())["data"]["error_code"] == 1009
    await client.send("ping")
    assert (await client.recv())["data"]["error_code"] == 1003
    emu.push.refuse(10)
    assert emu.push.drop() == 1
    assert (await client.ws.receive(timeout=5)).type is aiohttp.WSMsgType.CLOSE
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect()
    assert emu.push.stats.refused == 1 and emu.push.stats.sockets_opened == 1
    assert emu.push.stats.frames_in["ping"] == 1 and emu.push.stats.frames_out["s2c_noti"] == 3


async def test_two_ports_serve_the_same_devices(emu: Emulator[FakeClock], connect: Any) -> None:
    assert len(emu.state.push_ports) == 2
    client = await connect(emu.state.push_ports[1])
    await client.send("login_req", login_data(emu))
    assert (await client.recv())["data"]["success"] is True
    assert emu.push.sockets[0].port == emu.state.push_ports[1]


async def test_drifting_devices_are_pushed() -> None:
    emu = Emulator(EmulatorConfig(devices=2, drift=True, drift_interval=0.2), clock=SystemClock())
    did = next(iter(emu.state.devices))
    async with emu.serve() as base_url, aiohttp.ClientSession() as http:
        client = Client(await http.ws_connect(base_url + "/ws/app/v1"))
        await client.send("login_req", login_data(emu))
        await client.recv()
        await client.send("subscribe_req", [{"did": did}])
        await client.recv()
        frame = await client.recv()
        assert frame["cmd"] == "s2c_noti" and set(frame["data"]["attrs"]) == {"temp"}


async def test_outside_controls_of_the_push_endpoint(emu: Emulator[FakeClock], connect: Any) -> None:
    client = await connect()
    await client.send("login_req", login_data(emu, auto_subscribe=True))
    await client.recv()
    base = f"http://127.0.0.1:{emu.state.push_ports[0]}/_emulator/push"
    async with httpx.AsyncClient() as http:
        counters = (await http.get(base)).json()
        assert (counters["sockets"], counters["subscriptions"], counters["logins"]) == (1, 4, 1)
        assert counters["frames_in"] == {"login_req": 1} and counters["frames_out"] == {"login_res": 1}
        assert (await http.post(base + "/expire")).json() == {"expired": 1}
        assert (await client.recv())["data"]["error_code"] == 1009
        assert (await http.post(base + "/refuse", json={"seconds": 5})).json() == {"refused_for": 5}
        assert (await http.post(base + "/refuse", json={"seconds": -1})).status_code == 400
        assert (await http.post(base + "/drop")).json() == {"dropped": 1}
        assert (await client.ws.receive(timeout=5)).type is aiohttp.WSMsgType.CLOSE
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await connect()


async def test_rate_knobs_and_frame_delay(emu: Emulator[FakeClock], connect: Any) -> None:
    client = await connect()
    await client.send("login_req", login_data(emu))
    await client.recv()
    emu.push.faults.frame_delay = 0.2
    started = time.monotonic()
    await client.send("ping")
    assert await client.recv() == {"cmd": "pong"}
    assert time.monotonic() - started >= 0.2
    emu.push.faults.frame_delay = 0
    emu.push.faults.expire_rate = 1.0  # the next frame loses the session
    await client.send("ping")
    assert (await client.recv())["data"]["error_code"] == 1009
    await client.send("ping")
    assert (await client.recv())["data"]["error_code"] == 1003  # not logged in: no expiry to roll
    emu.push.faults.expire_rate = 0
    emu.push.faults.drop_rate = 1.0  # the next frame closes the socket
    await client.send("ping")
    closing = await client.ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE and client.ws.close_code == 1012
