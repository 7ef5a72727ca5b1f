"""Fault knobs: throttling, proxy errors, dropped connections, malformed bodies, latency."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import aiohttp
import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Api


async def test_rate_limit_answers_9041_and_does_not_act(api: Api) -> None:
    token = await api.login()
    did = (await api.dids(token))[0]
    api.emu.faults.rate_limit = 5
    responses = [
        await api.call("POST", f"/app/control/{did}", token=token, json={"attrs": {"switch": True}}) for _ in range(8)
    ]
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 3
    api.assert_error(responses[-1], 9041, 429)
    assert api.emu.state.device(did).commands == 5


async def test_rate_limit_is_per_token(api: Api) -> None:
    api.emu.faults.rate_limit = 2
    first, second = await api.login(), await api.login()
    statuses = [(await api.call("GET", "/app/bindings", token=t)).status_code for t in (first, first, second, first)]
    assert statuses == [200, 200, 200, 429]


async def test_error_rate_gives_html_5xx(api: Api) -> None:
    api.emu.faults.error_rate = 1.0
    responses = [await api.call("GET", "/app/devdata/x/latest") for _ in range(2)]
    assert [r.status_code for r in responses] == [502, 503]
    assert responses[0].headers["content-type"] == "text/html" and "<html>" in responses[0].text
    assert (await api.client.get("/")).status_code == 200  # the index stays up for scripts waiting on it


async def test_malformed_rate_truncates_json(api: Api) -> None:
    api.emu.faults.malformed_rate = 1.0
    response = await api.call("POST", "/app/login", json={"username": "demo", "password": "demo-password"})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


async def test_latency_and_jitter(api: Api) -> None:
    api.emu.faults.latency, api.emu.faults.jitter = 0.1, 0.05
    started = time.perf_counter()
    await api.call("GET", "/app/devdata/x/latest")
    assert 0.1 <= time.perf_counter() - started < 1.0


async def test_drop_in_process_is_a_protocol_error(api: Api) -> None:
    api.emu.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        await api.call("GET", "/app/devdata/x/latest")


async def test_drop_on_loopback_breaks_raw_clients(live_api: Api, caplog: pytest.LogCaptureFixture) -> None:
    live_api.emu.faults.drop_rate = 1.0
    with pytest.raises(httpx.TransportError):
        await live_api.call("GET", "/app/devdata/x/latest")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):
            url = f"{live_api.client.base_url}app/devdata/x/latest"
            async with session.get(url, headers={"X-Gizwits-Application-Id": "demo-appid"}) as response:
                await response.read()
    live_api.emu.faults.drop_rate = 0.0
    assert (await live_api.call("GET", "/app/devdata/x/latest")).status_code == 404
    assert "DroppedConnection" not in caplog.text
