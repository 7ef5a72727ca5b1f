"""Login protection: after a rejected password the session does not sign in again by itself for `login_backoff`.

Callers waiting on that login all get the same `AuthenticationError`; an explicit `login()` always goes through.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from support import MakeSession, change_password_elsewhere, requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.emulator.errors import ApiError

Fake = Emulator[FakeClock]


def test_default_login_backoff_is_five_minutes() -> None:
    assert inspect.signature(gizwits.Session).parameters["login_backoff"].default == 300.0
    assert gizwits.Session("demo-appid")._auth.login_backoff == 300.0


async def test_rejected_password_blocks_automatic_logins_for_the_backoff(
    session: gizwits.Session, emulator: Fake, dids: list[str]
) -> None:
    change_password_elsewhere(emulator)
    logins = emulator.stats.logins

    # 100 callers find the token dead at once: one login attempt, one error for all of them.
    results = await asyncio.gather(*(session.control(dids[i % len(dids)], {"switch": True}) for i in range(100)),
                                   return_exceptions=True)
    assert all(isinstance(r, gizwits.AuthenticationError) for r in results)
    assert len({id(r) for r in results}) == 1
    error = results[0]
    assert isinstance(error, gizwits.AuthenticationError) and error.code == gizwits.ErrorCode.USERNAME_PASSWORD_ERROR
    assert emulator.stats.logins - logins == 1 and emulator.stats.login_failures == 1

    # Later callers, one at a time, within the back-off: the same error, and no request to /app/login.
    later = [session.control(did, {"switch": True}) for did in dids[:5]] + [session.bindings(), session.schedules()]
    for call in later:
        with pytest.raises(gizwits.AuthenticationError) as raised:
            await call
        assert raised.value is error
    assert emulator.stats.logins - logins == 1 and session.login_count == 1

    # An explicit login always goes through, even a wrong one during the block...
    with pytest.raises(gizwits.AuthenticationError) as wrong:
        await session.login("demo", "demo-password")
    assert wrong.value is not error and wrong.value.code == 9020
    assert emulator.stats.logins - logins == 2
    # ...and a right one lifts the block.
    token = await session.login("demo", "changed-elsewhere")
    assert session.token == token
    await session.control(dids[0], {"switch": False})
    assert emulator.stats.logins - logins == 3 and emulator.stats.login_failures == 2


async def test_automatic_login_is_tried_again_once_the_backoff_has_passed(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(login_backoff=0.3)
    change_password_elsewhere(emulator)
    logins = emulator.stats.logins

    first = await session.control_many({did: {"switch": True} for did in dids}, concurrency=10)
    assert {id(o.error) for o in first.outcomes} == {id(first.outcomes[0].error)}
    assert isinstance(first.outcomes[0].error, gizwits.AuthenticationError)
    assert emulator.stats.logins - logins == 1
    sent = requests_sent(emulator, "C1")
    assert 1 <= sent <= 10  # only the first wave reached the server; the rest failed without a request

    await asyncio.sleep(0.35)
    emulator.state.change_password("demo", "demo-password")  # the password is right again
    second = await session.control_many({did: {"switch": True} for did in dids}, concurrency=10)
    assert second.ok
    assert emulator.stats.logins - logins == 2 and session.login_count == 2
    assert requests_sent(emulator, "C1") - sent == len(dids)


def traceback_depth(error: BaseException) -> int:
    depth, tb = 0, error.__traceback__
    while tb is not None:
        depth, tb = depth + 1, tb.tb_next
    return depth


async def test_a_failing_renewal_is_shared_by_its_waiters_not_repeated_by_each(
    session: gizwits.Session, emulator: Fake, dids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transient failure of the re-login (here 9008 three times) is no reason for each waiter to log in again."""

    def failing_login(username: str, password: str) -> None:
        raise ApiError(9008)

    emulator.state.revoke_tokens("demo")
    monkeypatch.setattr(emulator.state, "login", failing_login)
    logins = emulator.stats.logins

    results = await asyncio.gather(*(session.control(dids[i % len(dids)], {"switch": True}) for i in range(200)),
                                   return_exceptions=True)
    assert all(isinstance(r, gizwits.ServerError) and r.code == 9008 for r in results)
    assert len({id(r) for r in results}) == 1  # one failed login, its error handed to every waiter
    assert emulator.stats.logins - logins == session.retry.attempts == 3  # one renewal, retried by the policy
    assert session.login_count == 1
    assert traceback_depth(results[0]) < 30  # a shared error does not collect every caller's frames

    # A transient failure does not block: the next caller signs in again once the server is back.
    monkeypatch.undo()
    await session.control(dids[0], {"switch": True})
    assert emulator.stats.logins - logins == 4 and session.login_count == 2


async def test_a_shared_authentication_error_keeps_a_short_traceback(
    make_session: MakeSession, emulator: Fake, dids: list[str]
) -> None:
    session = await make_session(max_concurrency=50)
    change_password_elsewhere(emulator)
    report = await session.control_many([(dids[i % len(dids)], {"switch": True}) for i in range(3000)],
                                        concurrency=50)
    errors = {id(o.error): o.error for o in report.outcomes}
    assert len(errors) == 1 and isinstance(report.outcomes[0].error, gizwits.AuthenticationError)
    assert traceback_depth(report.outcomes[0].error) < 30  # not 5 frames for each of the 3,000 callers
