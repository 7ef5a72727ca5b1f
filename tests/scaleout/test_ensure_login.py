"""`Session.ensure_login`: keep a usable token, adopt the store's, else sign in (once, under the store's lock)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from support import FAST_RETRY

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock


def _issued(emulator: Emulator[FakeClock]) -> gizwits.Token:
    issued = emulator.state.login("demo", "demo-password")
    return gizwits.Token(issued.uid, issued.token, dt.datetime.fromtimestamp(issued.expire_at, dt.UTC))


def _session(base_url: str, store: gizwits.TokenStore | None = None) -> gizwits.Session:
    return gizwits.Session("demo-appid", base_url=base_url, token_store=store, retry=FAST_RETRY)


async def test_a_usable_stored_token_is_adopted_without_a_login(emulator: Emulator[FakeClock], base_url: str) -> None:
    token = _issued(emulator)
    async with _session(base_url, gizwits.MemoryTokenStore(token)) as session:
        assert await session.ensure_login("demo", "demo-password") == token
        assert len(await session.bindings()) == 20
    assert emulator.stats.logins == 0


async def test_an_empty_store_means_one_login_then_none(emulator: Emulator[FakeClock], base_url: str) -> None:
    store = gizwits.MemoryTokenStore()
    async with _session(base_url, store) as session:
        token = await session.ensure_login("demo", "demo-password")
        assert await session.ensure_login("demo", "demo-password") == token
        assert store.token == token
    assert emulator.stats.logins == 1


async def test_a_token_expired_by_our_clock_is_not_sent_but_replaced(
    emulator: Emulator[FakeClock], base_url: str
) -> None:
    expired = gizwits.Token("uid", "old", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    async with _session(base_url, gizwits.MemoryTokenStore(expired)) as session:
        token = await session.ensure_login("demo", "demo-password")
        assert token != expired
    assert emulator.stats.logins == 1 and sum(emulator.stats.requests.values()) == 1


async def test_login_always_signs_in(emulator: Emulator[FakeClock], base_url: str) -> None:
    async with _session(base_url, gizwits.MemoryTokenStore(_issued(emulator))) as session:
        await session.login("demo", "demo-password")
    assert emulator.stats.logins == 1


async def test_the_remembered_credentials_renew_a_rejected_token(emulator: Emulator[FakeClock], base_url: str) -> None:
    async with _session(base_url, gizwits.MemoryTokenStore(_issued(emulator))) as session:
        await session.ensure_login("demo", "demo-password")
        emulator.state.revoke_tokens("demo")
        assert len(await session.bindings()) == 20
        assert session.login_count == 1
    assert emulator.stats.logins == 1


async def test_a_wrong_password_raises_and_bad_input_sends_nothing(
    emulator: Emulator[FakeClock], base_url: str
) -> None:
    async with _session(base_url) as session:
        with pytest.raises(gizwits.AuthenticationError):
            await session.ensure_login("demo", "wrong")
        with pytest.raises(gizwits.TokenError, match="not signed in"):
            await session.bindings()  # the refused credentials were not kept for renewals
        with pytest.raises(gizwits.ValidationError):
            await session.ensure_login("demo", "")
    assert emulator.stats.logins == 1


async def test_sessions_of_one_loop_sharing_a_file_store_sign_in_once(
    emulator: Emulator[FakeClock], base_url: str, tmp_path: Path
) -> None:
    sessions = [_session(base_url, gizwits.FileTokenStore(tmp_path / "token.json")) for _ in range(6)]
    try:
        tokens = await asyncio.gather(*(s.ensure_login("demo", "demo-password") for s in sessions))
    finally:
        for session in sessions:
            await session.aclose()
    assert emulator.stats.logins == 1 and len(set(tokens)) == 1
