"""Fixtures of the emulator's own tests: the public plugin's fixtures plus a thin raw-HTTP helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from gizwits_async.emulator import Emulator
from gizwits_async.emulator.pytest_plugin import gizwits_emulator, gizwits_emulator_url

__all__ = ["gizwits_emulator", "gizwits_emulator_url"]

APPID = "demo-appid"


class Api:
    """A raw httpx client on the emulator with the appid header, and shortcuts for the walk tests."""

    def __init__(self, client: httpx.AsyncClient, emulator: Emulator) -> None:
        self.client = client
        self.emu = emulator

    async def call(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"X-Gizwits-User-token": token} if token else {}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def login(self, username: str = "demo", password: str = "demo-password") -> str:
        response = await self.call("POST", "/app/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    async def dids(self, token: str) -> list[str]:
        response = await self.call("GET", "/app/bindings?limit=100", token=token)
        return [d["did"] for d in response.json()["devices"]]

    @staticmethod
    def assert_error(response: httpx.Response, code: int, status: int) -> None:
        """The response is the Gizwits error `code` with HTTP `status` and a well-formed body."""
        body = response.json()
        assert (response.status_code, body["error_code"]) == (status, code), response.text
        assert set(body) == {"error_code", "error_message", "detail_message"}
        assert isinstance(body["error_message"], str)


@pytest_asyncio.fixture
async def api(gizwits_emulator: Emulator) -> AsyncIterator[Api]:
    """An in-process client (httpx.ASGITransport) on a fresh FakeClock emulator."""
    async with httpx.AsyncClient(
        transport=gizwits_emulator.transport(), base_url="http://emulator", headers={"X-Gizwits-Application-Id": APPID}
    ) as client:
        yield Api(client, gizwits_emulator)


@pytest_asyncio.fixture
async def live_api(gizwits_emulator: Emulator, gizwits_emulator_url: str) -> AsyncIterator[Api]:
    """A client over real loopback HTTP on the served emulator."""
    async with httpx.AsyncClient(base_url=gizwits_emulator_url, headers={"X-Gizwits-Application-Id": APPID}) as client:
        yield Api(client, gizwits_emulator)
