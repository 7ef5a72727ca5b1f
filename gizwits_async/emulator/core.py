"""Emulator: the state, the clock, the knobs and the ASGI app, wired together."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Generic, overload

import httpx

if sys.version_info >= (3, 13):
    from typing import TypeVar
else:  # TypeVar defaults (PEP 696) before Python 3.13
    from typing_extensions import TypeVar

from .app import DroppedConnection, EmulatorApp
from .clock import Clock, FakeClock, SystemClock
from .config import EmulatorConfig
from .faults import Faults
from .state import State
from .stats import Stats
from .ws import PushServer

ClockT = TypeVar("ClockT", bound=Clock, default=Clock, covariant=True)

#: What serving on a socket needs beyond the base install: the in-process emulator does without it.
SERVER_EXTRA = "serving the emulator on a socket needs uvicorn: pip install 'gizwits-async[emulator]'"


def _require_uvicorn() -> None:
    """Fail with a message naming the extra, before the server module (which imports uvicorn) is imported."""
    if importlib.util.find_spec("uvicorn") is None:
        raise ModuleNotFoundError(SERVER_EXTRA, name="uvicorn")


class _Transport(httpx.ASGITransport):
    """An ASGI transport on which a dropped connection looks like one (httpx.RemoteProtocolError)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request
            ) from exc


class Emulator(Generic[ClockT]):
    """A stateful in-memory Gizwits Open API server.

    `Emulator()` is seeded with EmulatorConfig's defaults and runs on the wall clock; pass `clock=FakeClock()`
    to move time by hand (tokens expire, schedules fire as it advances). The type follows the clock:
    `Emulator(clock=FakeClock())` is an `Emulator[FakeClock]`, so `emu.clock.advance(...)` type-checks.
    """

    @overload
    def __init__(
        self: Emulator[SystemClock],
        config: EmulatorConfig | None = None,
        *,
        clock: None = None,
        faults: Faults | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self, config: EmulatorConfig | None = None, *, clock: ClockT, faults: Faults | None = None
    ) -> None: ...

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: ClockT | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.clock: ClockT = clock or SystemClock()  # type: ignore[assignment]  # the overloads tie them
        self.faults = faults or Faults(seed=self.config.seed)
        self.stats = Stats()
        self.state = State(self.config, self.clock)
        self.push = PushServer(self.state)
        self.app = EmulatorApp(self.state, self.faults, self.stats, self.push)
        if isinstance(self.clock, FakeClock):
            self.clock.subscribe(self.run_due)

    def run_due(self) -> int:
        """Run the schedules due by the clock's now (requests and FakeClock moves do it too)."""
        return self.state.run_due()

    def transport(self) -> httpx.ASGITransport:
        """An in-process httpx transport: `httpx.AsyncClient(transport=emu.transport(), base_url=...)`."""
        return _Transport(app=self.app)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractAsyncContextManager[str]:
        """`async with emu.serve() as base_url:` real HTTP (uvicorn) on loopback; port 0 = any free."""
        _require_uvicorn()
        from .server import serve

        return serve(self.app, host, port, more_ports=self.config.push_ports - 1, on_listening=self._listening,
                     header_timeout=self.config.header_timeout)

    def _listening(self, host: str, ports: list[int]) -> None:
        self.state.push_ports = ports

    def run(self, host: str = "127.0.0.1", port: int = 8765, on_ready: Callable[[str], None] = print) -> None:
        """Serve until SIGINT/SIGTERM (blocking); `on_ready(base_url)` is called once listening."""
        _require_uvicorn()
        from .server import run_until_signal

        run_until_signal(self.app, host, port, on_ready, more_ports=self.config.push_ports - 1,
                         on_listening=self._listening,
                         header_timeout=self.config.header_timeout)

    def __repr__(self) -> str:
        return f"Emulator(appid={self.config.appid!r}, devices={len(self.state.devices)})"


def run_server(
    config: EmulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    faults: Faults | None = None,
    on_ready: Callable[[str], None] = print,
) -> None:
    """Build an Emulator and serve it until SIGINT/SIGTERM: what a command line calls."""
    Emulator(config, faults=faults).run(host, port, on_ready)
