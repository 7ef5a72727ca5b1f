"""The FastAPI example under ``uvicorn --workers 4`` with a RedisTokenStore: one login for all the workers,
counted by the emulator. uvicorn runs as a real subprocess; its workers are processes of their own."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis_server import free_port

from gizwits_async.emulator import Emulator, FakeClock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORKERS = 4


@pytest.fixture
def gizwits_emulator() -> Emulator[FakeClock]:
    """The emulator on a fake clock started at the real time: the workers judge a shared token by its expiry."""
    return Emulator(clock=FakeClock(time.time()))


async def _wait_for_startup(stderr: asyncio.StreamReader, workers: int) -> list[str]:
    """uvicorn's log lines until every worker finished its lifespan startup (fails on a failed startup)."""
    lines: list[str] = []
    started = 0
    while started < workers:
        line = (await stderr.readline()).decode()
        assert line, "uvicorn exited:\n" + "".join(lines)
        lines.append(line)
        assert "startup failed" not in line, "".join(lines)
        started += "Application startup complete" in line
    return lines


async def test_fastapi_workers_sign_in_once_through_redis(
    example_env: str, gizwits_emulator: Emulator, redis_url: str, redis_client: Redis, dids: list[str],
) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "fastapi_app:app", "--app-dir", str(EXAMPLES), "--workers", str(WORKERS),
        "--host", "127.0.0.1", "--port", str(port),
        env={**os.environ, "GIZWITS_REDIS_URL": redis_url, "GIZWITS_RATE": "50"},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert server.stderr is not None
        async with asyncio.timeout(90):
            await _wait_for_startup(server.stderr, WORKERS)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            answers = await asyncio.gather(*(client.get("/devices") for _ in range(4 * WORKERS)))
        assert [a.status_code for a in answers] == [200] * len(answers)
        assert all([d["did"] for d in a.json()] == dids for a in answers)
        assert gizwits_emulator.stats.logins == 1  # four workers, one login
        assert await redis_client.exists("gizwits:token:demo-appid:demo") == 1
        assert await redis_client.exists("gizwits:rate:demo-appid") == 1  # the shared budget was used
    finally:
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await server.communicate()
