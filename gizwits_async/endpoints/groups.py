"""Groups of devices kept by the service, and group control: one request, the server fans it out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..automation_models import Group, GroupChange
from ..errors import ValidationError
from ..models import BindResult
from ..retry import Idempotency
from ..validation import check_did, check_raw, check_segment, check_text
from ._base import Auth, Call
from .products import ProductsAPI

_GROUP = "/app/group"


def _group_path(group_id: str, tail: str = "") -> str:
    return f"{_GROUP}/{check_segment(group_id, 'group_id')}{tail}"


def _dids(dids: Iterable[str]) -> list[str]:
    if isinstance(dids, str):
        raise ValidationError("pass an iterable of dids, not a single string")
    checked = [check_did(did) for did in dids]
    if not checked:
        raise ValidationError("pass at least one did")
    return checked


def applied_from_wire(data: Any) -> dict[str, bool]:
    """did -> whether the device took the command, from ``[{"did", "result"}]``."""
    if not isinstance(data, list):
        raise ValueError(f"expected a list of per-device results, got {type(data).__name__}")
    return {str(entry["did"]): entry.get("result") is True for entry in data}


def group_control_call(group_id: str, body: dict[str, Any]) -> Call[dict[str, bool]]:
    """POST /app/group/{id}/control with a checked wire body (shared with the group path of bulk control)."""
    return Call("POST", _group_path(group_id, "/control"), Auth.USER, json=body, parse=applied_from_wire)


def _groups_from_wire(data: Any) -> list[Group]:
    return [Group.from_wire(item) for item in data or []]


def _member_dids(data: Any) -> list[str]:
    return [str(item["did"]) for item in data or []]


class GroupsAPI(ProductsAPI):
    """The user's device groups."""

    #: group id -> product key, for the groups whose product is known (single-product groups).

    async def groups(self) -> list[Group]:
        """The user's groups; remembers each single-product group's product."""
        result: list[Group] = await self._call(Call("GET", _GROUP, Auth.USER, parse=_groups_from_wire))
        for group in result:
            if group.product_key:
                self._shared.group_products[group.id] = group.product_key
        return result

    async def create_group(self, name: str, *, product_key: str | None = None) -> str:
        """Create a group (of one product when ``product_key`` is given, else mixed); returns its id."""
        body = {"group_name": check_text(name, "name")}
        if product_key is not None:
            body["product_key"] = check_text(product_key, "product_key")
        group_id: str = await self._call(Call("POST", _GROUP, Auth.USER, json=body, idempotency=Idempotency.UNSAFE,
                                              parse=lambda data: str(data["id"])))
        if product_key is not None:
            self._shared.group_products[group_id] = product_key
        return group_id

    async def rename_group(self, group_id: str, name: str) -> None:
        """Rename a group."""
        await self._call(Call("PUT", _group_path(group_id), Auth.USER, json={"group_name": check_text(name, "name")}))

    async def delete_group(self, group_id: str) -> None:
        """Delete a group (its devices stay bound)."""
        await self._call(Call("DELETE", _group_path(group_id), Auth.USER))
        self._shared.group_products.pop(group_id, None)

    async def group_devices(self, group_id: str) -> list[str]:
        """The dids of a group's devices."""
        result: list[str] = await self._call(
            Call("GET", _group_path(group_id, "/devices"), Auth.USER, parse=_member_dids))
        return result

    async def add_to_group(self, group_id: str, dids: Iterable[str]) -> GroupChange:
        """Add devices to a group; ``errors`` of the result gives the service's reason for each refused did."""
        result: GroupChange = await self._call(Call(
            "POST", _group_path(group_id, "/devices?show_detail=1"), Auth.USER, json={"dids": _dids(dids)},
            parse=GroupChange.from_wire))
        return result

    async def remove_from_group(self, group_id: str, dids: Iterable[str]) -> BindResult:
        """Remove devices from a group."""
        result: BindResult = await self._call(Call(
            "DELETE", _group_path(group_id, "/devices"), Auth.USER, json={"dids": _dids(dids)},
            parse=BindResult.from_wire))
        return result

    async def control_group(self, group_id: str, attrs: Mapping[str, Any]) -> dict[str, bool]:
        """Set datapoints on every device of a group in one request; the service fans the command out.

        Returns did -> whether that device took the command (an offline device, or one without the
        datapoint, answers False). Values are checked first against the group's product when it is known.
        """
        body = {"attrs": self._group_attrs(group_id, attrs)}
        result: dict[str, bool] = await self._call(group_control_call(group_id, body))
        return result

    async def control_group_raw(self, group_id: str, data: bytes | Sequence[int]) -> dict[str, bool]:
        """Send raw bytes (0..255) to every device of a group; did -> whether that device took them."""
        result: dict[str, bool] = await self._call(group_control_call(group_id, {"raw": check_raw(data)}))
        return result

    def _group_attrs(self, group_id: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """``attrs`` in wire form, checked against the group's product when the session knows its schema."""
        check_segment(group_id, "group_id")
        return self.check_attrs(None, attrs, product_key=self._shared.group_products.get(group_id))
