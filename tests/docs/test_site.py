"""The documentation site, built with ``mkdocs build --strict`` and opened in a real headless Chromium.

The browser is driven over the DevTools protocol with aiohttp's WebSocket client (no extra dependency): each page
must render its heading, show its chart images, and log no console error or uncaught exception. ``.ci/run``
installs Debian's Chromium; on a machine without one the test is skipped, except under CI, where it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

pytest.importorskip("mkdocs")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)
#: Flags for a headless Chromium on a machine without network: no background traffic to fail noisily.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--remote-debugging-port=0"]

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("no Chromium on this CI machine: .ci/run should have installed Debian's chromium",
                    pytrace=False)
    pytest.skip("no Chromium binary found (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built strictly into a temporary folder and served on loopback; yields its base URL."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert build.returncode == 0, build.stderr[-4000:]
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not printed."""


class Page:
    """One browser tab over the DevTools protocol: navigate, evaluate, and the errors it logged."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self.errors: list[str] = []

    async def command(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        await self._ws.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await self._event()
            if message.get("id") == ident:
                assert "error" not in message, message
                result: dict[str, Any] = message.get("result", {})
                return result

    async def navigate(self, url: str) -> None:
        self.errors.clear()
        await self.command("Page.navigate", url=url)
        while (await self._event()).get("method") != "Page.loadEventFired":
            pass

    async def evaluate(self, expression: str) -> Any:
        result = await self.command("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    async def _event(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads((await self._ws.receive(timeout=30)).data)
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(f"console.error: {[arg.get('value') for arg in params.get('args', [])]}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return message


@contextlib.asynccontextmanager
async def browser(tmp_path: Path) -> AsyncIterator[Page]:
    """A headless Chromium with one tab, driven over its DevTools WebSocket."""
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        port = await _devtools_port(tmp_path / "DevToolsActivePort")
        async with aiohttp.ClientSession() as http:
            async with http.put(f"http://127.0.0.1:{port}/json/new?about:blank") as answer:
                target = await answer.json()
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                for domain in ("Page", "Runtime", "Log"):
                    await page.command(f"{domain}.enable")
                yield page
    finally:
        process.kill()
        await process.wait()


async def _devtools_port(path: Path) -> int:
    for _ in range(300):
        if (port := _written_port(path)) is not None:
            return port
        await asyncio.sleep(0.1)
    raise AssertionError("Chromium did not open its DevTools port within 30 s")


def _written_port(path: Path) -> int | None:
    """The port Chromium wrote into its DevToolsActivePort file, once it has."""
    lines = path.read_text().splitlines() if path.exists() else []
    return int(lines[0]) if lines else None


HEADING = "document.querySelector('article h1')?.textContent.replace('¶', '').trim()"
LOADED_IMAGES = ("Array.from(document.querySelectorAll('article img'))"
                 ".filter(img => img.complete && img.naturalWidth > 0).map(img => img.src.split('/').pop())")


async def test_the_site_renders_in_a_real_browser(site: str, tmp_path: Path) -> None:
    async with browser(tmp_path) as page:
        await page.navigate(f"{site}/")
        assert await page.evaluate(HEADING) == "gizwits-async"
        assert page.errors == []

        await page.navigate(f"{site}/reference/session/")
        assert await page.evaluate(HEADING) == "Session"
        # The API reference is generated from the docstrings: the methods are there, with their signatures.
        assert await page.evaluate("!!document.getElementById('gizwits_async.Session.control_many')")
        assert page.errors == []

        await page.navigate(f"{site}/guide/performance/")
        assert await page.evaluate(HEADING) == "Performance"
        images = await page.evaluate(LOADED_IMAGES)
        assert {"throughput.png", "latency-ideal.png", "memory.png"} <= set(images), images
        assert page.errors == []

        await page.navigate(f"{site}/no-such-page/")  # the check itself can see an error
        assert page.errors, "a missing page logged no error: the error collection is blind"
