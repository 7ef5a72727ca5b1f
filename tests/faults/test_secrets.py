"""Secrets never reach a log line, a repr/str, an exception message or a URL.

One scenario exercises every endpoint of ENDPOINTS.md (U1-U11, A1, V1-V3, R1-R2, D1-D4, C1-C2, S1-S4), the
token renewals (expired, revoked, app token rejected), the fan-out helpers and failures (wrong password, a
token that cannot be renewed, device errors, bad input). Everything is logged at DEBUG, then every captured
line of the client, every URL sent and the repr/str of every object returned or exception raised is searched
for every password, user token, app token, app secret (and its signature), OAuth token and device passcode.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Any

import pytest
from support import MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock
from gizwits_async.emulator import state as emulator_state

APP_SECRET = "AppSecret-Q7w9E2r4"
PASSWORDS = {
    "demo": "Pw-Demo-k3J8s0Lq",
    "wrong": "Pw-Wrong-x81Zq0Pa",
    "alice": "Pw-Alice-m2N6b4Vc",
    "alice2": "Pw-Alice2-t5Y7u1Io",
    "alice3": "Pw-Alice3-g4H8j2Kl",
    "bob": "Pw-Bob-z9X3c5Vb",
    "phone": "Pw-Phone-n1M4q7We",
    "carol": "Pw-Carol-r6T2y8Ui",
    "anon": "Pw-Anon-p0O3i5Uy",
    "bytes": "Pw-Bytes-a7S1d3Fg",
}
OAUTH_TOKEN = "OAuth-Tok-w3E5r7Ty"
CODE = "123456"
ENDPOINTS = {f"U{i}" for i in range(1, 12)} | {"A1", "V1", "V2", "V3", "R1", "R2", "D1", "D2", "D3", "D4", "C1", "C2",
                                               "S1", "S2", "S3", "S4"}
#: The client's logger and its children; the emulator's loggers (gizwits_async.emulator.*) and uvicorn's are not it.
CLIENT_LOGGER = re.compile(r"gizwits_async(\.(?!emulator\b)[\w.]+)?$")
REQUEST_LINE = re.compile(
    r"^(GET|POST|PUT|DELETE) (/app/\S+) -> (\d{3}|failed) in [\d.]+ ms \(attempt (\d+)\) headers="
)


@pytest.fixture
def emulator() -> Emulator[FakeClock]:
    config = EmulatorConfig(devices=5, password=PASSWORDS["demo"], app_secret=APP_SECRET)
    return Emulator(config, clock=FakeClock(time.time()))


class Evidence:
    """Everything the scenario produced that a user could see: objects, errors and the URLs sent."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.errors: list[BaseException] = []
        self.urls: list[str] = []

    def keep(self, value: Any) -> Any:
        self.objects.append(value)
        if isinstance(value, gizwits.BulkReport):
            self.objects.extend(value.outcomes)
            self.errors.extend(o.error for o in value.outcomes if o.error is not None)
            with contextlib.suppress(gizwits.BulkError):
                value.raise_for_failures()
        return value

    async def call(self, awaitable: Awaitable[Any]) -> Any:
        return self.keep(await awaitable)

    async def fail(self, awaitable: Awaitable[Any], cls: type[BaseException]) -> BaseException:
        with pytest.raises(cls) as raised:
            await awaitable
        self.errors.append(raised.value)
        return raised.value

    def texts(self) -> Iterable[str]:
        for value in self.objects:
            yield repr(value)
            yield str(value)
        for error in self.errors:
            seen: BaseException | None = error
            while seen is not None:  # the error and everything chained to it
                yield repr(seen)
                yield str(seen)
                yield repr(seen.args)
                yield repr(vars(seen))
                seen = seen.__cause__ or seen.__context__
        yield from self.urls


async def _first(items: AsyncIterator[Any], count: int) -> AsyncIterator[Any]:
    async for item in items:
        yield item
        count -= 1
        if count == 0:
            return


def leaks(texts: Iterable[str], secrets: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, text[:200]) for text in texts for name, secret in secrets.items() if secret in text]


