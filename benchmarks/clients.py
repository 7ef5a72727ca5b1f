"""The clients compared by the benchmarks. Each sends ``n`` requests with ``concurrency`` in flight and returns
the wall time in seconds. All of them send the same requests (same paths, headers and JSON bodies)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx

import gizwits_async as gizwits

ATTRS = {"switch": True, "brightness": 50}
#: The naive clients queue thousands of requests on their pools: a short pool timeout would fail them.
SLOW_TIMEOUT = 120.0


@dataclass(frozen=True)
class Target:
    """A server to benchmark against: its base URL, the appid and user token it accepts, and device ids."""

    url: str
    dids: list[str]
    appid: str = "bench-appid"
    token: str = "bench-token"
    uid: str = "bench-uid"
    #: The CA bundle that signed an https server's certificate (None: plain HTTP, or the system's CAs).
    ca: str | None = None

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What aiohttp's ``ssl`` argument needs to trust the server."""
        return True if self.ca is None else ssl.create_default_context(cafile=self.ca)

    def ca_pem(self) -> bytes:
        """The CA bundle's bytes (read before a run's clock starts)."""
        return Path(self.ca).read_bytes() if self.ca else b""

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Gizwits-Application-Id": self.appid, "Content-Type": "application/json",
                "X-Gizwits-User-token": self.token}


Client = Callable[[Target, str, int, int], Awaitable[float]]


@contextlib.contextmanager
def nginx_target(tls: bool) -> Iterator[Target]:
    """nginx on loopback (0 ms; ``tls``: https with a certificate of a private CA the clients trust), 1,000 dids."""
    import servers

    dids = [f"did{i:05d}" for i in range(1000)]
    if tls:
        with servers.nginx_https([0]) as (urls, ca):
            yield Target(urls[0], dids, ca=ca)
    else:
        with servers.nginx([0]) as urls:
            yield Target(urls[0], dids)


def _requests(kind: str, dids: list[str], n: int) -> list[tuple[str, str, bytes | None]]:
    """(method, path, body) of every request, built before the clock starts for the raw clients."""
    if kind == "control":
        return [("POST", f"/app/control/{dids[i % len(dids)]}", json.dumps({"attrs": ATTRS}).encode())
                for i in range(n)]
    return [("GET", f"/app/devdata/{dids[i % len(dids)]}/latest", None) for i in range(n)]


def _commands(dids: list[str], n: int) -> list[tuple[str, dict[str, Any]]]:
    return [(dids[i % len(dids)], ATTRS) for i in range(n)]


async def _session_run(session: gizwits.Session, target: Target, kind: str, n: int, concurrency: int) -> float:
    user = session.for_user((target.token, target.uid))
    dids = target.dids
    started = time.perf_counter()
    if kind == "control":
        report = await user.control_many(_commands(dids, n), concurrency=concurrency)
    else:
        report = await user.latest_many([dids[i % len(dids)] for i in range(n)], concurrency=concurrency)
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"benchmark run failed: {gizwits.BulkError(report)}")
    return elapsed


def _own_pool(target: Target, concurrency: int, **options: Any) -> gizwits.Session:
    """A session on one of its own pools, as every Session runner here opens it (``options``: the rest)."""
    return gizwits.Session(target.appid, base_url=target.url, max_concurrency=concurrency,
                           verify=target.ca or True, timeout=SLOW_TIMEOUT, **options)


async def session_aiohttp(target: Target, kind: str, n: int, concurrency: int) -> float:
    """`Session.control_many` / `latest_many` on the session's aiohttp pool."""
    async with _own_pool(target, concurrency, transport="aiohttp") as session:
        return await _session_run(session, target, kind, n, concurrency)


async def session_fast(target: Target, kind: str, n: int, concurrency: int) -> float:
    """`Session.control_many` / `latest_many` on the fast transport (httptools on `asyncio.Protocol`), the
    session's default pool."""
    async with _own_pool(target, concurrency, transport="fast") as session:
        return await _session_run(session, target, kind, n, concurrency)


#: The schema of the benchmark's devices: checking ATTRS against it is what schema-checked control costs.
BENCH_PRODUCT = gizwits.Product.from_wire({"product_key": "bench-product", "entities": [{"attrs": [
    {"name": "switch", "data_type": "bool", "type": "status_writable"},
    {"name": "brightness", "data_type": "uint8", "type": "status_writable",
     "uint_spec": {"min": 0, "max": 100, "ratio": 1, "addition": 0}}]}]})


async def session_checked(target: Target, kind: str, n: int, concurrency: int) -> float:
    """`session_aiohttp` with every device's product schema known: control values are checked against it."""
    async with _own_pool(target, concurrency, transport="aiohttp", products=[BENCH_PRODUCT]) as session:
        session.remember_devices(gizwits.Device(did, product_key="bench-product") for did in target.dids)
        return await _session_run(session, target, kind, n, concurrency)


