"""The fault-injection matrix of issue 6: one test per row, each asserting exact counts.

Every test runs against the emulator served on loopback, through the session's default (aiohttp) transport.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from support import (
    MakeSession,
    cancel_and_check_nothing_left,
    change_password_elsewhere,
    gizwits_tasks,
    requests_sent,
    wait_until,
)

import gizwits_async as gizwits
import gizwits_async.session as session_module
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.transport import Response

Fake = Emulator[FakeClock]


def record_backoff(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """Record every (failure number, wait) the request path backs off with."""
    waits: list[tuple[int, float]] = []
    real = session_module.backoff

    def recording(attempt: int, policy: gizwits.RetryPolicy, **kwargs: Any) -> float:
        wait = real(attempt, policy, **kwargs)
        waits.append((attempt, wait))
        return wait

    monkeypatch.setattr(session_module, "backoff", recording)
    return waits


def assert_one_outcome_per_input(report: gizwits.BulkReport, dids: list[str]) -> None:
    assert [o.did for o in report.outcomes] == dids
    assert [o.index for o in report.outcomes] == list(range(len(dids)))


# -- token expires (clock jump) during a 2,000-device control_many, C=200 -------------------------------------


@pytest.mark.parametrize("devices", [2000])
async def test_token_expiry_mid_bulk_logs_in_once_and_loses_nothing(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(max_concurrency=200)
    logins = emulator.stats.logins
    jumped_after: list[int] = []

    def jump_mid_run(outcome: gizwits.Outcome) -> None:
        if not jumped_after and emulator.stats.requests["C1"] >= 500:
            emulator.clock.advance(emulator.config.token_ttl + 1)  # every token issued so far is now expired
            jumped_after.append(emulator.stats.requests["C1"])

    report = await session.control_many({did: {"brightness": 7} for did in dids}, concurrency=200,
                                        progress=jump_mid_run)

    assert len(jumped_after) == 1 and 500 <= jumped_after[0] < 2000  # the clock jumped mid-run
    assert_one_outcome_per_input(report, dids)
    assert report.ok and len(report.succeeded) == 2000 and report.failed == {}
    assert emulator.stats.logins - logins == 1 and session.login_count == 1
    replayed = [o for o in report.outcomes if o.attempts == 2]
    assert 1 <= len(replayed) <= 200  # at most one stale-token request per worker
    assert all(o.attempts in (1, 2) for o in report.outcomes)
    assert requests_sent(emulator, "C1") == sum(o.attempts for o in report.outcomes) == 2000 + len(replayed)
    # Not lost, not duplicated: the server accepted exactly one command per device.
    assert [emulator.state.device(did).commands for did in dids] == [1] * 2000
    print(f"\n[matrix] expiry: outcomes=2000 logins=1 replays={len(replayed)} C1={requests_sent(emulator, 'C1')}")


# -- token revoked server-side during 1,000 concurrent single calls --------------------------------------------


async def test_token_revoked_during_1000_concurrent_calls_logs_in_once(
    session: gizwits.Session, emulator: Fake, dids: list[str]
) -> None:
    emulator.faults.latency = 0.002
    logins = emulator.stats.logins
    calls = [asyncio.create_task(session.control(dids[i % len(dids)], {"switch": True})) for i in range(1000)]
    await wait_until(lambda: emulator.stats.requests["C1"] >= 200)
    revoked_at = emulator.stats.requests["C1"]
    assert emulator.state.revoke_tokens("demo") == 1
    results = await asyncio.gather(*calls)

    assert 200 <= revoked_at < 1000
    assert results == [None] * 1000  # every call succeeded
    assert emulator.stats.logins - logins == 1 and session.login_count == 1
    replays = requests_sent(emulator, "C1") - 1000
    # Each call is rejected at most once: the calls queued for a connection already carried the old token.
    assert 1 <= replays <= 1000 - revoked_at + session.max_concurrency
    assert sum(emulator.state.device(did).commands for did in dids) == 1000  # each call acted exactly once
    print(f"\n[matrix] revoked: calls=1000 logins=1 replays={replays}")


# -- password changed elsewhere: the re-login gets 9020 ------------------------------------------------------


async def test_password_changed_elsewhere_fails_every_outcome_with_one_login(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(max_concurrency=10)
    change_password_elsewhere(emulator)
    logins, failures = emulator.stats.logins, emulator.stats.login_failures
    commands = [(dids[i % len(dids)], {"switch": True}) for i in range(400)]

    report = await session.control_many(commands, concurrency=10)
    again = await session.control_many(commands, concurrency=10)  # within the back-off: no new attempt

    for run in (report, again):
        assert_one_outcome_per_input(run, [did for did, _ in commands])
        assert all(isinstance(o.error, gizwits.AuthenticationError) for o in run.outcomes)
        assert {o.error.code for o in run.outcomes if isinstance(o.error, gizwits.APIError)} == {9020}
    errors = {id(o.error) for run in (report, again) for o in run.outcomes}
    assert len(errors) == 1  # one AuthenticationError, handed to every caller
    assert emulator.stats.logins - logins == 1 and emulator.stats.login_failures - failures == 1
    assert session.login_count == 1
    # No loop: only the requests in flight when the token was found dead reached the server.
    assert 1 <= requests_sent(emulator, "C1") <= 10
    print(f"\n[matrix] password changed: outcomes=2x400 auth errors, login attempts=1, "
          f"C1={requests_sent(emulator, 'C1')}")


# -- 9041/429 bursts, with and without `rate` ----------------------------------------------------------------


@pytest.mark.parametrize("rate", [None, 150])
async def test_throttle_bursts_are_retried_with_backoff(
    make_session: MakeSession, emulator: Fake, dids: list[str], rate: float | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = gizwits.RetryPolicy(attempts=30, base=0.02, cap=0.2)
    session = await make_session(retry=policy, max_concurrency=40)
    waits = record_backoff(monkeypatch)
    emulator.faults.rate_limit = 200  # requests per second per token, sliding window
    commands = [(dids[i % len(dids)], {"brightness": i % 100}) for i in range(300)]

    report = await session.control_many(commands, concurrency=40, rate=rate)

    assert_one_outcome_per_input(report, [did for did, _ in commands])
    assert report.ok and len(report.succeeded) == 300  # all succeed within the retry budget
    assert max(o.attempts for o in report.outcomes) <= policy.attempts
    sent = requests_sent(emulator, "C1")
    retries = sent - 300
    assert sent == sum(o.attempts for o in report.outcomes)
    assert len(waits) == retries  # every retry waited first
    assert sum(emulator.state.device(did).commands for did in dids) == 300  # throttled ones never acted
    if rate is None:
        assert retries > 0  # the burst was throttled...
        by_failure = collections.defaultdict(list)
        for failure, wait in waits:
            by_failure[failure].append(wait)
        # ...and retries back off: each wait within its exponential band, later failures waiting longer.
        for failure, values in by_failure.items():
            band = min(policy.cap, policy.base * 2 ** (failure - 1))
            assert all(band / 2 <= wait < band for wait in values)
        if 2 in by_failure:
            assert min(by_failure[2]) >= max(by_failure[1])
    else:
        assert retries == 0  # paced under the server's limit: never throttled
    print(f"\n[matrix] throttle rate={rate}: outcomes=300 ok, requests={sent} retries={retries} "
          f"max attempts={max(o.attempts for o in report.outcomes)}")


# -- 5% HTTP 502/503 with HTML bodies --------------------------------------------------------------------------


async def test_proxy_errors_are_retried_and_exhausted_ones_are_server_errors(
    session: gizwits.Session, emulator: Fake, dids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = record_backoff(monkeypatch)
    emulator.faults.error_rate = 0.05
    commands = [(dids[i % len(dids)], {"switch": bool(i % 2)}) for i in range(1000)]
    report = await session.control_many(commands, concurrency=20)

    assert_one_outcome_per_input(report, [did for did, _ in commands])
    sent = requests_sent(emulator, "C1")
    assert sent == sum(o.attempts for o in report.outcomes)
    retried = [o for o in report.outcomes if o.attempts > 1]
    assert retried and len(waits) == sent - 1000  # some were retried, each after a back-off
    for outcome in report.outcomes:  # ok, or failed 3 times in a row with a proxy page
        assert outcome.ok or (isinstance(outcome.error, gizwits.ServerError) and outcome.attempts == 3)
    assert sum(emulator.state.device(did).commands for did in dids) == len(report.succeeded)
    print(f"\n[matrix] 5% 502/503: outcomes=1000 ok={len(report.succeeded)} requests={sent} "
          f"retried={len(retried)}")

    # Exhausted: every answer is a proxy page; each call makes the policy's 3 attempts and then fails.
    emulator.faults.error_rate = 1.0
    before = requests_sent(emulator, "C1")
    exhausted = await session.control_many({did: {"switch": True} for did in dids[:20]}, concurrency=5)
    assert requests_sent(emulator, "C1") - before == 60
    for outcome in exhausted.outcomes:
        error = outcome.error
        assert isinstance(error, gizwits.ServerError) and outcome.attempts == error.attempts == 3
        assert error.status in (502, 503) and error.code is None
        reason = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[error.status]
        assert error.detail is not None and reason in error.detail and "<html>" in error.detail
        assert str(error.status) in str(error) and reason in str(error)
        assert error.method == "POST" and error.url == f"/app/control/{outcome.did}"


# -- connections dropped mid-response ------------------------------------------------------------------------


async def test_dropped_connections_are_retried_when_safe(
    session: gizwits.Session, emulator: Fake, dids: list[str]
) -> None:
    emulator.faults.drop_rate = 0.1
    commands = [(dids[i % len(dids)], {"switch": True}) for i in range(500)]
    report = await session.control_many(commands, concurrency=20)

    assert_one_outcome_per_input(report, [did for did, _ in commands])
    sent = requests_sent(emulator, "C1")
    assert sent == sum(o.attempts for o in report.outcomes) and sent > 500  # control is safe: retried
    for outcome in report.outcomes:
        assert outcome.ok or (isinstance(outcome.error, gizwits.TransportError) and outcome.attempts == 3)
    print(f"\n[matrix] drops 10%: outcomes=500 ok={len(report.succeeded)} requests={sent}")

    emulator.faults.drop_rate = 1.0
    with pytest.raises(gizwits.TransportError) as safe:
        await session.latest(dids[0])
    assert safe.value.attempts == 3 and safe.value.sent and requests_sent(emulator, "D1") == 3
    # Creating a schedule is not safe to repeat: the server may have acted, so one attempt only.
    with pytest.raises(gizwits.TransportError) as unsafe:
        await session.create_schedule(time="12:00", commands=[(dids[0], "demo-product", {"switch": True})])
    assert unsafe.value.attempts == 1 and unsafe.value.sent and requests_sent(emulator, "S1") == 1
    with pytest.raises(gizwits.TransportError) as register:
        await session.register("newcomer", "newcomer-password")
    assert register.value.attempts == 1 and requests_sent(emulator, "U2") == 1
    assert session._transport.connections_in_use == 0


# -- read timeouts (latency > timeout) -----------------------------------------------------------------------


async def test_read_timeouts_fail_after_the_policys_attempts_without_hanging(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(timeout=0.1)
    emulator.faults.latency = 0.4
    loop = asyncio.get_running_loop()

    started = loop.time()
    async with asyncio.timeout(3):
        with pytest.raises(gizwits.TransportError) as single:
            await session.latest(dids[0])
    assert single.value.attempts == 3 and requests_sent(emulator, "D1") == 3
    assert "timed out" in str(single.value)
    assert loop.time() - started < 1.0  # 3 x 0.1 s plus short back-offs, not 3 x 0.4 s

    started = loop.time()
    async with asyncio.timeout(5):
        report = await session.control_many({did: {"switch": True} for did in dids[:30]}, concurrency=10)
    assert_one_outcome_per_input(report, dids[:30])
    assert all(isinstance(o.error, gizwits.TransportError) and o.attempts == 3 for o in report.outcomes)
    assert requests_sent(emulator, "C1") == 90
    assert loop.time() - started < 2.5  # 3 waves of 10, each ~3 x 0.1 s
    print("\n[matrix] read timeouts: single attempts=3, bulk outcomes=30 TransportError, C1=90")

    # A call that must not be repeated times out once.
    async with asyncio.timeout(3):
        with pytest.raises(gizwits.TransportError) as unsafe:
            await session.change_email("someone@example.com")
    assert unsafe.value.attempts == 1 and requests_sent(emulator, "U9") == 1
    assert session._transport.connections_in_use == 0  # timed-out requests give their connections back


# -- malformed / truncated JSON, empty 200 bodies --------------------------------------------------------------


def endpoint_kinds(session: gizwits.Session, did: str) -> dict[str, Callable[[], Awaitable[Any]]]:
    """One call of every kind of answer the client decodes."""
    command = gizwits.ScheduledCommand(did, "demo-product", {"switch": True})
    return {
        "U11 token": lambda: session.login("demo", "demo-password"),
        "U1 token": lambda: session.login_anonymous("phone-1"),
        "U9 updatedAt": lambda: session.change_email("demo@example.com"),
        "A1 app token": lambda: session._call(session_module.REQUEST_APP_TOKEN),
        "V1 captcha": session.captcha,
        "V3 no body": lambda: session.verify_sms_code("13800000000", "123456"),
        "D1 device data": lambda: session.latest(did),
        "D2 devices": lambda: session.bindings(limit=5),
        "D3 bind result": lambda: session.bind([(did, "passcode")]),
        "C1 no body": lambda: session.control(did, {"switch": True}),
        "S1 schedule id": lambda: session.create_schedule(time="12:00", commands=[command]),
        "S2 schedules": lambda: session.schedules(),
        "S4 schedule logs": lambda: session.schedule_logs("schedule-1"),
    }


#: What a call of each kind may return instead of raising `APIError` for an odd answer.
DEFINED = {"V3 no body": type(None), "C1 no body": type(None), "D2 devices": list, "D3 bind result": gizwits.BindResult,
           "S2 schedules": list, "S4 schedule logs": list}

ODD_BODIES = [b"", b"   ", b"null", b"{}", b"[]", b'"text"', b"42", b"{\"did\": ", b"\xff\xfe\x00", b"<html></html>"]


async def test_malformed_answers_are_api_errors_for_every_endpoint_kind(
    session: gizwits.Session, emulator: Fake, dids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await session.app_token()  # cached, so V1's own credential is fetched before answers go bad
    emulator.state.issue_sms_code("13800000000")
    schedule = await session.create_schedule(time="12:00", commands=[(dids[0], "demo-product", {"switch": True})])
    kinds = endpoint_kinds(session, dids[0])
    kinds["S4 schedule logs"] = lambda: session.schedule_logs(schedule)
    outcomes: collections.Counter[str] = collections.Counter()

    async def check(name: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            value = await call()
        except gizwits.APIError as exc:
            assert exc.status in (200, 201) and exc.code is None and "unexpected answer" in str(exc)
            outcomes["APIError"] += 1
        else:
            assert name in DEFINED and isinstance(value, DEFINED[name]), (name, value)
            outcomes["value"] += 1

    # The emulator cuts every 2xx JSON answer in half.
    emulator.faults.malformed_rate = 1.0
    for name, call in kinds.items():
        await check(name, call)
    emulator.faults.malformed_rate = 0.0

    # Odd whole bodies in 2xx answers (empty, wrong JSON type, not UTF-8, HTML), through a wrapped transport.
    body_now: list[bytes] = []
    send = session._transport.send

    async def odd_send(*args: Any) -> Response:
        response = await send(*args)
        return Response(response.status, body_now[0]) if response.status < 300 else response

    monkeypatch.setattr(session._transport, "send", odd_send)
    for body in ODD_BODIES:
        body_now[:] = [body]
        for name, call in kinds.items():
            await check(name, call)
    assert sum(outcomes.values()) == len(kinds) * (1 + len(ODD_BODIES))
    assert outcomes["APIError"] > outcomes["value"]
    print(f"\n[matrix] malformed: {dict(outcomes)} over {len(kinds)} endpoint kinds x {1 + len(ODD_BODIES)} bodies")


# -- caller cancelled mid-bulk -----------------------------------------------------------------------------


@pytest.mark.parametrize("helper", ["control_many", "stream_control", "poll_latest"])
async def test_cancelling_a_bulk_helper_returns_promptly_and_leaves_nothing(
    session: gizwits.Session, emulator: Fake, dids: list[str], helper: str
) -> None:
    emulator.faults.latency = 0.5
    commands = [(did, {"switch": True}) for did in dids * 10]

    async def consume() -> None:
        if helper == "control_many":
            await session.control_many(commands, concurrency=10)
        elif helper == "stream_control":
            async with contextlib.aclosing(session.stream_control(commands, concurrency=10)) as stream:
                async for _ in stream:
                    pass
        else:
            async with contextlib.aclosing(session.poll_latest(dids, interval=0.5, concurrency=10)) as readings:
                async for _ in readings:
                    pass

    run = asyncio.create_task(consume())
    await wait_until(lambda: session._transport.connections_in_use >= 10 or run.done())
    assert session._transport.connections_in_use == 10  # mid-bulk: every worker has a request in flight
    await cancel_and_check_nothing_left(run, session, within=0.2)  # the answers take 0.5 s
    # The session is still fine afterwards.
    emulator.faults.latency = 0.0
    await session.control(dids[0], {"switch": False})


# -- session closed with calls in flight ----------------------------------------------------------------------


async def test_closing_the_session_ends_calls_in_flight_with_session_closed_error(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(max_concurrency=10)
    emulator.faults.latency = 0.3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        singles = [asyncio.create_task(session.control(dids[i % len(dids)], {"switch": True})) for i in range(50)]
        bulk = asyncio.create_task(session.control_many({did: {"switch": False} for did in dids}, concurrency=5))
        await wait_until(lambda: session._transport.connections_in_use >= 10)
        loop = asyncio.get_running_loop()
        closed_at = loop.time()
        await session.aclose()
        async with asyncio.timeout(2):
            results = await asyncio.gather(*singles, return_exceptions=True)
            report = await bulk
        assert loop.time() - closed_at < 0.25  # the calls did not wait for their answers
        assert [r for r in results if not isinstance(r, gizwits.SessionClosedError)] == []
        assert_one_outcome_per_input(report, dids)
        assert all(isinstance(o.error, gizwits.SessionClosedError) for o in report.outcomes)
        assert all("closed" in str(r) for r in results)
        with pytest.raises(gizwits.SessionClosedError):
            await session.latest(dids[0])
        assert session._transport.connections_in_use == 0
        del singles, bulk, results, report
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning | RuntimeWarning)] == []
    assert gizwits_tasks() == []


async def test_poll_latest_stops_with_session_closed_error_when_the_session_closes(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session()
    errors: list[gizwits.Outcome] = []
    readings: list[str] = []

    async def poll() -> None:
        async with contextlib.aclosing(session.poll_latest(dids[:3], interval=0.6, changes_only=False,
                                                           on_error=errors.append)) as stream:
            async for data in stream:
                readings.append(data.did)
                if len(readings) == 3:
                    await session.aclose()

    async with asyncio.timeout(2):  # a poller of a closed session must end, not warn every round forever
        with pytest.raises(gizwits.SessionClosedError):
            await poll()
    assert sorted(readings) == sorted(dids[:3])
    assert errors == [] and requests_sent(emulator, "D1") == 3
    assert gizwits_tasks() == []


async def test_a_for_user_session_ends_with_session_closed_error_when_its_parent_closes(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    parent = await make_session(max_concurrency=5)
    token = parent.token
    assert token is not None
    child = parent.for_user(token)
    emulator.faults.latency = 0.3
    in_flight = [asyncio.create_task(child.control(did, {"switch": True})) for did in dids[:20]]
    await wait_until(lambda: parent._transport.connections_in_use == 5)
    await parent.aclose()
    async with asyncio.timeout(2):
        results = await asyncio.gather(*in_flight, return_exceptions=True)
    assert [type(r) for r in results] == [gizwits.SessionClosedError] * 20
    with pytest.raises(gizwits.SessionClosedError):  # not a bare RuntimeError from the closed pool
        await child.bindings()
    report = await child.control_many({did: {"switch": True} for did in dids[:5]})
    assert [type(o.error) for o in report.outcomes] == [gizwits.SessionClosedError] * 5
    assert requests_sent(emulator, "D2") == 0


# -- device offline / not bound / bad attr ------------------------------------------------------------------


@pytest.mark.parametrize("devices", [200])
async def test_device_failures_are_isolated_per_device_with_the_right_class(
    session: gizwits.Session, emulator: Fake, dids: list[str]
) -> None:
    offline, bad_attr, fine = dids[:20], dids[20:40], dids[40:]
    for did in offline:
        emulator.state.set_online(did, False)
    unbound = [emulator.state.add_device().did for _ in range(20)]
    unknown = [f"nosuchdevice{i:010d}" for i in range(10)]
    invalid = [f"bad/did/{i}" for i in range(10)]
    commands = [(did, {"switch": True}) for did in offline + unbound + unknown + invalid + fine]
    commands += [(did, {"no_such_datapoint": 1}) for did in bad_attr]
    commands.sort(key=lambda pair: hash(pair[0]))  # interleave the failures with the successes

    report = await session.control_many(commands, concurrency=20)

    assert_one_outcome_per_input(report, [did for did, _ in commands])
    by_did = {o.did: o for o in report.outcomes}
    assert all(by_did[did].ok and by_did[did].attempts == 1 for did in fine)
    assert all(type(by_did[did].error) is gizwits.DeviceOfflineError for did in offline)
    assert all(type(by_did[did].error) is gizwits.DeviceNotFoundError for did in unknown)
    for did, cls, code in [(did, gizwits.DeviceNotBoundError, 9017) for did in unbound] + [
            (did, gizwits.AttrInvalidError, 9025) for did in bad_attr]:
        error = by_did[did].error
        assert type(error) is cls and error.code == code and by_did[did].attempts == 1
    assert all(type(by_did[did].error) is gizwits.ValidationError and by_did[did].attempts == 0 for did in invalid)
    classes = collections.Counter(type(o.error).__name__ for o in report.outcomes if not o.ok)
    assert classes == {"DeviceOfflineError": 20, "DeviceNotBoundError": 20, "AttrInvalidError": 20,
                       "DeviceNotFoundError": 10, "ValidationError": 10}
    assert len(report.succeeded) == 160
    # Not retried (none of them is transient); the invalid dids never left the machine.
    assert requests_sent(emulator, "C1") == len(commands) - len(invalid) == 230
    assert all(emulator.state.device(did).commands == 1 for did in fine)
    print(f"\n[matrix] device failures: outcomes=240 ok=160 {dict(classes)} C1=230")
