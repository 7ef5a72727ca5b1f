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


def _server_block(port: int, latency_ms: int, tls: str) -> str:
    sleep = f"echo_sleep {latency_ms / 1000:.3f};" if latency_ms else ""
    body = LATEST_BODY.replace("'", "\\'")
    return f"""
    server {{
        listen 127.0.0.1:{port}{" ssl" if tls else ""} backlog=4096;
        {tls}
        keepalive_requests 1000000;
        default_type application/json;
        location /app/control/ {{ {sleep} echo '{{}}'; }}
        location /app/devdata/ {{ {sleep} echo '{body}'; }}
    }}"""


def certificates(directory: str) -> tuple[str, str, str]:
    """A private CA and a certificate it signs for 127.0.0.1 (RSA 2048, like most public sites):
    (CA bundle, certificate, key) paths in ``directory``."""
    ca, ca_key, cert, key, csr = (str(Path(directory, name)) for name in
                                  ("ca.pem", "ca.key", "server.pem", "server.key", "server.csr"))
    ext = Path(directory, "san.ext")
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj",
         "/CN=gizwits-bench-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
         "-extfile", str(ext)],
    ):
        subprocess.run(["openssl", *command], check=True, capture_output=True)
    return ca, cert, key


@contextlib.contextmanager
def nginx(latencies_ms: list[int], workers: int = 1) -> Iterator[dict[int, str]]:
    """Serve on one port per latency; yields ``{latency_ms: base_url}``."""
    with _nginx(latencies_ms, workers, tls=False) as (urls, _):
        yield urls


@contextlib.contextmanager
def nginx_https(latencies_ms: list[int], workers: int = 1) -> Iterator[tuple[dict[int, str], str]]:
    """`nginx` over TLS with a certificate of a private CA; yields ``({latency_ms: base_url}, CA bundle path)``."""
    with _nginx(latencies_ms, workers, tls=True) as served:
        yield served


@contextlib.contextmanager
def _nginx(latencies_ms: list[int], workers: int, tls: bool) -> Iterator[tuple[dict[int, str], str]]:
    ports = {latency: free_port() for latency in latencies_ms}
    with tempfile.TemporaryDirectory(prefix="gizwits-bench-nginx-") as tmp:
        ca, cert, key = certificates(tmp) if tls else ("", "", "")
        tls_lines = f"ssl_certificate {cert}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv1.3;" if tls else ""
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
    {"".join(_server_block(port, latency, tls_lines) for latency, port in ports.items())}
}}
""")
        proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", tmp], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            for port in ports.values():
                wait_port(port)
            scheme = "https" if tls else "http"
            yield {latency: f"{scheme}://127.0.0.1:{port}" for latency, port in ports.items()}, ca
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
