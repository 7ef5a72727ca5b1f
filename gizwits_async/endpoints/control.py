"""Device control (POST /app/control/{did})."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..validation import check_did, check_raw
from ._base import Auth, Call
from .products import ProductsAPI

Attrs = Mapping[str, bool | int | float | str | bytes]


def control_call(did: str, wire_attrs: dict[str, Any]) -> Call[None]:
    """POST /app/control/{did} for a checked ``did`` and values already in wire form (`check_attrs`), shared
    with the fan-out helpers. The answer, ``{}``, is not read."""
    return Call("POST", f"/app/control/{did}", Auth.USER, json={"attrs": wire_attrs})


class ControlAPI(ProductsAPI):
    """Device control, by datapoints or raw bytes."""

    async def control(self, did: str, attrs: Attrs) -> None:
        """POST /app/control/{did}: set writable datapoints; ``bytes`` values go out as lowercase hex.

        Once the session knows the device's product schema, the values are checked against it first.
        """
        await self._call(control_call(did, self.check_attrs(did, attrs)))

    async def control_raw(self, did: str, data: bytes | Sequence[int]) -> None:
        """POST /app/control/{did}: send raw bytes (0..255) to the device."""
        await self._call(Call("POST", f"/app/control/{check_did(did)}", Auth.USER, json={"raw": check_raw(data)}))
