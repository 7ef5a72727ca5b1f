"""Every endpoint of ENDPOINTS.md (U1-U11, A1, V1-V3, R1-R2, D1-D4, C1-C2, S1-S4) against the vendor's curl examples.

Each test asserts the method, path, query, headers and JSON body the vendor page shows, and the parsed value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import httpx
import pytest
import respx

from gizwits_async import (
    REGIONS,
    AppToken,
    BindRequest,
    BindResult,
    Captcha,
    Device,
    DeviceData,
    MemoryTokenStore,
    Schedule,
    ScheduledCommand,
    ScheduleLog,
    Session,
    Token,
    ValidationError,
)

from .conftest import APP_TOKEN, APPID, BASE, SECRET, USER_TOKEN, stored_token, token_wire

UTC = dt.UTC
#: The vendor's example answer of U1-U5 and U11 (its expire_at has one digit too many: still seconds).
TOKEN_EXAMPLE = {"uid": "akkdlfeiow", "token": "akdlfkad", "expire_at": 13894002020}
TOKEN_PARSED = Token("akkdlfeiow", "akdlfkad", dt.datetime.fromtimestamp(13894002020, UTC))
UPDATED_EXAMPLE = {"updatedAt": "2011-11-07T21:25:10.623Z"}
UPDATED_PARSED = dt.datetime(2011, 11, 7, 21, 25, 10, 623000, tzinfo=UTC)
DID = "gdGn7PzAYf4VrhnVag5x8D"


def check_request(
    request: httpx.Request,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: bytes = b"",
    user_token: str | None = None,
    app_token: str | None = None,
    app_auth: str | None = None,
    host: str = "api.gizwits.com",
) -> None:
    """The request is exactly what the vendor's curl example sends (and carries no other credential)."""
    assert request.method == method
    assert request.url.scheme == "https"
    assert request.url.host == host
    assert request.url.path == path
    assert request.url.query == query
    headers = request.headers
    assert headers["X-Gizwits-Application-Id"] == APPID
    assert headers["Content-Type"] == "application/json"
    assert headers.get("X-Gizwits-User-token") == user_token
    assert headers.get("X-Gizwits-Application-Token") == app_token
    assert headers.get("X-Gizwits-Application-Auth") == app_auth
    if body is None:
        assert request.content == b""
    else:
        assert json.loads(request.content) == body
    assert SECRET not in request.content.decode() and SECRET not in str(headers.raw)


