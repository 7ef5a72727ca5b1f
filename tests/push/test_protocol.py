"""Push against the emulator on loopback: the order of a session, typed events, the frames commands send,
one socket per (host, port)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import attrs
import httpx
import pytest
from push_support import FAST, attrs_of, next_event
from support import wait_until

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.push.client import socket_url

pytestmark = pytest.mark.asyncio


async def test_nothing_is_sent_before_login_res(emulator: Emulator[FakeClock], push: gizwits.Push,
                                                dids: list[str]) -> None:
    emulator.push.faults.login_delay = 0.3
    result = await push.subscribe(dids[:1])
    assert result.success == dids[:1] and result.failed == {}
    await next_event(push, attrs_of(dids[0]))
    (sock,) = emulator.push.sockets
    (login_at, first), *rest = sock.received
    assert first == "login_req"
    assert [cmd for _, cmd in rest[:2]] == ["subscribe_req", "c2s_read"]
    assert all(at >= login_at + 0.3 for at, _ in rest)  # nothing but login_req until login_res was sent


async def test_subscribe_reads_every_device_and_reports_refusals(
    emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]
) -> None:
    stranger = emulator.state.add_device()  # exists, but not bound to demo
    records = {d.did: d for d in await push.session.bindings()}
    emulator.state.bind("demo", stranger.did)
    stranger_record = (await push.session.bindings(limit=20))[-1]
    emulator.state.unbind_devices(emulator.state.user("demo"), [stranger.did])
    result = await push.subscribe([records[dids[0]], dids[1], stranger_record])
    assert result.success == [dids[0], dids[1]]
    assert set(result.failed) == {stranger.did}
    assert isinstance(result.failed[stranger.did], gizwits.APIError)
    seen = {(await next_event(push, lambda e: isinstance(e, gizwits.AttrsEvent))).did for _ in range(2)}
    assert seen == {dids[0], dids[1]}


async def test_a_did_not_bound_fails_without_a_socket(emulator: Emulator[FakeClock], push: gizwits.Push) -> None:
    result = await push.subscribe(["NotBoundToDemoAtAll123"])
    assert result.success == [] and set(result.failed) == {"NotBoundToDemoAtAll123"}
    assert emulator.push.stats.sockets_opened == 0


async def test_events_are_typed_and_decoded(
    emulator: Emulator[FakeClock], session: gizwits.Session, push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:2])
    first = await next_event(push, attrs_of(dids[0]))
    assert isinstance(first, gizwits.AttrsEvent) and first.attrs["color"] == b"\xff\xff\xff"  # bytes, not a list
    assert first.at.tzinfo is not None
    await session.control(dids[0], {"switch": True, "color": b"\x01\x02\x03"})
    changed = await next_event(push, attrs_of(dids[0], switch=True))
    assert isinstance(changed, gizwits.AttrsEvent) and changed.attrs["color"] == b"\x01\x02\x03"
    emulator.state.set_online(dids[1], False)
    offline = await next_event(push, lambda e: isinstance(e, gizwits.OnlineEvent))
    assert offline == gizwits.OnlineEvent(dids[1], offline.at, False)
    await session.unbind([dids[1]])
    unbound = await next_event(push, lambda e: isinstance(e, gizwits.BindingEvent))
    assert (unbound.did, unbound.bound) == (dids[1], False)  # type: ignore[union-attr]
    await push.write_raw(dids[0], b"\x00\x00\x00\x03\x02\x00\x00\x90")
    raw = await next_event(push, lambda e: isinstance(e, gizwits.RawEvent))
    assert raw == gizwits.RawEvent(dids[0], raw.at, b"\x00\x00\x00\x03\x02\x00\x00\x90")


async def test_write_and_read_frames(emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]) -> None:
    await push.subscribe(dids[:1])
    await push.write(dids[0], {"mode": "cool", "color": b"\x0a\x0b\x0c"})
    event = await next_event(push, attrs_of(dids[0], mode="cool"))
    assert isinstance(event, gizwits.AttrsEvent) and event.attrs == {"mode": "cool", "color": b"\x0a\x0b\x0c"}
    assert emulator.state.devices[dids[0]].attrs["color"] == "0a0b0c"  # went out as a byte array, stored as hex
    (sock,) = emulator.push.sockets
    reads = sock.received.count
    await push.read(dids[0])
    await next_event(push, attrs_of(dids[0], mode="cool"))
    assert [cmd for _, cmd in sock.received].count("c2s_read") == 2
    assert reads  # the socket's log is the one the commands reached


async def test_write_checks_values_before_sending(emulator: Emulator[FakeClock], push: gizwits.Push,
                                                  dids: list[str]) -> None:
    await push.subscribe(dids[:1])
    before = emulator.push.stats.frames_in["c2s_write"]
    with pytest.raises(gizwits.ValidationError):
        await push.write(dids[0], {})
    with pytest.raises(gizwits.ValidationError):
        await push.write(dids[0], {"brightness": float("nan")})
    with pytest.raises(gizwits.ValidationError):
        await push.write_raw(dids[0], [256])
    with pytest.raises(gizwits.ValidationError):
        await push.write(dids[1], {"switch": True})  # not subscribed on this push
    assert emulator.push.stats.frames_in["c2s_write"] == before


async def test_a_refused_write_is_survived(emulator: Emulator[FakeClock], push: gizwits.Push,
                                           dids: list[str]) -> None:
    await push.subscribe(dids[:1])
    await push.write(dids[0], {"temp": 30})  # read-only: the server answers s2c_invalid_msg
    await wait_until(lambda: emulator.push.stats.frames_out["s2c_invalid_msg"] == 1)
    await push.write(dids[0], {"brightness": 7})
    await next_event(push, attrs_of(dids[0], brightness=7))
    assert emulator.push.stats.sockets_opened == 1 and push.stats.relogins == 0


async def test_devices_on_two_ports_get_two_sockets(emulator: Emulator[FakeClock], session: gizwits.Session,
                                                    push: gizwits.Push, dids: list[str]) -> None:
    records = await session.bindings()
    ports = {record.ws_port for record in records}
    assert len(ports) == 2
    result = await push.subscribe(records)
    assert sorted(result.success) == sorted(dids)
    assert emulator.push.stats.sockets_opened == 2
    by_port = {sock.port: sock.subscribed for sock in emulator.push.sockets}
    assert by_port == {port: {r.did for r in records if r.ws_port == port} for port in ports}
    assert push.connected
    emulator.state.control(emulator.state.user("demo"), dids[1], {"brightness": 9})  # lives on the second port
    await next_event(push, attrs_of(dids[1], brightness=9))


async def test_the_scheme_follows_the_base_url(session: gizwits.Session) -> None:
    device = (await session.bindings())[0]
    assert socket_url(device, secure=False) == f"ws://{device.host}:{device.ws_port}/ws/app/v1"
    assert socket_url(device, secure=True) == f"wss://{device.host}:{device.wss_port}/ws/app/v1"
    for literal in ("::1", "[::1]"):  # an IPv6 address is bracketed in the URL, once
        assert socket_url(attrs.evolve(device, host=literal), secure=False) == f"ws://[::1]:{device.ws_port}/ws/app/v1"
    record = attrs.evolve(device, ws_port=1, wss_port=2)  # closed ports: the attempts fail at once
    async with session.push() as plain:
        await plain.want([record])
        assert plain.url_of(record.did) == f"ws://{device.host}:1/ws/app/v1"
    async with gizwits.Session("demo-appid", base_url="https://example.invalid") as https, https.push() as secure:
        await secure.want([record])
        assert secure.url_of(record.did) == f"wss://{device.host}:2/ws/app/v1"


async def test_a_device_without_push_address_is_refused(session: gizwits.Session, push: gizwits.Push) -> None:
    device = attrs.evolve((await session.bindings())[0], ws_port=None)
    result = await push.subscribe([device])
    assert result.success == [] and isinstance(result.failed[device.did], gizwits.ValidationError)


async def test_events_arrive_in_order(emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]) -> None:
    await push.subscribe(dids[:1])
    await next_event(push, attrs_of(dids[0]))
    for value in range(1, 21):
        emulator.state.control(emulator.state.user("demo"), dids[0], {"brightness": value})
    values = []
    async with asyncio.timeout(5):
        async for event in push:
            values.append(event.attrs["brightness"])  # type: ignore[union-attr]
            if len(values) == 20:
                break
    assert values == list(range(1, 21))


async def test_sockets_go_through_a_lent_aiohttp_session(base_url: str, dids: list[str]) -> None:
    urls: list[str] = []

    async def on_request_start(session: object, context: object, params: aiohttp.TraceRequestStartParams) -> None:
        urls.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as http:
        async with gizwits.Session("demo-appid", base_url=base_url, client=http) as session:
            await session.login("demo", "demo-password")
            async with session.push(**FAST) as push:
                assert (await push.subscribe(dids[:1])).success == dids[:1]
        assert not http.closed  # lent: never closed by the session or the push
    assert any(url.endswith("/ws/app/v1") for url in urls)


async def test_an_httpx_session_still_pushes_over_aiohttp(base_url: str, dids: list[str]) -> None:
    async with httpx.AsyncClient() as http, gizwits.Session("demo-appid", base_url=base_url, client=http) as session:
        await session.login("demo", "demo-password")
        async with session.push(**FAST) as push:
            assert (await push.subscribe(dids[:1])).success == dids[:1]
            await next_event(push, attrs_of(dids[0]))


async def test_a_known_schema_checks_writes_and_decodes_events(
    emulator: Emulator[FakeClock], session: gizwits.Session, push: gizwits.Push, dids: list[str]
) -> None:
    await session.bindings()  # records each device's product
    await session.datapoints("demo-product")
    await push.subscribe(dids[:1])
    before = emulator.push.stats.frames_in["c2s_write"]
    with pytest.raises(gizwits.ValidationError, match="brightness"):
        await push.write(dids[0], {"brightness": 101})  # above the datapoint's maximum
    with pytest.raises(gizwits.ValidationError, match="temp"):
        await push.write(dids[0], {"temp": 30})  # read-only
    assert emulator.push.stats.frames_in["c2s_write"] == before
    await push.write(dids[0], {"mode": 2, "color": b"\x01"})  # an enum index; a short binary is padded
    event = await next_event(push, attrs_of(dids[0], mode="heat"))
    assert isinstance(event, gizwits.AttrsEvent) and event.attrs["color"] == b"\x01\x00\x00"


async def test_unexpected_frames_are_survived_and_acks_answered(
    emulator: Emulator[FakeClock], push: gizwits.Push, dids: list[str]
) -> None:
    await push.subscribe(dids[:1])
    await next_event(push, attrs_of(dids[0]))
    for frame in ['{"cmd": "future_cmd", "data": {"x": 1}}', '{"cmd": "s2c_noti"}', "not json", b"\x00\x01",
                  '{"cmd": "s2c_invalid_msg", "data": {"error_code": 1234, "msg": "who knows"}}',
                  '{"cmd": "subscribe_res", "data": {}}', '{"cmd": "login_res", "data": {"success": true}}']:
        emulator.push.inject(frame)
    asking = {"cmd": "s2c_noti", "req_sn": 77, "data": {"did": dids[0], "attrs": {"alarm": True}}}
    emulator.push.inject(json.dumps(asking))
    event = await next_event(push, attrs_of(dids[0], alarm=True))
    assert isinstance(event, gizwits.AttrsEvent)
    await wait_until(lambda: emulator.push.stats.frames_in["c2s_ack"] == 1)  # the device asked for an ack
    (sock,) = emulator.push.sockets
    assert sock.logins == 1 and emulator.push.stats.sockets_opened == 1  # no re-login, no reconnect
    assert push.stats.relogins == 0 and push.connected
    await push.write(dids[0], {"brightness": 8})  # the socket still works
    await next_event(push, attrs_of(dids[0], brightness=8))
