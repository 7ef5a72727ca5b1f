"""Bulk control through group control: one request per group instead of one per device.

When every device of a group is in a bulk command with the same attrs, one group control (the service fans it
out) replaces that group's device controls. Each input still gets exactly one `Outcome`: a device the group
control did not reach (offline, say: the service answers False without a reason) is then controlled on its
own, so that its outcome carries the real error; if the group call itself fails, every device of the group is.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from .endpoints.groups import GroupsAPI, group_control_call
from .errors import GizwitsError, ValidationError
from .fanout import BulkReport, Commands, FanoutAPI, Outcome, ProgressHook, _Results
from .throttling import Pacer
from .validation import check_did, encode_attrs

#: Checks one device's control values and returns them in wire form: ``encode(did, attrs)``.
Encode = Callable[[str, Any], dict[str, Any]]

__all__ = ["GroupBatch", "GroupFanoutAPI", "GroupPlan", "plan_group_control"]


@attrs.frozen
class GroupBatch:
    """One group control standing for the commands at ``members`` (input index, did); ``attrs`` as given,
    ``wire`` as checked."""

    group_id: str
    attrs: Any
    wire: dict[str, Any]
    members: tuple[tuple[int, str], ...]


@attrs.frozen
class GroupPlan:
    """The group controls to send, and the inputs left to control one by one (input index, item)."""

    batches: list[GroupBatch]
    singles: list[tuple[int, Any]]


def _type_checked(did: str, attrs: Any) -> dict[str, Any]:
    return encode_attrs(attrs)


def _wire_command(item: Any, encode: Encode) -> tuple[str, dict[str, Any]] | None:
    """(did, wire attrs) of a command that passes its checks; None for anything else (it is sent, and refused,
    alone)."""
    if not isinstance(item, tuple | list) or len(item) != 2:
        return None
    try:
        return check_did(item[0]), encode(item[0], item[1])
    except ValidationError:
        return None


def plan_group_control(items: Sequence[Any], groups: Mapping[str, Iterable[str]],
                       encode: Encode = _type_checked) -> GroupPlan:
    """Which inputs one group control can stand for.

    A group is used when each of its devices appears exactly once in ``items`` with the same attrs (compared in
    wire form, so ``True`` and ``1`` differ) and none of them is already covered by an earlier group: a group
    control reaches every member, so it must stand for exactly the commands asked for, each sent once.
    ``encode`` checks each device's values (against its product's schema, in a session that knows it).
    """
    places: dict[str, list[int]] = {}
    keys: dict[int, tuple[str, dict[str, Any]]] = {}
    for index, item in enumerate(items):
        command = _wire_command(item, encode)
        if command is not None:
            did, wire = command
            places.setdefault(did, []).append(index)
            keys[index] = (json.dumps(wire, sort_keys=True), wire)
    batches: list[GroupBatch] = []
    covered: set[str] = set()
    for group_id, members in groups.items():
        dids = list(dict.fromkeys([members] if isinstance(members, str) else members))
        found = [places.get(did, []) for did in dids]
        if not dids or any(len(spots) != 1 for spots in found) or covered.intersection(dids):
            continue
        indexes = [spots[0] for spots in found]
        if len({keys[index][0] for index in indexes}) != 1:
            continue
        covered.update(dids)
        first = indexes[0]
        batches.append(GroupBatch(group_id, items[first][1], keys[first][1], tuple(zip(indexes, dids, strict=True))))
    taken = {index for batch in batches for index, _ in batch.members}
    return GroupPlan(batches, [(index, item) for index, item in enumerate(items) if index not in taken])


async def _listed(commands: Commands) -> list[Any]:
    if isinstance(commands, Mapping):
        return list(commands.items())
    if isinstance(commands, AsyncIterable):
        return [item async for item in commands]
    return list(commands)


class GroupFanoutAPI(GroupsAPI, FanoutAPI):
    """`control_many` with its group path."""

    async def control_many(
        self, commands: Commands, *, concurrency: int | None = None, rate: float | None = None,
        progress: ProgressHook = None, groups: Mapping[str, Iterable[str]] | None = None,
    ) -> BulkReport[None]:
        """`control` for many devices: ``commands`` is ``{did: attrs}`` or an (async) iterable of ``(did, attrs)``.

        Returns every input's outcome in input order. ``rate`` caps request starts per second (retries
        included); ``progress`` is called with each outcome as it completes.

        ``groups`` (group id -> the dids of its devices, as `group_devices` lists them) turns on the group path:
        when every device of a group is in ``commands`` once, with the same attrs, one group control replaces
        their device controls (10 requests instead of 1,000 for 1,000 devices in 10 groups). The mapping must
        be current: the service controls every device the group holds. Devices the group control did not reach
        are then controlled one by one, so each outcome carries its own error. With ``groups`` the commands
        are read in full before the first request.
        """
        if groups is None:
            return await super().control_many(commands, concurrency=concurrency, rate=rate, progress=progress)
        if not isinstance(groups, Mapping) or not all(isinstance(m, str | Iterable) for m in groups.values()):
            raise ValidationError("groups must map each group id to the dids of its devices")
        items = await _listed(commands)
        plan = plan_group_control(items, groups, self.check_attrs)
        workers = self._concurrency(concurrency, items)
        pace = self._run_pacer(rate)
        run = _GroupRun(self, items, pace, progress)
        limit = asyncio.Semaphore(workers)
        async with asyncio.TaskGroup() as tasks:
            for batch in plan.batches:
                tasks.create_task(run.send_group(batch, limit))
        singles = sorted(plan.singles + run.unreached)
        positions = [index for index, _ in singles]

        async def emit(k: int, did: str, value: Any, error: GizwitsError | None, attempts: int) -> None:
            run.record(positions[k], did, error, attempts)

        await self._run(iter([item for _, item in singles]), self._control_item, concurrency=workers, pace=pace,
                        emit=emit)
        return BulkReport(run.results.outcomes())


class _GroupRun:
    """The state of one run of the group path: results, and the inputs the group controls did not reach."""

    def __init__(self, session: GroupFanoutAPI, items: list[Any], pace: Pacer | None,
                 progress: ProgressHook) -> None:
        self.session = session
        self.items = items
        self.pace = pace
        self.progress = progress
        self.results = _Results()
        self.unreached: list[tuple[int, Any]] = []
        #: Requests already spent on an input (its group control) before it is controlled alone.
        self.spent: dict[int, int] = {}

    def record(self, index: int, did: str, error: GizwitsError | None, attempts: int) -> None:
        attempts += self.spent.get(index, 0)
        self.results.add(index, did, None, error, attempts)
        if self.progress is not None:
            self.progress(Outcome(did, None, error, attempts, index))

    async def send_group(self, batch: GroupBatch, limit: asyncio.Semaphore) -> None:
        async with limit:
            try:
                body = {"attrs": self.session._group_attrs(batch.group_id, batch.attrs)}
                applied, attempts = await self.session._exchange(group_control_call(batch.group_id, body), self.pace)
            except GizwitsError as exc:
                applied, attempts = {}, exc.attempts
        for index, did in batch.members:
            if applied.get(did) is True:
                self.record(index, did, None, attempts)
            else:
                self.spent[index] = attempts
                self.unreached.append((index, self.items[index]))
