"""The corners a new user hits: --json failures, an expired token, a failed read, a past date, what control
says it sent, poll --count when nothing changes, and how the CLI behaves without its extra (tests/packaging)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from gizwits_async.cli.schedules import _check_future
from gizwits_async.cli.values import InputError
from gizwits_async.emulator import Emulator


def _json_failure(result: Any, exit_code: int) -> dict[str, Any]:
    """The one JSON object a failed --json command prints on stderr (and nothing on stdout)."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    failure: dict[str, Any] = json.loads(line)["error"]
    assert failure["exit_code"] == exit_code and failure["message"]
    return failure


def test_json_failures_are_one_json_object_on_stderr(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    refused = _json_failure(logged_in("--json", "control", dids[0], "brightness=999"), 1)
    assert (refused["code"], refused["kind"], refused["type"], refused["status"]) == (
        9025, "ATTR_INVALID", "AttrInvalidError", 400)
    assert "9025 ATTR_INVALID" in refused["message"]
    bad = _json_failure(logged_in("--json", "control", "bad/did", "switch=true"), 2)
    assert "not a device id" in bad["message"] and "code" not in bad
    assert "missing" in _json_failure(logged_in("--json", "schedules", "create"), 2)["message"].lower()
    logged_in("logout")
    assert "not logged in" in _json_failure(logged_in("--json", "devices"), 1)["message"]


def test_without_json_a_failure_stays_one_plain_line(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("control", dids[0], "brightness=999")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Gizwits error 9025 ATTR_INVALID") and len(result.stderr.splitlines()) == 1


def test_whoami_with_an_expired_token_says_so(logged_in: Any, config_dir: Path) -> None:
    (token_file,) = (config_dir / "tokens").iterdir()
    saved = json.loads(token_file.read_text())
    saved["expire_at"] = "2020-01-01T00:00:00+00:00" if isinstance(saved["expire_at"], str) else 1577836800
    token_file.write_text(json.dumps(saved))
    result = logged_in("whoami")
    assert result.exit_code == 1, result.output
    assert "Logged in" not in result.output
    assert "expired at 2020-01-01 00:00 UTC" in result.stderr and "gizwits login" in result.stderr


def test_latest_of_an_unknown_device_prints_no_empty_table(logged_in: Any) -> None:
    result = logged_in("latest", "NoSuchDevice")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("NoSuchDevice: Gizwits error 9014 DEVICE_NOT_FOUND")


def test_latest_failures_under_json_are_json_lines(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("--json", "latest", dids[0], "NoSuchDevice")
    assert result.exit_code == 1
    assert [r["did"] for r in json.loads(result.stdout)] == [dids[0], "NoSuchDevice"]
    (line,) = result.stderr.splitlines()
    failure = json.loads(line)
    assert failure["did"] == "NoSuchDevice" and failure["error"]["kind"] == "DEVICE_NOT_FOUND"


@pytest.mark.parametrize(("date", "at", "past"), [
    ("2020-01-01", "10:00", True),
    ("2026-06-01", "11:59", True),
    ("2026-06-01", "12:00", True),  # due now: already too late
    ("2026-06-01", "12:01", False),
    ("2026-06-02", "00:00", False),
    ("2026-13-01", "10:00", False),  # not a date: left to the library, which names the field
])
def test_check_future(date: str, at: str, past: bool) -> None:
    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    if past:
        with pytest.raises(InputError, match="in the past"):
            _check_future(date, at, now)
    else:
        _check_future(date, at, now)


def test_schedules_create_in_the_past_is_bad_input_and_sends_nothing(
        logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    emu.stats.reset()
    result = logged_in("schedules", "create", dids[0], "switch=true", "--time", "10:00", "--date", "2020-01-01",
                       "--product-key", "demo-product")
    assert result.exit_code == 2, result.output
    assert "2020-01-01 10:00 UTC is in the past" in result.stderr
    assert not emu.stats.requests
    weekly = logged_in("schedules", "create", dids[0], "switch=true", "--time", "10:00", "--date", "2020-01-01",
                       "--repeat", "mon", "--product-key", "demo-product")
    assert weekly.exit_code == 0, weekly.output  # a repeating task's date is where it starts


def test_control_echoes_what_was_sent(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    result = logged_in("control", dids[0], "color=hex:FF8800", "switch=true")
    assert result.exit_code == 0, result.output
    assert 'Sent {"color": "ff8800", "switch": true} to' in result.stdout
    assert emu.state.devices[dids[0]].attrs["color"] == "ff8800"
    sent = json.loads(logged_in("--json", "control", dids[0], "color=hex:0A0B0C").stdout)
    assert sent["attrs"] == {"color": "0a0b0c"}


def test_poll_count_ends_when_nothing_changes(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("--json", "poll", dids[0], "--interval", "0.05", "--count", "3")
    assert result.exit_code == 0, result.output
    (reading,) = [json.loads(line) for line in result.stdout.splitlines()]  # read 3 times, unchanged: shown once
    assert reading["did"] == dids[0]


def test_poll_piped_prints_a_line_per_reading(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    result = logged_in("poll", *dids[:2], "--interval", "1", "--count", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == dids[:2]
    assert "brightness=50" in lines[0] and "Polling" not in result.stdout


def test_poll_count_counts_failed_reads_and_a_gone_device_ends_the_poll(logged_in: Any, dids: list[str]) -> None:
    counted = logged_in("poll", dids[0], "NoSuchDevice", "--interval", "0.05", "--count", "2")
    assert counted.exit_code == 0, counted.output
    gone = logged_in("poll", "NoSuchDevice", "--interval", "0.05")  # no --count: ends as nothing is left to read
    assert gone.exit_code == 0, gone.output
    assert gone.stderr.count("NoSuchDevice: Gizwits error 9014") == 1


def test_a_bogus_log_level_in_the_environment_is_reported_not_ignored(gizwits: Any, emu: Emulator) -> None:
    result = gizwits("devices", env={"GIZWITS_LOG": "bogus"})
    assert result.exit_code == 2
    assert "bogus" in result.stderr and "--log-level" in result.stderr
    assert emu.stats.requests == {} or sum(emu.stats.requests.values()) == 0  # refused before anything was sent
