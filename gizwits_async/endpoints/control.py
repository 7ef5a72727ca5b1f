"""Device control (POST /app/control/{did})."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..validation import check_did, check_raw, encode_attrs
from ._base import Auth, Call, Endpoints

Attrs = Mapping[str, bool | int | float | str | bytes]


def control_call(did: str, attrs: Any) -> Call[None]:
    """POST /app/control/{did} with datapoints (shared with the fan-out helpers). The answer, ``{}``, is not read."""
    return Call("POST", f"/app/control/{check_did(did)}", Auth.USER, json={"attrs": encode_attrs(attrs)})


class ControlAPI(Endpoints):
    """Device control, by datapoints or raw bytes."""

    async def control(self, did: str, attrs: Attrs) -> None:
        """POST /app/control/{did}: set writable datapoints; ``bytes`` values go out as lowercase hex."""
        await self._call(control_call(did, attrs))

    async def control_raw(self, did: str, data: bytes | Sequence[int]) -> None:
        """POST /app/control/{did}: send raw bytes (0..255) to the device."""
        await self._call(Call("POST", f"/app/control/{check_did(did)}", Auth.USER, json={"raw": check_raw(data)}))
