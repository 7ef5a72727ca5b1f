"""Groups against the emulator on loopback: the group calls, group control with offline members, and the group
path of bulk control (one request per group, one outcome per input device)."""

from __future__ import annotations

import asyncio

import pytest
from support import cancel_and_check_nothing_left, wait_until

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.parametrize("devices", [12])


async def test_group_lifecycle(session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]) -> None:
    mixed = await session.create_group("Living room")
    single = await session.create_group("Heaters", product_key="demo-product")
    groups = {g.id: g for g in await session.groups()}
    assert (groups[mixed].name, groups[mixed].product_key) == ("Living room", "")
    assert (groups[single].name, groups[single].product_key) == ("Heaters", "demo-product")
    assert groups[single].created_at is not None and groups[single].raw["group_name"] == "Heaters"

    await session.rename_group(mixed, "Lounge")
    assert {g.name for g in await session.groups()} == {"Lounge", "Heaters"}

    added = await session.add_to_group(mixed, [dids[0], dids[1], "nosuchdevice0000000000"])
    assert added.success == [dids[0], dids[1]] and added.failed == ["nosuchdevice0000000000"]
    assert isinstance(added.errors["nosuchdevice0000000000"], gizwits.DeviceNotFoundError)
    assert added.errors["nosuchdevice0000000000"].code == gizwits.ErrorCode.DEVICE_NOT_FOUND
    assert await session.group_devices(mixed) == [dids[0], dids[1]]

    removed = await session.remove_from_group(mixed, [dids[0], dids[5]])
    assert removed.success == [dids[0]] and removed.failed == [dids[5]]
    assert await session.group_devices(mixed) == [dids[1]]

    await session.delete_group(mixed)
    assert [g.id for g in await session.groups()] == [single]


