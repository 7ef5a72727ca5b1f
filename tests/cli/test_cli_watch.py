"""``gizwits watch``: push news of the devices as JSON lines, plain lines or a live table."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from gizwits_async.emulator import Emulator


def test_watch_json_is_one_event_per_line_for_every_bound_device(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("--json", "watch", "--count", str(len(dids) + 2), "--heartbeat", "5")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == len(dids) + 2
    connections = [e for e in events if e["event"] == "connection"]
    assert [e["state"] for e in connections] == ["connected", "connected"]  # the emulator's two push ports
    assert len({e["url"] for e in connections}) == 2
    readings = [e for e in events if e["event"] == "attrs"]
    assert sorted(e["did"] for e in readings) == sorted(dids)
    assert all(e["attrs"]["color"] == "ffffff" and e["at"].endswith("+00:00") for e in readings)  # bytes as hex


def test_watch_reports_a_change_made_elsewhere(logged_in: Any, emu_url: str, emu: Emulator, dids: list[str]) -> None:
    token = next(iter(emu.state.tokens))

    def control_soon() -> None:
        httpx.post(f"{emu_url}/app/control/{dids[0]}", json={"attrs": {"brightness": 9}},
                   headers={"X-Gizwits-Application-Id": "demo-appid", "X-Gizwits-User-token": token})

    timer = threading.Timer(0.5, control_soon)
    timer.start()
    try:
        result = logged_in("watch", dids[0], "--count", "3", "--heartbeat", "5")
    finally:
        timer.join()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith('event="connection"') and 'state="connected"' in lines[0]
    assert f'did="{dids[0]}"' in lines[1] and '"brightness": 50' in lines[1]
    assert lines[2].startswith('event="attrs"') and '{"brightness": 9}' in lines[2]


def test_watch_table_on_a_terminal(logged_in: Any, dids: list[str]) -> None:
    table = logged_in("watch", dids[0], "--duration", "0.5", "--heartbeat", "5", env={"FORCE_COLOR": "1"})
    assert table.exit_code == 0, table.output
    assert dids[0] in table.stdout and "1/1 sockets connected" in table.stdout
    row = next(line for line in table.stdout.splitlines() if dids[0] in line)
    assert " yes " in row and " ? " not in row  # online as the device's record says, before any online event


def test_watch_names_an_unknown_device(logged_in: Any) -> None:
    result = logged_in("watch", "NotBoundToDemoAtAll123", "--duration", "0.2")
    assert result.exit_code == 0, result.output
    assert "NotBoundToDemoAtAll123" in result.stderr and "9017" in result.stderr
