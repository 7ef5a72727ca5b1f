"""One device: its details, and the user's own name, remark and labels for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ValidationError
from ..models import Device
from ..validation import check_did
from ._base import Auth, Call
from .products import ProductsAPI


def binding_changes(remark: Any, dev_alias: Any, dev_label: Any) -> dict[str, Any]:
    """The body of a binding update: only the fields given (not None), checked; at least one."""
    changes: dict[str, Any] = {}
    for name, value in (("remark", remark), ("dev_alias", dev_alias)):
        if value is not None:
            if not isinstance(value, str):
                raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
            changes[name] = value
    if dev_label is not None:
        if isinstance(dev_label, str | bytes) or not isinstance(dev_label, Iterable):
            raise ValidationError(f"dev_label must be an iterable of strings, got {type(dev_label).__name__}")
        labels = list(dev_label)
        if not all(isinstance(label, str) for label in labels):
            raise ValidationError("dev_label must hold only strings")
        changes["dev_label"] = labels
    if not changes:
        raise ValidationError("update_binding needs at least one of remark, dev_alias, dev_label")
    return changes


class DeviceDetailsAPI(ProductsAPI):
    """GET /app/devices/{did} and PUT /app/bindings/{did}."""

    async def device(self, did: str) -> Device:
        """The details of one bound device (a fresh ``is_online`` without paging the bindings).

        Raises `DeviceNotFoundError` (9014) for an unknown did, `DeviceNotBoundError` (9017) when the user has
        not bound it.
        """
        result: Device = await self._call(
            Call("GET", f"/app/devices/{check_did(did)}", Auth.USER, parse=Device.from_wire))
        self.remember_devices((result,))
        return result

    async def update_binding(
        self,
        did: str,
        *,
        remark: str | None = None,
        dev_alias: str | None = None,
        dev_label: Iterable[str] | None = None,
    ) -> None:
        """Change the user's remark, alias (the device's name) and/or labels of a bound device.

        Only the fields given change; giving none raises `ValidationError` without sending anything. Some
        vendor apps keep their own data in ``remark``: prefer ``dev_alias`` for a name.
        """
        body = binding_changes(remark, dev_alias, dev_label)
        await self._call(Call("PUT", f"/app/bindings/{check_did(did)}", Auth.USER, json=body))
