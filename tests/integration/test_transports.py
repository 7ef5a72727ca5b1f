"""Every endpoint and a bulk run through each transport a session can send through: its own aiohttp pool, a lent
`aiohttp.ClientSession` (the Home Assistant habit) and a lent `httpx.AsyncClient`. A lent client is never closed."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import pytest_asyncio
from support import FAST_RETRY, MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

#: A self-signed certificate for 127.0.0.1 and its key (see tests/faults/test_safe_defaults.py).
CERTS = Path(__file__).parent.parent / "faults"


@pytest_asyncio.fixture(params=["own pool", "lent aiohttp", "lent httpx"])
async def lent(request: pytest.FixtureRequest) -> AsyncIterator[object]:
    """The client a session is given (None: its own pool); a lent one stays open until the test ends."""
    if request.param == "own pool":
        yield None
    elif request.param == "lent aiohttp":
        async with aiohttp.ClientSession() as client:
            yield client
        assert client.closed  # closed by its owner (this fixture), not by the session
    else:
        async with httpx.AsyncClient() as client:
            yield client


def still_open(client: object) -> bool:
    if isinstance(client, aiohttp.ClientSession):
        return not client.closed
    return client is None or (isinstance(client, httpx.AsyncClient) and not client.is_closed)


async def test_every_endpoint_and_a_bulk_run(lent: object, base_url: str, emulator: Emulator[FakeClock]) -> None:
    options = {"app_secret": "demo-secret", "retry": FAST_RETRY, "client": lent}
    async with gizwits.Session("demo-appid", base_url=base_url, **options) as session:  # type: ignore[arg-type]
        # Users.
        token = await session.login("demo", "demo-password")
        assert token.uid and session.token == token
        assert isinstance(await session.change_email("demo@example.com"), dt.datetime)
        assert isinstance(await session.change_password("demo-password", "new-password"), dt.datetime)
        await session.reset_password_by_email("demo@example.com")
        other = await session.register("someone", "pass-word")
        assert other.uid != token.uid
        # Codes (app token, captcha, SMS).
        assert (await session.app_token()).token
        captcha = await session.captcha()
        await session.send_sms_code("13800000000", captcha.captcha_id, "123456")
        await session.verify_sms_code("13800000000", "123456")
        # Devices and control, as the demo user again.
        await session.login("demo", "new-password")
        devices = await session.bindings(limit=100)
        dids = [device.did for device in devices]
        assert len(dids) == 40 and [d.did async for d in session.iter_bindings(page_size=7)] == dids
        assert (await session.unbind(dids[:1])).success == dids[:1]
        await session.control(dids[1], {"switch": True})
        await session.control_raw(dids[1], b"\x01\x02")
        assert (await session.latest(dids[1])).did == dids[1]
        # Scheduler.
        schedule_id = await session.create_schedule(
            commands=[gizwits.ScheduledCommand(dids[1], "demo-product", {"switch": False})],
            time=dt.time(8, 30), repeat="mon,fri")
        assert [s.id for s in await session.schedules()] == [schedule_id]
        assert await session.schedule_logs(schedule_id) == []
        await session.delete_schedule(schedule_id)
        # A bulk run on the same transport.
        report = await session.control_many({did: {"switch": True} for did in dids[1:]}, concurrency=8)
        assert report.ok and report.succeeded == dids[1:]
        latest = await session.latest_many(dids[1:], concurrency=8)
        assert [o.value.did for o in latest.outcomes] == dids[1:]
        assert session._transport.connections_in_use == 0
    assert still_open(lent)


async def test_a_lent_aiohttp_session_keeps_its_own_settings_and_is_never_closed(base_url: str) -> None:
    # An owner that raises for error statuses: the session still reads the error answer itself.
    async with aiohttp.ClientSession(raise_for_status=True) as client:
        async with gizwits.Session("demo-appid", base_url=base_url, client=client) as session:
            with pytest.raises(gizwits.AuthenticationError) as refused:
                await session.login("demo", "wrong")
            assert refused.value.status == 400
            await session.login("demo", "demo-password")
        assert session.closed and not client.closed
    # Closed by its owner: the session says so instead of failing inside aiohttp.
    async with gizwits.Session("demo-appid", base_url=base_url, client=client) as session:
        assert session.closed
        with pytest.raises(gizwits.SessionClosedError):
            await session.login("demo", "demo-password")


@pytest.mark.parametrize("client", [object(), "http://x", contextlib.AsyncExitStack()])
def test_anything_else_as_client_is_refused_at_construction(client: object) -> None:
    with pytest.raises(gizwits.ValidationError, match=r"aiohttp\.ClientSession"):
        gizwits.Session("demo-appid", client=client)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def answering_server(lines: list[str], *, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """A loopback server answering every request 200 ``{}``; records each request line; yields its address."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
            head = await reader.readuntil(b"\r\n\r\n")
            lines.append(head.split(b"\r\n", 1)[0].decode())
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=tls)
    async with server:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def control_once(session: gizwits.Session) -> None:
    await session.for_user(("token", "uid")).control("did1", {"on": True})


