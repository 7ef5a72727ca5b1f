"""Fault matrix, bad input: every bad argument of the public API raises `ValidationError` before anything is
sent, and a did reaches the server as exactly the path segment it names (or is refused).

The table covers the account, device, control, schedule and bulk methods; each of their parameters is tried with
every value of GARBAGE."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import string
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

import gizwits_async as gizwits
from gizwits_async.cli.values import InputError
from gizwits_async.cli.values import check_did as cli_check_did
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock
from gizwits_async.validation import check_did, check_segment


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


#: Values no parameter of the public API accepts as they are (strings are refused where they must be ids).
GARBAGE: list[Any] = [
    None, 5, -1, 10**5000, 1.5, float("nan"), True, [], {}, [1, 2], {"a": object()}, b"bytes", object(),
    Unprintable(), "a\r\nb", "nul\x00", "\udc80", "", "..",
]

#: A valid call of each public method: (positional args, keyword args).
VALID: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "bind": (([("did1", "pc")],), {}),
    "bindings": ((), {"limit": 5, "skip": 0, "show_disabled": False}),
    "change_email": (("a@b.c",), {}),
    "change_password": (("demo-password", "new-password"), {}),
    "change_phone": (("13800000000", "123456"), {}),
    "control": (("did1", {"switch": True}), {}),
    "control_many": (({"did1": {"switch": True}},), {"concurrency": 2, "rate": 100.0, "progress": None,
                                                     "groups": None}),
    "control_raw": (("did1", b"\x01"), {}),
    "create_schedule": ((), {"time": "12:00", "commands": [("did1", "demo-product", {"switch": True})],
                             "date": "2030-01-01", "repeat": "none", "retry_count": 0, "retry_task": "all"}),
    "delete_schedule": (("sched1",), {}),
    "for_user": ((("token", "uid"),), {}),
    "iter_bindings": ((), {"page_size": 10, "show_disabled": False}),
    "iter_schedules": ((), {"page_size": 10}),
    "latest": (("did1",), {}),
    "latest_many": ((["did1"],), {"concurrency": 2, "rate": 100.0, "progress": None}),
    "login": (("demo", "demo-password"), {}),
    "login_anonymous": (("phone-id",), {}),
    "poll_latest": ((["did1"],), {"interval": 1.0, "concurrency": 2, "changes_only": True, "on_error": None}),
    "register": (("someone", "password"), {}),
    "register_email": (("a@b.c", "password"), {}),
    "register_oauth": (("qq", "uid", "token"), {}),
    "register_phone": (("13800000000", "password", "123456"), {}),
    "reset_password_by_email": (("a@b.c",), {}),
    "reset_password_by_phone": (("13800000000", "123456", "password"), {}),
    "schedule_logs": (("sched1",), {}),
    "schedules": ((), {"limit": 5, "skip": 0}),
    "send_sms_code": (("13800000000", "captcha", "123456"), {}),
    "stream_control": (({"did1": {"switch": True}},), {"concurrency": 2, "rate": 100.0, "progress": None}),
    "unbind": ((["did1"],), {}),
    "upgrade_anonymous": (("someone", "password"), {}),
    "upgrade_anonymous_phone": (("13800000000", "password", "123456"), {}),
    "verify_sms_code": (("13800000000", "123456"), {}),
}

#: Parameters that take any text as the server's to judge (a password or a phone may contain anything the
#: server accepts): garbage strings there are sent, and only non-strings must be refused locally.
FREE_TEXT = {"password", "old_password", "new_password", "username", "email", "phone", "code", "phone_id",
             "captcha_id", "captcha_code", "sms_code", "token", "uid", "src"}
#: Containers whose items are judged one by one (a bulk call gives each item its own outcome): a list, dict or
#: bytes there is a valid container, whatever it holds.
CONTAINERS = {("control_many", "commands"), ("stream_control", "commands"), ("latest_many", "dids"),
              ("poll_latest", "dids"), ("unbind", "dids"), ("control_raw", "data"), ("control_many", "groups")}
#: Hooks: a callable is the only thing they take, and garbage is refused when it is not one.
CALLABLES = {"progress", "on_error"}


def bad_calls() -> list[tuple[str, str, int]]:
    """(method, parameter, index into GARBAGE) for every parameter of every public method."""
    import inspect

    cases = []
    for method, (args, kwargs) in VALID.items():
        names = [p for p in inspect.signature(getattr(gizwits.Session, method)).parameters if p != "self"]
        assert len(args) + len(kwargs) == len(names), method  # VALID names every parameter
        for name in names:
            for index in range(len(GARBAGE)):
                cases.append((method, name, index))
    return cases


async def call(session: gizwits.Session, method: str, name: str, value: Any) -> Any:
    import inspect

    args, kwargs = VALID[method]
    names = [p for p in inspect.signature(getattr(gizwits.Session, method)).parameters if p != "self"]
    bound = dict(zip(names, args, strict=False)) | kwargs
    bound[name] = value
    positional = [bound.pop(n) for n in names[: len(args)]]
    result = getattr(session, method)(*positional, **bound)
    async with asyncio.timeout(5):  # a hang is a defect too, reported as TimeoutError
        if hasattr(result, "__anext__"):
            async with contextlib.aclosing(result):
                return await anext(result)
        if hasattr(result, "__await__"):
            return await result
    return result


@pytest_asyncio.fixture
async def in_process() -> AsyncIterator[tuple[gizwits.Session, Emulator[FakeClock]]]:
    emulator = Emulator(EmulatorConfig(devices=2), clock=FakeClock(time.time()))
    emulator.state.bind("demo", emulator.state.add_device(did="did1").did)
    async with httpx.AsyncClient(transport=emulator.transport()) as client, gizwits.Session(
        "demo-appid", base_url="http://emulator", client=client, app_secret="demo-secret", retry=1
    ) as session:
        await session.login("demo", "demo-password")
        yield session, emulator


async def test_every_bad_argument_of_every_public_method_is_a_validation_error(
    in_process: tuple[gizwits.Session, Emulator[FakeClock]],
) -> None:
    session, emulator = in_process
    wrong: list[str] = []
    refused = 0
    for method, name, index in bad_calls():
        value = GARBAGE[index]
        if name in FREE_TEXT and isinstance(value, str):
            continue
        if (method, name) in CONTAINERS and isinstance(value, list | dict | bytes):
            continue
        sent_before = sum(emulator.stats.requests.values())
        try:
            await call(session, method, name, value)
        except gizwits.ValidationError:
            refused += 1
            if sum(emulator.stats.requests.values()) != sent_before:
                wrong.append(f"{method}({name}=GARBAGE[{index}]): sent a request before refusing")
        except gizwits.APIError:
            pass  # the server judged a value that was fine to send
        except Exception as exc:  # the point: anything but ValidationError is a defect
            wrong.append(f"{method}({name}=GARBAGE[{index}]): {type(exc).__name__}")
        else:
            if name not in CALLABLES and value is not None and not isinstance(value, str | bool | int | float):
                wrong.append(f"{method}({name}=GARBAGE[{index}]): accepted {type(value).__name__}")
    assert wrong == [], '\n'.join(wrong)
    assert refused > 500
    print(f"\n[matrix] bad arguments: {refused} refused with ValidationError, 0 other exception types")


@pytest.mark.parametrize("options", [
    {"appid": "app\r\nX-Injected: 1"}, {"appid": "app\x00"}, {"appid": 5}, {"timeout": "10"}, {"timeout": -1},
    {"timeout": float("nan")}, {"max_concurrency": 10**6 + 1.5}, {"retry": "3"}, {"login_backoff": "300"},
    {"login_backoff": -1.0}, {"region": ["cn"]}, {"base_url": 5}, {"base_url": "http://h\r\n/"},
    {"app_secret": 5}, {"token_store": 5}, {"client": 5},
])
def test_bad_session_options_are_validation_errors(options: dict[str, Any]) -> None:
    with pytest.raises(gizwits.ValidationError):
        gizwits.Session(**{"appid": "demo-appid", **options})


async def test_bad_for_user_tokens_are_validation_errors(
    in_process: tuple[gizwits.Session, Emulator[FakeClock]],
) -> None:
    session, emulator = in_process
    sent = sum(emulator.stats.requests.values())
    expires = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    for token in [("tok\r\nen", "uid"), ("tok\x00", "uid"), ("token", "u\nid"), ("token",), "token", None,
                  gizwits.Token("uid", "tok\r\nen", expires)]:
        with pytest.raises(gizwits.ValidationError):
            session.for_user(token)  # type: ignore[arg-type]
    assert sum(emulator.stats.requests.values()) == sent


# -- dids and path segments: one rule, shared with the command line --------------------------------------------


@pytest.mark.parametrize("did", [".", "..", "did\udc80", "\udc80", "a/b", "a%2Fb", "a?b", "a#b", "a b", "设备",
                                 "did\n", "", "a\\b", "a;b"])
async def test_a_did_that_is_not_a_plain_segment_is_refused_before_sending(
    in_process: tuple[gizwits.Session, Emulator[FakeClock]], did: str
) -> None:
    session, emulator = in_process
    sent = sum(emulator.stats.requests.values())
    with pytest.raises(gizwits.ValidationError):
        await session.control(did, {"switch": True})
    with pytest.raises(gizwits.ValidationError):
        await session.latest(did)
    with pytest.raises(gizwits.ValidationError):
        await session.delete_schedule(did)
    report = await session.control_many([(did, {"switch": True})])
    assert isinstance(report.outcomes[0].error, gizwits.ValidationError)
    assert sum(emulator.stats.requests.values()) == sent  # before: "did\udc80" controlled "did", ".." hit /app/
    with pytest.raises(InputError):
        cli_check_did(did)


SEGMENT_TEXT = st.text(st.sampled_from(string.ascii_letters + string.digits + "-._~/%?#\\ \u00e9\udc80\x00."),
                       max_size=6)


@given(SEGMENT_TEXT)
def test_the_cli_and_the_library_accept_the_same_dids(text: str) -> None:
    try:
        check_did(text)
    except gizwits.ValidationError:
        with pytest.raises(InputError):
            cli_check_did(text)
    else:
        assert cli_check_did(text) == text
        assert text not in (".", "..") and text.isascii()


@given(SEGMENT_TEXT | st.text(max_size=8))
def test_the_did_rule_is_the_segment_rule(text: str) -> None:
    # check_did takes a shortcut for letters and digits: it must accept and refuse exactly what the rule does.
    def accepted(check: Any) -> bool:
        try:
            check(text)
        except gizwits.ValidationError:
            return False
        return True

    assert accepted(check_did) == accepted(lambda value: check_segment(value, "did"))


async def test_an_accepted_did_reaches_the_server_as_exactly_that_segment(
    in_process: tuple[gizwits.Session, Emulator[FakeClock]],
) -> None:
    session, emulator = in_process
    for did in ["a.b", "...", "~x", "A-b_c", "d" * 64]:
        emulator.state.add_device(did=did)
        assert (await session.latest(did)).did == did
