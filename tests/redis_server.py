"""A real redis-server for the tests of the Redis-backed pieces (a pytest plugin loaded by the root conftest).

``.ci/run`` starts one and sets ``GIZWITS_TEST_REDIS_URL``; run by hand, the fixture starts its own
``redis-server`` on a free loopback port (no persistence) and stops it after the session. Without a
redis-server binary (and no URL) the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

ENV_URL = "GIZWITS_TEST_REDIS_URL"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")
    return False


@contextlib.contextmanager
def redis_server_on(binary: str, port: int) -> Iterator[str | None]:
    """Run ``binary`` on ``port`` (loopback, no persistence); yield its URL, or None if it did not start."""
    with tempfile.TemporaryDirectory(prefix="gizwits-redis-") as workdir:
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", workdir, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):  # up to 10 s on a busy machine
                if process.poll() is not None or _answers(port):
                    break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0" if process.poll() is None else None
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def redis_server_process(binary: str) -> Iterator[str]:
    """Run ``binary`` on a free loopback port (retrying if another process took it first); yield its URL."""
    for _ in range(3):
        with redis_server_on(binary, free_port()) as url:
            if url is not None:
                yield url
                return
    raise RuntimeError(f"{binary} did not start on a free port (3 tries)")


def redis_binary() -> str:
    """The redis-server binary, or skip the test saying why there is none."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server binary on PATH (apt-get install redis-server; .ci/run installs it)")
    return binary


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a running redis-server for this test session."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    with redis_server_process(redis_binary()) as url:
        yield url


@pytest_asyncio.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A ``redis.asyncio.Redis`` on an emptied database, closed after the test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()