async def test_the_own_pool_takes_its_proxy_from_the_environment_like_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    async with answering_server(lines) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://{proxy}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with gizwits.Session("a", base_url="http://api.example.invalid") as session:
            await control_once(session)
        assert lines == ["POST http://api.example.invalid/app/control/did1 HTTP/1.1"]  # sent to the proxy
        # NO_PROXY names the host, or trust_env=False: straight to the server (here: nothing listens there).
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        for env, trust in ((f"127.0.0.1,{proxy}", True), ("", False)):
            monkeypatch.setenv("NO_PROXY", env)
            async with gizwits.Session("a", base_url=f"http://127.0.0.1:{port}", retry=1, trust_env=trust) as session:
                with pytest.raises(gizwits.TransportError, match=f"could not connect to 127.0.0.1:{port}: "):
                    await control_once(session)
    assert len(lines) == 1


async def test_verify_takes_a_ca_bundle_path_or_an_ssl_context() -> None:
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(CERTS / "untrusted-cert.pem", CERTS / "untrusted-key.pem")
    lines: list[str] = []
    trusting = ssl.create_default_context(cafile=str(CERTS / "untrusted-cert.pem"))
    async with answering_server(lines, tls=server_tls) as address:
        for verify in (str(CERTS / "untrusted-cert.pem"), trusting, False):
            async with gizwits.Session("a", base_url=f"https://{address}", verify=verify) as session:
                await control_once(session)
        async with gizwits.Session("a", base_url=f"https://{address}", retry=1) as session:
            with pytest.raises(gizwits.TransportError, match="could not connect"):
                await control_once(session)  # the default: the system's CAs, which do not know this one
    assert len(lines) == 3


@pytest.mark.parametrize("verify", ["/no/such/ca-bundle.pem", "", 1, None])
def test_a_bad_verify_is_refused_at_construction(verify: object) -> None:
    with pytest.raises(gizwits.ValidationError, match="verify"):
        gizwits.Session("a", verify=verify)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [(2.5, gizwits.Timeout(2.5)), (httpx.Timeout(3.0, connect=1.0), gizwits.Timeout(3.0, connect=1.0)),
     (gizwits.Timeout(None, connect=2.0), gizwits.Timeout(None, connect=2.0))],
)
def test_timeouts_in_any_accepted_form(given: object, expected: gizwits.Timeout) -> None:
    assert gizwits.Session("a", timeout=given).timeout == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "10", True, None])
def test_bad_timeouts_are_refused(bad: object) -> None:
    with pytest.raises(gizwits.ValidationError, match="timeout"):
        gizwits.Session("a", timeout=bad)  # type: ignore[arg-type]
    if bad is not None:  # None is "no limit" for Timeout's fields, not for the session's timeout argument
        with pytest.raises(gizwits.ValidationError, match="timeout"):
            gizwits.Timeout(5.0, connect=bad)  # type: ignore[arg-type]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("kind", ["own pool", "lent httpx"])
@pytest.mark.parametrize(("host", "reason"), [("nowhere.invalid", "name or service not known"),
                                              ("127.0.0.1:{port}", "")])
async def test_transport_errors_name_the_host_and_the_os_reason(kind: str, host: str, reason: str) -> None:
    host = host.format(port=closed_port())
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient()) if kind == "lent httpx" else None
        session = await stack.enter_async_context(
            gizwits.Session("a", base_url=f"http://{host}", retry=1, client=client))
        with pytest.raises(gizwits.TransportError) as raised:
            await control_once(session)
    message = str(raised.value)
    assert message.startswith(f"POST /app/control/did1: could not connect to {host}: ")
    assert reason in message.lower() and not raised.value.sent
    # The error of what sent it: aiohttp's or httpx's, or the socket's own on the fast transport (asyncio's).
    library_error = OSError if type(session._transport).__name__ == "FastTransport" else aiohttp.ClientError
    assert isinstance(raised.value.__cause__, library_error | httpx.TransportError)


async def test_a_total_timeout_bounds_a_whole_call_with_its_retries(
    make_session: MakeSession, emulator: Emulator[FakeClock],
) -> None:
    session = await make_session(timeout=gizwits.Timeout(0.3, total=0.5))
    emulator.faults.latency = 1.0  # from now on, every answer comes too late
    with pytest.raises(gizwits.TransportError, match=r"total timeout of 0\.5 s") as raised:
        await session.latest("did")
    assert raised.value.attempts == 2  # the first timed out at 0.3 s; the second was cut at 0.5 s
    assert session._transport.connections_in_use == 0


def test_a_session_used_from_another_event_loop_says_so() -> None:
    session = gizwits.Session("a", base_url=f"http://127.0.0.1:{closed_port()}", retry=1)

    async def use() -> None:
        await control_once(session)

    async def first_use() -> None:  # the session belongs to this loop now (and closes its pool in it)
        with pytest.raises(gizwits.TransportError):
            await use()
        await session.aclose()

    asyncio.run(first_use())
    with pytest.raises(gizwits.GizwitsError, match="another event loop"):
        asyncio.run(use())
    with pytest.raises(gizwits.GizwitsError, match="another event loop"):
        asyncio.run(session.open())


async def test_for_user_sessions_share_one_shared_state(make_session: MakeSession) -> None:
    parent = await make_session()
    alice, bob = parent.for_user(("token-a", "alice")), parent.for_user(("token-b", "bob"))
    assert alice._shared is parent._shared is bob._shared
    assert alice._auth is not parent._auth and alice._auth is not bob._auth
    assert (alice.token, bob.token) != (None, None) and alice.token != bob.token
    await alice.aclose()
    assert alice.closed and not parent.closed and not bob.closed
    await parent.aclose()
    assert bob.closed  # the pool it shares is closed
