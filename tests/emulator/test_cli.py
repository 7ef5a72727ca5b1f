"""`python -m gizwits_async.emulator`: prints its URL first, serves the defaults, stops cleanly on a signal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest

from gizwits_async.emulator.__main__ import build_parser


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signalled(sig: signal.Signals) -> None:
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", "--devices", "3", "--latency-ms", "1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.fullmatch(
                r"Gizwits emulator serving on (http://127\.0\.0\.1:\d+) \(appid demo-appid, "
                r"user demo/demo-password\)\n",
                first,
            )
            assert match, first
            headers = {"X-Gizwits-Application-Id": "demo-appid"}
            with httpx.Client(base_url=match.group(1), headers=headers) as client:
                assert client.get("/").json()["appid"] == "demo-appid"
                login = client.post("/app/login", json={"username": "demo", "password": "demo-password"}).json()
                devices = client.get("/app/bindings", headers={"X-Gizwits-User-token": login["token"]}).json()
                assert len(devices["devices"]) == 3
            process.send_signal(sig)
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()


def test_options_map_to_config_and_faults() -> None:
    args = build_parser().parse_args(["--rate-limit", "50", "--error-rate", "0.1", "--token-ttl", "60", "--drift"])
    assert (args.rate_limit, args.error_rate, args.token_ttl, args.drift, args.port) == (50, 0.1, 60, True, 8765)
