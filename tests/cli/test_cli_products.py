"""``device``, ``datapoints``, ``history`` and ``rename`` against the emulator."""

from __future__ import annotations

import json
import time
from typing import Any

import click
import pytest

from gizwits_async.cli.products import parse_duration
from gizwits_async.emulator import Emulator, EmulatorConfig, FakeClock


@pytest.fixture
def emu() -> Emulator:
    """An emulator whose clock starts a minute ago, so that what happens on it is history by the CLI's clock."""
    return Emulator(EmulatorConfig(devices=3), clock=FakeClock(time.time() - 60))


def test_device_shows_every_field_but_the_passcode(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    result = logged_in("--json", "device", dids[0])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["did"] == dids[0] and shown["product_key"] == "demo-product" and shown["mac"]
    assert "passcode" not in shown and emu.state.device(dids[0]).passcode not in result.output
    table = logged_in("device", dids[0])
    assert table.exit_code == 0 and "product_key" in table.stdout and "demo-product" in table.stdout


def test_datapoints_table_and_json(logged_in: Any) -> None:
    result = logged_in("--json", "datapoints", "demo-product")
    assert result.exit_code == 0, result.output
    points = {p["name"]: p for p in json.loads(result.stdout)["datapoints"]}
    assert points["brightness"] == {"name": "brightness", "display_name": "brightness", "type": "uint8",
                                    "writable": True, "values": "0..100 step 1"}
    assert points["mode"]["values"] == "0=auto | 1=cool | 2=heat"
    assert points["color"]["values"] == "3 bytes" and points["temp"]["writable"] is False
    table = logged_in("datapoints", "demo-product")
    assert "6 datapoint(s)" in table.stdout and "0..500 step 1" in table.stdout
    refused = logged_in("datapoints", "nope")
    assert refused.exit_code == 1 and "9002" in refused.stderr


def test_history_lists_commands_and_online_events(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    assert logged_in("control", dids[0], "switch=true").exit_code == 0
    emu.state.set_online(dids[0], False)
    emu.clock.set(time.time() + 2)  # the server's clock ahead of the client's, as on the real service
    result = logged_in("--json", "history", dids[0], "--since", "5m")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["kind"] for r in records] == ["app2dev", "dev2app"]
    assert bytes.fromhex(records[0]["payload"]) == b'{"switch": true}'
    online = json.loads(logged_in("--json", "history", dids[0], "--kind", "online").stdout)
    assert [r["kind"] for r in online] == ["dev_offline"]
    table = logged_in("history", dids[0], "--since", "1h")
    assert "2 record(s)" in table.stdout and "app2dev" in table.stdout
    too_old = logged_in("history", dids[0], "--since", "8d")
    assert too_old.exit_code != 0 and "7 days" in too_old.stderr


def test_rename_sets_the_alias_only(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    binding = emu.state.user("demo").bindings[dids[1]]
    remark = binding.remark
    result = logged_in("rename", dids[1], "Salon")
    assert result.exit_code == 0, result.output
    assert binding.dev_alias == "Salon" and binding.remark == remark
    assert json.loads(logged_in("--json", "device", dids[1]).stdout)["dev_alias"] == "Salon"


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("1.5h", 5400), ("2d", 172800)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "h", "1w", "-1h", "1h30m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_duration(text)