async def test_no_secret_in_logs_reprs_errors_or_urls(
    make_session: MakeSession, emulator: Emulator[FakeClock], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: the client's lines and anything it may pass on
    issued: list[str] = []  # every user token and app token the server handed out
    issue_token, request_app_token = emulator.state.issue_token, emulator.state.request_app_token

    def recording_issue_token(user: emulator_state.User) -> emulator_state.Token:
        token = issue_token(user)
        issued.append(token.token)
        return token

    def recording_request_app_token(signature: str | None, appid: str | None = None) -> tuple[str, int]:
        token, expires = request_app_token(signature, appid)
        issued.append(token)
        return token, expires

    monkeypatch.setattr(emulator.state, "issue_token", recording_issue_token)
    monkeypatch.setattr(emulator.state, "request_app_token", recording_request_app_token)
    seen = Evidence()
    main = await make_session(login=False, app_secret=APP_SECRET)
    other = await make_session(login=False, app_secret=APP_SECRET)
    for session in (main, other):
        send = session._transport.send

        async def recording_send(method: str, url: str, *args: Any, _send: Any = send) -> Any:
            seen.urls.append(url)
            return await _send(method, url, *args)

        monkeypatch.setattr(session._transport, "send", recording_send)

    # -- sign-in, failures and renewals (U11, A1) --
    await seen.fail(main.login("demo", PASSWORDS["wrong"]), gizwits.AuthenticationError)
    await seen.fail(main.login("nobody", PASSWORDS["wrong"]), gizwits.AuthenticationError)
    await seen.fail(main.login("demo", PASSWORDS["bytes"].encode()), gizwits.ValidationError)  # type: ignore[arg-type]
    await seen.call(main.login("demo", PASSWORDS["demo"]))
    seen.keep(main.token)
    seen.keep(main)
    seen.keep(main._auth.store)
    await seen.call(main.app_token())
    dids = [device.did for device in await seen.call(main.bindings(limit=20))]  # D2
    emulator.clock.advance(emulator.config.token_ttl + 1)  # both tokens expire: renewed by password and A1
    await seen.call(main.control(dids[0], {"switch": True}))  # C1 after a 9006: re-login
    emulator.state.revoke_tokens("demo")
    await seen.call(main.latest(dids[0]))  # D1 (no token)
    await seen.call(main.control_raw(dids[0], b"\x01\x02"))  # C2 after a 9004: re-login
    emulator.state.app_tokens.clear()

    # -- verification codes and account calls (V1-V3, U1-U10, R1-R2) --
    async def sms_code(session: gizwits.Session, phone: str) -> str:
        captcha = await seen.call(session.captcha())  # V1
        await seen.call(session.send_sms_code(phone, captcha.captcha_id, CODE))  # V2
        await seen.call(session.verify_sms_code(phone, CODE))  # V3
        return CODE

    await seen.call(other.register("alice", PASSWORDS["alice"]))  # U2
    await seen.call(other.change_password(PASSWORDS["alice"], PASSWORDS["alice2"]))  # U8
    await seen.fail(other.change_password(PASSWORDS["wrong"], PASSWORDS["alice3"]), gizwits.AuthenticationError)
    await seen.call(other.change_email("alice@example.com"))  # U9
    await seen.call(other.change_phone("13900000001", await sms_code(other, "13900000001")))  # U10
    await seen.call(other.reset_password_by_email("alice@example.com"))  # R1
    await seen.call(other.reset_password_by_phone("13900000001", CODE, PASSWORDS["alice3"]))  # R2
    await seen.call(other.register_email("bob@example.com", PASSWORDS["bob"]))  # U3
    await seen.call(other.register_phone("13900000002", PASSWORDS["phone"], await sms_code(other, "13900000002")))
    await seen.call(other.register_oauth("qq", "qq-user-1", OAUTH_TOKEN))  # U5
    await seen.call(other.login_anonymous("phone-id-1"))  # U1
    await seen.call(other.upgrade_anonymous("carol", PASSWORDS["carol"]))  # U6
    await seen.call(other.login_anonymous("phone-id-2"))
    await seen.call(other.upgrade_anonymous_phone("13900000003", PASSWORDS["anon"],
                                                  await sms_code(other, "13900000003")))  # U7
    seen.keep(other)
    await seen.fail(other.register("alice", PASSWORDS["alice"]), gizwits.APIError)  # 9019 taken

    # -- devices and control (D1-D4, C1-C2) and the fan-out helpers --
    extra = emulator.state.add_device()
    bind_request = seen.keep(gizwits.BindRequest(extra.did, extra.passcode, "lamp"))
    await seen.call(main.bind([bind_request]))  # D3
    assert (await seen.call(main.bind([(extra.did + "x", extra.passcode)]))).failed == [extra.did + "x"]
    seen.objects.extend([device async for device in main.iter_bindings(page_size=2)])
    await seen.call(main.unbind([extra.did]))  # D4
    await seen.call(main.control_many({dids[0]: {"switch": True}, extra.did: {"switch": True},
                                       "bad/did": {"switch": True}}))
    await seen.call(main.latest_many([*dids, "nosuchdevice0000000000"]))
    async with contextlib.aclosing(main.stream_control([(did, {"switch": False}) for did in dids])) as stream:
        seen.objects.extend([outcome async for outcome in stream])
    async with contextlib.aclosing(main.poll_latest([dids[0], "nosuchdevice0000000000"], interval=0.6,
                                                    changes_only=False)) as readings:
        polled = [seen.keep(reading) async for reading in _first(readings, 2)]
    assert [reading.did for reading in polled] == [dids[0]] * 2  # the unknown device: a WARNING in round one

    # -- scheduler (S1-S4) --
    command = gizwits.ScheduledCommand(dids[0], "demo-product", {"switch": True})
    schedule_id = await seen.call(main.create_schedule(time="12:00", commands=[command], repeat=["mon", "tue"]))
    seen.objects.extend(await seen.call(main.schedules()))  # S2
    emulator.clock.advance(8 * 24 * 3600)  # the schedule runs (and every token expires again)
    seen.objects.extend(await seen.call(main.schedule_logs(schedule_id)))  # S4 after a re-login
    await seen.call(main.delete_schedule(schedule_id))  # S3
    await seen.fail(main.delete_schedule(schedule_id), gizwits.APIError)

    # -- a token that cannot be renewed, a closed session --
    token = main.token
    assert token is not None
    alice = seen.keep(main.for_user((token.token, token.uid)))
    emulator.state.revoke_tokens("demo")
    await seen.fail(alice.control(dids[0], {"switch": True}), gizwits.TokenError)
    await main.aclose()
    await seen.fail(main.control(dids[0], {"switch": True}), gizwits.SessionClosedError)

    # Every endpoint was exercised, and the secrets really were used.
    assert set(emulator.stats.requests) >= ENDPOINTS, sorted(ENDPOINTS - set(emulator.stats.requests))
    assert emulator.stats.last_body["U8"] == {"old_pwd": PASSWORDS["wrong"], "new_pwd": PASSWORDS["alice3"]}
    assert len(issued) >= 10
    secrets = {**{f"password {k}": v for k, v in PASSWORDS.items()},
               **{f"issued token {i}": value for i, value in enumerate(issued)},
               "app secret": APP_SECRET, "oauth token": OAUTH_TOKEN, "device passcode": extra.passcode,
               "app signature": hashlib.md5(("demo-appid" + APP_SECRET).encode()).hexdigest()}
    assert all(len(secret) >= 10 for secret in secrets.values())

    # The client's log lines, at every level, formatted as a handler would (exception text included).
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    client = [r for r in caplog.records if CLIENT_LOGGER.match(r.name)]
    others = [r for r in caplog.records if not r.name.startswith(("gizwits_async", "uvicorn"))]
    emulator_records = [r for r in caplog.records if r.name.startswith("gizwits_async.emulator")]
    assert emulator_records == []  # the emulator logs only when a handler crashes
    lines = [formatter.format(r) for r in client + others]
    assert leaks(lines, secrets) == []
    assert leaks(seen.texts(), secrets) == []
    assert leaks([f"{PASSWORDS['demo']} in a line"], secrets) == [("password demo", f"{PASSWORDS['demo']} in a line")]

    # One DEBUG line per request, with method, path, status and attempt; credentials shown as ***.
    requests = [r for r in client if r.levelno == logging.DEBUG and REQUEST_LINE.match(r.getMessage())]
    assert len(requests) == sum(emulator.stats.requests.values()) == len(seen.urls)
    parsed = [REQUEST_LINE.match(r.getMessage()) for r in requests]
    assert {m.group(3) for m in parsed if m} >= {"200", "201", "400", "404"}
    assert {m.group(4) for m in parsed if m} >= {"1", "2"}  # replays after rejected tokens
    assert sum("'X-Gizwits-User-token': '***'" in r.getMessage() for r in requests) > 20
    assert any("'X-Gizwits-Application-Token': '***'" in r.getMessage() for r in requests)
    assert any("'X-Gizwits-Application-Auth': '***'" in r.getMessage() for r in requests)
    levels = {logging.getLevelName(r.levelno) for r in client}
    assert {"DEBUG", "WARNING"} <= levels
    print(f"\n[secrets] endpoints={len(ENDPOINTS)} requests={len(requests)} client log lines={len(client)} "
          f"levels={sorted(levels)} objects={len(seen.objects)} errors={len(seen.errors)} secrets={len(secrets)}")
