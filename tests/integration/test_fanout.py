"""Fan-out against the emulator on loopback: order, isolation, rate, cancellation, renewal, polling."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from support import cancel_and_check_nothing_left, gizwits_tasks

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock


async def test_control_many_keeps_input_order_and_one_outcome_per_input(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    commands = [(did, {"brightness": i}) for i, did in enumerate(dids[:30])]
    commands.append((dids[0], {"brightness": 99}))  # a duplicate stays a separate item
    report = await session.control_many(commands, concurrency=7)
    assert [o.did for o in report.outcomes] == [did for did, _ in commands]
    assert [o.index for o in report.outcomes] == list(range(len(commands)))
    assert report.ok and len(report.succeeded) == 31
    assert all(o.attempts == 1 for o in report.outcomes)
    assert emulator.state.device(dids[5]).attrs["brightness"] == 5
    assert emulator.stats.requests["C1"] == 31


async def test_one_failing_device_never_stops_the_others(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    offline, unbound = dids[1], emulator.state.add_device().did
    emulator.state.set_online(offline, False)
    commands = {
        dids[0]: {"switch": True},
        offline: {"switch": True},
        "nosuchdevice0000000000": {"switch": True},
        unbound: {"switch": True},
        dids[2]: {"no_such_datapoint": 1},
        "bad/did": {"switch": True},
        dids[3]: {"switch": False},
    }
    report = await session.control_many(commands)
    errors = {o.did: o.error for o in report.outcomes}
    assert errors[dids[0]] is None and errors[dids[3]] is None
    assert isinstance(errors[offline], gizwits.DeviceOfflineError)
    assert isinstance(errors["nosuchdevice0000000000"], gizwits.DeviceNotFoundError)
    assert isinstance(errors[unbound], gizwits.APIError) and errors[unbound].code == gizwits.ErrorCode.DEVICE_NOT_BOUND
    assert isinstance(errors[dids[2]], gizwits.APIError) and errors[dids[2]].code == gizwits.ErrorCode.ATTR_INVALID
    assert isinstance(errors["bad/did"], gizwits.ValidationError)
    assert report.outcomes[5].attempts == 0  # refused before any request
    assert set(report.failed) == {offline, "nosuchdevice0000000000", unbound, dids[2], "bad/did"}
    with pytest.raises(gizwits.BulkError) as raised:
        report.raise_for_failures()
    assert raised.value.report is report and "5 of 7 failed" in str(raised.value)


async def test_latest_many_reads_every_device(session: gizwits.Session, dids: list[str]) -> None:
    await session.control(dids[0], {"mode": "heat"})
    progress = gizwits.Progress()
    report = await session.latest_many(dids, concurrency=5, progress=progress)
    assert [o.did for o in report.outcomes] == dids
    assert all(isinstance(o.value, gizwits.DeviceData) and o.value.did == o.did for o in report.outcomes)
    assert report.outcomes[0].value.attrs["mode"] == "heat"
    assert (progress.done, progress.succeeded, progress.failed) == (len(dids), len(dids), 0)


async def test_async_iterable_input_and_progress_callable(session: gizwits.Session, dids: list[str]) -> None:
    async def commands() -> Any:
        for did in dids[:12]:
            yield did, {"switch": True}

    seen: list[str] = []
    report = await session.control_many(commands(), concurrency=3, progress=lambda o: seen.append(o.did))
    assert sorted(seen) == sorted(dids[:12]) and report.ok


async def test_rate_never_exceeds_requests_per_second(
    session: gizwits.Session, dids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    send = session._transport.send

    async def recording_send(*args: Any) -> Any:
        starts.append(loop.time())
        return await send(*args)

    monkeypatch.setattr(session._transport, "send", recording_send)
    commands = [(dids[i % len(dids)], {"switch": bool(i % 2)}) for i in range(60)]
    report = await session.control_many(commands, concurrency=20, rate=40)
    assert report.ok and len(starts) == 60
    assert starts[-1] - starts[0] >= 59 / 40 - 0.01  # evenly spaced: no initial burst
    # Never more than 40 starts within any one-second window.
    assert all(starts[i + 40] - starts[i] >= 1.0 for i in range(len(starts) - 40))


async def test_expired_token_mid_run_is_renewed_once_for_the_whole_run(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.clock.advance(emulator.config.token_ttl + 1)  # every token the server issued is now expired
    before = emulator.stats.logins
    report = await session.control_many([(did, {"switch": True}) for did in dids * 5], concurrency=20)
    assert report.ok and len(report.outcomes) == len(dids) * 5
    assert emulator.stats.logins - before == 1


async def test_revoked_token_storm_logs_in_once(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.state.revoke_tokens("demo")
    before = emulator.stats.logins
    results = await asyncio.gather(*(session.control(dids[i % len(dids)], {"switch": True}) for i in range(200)))
    assert results == [None] * 200
    assert emulator.stats.logins - before == 1


async def test_cancelling_control_many_leaves_nothing_running(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    emulator.faults.latency = 0.5
    run = asyncio.create_task(session.control_many([(did, {"switch": True}) for did in dids * 10], concurrency=10))
    await asyncio.sleep(0.1)
    assert session._transport.connections_in_use > 0
    await cancel_and_check_nothing_left(run, session, within=0.3)  # the answers take 0.5 s


async def test_stream_control_yields_every_outcome_and_stops_early(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    outcomes = [o async for o in session.stream_control(((did, {"switch": True}) for did in dids), concurrency=4)]
    assert sorted(o.index for o in outcomes) == list(range(len(dids)))
    assert all(o.ok for o in outcomes)

    emulator.faults.latency = 0.2
    taken = 0
    async with contextlib.aclosing(session.stream_control(((did, {"switch": True}) for did in dids * 100),
                                                          concurrency=8)) as stream:
        async for outcome in stream:
            taken += outcome.ok
            if taken == 3:
                break
    assert taken == 3
    await asyncio.sleep(0)
    assert gizwits_tasks() == []
    assert session._transport.connections_in_use == 0


async def test_poll_latest_yields_all_then_only_changes(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    watched = dids[:3]
    rounds: list[list[str]] = []
    async with contextlib.aclosing(session.poll_latest(watched, interval=0.15)) as readings:
        current: list[str] = []
        async for data in readings:
            current.append(data.did)
            if len(rounds) == 0 and len(current) == 3:
                rounds.append(sorted(current))
                current = []
                emulator.clock.advance(5)
                await session.control(watched[1], {"brightness": 77})
            elif len(rounds) == 1:
                rounds.append(current)
                assert data.attrs["brightness"] == 77
                break
    assert rounds == [sorted(watched), [watched[1]]]
    assert gizwits_tasks() == []


async def test_poll_latest_every_reading_when_changes_only_is_false(session: gizwits.Session, dids: list[str]) -> None:
    seen: list[str] = []
    async with contextlib.aclosing(session.poll_latest(dids[:2], interval=0.3, changes_only=False)) as readings:
        async for data in readings:
            seen.append(data.did)
            if len(seen) == 6:
                break
    assert sorted(seen) == sorted(dids[:2] * 3)


async def test_poll_latest_reports_failures_and_goes_on_a_permanent_one_once(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    failures: list[gizwits.Outcome] = []
    got: list[str] = []
    async with contextlib.aclosing(
        session.poll_latest([dids[0], "nosuchdevice0000000000"], interval=0.02, changes_only=False,
                            on_error=failures.append)
    ) as readings:
        async for data in readings:
            got.append(data.did)
            if len(got) == 5:
                break
    assert got == [dids[0]] * 5  # five rounds: the other device goes on
    assert [type(o.error) for o in failures] == [gizwits.DeviceNotFoundError]  # reported once, not every round
    assert emulator.stats.requests["D1"] == 6  # the unknown device was read once


async def test_poll_latest_ends_when_every_device_failed_for_good(session: gizwits.Session,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="gizwits_async"):
        readings = [data async for data in session.poll_latest(["nosuchdevice0000000000"], interval=0.01)]
    assert readings == []
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "nosuchdevice0000000000" in warning.getMessage() and "9014" in warning.getMessage()


@pytest.mark.parametrize("bad", [{"concurrency": 0}, {"rate": 0}, {"rate": -1.0}])
async def test_bad_fanout_options_are_refused(session: gizwits.Session, dids: list[str], bad: dict[str, Any]) -> None:
    with pytest.raises(gizwits.ValidationError):
        await session.control_many({dids[0]: {"switch": True}}, **bad)
