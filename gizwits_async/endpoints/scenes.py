"""Scenes: named sequences of device controls, group controls and delays that the service runs."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..automation_models import MAX_SCENE_DELAY, TASK_KINDS, Scene, SceneStatus, SceneTask
from ..errors import ValidationError
from ..products import Product
from ..retry import Idempotency
from ..validation import check_did, check_segment, check_text
from ._base import Auth, Call
from .products import ProductsAPI

#: Checks a control step's values and returns them in wire form.
StepAttrs = Callable[[SceneTask], dict[str, Any]]

_SCENE = "/app/scene"


def _scene_path(scene_id: str, tail: str = "") -> str:
    return f"{_SCENE}/{check_segment(scene_id, 'scene_id')}{tail}"


def enum_indexes(product: Product | None, wire: Mapping[str, Any]) -> dict[str, Any]:
    """Checked values with each enum label replaced by its index: scenes take the index."""
    values = dict(wire)
    if product is not None:
        for name, value in wire.items():
            point = product.datapoints.get(name)
            if point is not None and point.data_type == "enum" and isinstance(value, str):
                values[name] = point.enum.index(value)
    return values


def _control_step(task: SceneTask, step_attrs: StepAttrs) -> dict[str, Any]:
    if task.kind == "device":
        step: dict[str, Any] = {"task_type": "device", "did": check_did(task.did)}
    else:
        step = {"task_type": "group", "group_id": check_segment(task.group_id, "group_id")}
    if task.command is not None:
        if not task.command:
            raise ValidationError("a scene step's command must be non-empty bytes")
        step["raw"] = base64.b64encode(task.command).decode()
    if task.attrs or task.command is None:
        step["attrs"] = step_attrs(task)
    return step


def scene_step(task: SceneTask | Mapping[str, Any], step_attrs: StepAttrs) -> dict[str, Any]:
    """One step in wire form: a `SceneTask` checked and converted, or a wire-shaped dict passed as is."""
    if isinstance(task, Mapping):
        if task.get("task_type") not in TASK_KINDS:
            raise ValidationError(f"a scene step's task_type must be one of {', '.join(TASK_KINDS)}")
        return dict(task)
    if not isinstance(task, SceneTask) or task.kind not in TASK_KINDS:
        raise ValidationError(f"scene tasks must be SceneTask or wire-shaped dicts, got {task!r:.60}")
    if task.kind == "delay":
        seconds = task.seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_SCENE_DELAY:
            raise ValidationError(f"a delay is 1..{MAX_SCENE_DELAY} whole seconds, got {seconds!r}")
        return {"task_type": "delay", "time": seconds}
    return _control_step(task, step_attrs)


def scene_body(name: str, tasks: Iterable[SceneTask | Mapping[str, Any]], remark: str | None,
               step_attrs: StepAttrs) -> dict[str, Any]:
    """A scene's create/update body; it needs a name and at least one step."""
    if isinstance(tasks, str | bytes | Mapping) or not isinstance(tasks, Iterable):
        raise ValidationError("tasks must be a list of SceneTask (or wire-shaped dicts)")
    steps = [scene_step(task, step_attrs) for task in tasks]
    if not steps:
        raise ValidationError("a scene needs at least one task")
    body: dict[str, Any] = {"scene_name": check_text(name, "name"), "tasks": steps}
    if remark is not None:
        if not isinstance(remark, str):
            raise ValidationError(f"remark must be a string, got {type(remark).__name__}")
        body["remark"] = remark
    return body


def _scenes_from_wire(data: Any) -> list[Scene]:
    return [Scene.from_wire(item) for item in data or []]


class ScenesAPI(ProductsAPI):
    """The user's scenes."""


    def _step_attrs(self, task: SceneTask) -> dict[str, Any]:
        """A control step's values, checked against its device's or group's product when the session knows it."""
        if task.kind == "device":
            return enum_indexes(self.product_of(task.did), self.check_attrs(task.did, task.attrs))
        product_key = self._shared.group_products.get(task.group_id)
        wire = self.check_attrs(None, task.attrs, product_key=product_key)
        return enum_indexes(self._shared.products.get(product_key) if product_key else None, wire)

    async def scenes(self) -> list[Scene]:
        """The user's scenes with their steps."""
        result: list[Scene] = await self._call(Call("GET", _SCENE, Auth.USER, parse=_scenes_from_wire))
        return result

    async def create_scene(self, name: str, tasks: Iterable[SceneTask | Mapping[str, Any]], *,
                           remark: str | None = None) -> str:
        """Create a scene from its steps, run in order (`SceneTask.device`, `.group`, `.delay`); returns its id.

        In scenes an enum datapoint takes its index: a label is sent as its index when the session knows the
        product (from `datapoints`).
        """
        body = scene_body(name, tasks, remark, self._step_attrs)
        result: str = await self._call(Call("POST", _SCENE, Auth.USER, json=body,
                                            parse=lambda data: str(data["id"]), idempotency=Idempotency.UNSAFE))
        return result

    async def update_scene(self, scene_id: str, name: str, tasks: Iterable[SceneTask | Mapping[str, Any]], *,
                           remark: str | None = None) -> None:
        """Replace a scene's name, steps and remark."""
        body = scene_body(name, tasks, remark, self._step_attrs)
        await self._call(Call("POST", _scene_path(scene_id), Auth.USER, json=body))

    async def delete_scene(self, scene_id: str) -> None:
        """Delete a scene."""
        await self._call(Call("DELETE", _scene_path(scene_id), Auth.USER))

    async def run_scene(self, scene_id: str) -> None:
        """Start a scene now; the service runs its steps (`scene_status` tells how it went)."""
        await self._call(Call("POST", _scene_path(scene_id, "/task"), Auth.USER, idempotency=Idempotency.UNSAFE))

    async def scene_status(self, scene_id: str) -> SceneStatus:
        """How the scene's last run went: "running", "done", "failed" or "not run" (a `SceneStatus`, a str)."""
        result: SceneStatus = await self._call(
            Call("GET", _scene_path(scene_id, "/task"), Auth.USER, parse=SceneStatus.from_wire))
        return result
