"""Per-device schedules and the common scheduler: tasks that control a device or a group, or start a scene,
on the emulator's clock (UTC), recurring by weekday or by day of the month."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .scheduler import _TIME, WEEKDAYS, _is_date, iso_seconds
from .timers import next_run

if TYPE_CHECKING:
    from .state import State, User

TARGETS = ("did", "group_id", "scene_id")
_DEFAULTS: dict[str, Any] = {"date": "", "repeat": "none", "days": [], "enabled": True, "remark": "", "attrs": {},
                             "raw": ""}


def _days(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise ApiError(9015, "days must be a list")
    days = []
    for day in value:  # the service's own examples show both ints and strings
        number = int(day) if isinstance(day, str) and day.isdigit() else day
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 31:
            raise ApiError(9015, "days must be days of the month 1..31")
        days.append(number)
    return days


def _check_repeat(fields: dict[str, Any]) -> None:
    repeat = fields["repeat"]
    if not isinstance(repeat, str) or (repeat not in ("none", "day")
                                       and not all(d in WEEKDAYS for d in repeat.split(","))):
        raise ApiError(9015, "repeat must be 'none', 'day' or a comma list of mon..sun")
    if repeat == "day" and not fields["days"]:
        raise ApiError(9015, "repeat 'day' needs days")
    if repeat == "none" and not fields["date"]:
        raise ApiError(9015, "a one-shot task needs a date")


def check_fields(fields: dict[str, Any], *, needs_command: bool) -> dict[str, Any]:
    """A whole task body checked (9015 naming the first bad field); returns it."""
    if not isinstance(fields.get("time"), str) or not _TIME.fullmatch(fields["time"]):
        raise ApiError(9015, "time must be HH:MM (UTC)")
    fields["days"] = _days(fields["days"])
    _check_repeat(fields)
    for key in ("date", "start_date", "end_date"):
        if fields.get(key) and not _is_date(fields[key]):
            raise ApiError(9015, f"{key} must be YYYY-MM-DD")
    if not isinstance(fields["enabled"], bool) or not isinstance(fields["remark"], str):
        raise ApiError(9015, "enabled must be a boolean and remark a string")
    if not isinstance(fields["attrs"], dict) or not isinstance(fields["raw"], str):
        raise ApiError(9015, "attrs must be an object and raw a hex string")
    try:
        bytes.fromhex(fields["raw"])
    except ValueError:
        raise ApiError(9015, "raw must be a hex string") from None
    if needs_command and not fields["attrs"] and not fields["raw"]:
        raise ApiError(9015, "a task needs attrs or raw")
    return fields


@dataclass
class Task:
    """A scheduled task; ``runs`` records each firing (at, whether it succeeded) for tests."""

    id: str
    uid: str
    created_at: float
    target: str  # one of TARGETS
    target_id: str
    fields: dict[str, Any]
    common: bool
    due: float | None = None
    runs: list[tuple[str, bool]] = field(default_factory=list)

    def to_wire(self, product_key: str) -> dict[str, Any]:
        """As the schedulers list a task."""
        wire = {"id": self.id, "created_at": iso_seconds(self.created_at), "did": "", "group_id": "", "scene_id": "",
                "product_key": product_key, "start_date": None, "end_date": None}
        return wire | self.fields | {self.target: self.target_id}

    def next_run(self, after: float) -> float | None:
        """When the task runs next (None: never again, or disabled)."""
        fields = self.fields
        if not fields["enabled"]:
            return None
        return next_run(time=fields["time"], after=after, repeat=fields["repeat"], day=fields["date"] or None,
                        days=frozenset(fields["days"]), start=fields.get("start_date"), end=fields.get("end_date"))


class TaskBook:
    """Every scheduled task of the per-device and the common scheduler."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.tasks: dict[str, Task] = {}

    def _device(self, user: User, did: str) -> None:
        self.state.device(did)
        if did not in user.bindings:
            raise ApiError(9017, did)

    def _task(self, user: User, task_id: str, *, did: str | None = None) -> Task:
        task = self.tasks.get(task_id)
        mine = task is not None and (task.target_id == did if did is not None else task.uid == user.uid)
        if task is None or not mine or (did is None) != task.common:
            raise ApiError(9030, task_id)
        return task

    def listing(self, user: User, *, did: str | None = None, filters: dict[str, str] | None = None,
                limit: int, skip: int) -> list[dict[str, Any]]:
        """GET /app/devices/{did}/scheduler (with ``did``: a device's tasks) or GET /app/common_scheduler (the
        user's common tasks, filtered by target)."""
        if did is not None:
            self._device(user, did)
            found = [t for t in self.tasks.values() if not t.common and t.target_id == did]
        else:
            found = [t for t in self.tasks.values() if t.common and t.uid == user.uid
                     and all(t.target == key and t.target_id == value for key, value in (filters or {}).items())]
        return [self._wire(t) for t in found[skip: skip + limit]]

    def _wire(self, task: Task) -> dict[str, Any]:
        device = self.state.devices.get(task.target_id) if task.target == "did" else None
        return task.to_wire(device.product_key if device else "")

    def create(self, user: User, body: dict[str, Any], *, did: str | None = None) -> str:
        """POST /app/devices/{did}/scheduler (for ``did``) or POST /app/common_scheduler (the target named in
        the body)."""
        target, target_id = ("did", did) if did is not None else _target(body)
        if target == "did":
            self._device(user, target_id)
        fields = check_fields(_DEFAULTS | _task_fields(body), needs_command=target != "scene_id")
        task = Task(self.state._hex()[:24], user.uid, self.state.clock.now(), target, target_id, fields,
                    common=did is None)
        self.tasks[task.id] = task
        self._plan(task)
        return task.id

    def update(self, user: User, task_id: str, body: dict[str, Any], *, did: str | None = None) -> None:
        """PUT /app/devices/{did}/scheduler/{id} or PUT /app/common_scheduler/{id}: the given fields change,
        the others keep their values."""
        if did is not None:
            self._device(user, did)
        task = self._task(user, task_id, did=did)
        fields = check_fields(task.fields | _task_fields(body), needs_command=task.target != "scene_id")
        if did is None and any(body.get(key) for key in TARGETS):
            task.target, task.target_id = _target(body)
        task.fields = fields
        self._plan(task)

    def delete(self, user: User, task_id: str, *, did: str | None = None) -> None:
        """DELETE /app/devices/{did}/scheduler/{id} / DELETE /app/common_scheduler/{id}."""
        if did is not None:
            self._device(user, did)
        del self.tasks[self._task(user, task_id, did=did).id]

    def _plan(self, task: Task, after: float | None = None) -> None:
        task.due = task.next_run(self.state.clock.now() if after is None else after)
        if task.due is not None:
            self.state.timers.at(task.due, lambda when: self._fire(task.id, when))

    def _fire(self, task_id: str, when: float) -> None:
        task = self.tasks.get(task_id)
        if task is None or task.due != when:  # deleted or moved since this run was planned
            return
        task.runs.append((iso_seconds(when), self._run(task, when)))
        self._plan(task, when + 1)

    def _run(self, task: Task, when: float) -> bool:
        state, user = self.state, self.state.users[task.uid]
        attrs, raw = task.fields["attrs"], task.fields["raw"]
        try:
            if task.target == "scene_id":
                state.scenes.start(user, task.target_id, when)
                return True
            if task.target == "group_id":
                command = {"raw": list(bytes.fromhex(raw))} if raw else {"attrs": attrs}
                return all(r["result"] for r in state.groups.control(user, task.target_id, at=when, **command))
            if raw:
                state.control_raw(user, task.target_id, list(bytes.fromhex(raw)))
            if attrs:  # an enum may be given by index, as the service's own tasks do
                state.control(user, task.target_id, attrs, at=when)
        except ApiError:
            return False
        return True


def _task_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in (*_DEFAULTS, "time", "start_date", "end_date") if key in body}


def _target(body: dict[str, Any]) -> tuple[str, str]:
    """The first valid target in the order did, group_id, scene_id (as the service picks it)."""
    for key in TARGETS:
        value = body.get(key)
        if isinstance(value, str) and value:
            return key, value
    raise ApiError(9015, "a common task needs one of did, group_id or scene_id")