def only_request(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def mock_app_token(mock: respx.MockRouter) -> respx.Route:
    expires = dt.datetime.now(UTC).timestamp() + 7200
    return mock.post("/app/request_token").respond(200, json={"token": APP_TOKEN, "expired_at": int(expires)})


# -- users (U1-U11) ---------------------------------------------------------------------------------------


async def test_u1_login_anonymous(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").respond(201, json=TOKEN_EXAMPLE)
    token = await session.login_anonymous("apiary")
    check_request(only_request(route), "POST", "/app/users", body={"phone_id": "apiary", "lang": "en"})
    assert token == TOKEN_PARSED
    assert session.token == token  # signed in


async def test_u2_register(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").respond(201, json=TOKEN_EXAMPLE)
    token = await session.register("bob", "123456")
    check_request(only_request(route), "POST", "/app/users",
                  body={"username": "bob", "password": "123456", "lang": "en"})
    assert token == TOKEN_PARSED
    assert session.token == token


async def test_u3_register_email(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").respond(201, json=TOKEN_EXAMPLE)
    token = await session.register_email("bob@bob.com", "123456")
    check_request(only_request(route), "POST", "/app/users",
                  body={"email": "bob@bob.com", "password": "123456", "lang": "en"})
    assert token == TOKEN_PARSED
    assert session.token == token


async def test_u4_register_phone(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").respond(201, json=TOKEN_EXAMPLE)
    token = await session.register_phone("123456", "123456", "abc")
    check_request(only_request(route), "POST", "/app/users",
                  body={"phone": "123456", "password": "123456", "code": "abc", "lang": "en"})
    assert token == TOKEN_PARSED
    assert session.token == token


async def test_u5_register_oauth(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").respond(201, json=TOKEN_EXAMPLE)
    token = await session.register_oauth("baidu", "2346677", "pnktnjyb996sj4p156gjtp4im")
    check_request(only_request(route), "POST", "/app/users",
                  body={"authData": {"src": "baidu", "uid": "2346677", "token": "pnktnjyb996sj4p156gjtp4im"},
                        "lang": "en"})
    assert token == TOKEN_PARSED
    assert session.token == token


async def test_u6_upgrade_anonymous(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    updated = await user_session.upgrade_anonymous("bob", "abda2")
    check_request(only_request(route), "PUT", "/app/users", body={"username": "bob", "password": "abda2"},
                  user_token=USER_TOKEN)
    assert updated == UPDATED_PARSED


async def test_u7_upgrade_anonymous_phone(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    updated = await user_session.upgrade_anonymous_phone("1328830223", "123456", "123")
    check_request(only_request(route), "PUT", "/app/users",
                  body={"phone": "1328830223", "password": "123456", "code": "123"}, user_token=USER_TOKEN)
    assert updated == UPDATED_PARSED


async def test_u8_change_password(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    updated = await user_session.change_password("123456", "123456")
    check_request(only_request(route), "PUT", "/app/users", body={"old_pwd": "123456", "new_pwd": "123456"},
                  user_token=USER_TOKEN)
    assert updated == UPDATED_PARSED


async def test_u8_change_password_argument_order(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    await user_session.change_password("old-one", "new-one")
    assert json.loads(only_request(route).content) == {"old_pwd": "old-one", "new_pwd": "new-one"}


async def test_u9_change_email(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    updated = await user_session.change_email("bob@bob.com")
    check_request(only_request(route), "PUT", "/app/users", body={"email": "bob@bob.com"}, user_token=USER_TOKEN)
    assert updated == UPDATED_PARSED


async def test_u10_change_phone(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.put("/app/users").respond(200, json=UPDATED_EXAMPLE)
    updated = await user_session.change_phone("1328830223", "abc")
    check_request(only_request(route), "PUT", "/app/users", body={"phone": "1328830223", "code": "abc"},
                  user_token=USER_TOKEN)
    assert updated == UPDATED_PARSED


async def test_u11_login(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/login").respond(200, json=TOKEN_EXAMPLE)
    token = await session.login("bob", "123456")
    check_request(only_request(route), "POST", "/app/login",
                  body={"username": "bob", "password": "123456", "lang": "en"})
    assert token == TOKEN_PARSED
    assert isinstance(token.expire_at, dt.datetime) and token.expire_at.tzinfo is not None
    assert session.token == token


# -- app token and verification codes (A1, V1-V3), password reset (R1-R2) --------------------------------------


async def test_a1_app_token(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/request_token").respond(200, json={"token": "XxXXXxxxx", "expired_at": 123333333})
    token = await session.app_token()
    signature = hashlib.md5((APPID + SECRET).encode()).hexdigest()
    assert len(signature) == 32 and signature == signature.lower()
    check_request(only_request(route), "POST", "/app/request_token", app_auth=signature)
    assert token == AppToken("XxXXXxxxx", dt.datetime.fromtimestamp(123333333, UTC))


async def test_a1_app_token_is_cached(session: Session, mock: respx.MockRouter) -> None:
    route = mock_app_token(mock)
    first = await session.app_token()
    assert await session.app_token() == first
    assert route.call_count == 1


async def test_a1_needs_app_secret(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    route = mock.post("/app/request_token").respond(200, json={"token": "t", "expired_at": 2_000_000_000})
    async with Session(APPID, client=client) as session:
        with pytest.raises(ValidationError):
            await session.app_token()
    assert route.call_count == 0


async def test_v1_captcha(session: Session, mock: respx.MockRouter) -> None:
    mock_app_token(mock)
    route = mock.get("/app/verify/codes").respond(
        200, json={"captcha_url": "http://xxxxx", "captcha_id": "XXXXXXXxxxxxxx"})
    captcha = await session.captcha()
    check_request(only_request(route), "GET", "/app/verify/codes", app_token=APP_TOKEN)
    assert captcha == Captcha(captcha_id="XXXXXXXxxxxxxx", captcha_url="http://xxxxx")


async def test_v2_send_sms_code(session: Session, mock: respx.MockRouter) -> None:
    mock_app_token(mock)
    route = mock.post("/app/verify/codes").respond(201)
    result = await session.send_sms_code("123123123", "XXXXXXXxxxxxxx", "123123")
    check_request(only_request(route), "POST", "/app/verify/codes", app_token=APP_TOKEN,
                  body={"captcha_id": "XXXXXXXxxxxxxx", "captcha_code": "123123", "phone": "123123123"})
    assert result is None


async def test_v3_verify_sms_code(session: Session, mock: respx.MockRouter) -> None:
    mock_app_token(mock)
    route = mock.put("/app/verify/codes").respond(200)
    result = await session.verify_sms_code("123123123", "123xx")
    check_request(only_request(route), "PUT", "/app/verify/codes", app_token=APP_TOKEN,
                  body={"sms_code": "123xx", "phone": "123123123"})
    assert result is None


async def test_r1_reset_password_by_email(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/reset_password").respond(200)
    result = await session.reset_password_by_email("bob@bob.com")
    check_request(only_request(route), "POST", "/app/reset_password", body={"email": "bob@bob.com"})
    assert result is None


async def test_r2_reset_password_by_phone(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/reset_password").respond(200)
    result = await session.reset_password_by_phone("13232433", "13232", "1323200")
    check_request(only_request(route), "POST", "/app/reset_password",
                  body={"phone": "13232433", "code": "13232", "new_pwd": "1323200"})
    assert result is None


# -- devices (D1-D4) and control (C1-C2) ---------------------------------------------------------------------


async def test_d1_latest(session: Session, mock: respx.MockRouter) -> None:
    route = mock.get(f"/app/devdata/{DID}/latest").respond(
        200, json={"did": DID, "updated_at": 148293984328, "attr": {"temp": 10, "humi": 20}})
    data = await session.latest(DID)
    check_request(only_request(route), "GET", f"/app/devdata/{DID}/latest")
    # The example's 12-digit value is milliseconds.
    assert data == DeviceData(DID, dt.datetime.fromtimestamp(148293984.328, UTC), {"temp": 10, "humi": 20})


async def test_d1_latest_never_reported(session: Session, mock: respx.MockRouter) -> None:
    mock.get(f"/app/devdata/{DID}/latest").respond(200, json={"did": DID, "updated_at": 0, "attr": {}})
    data = await session.latest(DID)
    assert data.updated_at is None
    assert data.attrs == {}


DEVICES_EXAMPLE = {"devices": [
    {"product_key": "akdlfkad", "did": "abcada", "mac": "1122334455667788", "is_online": False, "passcode": "123456",
     "host": "m2m.gizwits.com", "port": 3128, "remark": "", "is_disabled": False, "type": "normal"},
    {"product_key": "akdlfkad", "did": "abcada", "mac": "1122334455667788", "is_online": False, "passcode": "123456",
     "host": "m2m.gizwits.com", "port": 3128, "remark": "", "is_disabled": False, "type": "center_control"},
]}


async def test_d2_bindings(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.get("/app/bindings").respond(200, json=DEVICES_EXAMPLE)
    devices = await user_session.bindings(show_disabled=True)
    check_request(only_request(route), "GET", "/app/bindings", query=b"show_disabled=1&limit=20&skip=0",
                  user_token=USER_TOKEN)
    expected = Device(did="abcada", product_key="akdlfkad", mac="1122334455667788", is_online=False,
                      passcode="123456", host="m2m.gizwits.com", port=3128, remark="", is_disabled=False,
                      type="normal")
    assert devices == [expected, Device(**{**_fields(expected), "type": "center_control"})]


def _fields(device: Device) -> dict[str, Any]:
    return {name: getattr(device, name) for name in ("did", "product_key", "mac", "is_online", "passcode", "host",
                                                      "port", "remark", "is_disabled", "type")}


async def test_d2_bindings_defaults_and_paging(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.get("/app/bindings").respond(200, json={"devices": []})
    assert await user_session.bindings() == []
    assert await user_session.bindings(limit=10, skip=10) == []
    queries = [call.request.url.query for call in route.calls]
    assert queries == [b"show_disabled=0&limit=20&skip=0", b"show_disabled=0&limit=10&skip=10"]


async def test_d3_bind(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/bindings").respond(200, json={"success": ["abc", "add"], "failed": ["adad", "ee"]})
    result = await user_session.bind([(DID, "gokit")])
    check_request(only_request(route), "POST", "/app/bindings", user_token=USER_TOKEN,
                  body={"devices": [{"did": DID, "passcode": "gokit", "remark": ""}]})
    assert result == BindResult(success=["abc", "add"], failed=["adad", "ee"])


async def test_d3_bind_with_bind_requests(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/bindings").respond(200, json={"success": ["a", "b"], "failed": []})
    await user_session.bind([BindRequest("a", "p1", "kitchen"), ("b", "p2")])
    assert json.loads(only_request(route).content) == {"devices": [
        {"did": "a", "passcode": "p1", "remark": "kitchen"}, {"did": "b", "passcode": "p2", "remark": ""}]}


async def test_d4_unbind(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.delete("/app/bindings").respond(200, json={"success": ["abc", "add"], "failed": ["adad", "ee"]})
    result = await user_session.unbind([DID])
    # DELETE with a JSON body, as the vendor's curl example sends it.
    check_request(only_request(route), "DELETE", "/app/bindings", user_token=USER_TOKEN,
                  body={"devices": [{"did": DID}]})
    assert result == BindResult(success=["abc", "add"], failed=["adad", "ee"])


async def test_c1_control(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/control/did").respond(200, json={})
    result = await user_session.control("did", {"temp": 10})
    check_request(only_request(route), "POST", "/app/control/did", body={"attrs": {"temp": 10}},
                  user_token=USER_TOKEN)
    assert result is None


async def test_c1_control_value_types(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/control/did").respond(200, json={})
    await user_session.control("did", {"on": True, "mode": "auto", "level": 3, "ratio": 0.5,
                                       "bin": b"\x01\x02\xab", "text": bytearray(b"hello world!")})
    assert json.loads(only_request(route).content) == {"attrs": {
        "on": True, "mode": "auto", "level": 3, "ratio": 0.5, "bin": "0102ab", "text": "68656c6c6f20776f726c6421"}}


async def test_c2_control_raw(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/control/did").respond(200, json={})
    result = await user_session.control_raw("did", [0, 1, 2, 3])
    check_request(only_request(route), "POST", "/app/control/did", body={"raw": [0, 1, 2, 3]},
                  user_token=USER_TOKEN)
    assert result is None


async def test_c2_control_raw_bytes(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/control/did").respond(200, json={})
    await user_session.control_raw("did", b"\x00\x01\x02\xff")
    assert json.loads(only_request(route).content) == {"raw": [0, 1, 2, 255]}


# -- scheduler (S1-S4) ------------------------------------------------------------------------------------------

SCHEDULE_COMMANDS = [
    ScheduledCommand("did1", "xxx", {"attr1": 1, "attr2": 2}),
    ScheduledCommand("did2", "xxx", {"attr1": "val", "attr2": True}),
]
SCHEDULE_BODY = {
    "date": "2015-01-01", "time": "12:00", "repeat": "none",
    "task": [{"did": "did1", "product_key": "xxx", "attrs": {"attr1": 1, "attr2": 2}},
             {"did": "did2", "product_key": "xxx", "attrs": {"attr1": "val", "attr2": True}}],
    "retry_count": 3, "retry_task": "all",
}


async def test_s1_create_schedule(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/scheduler").respond(201, json={"id": "adkle"})
    schedule_id = await user_session.create_schedule(date="2015-01-01", time="12:00", repeat="none",
                                                     commands=SCHEDULE_COMMANDS, retry_count=3, retry_task="all")
    check_request(only_request(route), "POST", "/app/scheduler", body=SCHEDULE_BODY, user_token=USER_TOKEN)
    assert schedule_id == "adkle"


async def test_s1_create_schedule_typed_arguments(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/scheduler").respond(201, json={"id": 42})
    schedule_id = await user_session.create_schedule(
        time=dt.time(7, 5), repeat=["tue", "mon"], retry_task="failed",
        commands=[("did1", "xxx", {"bin": b"\x0a"})])
    assert json.loads(only_request(route).content) == {
        "time": "07:05", "repeat": "mon,tue", "retry_count": 0, "retry_task": "failed",
        "task": [{"did": "did1", "product_key": "xxx", "attrs": {"bin": "0a"}}]}
    assert schedule_id == "42"


async def test_s1_one_off_without_date_gets_the_next_date(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/scheduler").respond(201, json={"id": "x"})
    await user_session.create_schedule(time="00:00", date=dt.date(2030, 5, 6), commands=SCHEDULE_COMMANDS)
    await user_session.create_schedule(time="23:59", commands=SCHEDULE_COMMANDS)
    first, second = (json.loads(call.request.content) for call in route.calls)
    assert first["date"] == "2030-05-06"
    today = dt.datetime.now(UTC).date()
    assert dt.date.fromisoformat(second["date"]) in (today, today + dt.timedelta(days=1))


SCHEDULES_EXAMPLE = [
    {"id": "abckaldkl", "created_at": "2015-01-01T12:00:00", "date": "2015-01-01", "time": "12:00", "repeat": "none",
     "task": [{"did": "did1", "product_key": "xxx", "attrs": {"attr1": 1, "attr2": 1}},
              {"did": "did2", "product_key": "xxx", "attrs": {"attr1": 1, "attr2": 2}}],
     "retry_count": 3, "retry_task": "all"},
    {"id": "abckaldkm", "created_at": "2015-01-01T12:00:00", "date": "2015-01-01", "time": "12:00",
     "repeat": "mon,tue",
     "task": [{"did": "did1", "product_key": "xxx", "attrs": {"attr1": "val", "attr2": "val"}}],
     "retry_count": 3, "retry_task": "failed"},
]


async def test_s2_schedules(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.get("/app/scheduler").respond(200, json=SCHEDULES_EXAMPLE)
    schedules = await user_session.schedules()
    check_request(only_request(route), "GET", "/app/scheduler", query=b"limit=20&skip=0", user_token=USER_TOKEN)
    at_noon = dt.datetime(2015, 1, 1, 12, tzinfo=UTC)
    assert schedules == [
        Schedule(id="abckaldkl", created_at=at_noon, date=dt.date(2015, 1, 1), time=dt.time(12, 0), repeat="none",
                 commands=(ScheduledCommand("did1", "xxx", {"attr1": 1, "attr2": 1}),
                           ScheduledCommand("did2", "xxx", {"attr1": 1, "attr2": 2})),
                 retry_count=3, retry_task="all"),
        Schedule(id="abckaldkm", created_at=at_noon, date=dt.date(2015, 1, 1), time=dt.time(12, 0),
                 repeat=("mon", "tue"),
                 commands=(ScheduledCommand("did1", "xxx", {"attr1": "val", "attr2": "val"}),),
                 retry_count=3, retry_task="failed"),
    ]


async def test_s3_delete_schedule(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.delete("/app/scheduler/sid1").respond(200)
    result = await user_session.delete_schedule("sid1")
    check_request(only_request(route), "DELETE", "/app/scheduler/sid1", user_token=USER_TOKEN)
    assert result is None


async def test_s4_schedule_logs(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.get("/app/scheduler/sid1/logs").respond(
        200, json={"datetime": "2015-01-02T12:00:00", "status": "succeed", "detail": {"did1": True, "did2": False}})
    logs = await user_session.schedule_logs("sid1")
    check_request(only_request(route), "GET", "/app/scheduler/sid1/logs", user_token=USER_TOKEN)
    assert logs == [ScheduleLog(dt.datetime(2015, 1, 2, 12, tzinfo=UTC), "succeed", {"did1": True, "did2": False})]
    assert logs[0].succeeded


async def test_s4_schedule_logs_list(user_session: Session, mock: respx.MockRouter) -> None:
    mock.get("/app/scheduler/sid1/logs").respond(200, json=[
        {"datetime": "2015-01-02T12:00:00", "status": "failed", "detail": {"did1": False}},
        {"datetime": "2015-01-03T12:00:00Z", "status": "succeed", "detail": {}},
    ])
    logs = await user_session.schedule_logs("sid1")
    assert [(log.datetime.day, log.status, log.detail) for log in logs] == [
        (2, "failed", {"did1": False}), (3, "succeed", {})]
    assert not logs[0].succeeded


# -- paging -------------------------------------------------------------------------------------------------------


def paged(items: list[dict[str, Any]], wrap: Any) -> Any:
    """A side effect answering ``limit``/``skip`` pages of ``items``."""
    def answer(request: httpx.Request) -> httpx.Response:
        limit, skip = int(request.url.params["limit"]), int(request.url.params["skip"])
        return httpx.Response(200, json=wrap(items[skip:skip + limit]))
    return answer


@pytest.mark.parametrize(("count", "skips"), [(5, [0, 2, 4]), (4, [0, 2, 4]), (1, [0]), (0, [0])])
async def test_d2_iter_bindings_walks_all_pages(
    user_session: Session, mock: respx.MockRouter, count: int, skips: list[int]
) -> None:
    items = [{"did": f"d{i}"} for i in range(count)]
    route = mock.get("/app/bindings").mock(side_effect=paged(items, lambda page: {"devices": page}))
    devices = [device async for device in user_session.iter_bindings(page_size=2, show_disabled=True)]
    assert [device.did for device in devices] == [f"d{i}" for i in range(count)]
    assert [int(call.request.url.params["skip"]) for call in route.calls] == skips
    assert {call.request.url.params["limit"] for call in route.calls} == {"2"}
    assert {call.request.url.params["show_disabled"] for call in route.calls} == {"1"}


@pytest.mark.parametrize(("count", "skips"), [(7, [0, 3, 6]), (6, [0, 3, 6]), (2, [0])])
async def test_s2_iter_schedules_walks_all_pages(
    user_session: Session, mock: respx.MockRouter, count: int, skips: list[int]
) -> None:
    items = [{"id": f"s{i}"} for i in range(count)]
    route = mock.get("/app/scheduler").mock(side_effect=paged(items, lambda page: page))
    schedules = [schedule async for schedule in user_session.iter_schedules(page_size=3)]
    assert [schedule.id for schedule in schedules] == [f"s{i}" for i in range(count)]
    assert [int(call.request.url.params["skip"]) for call in route.calls] == skips


# -- base URLs and the session's own lifecycle ------------------------------------------------------------------


@pytest.mark.parametrize(("region", "host"), [("cn", "api.gizwits.com"), ("us", "usapi.gizwits.com"),
                                              ("eu", "euapi.gizwits.com")])
async def test_region_base_urls(client: httpx.AsyncClient, region: str, host: str) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"https://{host}/app/login").respond(200, json=token_wire())
        other = router.route().respond(500)
        async with Session(APPID, region=region, client=client) as session:
            assert session.base_url == f"https://{host}"
            await session.login("bob", "123456")
        check_request(only_request(route), "POST", "/app/login",
                      body={"username": "bob", "password": "123456", "lang": "en"}, host=host)
        assert other.call_count == 0
    assert REGIONS[region] == f"https://{host}"


async def test_base_url_override(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get("http://127.0.0.1:8080/app/devdata/d1/latest").respond(
            200, json={"did": "d1", "updated_at": 1_700_000_000, "attr": {}})
        other = router.route().respond(500)
        async with Session(APPID, region="eu", base_url="http://127.0.0.1:8080/", client=client) as session:
            data = await session.latest("d1")
        assert route.call_count == 1 and other.call_count == 0
        assert data.updated_at == dt.datetime.fromtimestamp(1_700_000_000, UTC)


@pytest.mark.parametrize("kwargs", [{"region": "jp"}, {"base_url": "ftp://example.com"}, {"base_url": "nohost"}])
def test_bad_region_or_base_url(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Session(APPID, **kwargs)


async def test_injected_client_is_not_closed(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    mock.post("/app/login").respond(200, json=token_wire())
    async with Session(APPID, client=client) as session:
        await session.login("bob", "123456")
    assert session.closed
    assert not client.is_closed


async def test_stored_token_is_sent_without_login(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").respond(200, json=token_wire())
    control = mock.post("/app/control/d1").respond(200, json={})
    async with Session(APPID, client=client, token_store=MemoryTokenStore(stored_token("stored"))) as session:
        await session.control("d1", {"on": True})
    assert login.call_count == 0
    assert only_request(control).headers["X-Gizwits-User-token"] == "stored"


def test_base_constant() -> None:
    assert REGIONS["cn"] == BASE


@pytest.mark.parametrize(("lang", "sent"), [("fr", {"lang": "fr"}), ("zh-cn", {"lang": "zh-cn"}), (None, {})])
async def test_lang_is_sent_with_sign_ins_and_user_creation(
    client: httpx.AsyncClient, mock: respx.MockRouter, lang: str | None, sent: dict[str, str]
) -> None:
    login = mock.post("/app/login").respond(200, json=token_wire())
    users = mock.post("/app/users").respond(201, json=token_wire())
    async with Session(APPID, client=client, lang=lang) as session:
        await session.login("bob", "123456")
        await session.login_anonymous("phone-1")
        await session.register("eve", "pw")
    assert json.loads(only_request(login).content) == {"username": "bob", "password": "123456", **sent}
    assert [json.loads(call.request.content) for call in users.calls] == [
        {"phone_id": "phone-1", **sent}, {"username": "eve", "password": "pw", **sent}]


@pytest.mark.parametrize("lang", ["", "  ", 3])
def test_lang_must_be_a_non_empty_string(lang: object) -> None:
    with pytest.raises(ValidationError):
        Session(APPID, lang=lang)  # type: ignore[arg-type]
