"""Wire conversion of the sharing, group, schedule and scene models, on the reference's example answers; the
scheduler task rules and the emulator's recurrence as tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import gizwits_async as gizwits
from gizwits_async.emulator.timers import next_run
from gizwits_async.recurrence import check_task, task_fields

UTC = dt.UTC


def test_sharing_from_a_listed_invitation() -> None:
    wire = {"id": 20517, "type": 0, "status": 1, "uid": "a1b2", "username": "j***n", "user_alias": "Jan",
            "email": "j***@example.com", "phone": None, "did": "AbCdEfGhIjKlMnOpQrStUv", "product_name": "Pilote2",
            "dev_alias": "Salon", "created_at": "2026-11-30T09:00:00Z", "updated_at": "2026-11-30T09:00:00Z",
            "expired_at": "2026-12-01T09:00:00Z"}
    sharing = gizwits.Sharing.from_wire(wire)
    assert (sharing.id, sharing.type, sharing.status, sharing.username, sharing.phone) == (
        20517, "user", gizwits.SharingStatus.ACCEPTED, "j***n", "")
    assert sharing.expired_at == dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert sharing.raw == wire and sharing.code is None
    with pytest.raises(TypeError):
        sharing.raw["id"] = 1  # type: ignore[index]


def test_sharing_from_a_created_qr_invitation() -> None:
    sharing = gizwits.Sharing.created({"id": None, "qr_content": "type=share&code=0f1e"}, did="d", kind="qr")
    assert sharing.id is None and sharing.code == "0f1e" and sharing.status is gizwits.SharingStatus.UNREAD


def test_group_change_turns_reasons_into_typed_errors() -> None:
    change = gizwits.GroupChange.from_wire({
        "success": ["a"], "failed": ["b", "c"],
        "detail": [{"did": "b", "error_code": 9014, "error_message": "device not found!", "detail_msg": "b"},
                   {"did": "c", "error_code": "9017", "error_message": "device not bound!"}]})
    assert change.success == ["a"] and change.failed == ["b", "c"]
    assert isinstance(change.errors["b"], gizwits.DeviceNotFoundError) and change.errors["c"].code == 9017


def test_device_schedule_from_heatzys_answer() -> None:
    schedule = gizwits.DeviceSchedule.from_wire({
        "id": "6a1f00c2d3e4f5a6b7c8d9e1", "created_at": "2026-11-30T03:10:36", "did": "AbCdEfGhIjKlMnOpQrStUv",
        "product_key": "0123", "date": "", "time": "05:30", "repeat": "mon,tue,wed,thu,fri", "days": [],
        "enabled": True, "remark": "", "attrs": {"mode": 1}, "raw": "", "scene_id": "", "group_id": ""})
    assert schedule.date is None and schedule.time == dt.time(5, 30)
    assert schedule.repeat == ("mon", "tue", "wed", "thu", "fri") and schedule.attrs == {"mode": 1}
    assert schedule.created_at == dt.datetime(2026, 11, 30, 3, 10, 36, tzinfo=UTC) and schedule.command is None
    monthly = gizwits.DeviceSchedule.from_wire({"id": "x", "time": "07:00", "repeat": "day", "days": ["1", 15],
                                                "raw": "0a0b"})
    assert (monthly.repeat, monthly.days, monthly.command) == ("day", (1, 15), b"\n\x0b")


def test_scene_from_the_reference_example() -> None:
    scene = gizwits.Scene.from_wire({
        "id": "6a1f", "scene_name": "Night", "remark": "", "created_at": "2026-11-30T20:00:00Z",
        "updated_at": "2026-11-30T20:00:00Z",
        "tasks": [{"task_type": "device", "did": "AbC", "product_key": "0123", "attrs": {"mode": 1}, "raw": "",
                   "time": 0}, {"task_type": "delay", "time": 60}, {"task_type": "group", "group_id": "g",
                                                                      "raw": "AQI="}]})
    assert [t.kind for t in scene.tasks] == ["device", "delay", "group"]
    assert scene.tasks[0].attrs == {"mode": 1} and scene.tasks[1].seconds == 60
    assert scene.tasks[2].command == b"\x01\x02"


@pytest.mark.parametrize(("wire", "status"), [(0, "running"), (1, "done"), (2, "failed"), (3, "not run")])
def test_scene_status_by_index(wire: int, status: str) -> None:
    assert gizwits.SceneStatus.from_wire({"status": wire}) == status


@pytest.mark.parametrize("wire", [-1, 4])
def test_unknown_scene_status_is_refused(wire: int) -> None:
    with pytest.raises(ValueError, match="unknown scene status"):
        gizwits.SceneStatus.from_wire({"status": wire})


NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"time": "13:00", "attrs": {"a": 1}}, {"time": "13:00", "attrs": {"a": 1}, "repeat": "none",
                                                "date": "2026-01-01"}),
        ({"time": "11:00", "command": b"\x01", "repeat": "sun,mon"},
         {"time": "11:00", "raw": "01", "repeat": "mon,sun", "date": "2026-01-02"}),
        ({"time": dt.time(6), "attrs": {"a": 1}, "repeat": "day", "days": [15, 1, 15], "start_date": "2026-02-01",
          "end_date": dt.date(2026, 3, 1), "enabled": False, "remark": ""},
         {"time": "06:00", "attrs": {"a": 1}, "repeat": "day", "days": [1, 15], "start_date": "2026-02-01",
          "end_date": "2026-03-01", "enabled": False, "remark": "", "date": "2026-01-02"}),
    ],
)
def test_task_body(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    assert check_task(task_fields(fields), now=NOW) == expected


@pytest.mark.parametrize(
    ("fields", "after", "expected"),
    [
        ({"time": "06:00", "day": "2026-01-02"}, NOW, dt.datetime(2026, 1, 2, 6, tzinfo=UTC)),
        ({"time": "06:00", "day": "2026-01-01"}, NOW, None),  # a one-off in the past never runs
        ({"time": "06:00", "repeat": "mon"}, NOW, dt.datetime(2026, 1, 5, 6, tzinfo=UTC)),
        ({"time": "12:00", "repeat": "thu"}, NOW, NOW),  # at its very time: now
        ({"time": "06:00", "repeat": "day", "days": frozenset({31})}, dt.datetime(2026, 2, 1, tzinfo=UTC),
         dt.datetime(2026, 3, 31, 6, tzinfo=UTC)),
        ({"time": "06:00", "repeat": "mon", "start": "2026-02-01"}, NOW, dt.datetime(2026, 2, 2, 6, tzinfo=UTC)),
        ({"time": "06:00", "repeat": "mon", "end": "2026-01-04"}, NOW, None),  # over before the next Monday
    ],
)
def test_next_run(fields: dict[str, Any], after: dt.datetime, expected: dt.datetime | None) -> None:
    when = next_run(after=after.timestamp(), **fields)
    assert when == (None if expected is None else expected.timestamp())
