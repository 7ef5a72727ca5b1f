"""Serving an ASGI app on loopback with uvicorn: as an async context manager, or until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

import uvicorn

from .app import DroppedConnection
from .limits import with_header_deadline


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class _HideDrops(logging.Filter):
    """Drop uvicorn's traceback for connections the emulator cut on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


_hide_drops = _HideDrops()


def _http_protocol(header_timeout: float) -> type[Any]:
    """uvicorn's fastest HTTP protocol available (httptools when installed), with a deadline for headers."""
    protocol: type[Any]
    if importlib.util.find_spec("httptools"):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        protocol = HttpToolsProtocol
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        protocol = H11Protocol
    return with_header_deadline(protocol, header_timeout)


def uvicorn_config(app: Any, host: str, port: int, header_timeout: float = 10.0) -> uvicorn.Config:
    """The fastest quiet uvicorn setup available, no access log; headers must arrive within ``header_timeout``."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_http_protocol(header_timeout),
        # The push endpoint (/ws/app/v1); websockets' sans-I/O core is the implementation the extra installs.
        ws="websockets-sansio" if importlib.util.find_spec("websockets") else "none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        raise OSError(f"cannot serve on {host}:{port}") from exc


@contextlib.asynccontextmanager
async def serve(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, more_ports: int = 0, header_timeout: float = 10.0,
    on_listening: Callable[[str, list[int]], None] | None = None,
) -> AsyncIterator[str]:
    """Serve `app` in the running loop; yield its base URL ("http://127.0.0.1:54321"); stop on exit.

    ``more_ports``: also serve the same app on that many more free ports. ``on_listening(host, ports)`` is
    called with every listening port (the base URL's first) before the base URL is yielded. Request headers
    must be complete ``header_timeout`` seconds after a connection opens or its previous answer ends.
    """
    logging.getLogger("uvicorn.error").addFilter(_hide_drops)
    server = _EmbeddedServer(uvicorn_config(app, host, port, header_timeout))
    listeners = [_listen(host, port)]
    try:
        listeners += [_listen(host, 0) for _ in range(more_ports)]
    except OSError:
        for sock in listeners:
            sock.close()
        raise

    async def run() -> None:
        try:
            await server.serve(sockets=listeners)
        except SystemExit as exc:  # uvicorn exits when it cannot start (and logged why)
            raise OSError(f"cannot serve on {host}:{port}") from exc

    task = asyncio.create_task(run())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises the startup error
                raise RuntimeError("the emulator server stopped during startup")
            await asyncio.sleep(0.01)
        bound_host, bound_port = listeners[0].getsockname()[:2]
        if ":" in bound_host:
            bound_host = f"[{bound_host}]"
        if on_listening is not None:
            on_listening(bound_host, [sock.getsockname()[1] for sock in listeners])
        yield f"http://{bound_host}:{bound_port}"
    finally:
        server.should_exit = True
        await task


def run_until_signal(
    app: Any, host: str, port: int, on_ready: Callable[[str], None], *, more_ports: int = 0,
    on_listening: Callable[[str, list[int]], None] | None = None, header_timeout: float = 10.0,
) -> None:
    """Serve `app` until SIGINT or SIGTERM (blocking); `on_ready(base_url)` runs once it listens.

    ``more_ports`` and ``on_listening`` as for `serve`. Uses uvloop when installed.
    """

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with serve(app, host, port, more_ports=more_ports, on_listening=on_listening,
                         header_timeout=header_timeout) as base_url:
            on_ready(base_url)
            await stop.wait()

    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if importlib.util.find_spec("uvloop"):
        import uvloop

        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
