"""Devices: bindings (/app/bindings) and latest data (/app/devdata/{did}/latest)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from ..errors import ValidationError
from ..models import BindRequest, BindResult, Device, DeviceData
from ..validation import check_did, check_flag, check_iterable, check_page
from ._base import Auth, Call, paginate
from .products import ProductsAPI

_BINDINGS = "/app/bindings"


def _devices_from_wire(data: Any) -> list[Device]:
    return [Device.from_wire(item) for item in data["devices"]]


def latest_call(did: str, decode: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None) -> Call[DeviceData]:
    """GET /app/devdata/{did}/latest (shared with the fan-out helpers); ``decode`` turns reported values into
    Python ones."""
    parse = DeviceData.from_wire if decode is None else functools.partial(DeviceData.from_wire, decode=decode)
    return Call("GET", f"/app/devdata/{check_did(did)}/latest", parse=parse)


def _bind_request(item: BindRequest | tuple[str, ...]) -> BindRequest:
    if isinstance(item, BindRequest):
        request = item
    elif isinstance(item, tuple) and 2 <= len(item) <= 3:
        request = BindRequest(*item)
    else:
        raise ValidationError(f"each device to bind must be a BindRequest or (did, passcode[, remark]), got "
                              f"a {type(item).__name__}")
    check_did(request.did)
    if not isinstance(request.passcode, str) or not request.passcode:
        raise ValidationError(f"passcode of {request.did} must be a non-empty string")
    if not isinstance(request.remark, str):
        raise ValidationError(f"remark of {request.did} must be a string")
    return request


class DevicesAPI(ProductsAPI):
    """Bindings and latest data."""

    async def bindings(self, *, limit: int = 20, skip: int = 0, show_disabled: bool = False) -> list[Device]:
        """GET /app/bindings: one page of the devices bound to the user."""
        limit, skip = check_page(limit, skip)
        query = f"?show_disabled={int(check_flag(show_disabled, 'show_disabled'))}&limit={limit}&skip={skip}"
        result: list[Device] = await self._call(
            Call("GET", _BINDINGS + query, Auth.USER, parse=_devices_from_wire))
        self.remember_devices(result)
        return result

    async def iter_bindings(self, *, page_size: int = 100, show_disabled: bool = False) -> AsyncIterator[Device]:
        """GET /app/bindings, every page: yields each bound device, stopping after a short page."""
        async def fetch(limit: int, skip: int) -> list[Device]:
            return await self.bindings(limit=limit, skip=skip, show_disabled=show_disabled)

        async for device in paginate(fetch, page_size):
            yield device

    async def bind(self, devices: Iterable[BindRequest | tuple[str, ...]]) -> BindResult:
        """POST /app/bindings: bind devices, each a `BindRequest` or a ``(did, passcode[, remark])`` tuple."""
        entries = [_bind_request(item).to_wire() for item in check_iterable(devices, "devices")]
        if not entries:
            raise ValidationError("bind needs at least one device")
        result: BindResult = await self._call(
            Call("POST", _BINDINGS, Auth.USER, json={"devices": entries}, parse=BindResult.from_wire))
        return result

    async def unbind(self, dids: Iterable[str]) -> BindResult:
        """DELETE /app/bindings: unbind devices by did (DELETE with a JSON body)."""
        entries = [{"did": check_did(did)} for did in check_iterable(dids, "dids")]
        if not entries:
            raise ValidationError("unbind needs at least one did")
        result: BindResult = await self._call(
            Call("DELETE", _BINDINGS, Auth.USER, json={"devices": entries}, parse=BindResult.from_wire))
        return result

    async def latest(self, did: str) -> DeviceData:
        """GET /app/devdata/{did}/latest: the device's latest reported data, decoded per its product's schema
        when the session knows it."""
        result: DeviceData = await self._call(latest_call(did, self._decoder(did)))
        return result
