"""The token lifecycle: sign-in, renewal before expiry, single-flight re-login, compare-and-invalidate, stores."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from typing import Any

import httpx
import pytest
import respx

from gizwits_async import (
    AppToken,
    AuthenticationError,
    MemoryTokenStore,
    Session,
    SessionClosedError,
    Token,
    TokenError,
    TokenStore,
)
from gizwits_async.auth import TokenManager

from .conftest import APPID, FakeClock, error_body, gizwits_error, stored_token, token_wire

UTC = dt.UTC
OK = httpx.Response(200, json={})


def sent_token(call: Any) -> str:
    return str(call.request.headers.get("X-Gizwits-User-token"))


def logins(tokens: list[str], clock: FakeClock | None = None, lifetime: float = 86400.0) -> Any:
    """A /app/login side effect handing out ``tokens`` in turn (the last one again when they run out)."""
    issued = iter(tokens)
    last = [tokens[-1]]

    def answer(request: httpx.Request) -> httpx.Response:
        value = next(issued, last[0])
        return httpx.Response(200, json=token_wire(value, lifetime=lifetime, now=clock.now if clock else None))

    return answer


def accept_only(good: str) -> Any:
    """A control side effect: 200 for the ``good`` token, 9004 for any other."""
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-Gizwits-User-token") == good:
            return httpx.Response(200, json={})
        return gizwits_error(9004)
    return answer


# -- sign in and re-login after a rejection ------------------------------------------------------------------


async def test_login_signs_in_and_relogs_once_after_9004(session: Session, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2"]))
    control = mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    token = await session.login("bob", "123456")
    assert session.token == token and token.token == "t1"
    await session.control("d1", {"on": True})
    assert login.call_count == 2  # the explicit login, then exactly one re-login
    sent = [json.loads(call.request.content) for call in login.calls]
    assert sent == [{"username": "bob", "password": "123456", "lang": "en"}] * 2
    assert [sent_token(call) for call in control.calls] == ["t1", "t2"]  # replayed once
    assert session.token is not None and session.token.token == "t2"
    assert session.login_count == 1


async def test_replayed_only_once(session: Session, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2", "t3"]))
    control = mock.post("/app/control/d1").respond(400, json=error_body(9006, "token expired"))
    await session.login("bob", "123456")
    with pytest.raises(TokenError) as caught:
        await session.control("d1", {"on": True})
    assert caught.value.code == 9006
    assert control.call_count == 2
    assert login.call_count == 2


async def test_register_renews_by_password_login(session: Session, mock: respx.MockRouter) -> None:
    mock.post("/app/users").respond(201, json=token_wire("t1"))
    login = mock.post("/app/login").mock(side_effect=logins(["t2"]))
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.register_email("bob@bob.com", "pw")
    await session.control("d1", {"on": True})
    assert json.loads(login.calls.last.request.content) == {"username": "bob@bob.com", "password": "pw", "lang": "en"}


async def test_anonymous_login_renews_anonymously(session: Session, mock: respx.MockRouter) -> None:
    users = mock.post("/app/users").mock(side_effect=[httpx.Response(201, json=token_wire("t1")),
                                                      httpx.Response(201, json=token_wire("t2"))])
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.login_anonymous("apiary")
    await session.control("d1", {"on": True})
    assert [json.loads(call.request.content) for call in users.calls] == [{"phone_id": "apiary", "lang": "en"}] * 2


async def test_change_password_updates_the_renewal(session: Session, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2"]))
    mock.put("/app/users").respond(200, json={"updatedAt": "2020-01-01T00:00:00Z"})
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.login("bob", "old")
    await session.change_password("old", "new")
    await session.control("d1", {"on": True})
    assert json.loads(login.calls.last.request.content) == {"username": "bob", "password": "new", "lang": "en"}


async def test_upgrade_anonymous_renews_with_the_new_password(session: Session, mock: respx.MockRouter) -> None:
    mock.post("/app/users").respond(201, json=token_wire("t1"))
    mock.put("/app/users").respond(200, json={"updatedAt": "2020-01-01T00:00:00Z"})
    login = mock.post("/app/login").mock(side_effect=logins(["t2"]))
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.login_anonymous("apiary")
    await session.upgrade_anonymous("bob", "pw")
    await session.control("d1", {"on": True})
    assert json.loads(login.calls.last.request.content) == {"username": "bob", "password": "pw", "lang": "en"}


async def test_not_signed_in_raises_token_error_without_request(session: Session, mock: respx.MockRouter) -> None:
    route = mock.route().respond(200, json={})
    with pytest.raises(TokenError):
        await session.control("d1", {"on": True})
    assert route.call_count == 0


# -- renewal before expiry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lifetime", "renewed_after", "kept_after"),
                         [(100.0, 95.0, 85.0), (7 * 86400.0, 7 * 86400.0 - 59, 7 * 86400.0 - 61), (2.0, 1.9, 1.7)])
async def test_refresh_before_expiry(
    session: Session, mock: respx.MockRouter, clock: FakeClock, lifetime: float, renewed_after: float,
    kept_after: float,
) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2"], clock, lifetime))
    control = mock.post("/app/control/d1").mock(return_value=OK)
    await session.login("bob", "123456")
    clock.advance(kept_after)
    await session.control("d1", {"on": True})
    assert login.call_count == 1  # not yet within the margin
    clock.advance(renewed_after - kept_after)
    await session.control("d1", {"on": True})
    assert login.call_count == 2  # renewed before the call was sent...
    assert [sent_token(call) for call in control.calls] == ["t1", "t2"]  # ...so it never went out with t1


async def test_expired_token_is_renewed_before_the_call(
    session: Session, mock: respx.MockRouter, clock: FakeClock
) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2"], clock, 3600))
    control = mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.login("bob", "123456")
    clock.advance(10_000)
    await session.control("d1", {"on": True})
    assert login.call_count == 2
    assert [sent_token(call) for call in control.calls] == ["t2"]


async def test_two_second_token_real_clock(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=lambda request: httpx.Response(
        200, json=token_wire(f"t{time.monotonic()}", lifetime=2.0)))
    control = mock.post("/app/control/d1").mock(return_value=OK)
    started = time.monotonic()
    async with Session(APPID, client=client) as session:  # the system clock
        await session.login("bob", "123456")
        for _ in range(20):
            await session.control("d1", {"on": True})
    assert time.monotonic() - started < 1.0
    assert control.call_count == 20
    assert login.call_count <= 2  # at most one extra login for 20 calls


async def test_two_second_token_no_login_per_call(session: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    login = mock.post("/app/login").mock(side_effect=logins([f"t{i}" for i in range(10)], clock, 2.0))
    control = mock.post("/app/control/d1").mock(return_value=OK)
    await session.login("bob", "123456")
    for _ in range(20):  # 20 calls over 0.95 s
        await session.control("d1", {"on": True})
        clock.advance(0.05)
    assert login.call_count == 1
    clock.advance(0.9)  # 1.85 s after sign-in: within the 0.2 s margin
    for _ in range(20):
        await session.control("d1", {"on": True})
    assert login.call_count == 2  # one renewal, then the new token serves every call
    assert {sent_token(call) for call in control.calls[20:]} == {"t1"}
    assert control.call_count == 40


# -- single flight -----------------------------------------------------------------------------------------------


async def test_9004_storm_single_login(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    callers = 200
    # Every caller in flight at once (the session lets max_concurrency user calls out at a time).
    session = Session(APPID, client=client, max_concurrency=callers)
    arrived = 0
    all_sent = asyncio.Event()

    async def control_answer(request: httpx.Request) -> httpx.Response:
        nonlocal arrived
        if request.headers["X-Gizwits-User-token"] == "new":
            return httpx.Response(200, json={})
        arrived += 1
        if arrived == callers:
            all_sent.set()
        await all_sent.wait()  # every caller has sent with the old token before any answer comes back
        return gizwits_error(9004)

    login = mock.post("/app/login").mock(side_effect=logins(["old", "new"]))
    control = mock.post(url__regex=r"/app/control/d\d+$").mock(side_effect=control_answer)
    await session.login("bob", "123456")
    async with asyncio.timeout(10):
        results = await asyncio.gather(*(session.control(f"d{i}", {"on": True}) for i in range(callers)))
    assert results == [None] * callers
    assert login.call_count == 2  # the explicit login and exactly one renewal
    assert session.login_count == 1
    assert control.call_count == 2 * callers
    assert sorted(sent_token(call) for call in control.calls) == ["new"] * callers + ["old"] * callers


async def test_calls_queued_behind_a_renewal_send_the_new_token(
    client: httpx.AsyncClient, mock: respx.MockRouter
) -> None:
    # 2 slots, 40 callers: the first two are rejected; the 38 queued behind them wait for the renewal and send
    # the new token instead of being rejected too. Callers that wait for the renewal hold no slot meanwhile, so
    # the sign-in that renews the token gets one (else: deadlock, caught by the timeout).
    session = Session(APPID, client=client, max_concurrency=2)

    async def control_answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return httpx.Response(200, json={}) if request.headers["X-Gizwits-User-token"] == "new" else gizwits_error(9004)

    mock.post("/app/login").mock(side_effect=logins(["old", "new"]))
    control = mock.post(url__regex=r"/app/control/d\d+$").mock(side_effect=control_answer)
    await session.login("bob", "123456")
    async with asyncio.timeout(10):
        results = await asyncio.gather(*(session.control(f"d{i}", {"on": True}) for i in range(40)))
    assert results == [None] * 40
    assert session.login_count == 1
    assert sorted(sent_token(call) for call in control.calls) == ["new"] * 40 + ["old"] * 2


async def test_stale_token_storm_single_login(session: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2", "t3"], clock, 100))
    mock.post(url__regex=r"/app/control/").mock(return_value=OK)
    await session.login("bob", "123456")
    clock.advance(99)
    await asyncio.gather(*(session.control(f"d{i}", {"on": True}) for i in range(50)))
    assert login.call_count == 2


async def test_compare_and_invalidate(session: Session, mock: respx.MockRouter) -> None:
    arrived, release = asyncio.Event(), asyncio.Event()

    async def control_answer(request: httpx.Request) -> httpx.Response:
        if request.headers["X-Gizwits-User-token"] == "t1":
            arrived.set()
            await release.wait()
            return gizwits_error(9004)
        return httpx.Response(200, json={})

    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2", "t3"]))
    control = mock.post("/app/control/d1").mock(side_effect=control_answer)
    await session.login("bob", "123456")
    pending = asyncio.create_task(session.control("d1", {"on": True}))
    await arrived.wait()
    await session.login("bob", "123456")  # a new token exists before the old one's rejection comes back
    release.set()
    await pending
    assert login.call_count == 2  # the rejection of t1 did not sign in again
    assert session.login_count == 0
    assert [sent_token(call) for call in control.calls] == ["t1", "t2"]
    assert session.token is not None and session.token.token == "t2"


async def test_token_manager_compare_and_invalidate_unit() -> None:
    renewed: list[int] = []

    async def renewer() -> Token:
        renewed.append(1)
        return stored_token("t3")

    manager = TokenManager(MemoryTokenStore(), login_backoff=300)
    old, new = stored_token("t1"), stored_token("t2")
    await manager.signed_in(old, renewer)
    await manager.signed_in(new, renewer)
    rejection = TokenError("token invalid", code=9004, status=400)
    assert await manager.renew_after_rejection(old, rejection) == new
    assert renewed == []
    assert (await manager.renew_after_rejection(new, rejection)).token == "t3"
    assert renewed == [1]


# -- sessions that cannot renew ---------------------------------------------------------------------------------


async def test_for_user_never_logs_in(session: Session, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").respond(200, json=token_wire())
    users = mock.post("/app/users").respond(201, json=token_wire())
    control = mock.post("/app/control/d1").mock(side_effect=accept_only("tok"))
    alice = session.for_user(("tok", "uid"))
    await alice.control("d1", {"on": True})
    assert sent_token(control.calls.last) == "tok"
    assert alice.token is not None and alice.token.uid == "uid"
    control.mock(side_effect=None, return_value=gizwits_error(9004))
    with pytest.raises(TokenError) as caught:
        await alice.control("d1", {"on": True})
    assert caught.value.code == 9004
    assert login.call_count == 0 and users.call_count == 0
    assert session.token is None  # the parent is untouched


async def test_for_user_token_error_counts_its_attempt(session: Session, mock: respx.MockRouter) -> None:
    mock.post("/app/control/d1").mock(return_value=gizwits_error(9004))
    with pytest.raises(TokenError) as caught:
        await session.for_user(("tok", "uid")).control("d1", {"on": True})
    assert caught.value.attempts == 1


async def test_for_user_shares_the_pool_and_closes_nothing(
    client: httpx.AsyncClient, mock: respx.MockRouter
) -> None:
    mock.post("/app/control/d1").mock(return_value=OK)
    parent = Session(APPID, client=client)
    async with parent.for_user(Token("uid", "tok", dt.datetime(2100, 1, 1, tzinfo=UTC))) as alice:
        await alice.control("d1", {"on": True})
    assert alice.closed and not parent.closed and not client.is_closed
    bob = parent.for_user(("tok2", "uid2"))
    await bob.control("d1", {"on": True})
    await parent.aclose()


async def test_for_user_can_renew_after_login(session: Session, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").mock(side_effect=logins(["t1", "t2"]))
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    alice = session.for_user(("stale", "uid"))
    await alice.login("alice", "pw")  # now alice knows how to renew
    await alice.control("d1", {"on": True})
    assert login.call_count == 2


# -- failed logins are not hammered ----------------------------------------------------------------------------


async def test_no_relogin_loop_after_9020(session: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    login = mock.post("/app/login").mock(side_effect=[
        httpx.Response(200, json=token_wire("t1", now=clock.now)),
        httpx.Response(400, json=error_body(9020, "username or password error!")),
        httpx.Response(200, json=token_wire("t2", now=clock.now)),
    ])
    control = mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    await session.login("bob", "123456")
    with pytest.raises(AuthenticationError) as first:
        await session.control("d1", {"on": True})  # 9004, then the re-login is refused
    assert first.value.code == 9020
    assert (login.call_count, control.call_count) == (2, 1)

    with pytest.raises(AuthenticationError) as second:
        await session.control("d1", {"on": True})
    assert second.value.code == 9020
    assert second.value is first.value  # the same error, not a new login
    assert (login.call_count, control.call_count) == (2, 1)  # nothing was sent

    await session.login("bob", "123456")  # an explicit login goes through
    await session.control("d1", {"on": True})
    assert login.call_count == 3
    assert sent_token(control.calls.last) == "t2"


async def test_automatic_login_resumes_after_login_backoff(
    client: httpx.AsyncClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    login = mock.post("/app/login").mock(side_effect=[
        httpx.Response(200, json=token_wire("t1", now=clock.now)),
        httpx.Response(400, json=error_body(9020)),
        httpx.Response(200, json=token_wire("t2", now=clock.now)),
    ])
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    async with Session(APPID, client=client, login_backoff=60, clock=clock) as session:
        await session.login("bob", "123456")
        with pytest.raises(AuthenticationError):
            await session.control("d1", {"on": True})
        clock.advance(30)
        with pytest.raises(AuthenticationError):
            await session.control("d1", {"on": True})
        assert login.call_count == 2
        clock.advance(31)
        await session.control("d1", {"on": True})
        assert login.call_count == 3


async def test_failed_login_is_not_retried(session: Session, mock: respx.MockRouter, clock: FakeClock) -> None:
    login = mock.post("/app/login").respond(400, json=error_body(9005, "user not exist"))
    with pytest.raises(AuthenticationError) as caught:
        await session.login("bob", "123456")
    assert caught.value.code == 9005
    assert login.call_count == 1 and clock.slept == []
    assert session.token is None


# -- expire_at --------------------------------------------------------------------------------------------------


async def test_expire_at_in_milliseconds(session: Session, mock: respx.MockRouter) -> None:
    expires = time.time() + 3600
    mock.post("/app/login").respond(200, json={"uid": "u", "token": "t", "expire_at": int(expires * 1000)})
    token = await session.login("bob", "123456")
    assert expires > 1e9 and expires * 1000 > 1e11
    assert abs(token.expire_at.timestamp() - expires) < 1
    assert 3590 < token.expires_in() <= 3600
    assert token.expire_at.tzinfo is not None and token.expire_at.utcoffset() == dt.timedelta(0)


async def test_expire_at_in_seconds_and_as_string(session: Session, mock: respx.MockRouter) -> None:
    mock.post("/app/login").mock(side_effect=[
        httpx.Response(200, json={"uid": "u", "token": "t", "expire_at": 1_900_000_000}),
        httpx.Response(200, json={"uid": "u", "token": "t", "expire_at": "1900000000"}),
    ])
    for _ in range(2):
        token = await session.login("bob", "123456")
        assert token.expire_at == dt.datetime.fromtimestamp(1_900_000_000, UTC)


def test_expires_in_with_now() -> None:
    token = Token("u", "t", dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert token.expires_in(dt.datetime(2029, 12, 31, 23, 59, tzinfo=UTC)) == 60.0


# -- app tokens ---------------------------------------------------------------------------------------------------


async def test_rejected_app_token_is_fetched_again_once(session: Session, mock: respx.MockRouter) -> None:
    later = int(time.time()) + 7200
    fetch = mock.post("/app/request_token").mock(side_effect=[
        httpx.Response(200, json={"token": "a1", "expired_at": later}),
        httpx.Response(200, json={"token": "a2", "expired_at": later}),
    ])
    captcha = mock.get("/app/verify/codes").mock(side_effect=lambda request: (
        httpx.Response(200, json={"captcha_id": "c", "captcha_url": "u"})
        if request.headers["X-Gizwits-Application-Token"] == "a2" else gizwits_error(9004)))
    assert (await session.captcha()).captcha_id == "c"
    assert fetch.call_count == 2
    assert [call.request.headers["X-Gizwits-Application-Token"] for call in captcha.calls] == ["a1", "a2"]


async def test_expired_app_token_is_fetched_again(session: Session, mock: respx.MockRouter,
                                                  clock: FakeClock) -> None:
    fetch = mock.post("/app/request_token").mock(side_effect=lambda request: httpx.Response(
        200, json={"token": "a", "expired_at": clock.now + 7200}))
    await session.app_token()
    clock.advance(3600)
    await session.app_token()
    assert fetch.call_count == 1
    clock.advance(3601)
    await session.app_token()
    assert fetch.call_count == 2


async def test_app_token_near_expiry_is_fetched_again(session: Session, mock: respx.MockRouter,
                                                      clock: FakeClock) -> None:
    fetch = mock.post("/app/request_token").mock(side_effect=lambda request: httpx.Response(
        200, json={"token": "a", "expired_at": clock.now + 7200}))
    await session.app_token()
    clock.advance(7200 - 61)
    await session.app_token()
    assert fetch.call_count == 1
    clock.advance(60)  # 1 s before expiry of a 2-hour token: within any margin
    await session.app_token()
    assert fetch.call_count == 2


# -- token stores ----------------------------------------------------------------------------------------------


class RecordingStore:
    def __init__(self, token: Token | None = None) -> None:
        self.token = token
        self.loads = 0
        self.saved: list[str] = []

    async def load(self) -> Token | None:
        self.loads += 1
        return self.token

    async def save(self, token: Token) -> None:
        self.saved.append(token.token)
        self.token = token


async def test_token_store_loaded_on_open(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    login = mock.post("/app/login").respond(200, json=token_wire())
    control = mock.post("/app/control/d1").mock(return_value=OK)
    store = RecordingStore(stored_token("stored"))
    assert isinstance(store, TokenStore)
    async with Session(APPID, client=client, token_store=store) as session:
        assert store.loads == 1
        assert session.token == store.token
        await session.control("d1", {"on": True})
        await session.control("d1", {"on": True})
    assert store.loads == 1
    assert login.call_count == 0
    assert [sent_token(call) for call in control.calls] == ["stored", "stored"]


async def test_token_store_loaded_by_the_first_request(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    control = mock.post("/app/control/d1").mock(return_value=OK)
    store = RecordingStore(stored_token("stored"))
    session = Session(APPID, client=client, token_store=store)  # no `async with`
    await session.control("d1", {"on": True})
    assert sent_token(control.calls.last) == "stored"
    await session.aclose()
    with pytest.raises(SessionClosedError):
        await session.control("d1", {"on": True})
    assert control.call_count == 1


async def test_token_store_saves_every_new_token(client: httpx.AsyncClient, mock: respx.MockRouter) -> None:
    mock.post("/app/login").mock(side_effect=logins(["t1", "t2"]))
    mock.post("/app/users").respond(201, json=token_wire("t3"))
    mock.post("/app/control/d1").mock(side_effect=accept_only("t2"))
    store = RecordingStore()
    async with Session(APPID, client=client, token_store=store) as session:
        await session.login("bob", "123456")
        assert store.saved == ["t1"]
        await session.control("d1", {"on": True})  # 9004 -> re-login
        assert store.saved == ["t1", "t2"]
        await session.register("carol", "pw")
        assert store.saved == ["t1", "t2", "t3"]


# -- secrets never show -------------------------------------------------------------------------------------


def test_token_repr_hides_the_value() -> None:
    token = Token("uid-1", "SECRET-TOKEN-VALUE", dt.datetime(2030, 1, 1, tzinfo=UTC))
    app_token = AppToken("SECRET-APP-TOKEN", dt.datetime(2030, 1, 1, tzinfo=UTC))
    for text in (repr(token), str(token), repr(app_token), str(app_token), repr(MemoryTokenStore(token))):
        assert "SECRET" not in text
    assert "uid-1" in repr(token)


async def test_session_repr_hides_tokens_and_secret(
    client: httpx.AsyncClient, mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    import hashlib

    mock.post("/app/login").respond(200, json=token_wire("SECRET-USER-TOKEN"))
    mock.post("/app/request_token").respond(200, json={"token": "SECRET-APP-TOKEN", "expired_at": 4_000_000_000})
    mock.get("/app/verify/codes").respond(200, json={"captcha_id": "c", "captcha_url": "u"})
    app_secret = "SECRET-APP-SECRET"
    signature = hashlib.md5((APPID + app_secret).encode()).hexdigest()
    with caplog.at_level(logging.DEBUG, logger="gizwits_async"):
        async with Session(APPID, client=client, app_secret=app_secret) as session:
            await session.login("bob", "SECRET-PASSWORD")
            await session.captcha()
            texts = [repr(session), str(session), repr(session.for_user(("SECRET-OTHER", "u2")))]
    texts.append(caplog.text)
    assert "POST /app/login" in caplog.text  # the requests were logged...
    for text in texts:  # ...without a credential
        assert "SECRET" not in text
        assert signature not in text
    assert "uid" in texts[0]
