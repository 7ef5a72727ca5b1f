"""The exception tree, the Gizwits error codes, and turning an error answer into an exception."""

from __future__ import annotations

import html
import json
import re
from enum import IntEnum
from typing import Any

__all__ = [
    "PERMANENT_CODES",
    "APIError",
    "AttrInvalidError",
    "AuthenticationError",
    "DeviceDisabledError",
    "DeviceNotBoundError",
    "DeviceNotFoundError",
    "DeviceOfflineError",
    "ErrorCode",
    "GizwitsError",
    "PermissionDeniedError",
    "ServerError",
    "SessionClosedError",
    "ThrottledError",
    "TokenError",
    "TokenStoreError",
    "TransportError",
    "UnexpectedError",
    "ValidationError",
    "error_from_response",
    "error_key",
    "http_status",
    "is_permanent",
]


class ErrorCode(IntEnum):
    """Every error code of the Gizwits Open API, named as the vendor's server names them."""

    MAC_ALREADY_REGISTERED = 9001
    PRODUCT_KEY_INVALID = 9002
    APPID_INVALID = 9003
    TOKEN_INVALID = 9004
    USER_NOT_EXIST = 9005
    TOKEN_EXPIRED = 9006
    M2M_ID_INVALID = 9007
    SERVER_ERROR = 9008
    CODE_EXPIRED = 9009
    CODE_INVALID = 9010
    SANDBOX_SCALE_QUOTA_EXHAUSTED = 9011
    PRODUCTION_SCALE_QUOTA_EXHAUSTED = 9012
    PRODUCT_HAS_NO_REQUEST_SCALE = 9013
    DEVICE_NOT_FOUND = 9014
    FORM_INVALID = 9015
    DID_PASSCODE_INVALID = 9016
    DEVICE_NOT_BOUND = 9017
    PHONE_UNAVAILABLE = 9018
    USERNAME_UNAVAILABLE = 9019
    USERNAME_PASSWORD_ERROR = 9020
    SEND_COMMAND_FAILED = 9021
    EMAIL_UNAVAILABLE = 9022
    DEVICE_DISABLED = 9023
    FAILED_NOTIFY_M2M = 9024
    ATTR_INVALID = 9025
    USER_INVALID = 9026
    FIRMWARE_NOT_FOUND = 9027
    JD_PRODUCT_NOT_FOUND = 9028
    DATAPOINT_DATA_NOT_FOUND = 9029
    SCHEDULER_NOT_FOUND = 9030
    QQ_OAUTH_KEY_INVALID = 9031
    OTA_SERVICE_OK_BUT_IN_IDLE = 9032
    BT_FIRMWARE_UNVERIFIED = 9033
    BT_FIRMWARE_NOTHING_TO_UPGRADE = 9034
    SAVE_KAIROSDB_ERROR = 9035
    EVENT_NOT_DEFINED = 9036
    SEND_SMS_FAILED = 9037
    APPLICATION_AUTH_INVALID = 9038
    NOT_ALLOWED_CALL_API = 9039
    BAD_QRCODE_CONTENT = 9040
    REQUEST_THROTTLED = 9041
    DEVICE_OFFLINE = 9042
    TIMESTAMP_INVALID = 9043
    SIGNATURE_INVALID = 9044
    DEPRECATED_API = 9045
    REGISTER_IS_BUSY = 9046
    DEVICE_ENCRYPT_DISABLED = 9047
    DEVICE_ENCRYPT_ENABLED = 9048
    DEVICE_REGISTER_LIMIT = 9055
    EMAIL_NOT_ACTIVATED = 9077
    CANNOT_SHARE_TO_SELF = 9080
    ONLY_OWNER_CAN_SHARE = 9081
    NOT_FOUND_GUEST = 9082
    GUEST_ALREADY_BOUND = 9083
    NOT_FOUND_SHARING_INFO = 9084
    NOT_FOUND_THE_MESSAGE = 9085
    SHARING_IS_WAITING_FOR_ACCEPT = 9087
    SHARING_IS_EXPIRED = 9088
    SHARING_IS_COMPLETED = 9089
    INVALID_SHARING_BECAUSE_UNBINDING = 9090
    ONLY_OWNER_CAN_BIND = 9092
    ONLY_OWNER_CAN_OPERATE = 9093
    SHARING_ALREADY_CANCELLED = 9094
    OWNER_CANNOT_UNBIND_SELF = 9095
    ONLY_GUEST_CAN_CHECK_QRCODE = 9096
    MESSAGE_ALREADY_DELETED = 9098
    BINDING_NOTIFY_FAILED = 9099
    ONLY_SELF_CAN_MODIFY_ALIAS = 9100
    ONLY_RECEIVER_CAN_MARK_MESSAGE = 9101
    SCENE_NOT_FOUND = 9220
    SCENE_NOT_YOURS = 9221
    RESERVED = 9999


