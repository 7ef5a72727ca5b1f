"""Servers for the benchmarks: a zero-cost nginx on loopback (with the echo module for latency) or the emulator.

nginx answers the two hot endpoints with fixed bodies, so the client is what is measured. Each latency gets
its own port. Where nginx (or its echo module) is missing, the bundled emulator stands in.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LATEST_BODY = json.dumps({"did": "bench", "updated_at": 1700000000, "attr": {"temp": 21, "switch": True}})
ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def nginx_available() -> bool:
    return shutil.which("nginx") is not None and ECHO_MODULE.exists()


def nginx_version() -> str:
    done = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


def _server_block(port: int, latency_ms: int) -> str:
    sleep = f"echo_sleep {latency_ms / 1000:.3f};" if latency_ms else ""
    body = LATEST_BODY.replace("'", "\\'")
    return f"""
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        keepalive_requests 1000000;
        default_type application/json;
        location /app/control/ {{ {sleep} echo '{{}}'; }}
        location /app/devdata/ {{ {sleep} echo '{body}'; }}
    }}"""


@contextlib.contextmanager
def nginx(latencies_ms: list[int], workers: int = 1) -> Iterator[dict[int, str]]:
    """Serve on one port per latency; yields ``{latency_ms: base_url}``."""
    ports = {latency: free_port() for latency in latencies_ms}
    with tempfile.TemporaryDirectory(prefix="gizwits-bench-nginx-") as tmp:
        conf = Path(tmp, "nginx.conf")
        conf.write_text(f"""
load_module {ECHO_MODULE};
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 8192; multi_accept on; }}
http {{
    access_log off;
    keepalive_timeout 120s;
    client_body_temp_path {tmp};
    proxy_temp_path {tmp};
    fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp};
    scgi_temp_path {tmp};
    {"".join(_server_block(port, latency) for latency, port in ports.items())}
}}
""")
        proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", tmp], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            for port in ports.values():
                wait_port(port)
            yield {latency: f"http://127.0.0.1:{port}" for latency, port in ports.items()}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextlib.contextmanager
def emulator(latency_ms: int, devices: int = 10) -> Iterator[str]:
    """The bundled emulator in its own process (so it does not share the client's event loop)."""
    port = free_port()
    args = [sys.executable, "-m", "gizwits_async.emulator", "--host", "127.0.0.1", "--port", str(port),
            "--devices", str(devices), "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        wait_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
