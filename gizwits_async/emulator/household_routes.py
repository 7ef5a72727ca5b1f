"""The HTTP face of sharing, groups, device schedules and scenes: routes translating requests to State calls.

`Stats.requests` counts them under the ids of the endpoint reference (docs/endpoints.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError
from .routing import Call, Reply, Route
from .state import State, User


def query_text(call: Call, name: str) -> str | None:
    """A string query parameter, or None when absent."""
    return next((v for k, v in parse_qsl(call.query_string.decode("latin-1")) if k == name), None)


def _dids(call: Call) -> list[str]:
    dids = call.data().get("dids")
    if not isinstance(dids, list) or not dids or not all(isinstance(d, str) and d for d in dids):
        raise ApiError(9015, "dids must be a non-empty list of strings")
    return dids


def _raw_bytes(value: Any) -> list[int]:
    if not (isinstance(value, list) and value
            and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value)):
        raise ApiError(9015, "raw must be a non-empty list of integers 0..255")
    return value


class HouseholdRoutes:
    """Handlers over a State; ``user_of`` resolves a call's user token."""

    def __init__(self, state: State, user_of: Callable[[Call], User]) -> None:
        self.state = state
        self.user_of = user_of

    def routes(self) -> list[Route]:
        """The route table entries."""
        return [
            Route("POST", "/app/sharing", "SH1", self.share),
            Route("GET", "/app/sharing", "SH2", self.sharings),
            Route("DELETE", "/app/sharing/{id}", "SH3", self.cancel_sharing),
            Route("PUT", "/app/sharing/{id}", "SH4", self.answer_sharing),
            Route("GET", "/app/sharing/code/{code}", "SH5", self.qr_info),
            Route("POST", "/app/sharing/code/{code}", "SH6", self.qr_accept),
            Route("PUT", "/app/sharing/{id}/alias", "SH7", self.sharing_alias),
            Route("POST", "/app/sharing/{did}/transfer", "SH8", self.transfer),
            Route("GET", "/app/group", "G1", self.groups),
            Route("POST", "/app/group", "G2", self.create_group),
            Route("DELETE", "/app/group/{id}", "G3", self.delete_group),
            Route("PUT", "/app/group/{id}", "G4", self.rename_group),
            Route("GET", "/app/group/{id}/devices", "G5", self.group_devices),
            Route("POST", "/app/group/{id}/devices", "G6", self.add_to_group),
            Route("DELETE", "/app/group/{id}/devices", "G7", self.remove_from_group),
            Route("POST", "/app/group/{id}/control", "G8", self.control_group),
            Route("GET", "/app/devices/{did}/scheduler", "PS1", self.device_tasks),
            Route("POST", "/app/devices/{did}/scheduler", "PS2", self.create_device_task),
            Route("PUT", "/app/devices/{did}/scheduler/{id}", "PS3", self.update_device_task),
            Route("DELETE", "/app/devices/{did}/scheduler/{id}", "PS4", self.delete_device_task),
            Route("GET", "/app/common_scheduler", "CS1", self.common_tasks),
            Route("POST", "/app/common_scheduler", "CS2", self.create_common_task),
            Route("PUT", "/app/common_scheduler/{id}", "CS3", self.update_common_task),
            Route("DELETE", "/app/common_scheduler/{id}", "CS4", self.delete_common_task),
            Route("GET", "/app/scene", "SC1", self.scenes),
            Route("POST", "/app/scene", "SC2", self.create_scene),
            Route("POST", "/app/scene/{id}", "SC3", self.update_scene),
            Route("DELETE", "/app/scene/{id}", "SC4", self.delete_scene),
            Route("POST", "/app/scene/{id}/task", "SC5", self.run_scene),
            Route("GET", "/app/scene/{id}/task", "SC6", self.scene_status),
        ]

    # -- sharing ---------------------------------------------------------------------------------------
    def share(self, call: Call) -> Reply:
        """POST /app/sharing."""
        return 201, self.state.sharing.share(self.user_of(call), call.data())

    def sharings(self, call: Call) -> Reply:
        """GET /app/sharing."""
        kind = query_text(call, "sharing_type")
        if kind not in ("0", "1"):
            raise ApiError(9015, "sharing_type must be 0 or 1")
        status = query_text(call, "status")
        if status is not None and status not in ("0", "1", "2", "3"):
            raise ApiError(9015, "status must be 0..3")
        return 200, self.state.sharing.listing(
            self.user_of(call), sent=kind == "0", status=None if status is None else int(status),
            did=query_text(call, "did"), limit=call.query("limit", 20), skip=call.query("skip", 0))

    def cancel_sharing(self, call: Call) -> Reply:
        """DELETE /app/sharing/{id}."""
        self.state.sharing.cancel(self.user_of(call), call.params["id"])
        return 200, {"id": int(call.params["id"])}

    def answer_sharing(self, call: Call) -> Reply:
        """PUT /app/sharing/{id}."""
        self.state.sharing.answer(self.user_of(call), call.params["id"], call.query("status", 0))
        return 200, {"id": int(call.params["id"])}

    def qr_info(self, call: Call) -> Reply:
        """GET /app/sharing/code/{code}."""
        return 200, self.state.sharing.qr_info(self.user_of(call), call.params["code"])

    def qr_accept(self, call: Call) -> Reply:
        """POST /app/sharing/code/{code}."""
        self.state.sharing.qr_accept(self.user_of(call), call.params["code"])
        return 200, None

    def sharing_alias(self, call: Call) -> Reply:
        """PUT /app/sharing/{id}/alias."""
        alias = query_text(call, "user_alias")
        if alias is None:
            raise ApiError(9015, "user_alias is required")
        self.state.sharing.set_alias(self.user_of(call), call.params["id"], alias)
        return 200, None

    def transfer(self, call: Call) -> Reply:
        """POST /app/sharing/{did}/transfer."""
        uid = query_text(call, "uid")
        if not uid:
            raise ApiError(9015, "uid is required")
        self.state.sharing.transfer(self.user_of(call), call.params["did"], uid)
        return 200, None

    # -- groups ----------------------------------------------------------------------------------------
    def groups(self, call: Call) -> Reply:
        """GET /app/group."""
        return 200, self.state.groups.listing(self.user_of(call))

    def create_group(self, call: Call) -> Reply:
        """POST /app/group."""
        user, data = self.user_of(call), call.data()
        product_key = data.get("product_key", "")
        if not isinstance(product_key, str):
            raise ApiError(9015, "product_key must be a string")
        return 201, {"id": self.state.groups.create(user, call.text("group_name"), product_key)}

    def delete_group(self, call: Call) -> Reply:
        """DELETE /app/group/{id}."""
        self.state.groups.delete(self.user_of(call), call.params["id"])
        return 200, None

    def rename_group(self, call: Call) -> Reply:
        """PUT /app/group/{id}."""
        self.state.groups.rename(self.user_of(call), call.params["id"], call.text("group_name"))
        return 200, None

    def group_devices(self, call: Call) -> Reply:
        """GET /app/group/{id}/devices."""
        return 200, self.state.groups.devices(self.user_of(call), call.params["id"])

    def add_to_group(self, call: Call) -> Reply:
        """POST /app/group/{id}/devices."""
        return 200, self.state.groups.add(self.user_of(call), call.params["id"], _dids(call),
                                          detail=call.flag("show_detail"))

    def remove_from_group(self, call: Call) -> Reply:
        """DELETE /app/group/{id}/devices."""
        return 200, self.state.groups.remove(self.user_of(call), call.params["id"], _dids(call))

    def control_group(self, call: Call) -> Reply:
        """POST /app/group/{id}/control: raw or attrs, applied device by device."""
        user, data = self.user_of(call), call.data()
        if "raw" in data:
            return 200, self.state.groups.control(user, call.params["id"], raw=_raw_bytes(data["raw"]))
        attrs = data.get("attrs")
        if not isinstance(attrs, dict) or not attrs:
            raise ApiError(9015, "attrs must be a non-empty object")
        return 200, self.state.groups.control(user, call.params["id"], attrs=attrs)

    # -- schedules -------------------------------------------------------------------------------------
    def device_tasks(self, call: Call) -> Reply:
        """GET /app/devices/{did}/scheduler."""
        return 200, self.state.tasks.listing(self.user_of(call), did=call.params["did"],
                                             limit=call.query("limit", 20), skip=call.query("skip", 0))

    def create_device_task(self, call: Call) -> Reply:
        """POST /app/devices/{did}/scheduler."""
        return 201, {"id": self.state.tasks.create(self.user_of(call), call.data(), did=call.params["did"])}

    def update_device_task(self, call: Call) -> Reply:
        """PUT /app/devices/{did}/scheduler/{id}."""
        self.state.tasks.update(self.user_of(call), call.params["id"], call.data(), did=call.params["did"])
        return 200, {"id": call.params["id"]}

    def delete_device_task(self, call: Call) -> Reply:
        """DELETE /app/devices/{did}/scheduler/{id}."""
        self.state.tasks.delete(self.user_of(call), call.params["id"], did=call.params["did"])
        return 200, None

    def common_tasks(self, call: Call) -> Reply:
        """GET /app/common_scheduler."""
        filters = {key: value for key in ("did", "group_id", "scene_id") if (value := query_text(call, key))}
        return 200, self.state.tasks.listing(self.user_of(call), filters=filters, limit=call.query("limit", 20),
                                             skip=call.query("skip", 0))

    def create_common_task(self, call: Call) -> Reply:
        """POST /app/common_scheduler."""
        return 201, {"id": self.state.tasks.create(self.user_of(call), call.data())}

    def update_common_task(self, call: Call) -> Reply:
        """PUT /app/common_scheduler/{id}."""
        self.state.tasks.update(self.user_of(call), call.params["id"], call.data())
        return 200, {"id": call.params["id"]}

    def delete_common_task(self, call: Call) -> Reply:
        """DELETE /app/common_scheduler/{id}."""
        self.state.tasks.delete(self.user_of(call), call.params["id"])
        return 200, None

    # -- scenes ----------------------------------------------------------------------------------------
    def scenes(self, call: Call) -> Reply:
        """GET /app/scene."""
        return 200, self.state.scenes.listing(self.user_of(call))

    def create_scene(self, call: Call) -> Reply:
        """POST /app/scene."""
        return 201, {"id": self.state.scenes.create(self.user_of(call), call.data())}

    def update_scene(self, call: Call) -> Reply:
        """POST /app/scene/{id}."""
        self.state.scenes.update(self.user_of(call), call.params["id"], call.data())
        return 200, None

    def delete_scene(self, call: Call) -> Reply:
        """DELETE /app/scene/{id}."""
        self.state.scenes.delete(self.user_of(call), call.params["id"])
        return 200, None

    def run_scene(self, call: Call) -> Reply:
        """POST /app/scene/{id}/task."""
        self.state.scenes.start(self.user_of(call), call.params["id"])
        return 200, None

    def scene_status(self, call: Call) -> Reply:
        """GET /app/scene/{id}/task."""
        return 200, {"status": self.state.scenes.status(self.user_of(call), call.params["id"])}
