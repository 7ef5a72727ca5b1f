"""Device groups of a user, and group control: the command is applied device by device, each reporting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .sharing import iso_z

if TYPE_CHECKING:
    from .state import State, User


@dataclass
class Group:
    """A user's group; ``product_key`` is "" for a group mixing products."""

    id: str
    uid: str
    name: str
    product_key: str
    created_at: float
    updated_at: float
    dids: list[str] = field(default_factory=list)

    def to_wire(self, verbose_name: str) -> dict[str, Any]:
        """As GET /app/group lists it (with the fields a real answer adds); ``verbose_name`` is the product's name."""
        return {"id": self.id, "group_name": self.name, "product_key": self.product_key,
                "verbose_name": verbose_name, "remark": "", "gw_did": None, "multicast_id": "",
                "created_at": iso_z(self.created_at), "updated_at": iso_z(self.updated_at)}


class GroupBook:
    """Every user's groups."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.groups: dict[str, Group] = {}

    def group(self, user: User, group_id: str) -> Group:
        """The user's group ``group_id``, or 9015 (the service documents no code of its own)."""
        group = self.groups.get(group_id)
        if group is None or group.uid != user.uid:
            raise ApiError(9015, f"group {group_id} not found")
        return group

    def listing(self, user: User) -> list[dict[str, Any]]:
        """GET /app/group."""
        names = self.state.product_names
        return [g.to_wire(names.get(g.product_key, "")) for g in self.groups.values() if g.uid == user.uid]

    def create(self, user: User, name: str, product_key: str) -> str:
        """POST /app/group: 9002 for an unknown product key."""
        if product_key and product_key not in self.state.products:
            raise ApiError(9002, product_key)
        now = self.state.clock.now()
        group = Group(self.state._hex()[:24], user.uid, name, product_key, now, now)
        self.groups[group.id] = group
        return group.id

    def rename(self, user: User, group_id: str, name: str) -> None:
        """PUT /app/group/{id}."""
        group = self.group(user, group_id)
        group.name, group.updated_at = name, self.state.clock.now()

    def delete(self, user: User, group_id: str) -> None:
        """DELETE /app/group/{id}."""
        del self.groups[self.group(user, group_id).id]

    def devices(self, user: User, group_id: str) -> list[dict[str, Any]]:
        """GET /app/group/{id}/devices."""
        rows = []
        for did in self.group(user, group_id).dids:
            device = self.state.devices[did]
            binding = user.bindings.get(did)
            rows.append({"did": did, "type": device.type,
                         "verbose_name": self.state.product_names.get(device.product_key, device.product_key),
                         "dev_alias": binding.dev_alias if binding else "", "product_key": device.product_key})
        return rows

    def _refusal(self, user: User, group: Group, did: str) -> ApiError | None:
        device = self.state.devices.get(did)
        if device is None:
            return ApiError(9014, did)
        if did not in user.bindings:
            return ApiError(9017, did)
        if group.product_key and device.product_key != group.product_key:
            return ApiError(9015, f"{did} is not a device of product {group.product_key}")
        return None

    def add(self, user: User, group_id: str, dids: list[str], *, detail: bool) -> dict[str, Any]:
        """POST /app/group/{id}/devices: each did added, or failed with its reason (in ``detail`` when asked)."""
        group = self.group(user, group_id)
        result: dict[str, Any] = {"success": [], "failed": []}
        reasons = []
        for did in dids:
            refusal = self._refusal(user, group, did)
            if refusal is not None:
                result["failed"].append(did)
                body = refusal.body()
                reasons.append({"did": did, "error_code": body["error_code"], "error_message": body["error_message"],
                                "detail_msg": body["detail_message"]})
                continue
            if did not in group.dids:
                group.dids.append(did)
            result["success"].append(did)
        if detail:
            result["detail"] = reasons
        return result

    def remove(self, user: User, group_id: str, dids: list[str]) -> dict[str, list[str]]:
        """DELETE /app/group/{id}/devices: a did not in the group fails."""
        group = self.group(user, group_id)
        result: dict[str, list[str]] = {"success": [], "failed": []}
        for did in dids:
            if did in group.dids:
                group.dids.remove(did)
                result["success"].append(did)
            else:
                result["failed"].append(did)
        return result

    def control(self, user: User, group_id: str, *, attrs: dict[str, Any] | None = None,
                raw: list[int] | None = None, at: float | None = None) -> list[dict[str, Any]]:
        """POST /app/group/{id}/control: the command applied device by device; a device that refuses it
        (offline, unbound, without the datapoint) reports ``false``."""
        results = []
        for did in self.group(user, group_id).dids:
            try:
                if raw is not None:
                    self.state.control_raw(user, did, raw)
                else:
                    self.state.control(user, did, attrs or {}, at=at)
            except ApiError:
                ok = False
            else:
                ok = True
            results.append({"did": did, "result": ok})
        return results
