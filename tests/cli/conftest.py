"""Fixtures of the CLI tests: an emulator served on loopback from a background thread, and a CLI runner.

The CLI runs its own event loop (``asyncio.run``), so the emulator cannot share the test's loop: it gets a thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gizwits_async.cli import cli
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock


class ServedEmulator:
    """``with ServedEmulator(emu) as url:`` serves ``emu`` on loopback from a daemon thread."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with self.emulator.serve() as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> str:
        self._thread.start()
        assert self._ready.wait(10), "the emulator did not start"
        return self.url

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture
def emu() -> Emulator:
    """A fresh emulator (10 devices bound to demo/demo-password) on a FakeClock started at the real time, so that
    the CLI's clock (token expiry, schedule dates) and the server's agree until a test moves the server's."""
    return Emulator(EmulatorConfig(devices=10), clock=FakeClock(time.time()))


@pytest.fixture
def emu_url(emu: Emulator) -> Iterator[str]:
    """``emu`` served on loopback."""
    with ServedEmulator(emu) as url:
        yield url


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """Where the CLI keeps its token files during a test."""
    return tmp_path / "config"


@pytest.fixture
def gizwits(emu_url: str, config_dir: Path) -> Any:
    """``gizwits(*args, input=None, env=None)``: run the CLI against the emulator; returns click's Result."""
    runner = CliRunner()
    settings: dict[str, str | None] = {
        "GIZWITS_CONFIG_DIR": str(config_dir), "GIZWITS_APPID": "demo-appid", "GIZWITS_BASE_URL": emu_url,
        "GIZWITS_PASSWORD": None, "GIZWITS_REGION": None}

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, env=settings | (env or {}), catch_exceptions=False)

    return invoke


@pytest.fixture
def logged_in(gizwits: Any) -> Any:
    """The ``gizwits`` runner, logged in as the emulator's demo user."""
    result = gizwits("login", "demo", "--password", "demo-password")
    assert result.exit_code == 0, result.output
    return gizwits


@pytest.fixture
def dids(emu: Emulator) -> list[str]:
    """The demo user's devices."""
    return list(emu.state.user("demo").bindings)
