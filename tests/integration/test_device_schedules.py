"""Per-device schedules, the common scheduler and scenes against the emulator on loopback; tasks and scenes run
on the emulator's fake clock."""

from __future__ import annotations

import datetime as dt

import pytest

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.parametrize("devices", [4])


def clock_at(emulator: Emulator[FakeClock], *, minutes: int) -> tuple[dt.date, dt.time]:
    """The UTC date and time of day ``minutes`` from the emulator's now (whole minutes)."""
    now = dt.datetime.fromtimestamp(emulator.clock.now(), dt.UTC).replace(second=0, microsecond=0)
    at = now + dt.timedelta(minutes=minutes)
    return at.date(), at.time()


def advance_to(emulator: Emulator[FakeClock], day: dt.date, time: dt.time) -> None:
    emulator.clock.set(dt.datetime.combine(day, time, dt.UTC))


async def test_device_schedule_fires_on_the_emulator_clock(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    day, time = clock_at(emulator, minutes=30)
    schedule_id = await session.create_device_schedule(dids[0], time=time, date=day, attrs={"brightness": 77},
                                                       remark="wake up")
    [listed] = await session.device_schedules(dids[0])
    assert (listed.id, listed.did, listed.date, listed.time) == (schedule_id, dids[0], day, time)
    assert (listed.repeat, listed.attrs, listed.enabled, listed.remark) == ("none", {"brightness": 77}, True,
                                                                            "wake up")
    assert listed.product_key == "demo-product"
    advance_to(emulator, day, (dt.datetime.combine(day, time) - dt.timedelta(minutes=1)).time())
    assert emulator.state.device(dids[0]).attrs["brightness"] == 50
    advance_to(emulator, day, time)
    assert emulator.state.device(dids[0]).attrs["brightness"] == 77
    assert emulator.state.tasks.tasks[schedule_id].runs == [(f"{day}T{time:%H:%M}:00", True)]


async def test_weekly_and_monthly_schedules_recur(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    weekly = await session.create_device_schedule(dids[0], time="06:00", repeat=["mon", "wed"],
                                                  attrs={"switch": True})
    monthly = await session.create_device_schedule(dids[1], time="07:00", repeat="day", days=[1, 15],
                                                   command=b"\x05\x06")
    listed = {s.id: s for s in await session.device_schedules(dids[1])}
    assert listed[monthly].repeat == "day" and listed[monthly].days == (1, 15)
    assert listed[monthly].command == b"\x05\x06"
    emulator.clock.advance(35 * 86400)
    runs = emulator.state.tasks.tasks[weekly].runs
    assert len(runs) == 10 and all(ok for _, ok in runs)
    assert {dt.date.fromisoformat(at[:10]).weekday() for at, _ in runs} == {0, 2}
    monthly_runs = emulator.state.tasks.tasks[monthly].runs
    assert len(monthly_runs) in (2, 3) and {at[8:10] for at, _ in monthly_runs} <= {"01", "15"}
    assert emulator.state.device(dids[1]).last_raw == [5, 6]


async def test_update_changes_only_the_given_fields_and_delete_stops_it(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    day, time = clock_at(emulator, minutes=10)
    schedule_id = await session.create_device_schedule(dids[0], time=time, date=day, attrs={"brightness": 5},
                                                       remark="keep me")
    await session.update_device_schedule(dids[0], schedule_id, attrs={"brightness": 6}, enabled=False)
    [listed] = await session.device_schedules(dids[0])
    assert (listed.attrs, listed.enabled, listed.remark, listed.time) == ({"brightness": 6}, False, "keep me", time)
    advance_to(emulator, day, time)
    assert emulator.state.tasks.tasks[schedule_id].runs == []  # disabled

    await session.delete_device_schedule(dids[0], schedule_id)
    assert await session.device_schedules(dids[0]) == []
    with pytest.raises(gizwits.APIError) as raised:
        await session.delete_device_schedule(dids[0], schedule_id)
    assert raised.value.code == gizwits.ErrorCode.SCHEDULER_NOT_FOUND and raised.value.status == 404
    with pytest.raises(gizwits.APIError) as raised:
        await session.update_device_schedule(dids[0], schedule_id, remark="gone")
    assert raised.value.code == gizwits.ErrorCode.SCHEDULER_NOT_FOUND
    assert emulator.stats.requests["PS3"] == 1  # only the update before the delete was sent


async def test_schedule_of_an_offline_device_records_a_failed_run(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    day, time = clock_at(emulator, minutes=5)
    emulator.state.set_online(dids[0], False)
    schedule_id = await session.create_device_schedule(dids[0], time=time, date=day, attrs={"switch": True})
    advance_to(emulator, day, time)
    assert emulator.state.tasks.tasks[schedule_id].runs == [(f"{day}T{time:%H:%M}:00", False)]


@pytest.mark.parametrize(
    "fields",
    [
        {"time": "25:00", "attrs": {"switch": True}},
        {"time": "06:00"},  # no command
        {"time": "06:00", "attrs": {"switch": True}, "repeat": "day"},  # no days
        {"time": "06:00", "attrs": {"switch": True}, "days": [3]},  # days without repeat "day"
        {"time": "06:00", "attrs": {"switch": True}, "repeat": "day", "days": [32]},
        {"time": "06:00", "attrs": {"switch": True}, "repeat": "funday"},
        {"time": "06:00", "attrs": {"switch": True}, "start_date": "2030-01-01"},  # bounds a one-off
        {"time": "06:00", "attrs": {"switch": True}, "repeat": "mon", "start_date": "2030-02-01",
         "end_date": "2030-01-01"},
        {"time": "06:00", "attrs": {"switch": True}, "enabled": "yes"},
        {"time": "06:00", "command": b""},
    ],
)
async def test_bad_schedules_are_refused_before_any_request(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], fields: dict[str, object]
) -> None:
    with pytest.raises(gizwits.ValidationError):
        await session.create_device_schedule(dids[0], **fields)  # type: ignore[arg-type]
    with pytest.raises(gizwits.ValidationError):
        await session.update_device_schedule(dids[0], "6a1f00c2d3e4f5a6b7c8d9e1", colour="red")
    assert emulator.stats.requests["PS2"] == emulator.stats.requests["PS1"] == 0


async def test_common_scheduler_runs_a_group_task_and_a_scene_task(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    group = await session.create_group("all")
    await session.add_to_group(group, dids)
    scene = await session.create_scene("dim", [gizwits.SceneTask.device(dids[3], {"brightness": 1})])
    day, time = clock_at(emulator, minutes=20)
    group_task = await session.create_common_schedule(group_id=group, time=time, date=day, attrs={"brightness": 9})
    scene_task = await session.create_common_schedule(scene_id=scene, time=time, repeat="day", days=[day.day])
    listed = {s.id: s for s in await session.common_schedules()}
    assert listed[group_task].group_id == group and listed[scene_task].scene_id == scene
    assert [s.id for s in await session.common_schedules(scene_id=scene)] == [scene_task]

    await session.update_common_schedule(group_task, remark="nightly")
    assert {s.id: s for s in await session.common_schedules()}[group_task].remark == "nightly"
    advance_to(emulator, day, time)
    assert [emulator.state.device(d).attrs["brightness"] for d in dids] == [9, 9, 9, 1]
    assert await session.scene_status(scene) == "done"

    await session.delete_common_schedule(group_task)
    assert [s.id for s in await session.common_schedules()] == [scene_task]
    with pytest.raises(gizwits.ValidationError):
        await session.create_common_schedule(did=dids[0], group_id=group, time="06:00", attrs={"switch": True})


async def test_scene_runs_its_steps_with_delays_on_the_emulator_clock(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    group = await session.create_group("pair", product_key="demo-product")
    await session.add_to_group(group, dids[2:4])
    scene_id = await session.create_scene("Night", [
        gizwits.SceneTask.device(dids[0], {"mode": 2}),  # enum by index: "heat"
        gizwits.SceneTask.delay(60),
        gizwits.SceneTask.group(group, {"switch": True}),
        {"task_type": "device", "did": dids[1], "attrs": {"brightness": 3}},
    ], remark="lights out")
    [scene] = await session.scenes()
    assert (scene.id, scene.name, scene.remark, len(scene.tasks)) == (scene_id, "Night", "lights out", 4)
    assert scene.tasks[0].kind == "device" and scene.tasks[0].product_key == "demo-product"
    assert scene.tasks[1].kind == "delay" and scene.tasks[1].seconds == 60
    assert await session.scene_status(scene_id) == gizwits.SceneStatus.NOT_RUN

    await session.run_scene(scene_id)
    assert emulator.state.device(dids[0]).attrs["mode"] == "heat"
    assert emulator.state.device(dids[2]).attrs["switch"] is False
    assert await session.scene_status(scene_id) == "running"
    emulator.clock.advance(60)
    assert [emulator.state.device(d).attrs["switch"] for d in dids[2:4]] == [True, True]
    assert emulator.state.device(dids[1]).attrs["brightness"] == 3
    assert await session.scene_status(scene_id) == "done"

    emulator.state.set_online(dids[3], False)
    await session.run_scene(scene_id)
    emulator.clock.advance(60)
    assert await session.scene_status(scene_id) == "failed"


async def test_scene_update_delete_and_ownership(
    session: gizwits.Session, make_session: object, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    scene_id = await session.create_scene("A", [gizwits.SceneTask.device(dids[0], command=b"\x09")])
    await session.update_scene(scene_id, "B", [gizwits.SceneTask.delay(5)])
    [scene] = await session.scenes()
    assert scene.name == "B" and [t.kind for t in scene.tasks] == ["delay"]
    emulator.state.add_user("other", "other-password")
    other = await make_session(login=False)  # type: ignore[operator]
    await other.login("other", "other-password")
    with pytest.raises(gizwits.APIError) as raised:
        await other.run_scene(scene_id)
    assert raised.value.code == gizwits.ErrorCode.SCENE_NOT_YOURS
    await session.delete_scene(scene_id)
    with pytest.raises(gizwits.APIError) as raised:
        await session.scene_status(scene_id)
    assert raised.value.code == gizwits.ErrorCode.SCENE_NOT_FOUND and raised.value.status == 404


@pytest.mark.parametrize(
    "tasks",
    [
        [],
        [gizwits.SceneTask.delay(0)],
        [gizwits.SceneTask.delay(3601)],
        [gizwits.SceneTask.device("a/b", {"switch": True})],
        [gizwits.SceneTask.device("did0000000000000000000")],  # neither attrs nor command
        [{"task_type": "wait"}],
        "not a list",
    ],
)
async def test_bad_scenes_are_refused_before_any_request(
    session: gizwits.Session, emulator: Emulator[FakeClock], tasks: object
) -> None:
    with pytest.raises(gizwits.ValidationError):
        await session.create_scene("x", tasks)  # type: ignore[arg-type]
    assert emulator.stats.requests["SC2"] == 0


async def test_known_products_check_schedules_and_scenes_send_enum_indexes(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    await session.datapoints("demo-product")
    await session.bindings(limit=100)
    with pytest.raises(gizwits.ValidationError, match="brightness"):
        await session.create_device_schedule(dids[0], time="06:00", attrs={"brightness": 101})
    group = await session.create_group("g", product_key="demo-product")
    with pytest.raises(gizwits.ValidationError, match="mode"):
        await session.create_common_schedule(group_id=group, time="06:00", attrs={"mode": "turbo"})
    assert emulator.stats.requests["PS2"] == emulator.stats.requests["CS2"] == 0

    await session.create_scene("s", [gizwits.SceneTask.device(dids[0], {"mode": "heat"}),
                                     gizwits.SceneTask.group(group, {"mode": "cool", "switch": 1})])
    steps = emulator.stats.last_body["SC2"]["tasks"]
    assert steps[0]["attrs"] == {"mode": 2} and steps[1]["attrs"] == {"mode": 1, "switch": True}
