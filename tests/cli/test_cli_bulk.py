"""``gizwits bulk-control``: CSV and JSONL input, the summary, the failed-rows file fed back in, bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gizwits_async.cli.bulk import failed_rows_path
from gizwits_async.emulator import Emulator


def _csv(path: Path, dids: list[str]) -> Path:
    lines = ["did,switch,brightness,color"] + [f"{did},true,{10 + i},hex:0a0b0c" for i, did in enumerate(dids)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_with_an_offline_device_exits_1_and_the_failed_rows_can_be_fed_back(
        logged_in: Any, emu: Emulator, dids: list[str], tmp_path: Path) -> None:
    emu.state.set_online(dids[3], False)
    source = _csv(tmp_path / "fleet.csv", dids)
    result = logged_in("bulk-control", str(source), "--concurrency", "4")
    assert result.exit_code == 1, result.output
    assert "9 ok" in result.stdout and "1 failed" in result.stdout and "1 x 9042 DEVICE_OFFLINE" in result.stdout
    assert emu.state.devices[dids[0]].attrs["brightness"] == 10
    failed_file = tmp_path / "fleet.failed.jsonl"
    (row,) = [json.loads(line) for line in failed_file.read_text().splitlines()]
    assert row["did"] == dids[3] and row["error"]["code"] == 9042
    assert row["attrs"] == {"switch": True, "brightness": 13, "color": "hex:0a0b0c"}

    emu.state.set_online(dids[3], True)
    retry = logged_in("--json", "bulk-control", str(failed_file), "--failed-out", str(tmp_path / "again.jsonl"))
    assert retry.exit_code == 0, retry.output
    summary = json.loads(retry.stdout)
    assert (summary["total"], summary["ok"], summary["failed"], summary["failed_out"]) == (1, 1, 0, None)
    assert emu.state.devices[dids[3]].attrs["brightness"] == 13
    assert not (tmp_path / "again.jsonl").exists()


def test_jsonl_with_rate_and_json_summary(logged_in: Any, emu: Emulator, dids: list[str], tmp_path: Path) -> None:
    source = tmp_path / "commands.jsonl"
    source.write_text("".join(json.dumps({"did": did, "attrs": {"mode": "heat", "counter": 7}}) + "\n"
                              for did in dids[:4]) + "\n")
    result = logged_in("--json", "bulk-control", str(source), "--rate", "200")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] == 4
    assert all(emu.state.devices[did].attrs["mode"] == "heat" for did in dids[:4])


def test_dry_run_sends_nothing(logged_in: Any, emu: Emulator, dids: list[str], tmp_path: Path) -> None:
    source = _csv(tmp_path / "fleet.csv", dids)
    emu.stats.reset()
    result = logged_in("bulk-control", str(source), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "10 row(s) OK, nothing sent" in result.stdout
    assert not emu.stats.requests


@pytest.mark.parametrize(("content", "message"), [
    ("did,switch\nbad/did,true\n", "fleet.csv:2: not a device id"),
    ("did,brightness\nabc,12x\n", "fleet.csv:2: cannot parse value"),
    ("device,switch\nabc,true\n", "fleet.csv:1: the CSV header"),
    ("did,switch\nabc,\n", "fleet.csv:2: no datapoint to set"),
    ('{"did": "abc", "attrs": {"switch": [1]}}\n', "fleet.csv:1: value"),
    ('{"did": "abc"}\n', 'fleet.csv:1: expected {"did"'),
    ("did,switch\n", "no rows"),
])
def test_bad_files_exit_2_with_the_line(logged_in: Any, tmp_path: Path, content: str, message: str) -> None:
    source = tmp_path / "fleet.csv"
    source.write_text(content)
    result = logged_in("bulk-control", str(source))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_missing_file_exits_2(logged_in: Any, tmp_path: Path) -> None:
    result = logged_in("bulk-control", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("Error: cannot read") and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("name", "failed"), [
    ("fleet.csv", "fleet.failed.jsonl"),
    ("fleet.jsonl", "fleet.failed.jsonl"),
    ("fleet", "fleet.failed.jsonl"),
    ("fleet.failed.jsonl", "fleet.failed.jsonl"),  # a retry rewrites the same file
])
def test_failed_rows_path(name: str, failed: str) -> None:
    assert failed_rows_path(Path("/data") / name) == Path("/data") / failed


def test_permanent_and_transient_failures_and_retry_transient(
        logged_in: Any, emu: Emulator, dids: list[str], tmp_path: Path) -> None:
    emu.state.set_online(dids[1], False)  # transient: 9042
    source = tmp_path / "fleet.csv"
    source.write_text(f"did,brightness\n{dids[0]},10\n{dids[1]},20\n{dids[2]},999\nnosuchdevice0000000000,5\n")
    first = logged_in("--json", "bulk-control", str(source))
    assert first.exit_code == 1, first.output
    summary = json.loads(first.stdout)
    assert (summary["ok"], summary["failed"], summary["permanent"], summary["transient"]) == (1, 3, 2, 1)
    failed_file = tmp_path / "fleet.failed.jsonl"
    rows = [json.loads(line) for line in failed_file.read_text().splitlines()]
    assert [(r["did"], r["error"]["code"], r["error"]["kind"], r["error"]["permanent"]) for r in rows] == [
        (dids[1], 9042, "DEVICE_OFFLINE", False),
        (dids[2], 9025, "ATTR_INVALID", True),
        ("nosuchdevice0000000000", 9014, "DEVICE_NOT_FOUND", True),
    ]

    emu.state.set_online(dids[1], True)
    emu.stats.reset()
    retry = logged_in("bulk-control", str(failed_file), "--retry-transient")
    assert retry.exit_code == 0, retry.output  # every row it sent succeeded
    assert emu.stats.requests["C1"] == 1 and emu.state.devices[dids[1]].attrs["brightness"] == 20
    assert "2 row(s) with a permanent failure not retried" in retry.stdout
    assert not (tmp_path / "fleet.failed.jsonl.failed.jsonl").exists()
    left = [json.loads(line) for line in failed_file.read_text().splitlines()]
    assert [(r["did"], r["error"]["code"]) for r in left] == [(dids[2], 9025), ("nosuchdevice0000000000", 9014)]

    # Without --retry-transient the permanent rows are sent again, fail again, and stay in the file.
    again = logged_in("--json", "bulk-control", str(failed_file))
    assert again.exit_code == 1 and json.loads(again.stdout)["permanent"] == 2
    assert len(failed_file.read_text().splitlines()) == 2


def test_a_run_without_failures_removes_the_stale_failed_rows_file(
        logged_in: Any, dids: list[str], tmp_path: Path) -> None:
    source = _csv(tmp_path / "fleet.csv", dids[:2])
    stale = tmp_path / "fleet.failed.jsonl"
    stale.write_text(json.dumps({"did": dids[0], "attrs": {"switch": True}}) + "\n")
    result = logged_in("bulk-control", str(source))
    assert result.exit_code == 0, result.output
    assert not stale.exists()
