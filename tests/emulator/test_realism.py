"""The emulator answers like the field: Content-Types, a generic web server's 404, proxy pages without a Gizwits
code, several appids, seeded users, and its stats readable from outside."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock, Faults, SeedUser

JSON, HTML = "application/json", "text/html; charset=utf-8"


@contextlib.asynccontextmanager
async def client_for(emulator: Emulator[Any], appid: str = "demo-appid") -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Gizwits-Application-Id": appid}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://emulator", headers=headers) as c:
        yield c


async def login(client: httpx.AsyncClient, username: str = "demo", password: str = "demo-password") -> str:
    answer = await client.post("/app/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


@pytest.mark.parametrize(
    ("mode", "read", "write"), [("json", JSON, JSON), ("html", HTML, HTML), ("real", HTML, JSON)]
)
async def test_content_type_knob(mode: str, read: str, write: str) -> None:
    emulator = Emulator(EmulatorConfig(devices=2, content_type=mode), clock=FakeClock())
    async with client_for(emulator) as client:
        token = {"X-Gizwits-User-token": await login(client)}
        rows = await client.get("/app/bindings", headers=token)
        did = rows.json()["devices"][0]["did"]
        latest = await client.get(f"/app/devdata/{did}/latest")
        control = await client.post(f"/app/control/{did}", headers=token, json={"attrs": {"switch": True}})
        error = await client.get("/app/devdata/nosuchdevice/latest")
        assert [r.headers["content-type"] for r in (rows, latest, control, error)] == [read, read, write, JSON]
        assert error.json()["error_code"] == 9014  # errors stay JSON in every mode


def test_unknown_content_type_is_refused() -> None:
    with pytest.raises(ValueError, match="content_type"):
        EmulatorConfig(content_type="xml")


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [("GET", "/app/nothing", 404, "404 Not Found\n"), ("GET", "/favicon.ico", 404, "404 Not Found\n"),
     ("PATCH", "/app/bindings", 405, "405 Method Not Allowed\n")],
)
async def test_unknown_routes_answer_like_a_generic_web_server(
    gizwits_emulator: Emulator[FakeClock], method: str, path: str, status: int, text: str
) -> None:
    async with client_for(gizwits_emulator) as client:
        answer = await client.request(method, path)
        assert (answer.status_code, answer.headers["content-type"], answer.text) == (
            status, "text/plain; charset=utf-8", text)
    assert gizwits_emulator.stats.requests["?"] == 1


@pytest.mark.parametrize(
    ("statuses", "page", "expected", "content_type", "marker"),
    [((502, 503), "html", [502, 503, 502], "text/html", "<center>nginx</center>"),
     ((500,), "plain", [500, 500, 500], "text/plain; charset=utf-8", "500 Internal Server Error"),
     ((500, 504), "html", [500, 504, 500], "text/html", "<h1>500 Internal Server Error</h1>")],
)
async def test_injected_5xx_pages_carry_no_gizwits_code(
    statuses: tuple[int, ...], page: str, expected: list[int], content_type: str, marker: str
) -> None:
    faults = Faults(error_rate=1.0, error_statuses=statuses, error_page=page)
    emulator = Emulator(clock=FakeClock(), faults=faults)
    async with client_for(emulator) as client:
        answers = [await client.get("/app/bindings") for _ in expected]
    assert [a.status_code for a in answers] == expected
    assert answers[0].headers["content-type"] == content_type and marker in answers[0].text
    assert "error_code" not in answers[0].text


@pytest.mark.parametrize(("statuses", "page"), [((), "html"), ((404,), "html"), ((500,), "json")])
def test_bad_fault_pages_are_refused(statuses: tuple[int, ...], page: str) -> None:
    with pytest.raises(ValueError):
        Faults(error_statuses=statuses, error_page=page)


async def test_several_appids_each_with_the_shared_app_secret() -> None:
    emulator = Emulator(EmulatorConfig(appid="app-one", appids=("app-two",)), clock=FakeClock())
    for appid in ("app-one", "app-two"):
        async with client_for(emulator, appid) as client:
            assert (await client.post("/app/login", json={"username": "demo", "password": "demo-password"})
                    ).status_code == 200
            signature = hashlib.md5((appid + "demo-secret").encode()).hexdigest()
            token = await client.post("/app/request_token", headers={"X-Gizwits-Application-Auth": signature})
            assert token.status_code == 200, token.text
    async with client_for(emulator, "demo-appid") as client:
        refused = await client.get("/app/bindings")
        assert (refused.status_code, refused.json()["error_code"]) == (400, 9003)


@pytest.mark.parametrize("appid", ["any-app", "another-one"])
async def test_any_appid(appid: str) -> None:
    emulator = Emulator(EmulatorConfig(any_appid=True), clock=FakeClock())
    async with client_for(emulator, appid) as client:
        assert await login(client)
    async with client_for(emulator, "") as client:
        assert (await client.get("/app/bindings")).json()["error_code"] == 9003  # no appid at all


async def test_seeded_users_have_their_own_devices() -> None:
    users = (SeedUser("alice", "pw-a", devices=3), SeedUser("bob", "pw-b", email="bob@example.test"))
    emulator = Emulator(EmulatorConfig(devices=2, users=users), clock=FakeClock())
    async with client_for(emulator) as client:
        counts = []
        for name, password in (("demo", "demo-password"), ("alice", "pw-a"), ("bob@example.test", "pw-b")):
            rows = await client.get("/app/bindings", headers={"X-Gizwits-User-token": await login(client, name,
                                                                                                  password)})
            counts.append(len(rows.json()["devices"]))
    assert counts == [2, 3, 0]
    assert len(emulator.state.devices) == 5


async def test_stats_are_readable_from_outside_without_credentials(gizwits_emulator: Emulator[FakeClock]) -> None:
    async with httpx.AsyncClient(transport=gizwits_emulator.transport(), base_url="http://emulator") as bare:
        assert (await bare.get("/_emulator/stats")).json() == {"requests": {}, "logins": 0, "login_failures": 0}
    async with client_for(gizwits_emulator) as client:
        await login(client)
        await client.post("/app/login", json={"username": "demo", "password": "wrong"})
        await client.get("/app/bindings")
        stats = await client.get("/_emulator/stats")
    assert (stats.status_code, stats.headers["content-type"]) == (200, JSON)
    assert stats.json() == {"requests": {"U11": 2, "D2": 1}, "logins": 2, "login_failures": 1}
    assert gizwits_emulator.stats.summary() == "logins 2 (1 failed); requests: U11 2, D2 1"


def test_stats_summary_of_nothing(gizwits_emulator: Emulator[FakeClock]) -> None:
    assert gizwits_emulator.stats.summary() == "logins 0 (0 failed); requests: none"


async def test_updated_at_is_unix_seconds(gizwits_emulator: Emulator[FakeClock]) -> None:
    gizwits_emulator.clock.advance(12.75)
    did = next(iter(gizwits_emulator.state.user("demo").bindings))
    async with client_for(gizwits_emulator) as client:
        token = await login(client)
        await client.post(f"/app/control/{did}", headers={"X-Gizwits-User-token": token},
                          json={"attrs": {"switch": True}})
        latest = (await client.get(f"/app/devdata/{did}/latest")).json()
    assert latest["updated_at"] == int(gizwits_emulator.clock.now()) and type(latest["updated_at"]) is int
