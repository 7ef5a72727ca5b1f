"""Safe defaults: HTTPS for every region, TLS verification on, a timeout on every request, http:// only on request."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import pytest_asyncio
from support import FAST_RETRY, MakeSession, requests_sent

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.session import REGIONS


def test_every_region_is_https_and_cn_is_the_default() -> None:
    assert set(REGIONS) == {"cn", "us", "eu"}
    for region, url in REGIONS.items():
        assert url.startswith("https://") and gizwits.Session("a", region=region).base_url == url
    assert gizwits.Session("a").base_url == "https://api.gizwits.com"


def test_http_only_when_given_explicitly() -> None:
    assert gizwits.Session("a", base_url="http://127.0.0.1:8765/").base_url == "http://127.0.0.1:8765"
    assert gizwits.Session("a", region="us", base_url="https://proxy.example").base_url == "https://proxy.example"
    for bad in ("ftp://api.gizwits.com", "127.0.0.1:8765", "//api.gizwits.com", "http://", "ws://x", "file:///x"):
        with pytest.raises(gizwits.ValidationError):
            gizwits.Session("a", base_url=bad)
    with pytest.raises(gizwits.ValidationError):
        gizwits.Session("a", region="mars")


def client_session(session: gizwits.Session) -> aiohttp.ClientSession:
    transport = session._transport
    assert isinstance(transport, gizwits.transport.AiohttpTransport)  # the default transport
    return transport._session or transport._open()


async def test_the_default_pool_verifies_tls_and_times_out_every_request() -> None:
    async with gizwits.Session("a", transport="aiohttp") as session:
        pool = client_session(session)
        connector = pool.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector._ssl is True  # aiohttp's default context: certificate and host name verified
        assert connector.limit == session.max_concurrency == 100
        # One timer per request bounds all of it, the wait for a pooled connection included.
        assert (pool.timeout.total, pool.timeout.sock_connect) == (10.0, 10.0)
    async with gizwits.Session("a", timeout=2.5, transport="aiohttp") as session:
        timeout = client_session(session).timeout
        assert (timeout.total, timeout.sock_connect) == (2.5, 2.5)
    fine = httpx.Timeout(connect=1.0, read=3.0, write=4.0, pool=5.0)
    async with gizwits.Session("a", timeout=fine, transport="aiohttp") as session:
        timeout = client_session(session).timeout
        assert (timeout.total, timeout.sock_connect) == (3.0, 1.0)


#: A self-signed certificate for 127.0.0.1 (valid until 2126) and its key, made for this test only:
#: ``openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=127.0.0.1
#: -addext subjectAltName=IP:127.0.0.1``. The host name matches; only the issuer is unknown.
CERT = Path(__file__).with_name("untrusted-cert.pem")
KEY = Path(__file__).with_name("untrusted-key.pem")


@pytest_asyncio.fixture
async def untrusted_https() -> AsyncIterator[tuple[str, list[int]]]:
    """An HTTPS server with a self-signed certificate; yields its URL and a list counting HTTP requests read."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    served: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            served.append(1)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client refused the certificate
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"https://127.0.0.1:{port}", served


async def test_an_untrusted_certificate_is_refused(untrusted_https: tuple[str, list[int]]) -> None:
    url, served = untrusted_https
    async with gizwits.Session("a", base_url=url, retry=FAST_RETRY) as session:
        with pytest.raises(gizwits.TransportError) as raised:
            await session.latest("somedevice")
    assert "could not connect" in str(raised.value) and not raised.value.sent
    # aiohttp's pool wraps the ssl module's error; the fast transport keeps it as it is.
    assert isinstance(raised.value.__cause__, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError)
    assert raised.value.attempts == 3  # never connected, so retried; never accepted the certificate
    assert served == []


async def test_an_injected_client_without_timeout_still_gets_the_sessions(
    base_url: str, emulator: Emulator[FakeClock], make_session: MakeSession
) -> None:
    emulator.faults.latency = 0.5
    async with httpx.AsyncClient(timeout=None) as client:
        session = await make_session(login=False, client=client, timeout=0.1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(gizwits.TransportError) as raised:
            await session.latest("somedevice0000000000000")
        assert loop.time() - started < 1.0 and raised.value.attempts == 3
        assert requests_sent(emulator, "D1") == 3
