"""gizwits-async: an asyncio client for the Gizwits (机智云) Open API.

    import gizwits_async as gizwits

    async with gizwits.Session("your-appid") as session:
        await session.login("bob", "secret")
        devices = await session.bindings()
"""

from .auth import MemoryTokenStore, TokenStore
from .errors import (
    APIError,
    AuthenticationError,
    DeviceNotFoundError,
    DeviceOfflineError,
    ErrorCode,
    GizwitsError,
    ServerError,
    SessionClosedError,
    ThrottledError,
    TokenError,
    TransportError,
    UnexpectedError,
    ValidationError,
)
from .fanout import BulkError, BulkReport, Outcome, Progress
from .log import configure_from_env as _configure_logging_from_env
from .models import (
    AppToken,
    BindRequest,
    BindResult,
    Captcha,
    Device,
    DeviceData,
    Schedule,
    ScheduledCommand,
    ScheduleLog,
    Token,
)
from .retry import RetryPolicy
from .session import REGIONS, Session

__version__ = "0.1.0"

__all__ = [
    "REGIONS",
    "APIError",
    "AppToken",
    "AuthenticationError",
    "BindRequest",
    "BindResult",
    "BulkError",
    "BulkReport",
    "Captcha",
    "Device",
    "DeviceData",
    "DeviceNotFoundError",
    "DeviceOfflineError",
    "ErrorCode",
    "GizwitsError",
    "MemoryTokenStore",
    "Outcome",
    "Progress",
    "RetryPolicy",
    "Schedule",
    "ScheduleLog",
    "ScheduledCommand",
    "ServerError",
    "Session",
    "SessionClosedError",
    "ThrottledError",
    "Token",
    "TokenError",
    "TokenStore",
    "TransportError",
    "UnexpectedError",
    "ValidationError",
    "__version__",
]

_configure_logging_from_env()
