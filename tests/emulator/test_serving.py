"""Ways to run the emulator: the loopback server and the pytest plugin as a user loads it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from gizwits_async.emulator import Emulator, FakeClock


async def test_serve_on_loopback_and_stop() -> None:
    emu = Emulator(clock=FakeClock())
    async with emu.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/")).status_code == 200
        with pytest.raises(OSError, match="cannot serve"):
            async with Emulator().serve(port=int(base_url.rsplit(":", 1)[1])):
                pass
    async with httpx.AsyncClient(base_url=base_url) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")


def test_pytest_plugin_as_users_load_it(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["gizwits_async.emulator.pytest_plugin"]\n')
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import httpx

            async def test_fixtures(gizwits_emulator, gizwits_emulator_url):
                gizwits_emulator.clock.advance(1)
                async with httpx.AsyncClient(base_url=gizwits_emulator_url) as client:
                    assert (await client.get("/")).json()["appid"] == "demo-appid"
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "pytest_asyncio.plugin",
            "-o",
            "asyncio_mode=auto",
            str(tmp_path),
        ],
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},  # a bare pytest, fast to start
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
