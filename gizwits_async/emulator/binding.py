"""Binding by product key and MAC (a request signed with the product secret), and an owner's guests.

POST /app/bind_mac needs ``X-Gizwits-Timestamp`` (Unix seconds, within 5 minutes of the server's clock, else
9043) and ``X-Gizwits-Signature`` = md5(product secret + timestamp) in lowercase hex (else 9044). A MAC the
product has no device for registers a new one (offline until it reports). The first user to bind a device owns
it (see sharing.py for the roles); the owner lists the device's other users (GET /app/{did}/bindings) and
removes them (DELETE).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .records import Endpoint, device_record
from .routing import Call, Reply, Route
from .sharing import mask
from .state import Binding, Device, State, User

MAX_SKEW = 300


class BindingRoutes:
    """``POST /app/bind_mac``, ``GET`` and ``DELETE /app/{did}/bindings``."""

    def __init__(self, state: State, user_of: Callable[[Call], User], endpoint_of: Callable[[Call], Endpoint]) -> None:
        self.state = state
        self._user_of = user_of
        self._endpoint_of = endpoint_of

    def routes(self) -> list[Route]:
        """The routes to add to the emulator's router."""
        return [
            Route("POST", "/app/bind_mac", "B5", self.bind_mac),
            Route("GET", "/app/{did}/bindings", "B8", self.guests),
            Route("DELETE", "/app/{did}/bindings", "B9", self.remove_guest),
        ]

    def _check_signature(self, call: Call, secret: str) -> None:
        stamp = call.headers.get("x-gizwits-timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - self.state.clock.now()) > MAX_SKEW:
            raise ApiError(9043)
        expected = hashlib.md5(f"{secret}{stamp}".encode()).hexdigest()
        if not hmac.compare_digest(call.headers.get("x-gizwits-signature", ""), expected):
            raise ApiError(9044)

    def bind_mac(self, call: Call) -> Reply:
        """POST /app/bind_mac: bind (registering if needed) the product's device with this MAC."""
        user, data = self._user_of(call), call.data()
        product = self.state.products.get(call.text("product_key"))
        if product is None:
            raise ApiError(9002)
        self._check_signature(call, product.secret)
        mac = call.text("mac").lower()
        device = next((d for d in self.state.devices.values() if d.product_key == product.key and d.mac == mac), None)
        if device is None:
            device = self.state.add_device(product_key=product.key, online=False)
            device.mac = mac
        remark, alias = data.get("remark", ""), data.get("dev_alias")
        if not isinstance(remark, str) or not isinstance(alias, str | None):
            raise ApiError(9015, "remark and dev_alias must be strings")
        binding = Binding(remark, device.alias if alias is None else alias)
        user.bindings[device.did] = binding
        self.state.sharing.bound(user, device.did)  # the first binder owns the device
        return 201, device_record(device, binding, self.state.product_names.get(product.key, product.key),
                                  self._endpoint_of(call))

    def _owned(self, call: Call) -> tuple[User, Device]:
        user = self._user_of(call)
        device = self.state.device(call.params["did"])
        if self.state.sharing.owner(device.did) != user.uid:
            raise ApiError(9093)
        return user, device

    def guests(self, call: Call) -> Reply:
        """GET /app/{did}/bindings: the device's other users (owner only), contact fields masked."""
        owner, device = self._owned(call)
        return 200, [_guest(u) for u in self.state.users.values() if u is not owner and device.did in u.bindings]

    def remove_guest(self, call: Call) -> Reply:
        """DELETE /app/{did}/bindings?uid=: unbind a guest (owner only; not the owner itself: 9095)."""
        owner, device = self._owned(call)
        guest = self.state.users.get(call.param("uid") or "")
        if guest is owner:
            raise ApiError(9095)
        if guest is None or device.did not in guest.bindings:
            raise ApiError(9096)
        del guest.bindings[device.did]
        return 200, None


def _guest(user: User) -> dict[str, Any]:
    # The emulator keeps no binding times: created_at is null.
    return {"uid": user.uid, "username": mask(user.username), "phone": mask(user.phone),
            "email": mask(user.email), "created_at": None}
