"""Fixtures of the scale-out tests: worker processes (spawned: each its own interpreter and event loop) and the
shared stores they use. The real redis-server comes from the ``redis_server`` plugin (root conftest)."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.context
import queue
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.emulator.server import serve

from . import workers

CONTEXT = multiprocessing.get_context("spawn")


class Workers:
    """Worker processes started by a test; every one still alive at teardown is killed."""

    def __init__(self) -> None:
        self.results: Any = CONTEXT.Queue()
        self.processes: list[multiprocessing.context.SpawnProcess] = []
        #: The processes that report on the queue (the others are there to be killed).
        self.reporting: list[multiprocessing.context.SpawnProcess] = []

    def start(self, target: Callable[..., None], *args: Any, report: bool = True) -> multiprocessing.Process:
        """Start ``target(*args, results)`` (``report=False``: without the results queue) in a new process."""
        process = CONTEXT.Process(target=target, args=(*args, self.results) if report else args, daemon=True)
        process.start()
        self.processes.append(process)
        if report:
            self.reporting.append(process)
        return process

    async def collect(self, count: int, limit: float = 90.0) -> list[dict[str, Any]]:
        """The next ``count`` reports; fails (naming the exit codes) if the workers die or take too long."""
        reports: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while len(reports) < count:
            try:
                reports.append(await asyncio.to_thread(self.results.get, timeout=0.2))
            except queue.Empty:
                codes = [p.exitcode for p in self.reporting]
                if any(code not in (None, 0) for code in codes) or loop.time() > deadline:
                    raise AssertionError(f"workers failed or hung: exit codes {codes}") from None
        return reports

    async def join(self) -> None:
        """Wait for the reporting processes to end; each must exit cleanly."""
        for process in self.reporting:
            await asyncio.to_thread(process.join, 30)
        assert [p.exitcode for p in self.reporting] == [0] * len(self.reporting)

    def kill_all(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(10)


class LoginGate:
    """An ASGI wrapper holding every login (U11) at the door until ``opened`` is set; the held ones then get a
    bare 503 without reaching the emulator (their sender is gone by then), later ones pass."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/app/login" and not self.opened.is_set():
            self.arrived.set()
            await self.opened.wait()
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest_asyncio.fixture
async def login_gate(emulator: Emulator[FakeClock]) -> AsyncIterator[tuple[LoginGate, str]]:
    """The emulator served behind a `LoginGate`: (the gate, the base URL)."""
    gate = LoginGate(emulator.app)
    async with serve(gate) as url:
        try:
            yield gate, url
        finally:
            gate.opened.set()  # no request left waiting at shutdown


class ArrivalRecorder:
    """An ASGI wrapper noting when each request arrives (monotonic seconds), before the emulator handles it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.arrivals: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.arrivals.append(time.monotonic())
        await self.app(scope, receive, send)


@pytest_asyncio.fixture
async def arrivals(emulator: Emulator[FakeClock]) -> AsyncIterator[tuple[ArrivalRecorder, str]]:
    """The emulator served behind an `ArrivalRecorder`: (the recorder, the base URL)."""
    recorder = ArrivalRecorder(emulator.app)
    async with serve(recorder) as url:
        yield recorder, url


@pytest.fixture
def worker_processes() -> Any:
    started = Workers()
    yield started
    started.kill_all()


def barrier(parties: int) -> Any:
    """A barrier shared with spawned workers."""
    return CONTEXT.Barrier(parties)


@pytest.fixture(params=["redis", "file"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> workers.Store:
    """A shared token store, as the workers name it: Redis (the real server) or a file on this host."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        request.getfixturevalue("redis_client")  # an emptied database
        return ("redis", url)
    return ("file", str(tmp_path / "tokens" / "demo.json"))


@pytest_asyncio.fixture
async def store_here(shared_store: workers.Store) -> AsyncIterator[gizwits.TokenStore]:
    """The same store, opened in the test's own process (to seed or read it)."""
    redis = Redis.from_url(shared_store[1]) if shared_store[0] == "redis" else None
    try:
        yield workers.make_store(shared_store, redis)
    finally:
        if redis is not None:
            await redis.aclose()