async def test_unbound_device_is_refused_with_its_reason(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    group = await session.create_group("G")
    stranger = emulator.state.add_device().did
    result = await session.add_to_group(group, [stranger])
    assert result.failed == [stranger] and result.errors[stranger].code == gizwits.ErrorCode.DEVICE_NOT_BOUND


async def test_control_group_reports_offline_members_false(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    group = await session.create_group("Floor 1", product_key="demo-product")
    await session.add_to_group(group, dids[:4])
    emulator.state.set_online(dids[2], False)
    applied = await session.control_group(group, {"brightness": 42})
    assert applied == {dids[0]: True, dids[1]: True, dids[2]: False, dids[3]: True}
    assert [emulator.state.device(d).attrs["brightness"] for d in dids[:4]] == [42, 42, 50, 42]
    assert emulator.stats.requests["G8"] == 1 and emulator.stats.requests["C1"] == 0

    applied = await session.control_group_raw(group, b"\x01\x02")
    assert applied[dids[0]] is True and applied[dids[2]] is False
    assert emulator.state.device(dids[0]).last_raw == [1, 2]


async def test_control_group_checks_values_before_sending(
    session: gizwits.Session, emulator: Emulator[FakeClock]
) -> None:
    for attrs in ({}, {"switch": object()}, {"": 1}):
        with pytest.raises(gizwits.ValidationError):
            await session.control_group("6a1f00c2d3e4f5a6b7c8d9e0", attrs)  # type: ignore[arg-type]
    with pytest.raises(gizwits.ValidationError):
        await session.add_to_group("6a1f00c2d3e4f5a6b7c8d9e0", "justonedid")
    assert emulator.stats.requests["G8"] == emulator.stats.requests["G6"] == 0


async def groups_of_four(session: gizwits.Session, dids: list[str]) -> dict[str, list[str]]:
    groups = {}
    for n in range(3):
        group = await session.create_group(f"G{n}")
        await session.add_to_group(group, dids[4 * n: 4 * n + 4])
        groups[group] = await session.group_devices(group)
    return groups


async def test_control_many_sends_one_group_control_per_whole_group(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    groups = await groups_of_four(session, dids)
    commands = {did: {"brightness": 10 + i // 4} for i, did in enumerate(dids)}  # the same within each group
    emulator.stats.reset()
    seen: list[gizwits.Outcome] = []
    report = await session.control_many(commands, groups=groups, progress=seen.append)
    assert emulator.stats.requests["G8"] == 3 and emulator.stats.requests["C1"] == 0
    assert [o.did for o in report.outcomes] == dids and [o.index for o in report.outcomes] == list(range(12))
    assert report.ok and all(o.attempts == 1 for o in report.outcomes)
    assert sorted(o.index for o in seen) == list(range(12))
    assert [emulator.state.device(d).attrs["brightness"] for d in dids] == [10] * 4 + [11] * 4 + [12] * 4


async def test_control_many_group_path_gives_one_outcome_per_input_device(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    groups = await groups_of_four(session, dids)
    emulator.state.set_online(dids[1], False)  # in a group sent as one: the group control reports it false
    commands: list[tuple[str, dict[str, object]]] = [(did, {"switch": True}) for did in dids[:8]]
    commands[5] = (dids[5], {"switch": False})  # group 2 is not uniform: device by device
    commands += [(dids[8], {"switch": True}), ("bad/did", {"switch": True}), (dids[9], {"nope": 1})]
    emulator.stats.reset()
    report = await session.control_many(commands, groups=groups)

    assert [o.did for o in report.outcomes] == [did for did, _ in commands]
    assert [o.index for o in report.outcomes] == list(range(len(commands)))
    # group 1 as one request; group 2 (mixed values), group 3 (partly asked for) and the rest one by one,
    # plus the offline member of group 1 again on its own, which gives its real error
    assert emulator.stats.requests["G8"] == 1
    assert emulator.stats.requests["C1"] == 4 + 1 + 1 + 1
    failed = report.failed
    assert set(failed) == {dids[1], "bad/did", dids[9]}
    assert isinstance(failed[dids[1]], gizwits.DeviceOfflineError)
    assert report.outcomes[1].attempts == 2  # the group control, then its own
    assert isinstance(failed["bad/did"], gizwits.ValidationError)
    assert failed[dids[9]].code == gizwits.ErrorCode.ATTR_INVALID  # type: ignore[attr-defined]
    assert emulator.state.device(dids[0]).attrs["switch"] is True
    assert emulator.state.device(dids[5]).attrs["switch"] is False


async def test_control_many_group_path_falls_back_when_the_group_call_fails(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    stale = {"6a1f00c2d3e4f5a6b7c8d9e0": dids[:3]}  # a group the service does not know (any more)
    report = await session.control_many({did: {"brightness": 3} for did in dids[:3]}, groups=stale)
    assert report.ok and [o.attempts for o in report.outcomes] == [2, 2, 2]
    assert emulator.stats.requests["G8"] == 1 and emulator.stats.requests["C1"] == 3


async def test_control_many_group_path_takes_an_async_iterable(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    groups = await groups_of_four(session, dids)

    async def commands():  # type: ignore[no-untyped-def]
        for did in dids[:4]:
            yield did, {"mode": "heat"}

    report = await session.control_many(commands(), groups=groups)
    assert report.ok and len(report.outcomes) == 4 and emulator.stats.requests["C1"] == 0


async def test_known_products_check_group_control_and_the_group_path(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock]
) -> None:
    await session.datapoints("demo-product")
    await session.bindings(limit=100)
    group = await session.create_group("Heaters", product_key="demo-product")
    await session.add_to_group(group, dids[:2])
    with pytest.raises(gizwits.ValidationError, match="brightness"):
        await session.control_group(group, {"brightness": 1000})
    with pytest.raises(gizwits.ValidationError, match="read-only"):
        await session.control_group(group, {"temp": 20})
    assert emulator.stats.requests["G8"] == 0

    report = await session.control_many({dids[0]: {"brightness": 1000}, dids[1]: {"brightness": 1000}},
                                        groups={group: dids[:2]})
    assert [type(o.error) for o in report.outcomes] == [gizwits.ValidationError] * 2
    assert emulator.stats.requests["G8"] == emulator.stats.requests["C1"] == 0


@pytest.mark.parametrize("phase", ["group controls", "device controls"])
async def test_cancelling_the_group_path_leaves_nothing_running(
    session: gizwits.Session, dids: list[str], emulator: Emulator[FakeClock], phase: str
) -> None:
    groups = await groups_of_four(session, dids)
    commands = {did: {"switch": True} for did in dids}
    if phase == "device controls":
        commands[dids[0]] = {"switch": False}  # group 1 is no longer uniform: its devices go one by one

        def slow_down(outcome: gizwits.Outcome) -> None:  # once the group controls are answered
            emulator.faults.latency = 0.5

        run = asyncio.create_task(session.control_many(commands, groups=groups, progress=slow_down))
        await wait_until(lambda: emulator.stats.requests["C1"] > 0)
        assert emulator.stats.requests["G8"] == 2
    else:
        emulator.faults.latency = 0.5
        run = asyncio.create_task(session.control_many(commands, groups=groups))
        await wait_until(lambda: emulator.stats.requests["G8"] == 3)
    await asyncio.sleep(0.05)
    assert session._transport.connections_in_use > 0
    await cancel_and_check_nothing_left(run, session, within=0.3)  # the answers take 0.5 s
