"""Users, tokens, app tokens and verification codes (U1-U11, A1, V1-V3, R1-R2) and their refusals."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api

SIGNATURE = hashlib.md5(b"demo-appiddemo-secret").hexdigest()


async def app_token(api: Api) -> dict[str, str]:
    response = await api.client.post("/app/request_token", headers={"X-Gizwits-Application-Auth": SIGNATURE})
    assert response.status_code == 200
    return {"X-Gizwits-Application-Token": response.json()["token"]}


async def send_sms(api: Api, phone: str) -> None:
    headers = await app_token(api)
    captcha = (await api.client.get("/app/verify/codes", headers=headers)).json()
    body = {"captcha_id": captcha["captcha_id"], "captcha_code": "123456", "phone": phone}
    sent = await api.client.post("/app/verify/codes", headers=headers, json=body)
    assert (sent.status_code, sent.content) == (201, b"")


async def test_login_answers_a_token_expiring_after_the_ttl(api: Api) -> None:
    response = await api.call("POST", "/app/login", json={"username": "demo", "password": "demo-password"})
    body = response.json()
    assert response.status_code == 200 and set(body) == {"uid", "token", "expire_at"}
    assert body["expire_at"] == int(api.emu.clock.now() + api.emu.config.token_ttl)


async def test_token_expiry_then_revocation(api: Api) -> None:
    token = await api.login()
    assert (await api.call("GET", "/app/bindings", token=token)).status_code == 200
    api.emu.clock.advance(api.emu.config.token_ttl)
    api.assert_error(await api.call("GET", "/app/bindings", token=token), 9006, 400)
    fresh = await api.login()
    assert (await api.call("GET", "/app/bindings", token=fresh)).status_code == 200
    assert api.emu.state.revoke_tokens("demo") == 2
    api.assert_error(await api.call("GET", "/app/bindings", token=fresh), 9004, 400)
    api.assert_error(await api.call("GET", "/app/bindings"), 9004, 400)
    api.assert_error(await api.call("GET", "/app/bindings", token="nope"), 9004, 400)


async def test_appid_is_required(api: Api) -> None:
    for headers in ({"X-Gizwits-Application-Id": "other"}, {"X-Gizwits-Application-Id": ""}):
        response = await api.client.post("/app/login", headers=headers, json={"username": "demo", "password": "x"})
        api.assert_error(response, 9003, 400)


async def test_login_refusals_and_stats(api: Api) -> None:
    bad = await api.call("POST", "/app/login", json={"username": "demo", "password": "wrong"})
    api.assert_error(bad, 9020, 400)
    api.assert_error(await api.call("POST", "/app/login", json={"username": "ghost", "password": "x"}), 9005, 400)
    api.assert_error(await api.call("POST", "/app/login", content=b"{not json"), 9015, 400)
    await api.login()
    stats = api.emu.stats
    assert (stats.logins, stats.login_failures, stats.requests["U11"]) == (4, 3, 4)
    assert stats.last_body["U11"] == {"username": "demo", "password": "demo-password"}
    stats.reset()
    assert (stats.logins, stats.login_failures, dict(stats.requests)) == (0, 0, {})


async def test_password_changed_elsewhere(api: Api) -> None:
    api.emu.state.change_password("demo", "new-secret")
    api.assert_error(
        await api.call("POST", "/app/login", json={"username": "demo", "password": "demo-password"}), 9020, 400
    )
    await api.login(password="new-secret")


async def test_anonymous_user_keeps_its_uid_and_upgrades(api: Api) -> None:
    first = (await api.call("POST", "/app/users", json={"phone_id": "wx-openid"})).json()
    again = await api.call("POST", "/app/users", json={"phone_id": "wx-openid"})
    assert again.status_code == 201
    assert again.json()["uid"] == first["uid"] and again.json()["token"] != first["token"]
    upgraded = await api.call("PUT", "/app/users", token=first["token"], json={"username": "carol", "password": "pw"})
    assert upgraded.status_code == 200
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", upgraded.json()["updatedAt"])
    assert api.emu.stats.requests["U6"] == 1
    await api.login("carol", "pw")


async def test_register_by_username_and_email(api: Api) -> None:
    created = await api.call("POST", "/app/users", json={"username": "bob", "password": "pw"})
    assert created.status_code == 201
    api.assert_error(await api.call("POST", "/app/users", json={"username": "bob", "password": "x"}), 9019, 400)
    assert (await api.call("POST", "/app/users", json={"email": "b@x.io", "password": "pw"})).status_code == 201
    api.assert_error(await api.call("POST", "/app/users", json={"email": "b@x.io", "password": "x"}), 9022, 400)
    api.assert_error(await api.call("POST", "/app/users", json={"email": "nope", "password": "x"}), 9015, 400)
    api.assert_error(await api.call("POST", "/app/users", json={"password": "x"}), 9015, 400)
    api.assert_error(await api.call("POST", "/app/users", json=["not", "an", "object"]), 9015, 400)
    await api.login("b@x.io", "pw")
    assert (await api.call("POST", "/app/reset_password", json={"email": "b@x.io"})).status_code == 200


async def test_oauth_registration(api: Api) -> None:
    body = {"authData": {"src": "qq", "uid": "openid-1", "token": "t"}}
    first, second = [(await api.call("POST", "/app/users", json=body)).json() for _ in range(2)]
    assert first["uid"] == second["uid"]
    bad = {"authData": {"src": "wechat", "uid": "openid-1", "token": "t"}}
    api.assert_error(await api.call("POST", "/app/users", json=bad), 9015, 400)


async def test_phone_flow_register_login_reset(api: Api) -> None:
    await send_sms(api, "13800000000")
    headers = await app_token(api)
    check = await api.client.put(
        "/app/verify/codes", headers=headers, json={"phone": "13800000000", "sms_code": "123456"}
    )
    assert check.status_code == 200
    body = {"phone": "13800000000", "password": "pw", "code": "123456"}
    assert (await api.call("POST", "/app/users", json=body)).status_code == 201
    api.assert_error(await api.call("POST", "/app/users", json=body), 9018, 400)
    await api.login("13800000000", "pw")
    reset = {"phone": "13800000000", "code": "123456", "new_pwd": "pw2"}
    assert (await api.call("POST", "/app/reset_password", json=reset)).status_code == 200
    await api.login("13800000000", "pw2")
    api.emu.clock.advance(api.emu.config.code_ttl)
    api.assert_error(await api.call("POST", "/app/reset_password", json=reset | {"new_pwd": "pw3"}), 9009, 400)
    api.assert_error(await api.call("POST", "/app/reset_password", json={**reset, "phone": "1"}), 9005, 400)


async def test_codes_refusals(api: Api) -> None:
    api.assert_error(
        await api.client.post("/app/request_token", headers={"X-Gizwits-Application-Auth": "x"}), 9038, 400
    )
    api.assert_error(await api.client.get("/app/verify/codes"), 9004, 400)
    headers = await app_token(api)
    captcha = (await api.client.get("/app/verify/codes", headers=headers)).json()
    wrong = {"captcha_id": captcha["captcha_id"], "captcha_code": "000000", "phone": "1"}
    api.assert_error(await api.client.post("/app/verify/codes", headers=headers, json=wrong), 9010, 400)
    api.emu.clock.advance(api.emu.config.app_token_ttl)
    api.assert_error(await api.client.get("/app/verify/codes", headers=headers), 9006, 400)


async def test_user_updates(api: Api) -> None:
    token = await api.login()
    put = api.call
    api.assert_error(await put("PUT", "/app/users", token=token, json={"old_pwd": "x", "new_pwd": "y"}), 9020, 400)
    assert (await put("PUT", "/app/users", token=token, json={"old_pwd": "demo-password", "new_pwd": "y"})).is_success
    await api.login(password="y")
    assert (await put("PUT", "/app/users", token=token, json={"email": "demo@x.io"})).status_code == 200
    await api.login("demo@x.io", "y")
    await api.call("POST", "/app/users", json={"email": "taken@x.io", "password": "pw"})
    api.assert_error(await put("PUT", "/app/users", token=token, json={"email": "taken@x.io"}), 9022, 400)
    api.assert_error(await put("PUT", "/app/users", token=token, json={"phone": "139", "code": "123456"}), 9010, 400)
    await send_sms(api, "139")
    assert (await put("PUT", "/app/users", token=token, json={"phone": "139", "code": "123456"})).status_code == 200
    assert api.emu.stats.requests["U10"] == 2
    await api.login("139", "y")


async def test_anonymous_to_phone_user(api: Api) -> None:
    token = (await api.call("POST", "/app/users", json={"phone_id": "p"})).json()["token"]
    api.emu.state.issue_sms_code("137")
    body = {"phone": "137", "password": "pw", "code": "123456"}
    assert (await api.call("PUT", "/app/users", token=token, json=body)).status_code == 200
    assert api.emu.stats.requests["U7"] == 1
    await api.login("137", "pw")
