"""The life of a push socket against the emulator's fault knobs: heartbeat, session loss, dead sockets,
reconnect backoff, resync, token renewal, a burst against a sleeping consumer, and a clean exit."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest
from push_support import attrs_of, connected, next_event
from support import gizwits_tasks, wait_until

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.asyncio


def demo(emulator: Emulator[FakeClock]) -> object:
    return emulator.state.user("demo")


async def test_pings_keep_a_margin_and_one_loop_survives_relogins(
    emulator: Emulator[FakeClock], quick_push: gizwits.Push, dids: list[str]
) -> None:
    await quick_push.subscribe(dids[:1])
    (sock,) = emulator.push.sockets
    assert sock.heartbeat_interval == 1  # 3 x 0.3 s, in whole seconds
    for _ in range(3):
        await asyncio.sleep(0.45)
        emulator.push.expire()
        await wait_until(lambda: quick_push.connected)
    await asyncio.sleep(0.7)
    assert sock.logins == 4 and quick_push.stats.relogins == 3
    gaps = [later - earlier for earlier, later in pairwise(sock.pings)]
    assert len(sock.pings) >= 4
    assert min(gaps) > 0.2  # one ping loop: two loops would ping in pairs
    assert max(gaps) < 1.0  # well inside the declared interval, re-logins included
    assert emulator.push.stats.sockets_opened == 1  # no 1011 and no reconnect: the same socket throughout


async def test_session_loss_relogs_on_the_same_socket_without_rest_login(
    emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:1])
    await next_event(push, attrs_of(dids[0]))
    rest_logins = emulator.stats.logins
    emulator.push.expire()
    lost = await next_event(push, lambda e: isinstance(e, gizwits.ConnectionEvent))
    assert lost.state == "lost" and isinstance(lost.error, gizwits.APIError) and lost.error.code == 1009  # type: ignore[union-attr]
    await next_event(push, connected)
    await next_event(push, attrs_of(dids[0]))  # resubscribed and read again
    assert emulator.push.stats.sockets_opened == 1
    assert emulator.push.stats.logins == 2
    assert emulator.stats.logins == rest_logins
    emulator.state.control(demo(emulator), dids[0], {"brightness": 3})  # type: ignore[arg-type]
    await next_event(push, attrs_of(dids[0], brightness=3))


async def test_no_heartbeat_1011_replaces_the_socket(emulator: Emulator[FakeClock], quick_push: gizwits.Push,
                                                     dids: list[str]) -> None:
    await quick_push.subscribe(dids[:1])
    emulator.push.faults.swallow_pings = True  # the server stops crediting pings: 1011 after its interval (1 s)
    loop = asyncio.get_running_loop()
    started = loop.time()
    lost = await next_event(quick_push, lambda e: isinstance(e, gizwits.ConnectionEvent) and e.state == "lost")
    assert loop.time() - started < 2.0  # within twice the interval
    emulator.push.faults.swallow_pings = False
    await next_event(quick_push, connected, limit=2)
    assert isinstance(lost.error, gizwits.GizwitsError)  # type: ignore[union-attr]
    assert emulator.push.stats.sockets_opened == 2


async def test_silence_means_a_dead_socket(emulator: Emulator[FakeClock], quick_push: gizwits.Push,
                                           dids: list[str]) -> None:
    await quick_push.subscribe(dids[:1])
    emulator.push.faults.silent = True  # open, but nothing comes back: no pong, nothing
    loop = asyncio.get_running_loop()
    started = loop.time()
    lost = await next_event(quick_push, lambda e: isinstance(e, gizwits.ConnectionEvent) and e.state == "lost")
    assert loop.time() - started < 2.0  # within twice the interval
    assert isinstance(lost.error, gizwits.TransportError) and "nothing received" in str(lost.error)  # type: ignore[union-attr]
    emulator.push.faults.silent = False
    await next_event(quick_push, connected, limit=2)
    assert emulator.push.stats.sockets_opened == 2


async def test_reconnects_back_off_with_jitter_during_a_refusal(
    emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:1])
    await next_event(push, connected)
    emulator.push.refuse(2.5)
    emulator.push.drop()
    await wait_until(lambda: emulator.push.stats.refused >= 1)
    refused_from = emulator.push.stats.attempts[-1]
    await next_event(push, connected, limit=6)
    attempts = [at for at in emulator.push.stats.attempts if at >= refused_from]
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    assert 3 <= emulator.push.stats.refused <= 10  # about 2.5 s of 0.1, 0.2, 0.4, 0.8, 0.8... ceilings: no tight loop
    assert min(gaps) >= 0.1 / 3 * 0.9
    assert max(gaps) > 2 * gaps[0]  # the delays grow
    # and are jittered: unjittered, each gap would be at least its ceiling (0.2, 0.4, 0.8, 0.8... s from the first
    # refusal on); jittered over the upper two thirds, each falls below 0.9 of it with probability 0.85
    assert any(gap < 0.9 * min(0.8, 0.2 * 2**k) for k, gap in enumerate(gaps))


async def test_a_change_made_while_down_is_reported_after_reconnect(
    emulator: Emulator[FakeClock], session: gizwits.Session, push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:2])
    await next_event(push, connected)
    emulator.push.refuse(0.5)
    emulator.push.drop()
    await next_event(push, lambda e: isinstance(e, gizwits.ConnectionEvent) and e.state == "lost")
    await session.control(dids[0], {"mode": "heat"})  # REST works while the socket is down; no push can tell
    for _ in range(2):  # after every reconnect, as many times as it happens
        await next_event(push, connected, limit=5)
        await next_event(push, attrs_of(dids[0], mode="heat"))
        emulator.push.drop()
    assert push.stats.reconnects >= 2


async def test_a_refused_socket_login_renews_the_token_once(
    emulator: Emulator[FakeClock], session: gizwits.Session, push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:1])
    rest_logins = emulator.stats.logins
    emulator.state.revoke_tokens("demo")
    emulator.push.expire()  # the re-login on the same socket is refused: the token is dead
    await next_event(push, lambda e: isinstance(e, gizwits.ConnectionEvent) and e.state == "lost")
    await next_event(push, connected)
    assert emulator.stats.logins == rest_logins + 1  # one REST login, through the session's renewal
    assert push.stats.token_renewals == 1
    assert emulator.push.stats.login_failures == 1 and emulator.push.stats.sockets_opened == 1
    await session.control(dids[0], {"brightness": 4})  # the session took the renewed token too
    await next_event(push, attrs_of(dids[0], brightness=4))


async def test_a_burst_against_a_sleeping_consumer_stays_bounded(
    emulator: Emulator[FakeClock], make_push: object, dids: list[str]
) -> None:
    push = await make_push(max_events=1000, heartbeat=10)  # type: ignore[operator]
    await push.subscribe(dids[:2])
    await wait_until(lambda: push.stats.buffered >= 3)  # two reads and a connection event waiting
    emulator.push.burst(dids[0], 50_000)
    emulator.state.control(emulator.state.user("demo"), dids[1], {"brightness": 77})
    await wait_until(lambda: push.stats.coalesced + push.stats.buffered >= 50_000, limit=90, step=0.05)
    assert push.stats.buffered <= 1000 + 5  # the limit, plus one waiting news per device and kind
    assert push.stats.coalesced >= 50_000 - 1000
    events = []
    while push.stats.buffered:
        events.append(await anext(push))
    last = [e for e in events if isinstance(e, gizwits.AttrsEvent) and e.did == dids[0]][-1]
    assert last.attrs["counter"] == 50_000  # the newest state survived the coalescing
    assert any(isinstance(e, gizwits.AttrsEvent) and e.attrs.get("brightness") == 77 for e in events)


async def test_leaving_closes_everything_and_stops_connecting(
    emulator: Emulator[FakeClock], session: gizwits.Session, dids: list[str]
) -> None:
    async with session.push(heartbeat=0.3) as push:
        await push.subscribe(dids)
        assert len(emulator.push.sockets) == 2
    assert gizwits_tasks() == []
    await wait_until(lambda: emulator.push.sockets == [])
    with pytest.raises(StopAsyncIteration):
        await anext(push)
    attempts = len(emulator.push.stats.attempts)
    await asyncio.sleep(0.3)
    assert len(emulator.push.stats.attempts) == attempts
    assert (await session.latest(dids[0])).did == dids[0]  # the session keeps working


@pytest.mark.parametrize("stage", ["waiting for login_res", "backing off"])
async def test_cancelling_the_user_leaves_nothing(
    emulator: Emulator[FakeClock], session: gizwits.Session, dids: list[str], stage: str
) -> None:
    if stage == "waiting for login_res":
        emulator.push.faults.login_delay = 30
    else:
        emulator.push.refuse(30)
    entered = asyncio.Event()

    async def user() -> None:
        async with session.push(heartbeat=0.3, reconnect_first=5) as push:
            entered.set()
            await push.subscribe(dids[:1])

    task = asyncio.create_task(user())
    await entered.wait()
    await wait_until(lambda: len(emulator.push.stats.attempts) >= 1)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert gizwits_tasks() == []
    await wait_until(lambda: emulator.push.sockets == [])


async def test_a_healthy_socket_lost_again_and_again_returns_soon_each_time(
    emulator: Emulator[FakeClock], make_push: object, dids: list[str]
) -> None:
    push = await make_push(reconnect_first=0.3, reconnect_cap=30)  # type: ignore[operator]
    await push.subscribe(dids[:1])
    loop = asyncio.get_running_loop()
    for _ in range(4):
        await next_event(push, connected)
        dropped_at = loop.time()
        emulator.push.drop()
        await wait_until(lambda at=dropped_at: emulator.push.stats.attempts[-1] > at)  # type: ignore[misc]
        # Back to the first delay (at most 0.3 s) after every login: without the reset the fourth would wait
        # 0.8-2.4 s.
        assert emulator.push.stats.attempts[-1] - dropped_at < 0.3 + 0.2
