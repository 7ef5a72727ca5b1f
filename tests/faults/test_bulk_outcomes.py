"""Fault matrix, bulk paths: one outcome per input whatever the input, workers bounded by the inputs and the pool,
and a poll in which one slow device delays only itself."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
from support import FAST_RETRY, MakeSession, gizwits_tasks, requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.emulator.server import serve

Fake = Emulator[FakeClock]


class BrokenAttrs(Mapping[str, Any]):
    """A mapping whose iteration fails: a bug in the caller's data, not one of the library's errors."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("broken mapping")

    def __len__(self) -> int:
        return 1


def commands_with_bad_ones(dids: list[str], count: int) -> tuple[list[tuple[str, Any]], dict[int, type]]:
    commands: list[tuple[str, Any]] = [(dids[i % len(dids)], {"brightness": i % 100}) for i in range(count)]
    bad: dict[int, type] = {
        10: gizwits.ValidationError,  # an int JSON cannot encode (past the 4,300-digit limit)
        count // 2: gizwits.UnexpectedError,  # the caller's mapping raises RuntimeError
        count - 1: gizwits.ValidationError,  # not a (did, attrs) pair
    }
    commands[10] = (commands[10][0], {"brightness": 10**5000})
    commands[count // 2] = (commands[count // 2][0], BrokenAttrs())
    commands[count - 1] = ("x", "y", "z")  # type: ignore[assignment]
    return commands, bad


async def test_one_bad_input_is_its_own_outcome_not_the_end_of_the_run(
    session: gizwits.Session, emulator: Fake, dids: list[str]
) -> None:
    commands, bad = commands_with_bad_ones(dids, 1000)
    report = await session.control_many(commands, concurrency=20)

    assert [o.index for o in report.outcomes] == list(range(1000))  # before: an ExceptionGroup, no outcomes
    failed = {o.index: type(o.error) for o in report.outcomes if not o.ok}
    assert failed == bad
    broken = report.outcomes[500].error
    assert isinstance(broken, gizwits.UnexpectedError) and isinstance(broken.__cause__, RuntimeError)
    assert requests_sent(emulator, "C1") == 997  # nothing was sent for the bad inputs
    print(f"\n[matrix] bad inputs in bulk: outcomes before=0 (ExceptionGroup) after={len(report.outcomes)}, "
          f"C1 received={requests_sent(emulator, 'C1')}")


async def test_stream_control_also_gives_every_input_its_outcome(session: gizwits.Session, dids: list[str]) -> None:
    commands, bad = commands_with_bad_ones(dids, 200)
    outcomes = [o async for o in session.stream_control(commands, concurrency=20)]
    assert sorted(o.index for o in outcomes) == list(range(200))
    assert {o.index: type(o.error) for o in outcomes if not o.ok} == bad


class Interrupt(BaseException):
    """A KeyboardInterrupt-class exception: it must end the run."""


class InterruptingAttrs(BrokenAttrs):
    def __iter__(self) -> Iterator[str]:
        raise Interrupt


async def test_only_base_exceptions_end_a_run(session: gizwits.Session, dids: list[str]) -> None:
    commands: list[tuple[str, Any]] = [(did, {"switch": True}) for did in dids]
    commands[5] = (dids[5], InterruptingAttrs())
    with pytest.raises(BaseExceptionGroup) as raised:
        await session.control_many(commands, concurrency=4)
    assert raised.group_contains(Interrupt)
    await asyncio.sleep(0)
    assert gizwits_tasks() == []


# -- concurrency clamped to the input size and the pool ---------------------------------------------------------


async def test_workers_are_clamped_to_the_inputs_and_the_pool(session: gizwits.Session, dids: list[str]) -> None:
    peak: list[int] = []

    def count_workers(outcome: gizwits.Outcome) -> None:
        peak.append(len(gizwits_tasks()) + 1)  # the other workers, and the one calling the hook

    report = await session.control_many({dids[0]: {"switch": True}}, concurrency=10**5, progress=count_workers)
    assert report.ok and max(peak) == 1  # before: 100,000 tasks for one input
    report = await session.latest_many(dids * 5, concurrency=10**5, progress=count_workers)
    assert report.ok and max(peak) <= session.max_concurrency  # the pool: 20 connections
    outcomes = [o async for o in session.stream_control(iter([(dids[0], {"switch": True})]), concurrency=10**5)]
    assert len(outcomes) == 1
    print(f"\n[matrix] concurrency=10**5, 1 input: worker tasks before=100,000 after={max(peak[:1])}")


# -- poll_latest: one device that never answers ------------------------------------------------------------------


@contextlib.asynccontextmanager
async def emulator_with_a_stuck_device(emulator: Fake, stuck: str) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """The emulator served on loopback, except that reads of ``stuck`` wait until the event is set."""
    release = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and stuck in scope["path"]:
            await release.wait()
        await emulator.app(scope, receive, send)

    async with serve(app) as url:
        try:
            yield url, release
        finally:
            release.set()


async def test_a_stuck_device_does_not_hold_up_the_other_devices_rounds(emulator: Fake, dids: list[str]) -> None:
    fast, stuck = dids[:9], dids[9]
    async with emulator_with_a_stuck_device(emulator, stuck) as (url, _), gizwits.Session(
        "demo-appid", base_url=url, retry=FAST_RETRY, timeout=30
    ) as session:
        readings: dict[str, int] = dict.fromkeys([*fast, stuck], 0)
        polls = session.poll_latest([*fast, stuck], interval=0.1, changes_only=False)
        async with contextlib.aclosing(polls):
            async with asyncio.timeout(10):  # before the fix: no second round, ever (the stuck read never ends)
                async for data in polls:
                    readings[data.did] += 1
                    if min(readings[did] for did in fast) >= 4:
                        break
        assert readings[stuck] == 0 and min(readings[did] for did in fast) >= 4
        print(f"\n[matrix] poll, 1 stuck device of 10: fast devices' readings before=1 "
              f"after>={min(readings[did] for did in fast)}")


async def test_poll_rounds_keep_to_the_clock(make_session: MakeSession, dids: list[str]) -> None:
    """Each device is read once per interval, at its own offset: over ~1 s at interval=0.25, 4-5 readings."""
    session = await make_session()
    started = time.monotonic()
    readings = 0
    polls = session.poll_latest(dids[:20], interval=0.25, changes_only=False)
    async with contextlib.aclosing(polls):
        async for _ in polls:
            readings += 1
            if readings == 20 * 4:
                break
    elapsed = time.monotonic() - started
    assert elapsed >= 0.75  # the fourth round starts 0.75 s after the first: rounds are spread, not rushed
