"""``gizwits demo`` end to end, and ``gizwits emulator`` as a real process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import httpx
from click.testing import CliRunner

from gizwits_async.cli import cli


def test_demo_runs_end_to_end() -> None:
    result = CliRunner().invoke(cli, ["demo", "--devices", "100", "--latency-ms", "5"], env={"COLUMNS": "200"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for line in ("sign up, log in", "bind ", "100 devices in 1 batches", "99 ok, 1 failed (1 x 9042 DEVICE_OFFLINE)",
                 "99 devices report the values sent", "Changes seen by polling", "run 'succeed', 3/3 off",
                 "99 changes all seen by push", "99 changes all seen by polling every 1 s",
                 "Summary", "total (wall clock)"):
        assert line in out, line


def test_demo_json_summary() -> None:
    result = CliRunner().invoke(cli, ["--json", "demo", "--devices", "20", "--latency-ms", "0"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["devices"] == 20 and summary["requests"] > 40
    assert [s["name"] for s in summary["steps"]] == [
        "sign up, log in", "bind", "list bindings", "bulk control", "read back", "poll", "watch by push",
        "same by polling", "schedule"]


def test_emulator_command_serves_and_prints_its_url() -> None:
    command = [sys.executable, "-c", "from gizwits_async.cli import main; main()", "emulator", "--port", "0",
               "--devices", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
                          ) as process:
        assert process.stdout is not None
        try:
            line = process.stdout.readline()
            assert line.startswith("Gizwits emulator serving on http://127.0.0.1:"), line
            base_url = line.split()[4]
            assert httpx.get(base_url + "/").json()["appid"] == "demo-appid"
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(10)
    assert process.returncode == 0


def test_emulator_help() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "--latency-ms" in result.output and "--devices" in result.output


def test_emulator_on_a_taken_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(cli, ["emulator", "--port", port])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: cannot serve on 127.0.0.1:{port}"  # after uvicorn's
    assert "Traceback" not in result.output


def test_emulator_command_serves_push_on_several_ports() -> None:
    command = [sys.executable, "-c", "from gizwits_async.cli import main; main()", "emulator", "--port", "0",
               "--devices", "6", "--push-ports", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
                          ) as process:
        assert process.stdout is not None
        try:
            base_url = process.stdout.readline().split()[4]
            headers = {"X-Gizwits-Application-Id": "demo-appid"}
            token = httpx.post(base_url + "/app/login", json={"username": "demo", "password": "demo-password"},
                               headers=headers).json()["token"]
            rows = httpx.get(base_url + "/app/bindings", headers={**headers, "X-Gizwits-User-token": token}
                             ).json()["devices"]
            ports = [row["ws_port"] for row in rows]
            assert ports[0] == int(base_url.rsplit(":", 1)[1]) and len(set(ports)) == 3
            assert httpx.get(base_url + "/_emulator/push").json()["sockets"] == 0
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(10)
    assert process.returncode == 0
