"""Bad input raises ValidationError before any request leaves the machine."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from gizwits_async import DeviceData, MemoryTokenStore, ScheduledCommand, Session, ValidationError
from gizwits_async.validation import check_raw, encode_attrs, schedule_date, schedule_repeat, schedule_time

from .conftest import APPID, SECRET, stored_token

COMMAND = ScheduledCommand("d1", "pk", {"on": True})
ALL_TIMES = {f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)}


@pytest.fixture
async def guarded(client: httpx.AsyncClient) -> AsyncIterator[tuple[Session, respx.MockRouter]]:
    """A signed-in session whose every request would be answered 200 (so a missing check would go unnoticed)."""
    with respx.mock(assert_all_called=False) as router:
        router.route().respond(200, json={})
        async with Session(APPID, client=client, app_secret=SECRET,
                           token_store=MemoryTokenStore(stored_token())) as session:
            yield session, router


def schedule(**overrides: Any) -> Callable[[Session], Awaitable[Any]]:
    kwargs: dict[str, Any] = {"time": "12:00", "date": "2030-01-01", "commands": [COMMAND], **overrides}
    return lambda s: s.create_schedule(**kwargs)


BAD_CALLS: dict[str, Callable[[Session], Awaitable[Any]]] = {
    "empty did": lambda s: s.control("", {"on": True}),
    "did with slash": lambda s: s.control("a/b", {"on": True}),
    "did with query": lambda s: s.control("a?b", {"on": True}),
    "did not a str": lambda s: s.control(123, {"on": True}),  # type: ignore[arg-type]
    "latest empty did": lambda s: s.latest(""),
    "latest did with slash": lambda s: s.latest("../users"),
    "attrs empty": lambda s: s.control("d1", {}),
    "attrs not a mapping": lambda s: s.control("d1", [("on", True)]),  # type: ignore[arg-type]
    "attrs None": lambda s: s.control("d1", None),  # type: ignore[arg-type]
    "attrs bad value None": lambda s: s.control("d1", {"on": None}),  # type: ignore[dict-item]
    "attrs bad value list": lambda s: s.control("d1", {"on": [1]}),  # type: ignore[dict-item]
    "attrs bad value dict": lambda s: s.control("d1", {"on": {"x": 1}}),  # type: ignore[dict-item]
    "attrs non-str key": lambda s: s.control("d1", {1: True}),  # type: ignore[dict-item]
    "attrs empty key": lambda s: s.control("d1", {"": True}),
    "attrs NaN": lambda s: s.control("d1", {"t": float("nan")}),
    "attrs inf": lambda s: s.control("d1", {"t": float("inf")}),
    "raw 256": lambda s: s.control_raw("d1", [0, 256]),
    "raw -1": lambda s: s.control_raw("d1", [-1]),
    "raw not int": lambda s: s.control_raw("d1", [1.0]),  # type: ignore[list-item]
    "raw bool": lambda s: s.control_raw("d1", [True]),
    "raw empty list": lambda s: s.control_raw("d1", []),
    "raw empty bytes": lambda s: s.control_raw("d1", b""),
    "raw str": lambda s: s.control_raw("d1", "0102"),  # type: ignore[arg-type]
    "raw bad did": lambda s: s.control_raw("", [1]),
    "time 24:00": schedule(time="24:00"),
    "time 7:5": schedule(time="7:5"),
    "time 12:60": schedule(time="12:60"),
    "time empty": schedule(time=""),
    "time with seconds": schedule(time="12:00:00"),
    "time non-UTC": schedule(time=dt.time(12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))),
    "date 2015-13-01": schedule(date="2015-13-01"),
    "date 2015-02-30": schedule(date="2015-02-30"),
    "date not iso": schedule(date="01/01/2015"),
    "date is a datetime": schedule(date=dt.datetime(2030, 1, 1)),
    "repeat funday": schedule(repeat="funday"),
    "repeat list with funday": schedule(repeat=["mon", "funday"]),
    "repeat empty list": schedule(repeat=[]),
    "retry_count -1": schedule(retry_count=-1),
    "retry_count 61": schedule(retry_count=61),
    "retry_count bool": schedule(retry_count=True),
    "retry_task some": schedule(retry_task="some"),
    "no commands": schedule(commands=[]),
    "commands a str": schedule(commands="d1"),
    "command bad did": schedule(commands=[ScheduledCommand("a/b", "pk", {"on": True})]),
    "command empty attrs": schedule(commands=[ScheduledCommand("d1", "pk", {})]),
    "command empty product_key": schedule(commands=[ScheduledCommand("d1", "", {"on": True})]),
    "command wrong shape": schedule(commands=[("d1", "pk")]),
    "oauth src github": lambda s: s.register_oauth("github", "uid", "tok"),
    "oauth src upper": lambda s: s.register_oauth("QQ", "uid", "tok"),
    "bindings limit 0": lambda s: s.bindings(limit=0),
    "bindings skip -1": lambda s: s.bindings(skip=-1),
    "schedules limit 0": lambda s: s.schedules(limit=0),
    "bind empty": lambda s: s.bind([]),
    "bind empty passcode": lambda s: s.bind([("d1", "")]),
    "bind bad did": lambda s: s.bind([("a/b", "pc")]),
    "unbind a str": lambda s: s.unbind("d1"),
    "unbind empty": lambda s: s.unbind([]),
    "unbind bad did": lambda s: s.unbind(["d1", ""]),
    "delete_schedule slash": lambda s: s.delete_schedule("a/b"),
    "schedule_logs empty": lambda s: s.schedule_logs(""),
    "login empty password": lambda s: s.login("bob", ""),
    "login blank username": lambda s: s.login("  ", "pw"),
    "login_anonymous empty": lambda s: s.login_anonymous(""),
    "register_phone no code": lambda s: s.register_phone("123", "pw", ""),
    "send_sms_code no phone": lambda s: s.send_sms_code("", "cid", "code"),
    # The wider API: devices, products, sharing, groups, scenes, device schedules, the user.
    "device slash did": lambda s: s.device("a/b"),
    "update_binding no field": lambda s: s.update_binding("d1"),
    "update_binding bad did": lambda s: s.update_binding("", remark="x"),
    "bind_mac empty mac": lambda s: s.bind_mac("pk", "", product_secret="ps"),
    "bind_mac empty product_key": lambda s: s.bind_mac("", "aabbccddeeff", product_secret="ps"),
    "datapoints empty product_key": lambda s: s.datapoints(""),
    "share no recipient": lambda s: s.share("d1"),
    "share two recipients": lambda s: s.share("d1", uid="u1", email="a@example.com"),
    "share_qr bad did": lambda s: s.share_qr(""),
    "accept_sharing a str id": lambda s: s.accept_sharing("1"),  # type: ignore[arg-type]
    "sharings limit 0": lambda s: s.sharings(limit=0),
    "qr_sharing empty code": lambda s: s.qr_sharing(""),
    "transfer_ownership empty uid": lambda s: s.transfer_ownership("d1", ""),
    "create_group empty name": lambda s: s.create_group(""),
    "rename_group empty name": lambda s: s.rename_group("g1", ""),
    "add_to_group a str": lambda s: s.add_to_group("g1", "d1"),
    "add_to_group empty": lambda s: s.add_to_group("g1", []),
    "control_group empty attrs": lambda s: s.control_group("g1", {}),
    "control_group_raw empty": lambda s: s.control_group_raw("g1", b""),
    "group_devices empty id": lambda s: s.group_devices(""),
    "guests bad did": lambda s: s.guests("a/b"),
    "remove_guest empty uid": lambda s: s.remove_guest("d1", ""),
    "create_scene empty name": lambda s: s.create_scene("", []),
    "run_scene empty id": lambda s: s.run_scene(""),
    "device_schedules limit 0": lambda s: s.device_schedules("d1", limit=0),
    "create_device_schedule 25:00": lambda s: s.create_device_schedule("d1", time="25:00", attrs={"on": True}),
    "create_common_schedule no target": lambda s: s.create_common_schedule(time="12:00", attrs={"on": True}),
    "delete_device_schedule empty id": lambda s: s.delete_device_schedule("d1", ""),
    "update_user unknown field": lambda s: s.update_user(shoe_size="42"),
    "change_email empty": lambda s: s.change_email(""),
    "latest_many concurrency 0": lambda s: s.latest_many(["d1"], concurrency=0),
    "control_many rate 0": lambda s: s.control_many({"d1": {"on": True}}, rate=0),
}


@pytest.mark.parametrize("call", list(BAD_CALLS.values()), ids=list(BAD_CALLS))
async def test_rejected_before_any_request(
    guarded: tuple[Session, respx.MockRouter], call: Callable[[Session], Awaitable[Any]]
) -> None:
    session, router = guarded
    with pytest.raises(ValidationError) as caught:
        await call(session)
    assert isinstance(caught.value, ValueError)
    assert router.calls.call_count == 0


async def test_guard_sends_valid_calls(guarded: tuple[Session, respx.MockRouter]) -> None:
    # The fixture does answer requests: the no-request assertions above are not vacuous.
    session, router = guarded
    await session.control("d1", {"on": True})
    assert router.calls.call_count == 1


def test_session_arguments() -> None:
    for bad in ("", "  ", None):
        with pytest.raises(ValidationError):
            Session(bad)  # type: ignore[arg-type]
    for bad_concurrency in (0, -1, True, 1.5):
        with pytest.raises(ValidationError):
            Session(APPID, max_concurrency=bad_concurrency)  # type: ignore[arg-type]


def test_for_user_rejects_empty_token() -> None:
    session = Session(APPID)
    with pytest.raises(ValidationError):
        session.for_user(("", "uid"))
    with pytest.raises(ValidationError):
        session.for_user(("tok", ""))


# -- pure validators ----------------------------------------------------------------------------------------


def test_schedule_time_accepts_every_minute_of_the_day() -> None:
    assert {schedule_time(value) for value in ALL_TIMES} == ALL_TIMES


@given(st.times())
def test_schedule_time_from_datetime_time(value: dt.time) -> None:
    assert schedule_time(value) == f"{value.hour:02d}:{value.minute:02d}"


@given(st.text(alphabet=string.digits + ": -\n", max_size=7) | st.from_regex(r"[0-9]{1,3}:[0-9]{1,3}", fullmatch=True))
def test_schedule_time_accepts_exactly_hh_mm(value: str) -> None:
    if value in ALL_TIMES:
        assert schedule_time(value) == value
    else:
        with pytest.raises(ValidationError):
            schedule_time(value)


def test_schedule_time_rejects_non_ascii_digits() -> None:
    with pytest.raises(ValidationError):
        schedule_time("1\u0663:00")


@pytest.mark.parametrize("bad", [None, 1200, "noon", "12:00 ", " 12:00", "12-00"])
def test_schedule_time_rejects(bad: Any) -> None:
    with pytest.raises(ValidationError):
        schedule_time(bad)


def test_schedule_date() -> None:
    assert schedule_date(None) is None
    assert schedule_date("2015-01-01") == "2015-01-01"
    assert schedule_date(dt.date(2016, 2, 29)) == "2016-02-29"
    for bad in ("2015-13-01", "2015-1-1", "2015-02-29", "", 20150101):
        with pytest.raises(ValidationError):
            schedule_date(bad)


def test_schedule_repeat() -> None:
    assert schedule_repeat("none") == "none"
    assert schedule_repeat(None) == "none"
    assert schedule_repeat("mon,tue") == "mon,tue"
    assert schedule_repeat(["sun", "mon", "mon"]) == "mon,sun"  # week order, no duplicates
    assert schedule_repeat("Fri, wed") == "wed,fri"
    for bad in ("funday", "", ["mon", 1], 5):
        with pytest.raises(ValidationError):
            schedule_repeat(bad)


@given(st.binary(min_size=1, max_size=64))
def test_encode_attrs_bytes_round_trip(data: bytes) -> None:
    wire = encode_attrs({"bin": data})["bin"]
    assert isinstance(wire, str)
    assert wire == wire.lower()
    assert len(wire) == 2 * len(data)
    assert bytes.fromhex(wire) == data
    assert DeviceData("d1", None, {"bin": wire}).binary("bin") == data


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.booleans() | st.integers(-(2**63), 2**64 - 1)
                       | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
                       min_size=1, max_size=5))
def test_encode_attrs_keeps_plain_values(attrs: dict[str, Any]) -> None:
    assert encode_attrs(attrs) == attrs


def test_encode_attrs_does_not_change_its_input() -> None:
    attrs = {"bin": b"\x01"}
    assert encode_attrs(attrs) == {"bin": "01"}
    assert attrs == {"bin": b"\x01"}


@given(st.lists(st.integers(0, 255), min_size=1, max_size=32))
def test_check_raw_accepts_bytes_and_int_lists(values: list[int]) -> None:
    assert check_raw(values) == values
    assert check_raw(bytes(values)) == values
    assert check_raw(tuple(values)) == values