async def session_httpx_aiohttp(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The same helpers through an injected httpx client on the httpx-aiohttp transport."""
    from httpx_aiohttp import AiohttpTransport

    transport = AiohttpTransport(client=lambda: aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency)))
    async with httpx.AsyncClient(transport=transport) as client, gizwits.Session(
        target.appid, base_url=target.url, client=client, max_concurrency=concurrency
    ) as session:
        return await _session_run(session, target, kind, n, concurrency)


async def session_httpx(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The same helpers through an injected plain httpx client (httpx's own pool)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=SLOW_TIMEOUT) as client, gizwits.Session(
        target.appid, base_url=target.url, client=client, max_concurrency=concurrency
    ) as session:
        return await _session_run(session, target, kind, n, concurrency)


async def raw_aiohttp(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The ceiling: aiohttp with ``concurrency`` workers, requests prebuilt, bodies read and JSON-decoded."""
    requests = _requests(kind, target.dids, n)
    base_url, headers = target.url, target.headers
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=target.ssl_context())
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        position = iter(requests)

        async def worker() -> None:
            for method, path, body in position:
                async with http.request(method, base_url + path, data=body, headers=headers) as answer:
                    if answer.status != 200:
                        raise RuntimeError(f"HTTP {answer.status}")
                    json.loads(await answer.read())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


async def raw_pyreqwest(target: Target, kind: str, n: int, concurrency: int) -> float:
    """pyreqwest (Rust: reqwest/hyper on a tokio thread) with ``concurrency`` workers, like `raw_aiohttp`."""
    from pyreqwest.client import ClientBuilder

    requests = _requests(kind, target.dids, n)
    builder = ClientBuilder().max_connections(concurrency).default_headers(target.headers)
    if target.ca is not None:
        builder = builder.add_root_certificate_pem(target.ca_pem())
    async with builder.build() as client:
        position = iter(requests)
        base_url = target.url

        async def worker() -> None:
            for method, path, body in position:
                request = client.request(method, base_url + path)
                if body is not None:
                    request = request.body_bytes(body)
                answer = await request.build().send()
                if answer.status != 200:
                    raise RuntimeError(f"HTTP {answer.status}")
                json.loads(bytes(await answer.bytes()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


async def floor(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The floor: one keep-alive connection per worker on `asyncio.Protocol`, answers parsed by httptools, no
    pool, no timeouts, no checks beyond the status; bodies JSON-decoded like the others."""
    import httptools

    requests = _requests(kind, target.dids, n)
    url = urlsplit(target.url)
    host, port = url.hostname or "", url.port or 80
    head = "".join(f"{name}: {value}\r\n" for name, value in target.headers.items())
    block = f"Host: {url.netloc}\r\n{head}".encode()
    context = None if url.scheme == "http" else ssl.create_default_context(cafile=target.ca)

    class Connection(asyncio.Protocol):
        def __init__(self) -> None:
            self.parser = httptools.HttpResponseParser(self)
            self.chunks: list[bytes] = []
            self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_body(self, body: bytes) -> None:
            self.chunks.append(body)

        def on_message_complete(self) -> None:
            self.done.set_result(None)

        async def send(self, method: str, path: str, body: bytes | None) -> bytes:
            self.chunks, self.done = [], asyncio.get_running_loop().create_future()
            line = f"{method} {path} HTTP/1.1\r\n".encode()
            length = b"\r\n" if body is None else b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            self.transport.write(line + block + length)  # type: ignore[attr-defined]
            await self.done
            if self.parser.get_status_code() != 200:
                raise RuntimeError(f"HTTP {self.parser.get_status_code()}")
            return b"".join(self.chunks)

    position = iter(requests)

    async def worker() -> None:
        _, connection = await asyncio.get_running_loop().create_connection(
            Connection, host, port, ssl=context, server_hostname=host if context else None)
        for method, path, body in position:
            json.loads(await connection.send(method, path, body))
        connection.transport.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _gather_semaphore(client: Any, target: Target, kind: str, n: int, concurrency: int) -> float:
    requests = _requests(kind, target.dids, n)
    base_url, headers = target.url, target.headers
    gate = asyncio.Semaphore(concurrency)

    async def one(method: str, path: str, body: bytes | None) -> None:
        async with gate:
            answer = await client.request(method, base_url + path, content=body, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"HTTP {answer.status_code}")
            answer.json()

    started = time.perf_counter()
    await asyncio.gather(*(one(*request) for request in requests))
    return time.perf_counter() - started


async def raw_httpx(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The naive path: `httpx.AsyncClient` with gather + a semaphore."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=SLOW_TIMEOUT) as client:
        return await _gather_semaphore(client, target, kind, n, concurrency)


async def raw_httpx2(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The httpx2 fork, same shape as `raw_httpx`."""
    import httpx2

    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(limits=limits, timeout=SLOW_TIMEOUT) as client:
        return await _gather_semaphore(client, target, kind, n, concurrency)


async def sync_sequential(target: Target, kind: str, n: int, concurrency: int) -> float:
    """The shape of the vendor's own SDK: one synchronous request after another (concurrency ignored)."""
    requests = _requests(kind, target.dids, n)
    base_url, headers = target.url, target.headers

    def run() -> float:
        with httpx.Client() as client:
            started = time.perf_counter()
            for method, path, body in requests:
                answer = client.request(method, base_url + path, content=body, headers=headers)
                answer.raise_for_status()
                answer.json()
            return time.perf_counter() - started

    return await asyncio.to_thread(run)


CLIENTS: dict[str, Client] = {
    "Session (aiohttp pool)": session_aiohttp,
    "Session (fast transport, the default)": session_fast,
    "Session on httpx + httpx-aiohttp": session_httpx_aiohttp,
    "Session on plain httpx": session_httpx,
    "raw aiohttp (ceiling)": raw_aiohttp,
    "raw pyreqwest": raw_pyreqwest,
    "floor (asyncio.Protocol + httptools)": floor,
    "raw httpx, gather + semaphore": raw_httpx,
    "raw httpx2, gather + semaphore": raw_httpx2,
    "sequential sync client": sync_sequential,
}
