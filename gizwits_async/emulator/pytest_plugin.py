"""pytest fixtures: `pytest_plugins = ["gizwits_async.emulator.pytest_plugin"]` in your conftest.py.

- `gizwits_emulator`: a fresh Emulator on a FakeClock (in-process: `emu.transport()`).
- `gizwits_emulator_url`: that emulator served on loopback; the base URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .clock import FakeClock
from .core import Emulator


@pytest.fixture
def gizwits_emulator() -> Emulator[FakeClock]:
    """A fresh default Emulator whose clock is a FakeClock."""
    return Emulator(clock=FakeClock())


@pytest_asyncio.fixture
async def gizwits_emulator_url(gizwits_emulator: Emulator[FakeClock]) -> AsyncIterator[str]:
    """The `gizwits_emulator` served on loopback by uvicorn; yields its base URL."""
    async with gizwits_emulator.serve() as base_url:
        yield base_url