class GizwitsError(Exception):
    """Base class of every error this library raises."""

    #: How many requests were sent for the call that failed (set by the request path).
    attempts: int = 0


class ValidationError(GizwitsError, ValueError):
    """Bad input, raised before any request leaves the machine."""


class TransportError(GizwitsError):
    """The request failed below HTTP: connect error, dropped connection or timeout.

    ``sent`` tells whether the request may have reached the server (False only when it certainly did not,
    e.g. a refused connection), which decides whether a call that creates something may be repeated.
    """

    def __init__(self, message: str, *, sent: bool, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.sent = sent
        self.__cause__ = cause


class TokenStoreError(GizwitsError):
    """A token store cannot be used: its file or directory is missing rights, not ours, or not a plain file."""


class SessionClosedError(GizwitsError):
    """The session was closed before or while the call ran."""


class UnexpectedError(GizwitsError):
    """An exception that is not one of this library's, raised while handling one input of a bulk call.

    A bulk call records it as that input's outcome instead of ending the run. The original exception is
    ``__cause__``; the message names only its type, since its text may quote the input.
    """

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"unexpected {type(cause).__name__} while handling this input")
        self.__cause__ = cause


class APIError(GizwitsError):
    """The server answered with an error.

    ``code`` is the Gizwits error code (None when the body had none), ``status`` the HTTP status,
    ``message``/``detail`` the body's texts. For a body that is not JSON (a proxy's HTML error page, say),
    ``message`` is the page's title or first line and ``detail`` the body itself (up to 64 KiB), which
    ``str(error)`` leaves out.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        detail: str | None = None,
        status: int = 0,
        method: str = "",
        url: str = "",
    ) -> None:
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status
        self.method = method
        self.url = url
        super().__init__(self._describe())

    def _describe(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        where = f" ({self.method} {self.url})" if self.method else ""
        detail = f": {self.brief_detail}" if self.brief_detail else ""
        return f"HTTP {self.status}{code} {self.message}{detail}{where}"

    @property
    def brief_detail(self) -> str | None:
        """The detail when it is a short line worth showing after the message (not a whole page)."""
        detail = self.detail
        if not detail or detail == self.message or len(detail) > _BRIEF_LIMIT or "\n" in detail:
            return None
        return None if detail.lstrip().startswith("<") else detail

    @property
    def error_code(self) -> ErrorCode | None:
        """The code as an `ErrorCode`, when it is one this library knows."""
        try:
            return ErrorCode(self.code) if self.code is not None else None
        except ValueError:
            return None


class AuthenticationError(APIError):
    """The server refused the credentials: 9005 user not exist, 9020 bad username/password."""


class TokenError(APIError):
    """9004 invalid / 9006 expired token, when signing in again is impossible or failed."""


class ThrottledError(APIError):
    """9041 or HTTP 429: the server did not act; slow down."""


class DeviceOfflineError(APIError):
    """9042: the device is offline."""


class DeviceNotFoundError(APIError):
    """9014: no such device."""


class ServerError(APIError):
    """9008 or an HTTP 5xx."""


class AttrInvalidError(APIError):
    """9025: the server refused the datapoint values (unknown, read-only, or out of range): fix the command."""


class DeviceNotBoundError(APIError):
    """9017: the device is not bound to the user."""


class DeviceDisabledError(APIError):
    """9023: the device is disabled."""


class PermissionDeniedError(APIError):
    """The user's role on the device forbids the call: not its owner, not a guest, not the receiver.

    Codes 9081, 9092, 9093, 9095, 9096, 9100 and 9101.
    """


_BY_CODE: dict[int, type[APIError]] = {
    ErrorCode.USER_NOT_EXIST: AuthenticationError,
    ErrorCode.USERNAME_PASSWORD_ERROR: AuthenticationError,
    ErrorCode.TOKEN_INVALID: TokenError,
    ErrorCode.TOKEN_EXPIRED: TokenError,
    ErrorCode.REQUEST_THROTTLED: ThrottledError,
    ErrorCode.DEVICE_OFFLINE: DeviceOfflineError,
    ErrorCode.DEVICE_NOT_FOUND: DeviceNotFoundError,
    ErrorCode.SERVER_ERROR: ServerError,
    ErrorCode.ATTR_INVALID: AttrInvalidError,
    ErrorCode.DEVICE_NOT_BOUND: DeviceNotBoundError,
    ErrorCode.DEVICE_DISABLED: DeviceDisabledError,
    ErrorCode.ONLY_OWNER_CAN_SHARE: PermissionDeniedError,
    ErrorCode.ONLY_OWNER_CAN_BIND: PermissionDeniedError,
    ErrorCode.ONLY_OWNER_CAN_OPERATE: PermissionDeniedError,
    ErrorCode.OWNER_CANNOT_UNBIND_SELF: PermissionDeniedError,
    ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE: PermissionDeniedError,
    ErrorCode.ONLY_SELF_CAN_MODIFY_ALIAS: PermissionDeniedError,
    ErrorCode.ONLY_RECEIVER_CAN_MARK_MESSAGE: PermissionDeniedError,
}

#: Codes after which the same request for the same device fails again however long one waits: the device or the
#: command must change first. A bulk run's failures with these codes are not worth retrying as they are.
PERMANENT_CODES = frozenset({
    ErrorCode.DEVICE_NOT_FOUND,
    ErrorCode.FORM_INVALID,
    ErrorCode.DID_PASSCODE_INVALID,
    ErrorCode.DEVICE_NOT_BOUND,
    ErrorCode.DEVICE_DISABLED,
    ErrorCode.ATTR_INVALID,
})


def is_permanent(error: BaseException) -> bool:
    """Whether retrying the same call later cannot help: bad input, a refused permission, or a code of
    `PERMANENT_CODES`."""
    if isinstance(error, ValidationError | PermissionDeniedError):
        return True
    return isinstance(error, APIError) and error.code in PERMANENT_CODES


#: What a failure means for the caller of an application's own HTTP API (first match wins; else 502).
_HTTP_STATUS: tuple[tuple[type[GizwitsError], int], ...] = (
    (ValidationError, 422),  # the caller's command is wrong, found before sending
    (AttrInvalidError, 422),  # the caller's values, refused by the server
    (DeviceNotFoundError, 404),
    (DeviceNotBoundError, 404),
    (PermissionDeniedError, 403),
    (DeviceOfflineError, 409),
    (DeviceDisabledError, 409),
    (ThrottledError, 429),
    (TransportError, 504),
)


def http_status(error: BaseException) -> int:
    """The status a web application in front of this library should answer for ``error``, by what it means:
    422 a bad command (bad input, values refused: 9025), 404 an unknown or unbound device, 403 a permission the
    user lacks (owner-only actions), 409 an offline or disabled device, 429 throttled, 504 the service
    unreachable, 502 any other failure upstream."""
    return next((status for cls, status in _HTTP_STATUS if isinstance(error, cls)), 502)


def error_key(error: BaseException) -> str:
    """One name per kind of failure, for counting them: the Gizwits code's name ("DEVICE_OFFLINE"),
    "CODE_<n>" for a code this library does not know, or the exception class when there is no code."""
    code = getattr(error, "code", None)
    if not isinstance(code, int):
        return type(error).__name__
    try:
        return ErrorCode(code).name
    except ValueError:
        return f"CODE_{code}"

_DETAIL_KEYS = ("detail_message", "detail", "detail_msg")
#: How much of a body that is not JSON an error keeps.
_TEXT_LIMIT = 65_536
#: The longest detail shown after the message in ``str(error)``, and the longest page summary.
_BRIEF_LIMIT = 200
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _as_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    # ASCII digits only, and short: int() refuses other Unicode digits and very long strings.
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def parse_error_body(body: bytes) -> tuple[int | None, str | None, str | None]:
    """(code, message, detail) of an error body, whatever its Content-Type; never raises.

    A body that is not a JSON object gives its title or first line as the message and its text as the detail.
    """
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        kept = text[:_TEXT_LIMIT]
        return None, page_summary(kept), (kept or None)
    message = data.get("error_message")
    detail = next((data[k] for k in _DETAIL_KEYS if data.get(k) not in (None, "")), None)
    return (
        _as_code(data.get("error_code")),
        str(message) if message is not None else None,
        str(detail) if detail is not None else None,
    )


def page_summary(text: str) -> str | None:
    """What a page that is not JSON says in one short line: its HTML title, else its first line with text."""
    title = _TITLE.search(text)
    candidates = [title.group(1)] if title else []
    candidates += text.splitlines()
    for candidate in candidates:
        line = " ".join(html.unescape(_TAG.sub(" ", candidate)).split())
        if line:
            return line if len(line) <= _BRIEF_LIMIT else line[: _BRIEF_LIMIT - 1] + "…"
    return None


def exception_class(code: int | None, status: int) -> type[APIError]:
    """The exception class for a code and HTTP status: by code first, then by status."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServerError
    return APIError


def error_from_response(status: int, body: bytes, *, method: str, url: str) -> APIError:
    """Build the typed exception for an error answer. ``url`` must carry no secret (paths never do)."""
    code, message, detail = parse_error_body(body)
    if message is None:
        message = _default_message(code, status)
    cls = exception_class(code, status)
    return cls(message, code=code, detail=detail, status=status, method=method, url=url)


def _default_message(code: int | None, status: int) -> str:
    if code is not None:
        try:
            return ErrorCode(code).name.lower().replace("_", " ")
        except ValueError:
            pass
    return "server error" if status >= 500 else "request failed"
