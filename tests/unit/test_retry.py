"""The retry policy: the pure decision table and backoff, and their use by the request path (through respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from gizwits_async import (
    APIError,
    AuthenticationError,
    DeviceNotFoundError,
    DeviceOfflineError,
    GizwitsError,
    MemoryTokenStore,
    RetryPolicy,
    ServerError,
    Session,
    ThrottledError,
    TokenError,
    TransportError,
    ValidationError,
)
from gizwits_async.errors import error_from_response
from gizwits_async.retry import Idempotency, Step, backoff, next_step, should_retry

from .conftest import APPID, FakeClock, backoffs, error_body, gizwits_error, stored_token, token_wire

SAFE, UNSAFE = Idempotency.SAFE, Idempotency.UNSAFE


def answer(status: int, code: int | None = None) -> APIError:
    body = b"" if code is None else json.dumps(error_body(code)).encode()
    return error_from_response(status, body, method="GET", url="/app/bindings")


def html_answer(status: int) -> APIError:
    page = f"<html><head><title>{status}</title></head><body><h1>Internal Server Error</h1></body></html>"
    return error_from_response(status, page.encode(), method="GET", url="/app/bindings")


def text_answer(status: int) -> APIError:
    return error_from_response(status, b"Internal Server Error", method="GET", url="/app/bindings")


# (error, retried when SAFE, retried when UNSAFE)
DECISIONS: list[tuple[str, GizwitsError, bool, bool]] = [
    ("connect error (never sent)", TransportError("refused", sent=False), True, True),
    ("timeout / dropped (maybe sent)", TransportError("read timeout", sent=True), True, False),
    ("9041 throttled", answer(429, 9041), True, True),
    ("HTTP 429 without code", answer(429), True, True),
    ("9008 server error", answer(500, 9008), True, False),
    ("HTTP 502", answer(502), True, False),
    ("HTTP 503", answer(503), True, False),
    ("HTTP 504", answer(504), True, False),
    ("HTTP 500 without code", answer(500), True, False),
    ("HTTP 500, an HTML page", html_answer(500), True, False),
    ("HTTP 500, a plain-text page", text_answer(500), True, False),
    ("HTTP 501 without code", answer(501), True, False),
    ("HTTP 599 without code", answer(599), True, False),
    ("HTTP 500 with 9035 (a code: not transient)", answer(500, 9035), False, False),
    ("9004 token invalid", answer(400, 9004), False, False),
    ("9006 token expired", answer(400, 9006), False, False),
    ("9005 user not exist", answer(400, 9005), False, False),
    ("9020 bad password", answer(400, 9020), False, False),
    ("9042 device offline", answer(400, 9042), False, False),
    ("9014 device not found", answer(404, 9014), False, False),
    ("9015 form invalid", answer(400, 9015), False, False),
    ("9025 attr invalid", answer(400, 9025), False, False),
    ("HTTP 400 without code", answer(400), False, False),
    ("validation error", ValidationError("bad did"), False, False),
    ("plain GizwitsError", GizwitsError("?"), False, False),
]


@pytest.mark.parametrize(("error", "safe", "unsafe"), [d[1:] for d in DECISIONS], ids=[d[0] for d in DECISIONS])
def test_should_retry_decision_table(error: GizwitsError, safe: bool, unsafe: bool) -> None:
    assert should_retry(error, SAFE) is safe
    assert should_retry(error, UNSAFE) is unsafe


def test_decision_table_error_kinds() -> None:
    kinds = {type(error) for _, error, _, _ in DECISIONS}
    assert {TransportError, ThrottledError, ServerError, TokenError, AuthenticationError, DeviceOfflineError,
            DeviceNotFoundError, APIError, ValidationError} <= kinds


# -- backoff --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "low"), [(1, 0.25), (2, 0.5), (3, 1.0), (4, 2.0), (5, 4.0), (6, 4.0), (30, 4.0)])
def test_backoff_exponential_and_capped(attempt: int, low: float) -> None:
    policy = RetryPolicy()  # base 0.5 s, cap 8 s
    assert backoff(attempt, policy, rand=0) == pytest.approx(low)
    assert backoff(attempt, policy, rand=0.999) == pytest.approx(low * 2 * 0.9995)
    assert backoff(attempt, policy, rand=0.999) < 2 * low


def test_backoff_custom_policy() -> None:
    policy = RetryPolicy(attempts=5, base=1.0, cap=3.0)
    assert [backoff(n, policy, rand=0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]
    assert backoff(1, RetryPolicy(base=0.0), rand=0.5) == 0.0


@given(attempt=st.integers(min_value=1, max_value=60), base=st.floats(0, 10), cap=st.floats(0, 60),
       rand=st.floats(0, 1, exclude_max=True))
def test_backoff_jitter_bounds(attempt: int, base: float, cap: float, rand: float) -> None:
    policy = RetryPolicy(base=base, cap=cap)
    full = min(cap, base * 2.0 ** (attempt - 1))
    wait = backoff(attempt, policy, rand=rand)
    assert 0.5 * full <= wait <= full
    assert wait <= cap


def test_backoff_random_draw_within_bounds() -> None:
    waits = [backoff(3, RetryPolicy()) for _ in range(200)]
    assert all(1.0 <= wait < 2.0 for wait in waits)
    assert len(set(waits)) > 1  # jittered


def test_backoff_capped_for_huge_attempt_numbers() -> None:
    assert backoff(2000, RetryPolicy(), rand=0) == 4.0


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base=-1)


def test_session_retry_zero_is_rejected() -> None:
    with pytest.raises(ValueError):
        Session(APPID, retry=0)


def test_session_retry_int_and_policy() -> None:
    assert Session(APPID).retry == RetryPolicy(attempts=3)
    assert Session(APPID, retry=5).retry.attempts == 5
    policy = RetryPolicy(attempts=2, base=0.1)
    assert Session(APPID, retry=policy).retry is policy


# -- the request path ------------------------------------------------------------------------------------------


@pytest.fixture
async def signed_in(user_session: Session) -> Session:
    return user_session


async def test_502_then_200_is_retried_for_a_get(
    signed_in: Session, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/app/devdata/d1/latest").mock(side_effect=[
        httpx.Response(502, text="<html>502 Bad Gateway</html>"),
        httpx.Response(200, json={"did": "d1", "updated_at": 0, "attr": {"on": True}}),
    ])
    data = await signed_in.latest("d1")
    assert data.attrs == {"on": True}
    assert route.call_count == 2
    assert backoffs(clock) == [1]  # waited once, after the first failure


@pytest.mark.parametrize("status", [503, 504])
async def test_503_504_retried_for_bindings(
    signed_in: Session, mock: respx.MockRouter, status: int
) -> None:
    route = mock.get("/app/bindings").mock(side_effect=[
        httpx.Response(status), httpx.Response(200, json={"devices": [{"did": "d1"}]})])
    assert [d.did for d in await signed_in.bindings()] == ["d1"]
    assert route.call_count == 2


@pytest.mark.parametrize("body", ["", "<html><body><h1>500 Internal Server Error</h1></body></html>",
                                  "Internal Server Error"], ids=["empty", "html", "text"])
async def test_a_bare_500_then_200_is_retried_for_a_get(
    signed_in: Session, mock: respx.MockRouter, clock: FakeClock, body: str
) -> None:
    route = mock.get("/app/devdata/d1/latest").mock(side_effect=[
        httpx.Response(500, text=body), httpx.Response(200, json={"did": "d1", "updated_at": 0, "attr": {"on": 1}})])
    assert (await signed_in.latest("d1")).attrs == {"on": 1}
    assert route.call_count == 2
    assert backoffs(clock) == [1]


async def test_a_bare_500_is_retried_for_control_which_is_safe_to_repeat(
    signed_in: Session, mock: respx.MockRouter
) -> None:
    route = mock.post("/app/control/d1").mock(side_effect=[httpx.Response(500), httpx.Response(200, json={})])
    await signed_in.control("d1", {"on": True})
    assert route.call_count == 2


async def test_a_bare_500_is_not_retried_for_create_schedule(signed_in: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/scheduler").mock(side_effect=[httpx.Response(500), httpx.Response(201, json={"id": "s"})])
    with pytest.raises(ServerError) as caught:
        await signed_in.create_schedule(time="12:00", date="2030-01-01", commands=[("d1", "pk", {"on": True})])
    assert (caught.value.status, caught.value.code, caught.value.attempts) == (500, None, 1)
    assert route.call_count == 1


async def test_a_500_with_a_gizwits_code_other_than_9008_is_not_retried(
    signed_in: Session, mock: respx.MockRouter
) -> None:
    route = mock.get("/app/devdata/d1/latest").mock(side_effect=[gizwits_error(9035, 500), httpx.Response(200)])
    with pytest.raises(ServerError) as caught:
        await signed_in.latest("d1")
    assert (caught.value.code, route.call_count) == (9035, 1)


async def test_9008_retried_for_control(signed_in: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/control/d1").mock(side_effect=[gizwits_error(9008, 500), httpx.Response(200, json={})])
    await signed_in.control("d1", {"on": True})
    assert route.call_count == 2


async def test_502_not_retried_for_register(
    session: Session, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.post("/app/users").mock(side_effect=[httpx.Response(502), httpx.Response(201, json=token_wire())])
    with pytest.raises(ServerError) as caught:
        await session.register("bob", "123456")
    assert route.call_count == 1
    assert caught.value.attempts == 1
    assert backoffs(clock) == []


@pytest.mark.parametrize("call", ["create_schedule", "send_sms_code"])
async def test_502_not_retried_for_other_unsafe_calls(
    signed_in: Session, mock: respx.MockRouter, call: str
) -> None:
    mock.post("/app/request_token").respond(200, json={"token": "app", "expired_at": 4_000_000_000})
    route = mock.post(url__regex=r"/app/(scheduler|verify/codes)$").respond(502)
    with pytest.raises(ServerError):
        if call == "create_schedule":
            await signed_in.create_schedule(time="12:00", date="2030-01-01", commands=[("d1", "pk", {"on": True})])
        else:
            await signed_in.send_sms_code("123", "cid", "code")
    assert route.call_count == 1


async def test_connect_error_is_retried_for_register(
    session: Session, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.post("/app/users").mock(side_effect=[
        httpx.ConnectError("connection refused"), httpx.Response(201, json=token_wire(token="t1"))])
    token = await session.register("bob", "123456")
    assert token.token == "t1"
    assert route.call_count == 2
    assert backoffs(clock) == [1]


async def test_read_timeout_not_retried_for_register(session: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/app/users").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TransportError) as caught:
        await session.register("bob", "123456")
    assert caught.value.sent is True
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert route.call_count == 1


async def test_read_timeout_retried_for_a_get(signed_in: Session, mock: respx.MockRouter) -> None:
    route = mock.get("/app/devdata/d1/latest").mock(side_effect=[
        httpx.ReadTimeout("slow"), httpx.Response(200, json={"did": "d1", "updated_at": 0, "attr": {}})])
    await signed_in.latest("d1")
    assert route.call_count == 2


async def test_429_retried_for_control(signed_in: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post("/app/control/d1").mock(side_effect=[
        gizwits_error(9041, 429), gizwits_error(9041, 429), httpx.Response(200, json={})])
    await signed_in.control("d1", {"on": True})
    assert route.call_count == 3
    assert backoffs(clock) == [1, 2]


async def test_429_retried_for_register(session: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    route = mock.post("/app/users").mock(side_effect=[httpx.Response(429), httpx.Response(201, json=token_wire())])
    await session.register("bob", "123456")
    assert route.call_count == 2


@pytest.mark.parametrize(("retry", "sent"), [(None, 3), (1, 1), (2, 2), (4, 4)])
async def test_attempts_limited_to_the_policy(
    client: httpx.AsyncClient, mock: respx.MockRouter, clock: FakeClock, retry: int | None, sent: int
) -> None:
    route = mock.get("/app/devdata/d1/latest").respond(502)
    async with Session(APPID, client=client, retry=retry, clock=clock) as session:
        with pytest.raises(ServerError) as caught:
            await session.latest("d1")
    assert route.call_count == sent
    assert caught.value.attempts == sent
    assert backoffs(clock) == list(range(1, sent))


async def test_transport_error_attempts_are_set(
    client: httpx.AsyncClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/app/devdata/d1/latest").mock(side_effect=httpx.ConnectError("refused"))
    async with Session(APPID, client=client, retry=2, clock=clock) as session:
        with pytest.raises(TransportError) as caught:
            await session.latest("d1")
    assert route.call_count == 2
    assert caught.value.attempts == 2
    assert caught.value.sent is False


@pytest.mark.parametrize("code", [9042, 9014, 9025, 9015])
async def test_per_device_errors_not_retried(signed_in: Session, mock: respx.MockRouter, code: int) -> None:
    route = mock.post("/app/control/d1").respond(400, json=error_body(code))
    with pytest.raises(APIError) as caught:
        await signed_in.control("d1", {"on": True})
    assert caught.value.code == code
    assert caught.value.attempts == 1
    assert route.call_count == 1


async def test_backoff_is_awaited_between_attempts_on_the_sessions_clock(
    client: httpx.AsyncClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    mock.get("/app/devdata/d1/latest").respond(503)
    policy = RetryPolicy(attempts=4, base=0.001, cap=0.003)
    async with Session(APPID, client=client, retry=policy, clock=clock,
                       token_store=MemoryTokenStore(stored_token())) as session:
        with pytest.raises(ServerError):
            await session.latest("d1")
    assert backoffs(clock, policy) == [1, 2, 3]


# -- what follows a failed attempt (a table) -----------------------------------------------------------------------

POLICY = RetryPolicy(attempts=3)
TOKEN_REJECTED = error_from_response(400, json.dumps({"error_code": 9004}).encode(), method="GET", url="/x")
BUSY = error_from_response(503, b"", method="GET", url="/x")
THROTTLED = error_from_response(429, b"", method="POST", url="/x")
OFFLINE = error_from_response(400, json.dumps({"error_code": 9042}).encode(), method="POST", url="/x")
SAFE, UNSAFE = Idempotency.SAFE, Idempotency.UNSAFE


@pytest.mark.parametrize(
    ("error", "idempotency", "failed", "can_replay", "step"),
    [
        (TOKEN_REJECTED, SAFE, 1, True, Step.REPLAY),
        (TOKEN_REJECTED, UNSAFE, 3, True, Step.REPLAY),  # a rejected token: the server did nothing
        (TOKEN_REJECTED, SAFE, 1, False, Step.RAISE),  # replayed once already, or nothing to renew
        (BUSY, SAFE, 1, True, Step.RETRY),
        (BUSY, SAFE, 2, True, Step.RETRY),
        (BUSY, SAFE, 3, True, Step.RAISE),  # the policy's attempts are used up
        (BUSY, UNSAFE, 1, True, Step.RAISE),
        (THROTTLED, UNSAFE, 1, False, Step.RETRY),
        (TransportError("refused", sent=False), UNSAFE, 2, False, Step.RETRY),
        (TransportError("reset", sent=True), UNSAFE, 1, False, Step.RAISE),
        (TransportError("reset", sent=True), SAFE, 1, False, Step.RETRY),
        (OFFLINE, SAFE, 1, True, Step.RAISE),
        (ValidationError("bad"), SAFE, 1, True, Step.RAISE),
    ],
)
def test_next_step(error: GizwitsError, idempotency: Idempotency, failed: int, can_replay: bool, step: Step) -> None:
    assert next_step(error, idempotency, failed=failed, policy=POLICY, can_replay=can_replay) is step


@pytest.mark.parametrize(
    "options",
    [{"attempts": 0}, {"attempts": 2.5}, {"attempts": True}, {"base": -1}, {"cap": float("nan")}, {"base": "1"}],
)
def test_a_bad_retry_policy_is_a_validation_error(options: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="RetryPolicy"):
        RetryPolicy(**options)  # type: ignore[arg-type]
