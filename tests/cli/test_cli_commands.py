"""The everyday commands against the emulator: output, exit codes, the token file, error lines."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gizwits_async.cli import cli
from gizwits_async.emulator import Emulator


def _one_error_line(result: Any, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("login", "logout", "whoami", "devices", "latest", "control", "raw", "bulk-control", "poll",
                 "schedules", "emulator", "demo"):
        assert name in result.output


def test_login_prompts_for_the_password_and_saves_a_private_token_file(
        gizwits: Any, emu: Emulator, config_dir: Path) -> None:
    result = gizwits("login", "demo", input="demo-password\n")
    assert result.exit_code == 0, result.output
    assert "Logged in as uid" in result.output
    (token_file,) = (config_dir / "tokens").iterdir()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    (token,) = emu.state.tokens
    assert token in token_file.read_text()
    assert token not in result.output and "demo-password" not in result.output


def test_whoami_and_logout(logged_in: Any, emu: Emulator) -> None:
    result = logged_in("--json", "whoami")
    assert result.exit_code == 0, result.output
    account = json.loads(result.stdout)
    assert account["uid"] == emu.state.user("demo").uid
    (token,) = emu.state.tokens
    assert token not in result.output
    assert logged_in("logout").exit_code == 0
    _one_error_line(logged_in("whoami"), 1, "not logged in")
    _one_error_line(logged_in("devices"), 1, "not logged in")


def test_wrong_password_is_one_line_with_the_gizwits_code(gizwits: Any) -> None:
    _one_error_line(gizwits("login", "demo", "--password", "nope"), 1, "9020", "USERNAME_PASSWORD_ERROR")


def test_missing_appid_is_bad_input(emu_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--base-url", emu_url, "devices"],
                                env={"GIZWITS_APPID": None, "GIZWITS_CONFIG_DIR": str(tmp_path)})
    _one_error_line(result, 2, "appid")


def test_devices_table_and_json(logged_in: Any, dids: list[str]) -> None:
    table = logged_in("devices")
    assert table.exit_code == 0, table.output
    assert "10 device(s)" in table.output and dids[0] in table.output
    listed = json.loads(logged_in("--json", "devices").stdout)
    assert [d["did"] for d in listed] == dids
    assert set(listed[0]) == {"did", "product_key", "is_online", "remark", "mac"}


def test_latest(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("--json", "latest", *dids[:2])
    assert result.exit_code == 0, result.output
    readings = json.loads(result.stdout)
    assert [r["did"] for r in readings] == dids[:2]
    assert readings[0]["attrs"]["brightness"] == 50


def test_latest_reports_each_failure_and_exits_1(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("latest", dids[0], "NoSuchDevice")
    assert result.exit_code == 1
    assert dids[0] in result.stdout
    assert "NoSuchDevice: Gizwits error 9014 DEVICE_NOT_FOUND" in result.stderr


def test_control_parses_json_scalars_words_and_hex(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    result = logged_in("control", dids[0], "switch=true", "brightness=30", "mode=cool", "color=hex:0a0B0c")
    assert result.exit_code == 0, result.output
    attrs = emu.state.devices[dids[0]].attrs
    assert (attrs["switch"], attrs["brightness"], attrs["mode"], attrs["color"]) == (True, 30, "cool", "0a0b0c")


def test_control_bad_input_exits_2_before_any_request(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    emu.stats.reset()
    _one_error_line(logged_in("control", dids[0], "brightness=12x"), 2, "cannot parse value")
    _one_error_line(logged_in("control", dids[0], "brightness"), 2, "NAME=VALUE")
    _one_error_line(logged_in("control", dids[0], "color=hex:zz"), 2, "not hex")
    _one_error_line(logged_in("control", dids[0], "x=[1]"), 2, "not a scalar")
    _one_error_line(logged_in("control", "bad/did", "switch=true"), 2, "not a device id")
    assert not emu.stats.requests


def test_control_refused_by_the_server_exits_1(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    _one_error_line(logged_in("control", dids[0], "brightness=999"), 1, "9025", "ATTR_INVALID")
    emu.state.set_online(dids[1], False)
    _one_error_line(logged_in("control", dids[1], "switch=true"), 1, "9042", "DEVICE_OFFLINE")


def test_raw(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    assert logged_in("raw", dids[0], "01 02ff").exit_code == 0
    assert emu.state.devices[dids[0]].last_raw == [1, 2, 255]
    _one_error_line(logged_in("raw", dids[0], "xyz"), 2, "not hex")


def test_poll_prints_readings_until_count(logged_in: Any, dids: list[str]) -> None:
    result = logged_in("--json", "poll", *dids[:2], "--interval", "0.3", "--every", "--count", "4")
    assert result.exit_code == 0, result.output
    readings = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(readings) == 4 and {r["did"] for r in readings} == set(dids[:2])
    table = logged_in("poll", dids[0], "--interval", "0.05", "--duration", "0.3", env={"FORCE_COLOR": "1"})
    assert table.exit_code == 0, table.output
    assert dids[0] in table.stdout and "Polling" in table.stdout  # on a terminal: the live table


def test_schedules_create_list_logs_delete(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    due = dt.datetime.fromtimestamp(emu.clock.now() + 300, dt.UTC)  # type: ignore[attr-defined]
    created = logged_in("--json", "schedules", "create", dids[0], "switch=true", "--time", f"{due:%H:%M}",
                        "--date", f"{due:%Y-%m-%d}")
    assert created.exit_code == 0, created.output
    schedule_id = json.loads(created.stdout)["id"]
    listed = logged_in("schedules", "list")
    assert schedule_id in listed.stdout and f"{due:%H:%M}" in listed.stdout
    emu.clock.advance(600)  # type: ignore[attr-defined]
    logs = logged_in("schedules", "logs", schedule_id)
    assert logs.exit_code == 0, logs.output
    assert "succeed" in logs.stdout and "1 run(s)" in logs.stdout
    assert logged_in("schedules", "delete", schedule_id).exit_code == 0
    _one_error_line(logged_in("schedules", "logs", schedule_id), 1, "9030")


def test_schedule_of_an_unbound_device_is_bad_input(logged_in: Any, emu: Emulator) -> None:
    stranger = emu.state.add_device().did
    _one_error_line(logged_in("schedules", "create", stranger, "switch=true", "--time", "10:00"), 2, "not bound")
    _one_error_line(logged_in("schedules", "create", stranger, "switch=true", "--time", "25:00",
                              "--product-key", "demo-product"), 2, "HH:MM")


def test_a_revoked_token_says_to_log_in_again(logged_in: Any, emu: Emulator) -> None:
    emu.state.revoke_tokens("demo")
    _one_error_line(logged_in("devices"), 1, "9004 TOKEN_INVALID", "gizwits login")


def test_a_bad_base_url_is_bad_input(gizwits: Any) -> None:
    _one_error_line(gizwits("--base-url", "ftp://nowhere", "login", "demo", "--password", "x"), 2, "base_url")
