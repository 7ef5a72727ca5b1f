"""Models from wire JSON: tolerant of extra and absent fields; a malformed answer is an APIError."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import httpx
import pytest
import respx

from gizwits_async import (
    APIError,
    AppToken,
    BindRequest,
    BindResult,
    Captcha,
    Device,
    DeviceData,
    Schedule,
    ScheduledCommand,
    ScheduleLog,
    Session,
    Token,
)
from gizwits_async.models import schedule_logs_from_wire, timestamp, updated_at_from_wire

UTC = dt.UTC


# -- tolerance ------------------------------------------------------------------------------------------------


def test_unknown_extra_fields_are_ignored() -> None:
    extra = {"future_field": [1, 2], "ws_port": 8080}
    assert Token.from_wire({"uid": "u", "token": "t", "expire_at": 1_900_000_000, **extra}).uid == "u"
    assert AppToken.from_wire({"token": "t", "expired_at": 1_900_000_000, **extra}).token == "t"
    assert Captcha.from_wire({"captcha_id": "i", "captcha_url": "u", **extra}) == Captcha("i", "u")
    assert Device.from_wire({"did": "d", **extra}).did == "d"
    assert DeviceData.from_wire({"did": "d", "updated_at": 0, "attr": {}, **extra}).did == "d"
    assert BindResult.from_wire({"success": ["a"], "failed": [], **extra}) == BindResult(["a"], [])
    assert Schedule.from_wire({"id": "s", **extra}).id == "s"
    assert ScheduleLog.from_wire({"datetime": "2015-01-02T12:00:00", "status": "succeed", **extra}).status == "succeed"


def test_device_defaults() -> None:
    assert Device.from_wire({"did": "d1"}) == Device(
        did="d1", product_key="", mac="", is_online=False, passcode="", host="", port=None, remark="",
        is_disabled=False, type="normal")
    nulls = {"did": "d1", "product_key": None, "mac": None, "passcode": None, "host": None, "port": None,
             "remark": None, "type": None}
    assert Device.from_wire(nulls) == Device("d1")
    assert Device.from_wire({"did": "d1", "port": "3128", "is_online": True}).port == 3128


def test_device_passcode_not_in_repr() -> None:
    device = Device.from_wire({"did": "d1", "passcode": "PASSCODE123"})
    assert "PASSCODE123" not in repr(device)
    assert "PASSCODE123" not in repr(BindRequest("d1", "PASSCODE123"))


@pytest.mark.parametrize("updated_at", [0, None, "", "0"])
def test_device_data_never_reported(updated_at: Any) -> None:
    body: dict[str, Any] = {"did": "d1", "attr": {"temp": 10}}
    if updated_at != "0":
        body["updated_at"] = updated_at
    assert DeviceData.from_wire(body) == DeviceData("d1", None, {"temp": 10})


def test_device_data_absent_attr() -> None:
    assert DeviceData.from_wire({"did": "d1", "updated_at": 0}).attrs == {}
    assert DeviceData.from_wire({"did": "d1", "attr": None}).attrs == {}


def test_bind_result_absent_lists() -> None:
    assert BindResult.from_wire({}) == BindResult([], [])
    assert BindResult.from_wire({"success": None, "failed": ["x"]}) == BindResult([], ["x"])


def test_schedule_defaults() -> None:
    assert Schedule.from_wire({"id": 7}) == Schedule(id="7", created_at=None, date=None, time=None, repeat="none",
                                                     commands=(), retry_count=0, retry_task="all")


def test_schedule_log_defaults_and_list_or_object() -> None:
    log = ScheduleLog.from_wire({"datetime": 1_420_200_000})
    assert log == ScheduleLog(dt.datetime.fromtimestamp(1_420_200_000, UTC), "", {})
    one = {"datetime": "2015-01-02T12:00:00", "status": "failed", "detail": {"d1": 0}}
    assert schedule_logs_from_wire(one) == schedule_logs_from_wire([one]) == [
        ScheduleLog(dt.datetime(2015, 1, 2, 12, tzinfo=UTC), "failed", {"d1": False})]
    assert schedule_logs_from_wire(None) == schedule_logs_from_wire({}) == schedule_logs_from_wire([]) == []


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (13894002020, dt.datetime.fromtimestamp(13894002020, UTC)),  # the page's 11-digit example: seconds
        (148293984328, dt.datetime.fromtimestamp(148293984.328, UTC)),  # the page's 12-digit example: milliseconds
        (1_700_000_000, dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1_700_000_000_000, dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1_700_000_000.5, dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        ("1700000000", dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2011-11-07T21:25:10.623Z", dt.datetime(2011, 11, 7, 21, 25, 10, 623000, tzinfo=UTC)),
        ("2015-01-01T12:00:00", dt.datetime(2015, 1, 1, 12, tzinfo=UTC)),
        ("2015-01-01T20:00:00+08:00", dt.datetime(2015, 1, 1, 12, tzinfo=UTC)),
        (0, None),
        (None, None),
        ("", None),
    ],
)
def test_timestamps(wire: Any, expected: dt.datetime | None) -> None:
    assert timestamp(wire) == expected
    if expected is not None:
        assert timestamp(wire).tzinfo is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("wire", [True, "yesterday", [1], {"a": 1}])
def test_bad_timestamps_are_value_errors(wire: Any) -> None:
    with pytest.raises(ValueError):
        timestamp(wire)


def test_updated_at() -> None:
    assert updated_at_from_wire({"updatedAt": "2011-11-07T21:25:10.623Z", "x": 1}) == dt.datetime(
        2011, 11, 7, 21, 25, 10, 623000, tzinfo=UTC)


def test_models_are_frozen() -> None:
    token = Token("u", "t", dt.datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        token.token = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ScheduledCommand("d", "p", {}).did = "x"  # type: ignore[misc]


# -- malformed answers through the session -------------------------------------------------------------------

MALFORMED: list[tuple[str, str, str, bytes]] = [
    ("latest empty", "GET", "/app/devdata/d1/latest", b""),
    ("latest not json", "GET", "/app/devdata/d1/latest", b"<html>ok</html>"),
    ("latest a list", "GET", "/app/devdata/d1/latest", b"[]"),
    ("latest no did", "GET", "/app/devdata/d1/latest", b'{"updated_at": 0, "attr": {}}'),
    ("latest attr a list", "GET", "/app/devdata/d1/latest", b'{"did": "d1", "attr": [1]}'),
    ("latest bad updated_at", "GET", "/app/devdata/d1/latest", b'{"did": "d1", "updated_at": "soon"}'),
    ("bindings empty", "GET", "/app/bindings", b""),
    ("bindings a list", "GET", "/app/bindings", b"[]"),
    ("bindings no devices", "GET", "/app/bindings", b"{}"),
    ("bindings devices null", "GET", "/app/bindings", b'{"devices": null}'),
    ("bindings device without did", "GET", "/app/bindings", b'{"devices": [{"mac": "x"}]}'),
    ("bindings bad port", "GET", "/app/bindings", b'{"devices": [{"did": "d", "port": "http"}]}'),
    ("bind not an object", "POST", "/app/bindings", b'"ok"'),
    ("schedules an object", "GET", "/app/scheduler", b'{"id": "x"}'),
    ("schedules bad date", "GET", "/app/scheduler", b'[{"id": "x", "date": "2015-13-01"}]'),
    ("create_schedule no id", "POST", "/app/scheduler", b"{}"),
    ("logs without datetime", "GET", "/app/scheduler/s1/logs", b'{"status": "failed"}'),
    ("login empty", "POST", "/app/login", b""),
    ("login no expire_at", "POST", "/app/login", b'{"uid": "u", "token": "t"}'),
    ("login expire_at 0", "POST", "/app/login", b'{"uid": "u", "token": "t", "expire_at": 0}'),
    ("login expire_at NaN", "POST", "/app/login", b'{"uid": "u", "token": "t", "expire_at": NaN}'),
    ("login truncated", "POST", "/app/login", b'{"uid": "u", "tok'),
    ("upgrade no updatedAt", "PUT", "/app/users", b"{}"),
    ("captcha missing id", "GET", "/app/verify/codes", b'{"captcha_url": "u"}'),
]


async def _call(session: Session, path: str) -> Any:
    if path.startswith("/app/devdata"):
        return await session.latest("d1")
    if path == "/app/bindings":
        return await session.bindings()
    if path == "/app/scheduler":
        return await session.schedules()
    if path == "/app/scheduler/s1/logs":
        return await session.schedule_logs("s1")
    if path == "/app/login":
        return await session.login("bob", "pw")
    if path == "/app/users":
        return await session.upgrade_anonymous("bob", "pw")
    if path == "/app/verify/codes":
        return await session.captcha()
    raise AssertionError(path)


@pytest.mark.parametrize(("method", "path", "body"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
async def test_malformed_200_body_is_an_api_error(
    user_session: Session, mock: respx.MockRouter, method: str, path: str, body: bytes
) -> None:
    mock.post("/app/request_token").respond(200, json={"token": "a", "expired_at": 4_000_000_000})
    route = mock.route(method=method, path=path).respond(200, content=body)
    with pytest.raises(APIError) as caught:
        if method == "POST" and path == "/app/bindings":
            await user_session.bind([("d1", "pc")])
        elif method == "POST" and path == "/app/scheduler":
            await user_session.create_schedule(time="12:00", date="2030-01-01", commands=[("d1", "pk", {"a": 1})])
        else:
            await _call(user_session, path)
    error = caught.value
    assert type(error) is APIError
    assert error.status == 200
    assert (error.method, error.url.split("?")[0]) == (method, path)
    assert error.__cause__ is None or isinstance(error.__cause__, APIError)
    assert route.call_count == 1  # a malformed answer is not retried


@pytest.mark.parametrize("expire_at", [b"1e300", b"Infinity", b"1e20"])
async def test_out_of_range_timestamp_is_an_api_error(
    session: Session, mock: respx.MockRouter, expire_at: bytes
) -> None:
    mock.post("/app/login").respond(200, content=b'{"uid": "u", "token": "t", "expire_at": ' + expire_at + b"}")
    with pytest.raises(APIError):
        await session.login("bob", "pw")


@pytest.mark.parametrize("body", [b"", b"{}", b" \n", b'{"ok": true}'])
async def test_control_succeeds_on_an_answer_the_service_sends(
    user_session: Session, mock: respx.MockRouter, body: bytes
) -> None:
    route = mock.post("/app/control/d1").respond(200, content=body)
    assert await user_session.control("d1", {"on": True}) is None
    assert await user_session.control_raw("d1", [1]) is None
    assert route.call_count == 2


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2", b"\xff\xfe", b"<html>portal</html>", b"[]", b"1"])
async def test_an_answer_the_service_would_not_send_is_an_api_error(
    user_session: Session, mock: respx.MockRouter, body: bytes
) -> None:
    mock.post("/app/control/d1").respond(200, content=body)
    mock.delete("/app/scheduler/s1").respond(200, content=body)
    for call in (user_session.control("d1", {"on": True}), user_session.delete_schedule("s1")):
        with pytest.raises(APIError) as raised:
            await call
        assert raised.value.status == 200 and repr(body[:20])[2:-1] in str(raised.value)


async def test_malformed_answer_does_not_sign_in(session: Session, mock: respx.MockRouter) -> None:
    mock.post("/app/login").mock(side_effect=[httpx.Response(200, content=b"{}"),
                                              httpx.Response(200, json={"uid": "u", "token": "t",
                                                                        "expire_at": 4_000_000_000})])
    with pytest.raises(APIError):
        await session.login("bob", "pw")
    assert session.token is None
    assert (await session.login("bob", "pw")).token == "t"
