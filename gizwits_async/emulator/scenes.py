"""Scenes: a user's sequences of device controls, group controls and delays, run on the emulator's clock.

A run goes through the steps in order; a delay continues the run when the clock has moved on by that many
seconds. The status of the last run is 0 running, 1 done, 2 failed (some step did not apply), 3 never run.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .sharing import iso_z

if TYPE_CHECKING:
    from .state import State, User

RUNNING, DONE, FAILED, NOT_RUN = 0, 1, 2, 3
MAX_DELAY = 3600


def _check_step(step: Any) -> dict[str, Any]:
    if not isinstance(step, dict) or step.get("task_type") not in ("device", "group", "delay"):
        raise ApiError(9015, "each task needs task_type device, group or delay")
    kind = step["task_type"]
    if kind == "delay":
        seconds = step.get("time")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_DELAY:
            raise ApiError(9015, f"a delay's time is 0..{MAX_DELAY} seconds")
        return {"task_type": "delay", "time": seconds}
    key = "did" if kind == "device" else "group_id"
    if not isinstance(step.get(key), str) or not step[key]:
        raise ApiError(9015, f"a {kind} task needs {key}")
    attrs, raw = step.get("attrs", {}), step.get("raw", "")
    if not isinstance(attrs, dict) or not isinstance(raw, str) or not (attrs or raw):
        raise ApiError(9015, "a control task needs attrs (an object) or raw (base64)")
    try:
        base64.b64decode(raw, validate=True)
    except binascii.Error:
        raise ApiError(9015, "raw must be base64") from None
    return {"task_type": kind, key: step[key], "attrs": attrs, "raw": raw}


def check_scene(body: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """(name, remark, steps) of a create/update body, or 9015."""
    name, remark, tasks = body.get("scene_name"), body.get("remark", ""), body.get("tasks")
    if not isinstance(name, str) or not name or not isinstance(remark, str):
        raise ApiError(9015, "scene_name must be a non-empty string and remark a string")
    if not isinstance(tasks, list) or not tasks:
        raise ApiError(9015, "tasks must be a non-empty list")
    return name, remark, [_check_step(step) for step in tasks]


@dataclass
class Scene:
    """A user's scene and how its last run went."""

    id: str
    uid: str
    name: str
    remark: str
    steps: list[dict[str, Any]]
    created_at: float
    updated_at: float
    status: int = NOT_RUN
    run: int = 0  # which run is current: a delay of an older run does not continue
    applied: list[bool] = field(default_factory=list)  # the current run's results, step by step


class SceneBook:
    """Every user's scenes."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.scenes: dict[str, Scene] = {}

    def scene(self, user: User, scene_id: str) -> Scene:
        """9220 when there is no such scene, 9221 when it is another user's."""
        scene = self.scenes.get(scene_id)
        if scene is None:
            raise ApiError(9220, scene_id)
        if scene.uid != user.uid:
            raise ApiError(9221, scene_id)
        return scene

    def listing(self, user: User) -> list[dict[str, Any]]:
        """GET /app/scene."""
        return [self._to_wire(s, user) for s in self.scenes.values() if s.uid == user.uid]

    def _to_wire(self, scene: Scene, user: User) -> dict[str, Any]:
        tasks = []
        for step in scene.steps:
            row = {"task_type": step["task_type"], "time": 0, "did": "", "group_id": "", "attrs": {}, "raw": "",
                   "product_key": "", "verbose_name": "", "group_name": "", "dev_alias": "", "dev_remark": ""} | step
            device, binding = self.state.devices.get(row["did"]), user.bindings.get(row["did"])
            if device is not None:
                row |= {"product_key": device.product_key,
                        "verbose_name": self.state.product_names.get(device.product_key, device.product_key)}
            if binding is not None:
                row |= {"dev_alias": binding.dev_alias, "dev_remark": binding.remark}
            group = self.state.groups.groups.get(row["group_id"])
            if group is not None:
                row |= {"group_name": group.name, "product_key": group.product_key}
            tasks.append(row)
        return {"id": scene.id, "scene_name": scene.name, "remark": scene.remark,
                "created_at": iso_z(scene.created_at), "updated_at": iso_z(scene.updated_at), "tasks": tasks}

    def create(self, user: User, body: dict[str, Any]) -> str:
        """POST /app/scene."""
        name, remark, steps = check_scene(body)
        now = self.state.clock.now()
        scene = Scene(self.state._hex()[:24], user.uid, name, remark, steps, now, now)
        self.scenes[scene.id] = scene
        return scene.id

    def update(self, user: User, scene_id: str, body: dict[str, Any]) -> None:
        """POST /app/scene/{id}."""
        scene = self.scene(user, scene_id)
        scene.name, scene.remark, scene.steps = check_scene(body)
        scene.updated_at = self.state.clock.now()

    def delete(self, user: User, scene_id: str) -> None:
        """DELETE /app/scene/{id}."""
        del self.scenes[self.scene(user, scene_id).id]

    def status(self, user: User, scene_id: str) -> int:
        """GET /app/scene/{id}/task."""
        return self.scene(user, scene_id).status

    def start(self, user: User, scene_id: str, when: float | None = None) -> None:
        """POST /app/scene/{id}/task: run the steps from the first; a delay continues the run later on the clock."""
        scene = self.scene(user, scene_id)
        scene.run += 1
        scene.status, scene.applied = RUNNING, []
        self._continue(scene, scene.run, 0, self.state.clock.now() if when is None else when)

    def _continue(self, scene: Scene, run: int, index: int, when: float) -> None:
        if run != scene.run or scene.id not in self.scenes:
            return
        user = self.state.users[scene.uid]
        for position in range(index, len(scene.steps)):
            step = scene.steps[position]
            if step["task_type"] == "delay":
                self.state.timers.at(when + step["time"], functools.partial(self._continue, scene, run, position + 1))
                return
            scene.applied.append(self._apply(user, step, when))
        scene.status = DONE if all(scene.applied) else FAILED

    def _apply(self, user: User, step: dict[str, Any], when: float) -> bool:
        raw = list(base64.b64decode(step["raw"])) if step["raw"] else None
        try:
            if step["task_type"] == "group":
                command: dict[str, Any] = {"raw": raw} if raw else {"attrs": step["attrs"]}
                return all(r["result"] for r in self.state.groups.control(user, step["group_id"], at=when, **command))
            if raw:
                self.state.control_raw(user, step["did"], raw)
            else:  # enums by index, as scenes give them
                self.state.control(user, step["did"], step["attrs"], at=when)
        except ApiError:
            return False
        return True
