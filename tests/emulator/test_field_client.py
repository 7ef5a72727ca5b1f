"""A client written for the real service, not for this library: plain aiohttp over loopback, the way field clients
read the bindings and the device details, against the emulator in the real service's Content-Type mix."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp

from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock

APPID = "demo-appid"


class FieldClient:
    """What a third-party integration does: login, list bindings, look up each device, build the push URL."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http = http
        self.base_url = base_url
        self.headers = {"X-Gizwits-Application-Id": APPID, "Content-Type": "application/json"}

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.http.request(method, self.base_url + path, headers=self.headers, **kwargs) as answer:
            answer.raise_for_status()
            return await answer.json(content_type=None)  # the real service often says text/html

    async def login(self, username: str, password: str) -> None:
        body = {"username": username, "password": password, "lang": "en"}
        self.headers["X-Gizwits-User-token"] = (await self._json("POST", "/app/login", json=body))["token"]

    async def devices(self) -> list[dict[str, Any]]:
        rows = (await self._json("GET", "/app/bindings?limit=20&skip=0"))["devices"]
        return [
            {
                "did": row["did"],
                "name": row["dev_alias"] or row["product_name"],
                "product": row["product_name"],
                "protoc": int(row["protoc"]),
                "firmware": (row["wifi_soft_version"], row["wifi_hard_version"], row["mcu_soft_version"],
                             row["mcu_hard_version"]),
                "mqtt_tls": row["port_s"],
                "ws": f"ws://{row['host']}:{row['ws_port']}/ws/app/v1",
                "wss": f"wss://{row['host']}:{row['wss_port']}/ws/app/v1",
                "online": row["is_online"],
            }
            for row in rows
        ]

    async def device(self, did: str) -> dict[str, Any]:
        details: dict[str, Any] = await self._json("GET", f"/app/devices/{did}")
        return details


async def test_a_client_written_for_the_real_service_finds_every_field() -> None:
    emulator = Emulator(EmulatorConfig(devices=12, content_type="real"), clock=FakeClock())
    async with emulator.serve() as base_url, aiohttp.ClientSession() as http:
        client = FieldClient(http, base_url)
        await client.login("demo", "demo-password")
        devices = await client.devices()
        served = urlsplit(base_url)
        assert len(devices) == 12
        assert [d["name"] for d in devices[9:]] == ["Cellar", "Living room 2", "Kitchen 2"]
        ports = emulator.state.push_ports
        assert ports[0] == served.port
        for index, device in enumerate(devices):
            assert (device["product"], device["protoc"], device["mqtt_tls"], device["online"]) == (
                "Demo Device", 3, 8883, True)
            assert all(isinstance(version, str) and version for version in device["firmware"])
            # The push address leads back to the emulator (one of its two ports), never to a public host.
            port = ports[index % 2]
            assert device["ws"] == f"ws://{served.hostname}:{port}/ws/app/v1"
            assert device["wss"] == f"wss://{served.hostname}:{port}/ws/app/v1"
            details = await client.device(device["did"])
            assert (details["dev_alias"], details["product_name"], details["ws_port"]) == (
                device["name"], "Demo Device", port)
    assert emulator.stats.requests["DV1"] == 12
    assert emulator.stats.last_body["U11"]["lang"] == "en"
