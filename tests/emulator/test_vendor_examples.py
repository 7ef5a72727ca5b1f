"""Every curl example of the vendor's API page, replayed on loopback with the placeholders filled in.

Each answers its documented success, or a well-formed Gizwits error where the example's own values cannot
succeed (an SMS code never sent, a user that does not exist, the vendor's broken JSON quoting in R2).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api

USER, APP, NONE = "user", "app", None
PLACEHOLDER_DID = "gdGn7PzAYf4VrhnVag5x8D"

# (method, path, token kind, raw body as the curl sends it, expected status, expected keys or error code)
EXAMPLES: list[tuple[str, str, str | None, str | None, int, Any]] = [
    ("POST", "/app/users", NONE, '{ "phone_id": "apiary" }', 201, {"uid", "token", "expire_at"}),
    ("POST", "/app/users", NONE, '{ "username": "bob", "password": "123456" }', 201, {"uid", "token", "expire_at"}),
    (
        "POST",
        "/app/users",
        NONE,
        '{ "email": "bob@bob.com", "password": "123456" }',
        201,
        {"uid", "token", "expire_at"},
    ),
    ("POST", "/app/users", NONE, '{ "phone": "123456", "password": "123456", "code": "abc" }', 400, 9010),
    (
        "POST",
        "/app/users",
        NONE,
        '{ "authData": { "src": "baidu", "uid": "2346677", "token":"pnktnjyb996sj4p156gjtp4im" } }',
        201,
        {"uid", "token", "expire_at"},
    ),
    ("PUT", "/app/users", USER, '{ "username": "bob", "password": "abda2" }', 200, {"updatedAt"}),
    ("PUT", "/app/users", USER, '{ "phone": "1328830223", "password": "123456", "code": "123" }', 400, 9010),
    ("PUT", "/app/users", USER, '{ "old_pwd": "123456", "new_pwd": "123456" }', 400, 9020),
    ("PUT", "/app/users", USER, '{ "email": "bob@bob.com" }', 200, {"updatedAt"}),
    ("PUT", "/app/users", USER, '{ "phone": "1328830223", "code": "abc" }', 400, 9010),
    ("POST", "/app/login", NONE, '{ "username": "bob", "password": "123456" }', 400, 9005),
    ("POST", "/app/request_token", "signature", None, 200, {"token", "expired_at"}),
    ("GET", "/app/verify/codes", APP, None, 200, {"captcha_url", "captcha_id"}),
    (
        "POST",
        "/app/verify/codes",
        APP,
        '{ "captcha_id": "XXXXXXXxxxxxxx", "captcha_code": "123123", "phone": "123123123" }',
        400,
        9010,
    ),
    ("PUT", "/app/verify/codes", APP, '{ "sms_code": "123xx", "phone": "123123123" }', 400, 9010),
    ("POST", "/app/reset_password", NONE, '{ "email": "bob@bob.com" }', 400, 9005),
    ("POST", "/app/reset_password", NONE, '{ "phone": "13232433", "code": "13232\', "new_pwd": "1323200" }', 400, 9015),
    ("GET", "/app/devdata/{did}/latest", NONE, None, 200, {"did", "updated_at", "attr"}),
    ("GET", f"/app/devdata/{PLACEHOLDER_DID}/latest", NONE, None, 404, 9014),
    ("GET", "/app/bindings?show_disabled=1&limit=20&skip=0", USER, None, 200, {"devices"}),
    (
        "POST",
        "/app/bindings",
        USER,
        '{ "devices": [{ "did": "{did}", "passcode": "gokit", "remark": "" }] }',
        200,
        {"success", "failed"},
    ),
    ("DELETE", "/app/bindings", USER, '{ "devices": [{ "did": "{did}" }] }', 200, {"success", "failed"}),
    ("POST", "/app/control/{did}", USER, '{ "attrs": { "temp": 10 } }', 400, 9025),
    ("POST", "/app/control/did", USER, '{ "attrs": { "temp": 10 } }', 404, 9014),
    ("POST", "/app/control/{did}", USER, '{ "raw": [0, 1, 2, 3] }', 200, set()),
]


@pytest.mark.parametrize(("method", "path", "auth", "body", "status", "expected"), EXAMPLES)
async def test_curl_example(
    live_api: Api, method: str, path: str, auth: str | None, body: str | None, status: int, expected: Any
) -> None:
    headers = {"Content-Type": "application/json"}
    if auth == USER:
        headers["X-Gizwits-User-token"] = await live_api.login()
    elif auth == APP:
        signature = hashlib.md5(b"demo-appiddemo-secret").hexdigest()
        token = await live_api.client.post("/app/request_token", headers={"X-Gizwits-Application-Auth": signature})
        headers["X-Gizwits-Application-Token"] = token.json()["token"]
    elif auth == "signature":
        headers["X-Gizwits-Application-Auth"] = hashlib.md5(b"demo-appiddemo-secret").hexdigest()
    did = next(iter(live_api.emu.state.devices))
    url = path.replace("{did}", did)
    content = body.replace("{did}", did) if body else None
    response = await live_api.client.request(method, url, headers=headers, content=content)
    if isinstance(expected, int):
        live_api.assert_error(response, expected, status)
    else:
        assert response.status_code == status, response.text
        assert set(response.json()) == expected


async def test_scheduler_example_bodies(live_api: Api) -> None:
    """The page prints no scheduler curl; its S1 body (with values filled in) round-trips through S1-S4."""
    token = await live_api.login()
    did1, did2 = (await live_api.dids(token))[:2]
    task = {
        "date": "2015-01-01",
        "time": "12:00",
        "repeat": "none",
        "task": [
            {"did": did1, "product_key": "demo-product", "attrs": {"switch": True}},
            {"did": did2, "product_key": "demo-product", "attrs": {"brightness": 2}},
        ],
        "retry_count": 3,
        "retry_task": "all",
    }
    created = await live_api.call("POST", "/app/scheduler", token=token, json=task)
    assert created.status_code == 201 and set(created.json()) == {"id"}
    listed = await live_api.call("GET", "/app/scheduler?limit=20&skip=0", token=token)
    (entry,) = listed.json()
    assert entry.items() >= task.items() and {"id", "created_at"} <= set(entry)
    logs = await live_api.call("GET", f"/app/scheduler/{entry['id']}/logs", token=token)
    assert (logs.status_code, logs.json()) == (200, [])
    deleted = await live_api.call("DELETE", f"/app/scheduler/{entry['id']}", token=token)
    assert deleted.status_code == 200
