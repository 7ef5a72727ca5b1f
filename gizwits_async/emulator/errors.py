"""Gizwits error codes as the emulator answers them: an exception for the domain, a body for the wire."""

from __future__ import annotations

from typing import Any

# code -> (error_message, HTTP status), as the service answers them; only the codes the emulator can produce.
# Where no status is known (the sharing codes), 400, the status of the service's other refusals.
ERRORS: dict[int, tuple[str, int]] = {
    9002: ("product_key invalid", 400),
    9003: ("appid invalid", 400),
    9004: ("token invalid", 400),
    9005: ("user not exist", 400),
    9006: ("token expired", 400),
    9008: ("server error", 500),
    9009: ("code expired", 400),
    9010: ("code invalid", 400),
    9014: ("device not found!", 404),
    9015: ("form invalid!", 400),
    9016: ("did or passcode invalid!", 400),
    9017: ("device not bound!", 401),
    9018: ("phone unavailable!", 400),
    9019: ("username unavailable!", 400),
    9020: ("username or password error!", 400),
    9022: ("email unavailable!", 400),
    9023: ("device is disabled!", 400),
    9025: ("attr invalid!", 400),
    9030: ("scheduler not found!", 404),
    9038: ("X-Gizwits-Application-Auth invalid!", 400),
    9041: ("request was throttled", 429),
    9042: ("device offline!", 400),
    9043: ("X-Gizwits-Timestamp invalid!", 400),
    9044: ("X-Gizwits-Signature invalid!", 400),
    9080: ("can not share device to self!", 400),
    9081: ("guest or normal user can not share device!", 400),
    9082: ("guest user not found!", 400),
    9083: ("guest user alread bound!", 400),
    9084: ("sharing record not found!", 400),
    9087: ("sharing alread created,waiting for the guest to accept!", 400),
    9088: ("sharing record expired!", 400),
    9089: ("sharing record status is not unaccept!", 400),
    9090: ("owner binding disabled!", 400),
    9093: ("permission denied, you are not owner!", 400),
    9094: ("sharing already canceled!", 400),
    9095: ("can not unbind self!", 400),
    9096: ("permission denied, you are not guest!", 400),
    9100: ("permission denied, you are not owner or guest!", 400),
    9220: ("scene not found!", 404),
    9221: ("the scene does not belong to you!", 400),
    9999: ("reserved", 400),
}


class ApiError(Exception):
    """A refusal of the emulated server: a Gizwits error code and an optional detail message."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        """The HTTP status this code is answered with."""
        return ERRORS[self.code][1]

    def body(self) -> dict[str, Any]:
        """The Gizwits error body."""
        return {"error_code": self.code, "error_message": ERRORS[self.code][0], "detail_message": self.detail}
