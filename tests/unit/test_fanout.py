"""Fan-out helpers (control_many, latest_many, stream_control) and BulkReport, through respx."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gizwits_async import (
    APIError,
    BulkError,
    BulkReport,
    DeviceData,
    DeviceNotFoundError,
    DeviceOfflineError,
    MemoryTokenStore,
    Outcome,
    Progress,
    ServerError,
    Session,
    ValidationError,
)

from .conftest import APPID, BASE, FakeClock, error_body, gizwits_error, new_client, stored_token

CONTROL = r"/app/control/(?P<did>[^/]+)$"


def control_answers(failing: dict[str, int]) -> Any:
    """200 for every did except those in ``failing`` (did -> Gizwits code)."""
    def answer(request: httpx.Request, did: str) -> httpx.Response:
        code = failing.get(did)
        return httpx.Response(200, json={}) if code is None else gizwits_error(code, 404 if code == 9014 else 400)
    return answer


async def test_control_many_keeps_input_order_and_isolates_failures(
    user_session: Session, mock: respx.MockRouter
) -> None:
    route = mock.post(url__regex=CONTROL).mock(side_effect=control_answers({"d2": 9042, "d4": 9014}))
    commands = {f"d{i}": {"n": i} for i in range(6)}
    report = await user_session.control_many(commands, concurrency=3)
    assert [o.did for o in report.outcomes] == list(commands)
    assert [o.index for o in report.outcomes] == list(range(6))
    assert report.succeeded == ["d0", "d1", "d3", "d5"]
    assert set(report.failed) == {"d2", "d4"}
    assert isinstance(report.failed["d2"], DeviceOfflineError) and report.failed["d2"].code == 9042
    assert isinstance(report.failed["d4"], DeviceNotFoundError)
    assert not report.ok
    assert all(o.value is None for o in report.outcomes)
    assert all(o.attempts == 1 for o in report.outcomes)
    bodies = {call.request.url.path.rsplit("/", 1)[1]: json.loads(call.request.content) for call in route.calls}
    assert bodies == {did: {"attrs": attrs} for did, attrs in commands.items()}
    assert route.call_count == 6


async def test_control_many_duplicates_are_separate_outcomes(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))
    pairs = [("d1", {"v": 1}), ("d2", {"v": 2}), ("d1", {"v": 3})]
    report = await user_session.control_many(pairs)
    assert [(o.did, o.index, o.ok) for o in report.outcomes] == [("d1", 0, True), ("d2", 1, True), ("d1", 2, True)]
    assert report.succeeded == ["d1", "d2", "d1"]
    assert sorted(json.loads(call.request.content)["attrs"]["v"] for call in route.calls) == [1, 2, 3]


async def test_control_many_validation_error_per_item_without_request(
    user_session: Session, mock: respx.MockRouter
) -> None:
    route = mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))
    pairs: list[tuple[str, Any]] = [("d1", {"on": True}), ("", {"on": True}), ("d3", {}), ("a/b", {"on": 1}),
                                    ("d5", {"on": None})]
    report = await user_session.control_many(pairs)
    assert [o.ok for o in report.outcomes] == [True, False, False, False, False]
    for outcome in report.outcomes[1:]:
        assert isinstance(outcome.error, ValidationError)
        assert outcome.attempts == 0
    assert route.call_count == 1
    assert route.calls.last.request.url.path == "/app/control/d1"


async def test_control_many_async_iterable_input(user_session: Session, mock: respx.MockRouter) -> None:
    mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))

    async def pairs() -> AsyncIterator[tuple[str, dict[str, int]]]:
        for i in range(5):
            await asyncio.sleep(0)
            yield f"d{i}", {"v": i}

    report = await user_session.control_many(pairs(), concurrency=2)
    assert [o.did for o in report.outcomes] == [f"d{i}" for i in range(5)]
    assert report.ok


async def test_control_many_respects_concurrency(user_session: Session, mock: respx.MockRouter) -> None:
    in_flight = peak = 0

    async def answer(request: httpx.Request, did: str) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return httpx.Response(200, json={})

    mock.post(url__regex=CONTROL).mock(side_effect=answer)
    report = await user_session.control_many({f"d{i}": {"v": i} for i in range(20)}, concurrency=4)
    assert report.ok
    assert 1 < peak <= 4


def test_bulk_report_properties() -> None:
    offline = DeviceOfflineError("device offline!", code=9042, status=400)
    first = APIError("x", code=9025, status=400)
    report = BulkReport([Outcome("a", index=0), Outcome("b", error=first, index=1), Outcome("c", index=2),
                         Outcome("b", error=offline, index=3)])
    assert report.succeeded == ["a", "c"]
    assert report.failures == [report.outcomes[1], report.outcomes[3]]  # input order, a repeated did kept twice
    assert report.failed == {"b": offline}  # the did-keyed view: a did given twice, its last failure
    assert report.errors == {"ATTR_INVALID": 1, "DEVICE_OFFLINE": 1}
    assert not report.ok
    with pytest.raises(BulkError) as caught:
        report.raise_for_failures()
    assert caught.value.report is report
    assert str(caught.value) == "2 of 4 failed (ATTR_INVALID: 1, DEVICE_OFFLINE: 1)"

    good = BulkReport([Outcome("a"), Outcome("b")])
    assert good.ok and good.failed == {} and good.failures == [] and good.succeeded == ["a", "b"]
    assert (repr(good), str(good)) == ("<BulkReport 0 of 2 failed>", "0 of 2 failed")
    good.raise_for_failures()  # does not raise
    assert BulkReport([]).ok


def test_bulk_report_repr_and_str_stay_short() -> None:
    offline = DeviceOfflineError("device offline!", code=9042, status=400, method="POST", url="/app/control/d7")
    outcomes = [Outcome(f"d{i}", error=offline if i % 3 == 1 else None, index=i) for i in range(1000)]
    outcomes[4] = Outcome("d4", error=ServerError("502 Bad Gateway", status=502), index=4)
    report = BulkReport(outcomes)
    assert repr(report) == ("<BulkReport 333 of 1000 failed (DEVICE_OFFLINE: 332, ServerError: 1); "
                            "first failures: ['d1: DEVICE_OFFLINE', 'd4: ServerError', 'd7: DEVICE_OFFLINE']>")
    assert str(report).splitlines() == [
        "333 of 1000 failed (DEVICE_OFFLINE: 332, ServerError: 1)",
        "  d1: HTTP 400 9042 device offline! (POST /app/control/d7)",
        "  d4: HTTP 502 502 Bad Gateway",
        "  d7: HTTP 400 9042 device offline! (POST /app/control/d7)",
        "  ... and 330 more (see .failures)",
    ]


def test_outcome_ok() -> None:
    assert Outcome("a").ok
    assert not Outcome("a", error=ValidationError("bad")).ok


async def test_progress_counts(user_session: Session, mock: respx.MockRouter) -> None:
    mock.post(url__regex=CONTROL).mock(side_effect=control_answers({"d1": 9042, "d2": 9042, "d3": 9014}))
    progress = Progress()
    report = await user_session.control_many({f"d{i}": {"v": i} for i in range(6)} | {"": {"v": 0}},
                                             progress=progress)
    assert len(report.outcomes) == 7
    assert (progress.done, progress.succeeded, progress.failed) == (7, 3, 4)
    assert progress.errors == {"DEVICE_OFFLINE": 2, "DEVICE_NOT_FOUND": 1, "ValidationError": 1}


async def test_stream_control_yields_every_outcome_with_its_index(
    user_session: Session, mock: respx.MockRouter
) -> None:
    mock.post(url__regex=CONTROL).mock(side_effect=control_answers({"d3": 9042}))
    seen = Progress()
    outcomes = [o async for o in user_session.stream_control([(f"d{i}", {"v": i}) for i in range(8)],
                                                             concurrency=3, progress=seen)]
    assert sorted(o.index for o in outcomes) == list(range(8))
    assert all(o.did == f"d{o.index}" for o in outcomes)
    assert [o.did for o in outcomes if not o.ok] == ["d3"]
    assert seen.done == 8


async def test_stream_control_can_stop_early(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))
    taken = []
    async with contextlib.aclosing(
            user_session.stream_control(((f"d{i}", {"v": i}) for i in range(1000)), concurrency=2)) as stream:
        async for outcome in stream:
            taken.append(outcome)
            if len(taken) == 3:
                break
    assert len(taken) == 3
    assert route.call_count < 20  # the rest of the input was never sent


async def test_latest_many_values_are_device_data(user_session: Session, mock: respx.MockRouter) -> None:
    def answer(request: httpx.Request, did: str) -> httpx.Response:
        if did == "gone":
            return gizwits_error(9014, 404)
        return httpx.Response(200, json={"did": did, "updated_at": 1_700_000_000, "attr": {"id": did}})

    mock.get(url__regex=r"/app/devdata/(?P<did>[^/]+)/latest$").mock(side_effect=answer)
    report = await user_session.latest_many(["a", "gone", "b"])
    assert [o.did for o in report.outcomes] == ["a", "gone", "b"]
    values = [o.value for o in report.outcomes if o.ok]
    assert all(isinstance(value, DeviceData) for value in values)
    assert [value.attrs["id"] for value in values] == ["a", "b"]
    assert isinstance(report.failed["gone"], DeviceNotFoundError)
    assert report.outcomes[1].value is None


async def test_latest_many_rejects_a_single_string(user_session: Session, mock: respx.MockRouter) -> None:
    route = mock.route().respond(200, json={})
    with pytest.raises(ValidationError):
        await user_session.latest_many("abc")
    assert route.call_count == 0


async def test_control_many_malformed_pair(user_session: Session, mock: respx.MockRouter) -> None:
    mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))
    pairs: list[Any] = [("d1", {"on": True}), ("d2",)]
    try:
        report = await user_session.control_many(pairs)
    except ValidationError:
        return
    assert report.outcomes[0].ok
    assert isinstance(report.outcomes[1].error, ValidationError)


async def test_fanout_renews_the_token_once(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=[
        httpx.Response(200, json={"uid": "u", "token": "old", "expire_at": 4_000_000_000}),
        httpx.Response(200, json={"uid": "u", "token": "new", "expire_at": 4_000_000_000}),
    ])
    mock.post(url__regex=CONTROL).mock(side_effect=lambda request, did: (
        httpx.Response(200, json={}) if request.headers["X-Gizwits-User-token"] == "new" else gizwits_error(9004)))
    async with Session(APPID, client=client) as session:
        await session.login("bob", "pw")
        report = await session.control_many({f"d{i}": {"v": i} for i in range(30)}, concurrency=10)
    assert report.ok
    assert login.call_count == 2
    assert {o.attempts for o in report.outcomes} <= {1, 2}


# -- invariants under random failure patterns ----------------------------------------------------------------

FAILURES = {"ok": None, "offline": 9042, "missing": 9014, "attr": 9025}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(sorted(FAILURES))), max_size=25),
       concurrency=st.integers(1, 8))
def test_bulk_report_invariants(pattern: list[tuple[int, str]], concurrency: int) -> None:
    # Each input is (device number, what the server answers for it); a device's answer is fixed by its first use.
    answers: dict[str, int | None] = {}
    for number, kind in pattern:
        answers.setdefault(f"d{number}", FAILURES[kind])
    inputs = [(f"d{number}", {"i": i}) for i, (number, _) in enumerate(pattern)]

    async def run() -> BulkReport:
        with respx.mock(base_url=BASE, assert_all_called=False) as mock:
            mock.post(url__regex=CONTROL).mock(side_effect=lambda request, did: (
                httpx.Response(200, json={}) if answers[did] is None
                else httpx.Response(400, json=error_body(answers[did]))))  # type: ignore[arg-type]
            async with new_client() as client, Session(
                    APPID, client=client, token_store=MemoryTokenStore(stored_token())) as session:
                return await session.control_many(inputs, concurrency=concurrency)

    report = asyncio.run(run())
    assert len(report.outcomes) == len(inputs)
    assert [o.did for o in report.outcomes] == [did for did, _ in inputs]
    assert [o.index for o in report.outcomes] == list(range(len(inputs)))
    for outcome in report.outcomes:
        expected = answers[outcome.did]
        assert outcome.ok is (expected is None)
        if expected is not None:
            assert isinstance(outcome.error, APIError) and outcome.error.code == expected
    assert report.succeeded == [did for did, _ in inputs if answers[did] is None]
    assert set(report.failed) == {did for did, _ in inputs if answers[did] is not None}
    assert report.ok is all(answers[did] is None for did, _ in inputs)


async def test_a_runs_rate_waits_on_the_sessions_clock(
    user_session: Session, mock: respx.MockRouter, clock: FakeClock
) -> None:
    # rate=10: starts 0.1 s apart, slept on the session's clock (instantly, here), never on the real one.
    mock.post(url__regex=CONTROL).mock(return_value=httpx.Response(200, json={}))
    async with asyncio.timeout(5):
        report = await user_session.control_many([(f"d{i}", {"on": True}) for i in range(4)], rate=10)
    assert report.ok
    assert sum(clock.slept) == pytest.approx(0.3)
