"""The emulator's command line (`python -m gizwits_async.emulator`, the same command as `gizwits emulator`):
prints its URL first, serves what its options say, stops cleanly on a signal and prints its stats."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from gizwits_async.cli import cli
from gizwits_async.emulator.command import emulator

BANNER = re.compile(r"Gizwits emulator serving on (http://127\.0\.0\.1:\d+) \((.*), user demo/demo-password\)\n")


@contextmanager
def served(*options: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Run the emulator with ``options`` on a free port: (process, base URL, the banner's appid part)."""
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = BANNER.fullmatch(first)
            assert match, first
            yield process, match.group(1), match.group(2)
        finally:
            process.kill()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signalled_then_prints_its_stats(sig: signal.Signals) -> None:
    with served("--devices", "3", "--latency-ms", "1") as (process, base_url, appids):
        assert appids == "appid demo-appid"
        headers = {"X-Gizwits-Application-Id": "demo-appid"}
        with httpx.Client(base_url=base_url, headers=headers) as client:
            assert client.get("/").json()["appid"] == "demo-appid"
            login = client.post("/app/login", json={"username": "demo", "password": "demo-password"}).json()
            devices = client.get("/app/bindings", headers={"X-Gizwits-User-token": login["token"]}).json()
            assert len(devices["devices"]) == 3
            assert client.get("/_emulator/stats").json() == {
                "requests": {"U11": 1, "D2": 1}, "logins": 1, "login_failures": 0}
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None
        assert process.stdout.read() == "Emulator stats: logins 1 (0 failed); requests: U11 1, D2 1\n"


def test_options_reach_the_served_emulator(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(json.dumps([{"username": "alice", "password": "pw-a", "devices": 2},
                                 {"username": "bob", "password": "pw-b", "email": "bob@example.test"}]))
    options = ["--appid", "app-one", "--appid", "app-two", "--devices", "1", "--users", str(users),
               "--content-type", "real", "--error-rate", "0", "--error-status", "500", "--error-page", "plain"]
    with served(*options) as (process, base_url, appids), httpx.Client(base_url=base_url) as client:
        assert appids == "appids app-one, app-two"
        for appid, user, password, count in (("app-one", "alice", "pw-a", 2), ("app-two", "bob@example.test",
                                                                                "pw-b", 0)):
            headers = {"X-Gizwits-Application-Id": appid}
            login = client.post("/app/login", headers=headers, json={"username": user, "password": password})
            assert (login.status_code, login.headers["content-type"]) == (200, "application/json")
            rows = client.get("/app/bindings", headers={**headers, "X-Gizwits-User-token": login.json()["token"]})
            assert rows.headers["content-type"] == "text/html; charset=utf-8"  # the real service's mix
            assert len(rows.json()["devices"]) == count
        refused = client.post("/app/login", headers={"X-Gizwits-Application-Id": "demo-appid"}, json={})
        assert (refused.status_code, refused.json()["error_code"]) == (400, 9003)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_injected_errors_follow_the_options() -> None:
    with served("--error-rate", "1", "--error-status", "500", "--error-page", "plain") as (process, base_url, _):
        with httpx.Client(base_url=base_url) as client:
            answer = client.get("/app/bindings")
        assert (answer.status_code, answer.headers["content-type"]) == (500, "text/plain; charset=utf-8")
        assert answer.text == "500 Internal Server Error\n"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_any_appid() -> None:
    with served("--any-appid") as (process, base_url, appids), httpx.Client(base_url=base_url) as client:
        assert appids == "any appid"
        login = client.post("/app/login", headers={"X-Gizwits-Application-Id": "whatever-app"},
                            json={"username": "demo", "password": "demo-password"})
        assert login.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("{}", "expected a JSON list"), ('[{"username": "a"}]', "password must be a non-empty string"),
     ('[{"username": "a", "password": "p", "devices": -1}]', "devices must be a whole number"),
     ('[{"username": "a", "password": "p", "role": "x"}]', "unknown keys"), ("[", "Expecting value")],
)
def test_a_bad_users_file_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    users = tmp_path / "users.json"
    users.write_text(content)
    result = CliRunner().invoke(emulator, ["--users", str(users)])
    assert result.exit_code == 2
    assert message in result.output and "--users" in result.output


@pytest.mark.parametrize(
    "options",
    [["--content-type", "xml"], ["--error-status", "404"], ["--error-page", "json"], ["--error-rate", "2"],
     ["--port", "70000"]],
)
def test_bad_options_are_usage_errors(options: list[str]) -> None:
    result = CliRunner().invoke(emulator, options)
    assert result.exit_code == 2, result.output


def test_gizwits_emulator_is_the_same_command() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--help"], prog_name="gizwits")
    assert result.exit_code == 0
    assert "Usage: gizwits emulator [OPTIONS]" in result.output
    for option in ("--appid", "--any-appid", "--users", "--content-type", "--error-status", "--error-page"):
        assert option in result.output


def test_port_in_use_is_a_clean_error() -> None:
    with served() as (process, base_url, _):
        port = base_url.rsplit(":", 1)[1]
        result = CliRunner().invoke(emulator, ["--port", port])
        assert result.exit_code == 1
        assert "cannot serve on 127.0.0.1" in result.output
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_gizwits_version() -> None:
    from gizwits_async import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.output) == (0, f"gizwits, version {__version__}\n")
