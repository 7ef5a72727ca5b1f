"""``share``, ``sharings``, ``groups`` and ``schedules device`` against the emulator."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from gizwits_async.cli.sharing import guest_of
from gizwits_async.emulator import Emulator


@pytest.mark.parametrize(
    ("user", "uid", "expected"),
    [
        ("alice", False, {"username": "alice"}),
        ("alice@example.com", False, {"email": "alice@example.com"}),
        ("+8613800000000", False, {"phone": "+8613800000000"}),
        ("13800000000", False, {"phone": "13800000000"}),
        ("a1b2c3", True, {"uid": "a1b2c3"}),
    ],
)
def test_guest_of(user: str, uid: bool, expected: dict[str, str]) -> None:
    assert guest_of(user, uid=uid) == expected


def test_share_then_the_guest_accepts(logged_in: Any, emu: Emulator, dids: list[str], config_dir: Any) -> None:
    emu.state.add_user("alice", "alice-password", email="alice@example.com")
    sent = logged_in("--json", "share", dids[0], "alice@example.com", "--duration", "30")
    assert sent.exit_code == 0, sent.output
    sharing_id = json.loads(sent.stdout)["id"]
    listed = logged_in("sharings")
    assert listed.exit_code == 0 and "1 invitation(s)" in listed.stdout and "unread" in listed.stdout

    assert logged_in("login", "alice", "--password", "alice-password").exit_code == 0
    received = logged_in("--json", "sharings", "--received", "--status", "unread")
    assert [s["id"] for s in json.loads(received.stdout)] == [sharing_id]
    accepted = logged_in("sharings", "accept", str(sharing_id))
    assert accepted.exit_code == 0, accepted.output
    assert dids[0] in emu.state.user("alice").bindings


def test_share_refusals_are_one_line_with_the_code(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    qr = logged_in("share", dids[0], "--qr")
    assert qr.exit_code == 0 and "type=share&code=" in qr.stdout
    both = logged_in("share", dids[0], "bob", "--qr")
    assert both.exit_code == 2 and "not both" in both.stderr
    nobody = logged_in("share", dids[0], "nobody")
    assert nobody.exit_code == 1 and "9082" in nobody.stderr


def test_groups_create_add_list_and_control(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    created = logged_in("--json", "groups", "create", "Floor 1", "--product-key", "demo-product")
    assert created.exit_code == 0, created.output
    group_id = json.loads(created.stdout)["id"]
    added = logged_in("groups", "add", group_id, *dids[:3])
    assert added.exit_code == 0 and "Added 3 device(s)" in added.stdout
    refused = logged_in("groups", "add", group_id, "nosuchdevice0000000000")
    assert refused.exit_code == 1 and "9014" in refused.stderr
    listing = logged_in("--json", "groups")
    assert json.loads(listing.stdout) == [{"id": group_id, "name": "Floor 1", "product_key": "demo-product",
                                           "dids": dids[:3]}]

    emu.state.set_online(dids[2], False)
    control = logged_in("--json", "groups", "control", group_id, "brightness=9")
    assert control.exit_code == 1  # one device did not take it
    assert json.loads(control.stdout)["applied"] == {dids[0]: True, dids[1]: True, dids[2]: False}
    assert emu.state.device(dids[0]).attrs["brightness"] == 9
    table = logged_in("groups", "control", group_id, "switch=true")
    assert "2 of 3 device(s) took it" in table.stdout


def test_device_schedules_create_list_delete(logged_in: Any, emu: Emulator, dids: list[str]) -> None:
    created = logged_in("--json", "schedules", "device", "create", dids[0], "switch=true", "--time", "06:30",
                        "--repeat", "day", "--days", "1,15", "--remark", "wake")
    assert created.exit_code == 0, created.output
    schedule_id = json.loads(created.stdout)["id"]
    listed = logged_in("--json", "schedules", "device", "list", dids[0])
    [shown] = json.loads(listed.stdout)
    assert (shown["id"], shown["time"], shown["repeat"], shown["days"], shown["remark"]) == (
        schedule_id, "06:30:00", "day", [1, 15], "wake")
    assert dt.date.fromisoformat(shown["date"]) >= dt.datetime.now(dt.UTC).date()
    table = logged_in("schedules", "device", "list", dids[0])
    assert "1 schedule(s)" in table.stdout and "1,15" in table.stdout
    bad = logged_in("schedules", "device", "create", dids[0], "switch=true", "--time", "06:30", "--days", "x")
    assert bad.exit_code == 2 and "--days" in bad.stderr
    deleted = logged_in("schedules", "device", "delete", dids[0], schedule_id)
    assert deleted.exit_code == 0 and emu.state.tasks.tasks == {}
