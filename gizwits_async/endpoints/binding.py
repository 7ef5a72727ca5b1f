"""Binding by product key and MAC (a signed request), and the guests of a device the user owns."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from ..errors import ValidationError
from ..models import Device, Guest
from ..retry import Idempotency
from ..validation import check_did, check_segment, check_text
from ._base import Auth, Call
from .products import ProductsAPI

_MAC = re.compile(r"[0-9a-fA-F]{12}")


def bind_signature(product_secret: str, timestamp: int) -> str:
    """The ``X-Gizwits-Signature`` of a bind-by-MAC request: md5(product secret + timestamp), lowercase hex."""
    return hashlib.md5(f"{product_secret}{timestamp}".encode(), usedforsecurity=False).hexdigest()


def _guests_from_wire(data: Any) -> list[Guest]:
    return [Guest.from_wire(item) for item in data]


class BindingAPI(ProductsAPI):
    """Binding by MAC, and guests."""

    async def bind_mac(
        self, product_key: str, mac: str, *, product_secret: str, remark: str | None = None,
        dev_alias: str | None = None,
    ) -> Device:
        """POST /app/bind_mac: bind the device of ``product_key`` with this MAC (12 hex digits) to the user.

        The request is signed with the product secret (which belongs to the product's owner) and the current
        time; neither the secret nor the signature is logged. After a bind, read the bindings again (and
        resubscribe push): the device may live on another host. Returns the bound device, whose product the
        session now knows.
        """
        check_text(product_secret, "product_secret")
        if not isinstance(mac, str) or not _MAC.fullmatch(mac):
            raise ValidationError(f"mac must be 12 hex digits, got {mac!r:.40}")
        body: dict[str, str] = {"product_key": check_segment(product_key, "product_key"), "mac": mac.lower()}
        for name, value in (("remark", remark), ("dev_alias", dev_alias)):
            if value is not None:
                body[name] = check_text(value, name)
        stamp = int(time.time())
        headers = {"X-Gizwits-Timestamp": str(stamp), "X-Gizwits-Signature": bind_signature(product_secret, stamp)}
        device = await self._call(Call("POST", "/app/bind_mac", Auth.USER, json=body, parse=Device.from_wire,
                                       idempotency=Idempotency.UNSAFE, headers=headers))
        self.remember_devices((device,))
        return device

    async def guests(self, did: str) -> list[Guest]:
        """GET /app/{did}/bindings: the users sharing a device the signed-in user owns."""
        return await self._call(Call("GET", f"/app/{check_did(did)}/bindings", Auth.USER, parse=_guests_from_wire))

    async def remove_guest(self, did: str, uid: str) -> None:
        """DELETE /app/{did}/bindings?uid=: unbind a guest from a device the signed-in user owns."""
        await self._call(Call("DELETE", f"/app/{check_did(did)}/bindings?uid={check_segment(uid, 'uid')}",
                              Auth.USER))
