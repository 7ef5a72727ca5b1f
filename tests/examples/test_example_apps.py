"""The FastAPI and aiohttp examples against the emulator: each route, and errors as HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from gizwits_async.emulator import Emulator


async def _exercise(get: Callable[..., Any], post: Callable[..., Any], emu: Emulator, dids: list[str]) -> None:
    """The same checks for both apps; ``get``/``post`` return (status, json)."""
    status, listed = await get("/devices")
    assert status == 200 and [d["did"] for d in listed] == dids
    status, data = await get(f"/devices/{dids[0]}")
    assert status == 200 and data["attrs"]["brightness"] == 50
    status, answer = await post(f"/devices/{dids[0]}/control", {"attrs": {"switch": True, "brightness": 77}})
    assert (status, answer) == (200, {"did": dids[0], "ok": True})
    assert emu.state.devices[dids[0]].attrs["brightness"] == 77
    emu.state.set_online(dids[1], False)
    status, error = await post(f"/devices/{dids[1]}/control", {"attrs": {"switch": True}})
    assert (status, error["code"]) == (409, 9042)
    status, error = await get("/devices/NoSuchDevice")
    assert (status, error["code"]) == (404, 9014)
    status, error = await post(f"/devices/{dids[0]}/control", {"attrs": {"brightness": 1000}})
    assert (status, error["kind"], error["code"]) == (422, "ATTR_INVALID", 9025)  # the caller's values: 4xx
    status, error = await post("/devices/bad did/control", {"attrs": {"switch": True}})
    assert (status, error["kind"]) == (422, "ValidationError")


@pytest.mark.usefixtures("example_env")
async def test_fastapi_app(example: Callable[[str], ModuleType], gizwits_emulator: Emulator, dids: list[str]) -> None:
    app = example("fastapi_app").app
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app") as client:

        async def get(path: str) -> tuple[int, Any]:
            response = await client.get(path)
            return response.status_code, response.json()

        async def post(path: str, body: Any) -> tuple[int, Any]:
            response = await client.post(path, json=body)
            return response.status_code, response.json()

        await _exercise(get, post, gizwits_emulator, dids)
        assert (await client.post(f"/devices/{dids[0]}/control", json={"attrs": []})).status_code == 422
        not_json = await client.post(f"/devices/{dids[0]}/control", content=b"{not json",
                                     headers={"Content-Type": "application/json"})
        assert (not_json.status_code, not_json.json()["error"]) == (400, "the body is not JSON")


@pytest.mark.usefixtures("example_env")
async def test_aiohttp_app(example: Callable[[str], ModuleType], gizwits_emulator: Emulator, dids: list[str]) -> None:
    async with TestClient(TestServer(example("aiohttp_app").create_app())) as client:

        async def get(path: str) -> tuple[int, Any]:
            async with client.get(path) as response:
                return response.status, await response.json()

        async def post(path: str, body: Any) -> tuple[int, Any]:
            async with client.post(path, json=body) as response:
                return response.status, await response.json()

        await _exercise(get, post, gizwits_emulator, dids)
        async with client.post(f"/devices/{dids[0]}/control", json={"attrs": []}) as response:
            assert response.status == 422
        async with client.post(f"/devices/{dids[0]}/control", data=b"{not json",
                               headers={"Content-Type": "application/json"}) as response:
            assert (response.status, (await response.json())["error"]) == (400, "the body is not JSON")


def test_aiohttp_app_listens_on_loopback_by_default(example: Callable[[str], ModuleType],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    module = example("aiohttp_app")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(module.web, "run_app", lambda app, **options: calls.append(options))
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    module.main()
    assert calls == [{"host": "127.0.0.1", "port": 8080}]
