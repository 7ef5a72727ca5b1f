"""`--product FILE`: the emulator serves a product read from a datapoint schema file, and checks its values."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx

SCHEMA = {"product_key": "pump", "name": "Wave pump", "entities": [{"id": 0, "name": "entity0", "attrs": [
    {"id": 0, "name": "Mode", "data_type": "enum", "type": "status_writable", "enum": ["经典", "正弦"]},
    {"id": 1, "name": "rssi", "data_type": "uint8", "type": "status_readonly",
     "uint_spec": {"min": 0, "max": 100, "ratio": 1, "addition": -100}}]}]}


def test_product_option_serves_the_schema_and_checks_by_it(tmp_path: Path) -> None:
    path = tmp_path / "pump.json"
    path.write_text(json.dumps(SCHEMA, ensure_ascii=False), encoding="utf-8")
    command = [sys.executable, "-m", "gizwits_async.emulator", "--port", "0", "--devices", "2", "--product", str(path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
            assert found
            with httpx.Client(base_url=found.group(1), headers={"X-Gizwits-Application-Id": "demo-appid"}) as client:
                schema = client.get("/app/datapoint", params={"product_key": "pump"}).json()
                points = {p["name"]: p for p in schema["entities"][0]["attrs"]}
                assert points["Mode"]["enum"] == ["经典", "正弦"]
                assert points["rssi"]["uint_spec"] == {"min": 0, "max": 100, "ratio": 1, "addition": -100}
                token = client.post("/app/login", json={"username": "demo", "password": "demo-password"}).json()
                user = {"X-Gizwits-User-token": token["token"]}
                devices = client.get("/app/bindings", headers=user).json()["devices"]
                assert {d["product_key"] for d in devices} == {"pump"}
                did = devices[0]["did"]
                assert client.get(f"/app/devdata/{did}/latest").json()["attr"] == {"Mode": "经典", "rssi": -100}
                refused = client.post(f"/app/control/{did}", json={"attrs": {"Mode": "随机"}}, headers=user)
                assert refused.json()["error_code"] == 9025
                assert client.post(f"/app/control/{did}", json={"attrs": {"Mode": 1}}, headers=user).status_code == 200
            process.terminate()
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()


def test_a_file_that_is_not_a_schema_is_refused_before_serving(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gizwits_async.emulator.command import emulator

    path = tmp_path / "bad.json"
    path.write_text('{"entities": []}', encoding="utf-8")  # no product_key
    result = CliRunner().invoke(emulator, ["--product", str(path), "--port", "0"])
    assert result.exit_code == 2
    assert "not a datapoint schema" in result.output and "product_key" in result.output
